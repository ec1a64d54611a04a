-- The register, role by role: the steward stages, checks and loads it and
-- reads it; only register_load() writes it; the admin sees that loads
-- happened; nobody else sees anything.  And the properties of every object.
BEGIN;
SELECT plan(61);

CREATE ROLE tap_admin LOGIN IN ROLE pseudolink_admin;
CREATE ROLE tap_steward LOGIN IN ROLE pseudolink_steward;
CREATE ROLE tap_registry LOGIN IN ROLE pseudolink_registry;
CREATE ROLE tap_reviewer LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE tap_researcher LOGIN IN ROLE pseudolink_researcher;
CREATE ROLE tap_outsider LOGIN;
CREATE TEMP TABLE others (r name);
INSERT INTO others VALUES ('tap_registry'), ('tap_reviewer'), ('tap_researcher'), ('tap_outsider');
GRANT SELECT ON others TO PUBLIC;

SELECT count(*) FROM pseudolink.add_dutch_blocking_rules('tap_register') \g /dev/null

-- The steward stages a synthetic register and a bad row, checks, loads.
SELECT lives_ok($$ SELECT run_as('tap_steward', $s$
    INSERT INTO pseudolink.register_person_staging (person_id, birth_date, sex)
    SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM pseudolink.synth_persons(11, 3000);
    INSERT INTO pseudolink.register_person_staging (person_id, birth_date, sex) VALUES ('12x', '01-01-1950', '1');
    INSERT INTO pseudolink.register_address_staging (person_id, postcode, house_number, house_suffix,
                                                     valid_from, valid_to)
    SELECT person_id, postcode, house_number, house_suffix, valid_from, valid_to
    FROM pseudolink.synth_addresses(11, 3000)
$s$) $$, 'the steward stages persons and address periods');
SELECT is(query_as('tap_steward', $$SELECT count(*) FROM pseudolink.register_person_staging$$),
          ARRAY['(3001)'], 'the steward reads the staging table');
SELECT is(query_as('tap_steward', $$SELECT row_no, field FROM pseudolink.register_check()$$),
          ARRAY['(3001,person_id)'], 'the steward checks the staged rows: one bad person id, at row 3001');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'SELECT pseudolink.register_load(''tap_register'')') $$,
                 '22000', NULL, 'a bad row stops the load unless max_rejects allows it');
SELECT is(query_as('tap_steward', $$SELECT count(*) FROM pseudolink.register_person$$),
          ARRAY['(0)'], 'nothing was loaded');
SELECT is(query_as('tap_steward', $q$
    SELECT persons_staged, persons_rejected, persons_added, register_persons, periods_rejected
    FROM pseudolink.register_load('tap_register', max_rejects => 1)$q$),
    ARRAY['(3001,1,3000,3000,0)'], 'the steward loads the register, one row rejected');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*) FILTER (WHERE pseudonym OPERATOR(pseudolink.=) pseudolink.pseudonymise('steward', person_id))
    FROM pseudolink.register_person$q$),
    ARRAY['(3000)'], 'every person has the root pseudonym of its id');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*) FROM pseudolink.register_keys k JOIN pseudolink.register_person p USING (person_id)$q$),
    ARRAY['(3000)'], 'every person has a key set');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*) FROM pseudolink.register_address a
    JOIN pseudolink.synth_addresses(11, 3000) s ON s.person_id = a.person_id AND s.valid_from = a.valid_from
     AND s.valid_to IS NOT DISTINCT FROM a.valid_to AND s.postcode = a.postcode
     AND s.house_number IS NOT DISTINCT FROM a.house_number AND s.house_suffix IS NOT DISTINCT FROM a.house_suffix$q$),
    query_as('postgres', 'SELECT count(*) FROM pseudolink.synth_addresses(11, 3000)'),
    'every synthetic address period is in the register as generated');
SELECT is(query_as('tap_steward', $$SELECT row_no, field FROM pseudolink.register_reject$$),
          ARRAY['(3001,person_id)'], 'the steward reads the rejects of the load');
SELECT is(query_as('tap_steward', $$SELECT pseudolink.register_model()$$), ARRAY['(tap_register)'],
          'the register knows its blocking model');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*) FROM pseudolink.register_keys k
    WHERE k.keys OPERATOR(pseudolink.@@) pseudolink.shares(
        (SELECT keys FROM pseudolink.register_keys ORDER BY person_id LIMIT 1), 3)$q$)::text <> '{(0)}',
    true, 'the steward searches the key sets');

