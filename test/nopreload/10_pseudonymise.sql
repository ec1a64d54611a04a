-- Run by test/run.sh after restarting the cluster without pseudolink in
-- shared_preload_libraries: each backend loads the library on first use and
-- reads the root key itself.  The pseudonyms must be the ones the preloaded
-- server made (test/run.sh saved them in nopreload_reference).
BEGIN;
SELECT plan(8);

SELECT is((SELECT count(*)::int FROM pg_settings WHERE name = 'pseudolink.key_command_timeout'), 0,
          'the library is not loaded before its first use');
SELECT is((SELECT count(*)::int FROM nopreload_reference
           WHERE p OPERATOR(pseudolink.=) pseudolink.pseudonymise('steward', id)), 100,
          'the backend reads the root key and makes the pseudonyms of the preloaded server');
SELECT is((SELECT count(*)::int FROM pg_settings WHERE name LIKE 'pseudolink.key%'), 3,
          'the settings exist once the library is loaded');

-- Superuser SET works the same way.
SET LOCAL pseudolink.key_file = 'pseudolink_test.key';
SELECT is(pseudolink.pseudonymise('steward', 42, 1)::text, 'RA8P4T5FPGBH7FYEQMF520GTS7W9',
          'known answer under the test key');
SELECT is(pseudolink.root_key_fingerprint(2), '4ccd1a8964fe02e7', 'known fingerprint of key version 2');

-- Parallel workers load the library and the session's key themselves.
CREATE TABLE public.nopreload_ids AS SELECT g AS id FROM generate_series(1, 20000) g;
ANALYZE public.nopreload_ids;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
CREATE TEMP TABLE parallel_result AS
SELECT sum(hashtext(pseudolink.pseudonymise('steward', id, 1)::text)) AS s FROM public.nopreload_ids;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT is((SELECT s FROM parallel_result),
          (SELECT sum(hashtext(pseudolink.pseudonymise('steward', id, 1)::text)) FROM public.nopreload_ids),
          'parallel workers without preload make the leader''s pseudonyms');

RESET pseudolink.key_file;
SELECT is((SELECT count(*)::int FROM nopreload_reference
           WHERE p OPERATOR(pseudolink.=) pseudolink.pseudonymise('steward', id)), 100,
          'RESET returns to the configured key');
SELECT is(pseudolink.person_key('1950-03-07', 'M', '1234 AB') IS NOT NULL, true,
          'person_key works without preload');

SELECT * FROM finish();
ROLLBACK;
