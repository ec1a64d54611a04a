-- The blocking benchmark's work, run by bench/blocking.sh (psql variables
-- seed, persons, records, rounds).  Everything it measures lands in
-- bench.timing and bench.fact; the shell script turns them into
-- bench/results/blocking.md.
--
-- Data: a synthetic register (pseudolink.synth_persons/synth_addresses) of
-- :persons persons with ten years of address history, and a PCI extract of
-- :records records drawn from it with errors and known truth
-- (pseudolink.synth_extract).
--
-- The two ways to find the candidate pairs of the six Dutch rules:
--   * GIN: one key set per register person (all address periods), one per
--     record, and one join keys && keys served by the GIN index;
--   * UNION (Splink style): one equality join per rule on normalised
--     columns, each with its btree index, and UNION to drop duplicate pairs.
-- Both find exactly the same pairs (checked: count and an order-independent
-- checksum), so the recall is equal by construction.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA bench;
SET search_path = bench, pseudolink, public;

CREATE TABLE bench.timing (step text, round int, ms float8, pairs bigint, checksum numeric);
CREATE TABLE bench.fact (name text PRIMARY KEY, value text);

-- Run a statement and record how long it took.
CREATE FUNCTION bench.timed(step text, statement text, round int DEFAULT 1) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE statement;
    INSERT INTO bench.timing VALUES (step, round, 1000 * extract(epoch FROM clock_timestamp() - t0), NULL, NULL);
