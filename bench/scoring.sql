-- The scoring benchmark's data and models, loaded by bench/scoring.sh
-- (psql variables seed and rows).
--
--   bench.names:  :rows pairs of Dutch surnames, half of them the same name
--                 with zero to two typing errors (substitution, deletion,
--                 insertion, transposition), half two different names; one
--                 name in twelve carries a diacritic.
--   bench.cand:   :rows candidate pairs of registry record and register
--                 person: birth date, postcode and house number with suffix
--                 on both sides, with the errors the level functions look
--                 for, and about 3% of each field missing.
--   model bench3: three comparisons (compare_dates, compare_postcodes,
--                 compare_house_numbers) with fixed m and u.
--   bench.splink_sql: the same model as the SQL Splink generates for
--                 PostgreSQL: a CASE per comparison for its level
--                 (gamma_*), a CASE per comparison for its Bayes factor
--                 (bf_*), and log2(prior odds * product of the factors),
--                 with Splink's own log2 function or with ln(x) / ln(2).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA bench;
CREATE SCHEMA sim;
CREATE SCHEMA fsm;
CREATE EXTENSION pg_similarity SCHEMA sim;
CREATE EXTENSION fuzzystrmatch SCHEMA fsm;
SELECT setseed(:seed);

CREATE TABLE bench.surname (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO bench.surname
SELECT row_number() OVER (), n FROM unnest(ARRAY[
    'de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser', 'Smit',
    'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'van Leeuwen', 'Dekker',
    'Brouwer', 'de Wit', 'Dijkstra', 'Smits', 'de Graaf', 'van der Meer', 'van der Linden', 'Kok', 'Jacobs',
    'de Haan', 'Vermeulen', 'van den Heuvel', 'van der Veen', 'van den Broek', 'de Bruijn', 'de Bruin',
    'van der Heijden', 'Schouten', 'van Beek', 'Willems', 'van Vliet', 'van de Ven', 'Hoekstra', 'Maas',
    'Verhoeven', 'Koster', 'van Dam', 'van der Wal', 'Prins', 'Blom', 'Huisman', 'Peeters', 'de Jonge',
    'Kuipers', 'van Veen', 'Post', 'Kuiper', 'Veenstra', 'Kramer', 'van den Brink', 'Scholten', 'van Wijk',
    'Postma', 'Martens', 'Vink', 'de Ruiter', 'Timmermans', 'Groen', 'Gerritsen', 'Jonker', 'van Loon',
    'Boer', 'van der Velde', 'Willemsen', 'Smeets', 'de Lange', 'de Vos', 'Bosch', 'van Dongen', 'Schipper',
    'de Koning', 'van der Laan', 'Koning', 'van der Velden', 'Driessen', 'van Doorn', 'Hermans', 'Evers',
    'van den Bosch', 'van der Meulen', 'Hofman', 'Bosman', 'Wolters', 'Sanders', 'van der Horst', 'Mertens',
    'Kuijpers', 'Wouters', 'Hoogendoorn', 'Ruiter', 'Verbeek', 'Müller', 'Schröder', 'Gödel', 'Çelik',
    'Öztürk', 'Yılmaz', 'Hoëvenaars', 'Zoë Bakker', 'Ĳzerman', 'Crêpe', 'Ünal', 'Šimić']) AS t(n);
SELECT count(*) AS nsurnames FROM bench.surname \gset
CREATE TABLE bench.names AS
SELECT g AS id, a.name AS a,
       CASE WHEN g % 2 = 0 THEN
           CASE e.op
               WHEN 0 THEN a.name
               WHEN 1 THEN overlay(a.name PLACING chr(97 + e.c) FROM e.p FOR 1)
               WHEN 2 THEN overlay(a.name PLACING '' FROM e.p FOR 1)
               WHEN 3 THEN overlay(a.name PLACING chr(97 + e.c) FROM e.p FOR 0)
               ELSE overlay(a.name PLACING substr(a.name, e.p + 1, 1) || substr(a.name, e.p, 1) FROM e.p FOR 2)
           END
       ELSE o.name END AS b
FROM generate_series(1, :rows) g
CROSS JOIN LATERAL (SELECT 1 + floor(random() * :nsurnames)::int AS ia, 1 + floor(random() * :nsurnames)::int AS ib,
                           floor(random() * 5)::int AS op, floor(random() * 26)::int AS c, random() AS rp
                    WHERE g > 0) r
JOIN bench.surname a ON a.id = r.ia
JOIN bench.surname o ON o.id = r.ib
CROSS JOIN LATERAL (SELECT r.op, r.c, 1 + floor(r.rp * greatest(length(a.name) - 1, 1))::int AS p) e;
VACUUM (ANALYZE, FREEZE) bench.names;

-- Candidate pairs.  Every pair starts as two random records; then each field
-- of the second is made to agree, or to agree partly, with some chance.
-- Postcode letters avoid S in second place, so that exchanging them never
-- makes one of the unused pairs SA, SD, SS (which compare as missing).
CREATE TABLE bench.cand AS
WITH base AS (
    SELECT g AS id,
           date '1925-01-01' + floor(random() * 27000)::int AS dob,
           (1011 + floor(random() * 8988)::int)::text
               || chr(65 + floor(random() * 18)::int) || substr('ABCDEFGHJKLMNPRTUVWXYZ', 1 + floor(random() * 22)::int, 1) AS pc,
           1 + floor(random() * 180)::int AS hn,
           CASE WHEN random() < 0.8 THEN NULL ELSE (ARRAY['A', 'B', 'C', '1', '2', 'BIS', 'HS'])[1 + floor(random() * 7)::int] END AS hs,
           random() AS rd, random() AS rp, random() AS rh, random() AS rx, floor(random() * 8)::int AS k
    FROM generate_series(1, :rows) g)
SELECT id,
       CASE WHEN rx < 0.03 THEN NULL ELSE dob END AS dob_l,
       CASE WHEN rx > 0.97 THEN NULL
            WHEN rd < 0.55 THEN dob
            WHEN rd < 0.60 AND extract(day FROM dob) <= 12
                 THEN make_date(extract(year FROM dob)::int, extract(day FROM dob)::int, extract(month FROM dob)::int)
            WHEN rd < 0.68 THEN dob + (ARRAY[1, -1, 10, -10, 3652, -3652, 2, 20])[k + 1]
            WHEN rd < 0.72 THEN date_trunc('month', dob)::date + (k * 3)
            WHEN rd < 0.80 THEN dob + (floor(rp * 700)::int - 350)
            ELSE date '1925-01-01' + floor(rh * 27000)::int END AS dob_r,
       CASE WHEN rp < 0.03 THEN NULL ELSE pc END AS pc_l,
       CASE WHEN rp > 0.97 THEN NULL
            WHEN rp < 0.60 THEN pc
            WHEN rp < 0.64 THEN left(pc, 4) || substr(pc, 6, 1) || substr(pc, 5, 1)
            WHEN rp < 0.72 THEN overlay(pc PLACING chr(65 + k) FROM 5 + k % 2 FOR 1)
            WHEN rp < 0.76 THEN overlay(pc PLACING (1 + k)::text FROM 2 + k % 3 FOR 1)
            WHEN rp < 0.86 THEN left(pc, 4) || 'ZZ'
            ELSE (1011 + floor(rd * 8988)::int)::text || 'XY' END AS pc_r,
       CASE WHEN rh < 0.03 THEN NULL ELSE hn END AS hn_l,
       hs AS hs_l,
       CASE WHEN rh > 0.97 THEN NULL WHEN rh < 0.65 THEN hn ELSE 1 + floor(rx * 180)::int END AS hn_r,
       CASE WHEN rh < 0.55 THEN hs WHEN rh < 0.65 THEN 'D' ELSE NULL END AS hs_r
FROM base;
VACUUM (ANALYZE, FREEZE) bench.cand;

-- The model, with fixed parameters.
INSERT INTO pseudolink.fs_model (model, prior, description) VALUES ('bench3', 0.0005, 'scoring benchmark');
SELECT pseudolink.fs_add_comparison('bench3', 'birth_date', pseudolink.comparison_labels('compare_dates'));
SELECT pseudolink.fs_add_comparison('bench3', 'postcode', pseudolink.comparison_labels('compare_postcodes'));
SELECT pseudolink.fs_add_comparison('bench3', 'house_number', pseudolink.comparison_labels('compare_house_numbers'));
UPDATE pseudolink.fs_level l SET m = v.m, u = v.u
FROM (VALUES ('birth_date', 5, 0.95, 0.00005), ('birth_date', 4, 0.005, 0.00005), ('birth_date', 3, 0.02, 0.0008),
             ('birth_date', 2, 0.01, 0.0024), ('birth_date', 1, 0.005, 0.026), ('birth_date', 0, 0.01, 0.9707),
             ('postcode', 4, 0.85, 0.000003), ('postcode', 3, 0.005, 0.000003), ('postcode', 2, 0.03, 0.00005),
             ('postcode', 1, 0.06, 0.0009), ('postcode', 0, 0.055, 0.999044),
             ('house_number', 2, 0.9, 0.02), ('house_number', 1, 0.03, 0.002), ('house_number', 0, 0.07, 0.978))
     AS v(comparison, level, m, u)
WHERE l.model = 'bench3' AND l.comparison = v.comparison AND l.level = v.level;

-- Splink's SQL for the same model, built from the model tables so that it
-- carries exactly the same parameters: the level conditions are what
-- Splink's comparison levels generate on PostgreSQL (fuzzystrmatch's
-- levenshtein for "one character/digit wrong"), the NULL level is -1 with a
-- Bayes factor of 1, and the weight is log2(prior odds * the factors).
CREATE TABLE bench.splink_sql (part text PRIMARY KEY, sql text);
INSERT INTO bench.splink_sql VALUES
('gamma_birth_date', $$CASE WHEN dob_l IS NULL OR dob_r IS NULL THEN -1
      WHEN dob_l = dob_r THEN 5
      WHEN extract(year FROM dob_l) = extract(year FROM dob_r) AND extract(month FROM dob_l) = extract(day FROM dob_r)
           AND extract(day FROM dob_l) = extract(month FROM dob_r) THEN 4
      WHEN fsm.levenshtein(to_char(dob_l, 'YYYYMMDD'), to_char(dob_r, 'YYYYMMDD')) = 1 THEN 3
      WHEN date_trunc('month', dob_l) = date_trunc('month', dob_r) THEN 2
      WHEN abs(dob_l - dob_r) <= 365 THEN 1
      ELSE 0 END$$),
