-- Generated data for the blocking benchmark and quality numbers: a register
-- of :persons persons with address history and a registry extract of
-- :records records with errors and known truth.  Every value is a pure
-- function of the row number (hashint8 of the number and a salt), so two
-- runs give the same data.  Run with psql -v persons=N -v records=M.
--
-- What it models (figures from DOMAIN.md, simplified):
--   * birth years from the births per year and a Gompertz survival curve,
--     share of men falling with age (49.8% at 65, 43.5% at 80, 29.8% at 90);
--   * about 39 residents per postcode, 112 postcodes per four-digit area,
--     care homes (elderly people concentrated on a few postcodes) and
--     student housing;
--   * twins (1.4% of persons) sharing birth date and address, 67.6% same sex;
--   * address history: 1 to 4 periods per person (35% moved at least once),
--     40% of moves within the same four-digit area;
--   * registry records: persons aged 40 and over, 5% not in the register;
--     the address at the event is the current one (85%) or an earlier one;
--     errors: birth day wrong 0.8%, day and month swapped 0.5%, birth year
--     wrong 0.5%, birth date missing 0.2%, sex wrong 1%, sex unknown 0.5%,
--     postcode letter wrong 0.7%, postcode digit wrong 0.7%, postcode
--     unknown (-1) 0.5%, abroad (0000) 0.3%, moved after the register's
--     last update (postcode not in the history) 2%, house number missing 30%,
--     house number wrong 1%.

\set ON_ERROR_STOP 1
CREATE SCHEMA IF NOT EXISTS bench;
SET search_path = bench, public;

-- A uniform number in [0, 1) from a row number and a salt.
CREATE OR REPLACE FUNCTION bench.u(i bigint, salt integer)
RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8(i * 1000003 + salt)::bigint & 2147483647)::float8 / 2147483648.0 $$;

-- Ages 0-100 weighted by births in the birth year times survival to the age.
CREATE TABLE bench.age_weight AS
WITH births(year, n) AS (VALUES (1920, 190000), (1930, 180000), (1940, 185000), (1946, 284000),
                                (1950, 229718), (1960, 239128), (1970, 238912), (1980, 181294),
                                (1990, 197965), (2000, 206619), (2010, 184397), (2020, 168681),
                                (2024, 167000)),
ages AS (SELECT a AS age, 2024 - a AS year FROM generate_series(0, 100) a),
interp AS (
    SELECT g.age,
           (SELECT b1.n + (b2.n - b1.n) * (g.year - b1.year)::float8 / (b2.year - b1.year)
            FROM births b1, births b2
            WHERE b1.year <= g.year AND b2.year > g.year
              AND NOT EXISTS (SELECT FROM births b3 WHERE b3.year > b1.year AND b3.year <= g.year)
              AND NOT EXISTS (SELECT FROM births b4 WHERE b4.year > g.year AND b4.year < b2.year)) AS births
    FROM ages g)
SELECT age, coalesce(births, 167000) * exp(-(0.00002 / 0.1) * (exp(0.1 * age) - 1)) AS w
FROM interp;

-- 1000 quantile slots of the age distribution, for O(1) sampling.
CREATE TABLE bench.age_slots AS
WITH c AS (SELECT age, sum(w) OVER (ORDER BY age) / sum(w) OVER () AS cum FROM bench.age_weight)
SELECT array_agg((SELECT min(age) FROM c WHERE cum >= (s + 0.5) / 1000.0) ORDER BY s) AS slots
FROM generate_series(0, 999) s;

CREATE TABLE bench.params AS
SELECT :persons::bigint AS persons,
       :records::bigint AS records,
       ceil(:persons / 39.0)::bigint AS postcodes,
       ceil(ceil(:persons / 39.0) / 112.0)::bigint AS areas;

-- Postcode number j -> "1234AB": area j / 112 spread over 1011-9999,
-- letters from j % 112 (AA..ED, never SA, SD or SS).
CREATE OR REPLACE FUNCTION bench.postcode(j bigint, areas bigint)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (1011 + (j / 112) * 8988 / areas)::text
             || chr(65 + ((j % 112) / 26)::int) || chr(65 + ((j % 112) % 26)::int) $$;

