-- Pseudonyms and key domains, role by role: who may make pseudonyms, manage
-- domains and read them; and the properties every object must have.
BEGIN;
SELECT plan(64);
-- As doc/pseudonyms.md advises: operators are found on the search_path.
SET LOCAL search_path = public, pseudolink;

CREATE ROLE tap_outsider LOGIN;
CREATE TEMP TABLE roles (r name, makes boolean, creates boolean, rotates boolean,
                         reads_domains boolean, normalises boolean);
INSERT INTO roles VALUES
    ('pseudolink_admin',      false, true,  true,  true,  false),
    ('pseudolink_steward',    true,  true,  false, true,  true),
    ('pseudolink_registry',   false, false, false, false, true),
    ('pseudolink_reviewer',   false, false, false, false, false),
    ('pseudolink_researcher', false, false, false, false, false),
    ('tap_outsider',          false, false, false, false, false);
GRANT SELECT ON roles TO PUBLIC;

-- Only the steward makes pseudonyms: whoever can pseudonymise a chosen value
-- can re-identify pseudonyms by trying values.
SELECT lives_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.pseudonymise(''steward'', 42),
                                              pseudolink.pseudonymise(''steward'', ''x''),
                                              pseudolink.derive(pseudolink.pseudonymise(''steward'', 1), ''steward''),
                                              pseudolink.person_key(''1950-03-07'', ''1'', ''1234AB'')')$$, r),
                r || ' makes pseudonyms')
FROM roles WHERE makes;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.pseudonymise(''steward'', 42)')$$, r),
                 '42501', NULL, r || ' cannot pseudonymise an id')
FROM roles WHERE NOT makes;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.person_key(''1950-03-07'', ''1'', ''1234AB'')')$$, r),
                 '42501', NULL, r || ' cannot make a person key')
FROM roles WHERE NOT makes;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.derive(''RA8P4T5FPGBH7FYEQMF520GTS7W9'', ''steward'')')$$, r),
                 '42501', NULL, r || ' cannot derive')
FROM roles WHERE NOT makes;

-- Every pseudolink role reads, compares and groups pseudonyms.
CREATE TABLE public.tap_released (p pseudolink.pseudonym, v int);
INSERT INTO public.tap_released
SELECT pseudolink.pseudonymise('steward', g % 10), g FROM generate_series(1, 100) g;
GRANT SELECT ON public.tap_released TO PUBLIC;
SELECT is(query_as(r, $$SELECT count(DISTINCT p) FILTER (WHERE pseudolink.pseudonym_kind(p) = 'R')
                        FROM public.tap_released a
                        JOIN public.tap_released b USING (p)$$),
          ARRAY['(10)'], r || ' joins, compares and counts pseudonyms')
FROM roles WHERE r <> 'tap_outsider';
SELECT throws_ok($$SELECT run_as('tap_outsider', 'SELECT pseudolink.pseudonym_kind(p) FROM public.tap_released')$$,
                 '42501', NULL, 'a role outside pseudolink cannot use the pseudonym functions');

-- Key domains: admin and steward create, only the admin rotates and retires.
SELECT lives_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.create_domain(''tap-%s'')')$$, r, r),
                r || ' creates a key domain')
FROM roles WHERE creates;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.create_domain(''tap-x'')')$$, r),
                 '42501', NULL, r || ' cannot create a key domain')
FROM roles WHERE NOT creates;
SELECT lives_ok($$SELECT run_as('pseudolink_admin', 'SELECT pseudolink.rotate_domain(''tap-pseudolink_steward'')')$$,
                'the admin rotates a domain');
SELECT lives_ok($$SELECT run_as('pseudolink_admin', 'SELECT pseudolink.retire_key_version(''tap-pseudolink_steward'', 1)')$$,
                'the admin retires an old key version');
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.rotate_domain(''tap-pseudolink_admin'')')$$, r),
                 '42501', NULL, r || ' cannot rotate a domain')
FROM roles WHERE NOT rotates;
SELECT is((SELECT created_by FROM pseudolink.key_domain WHERE name = 'tap-pseudolink_admin'),
          session_user, 'a domain records the session user that created it');
-- The domain tables are read by admin and steward and written by nobody directly.
SELECT is(query_as(r, $$SELECT count(*) > 0 FROM pseudolink.key_domains$$), ARRAY['(t)'],
          r || ' lists the key domains')
FROM roles WHERE reads_domains;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT * FROM pseudolink.key_version')$$, r),
                 '42501', NULL, r || ' cannot read the key versions')