-- Only register_load() writes the register, even for the steward.
SELECT throws_ok($$ SELECT run_as('tap_steward', $s$
    INSERT INTO pseudolink.register_person (person_id, birth_date, sex, pseudonym)
    VALUES (1, '1950-01-01', 1, pseudolink.pseudonymise('steward', 1)) $s$) $$,
    '42501', NULL, 'the steward cannot insert persons directly');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'UPDATE pseudolink.register_person SET sex = 1') $$,
    '42501', NULL, 'the steward cannot change persons directly');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'DELETE FROM pseudolink.register_address') $$,
    '42501', NULL, 'the steward cannot delete address periods directly');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'TRUNCATE pseudolink.register_keys') $$,
    '42501', NULL, 'the steward cannot truncate the key sets');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'DELETE FROM pseudolink.register_load') $$,
    '42501', NULL, 'the steward cannot delete the load log');
SELECT throws_ok($$ SELECT run_as('tap_steward',
    'INSERT INTO pseudolink.register_person_staging (row_no, person_id) OVERRIDING SYSTEM VALUE VALUES (1, ''1'')') $$,
    '42501', NULL, 'the steward cannot choose row numbers');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'SELECT pseudolink.register_check_staging(''replace'')') $$,
    '42501', NULL, 'the steward cannot call the internal check');
SELECT lives_ok($$ SELECT run_as('tap_steward', 'SELECT pseudolink.register_clear_staging()') $$,
    'the steward empties the staging tables');

-- The admin sees the loads, not the register.
SELECT is(query_as('tap_admin', $$SELECT persons_added FROM pseudolink.register_load$$), ARRAY['(3000)'],
          'the admin reads the load log');
SELECT throws_ok($$ SELECT run_as('tap_admin', 'SELECT * FROM pseudolink.register_person') $$,
    '42501', NULL, 'the admin cannot read persons');
SELECT throws_ok($$ SELECT run_as('tap_admin', 'SELECT * FROM pseudolink.register_reject') $$,
    '42501', NULL, 'the admin cannot read the rejects');
SELECT throws_ok($$ SELECT run_as('tap_admin', 'SELECT pseudolink.register_load(''tap_register'')') $$,
    '42501', NULL, 'the admin cannot load the register');
SELECT throws_ok($$ SELECT run_as('tap_admin',
    'INSERT INTO pseudolink.register_person_staging (person_id) VALUES (''1'')') $$,
    '42501', NULL, 'the admin cannot stage register rows');

-- Everyone else: nothing.
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT * FROM pseudolink.register_person')$$, r),
                 '42501', NULL, r || ' cannot read persons') FROM others;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT * FROM pseudolink.register_address')$$, r),
                 '42501', NULL, r || ' cannot read address periods') FROM others;
SELECT throws_ok(format($$SELECT run_as(%L, 'INSERT INTO pseudolink.register_person_staging (person_id) VALUES (''1'')')$$, r),
                 '42501', NULL, r || ' cannot stage register rows') FROM others;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.register_load()')$$, r),
                 '42501', NULL, r || ' cannot load the register') FROM others;

-- Key sets built apart from the load: the steward's load leaves them, the
-- steward builds them one partition at a time (what CALL
-- pseudolink.register_build_keys() does, committing each); nobody writes the
-- partitions' log by hand, nobody else builds.
SELECT lives_ok($$ SELECT run_as('tap_steward', $s$
    INSERT INTO pseudolink.register_person_staging (person_id, birth_date, sex)
    SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM pseudolink.synth_persons(11, 3000);
    INSERT INTO pseudolink.register_address_staging (person_id, postcode, house_number, house_suffix,
                                                     valid_from, valid_to)
    SELECT person_id, postcode, house_number, house_suffix, valid_from, valid_to
    FROM pseudolink.synth_addresses(11, 3000)
$s$) $$, 'the steward stages the register again');
SELECT is(query_as('tap_steward', $q$
    SELECT key_sets_built, keys_built_at IS NULL FROM pseudolink.register_load('tap_register', build_keys => false)$q$),
    ARRAY['(0,t)'], 'the steward loads the register with the key sets left to build');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'UPDATE pseudolink.register_keys_part SET built_at = now()') $$,
    '42501', NULL, 'the steward cannot mark partitions built');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'SELECT pseudolink.register_keys_fill(''tap_register'', 0)') $$,
    '42501', NULL, 'the steward cannot call the internal key-set steps');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'SELECT pseudolink.register_keys_drop_indexes()') $$,
    '42501', NULL, 'the steward cannot drop the key sets'' indexes');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'SELECT * FROM pseudolink.register_keys_p0') $$,
    '42501', NULL, 'the steward reads the key sets through register_keys only');
