\pset footer off
\echo 'Blocking: which register persons should a registry record be compared with?'
\echo 'A synthetic register of 20,000 persons (with ten years of address history) and a PCI'
\echo 'extract of 2,000 records with errors; each record gets one 64-bit key per rule, and a'
\echo 'GIN index finds the persons sharing keys with a record, for all rules in one scan.'
\set QUIET on
SET search_path = pseudolink, public;
CREATE SCHEMA demo_blocking;
SELECT count(*) FROM add_dutch_blocking_rules('nl') \g /dev/null
CREATE TABLE demo_blocking.person AS
    SELECT * FROM synth_persons(seed => 2024, persons => 20000) ORDER BY birth_date, sex;
CREATE TABLE demo_blocking.address AS
    SELECT * FROM synth_addresses(seed => 2024, persons => 20000);
CREATE TABLE demo_blocking.pci AS
    SELECT * FROM synth_extract(seed => 2024, persons => 20000, registry => 'PCI', records => 2000);
\set QUIET off

\echo
\echo 'The rules are data (pseudolink.blocking_rule), one key per rule:'
SELECT rule_id, name, parts, max_block FROM blocking_rule WHERE model = 'nl' ORDER BY rule_id;

\echo 'A record with its day and month of birth swapped, rule by rule (blocking_explain):'
SELECT e.rule_id, e.rule_name, e.normalised, e.outcome
FROM demo_blocking.pci r, blocking_explain('nl', r, probe => true) e
WHERE r.record_no = (SELECT min(record_no) FROM demo_blocking.pci
                     WHERE 'birth_date_day_month_swap' = ANY (errors) AND house_number IS NOT NULL);

\set QUIET on
-- One key set per person over all address periods; one per record.
CREATE TABLE demo_blocking.register_keys AS
SELECT p.person_id, blockkeys_agg(blocking_keys('nl', r)) AS keys
FROM demo_blocking.person p JOIN demo_blocking.address a USING (person_id),
     LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r
GROUP BY p.person_id;
CREATE INDEX ON demo_blocking.register_keys USING gin (keys);
CREATE TABLE demo_blocking.record_keys AS
SELECT record_no, true_person_id, blocking_keys('nl', r, probe => true) AS keys FROM demo_blocking.pci r;
ANALYZE demo_blocking.register_keys;
ANALYZE demo_blocking.record_keys;
\set QUIET off

\echo 'Candidates of that record: every person sharing a key, through the GIN index:'
SELECT c.person_id, shared_keys(c.keys, q.keys) AS shared,
       c.person_id = q.true_person_id AS is_the_true_person
FROM demo_blocking.record_keys q
     JOIN demo_blocking.register_keys c ON c.keys && q.keys
WHERE q.record_no = (SELECT min(record_no) FROM demo_blocking.pci
                     WHERE 'birth_date_day_month_swap' = ANY (errors) AND house_number IS NOT NULL)
ORDER BY shared DESC, c.person_id;

\echo 'The plan: one bitmap index scan per record, serving every rule:'
EXPLAIN (COSTS OFF)
SELECT q.record_no, c.person_id FROM demo_blocking.record_keys q
JOIN demo_blocking.register_keys c ON c.keys @@ shares(q.keys, 2);

\echo 'Before a run: candidate pairs per rule, largest blocks and oversized ones (cap: max_block):'
SELECT coalesce(rule_id::text, 'all') AS rule, rule_name, probe_records, blocks, pairs, largest_block,
       max_block, oversized_blocks, pairs_after_cap
FROM blocking_analysis('nl', 'demo_blocking.record_keys', 'keys', 'demo_blocking.register_keys', 'keys');

\echo 'The cap: stop the oversized blocks (here care homes: one house number, many residents)'
\echo 'and rebuild the records'' keys; those records still find their person through other rules.'
SELECT rule_name, target_records FROM blocking_stop_oversized('nl', 'demo_blocking.register_keys', 'keys');
\set QUIET on
UPDATE demo_blocking.record_keys k SET keys = blocking_keys('nl', r, probe => true)
FROM demo_blocking.pci r WHERE r.record_no = k.record_no;
\set QUIET off

\echo 'Quality against the ground truth, sharing at least 1, 2 or 3 keys:'
SELECT k AS min_shared, q.candidate_pairs, q.true_pairs_found, q.true_pairs,
       round(q.pairs_completeness::numeric, 4) AS pairs_completeness,
       round(q.reduction_ratio::numeric, 6) AS reduction_ratio,
       round(q.pairs_quality::numeric, 3) AS pairs_quality
FROM generate_series(1, 3) k,
     blocking_quality('demo_blocking.record_keys', 'record_no', 'keys', 'true_person_id',
                      'demo_blocking.register_keys', 'person_id', 'keys', k) q;

\set QUIET on
SET client_min_messages = warning;
DROP SCHEMA demo_blocking CASCADE;
DELETE FROM blocking_stop_key WHERE model = 'nl';
DELETE FROM blocking_rule WHERE model = 'nl';
