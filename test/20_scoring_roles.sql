-- Comparators and match scoring: what each of the five roles may do and
-- may not do, and the declared volatility and parallel safety.
BEGIN;
SELECT plan(46);

CREATE ROLE tap_admin LOGIN IN ROLE pseudolink_admin;
CREATE ROLE tap_steward LOGIN IN ROLE pseudolink_steward;
CREATE ROLE tap_registry LOGIN IN ROLE pseudolink_registry;
CREATE ROLE tap_reviewer LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE tap_researcher LOGIN IN ROLE pseudolink_researcher;
CREATE ROLE tap_outsider LOGIN;

SELECT has_table('pseudolink', 'fs_model', 'the model table exists');
SELECT has_table('pseudolink', 'fs_comparison', 'the comparison table exists');
SELECT has_table('pseudolink', 'fs_level', 'the level table exists');

-- Truthful volatility: reading the model tables makes scoring STABLE.
SELECT volatility_is('pseudolink', 'match_weight', ARRAY['text', 'integer[]'], 'stable',
                     'match_weight reads the model tables: STABLE');
SELECT volatility_is('pseudolink', 'explain_match', ARRAY['text', 'integer[]', 'double precision[]'], 'stable',
                     'explain_match reads the model tables: STABLE');
SELECT volatility_is('pseudolink', 'jaro_winkler', ARRAY['text', 'text'], 'immutable',
                     'jaro_winkler depends on its arguments only: IMMUTABLE');
SELECT volatility_is('pseudolink', 'compare_dates', ARRAY['date', 'date'], 'immutable',
                     'compare_dates depends on its arguments only: IMMUTABLE');
SELECT volatility_is('pseudolink', 'em_estimate',
                     ARRAY['integer[]', 'bigint[]', 'integer[]', 'double precision[]', 'double precision[]',
                           'double precision', 'integer', 'double precision', 'boolean', 'double precision'],
                     'immutable', 'em_estimate is a computation on its arguments: IMMUTABLE');
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE pronamespace = 'pseudolink'::regnamespace AND proparallel <> 's'
             AND proname IN ('jaro', 'jaro_winkler', 'levenshtein', 'damerau_levenshtein', 'compare_dates',
                             'compare_postcodes', 'compare_house_numbers', 'compare_jaro_winkler',
                             'match_weight', 'match_probability', 'explain_match', 'explain_match_jsonb',
                             'em_estimate')),
          0, 'every comparator and scoring function is PARALLEL SAFE');

-- Nothing for PUBLIC.
SELECT ok(NOT has_function_privilege('public', 'pseudolink.jaro_winkler(text, text)', 'EXECUTE'),
          'PUBLIC cannot run the comparators');
SELECT ok(NOT has_function_privilege('public', 'pseudolink.match_weight(text, integer[])', 'EXECUTE'),
          'PUBLIC cannot score');
SELECT ok(NOT has_table_privilege('public', 'pseudolink.fs_level', 'SELECT'),
          'PUBLIC cannot read the models');

-- The admin manages models: creates one, adds comparisons, sets parameters.
SELECT lives_ok($$ SELECT run_as('tap_admin', $q$
    INSERT INTO pseudolink.fs_model (model, prior) VALUES ('tap', 0.01);
    SELECT pseudolink.fs_add_comparison('tap', 'birth_date', pseudolink.comparison_labels('compare_dates'));
    SELECT pseudolink.fs_add_comparison('tap', 'sex', pseudolink.comparison_labels('exact'));
    UPDATE pseudolink.fs_level SET m = (level + 1) / 21.0, u = (6 - level) / 21.0
    WHERE model = 'tap' AND comparison = 'birth_date';
    UPDATE pseudolink.fs_level SET m = CASE level WHEN 1 THEN 0.98 ELSE 0.02 END, u = 0.5
    WHERE model = 'tap' AND comparison = 'sex'
$q$) $$, 'the admin creates and parameterises a model');
SELECT is(query_as('tap_admin', $q$ SELECT round(pseudolink.match_weight('tap', ARRAY[5, 1])::numeric, 3) $q$),
          ARRAY['(-3.074)'], 'the admin scores a pair');