SELECT throws_ok($$ SELECT run_as('tap_admin', 'SELECT pseudolink.register_keys_build_part()') $$,
    '42501', NULL, 'the admin cannot build key sets');
SELECT throws_ok(format($$SELECT run_as(%L, 'CALL pseudolink.register_build_keys()')$$, r),
                 '42501', NULL, r || ' cannot build key sets') FROM others WHERE r = 'tap_outsider';
SELECT is(query_as('tap_admin', $$SELECT count(*) FILTER (WHERE built_at IS NULL) FROM pseudolink.register_keys_part$$),
          ARRAY['(4)'], 'the admin sees the four partitions waiting');
SELECT is(query_as('tap_steward', $q$
    SELECT array_agg(pseudolink.register_keys_build_part() ORDER BY g) FROM generate_series(1, 5) g$q$),
    ARRAY['("{0,1,2,3,NULL}")'], 'the steward builds the four partitions, one at a time');
SELECT is(query_as('tap_steward', $q$
    SELECT key_sets_built, keys_built_at IS NOT NULL,
           (SELECT count(*) FROM pseudolink.register_keys k JOIN pseudolink.register_person p USING (person_id))
    FROM pseudolink.register_load ORDER BY load_id DESC LIMIT 1$q$),
    ARRAY['(3000,t,3000)'], 'the load''s key sets are built, one per person');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*) FROM pg_index WHERE indisvalid
       AND indrelid IN (SELECT relid FROM pg_partition_tree('pseudolink.register_keys'))$q$),
    ARRAY['(10)'], 'the parent''s and the four partitions'' primary keys and GIN indexes are valid');
SELECT is(query_as('tap_admin', $q$
    SELECT pseudolink.register_keys_partitions()
           = (SELECT count(*) FROM pg_inherits WHERE inhparent = 'pseudolink.register_keys'::regclass)$q$),
    ARRAY['(t)'], 'register_keys_partitions() counts the partitions of register_keys');

-- Properties of every object of this part.
CREATE TEMP TABLE own_functions AS
SELECT p.oid, p.proname, p.prosecdef, p.proconfig, p.provolatile FROM pg_proc p
WHERE p.pronamespace = 'pseudolink'::regnamespace
  AND p.proname ~ '^(register_(person_id|drop_temp|raise_memory|check_staging|check|model|load|clear_staging|require_keys|build_keys|keys_[a-z_]+)$|parse_date|parse_house|date_problem|house_number_problem|house_suffix_problem|variables_problem)';
SELECT is((SELECT count(*)::int FROM own_functions), 24, 'the 24 functions and procedures of this part are found');
SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY 1) FROM own_functions
           WHERE obj_description(oid, 'pg_proc') IS NULL), NULL, 'every function has a comment');
SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY 1) FROM own_functions
           WHERE prosecdef AND NOT ('search_path=pg_catalog, pg_temp' = ANY (coalesce(proconfig, '{}')))),
          NULL, 'every SECURITY DEFINER function sets search_path = pg_catalog, pg_temp');
SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY 1) FROM own_functions
           WHERE has_function_privilege('public', oid, 'EXECUTE')), NULL,
          'PUBLIC may execute none of the functions');
SELECT is((SELECT provolatile::text FROM own_functions WHERE proname = 'register_model'), 's',
          'register_model reads a table: STABLE');
SELECT is((SELECT array_agg(c.relname::text ORDER BY 1) FROM pg_class c
           WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relname LIKE 'register%'
             AND c.relkind IN ('r', 'v', 'S')
             AND (has_table_privilege('public', c.oid, 'SELECT') OR has_table_privilege('public', c.oid, 'INSERT'))),
          NULL, 'PUBLIC may neither read nor write any register table');
SELECT is((SELECT array_agg(c.relname::text ORDER BY 1) FROM pg_class c
           WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relname LIKE 'register%' AND c.relkind = 'r'
             AND NOT EXISTS (SELECT FROM pg_extension e WHERE c.oid = ANY (e.extconfig))),
          NULL, 'every register table is extension configuration, kept by pg_dump');

SELECT * FROM finish();
ROLLBACK;