('gamma_postcode', $$CASE WHEN pc_l IS NULL OR pc_r IS NULL THEN -1
      WHEN pc_l = pc_r THEN 4
      WHEN left(pc_l, 4) = left(pc_r, 4) AND substr(pc_l, 5, 1) = substr(pc_r, 6, 1)
           AND substr(pc_l, 6, 1) = substr(pc_r, 5, 1) THEN 3
      WHEN fsm.levenshtein(pc_l, pc_r) = 1 THEN 2
      WHEN left(pc_l, 4) = left(pc_r, 4) THEN 1
      ELSE 0 END$$),
('gamma_house_number', $$CASE WHEN hn_l IS NULL OR hn_r IS NULL THEN -1
      WHEN hn_l = hn_r AND coalesce(hs_l, '') = coalesce(hs_r, '') THEN 2
      WHEN hn_l = hn_r THEN 1
      ELSE 0 END$$);
INSERT INTO bench.splink_sql
SELECT 'bf_' || c.comparison,
       format('CASE WHEN %I = -1 THEN cast(1.0 as float8) %s END', 'gamma_' || c.comparison,
              string_agg(format('WHEN %I = %s THEN cast(%s as float8)', 'gamma_' || c.comparison, l.level,
                                (l.m / l.u)::text), ' ' ORDER BY l.level DESC))
