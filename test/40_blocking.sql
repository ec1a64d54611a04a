-- Blocking: who may build keys, manage rules, analyse blocking and use the
-- index, and who may not; and that the index finds what a scan finds.
BEGIN;
SELECT plan(33);

CREATE ROLE tap_admin LOGIN IN ROLE pseudolink_admin;
CREATE ROLE tap_steward LOGIN IN ROLE pseudolink_steward;
CREATE ROLE tap_registry LOGIN IN ROLE pseudolink_registry;
CREATE ROLE tap_reviewer LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE tap_researcher LOGIN IN ROLE pseudolink_researcher;
CREATE ROLE tap_outsider LOGIN;

SELECT has_type('pseudolink', 'blockkeys', 'the blockkeys type exists');
SELECT has_type('pseudolink', 'blockquery', 'the blockquery type exists');
SELECT has_table('pseudolink', 'blocking_rule', 'the rule table exists');
SELECT has_table('pseudolink', 'blocking_stop_key', 'the stop list exists');

-- Truthful volatility: reading a table or a setting makes a function STABLE.
SELECT volatility_is('pseudolink', 'blocking_keys', ARRAY['text', 'record', 'boolean'], 'stable',
                     'blocking_keys reads the rule tables: STABLE');
SELECT volatility_is('pseudolink', 'blockkeys_similar', ARRAY['pseudolink.blockkeys', 'pseudolink.blockkeys'],
                     'stable', 'the % operator reads pseudolink.blocking_threshold: STABLE');
SELECT volatility_is('pseudolink', 'blockkeys_overlap', ARRAY['pseudolink.blockkeys', 'pseudolink.blockkeys'],
                     'immutable', 'the && operator depends on its arguments only: IMMUTABLE');

-- Nothing for PUBLIC.
SELECT ok(NOT has_function_privilege('public', 'pseudolink.blocking_keys(text, record, boolean)', 'EXECUTE'),
          'PUBLIC cannot build blocking keys');
SELECT ok(NOT has_table_privilege('public', 'pseudolink.blocking_rule', 'SELECT'),
          'PUBLIC cannot read the blocking rules');
SELECT ok(NOT has_type_privilege('public', 'pseudolink.blockkeys', 'USAGE'),
          'PUBLIC cannot use the blockkeys type');

-- The admin manages models: adds the Dutch rules and reads them back.
SELECT lives_ok($$ SELECT run_as('tap_admin', 'SELECT count(*) FROM pseudolink.add_dutch_blocking_rules(''tap'')') $$,
                'the admin adds the Dutch rule set to a model');
SELECT is(query_as('tap_admin', 'SELECT count(*) FROM pseudolink.blocking_rule WHERE model = ''tap'''),
          ARRAY['(6)'], 'the admin reads the rules');

-- The steward builds keys, manages rules and stop keys, and analyses.
SELECT is(query_as('tap_steward', $q$
    SELECT pseudolink.key_count(pseudolink.blocking_keys('tap', r))
    FROM (SELECT date '1950-03-07' AS birth_date, 2 AS sex, '1234 AB'::text AS postcode, '12'::text AS house_number,
                 NULL::text AS house_suffix) r
$q$), ARRAY['(6)'], 'the steward builds the six keys of a complete record');
SELECT lives_ok($$ SELECT run_as('tap_steward', $r$
    INSERT INTO pseudolink.blocking_rule (model, rule_id, name, parts)
    VALUES ('tap', 7, 'birth_year_sex', ARRAY['year(birth_date)', 'sex(sex)'])
$r$) $$, 'the steward adds a rule');
SELECT lives_ok($$ SELECT run_as('tap_steward',
    'UPDATE pseudolink.blocking_rule SET max_block = 20 WHERE model = ''tap'' AND rule_id = 7') $$,
    'the steward changes a cap');
SELECT throws_ok($$ SELECT run_as('tap_steward',
    'UPDATE pseudolink.blocking_rule SET parts = ARRAY[''year(birth_date)''] WHERE model = ''tap'' AND rule_id = 7') $$,
    '55000', NULL, 'nobody changes the parts of a rule');

CREATE TABLE public.tap_register (id int, birth_date date, sex int, postcode text, house_number text,
                                  house_suffix text, keys pseudolink.blockkeys);
INSERT INTO public.tap_register (id, birth_date, sex, postcode, house_number)
SELECT i, date '1940-01-01' + (i * 37) % 3000, 1 + i % 2, (1011 + i % 50)::text || 'AB', (1 + i % 40)::text
FROM generate_series(1, 500) i;
GRANT SELECT, UPDATE ON public.tap_register TO pseudolink_steward;
SELECT lives_ok($$ SELECT run_as('tap_steward',
    'UPDATE public.tap_register r SET keys = pseudolink.blocking_keys(''tap'', r)') $$,
    'the steward stores key sets');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*) FROM pseudolink.blocking_stop_oversized('tap', 'public.tap_register', 'keys')