-- Persons --------------------------------------------------------------------
CREATE TABLE bench.person AS
WITH base AS (
    SELECT i AS id,
           s.slots[1 + floor(bench.u(i, 1) * 1000)::int] AS age,
           bench.u(i, 2) AS u_day, bench.u(i, 3) AS u_sex
    FROM generate_series(1, :persons) i, bench.age_slots s),
dated AS (
    SELECT id, age,
           make_date(2024 - age, 1, 1) + floor(u_day * 365)::int AS birth_date,
           CASE WHEN u_sex < CASE WHEN age < 50 THEN 0.505
                                  WHEN age < 65 THEN 0.505 - (age - 50) * 0.0005
                                  WHEN age < 80 THEN 0.498 - (age - 65) * 0.0042
                                  WHEN age < 90 THEN 0.435 - (age - 80) * 0.0137
                                  ELSE 0.298 - (age - 90) * 0.01 END
                THEN 1 ELSE 2 END AS sex
    FROM base)
SELECT d.id,
       -- twins: the second of a pair copies the first one's birth date
       CASE WHEN d.id % 70 = 2 THEN t.birth_date ELSE d.birth_date END AS birth_date,
       CASE WHEN d.id % 70 = 2 THEN CASE WHEN bench.u(d.id, 4) < 0.676 THEN t.sex ELSE 3 - t.sex END
            ELSE d.sex END AS sex,
       CASE WHEN d.id % 70 = 2 THEN t.age ELSE d.age END AS age
FROM dated d LEFT JOIN dated t ON d.id % 70 = 2 AND t.id = d.id - 1;
ALTER TABLE bench.person ADD PRIMARY KEY (id);

-- Address periods: period 1 is the current address, 2-4 earlier ones.
CREATE TABLE bench.address AS
WITH n AS (
    SELECT p.id AS person_id, p.age,
           1 + (bench.u(p.id, 10) < 0.35)::int + (bench.u(p.id, 11) < 0.12)::int
             + (bench.u(p.id, 12) < 0.04)::int AS periods
    FROM bench.person p),
periods AS (
    SELECT n.person_id, n.age, k AS period
    FROM n, generate_series(1, n.periods) k),
current_pc AS (
    SELECT p.person_id, p.period, p.age,
           CASE
             -- twins share the first twin's address
             WHEN p.person_id % 70 = 2 THEN p.person_id - 1
             ELSE p.person_id END AS addr_owner
    FROM periods p)
SELECT c.person_id, c.period,
       bench.postcode(
         CASE
           WHEN c.period = 1 AND c.age >= 78 AND bench.u(c.addr_owner, 20) < 0.25
             THEN (floor(bench.u(c.addr_owner, 21) * (x.postcodes / 200)) * 200)::bigint      -- care home
           WHEN c.period = 1 AND c.age BETWEEN 18 AND 25 AND bench.u(c.addr_owner, 22) < 0.2
             THEN (floor(bench.u(c.addr_owner, 23) * (x.postcodes / 200)) * 200 + 100)::bigint -- student housing
           WHEN c.period > 1 AND bench.u(c.addr_owner * 8 + c.period, 24) < 0.4
             -- a move within the same four-digit area as the current address
             THEN (floor(bench.u(c.addr_owner, 25) * x.postcodes)::bigint / 112) * 112
                  + floor(bench.u(c.addr_owner * 8 + c.period, 26) * 112)::bigint
           WHEN c.period = 1 THEN floor(bench.u(c.addr_owner, 25) * x.postcodes)::bigint
           ELSE floor(bench.u(c.addr_owner * 8 + c.period, 25) * x.postcodes)::bigint
         END % x.postcodes, x.areas) AS postcode,
       (1 + floor(power(bench.u(c.addr_owner * 8 + c.period, 27), 2) * 150)::int)::text
         || CASE WHEN bench.u(c.addr_owner * 8 + c.period, 28) < 0.1 THEN 'A' ELSE '' END AS house_number,
       date '2024-01-01' - (c.period - 1) * 1500 - floor(bench.u(c.person_id, 29) * 1000)::int AS valid_from
FROM current_pc c, bench.params x;

CREATE INDEX ON bench.address (person_id);

-- Registry extract ----------------------------------------------------------
CREATE TABLE bench.eligible AS
SELECT id, row_number() OVER (ORDER BY id) AS rn FROM bench.person WHERE age >= 40;
ALTER TABLE bench.eligible ADD PRIMARY KEY (rn);