FROM pseudolink.fs_comparison c JOIN pseudolink.fs_level l USING (model, comparison)
WHERE c.model = 'bench3' GROUP BY c.comparison;
-- PostgreSQL has no log2(float8); Splink's PostgreSQL backend creates this
-- one (not marked PARALLEL SAFE, so its queries run serially).  The second
-- form of the weight, ln(x) / ln(2), is the fastest float expression
-- instead: CASE expressions at their best.
CREATE FUNCTION bench.log2(n float8)
RETURNS float8 AS $$
SELECT log(2.0, n::numeric)::float8;
$$ LANGUAGE SQL IMMUTABLE;
INSERT INTO bench.splink_sql
SELECT 'match_weight', format('bench.log2(cast(%s as float8) * bf_birth_date * bf_postcode * bf_house_number)',
                              (prior / (1 - prior))::text)
FROM pseudolink.fs_model WHERE model = 'bench3';
INSERT INTO bench.splink_sql
SELECT 'match_weight_ln', format('ln(cast(%s as float8) * bf_birth_date * bf_postcode * bf_house_number) / ln(2::float8)',
                                 (prior / (1 - prior))::text)
FROM pseudolink.fs_model WHERE model = 'bench3';

-- Precomputed levels, for timing the weights alone, each side in its own
-- form: a level array for match_weight (the form EM trains on, NULL for a
-- missing value), one integer column per comparison for Splink (-1).
CREATE TABLE bench.gammas AS
SELECT id, g_dob, g_pc, g_hn, ARRAY[g_dob, g_pc, g_hn] AS levels,
       coalesce(g_dob, -1) AS gamma_birth_date, coalesce(g_pc, -1) AS gamma_postcode,
       coalesce(g_hn, -1) AS gamma_house_number