SELECT lives_ok($$ SELECT run_as('tap_admin', $q$
    SELECT * FROM pseudolink.fs_fixed_parameters('tap', 'sex', 0.01, 'SELECT s, 1 FROM (VALUES (1), (2)) v(s)')
$q$) $$, 'the admin sets fixed parameters');

-- The steward manages models too and trains them.
SELECT lives_ok($$ SELECT run_as('tap_steward', $q$
    UPDATE pseudolink.fs_model SET description = 'test model' WHERE model = 'tap'
$q$) $$, 'the steward changes a model');
SELECT lives_ok($$ SELECT run_as('tap_steward', $q$
    SELECT * FROM pseudolink.fs_train_em('tap',
        'SELECT CASE WHEN g % 10 = 0 THEN ARRAY[5 - g % 3, 1] ELSE ARRAY[g % 3, (g % 4 = 0)::int] END FROM generate_series(1, 2000) g')
$q$) $$, 'the steward trains a model with EM');
SELECT lives_ok($$ SELECT run_as('tap_steward', $q$
    SELECT * FROM pseudolink.fs_estimate_u('tap', 'SELECT ARRAY[(g % 6), (g % 2)] FROM generate_series(1, 600) g')
$q$) $$, 'the steward estimates u from pairs');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*) FROM pseudolink.explain_match('tap', ARRAY[5, NULL]) $q$),
    ARRAY['(3)'], 'the steward explains a score');
SELECT is(query_as('tap_steward', $q$ SELECT pseudolink.compare_postcodes('1234AB', '1234BA') $q$),
          ARRAY['(3)'], 'the steward compares postcodes');
SELECT lives_ok($$ SELECT run_as('tap_steward', $q$
    DELETE FROM pseudolink.fs_level WHERE model = 'nobody'
$q$) $$, 'the steward may delete levels');

-- The researcher scores and reads models, and changes nothing.
SELECT is(query_as('tap_researcher', $q$
    SELECT pseudolink.match_weight('tap', ARRAY[5, 1]) = pseudolink.match_weight('tap', ARRAY[5, 1]) $q$),
    ARRAY['(t)'], 'the researcher scores a pair');
SELECT is(query_as('tap_researcher', $q$ SELECT count(*) FROM pseudolink.fs_level WHERE model = 'tap' $q$),
          ARRAY['(8)'], 'the researcher reads a model');
SELECT is(query_as('tap_researcher', $q$
    SELECT pseudolink.levenshtein('kitten', 'sitting') + pseudolink.compare_dates('1950-03-07', '1950-07-03') $q$),
    ARRAY['(7)'], 'the researcher runs the comparators');
SELECT is(query_as('tap_researcher', $q$
    SELECT count(*) FROM pseudolink.em_estimate(ARRAY[[1], [0]], ARRAY[10, 90]::bigint[], ARRAY[2]) $q$),
    ARRAY['(2)'], 'the researcher runs EM on its own counts');
SELECT throws_ok($$ SELECT run_as('tap_researcher',
    'UPDATE pseudolink.fs_level SET m = 0.5 WHERE model = ''tap''') $$,
    '42501', NULL, 'the researcher cannot change a model''s parameters');
SELECT throws_ok($$ SELECT run_as('tap_researcher',
    'INSERT INTO pseudolink.fs_model (model, prior) VALUES (''mine'', 0.1)') $$,
    '42501', NULL, 'the researcher cannot create a model');
SELECT throws_ok($$ SELECT run_as('tap_researcher', 'DELETE FROM pseudolink.fs_comparison') $$,
    '42501', NULL, 'the researcher cannot delete comparisons');
SELECT throws_ok($$ SELECT run_as('tap_researcher',
    'SELECT pseudolink.fs_add_comparison(''tap'', ''x'', ARRAY[''else'', ''exact''])') $$,
    '42501', NULL, 'the researcher cannot add comparisons');
SELECT throws_ok($$ SELECT run_as('tap_researcher',
    'SELECT * FROM pseudolink.fs_train_em(''tap'', ''SELECT ARRAY[1, 1]'')') $$,
    '42501', NULL, 'the researcher cannot train a model');