CREATE TABLE bench.registry AS
WITH pick AS (
    SELECT r AS record_id,
           CASE WHEN bench.u(r, 100) < 0.95
                THEN (SELECT e.id FROM bench.eligible e
                      WHERE e.rn = 1 + floor(bench.u(r, 101) * (SELECT count(*) FROM bench.eligible))::bigint)
           END AS true_person_id
    FROM generate_series(1, :records) r),
src AS (
    SELECT k.record_id, k.true_person_id,
           coalesce(p.birth_date, make_date(1930 + floor(bench.u(k.record_id, 102) * 60)::int, 1, 1)
                                   + floor(bench.u(k.record_id, 103) * 365)::int) AS birth_date,
           coalesce(p.sex, 1 + (bench.u(k.record_id, 104) < 0.5)::int) AS sex,
           coalesce(a.postcode, bench.postcode(floor(bench.u(k.record_id, 105) * x.postcodes)::bigint, x.areas)) AS postcode,
           coalesce(a.house_number, (1 + floor(bench.u(k.record_id, 106) * 150))::text) AS house_number
    FROM pick k CROSS JOIN bench.params x
         LEFT JOIN bench.person p ON p.id = k.true_person_id
         LEFT JOIN LATERAL (
             SELECT a.postcode, a.house_number FROM bench.address a
             WHERE a.person_id = k.true_person_id
             ORDER BY (a.period = 1 AND bench.u(k.record_id, 107) < 0.85) DESC, a.period DESC
             LIMIT 1) a ON true),
err AS (
    SELECT s.*, bench.u(s.record_id, 110) AS e_dob, bench.u(s.record_id, 111) AS e_sex,
           bench.u(s.record_id, 112) AS e_pc, bench.u(s.record_id, 113) AS e_hn,
           bench.u(s.record_id, 114) AS e_v
    FROM src s),
dob AS (
    SELECT e.*,
           CASE
             WHEN e_dob < 0.008 THEN   -- wrong day, same month
               make_date(extract(year FROM birth_date)::int, extract(month FROM birth_date)::int,
                         1 + ((extract(day FROM birth_date)::int - 1 + 1 + floor(e_v * 27)::int) % 28))
             WHEN e_dob < 0.013 AND extract(day FROM birth_date) <= 12
                  AND extract(day FROM birth_date) <> extract(month FROM birth_date) THEN  -- swapped
               make_date(extract(year FROM birth_date)::int, extract(day FROM birth_date)::int,
                         extract(month FROM birth_date)::int)
             WHEN e_dob >= 0.013 AND e_dob < 0.018 THEN   -- wrong year
               birth_date + ((1 + floor(e_v * 9)::int) * 365)
             ELSE birth_date END AS dob_recorded
    FROM err e)
SELECT record_id, true_person_id,
       CASE WHEN e_dob >= 0.018 AND e_dob < 0.020 THEN NULL
            ELSE to_char(dob_recorded, 'DD-MM-YYYY') END AS birth_date,
       CASE WHEN e_sex < 0.010 THEN 3 - sex WHEN e_sex < 0.015 THEN -1 ELSE sex END AS sex,
       CASE
         WHEN e_pc < 0.007 THEN left(postcode, 5) || chr(65 + ((ascii(right(postcode, 1)) - 65 + 1 + floor(e_v * 24)::int) % 26))
         WHEN e_pc < 0.014 THEN left(postcode, 3) || ((substr(postcode, 4, 1)::int + 1 + floor(e_v * 8)::int) % 10)::text || right(postcode, 2)
         WHEN e_pc < 0.019 THEN '-1'
         WHEN e_pc < 0.022 THEN '0000'
         WHEN e_pc < 0.042 THEN bench.postcode(floor(bench.u(record_id, 115) * x.postcodes)::bigint, x.areas)
         -- half the registries write the space
         WHEN bench.u(record_id, 116) < 0.5 THEN left(postcode, 4) || ' ' || right(postcode, 2)
         ELSE postcode END AS postcode,
       CASE WHEN e_hn < 0.30 THEN NULL
            WHEN e_hn < 0.31 THEN (1 + floor(e_v * 150))::text
            ELSE house_number END AS house_number
FROM dob, bench.params x;
ALTER TABLE bench.registry ADD PRIMARY KEY (record_id);

ANALYZE bench.person;
ANALYZE bench.address;
ANALYZE bench.registry;
