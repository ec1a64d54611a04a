-- Blocking analysis, the cap on oversized blocks, and quality against truth,
-- on a small generated register (persons with one or two addresses) and a
-- registry extract with errors and known truth.
SET search_path = public, pseudolink;

SELECT count(*) FROM add_dutch_blocking_rules('small', max_block => 10);

-- 2000 persons born 1930-1984.  Persons 1-60 live in a care home (postcode
-- 9999ZZ) and were born 1925-1929; persons 61-100 have the placeholder birth
-- date 1 January 1940.  Every fourth person has an earlier address.
CREATE TABLE person AS
SELECT i AS id,
       CASE WHEN i <= 60 THEN date '1925-01-01' + (abs(hashint8(i * 7 + 1)) % 1826)::int
            WHEN i <= 100 THEN date '1940-01-01'
            ELSE date '1930-01-01' + (abs(hashint8(i * 7 + 1)) % 20000)::int END AS birth_date,
       1 + (i % 2) AS sex
FROM generate_series(1, 2000) i;

CREATE TABLE address AS
SELECT p.id AS person_id, a.period,
       CASE WHEN p.id <= 60 AND a.period = 1 THEN '9999ZZ'
            ELSE (1011 + abs(hashint8(p.id * 7 + a.period)) % 8900)::text
                 || chr(65 + (abs(hashint8(p.id * 7 + a.period + 2)) % 18)::int)
                 || chr(65 + (abs(hashint8(p.id * 7 + a.period + 3)) % 26)::int) END AS postcode,
       (1 + abs(hashint8(p.id * 7 + a.period + 4)) % 120)::text AS house_number,
       CASE WHEN p.id % 9 = 0 THEN 'A' END AS house_suffix
FROM person p, generate_series(1, CASE WHEN p.id % 4 = 0 THEN 2 ELSE 1 END) a(period);

-- The register's key sets: one per person, over all address periods.
CREATE TABLE reg_keys AS
SELECT a.person_id AS id, blockkeys_agg(blocking_keys('small', r)) AS keys
FROM address a JOIN person p ON p.id = a.person_id,
     LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r
GROUP BY a.person_id;

-- 300 registry records of persons 1, 8, 15, ... with errors, and 20 records
-- of people not in the register.  Record i has: every 10th a swapped birth
-- date (where possible), every 10th (offset 3) a wrong postcode letter, every
-- 10th (offset 5) an earlier address, every 10th (offset 7) a wrong sex, and
-- every third no house number.
CREATE TABLE registry AS
WITH src AS (
    SELECT i AS record_id, 1 + (i - 1) * 7 % 2000 AS person_id FROM generate_series(1, 300) i)
SELECT s.record_id, s.person_id AS true_person_id,
       to_char(CASE WHEN s.record_id % 10 = 0 AND extract(day FROM p.birth_date) <= 12
                    THEN make_date(extract(year FROM p.birth_date)::int, extract(day FROM p.birth_date)::int,
                                   extract(month FROM p.birth_date)::int)
                    ELSE p.birth_date END, 'DD-MM-YYYY') AS birth_date,
       CASE WHEN s.record_id % 10 = 7 THEN 3 - p.sex ELSE p.sex END AS sex,
       CASE WHEN s.record_id % 10 = 3 THEN left(a.postcode, 5) || 'X' ELSE a.postcode END AS postcode,
       CASE WHEN s.record_id % 3 = 0 THEN NULL ELSE a.house_number END AS house_number,
       a.house_suffix
FROM src s JOIN person p ON p.id = s.person_id
     JOIN address a ON a.person_id = s.person_id
      AND a.period = CASE WHEN s.record_id % 10 = 5 AND s.person_id % 4 = 0 THEN 2 ELSE 1 END
UNION ALL
SELECT 300 + i, NULL, to_char(date '1950-01-01' + i * 97, 'DD-MM-YYYY'), 1, '5555AA', NULL, NULL
FROM generate_series(1, 20) i;

CREATE TABLE probe_keys AS
SELECT r.record_id AS id, r.true_person_id AS truth, blocking_keys('small', r, probe => true) AS keys
FROM registry r;