SELECT throws_ok($$ SELECT run_as('tap_researcher',
    'SELECT * FROM pseudolink.fs_estimate_u(''tap'', ''SELECT ARRAY[1, 1]'')') $$,
    '42501', NULL, 'the researcher cannot estimate u into a model');
SELECT throws_ok($$ SELECT run_as('tap_researcher',
    'SELECT * FROM pseudolink.fs_fixed_parameters(''tap'', ''sex'', 0.01, ''SELECT 1, 1'')') $$,
    '42501', NULL, 'the researcher cannot set fixed parameters');

-- The registry and the reviewer may neither score nor read models.
SELECT throws_ok($$ SELECT run_as('tap_registry', 'SELECT pseudolink.jaro_winkler(''a'', ''b'')') $$,
    '42501', NULL, 'the registry cannot run the string comparators');
SELECT throws_ok($$ SELECT run_as('tap_registry', 'SELECT pseudolink.compare_dates(''1950-01-01'', ''1950-01-01'')') $$,
    '42501', NULL, 'the registry cannot run the level functions');
SELECT throws_ok($$ SELECT run_as('tap_registry', 'SELECT pseudolink.match_weight(''tap'', ARRAY[5, 1])') $$,
    '42501', NULL, 'the registry cannot score');
SELECT throws_ok($$ SELECT run_as('tap_registry', 'SELECT * FROM pseudolink.fs_level') $$,
    '42501', NULL, 'the registry cannot read models');
SELECT throws_ok($$ SELECT run_as('tap_registry', 'INSERT INTO pseudolink.fs_model (model) VALUES (''r'')') $$,
    '42501', NULL, 'the registry cannot create models');
SELECT throws_ok($$ SELECT run_as('tap_reviewer', 'SELECT pseudolink.levenshtein(''a'', ''b'')') $$,
    '42501', NULL, 'a reviewer cannot run the string comparators');
SELECT throws_ok($$ SELECT run_as('tap_reviewer', 'SELECT * FROM pseudolink.explain_match(''tap'', ARRAY[5, 1])') $$,
    '42501', NULL, 'a reviewer cannot explain scores');
SELECT throws_ok($$ SELECT run_as('tap_reviewer', 'SELECT * FROM pseudolink.fs_model') $$,
    '42501', NULL, 'a reviewer cannot read models');
SELECT throws_ok($$ SELECT run_as('tap_reviewer',
    'SELECT * FROM pseudolink.em_estimate(ARRAY[[1], [0]], ARRAY[10, 90]::bigint[], ARRAY[2])') $$,
    '42501', NULL, 'a reviewer cannot run EM');
SELECT throws_ok($$ SELECT run_as('tap_reviewer', 'SELECT pseudolink.match_probability(0)') $$,
    '42501', NULL, 'a reviewer cannot turn weights into probabilities');
SELECT throws_ok($$ SELECT run_as('tap_outsider', 'SELECT pseudolink.match_probability(0)') $$,
    '42501', NULL, 'a role outside pseudolink can do nothing');

-- Training runs the caller's query with the caller's rights: the steward
-- cannot read, through it, what the steward may not read.
CREATE TABLE public.tap_secret (levels int[]);
INSERT INTO public.tap_secret VALUES ('{5,1}');
REVOKE ALL ON public.tap_secret FROM PUBLIC;
SELECT throws_ok($$ SELECT run_as('tap_steward',
    'SELECT * FROM pseudolink.fs_train_em(''tap'', ''SELECT levels FROM public.tap_secret'')') $$,
    '42501', NULL, 'a training query runs with the caller''s privileges');
SELECT throws_ok($$ SELECT run_as('tap_admin', $q$
    SELECT * FROM pseudolink.fs_estimate_u_random('tap', 'public.tap_secret', 'public.tap_secret',
        'ARRAY[l.levels[1], r.levels[2]]')
$q$) $$, '42501', NULL, 'random pairs are drawn with the caller''s privileges');

-- The model the admin built is the one everyone scores with.
SELECT is(query_as('tap_researcher', $q$ SELECT pseudolink.match_weight('tap', ARRAY[5, 1]) $q$),
          query_as('tap_steward', $q$ SELECT pseudolink.match_weight('tap', ARRAY[5, 1]) $q$),
          'the researcher and the steward get the same weight');

SELECT * FROM finish();
ROLLBACK;