END
$$;
-- Run a candidate query (returning the number of pairs and a checksum) and record it.
CREATE FUNCTION bench.timed_pairs(step text, query text, round int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    n bigint;
    c numeric;
BEGIN
    EXECUTE query INTO n, c;
    INSERT INTO bench.timing VALUES (step, round, 1000 * extract(epoch FROM clock_timestamp() - t0), n, c);
END
$$;

-- Data ------------------------------------------------------------------
-- The register is stored in birth date order: most candidate pairs share
-- birth date and sex, so their rows then sit on the same pages.  Both
-- methods get the same tables.
CREATE TABLE bench.person AS
SELECT person_id, birth_date, sex FROM pseudolink.synth_persons(:seed, :persons)
ORDER BY birth_date, sex, person_id;
CREATE TABLE bench.address AS
SELECT person_id, postcode, house_number, house_suffix, valid_from, valid_to
FROM pseudolink.synth_addresses(:seed, :persons);
CREATE TABLE bench.registry AS
SELECT record_no, birth_date, sex, postcode, house_number, house_suffix, true_person_id, errors
FROM pseudolink.synth_extract(:seed, :persons, 'PCI', :records);
INSERT INTO bench.fact
VALUES ('persons', (SELECT count(*) FROM bench.person)::text),
       ('periods', (SELECT count(*) FROM bench.address)::text),
       ('records', (SELECT count(*) FROM bench.registry)::text),
       ('records in register', (SELECT count(*) FROM bench.registry WHERE true_person_id IS NOT NULL)::text);

SELECT count(*) FROM add_dutch_blocking_rules('nl');

-- GIN: key sets and the index ------------------------------------------------
SELECT bench.timed('GIN: key sets of the register', $$
    CREATE TABLE bench.reg_keys AS
    SELECT p.person_id AS id, k.keys
    FROM bench.person p
         JOIN (SELECT a.person_id, blockkeys_agg(blocking_keys('nl', r)) AS keys
               FROM bench.address a JOIN bench.person p USING (person_id),
                    LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r
               GROUP BY a.person_id) k USING (person_id)
    ORDER BY p.birth_date, p.sex, p.person_id $$);
SELECT bench.timed('GIN: key sets of the registry', $$
    CREATE TABLE bench.q_keys AS
    SELECT e.record_no AS id, e.true_person_id, blocking_keys('nl', e, probe => true) AS keys
    FROM bench.registry e
    ORDER BY right(e.birth_date, 4), substr(e.birth_date, 4, 2), left(e.birth_date, 2), e.sex, e.record_no $$);
SELECT bench.timed('GIN: index build', $$ CREATE INDEX reg_keys_gin ON bench.reg_keys USING gin (keys) $$);
-- The same key sets in person id order (a keyed permutation: no order at
-- all), to measure what the birth date order of the register is worth.
CREATE TABLE bench.reg_keys_unordered AS SELECT * FROM bench.reg_keys ORDER BY id;
CREATE INDEX reg_keys_unordered_gin ON bench.reg_keys_unordered USING gin (keys);

-- UNION: normalised columns and one btree per rule -------------------------
-- The same normalisation as the blocking transforms, in SQL.
-- (one-expression SQL functions: the planner inlines them)
CREATE FUNCTION bench.squeeze(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT upper(replace(t, ' ', '')) $$;
CREATE FUNCTION bench.pc6(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN bench.squeeze(t) ~ '^[1-9][0-9]{3}[A-Z]{2}$'
                 AND right(bench.squeeze(t), 2) NOT IN ('SA', 'SD', 'SS') THEN bench.squeeze(t) END $$;
CREATE FUNCTION bench.pc4(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN bench.squeeze(t) ~ '^[1-9][0-9]{3}$' THEN bench.squeeze(t) ELSE left(bench.pc6(t), 4) END $$;
CREATE FUNCTION bench.suffix(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT upper(translate(coalesce(t, ''), E' \t-/.', '')) $$;
CREATE FUNCTION bench.nhr_date(t text) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t ~ '^\d{2}-\d{2}-\d{4}$' THEN to_date(t, 'DD-MM-YYYY') END $$;

SELECT bench.timed('UNION: normalised register', $$
    CREATE TABLE bench.person_f AS
    SELECT person_id AS id, birth_date AS dob, sex::int AS sex FROM bench.person ORDER BY birth_date, sex, person_id;
    CREATE TABLE bench.addr_f AS
    SELECT a.person_id AS id, p.birth_date AS dob, p.sex::int AS sex, bench.pc6(a.postcode) AS pc6,
           bench.pc4(a.postcode) AS pc4, extract(year FROM p.birth_date)::int AS yr,
           to_char(p.birth_date, 'MM-DD') AS mmdd,
           CASE WHEN a.house_number > 0 THEN a.house_number END AS hn, bench.suffix(a.house_suffix) AS hs
    FROM bench.address a JOIN bench.person p USING (person_id)
    ORDER BY p.birth_date, p.sex, p.person_id $$);
SELECT bench.timed('UNION: normalised registry', $$
    CREATE TABLE bench.q_f AS
    SELECT e.record_no AS id, d AS dob,
           CASE WHEN extract(day FROM d) <= 12 AND extract(day FROM d) <> extract(month FROM d)
                THEN make_date(extract(year FROM d)::int, extract(day FROM d)::int, extract(month FROM d)::int)
           END AS dob_swapped,
           CASE e.sex WHEN '1' THEN 1 WHEN '2' THEN 2 END AS sex,
           bench.pc6(e.postcode) AS pc6, bench.pc4(e.postcode) AS pc4,
           extract(year FROM d)::int AS yr, to_char(d, 'MM-DD') AS mmdd,
           CASE WHEN e.house_number > 0 THEN e.house_number END AS hn, bench.suffix(e.house_suffix) AS hs
    FROM bench.registry e, LATERAL (SELECT bench.nhr_date(e.birth_date) AS d) x
    ORDER BY d, e.sex, e.record_no $$);
SELECT bench.timed('UNION: index build (5 btrees)', $$
    CREATE INDEX ON bench.person_f (dob, sex);
    CREATE INDEX ON bench.addr_f (yr, pc6);
    CREATE INDEX ON bench.addr_f (dob, pc4);
    CREATE INDEX ON bench.addr_f (mmdd, pc6, sex);
    CREATE INDEX ON bench.addr_f (pc6, hn, hs) $$);

VACUUM ANALYZE bench.reg_keys;
VACUUM ANALYZE bench.reg_keys_unordered;
VACUUM ANALYZE bench.q_keys;
VACUUM ANALYZE bench.person_f;
VACUUM ANALYZE bench.addr_f;
VACUUM ANALYZE bench.q_f;
-- Up to two workers for every table, whatever its size.
ALTER TABLE bench.reg_keys SET (parallel_workers = 2);
ALTER TABLE bench.reg_keys_unordered SET (parallel_workers = 2);
ALTER TABLE bench.q_keys SET (parallel_workers = 2);
ALTER TABLE bench.person_f SET (parallel_workers = 2);
ALTER TABLE bench.addr_f SET (parallel_workers = 2);
ALTER TABLE bench.q_f SET (parallel_workers = 2);

INSERT INTO bench.fact
SELECT 'size: ' || c.relname, pg_relation_size(c.oid)::text
FROM pg_class c
WHERE c.relnamespace = 'bench'::regnamespace AND c.relkind IN ('r', 'i')
  AND c.relname IN ('reg_keys', 'q_keys', 'reg_keys_gin', 'person_f', 'addr_f', 'q_f')
UNION ALL
SELECT 'size: UNION btrees', sum(pg_relation_size(i.indexrelid))::text
FROM pg_index i WHERE i.indrelid IN ('bench.person_f'::regclass, 'bench.addr_f'::regclass);

-- The candidate queries ------------------------------------------------------
-- checksum: an order-independent sum over the pairs, equal for equal sets.
-- settings: planner settings for the query alone ("name=value,name=value").
CREATE TABLE bench.query (name text PRIMARY KEY, sql text, settings text);
INSERT INTO bench.query VALUES
('GIN &&', $$
    SELECT count(*), sum(hashint8(p.id # (q.id << 40))::numeric)
    FROM bench.q_keys q JOIN bench.reg_keys p ON p.keys && q.keys $$, NULL),
('UNION of 6 joins', $$
    SELECT count(*), sum(hashint8(x.pid # (x.qid << 40))::numeric) FROM (
        SELECT q.id AS qid, p.id AS pid FROM bench.q_f q JOIN bench.person_f p ON p.dob = q.dob AND p.sex = q.sex
        UNION SELECT q.id, a.id FROM bench.q_f q JOIN bench.addr_f a ON a.yr = q.yr AND a.pc6 = q.pc6
        UNION SELECT q.id, a.id FROM bench.q_f q JOIN bench.addr_f a ON a.dob = q.dob AND a.pc4 = q.pc4
        UNION SELECT q.id, p.id FROM bench.q_f q JOIN bench.person_f p ON p.dob = q.dob_swapped AND p.sex = q.sex
        UNION SELECT q.id, a.id FROM bench.q_f q JOIN bench.addr_f a
                                  ON a.mmdd = q.mmdd AND a.pc6 = q.pc6 AND a.sex = q.sex
        UNION SELECT q.id, a.id FROM bench.q_f q JOIN bench.addr_f a
                                  ON a.pc6 = q.pc6 AND a.hn = q.hn AND a.hs = q.hs) x $$, NULL),
('GIN @@ shares(keys, 2)', $$
    SELECT count(*), sum(hashint8(p.id # (q.id << 40))::numeric)
    FROM bench.q_keys q JOIN bench.reg_keys p ON p.keys @@ shares(q.keys, 2) $$, NULL),
('GIN && on a register not in birth date order', $$
    SELECT count(*), sum(hashint8(p.id # (q.id << 40))::numeric)
    FROM bench.q_keys q JOIN bench.reg_keys_unordered p ON p.keys && q.keys $$, NULL);
-- The UNION once more with hash joins instead of the planner's choice of
-- index nested loops, in case those are faster here.
INSERT INTO bench.query
SELECT 'UNION of 6 joins, hash joins', sql, 'enable_nestloop=off,enable_mergejoin=off'
FROM bench.query WHERE name = 'UNION of 6 joins';

-- Plans, for the record.
CREATE TABLE bench.plan (name text, workers int, line int, plan text);
SET max_parallel_workers_per_gather = 0;
DO $$
DECLARE
    r record;
    l text;
    i int;
BEGIN
    FOR r IN SELECT * FROM bench.query WHERE name IN ('GIN &&', 'UNION of 6 joins', 'UNION of 6 joins, hash joins') LOOP
        i := 0;
        PERFORM set_config(split_part(x, '=', 1), split_part(x, '=', 2), true)
        FROM unnest(string_to_array(r.settings, ',')) x;
        FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || r.sql LOOP
            i := i + 1;
            INSERT INTO bench.plan VALUES (r.name, 0, i, l);
        END LOOP;
        PERFORM set_config(split_part(x, '=', 1), 'on', true)
        FROM unnest(string_to_array(r.settings, ',')) x;
    END LOOP;
END
$$;
SET max_parallel_workers_per_gather = 2;
DO $$
DECLARE
    l text;
    i int := 0;
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || (SELECT sql FROM bench.query WHERE name = 'GIN &&') LOOP
        i := i + 1;
        INSERT INTO bench.plan VALUES ('GIN &&', 2, i, l);
    END LOOP;
END
$$;

-- Rounds: each query in turn, serial and with two workers, so that the
-- machine's noise falls on both alike.
CREATE TABLE bench.rounds AS SELECT :rounds::int AS n;
CREATE TABLE bench.params AS SELECT :seed::bigint AS seed, :persons::bigint AS persons;
DO $$
DECLARE
    r int;
    w int;
    q record;
BEGIN
    FOR r IN 1..(SELECT n FROM bench.rounds) LOOP
        FOREACH w IN ARRAY ARRAY[0, 2] LOOP
            PERFORM set_config('max_parallel_workers_per_gather', w::text, true);
            FOR q IN SELECT * FROM bench.query ORDER BY name LOOP
                CONTINUE WHEN w = 2 AND q.name IN ('GIN @@ shares(keys, 2)',
                                                   'GIN && on a register not in birth date order');
                PERFORM set_config(split_part(x, '=', 1), split_part(x, '=', 2), true)
                FROM unnest(string_to_array(q.settings, ',')) x;
                PERFORM bench.timed_pairs(q.name || CASE WHEN w = 0 THEN ' (serial)' ELSE ' (2 workers)' END,
                                          q.sql, r);
                PERFORM set_config(split_part(x, '=', 1), 'on', true)
                FROM unnest(string_to_array(q.settings, ',')) x;
            END LOOP;
        END LOOP;
    END LOOP;
END
$$;

-- Quality per rule set --------------------------------------------------------
-- A rule set is a subset of the six rules: keys_of_rules() gives each
-- record's keys under it, and the GIN index serves every subset.
CREATE TABLE bench.rule_set (name text, rules int[], min_shared int, ord int);
INSERT INTO bench.rule_set VALUES
    ('birth date + sex', '{1}', 1, 1),
    ('birth date + sex, birth year + postcode', '{1,2}', 1, 2),
    ('the four postcode rules (2, 3, 5, 6)', '{2,3,5,6}', 1, 3),
    ('all six rules, at least 1 shared (UNION)', '{1,2,3,4,5,6}', 1, 4),
    ('all six rules, at least 2 shared', '{1,2,3,4,5,6}', 2, 5),
    ('all six rules, at least 3 shared', '{1,2,3,4,5,6}', 3, 6);
CREATE TABLE bench.quality (
    name text, ord int, min_shared int, probe_records bigint, target_records bigint, true_pairs bigint,
    candidate_pairs bigint, true_pairs_found bigint, pairs_completeness float8, reduction_ratio float8,
    pairs_quality float8, ms float8);
DO $$
DECLARE
    s record;
    t0 timestamptz;
BEGIN
    FOR s IN SELECT * FROM bench.rule_set ORDER BY ord LOOP
        EXECUTE format('CREATE OR REPLACE VIEW bench.q_subset AS
                        SELECT id, true_person_id, keys_of_rules(keys, %L) AS keys FROM bench.q_keys', s.rules);
        t0 := clock_timestamp();
        INSERT INTO bench.quality
        SELECT s.name, s.ord, s.min_shared, q.*, NULL
        FROM pseudolink.blocking_quality('bench.q_subset', 'id', 'keys', 'true_person_id',
                                         'bench.reg_keys', 'id', 'keys', s.min_shared) q;
        UPDATE bench.quality SET ms = 1000 * extract(epoch FROM clock_timestamp() - t0) WHERE ord = s.ord;
    END LOOP;
END
$$;

-- Pairs completeness of each rule alone: the share of true pairs that share
-- a key of the rule.
CREATE TABLE bench.rule_recall AS
SELECT r.rule_id, r.name,
       count(DISTINCT q.id) FILTER (WHERE blocking_key_rule(k) = r.rule_id)::float8
         / (SELECT count(*) FROM bench.q_keys q2 JOIN bench.reg_keys t2 ON t2.id = q2.true_person_id) AS recall
FROM blocking_rule r
     CROSS JOIN bench.q_keys q
     JOIN bench.reg_keys t ON t.id = q.true_person_id
     LEFT JOIN LATERAL unnest((q.keys)::bigint[]) k ON k = ANY ((t.keys)::bigint[])
WHERE r.model = 'nl'
GROUP BY r.rule_id, r.name;

-- Blocking analysis before a run, and its largest blocks --------------------
SELECT bench.timed('blocking_analysis()', $$
    CREATE TABLE bench.analysis AS
    SELECT * FROM blocking_analysis('nl', 'bench.q_keys', 'keys', 'bench.reg_keys', 'keys') $$);
CREATE TABLE bench.largest AS
SELECT * FROM blocking_largest_blocks('nl', 'bench.q_keys', 'keys', 'bench.reg_keys', 'keys', 8);
-- Which postcode or date a large block is: look its key up in the register.
CREATE TABLE bench.largest_explained AS
SELECT l.*, (SELECT e.normalised
             FROM bench.reg_keys t
                  JOIN bench.person p ON p.person_id = t.id
                  JOIN bench.address a ON a.person_id = t.id,
                  LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r,
                  LATERAL blocking_explain('nl', r) e
             WHERE t.keys && blockkeys(ARRAY[l.key]) AND e.key = l.key
             LIMIT 1) AS block
FROM bench.largest l;

-- The cap ------------------------------------------------------------------------
-- Stop the oversized blocks (house numbers shared by more than 50 register
-- persons: care homes and student housing), rebuild the registry's keys, and
-- measure the candidates and their quality again.
SELECT bench.timed('blocking_stop_oversized()', $$
    CREATE TABLE bench.stopped AS SELECT * FROM blocking_stop_oversized('nl', 'bench.reg_keys', 'keys') $$);
INSERT INTO bench.fact
SELECT 'stopped keys', count(*)::text FROM bench.stopped
UNION ALL
SELECT 'stopped keys, rules', string_agg(DISTINCT rule_name, ', ') FROM bench.stopped;
-- What the stopped blocks are: the kind of their postcode, from the generator's ground truth.
INSERT INTO bench.fact
SELECT 'stopped keys, kinds', string_agg(n || ' ' || kind, ', ' ORDER BY n DESC)
FROM (SELECT k.kind, count(*) AS n
      FROM bench.stopped s
           CROSS JOIN LATERAL (
               SELECT split_part(e.normalised, ' | ', 1) AS postcode
               FROM bench.reg_keys t JOIN bench.person p ON p.person_id = t.id
                    JOIN bench.address a ON a.person_id = t.id,
                    LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r,
                    LATERAL blocking_explain('nl', r) e
               WHERE t.keys && blockkeys(ARRAY[s.key]) AND e.key = s.key LIMIT 1) b
           JOIN pseudolink.synth_postcodes((SELECT seed FROM bench.params), (SELECT persons FROM bench.params)) k
             ON k.postcode = b.postcode
      GROUP BY k.kind) x;
CREATE TABLE bench.q_keys_capped AS
SELECT e.record_no AS id, e.true_person_id, blocking_keys('nl', e, probe => true) AS keys
FROM bench.registry e
ORDER BY right(e.birth_date, 4), substr(e.birth_date, 4, 2), left(e.birth_date, 2), e.sex, e.record_no;
VACUUM ANALYZE bench.q_keys_capped;
ALTER TABLE bench.q_keys_capped SET (parallel_workers = 2);
DO $$
DECLARE
    r int;
BEGIN
    PERFORM set_config('max_parallel_workers_per_gather', '0', true);
    FOR r IN 1..(SELECT n FROM bench.rounds) LOOP
        PERFORM bench.timed_pairs('GIN && after the cap (serial)', $q$
            SELECT count(*), sum(hashint8(p.id # (q.id << 40))::numeric)
            FROM bench.q_keys_capped q JOIN bench.reg_keys p ON p.keys && q.keys $q$, r);
    END LOOP;
END
$$;
INSERT INTO bench.quality
SELECT 'all six rules, at least 1 shared, after the cap', 7, 1, q.*, NULL
FROM blocking_quality('bench.q_keys_capped', 'id', 'keys', 'true_person_id', 'bench.reg_keys', 'id', 'keys', 1) q;
INSERT INTO bench.quality
SELECT 'all six rules, at least 2 shared, after the cap', 8, 2, q.*, NULL
FROM blocking_quality('bench.q_keys_capped', 'id', 'keys', 'true_person_id', 'bench.reg_keys', 'id', 'keys', 2) q;