-- Before the run: per rule, then all rules.
SELECT * FROM blocking_analysis('small', 'probe_keys', 'keys', 'reg_keys', 'keys');
SELECT * FROM blocking_analysis('small', 'probe_keys', 'keys', 'reg_keys', 'keys', min_shared => 2)
WHERE rule_id IS NULL;
-- The largest blocks: the placeholder date and the care home.
SELECT rule_id, rule_name, probe_records, target_records, pairs, oversized, stopped
FROM blocking_largest_blocks('small', 'probe_keys', 'keys', 'reg_keys', 'keys', 5);

-- The cap: first a dry run, then stop the oversized keys for real.
SELECT rule_id, rule_name, target_records FROM blocking_stop_oversized('small', 'reg_keys', 'keys', dry_run => true);
SELECT count(*) FROM blocking_stop_key;
SELECT rule_id, rule_name, target_records FROM blocking_stop_oversized('small', 'reg_keys', 'keys');
SELECT model, rule_id, block_size FROM blocking_stop_key ORDER BY rule_id, block_size;
-- Stopping again only refreshes the block sizes.
SELECT count(*) FROM blocking_stop_oversized('small', 'reg_keys', 'keys');
SELECT count(*) FROM blocking_stop_key;
-- The analysis counts the stopped keys as capped, before the key sets are rebuilt ...
SELECT rule_id, oversized_blocks, pairs, pairs_after_cap
FROM blocking_analysis('small', 'probe_keys', 'keys', 'reg_keys', 'keys');
-- ... and after: the stopped keys are gone from every key set.
UPDATE reg_keys k SET keys = x.keys
FROM (SELECT a.person_id AS id, blockkeys_agg(blocking_keys('small', r)) AS keys
      FROM address a JOIN person p ON p.id = a.person_id,
           LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r
      GROUP BY a.person_id) x
WHERE x.id = k.id;
UPDATE probe_keys k SET keys = blocking_keys('small', r, probe => true) FROM registry r WHERE r.record_id = k.id;
SELECT * FROM blocking_analysis('small', 'probe_keys', 'keys', 'reg_keys', 'keys');

-- Quality against the known truth, at one and at two shared keys.
SELECT * FROM blocking_quality('probe_keys', 'id', 'keys', 'truth', 'reg_keys', 'id', 'keys');
SELECT * FROM blocking_quality('probe_keys', 'id', 'keys', 'truth', 'reg_keys', 'id', 'keys', min_shared => 2);
-- With a GIN index the candidates come from the index: the same numbers.
CREATE INDEX reg_keys_gin ON reg_keys USING gin (keys);
SELECT has_blocking_index('reg_keys', 'keys'), has_blocking_index('reg_keys', 'id');
SELECT * FROM blocking_quality('probe_keys', 'id', 'keys', 'truth', 'reg_keys', 'id', 'keys');
SELECT * FROM blocking_quality('probe_keys', 'id', 'keys', 'truth', 'reg_keys', 'id', 'keys', min_shared => 2);

-- Errors.
SELECT * FROM blocking_analysis('small', 'probe_keys', 'keys', 'reg_keys', 'keys', min_shared => 0);
SELECT * FROM blocking_analysis('nope', 'probe_keys', 'keys', 'reg_keys', 'keys');
SELECT * FROM blocking_analysis('small', 'probe_keys', 'nokeys', 'reg_keys', 'keys');
SELECT * FROM blocking_analysis('small', 'probe_keys', 'id', 'reg_keys', 'keys');
SELECT * FROM blocking_quality('probe_keys', 'id', 'keys', 'true_person_id', 'reg_keys', 'id', 'keys');
SELECT * FROM blocking_analysis('small', 'no_such_table', 'keys', 'reg_keys', 'keys');
SELECT * FROM blocking_largest_blocks('small', 'probe_keys', 'keys', 'reg_keys', 'keys', 0);
SELECT * FROM blocking_stop_oversized('nope', 'reg_keys', 'keys');
SELECT * FROM blocking_quality('probe_keys', 'id', 'keys', 'truth', 'reg_keys', 'id', 'keys', min_shared => NULL);

DELETE FROM blocking_stop_key WHERE model = 'small';
DELETE FROM blocking_rule WHERE model = 'small';
DROP TABLE person, address, reg_keys, registry, probe_keys;