FROM (SELECT id,
             pseudolink.compare_dates(dob_l, dob_r) AS g_dob,
             pseudolink.compare_postcodes(pc_l, pc_r) AS g_pc,
             pseudolink.compare_house_numbers(hn_l, hs_l, hn_r, hs_r) AS g_hn
      FROM bench.cand) c;
VACUUM (ANALYZE, FREEZE) bench.gammas;

-- The whole Splink query (levels, then factors, then the weight), and the
-- weights alone from the precomputed levels; each with both forms of log2.
INSERT INTO bench.splink_sql
SELECT 'query' || suffix, format('SELECT %s AS match_weight FROM (SELECT *, %s AS bf_birth_date, %s AS bf_postcode, %s AS bf_house_number
    FROM (SELECT %s AS gamma_birth_date, %s AS gamma_postcode, %s AS gamma_house_number FROM bench.cand) g) f',
    (SELECT sql FROM bench.splink_sql WHERE part = 'match_weight' || suffix),
    (SELECT sql FROM bench.splink_sql WHERE part = 'bf_birth_date'),
    (SELECT sql FROM bench.splink_sql WHERE part = 'bf_postcode'),
    (SELECT sql FROM bench.splink_sql WHERE part = 'bf_house_number'),
    (SELECT sql FROM bench.splink_sql WHERE part = 'gamma_birth_date'),
    (SELECT sql FROM bench.splink_sql WHERE part = 'gamma_postcode'),
    (SELECT sql FROM bench.splink_sql WHERE part = 'gamma_house_number'))
FROM (VALUES (''), ('_ln')) AS v(suffix);
INSERT INTO bench.splink_sql
SELECT 'weights_query' || suffix, format('SELECT %s AS match_weight FROM (SELECT %s AS bf_birth_date, %s AS bf_postcode, %s AS bf_house_number
    FROM bench.gammas) f',
    (SELECT sql FROM bench.splink_sql WHERE part = 'match_weight' || suffix),
    (SELECT sql FROM bench.splink_sql WHERE part = 'bf_birth_date'),
    (SELECT sql FROM bench.splink_sql WHERE part = 'bf_postcode'),
    (SELECT sql FROM bench.splink_sql WHERE part = 'bf_house_number'))
FROM (VALUES (''), ('_ln')) AS v(suffix);