$q$), ARRAY['(16)'], 'the steward stops the 16 birth year and sex blocks above the cap of 20');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*) FROM pseudolink.blocking_analysis('tap', 'public.tap_register', 'keys',
                                                      'public.tap_register', 'keys')
$q$), ARRAY['(8)'], 'the steward analyses blocking: seven rules and a total');

-- The others may do none of it.
SELECT throws_ok($$ SELECT run_as('tap_registry', $q$
    SELECT pseudolink.blocking_keys('tap', r) FROM (SELECT date '1950-01-01' AS birth_date) r $q$) $$,
    '42501', NULL, 'the registry cannot build blocking keys');
SELECT throws_ok($$ SELECT run_as('tap_reviewer', $q$
    SELECT pseudolink.blocking_keys('tap', r) FROM (SELECT date '1950-01-01' AS birth_date) r $q$) $$,
    '42501', NULL, 'a reviewer cannot build blocking keys');
SELECT throws_ok($$ SELECT run_as('tap_researcher', $q$
    SELECT pseudolink.blocking_keys('tap', r) FROM (SELECT date '1950-01-01' AS birth_date) r $q$) $$,
    '42501', NULL, 'a researcher cannot build blocking keys');
SELECT throws_ok($$ SELECT run_as('tap_researcher', 'SELECT * FROM pseudolink.blocking_rule') $$,
    '42501', NULL, 'a researcher cannot read the rules');
SELECT throws_ok($$ SELECT run_as('tap_registry',
    'INSERT INTO pseudolink.blocking_rule (model, rule_id, name, parts) VALUES (''x'', 1, ''x'', ARRAY[''year(a)''])') $$,
    '42501', NULL, 'the registry cannot add rules');
SELECT throws_ok($$ SELECT run_as('tap_researcher', 'DELETE FROM pseudolink.blocking_stop_key') $$,
    '42501', NULL, 'a researcher cannot touch the stop list');
SELECT throws_ok($$ SELECT run_as('tap_researcher',
    'SELECT pseudolink.shares(''{1}''::pseudolink.blockkeys, 1)') $$,
    '42501', NULL, 'a researcher cannot use the blocking types and functions');
SELECT throws_ok($$ SELECT run_as('tap_reviewer',
    'SELECT * FROM pseudolink.blocking_analysis(''tap'', ''public.tap_register'', ''keys'', ''public.tap_register'', ''keys'')') $$,
    '42501', NULL, 'a reviewer cannot run the blocking analysis');
SELECT throws_ok($$ SELECT run_as('tap_outsider', 'SELECT ''{1}''::pseudolink.blockkeys') $$,
    '42501', NULL, 'a role outside pseudolink cannot even name the type');

-- The index finds exactly what a scan finds, for the steward too.
CREATE INDEX tap_register_keys ON public.tap_register USING gin (keys);
SET LOCAL enable_seqscan = off;
SET LOCAL jit = off;
SELECT results_eq(
    $$ SELECT a.id, b.id FROM public.tap_register a JOIN public.tap_register b
       ON b.keys OPERATOR(pseudolink.@@) pseudolink.shares(a.keys, 2) ORDER BY 1, 2 $$,
    $$ SELECT a.id, b.id FROM public.tap_register a JOIN public.tap_register b
       ON pseudolink.shared_keys(a.keys, b.keys) >= 2 ORDER BY 1, 2 $$,
    'the index finds the pairs sharing two keys, as counting shared keys does');
SELECT results_eq(
    $$ SELECT a.id, b.id FROM public.tap_register a JOIN public.tap_register b
       ON b.keys OPERATOR(pseudolink.&&) a.keys ORDER BY 1, 2 $$,
    $$ SELECT a.id, b.id FROM public.tap_register a JOIN public.tap_register b
       ON pseudolink.shared_keys(a.keys, b.keys) >= 1 ORDER BY 1, 2 $$,
    'the index finds the pairs sharing a key, as counting shared keys does');
SELECT ok(query_as('tap_steward', $q$
    SELECT count(*) FROM public.tap_register a JOIN public.tap_register b
    ON b.keys OPERATOR(pseudolink.&&) a.keys $q$) = query_as('postgres', $q$
    SELECT count(*) FROM public.tap_register a JOIN public.tap_register b
    ON b.keys OPERATOR(pseudolink.&&) a.keys $q$),
    'the steward finds the same candidate pairs through the index');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*)
    FROM (SELECT date '1950-03-07' AS birth_date, 2 AS sex, '1234 AB'::text AS postcode, NULL::text AS house_number,
                 NULL::text AS house_suffix) r,
         pseudolink.blocking_explain('tap', r)
$q$), ARRAY['(7)'], 'the steward explains a record rule by rule');
SELECT throws_ok($$ SELECT run_as('tap_researcher', $q$
    SELECT * FROM (SELECT date '1950-01-01' AS birth_date) r, pseudolink.blocking_explain('tap', r) $q$) $$,
    '42501', NULL, 'a researcher cannot see normalised identifiers through blocking_explain');

SELECT * FROM finish();
ROLLBACK;