FROM roles WHERE NOT reads_domains;
SELECT throws_ok(format($$SELECT run_as(%L, 'INSERT INTO pseudolink.key_version (domain, version) VALUES (''steward'', 9)')$$, r),
                 '42501', NULL, r || ' cannot add a key version directly')
FROM roles WHERE reads_domains;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.root_key_fingerprint(1)')$$, r),
                 '42501', NULL, r || ' cannot read a key fingerprint')
FROM roles WHERE NOT reads_domains;

-- Normalisation: the roles that handle identifiers.
SELECT is(query_as(r, $$SELECT pseudolink.normalise_postcode('1234 ab')$$), ARRAY['(1234AB)'],
          r || ' normalises identifiers')
FROM roles WHERE normalises;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.normalise_postcode(''1234 ab'')')$$, r),
                 '42501', NULL, r || ' cannot call the normalisation functions')
FROM roles WHERE NOT normalises;

-- Parallel query: workers read the key and the domain versions themselves
-- and agree with the leader, also under a key set in the session.
CREATE TABLE public.tap_ids AS SELECT g AS id FROM generate_series(1, 20000) g;
ANALYZE public.tap_ids;
CREATE FUNCTION pg_temp.workers(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
    RETURN coalesce((plan->0->'Plan'->'Plans'->0->>'Workers Launched')::int, 0);
END $$;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL pseudolink.key_file = 'pseudolink_test.key';
SELECT cmp_ok(pg_temp.workers($$SELECT sum(hashtext(pseudolink.pseudonymise('steward', id)::text)) FROM public.tap_ids$$),
              '>', 0, 'pseudonymise runs in parallel workers');
CREATE TEMP TABLE parallel_result AS
SELECT sum(hashtext(pseudolink.pseudonymise('steward', id, 1)::text)) AS s,
       sum(hashtext(pseudolink.derive(pseudolink.pseudonymise('steward', id, 1), 'steward')::text)) AS d
FROM public.tap_ids;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT is((SELECT s FROM parallel_result),
          (SELECT sum(hashtext(pseudolink.pseudonymise('steward', id, 1)::text)) FROM public.tap_ids),
          'parallel workers and the leader make the same pseudonyms');
SELECT is((SELECT d FROM parallel_result),
          (SELECT sum(hashtext(pseudolink.derive(pseudolink.pseudonymise('steward', id, 1), 'steward')::text))
           FROM public.tap_ids),
          'parallel workers and the leader derive the same pseudonyms');
SELECT is((SELECT pseudolink.pseudonymise('steward', 42, 1)::text), 'RA8P4T5FPGBH7FYEQMF520GTS7W9',
          'the session''s key is the known-answer test key');
RESET pseudolink.key_file;

-- Properties of every object of this part.
CREATE TEMP TABLE own_functions AS
SELECT p.oid, p.proname, p.prosecdef, p.proconfig FROM pg_proc p
WHERE p.pronamespace = 'pseudolink'::regnamespace
  AND p.proname ~ '^(pseudonym|pseudonymise|derive|person_key|normalise_|postcode_problem|sex_problem|birth_date_problem|root_key_fingerprint|create_domain|rotate_domain|retire_key_version|key_domains_changed|key_tables_append_only)';
SELECT is((SELECT count(*)::int FROM own_functions), 34, 'the 34 functions of this part are found');
SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY 1) FROM own_functions
           WHERE obj_description(oid, 'pg_proc') IS NULL), NULL, 'every function has a comment');
SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY 1) FROM own_functions
           WHERE prosecdef AND NOT ('search_path=pg_catalog, pg_temp' = ANY (coalesce(proconfig, '{}')))),
          NULL, 'every SECURITY DEFINER function sets search_path = pg_catalog, pg_temp');
SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY 1) FROM own_functions
           WHERE has_function_privilege('public', oid, 'EXECUTE')), NULL,
          'PUBLIC may execute none of the functions');
SELECT is((SELECT array_agg(c.relname::text ORDER BY 1) FROM pg_class c
           WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relname LIKE 'key%'
             AND c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL),
          NULL, 'every key table and view has a comment');
SELECT is((SELECT count(*)::int FROM pg_operator
           WHERE oprleft = 'pseudolink.pseudonym'::regtype
             AND obj_description(oid, 'pg_operator') IS NOT NULL), 6,
          'the six comparison operators exist and have comments');

SELECT * FROM finish();
ROLLBACK;
