-- Generic linkage: what each role may do and may not do, the authors of
-- a model's SQL, and the declared properties of the functions.
BEGIN;
SELECT plan(48);

CREATE ROLE tap_admin LOGIN IN ROLE pseudolink_admin;
CREATE ROLE tap_steward LOGIN IN ROLE pseudolink_steward;
CREATE ROLE tap_registry LOGIN IN ROLE pseudolink_registry;
CREATE ROLE tap_reviewer LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE tap_researcher LOGIN IN ROLE pseudolink_researcher;
CREATE ROLE tap_outsider LOGIN;

-- A schema for the analysts' tables: the records and the outputs.
CREATE SCHEMA tap_link;
GRANT USAGE, CREATE ON SCHEMA tap_link TO tap_admin, tap_steward, tap_registry, tap_reviewer, tap_researcher, tap_outsider;
CREATE TABLE tap_link.persons (id integer PRIMARY KEY, first_name text, surname text, birth_date text, entity integer);
INSERT INTO tap_link.persons VALUES
    (1, 'anna', 'jansen', '1950-03-07', 1), (2, 'anna', 'jansen', '1950-03-07', 1), (3, 'anna', 'janssen', '1950-03-07', 1),
    (4, 'pieter', 'de vries', '1948-11-30', 2), (5, 'pieter', 'de vries', '1948-11-03', 2),
    (6, 'jan', 'smit', '1970-01-01', 3), (7, 'lotte', 'visser', '1985-06-20', 4), (8, 'fleur', 'visser', '1985-06-20', 5);
GRANT SELECT ON tap_link.persons TO tap_admin, tap_steward, tap_registry, tap_reviewer, tap_researcher, tap_outsider;

SELECT has_table('pseudolink', 'model_comparison_sql', 'the comparison SQL table exists');
SELECT has_table('pseudolink', 'model_blocking_sql', 'the blocking SQL table exists');

-- Declared properties.
SELECT volatility_is('pseudolink', 'compare_damerau_levenshtein', ARRAY['text', 'text', 'integer[]'], 'immutable',
                     'compare_damerau_levenshtein depends on its arguments only: IMMUTABLE');
SELECT volatility_is('pseudolink', 'connected_components', ARRAY['integer[]', 'integer[]'], 'immutable',
                     'connected_components is a computation on its arguments: IMMUTABLE');
SELECT volatility_is('pseudolink', 'blocking_sql_key', ARRAY['integer', 'text[]'], 'immutable',
                     'blocking_sql_key depends on its arguments only: IMMUTABLE');
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE pronamespace = 'pseudolink'::regnamespace AND proparallel <> 's'
             AND proname IN ('compare_damerau_levenshtein', 'connected_components', 'blocking_sql_key')),
          0, 'the level function, the key function and union-find are PARALLEL SAFE');
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE pronamespace = 'pseudolink'::regnamespace AND prosecdef
             AND proname IN ('link_tables', 'dedupe_table', 'link_candidates', 'dedupe_candidates', 'cluster_pairs',
                             'link_pairs_build', 'link_pairs_score', 'dedupe_table_accuracy', 'link_tables_accuracy',
                             'dedupe_clusters_accuracy', 'add_comparison_sql', 'add_blocking_sql', 'adopt_model_sql',
                             'dedupe_em_session', 'link_tables_em_session', 'dedupe_estimate_prior',
                             'link_tables_estimate_prior', 'link_estimate_prior', 'link_session_query')),
          0, 'no generic linkage function is SECURITY DEFINER: they run the caller''s SQL with the caller''s privileges');
SELECT is((SELECT count(*)::int FROM pg_proc p
           WHERE p.pronamespace = 'pseudolink'::regnamespace
             AND p.proname IN ('compare_damerau_levenshtein', 'sql_author_stamp', 'blocking_sql_id_guard',
                               'model_must_exist', 'add_comparison_sql', 'add_blocking_sql', 'adopt_model_sql',
                               'model_sql_check', 'model_levels_sql', 'blocking_sql_key', 'model_keys_sql',
                               'link_drop_temp', 'link_check_records', 'link_output_name', 'link_pairs_build', 'link_check_pairs',
                               'link_pairs_score', 'link_run_arguments', 'link_tables', 'link_candidates',
                               'dedupe_table', 'dedupe_candidates', 'connected_components', 'cluster_pairs',
                               'link_accuracy_measures', 'link_accuracy_arguments', 'dedupe_table_accuracy',
                               'dedupe_clusters_accuracy', 'link_tables_accuracy', 'link_session_query',
                               'dedupe_em_session', 'link_tables_em_session', 'link_estimate_prior',
                               'dedupe_estimate_prior', 'link_tables_estimate_prior')
             AND obj_description(p.oid, 'pg_proc') IS NULL),
          0, 'every generic linkage function has a comment');

-- Nothing for PUBLIC.
SELECT ok(NOT has_function_privilege('public',
          'pseudolink.dedupe_table(text, regclass, text, text, text, double precision, integer, text, boolean, boolean)', 'EXECUTE'),
          'PUBLIC cannot deduplicate');
SELECT ok(NOT has_function_privilege('public',
          'pseudolink.link_tables(text, regclass, text, regclass, text, text, double precision, integer, text, boolean, boolean)', 'EXECUTE'),
          'PUBLIC cannot link');
SELECT ok(NOT has_table_privilege('public', 'pseudolink.model_comparison_sql', 'SELECT'),
          'PUBLIC cannot read the comparison SQL');
SELECT ok(NOT has_table_privilege('public', 'pseudolink.model_blocking_sql', 'SELECT'),
          'PUBLIC cannot read the blocking SQL');

-- The admin defines a model in SQL and runs it.
SELECT lives_ok($$ SELECT run_as('tap_admin', $q$
    INSERT INTO pseudolink.fs_model (model, prior, description) VALUES ('tap_generic', 1 / 17.0, 'tap');
    SELECT pseudolink.add_comparison_sql('tap_generic', 'first_name',
        'pseudolink.compare_jaro_winkler(l.first_name, r.first_name, ARRAY[0.9])', ARRAY['else', 'close', 'exact']);
    SELECT pseudolink.add_comparison_sql('tap_generic', 'surname',
        'pseudolink.compare_jaro_winkler(l.surname, r.surname, ARRAY[0.9])', ARRAY['else', 'close', 'exact']);
    SELECT pseudolink.add_comparison_sql('tap_generic', 'birth_date',
        'pseudolink.compare_damerau_levenshtein(l.birth_date, r.birth_date, ARRAY[1])', ARRAY['else', 'close', 'exact']);
    UPDATE pseudolink.fs_level SET m = CASE level WHEN 0 THEN 0.1125 WHEN 1 THEN 0.2375 ELSE 0.65 END,
                                   u = CASE level WHEN 0 THEN 0.9 WHEN 1 THEN 0.059375 ELSE 0.040625 END
    WHERE model = 'tap_generic';
    SELECT pseudolink.add_blocking_sql('tap_generic', 'surname', ARRAY['surname']);
    SELECT pseudolink.add_blocking_sql('tap_generic', 'birth_date', ARRAY['birth_date'])
$q$) $$, 'the admin defines a model: comparisons and blocking rules as SQL');
SELECT is(query_as('tap_admin', $q$ SELECT count(*) FROM pseudolink.model_comparison_sql
                                   WHERE model = 'tap_generic' AND defined_by = 'tap_admin' $q$),
          ARRAY['(3)'], 'the admin is recorded as the author of the comparisons');
SELECT is(query_as('tap_admin', $q$
    SELECT candidate_pairs, matches, clusters FROM pseudolink.dedupe_table('tap_generic', 'tap_link.persons', 'id',
        'tap_link.admin_pairs', 'tap_link.admin_clusters', training => 'none') $q$),
    ARRAY['(5,5,4)'], 'the admin deduplicates a table');
SELECT is(query_as('tap_admin', $q$ SELECT left_id || '-' || right_id FROM tap_link.admin_pairs ORDER BY 1 $q$),
          ARRAY['(1-2)', '(1-3)', '(2-3)', '(4-5)', '(7-8)'], 'the admin reads the pairs (the twins 7-8 included)');
SELECT is(query_as('tap_admin', $q$
    SELECT true_positives, false_positives, false_negatives
    FROM pseudolink.dedupe_table_accuracy('tap_link.admin_pairs', 'tap_link.persons', 'id', 'entity') $q$),
    ARRAY['(4,1,0)'], 'the admin measures precision and recall');

-- The steward may not run SQL another role wrote, until it takes it over.
SELECT throws_ok($$ SELECT run_as('tap_steward', $q$
    SELECT * FROM pseudolink.dedupe_table('tap_generic', 'tap_link.persons', 'id', 'tap_link.steward_pairs', NULL)
$q$) $$, '42501', 'scoring model "tap_generic" holds SQL written by role "tap_admin", which cannot act as role "tap_steward"',
    'the steward does not run SQL the admin wrote');
SELECT is(query_as('tap_steward', $q$ SELECT pseudolink.adopt_model_sql('tap_generic') $q$),
          ARRAY['(5)'], 'the steward takes over the model''s SQL after reading it');
SELECT is(query_as('tap_steward', $q$
    SELECT record_count, candidate_pairs, matches FROM pseudolink.dedupe_table('tap_generic', 'tap_link.persons', 'id',
        'tap_link.steward_pairs', 'tap_link.steward_clusters', training => 'none') $q$),
    ARRAY['(8,5,5)'], 'then the steward deduplicates');
SELECT throws_ok($$ SELECT run_as('tap_admin', $q$
    SELECT * FROM pseudolink.dedupe_table('tap_generic', 'tap_link.persons', 'id', 'tap_link.admin_pairs2', NULL)
$q$) $$, '42501', NULL, 'and now the admin does not run the steward''s SQL');
SELECT is(query_as('tap_steward', $q$
    SELECT matches FROM pseudolink.link_tables('tap_generic', 'tap_link.persons', 'id', 'tap_link.persons', 'id',
        'tap_link.steward_link', training => 'none') $q$),
    ARRAY['(18)'], 'the steward links two tables (here a table with itself: 8 self-pairs and 5 pairs both ways)');
SELECT is(query_as('tap_steward', $q$
    SELECT clusters FROM pseudolink.cluster_pairs('tap_link.steward_pairs', 'tap_link.steward_clusters2',
        records => 'tap_link.persons', id => 'id') $q$),
    ARRAY['(4)'], 'the steward clusters pairs');
SELECT is(query_as('tap_steward', $q$
    SELECT count(*) FROM pseudolink.fs_train_em('tap_generic',
        'SELECT levels FROM tap_link.steward_link WHERE left_id <> right_id') $q$),
    ARRAY['(1)'], 'the steward trains the model on pairs of its own');
SELECT is(query_as('tap_steward', $q$
    SELECT pairs FROM pseudolink.dedupe_em_session('tap_generic', 'tap_link.persons', 'id', ARRAY['surname'], ARRAY['surname']) $q$),
    ARRAY['(3)'], 'the steward runs an EM session over the pairs with the same surname');
SELECT is(query_as('tap_steward', $q$
    SELECT found_pairs FROM pseudolink.dedupe_estimate_prior('tap_generic', 'tap_link.persons', 'id',
        ARRAY['l.birth_date = r.birth_date']) $q$),
    ARRAY['(4)'], 'the steward estimates the prior from a deterministic rule');

-- The author is who writes, not who it says it is.
SELECT lives_ok($$ SELECT run_as('tap_steward', $q$
    INSERT INTO pseudolink.fs_model (model) VALUES ('tap_forged');
    SELECT pseudolink.fs_add_comparison('tap_forged', 'x', ARRAY['else', 'exact']);
    INSERT INTO pseudolink.model_comparison_sql (model, comparison, level_sql, defined_by)
    VALUES ('tap_forged', 'x', '(l.x = r.x)::int', 'tap_admin');
    INSERT INTO pseudolink.model_blocking_sql (model, rule_id, name, expressions, defined_by)
    VALUES ('tap_forged', 1, 'x', ARRAY['x'], 'tap_admin')
$q$) $$, 'the steward writes SQL naming another author');
SELECT is(query_as('tap_steward', $q$
    SELECT defined_by FROM pseudolink.model_comparison_sql WHERE model = 'tap_forged'
    UNION ALL SELECT defined_by FROM pseudolink.model_blocking_sql WHERE model = 'tap_forged' $q$),
    ARRAY['(tap_steward)', '(tap_steward)'], 'the rows name the steward as author');
SELECT lives_ok($$ SELECT run_as('tap_admin', $q$
    UPDATE pseudolink.model_comparison_sql SET defined_by = 'tap_steward' WHERE model = 'tap_forged'
$q$) $$, 'the admin updates a row naming the steward');
SELECT is(query_as('tap_admin', $q$ SELECT defined_by FROM pseudolink.model_comparison_sql WHERE model = 'tap_forged' $q$),
          ARRAY['(tap_admin)'], 'the row names the admin, who wrote it last');

-- The other roles may do none of it.
SELECT throws_ok($$ SELECT run_as('tap_registry', $q$
    SELECT * FROM pseudolink.dedupe_table('tap_generic', 'tap_link.persons', 'id', 'tap_link.r_pairs', NULL) $q$) $$,
    '42501', NULL, 'the registry cannot deduplicate');
SELECT throws_ok($$ SELECT run_as('tap_registry', $q$
    SELECT * FROM pseudolink.link_tables('tap_generic', 'tap_link.persons', 'id', 'tap_link.persons', 'id', 'tap_link.r_pairs') $q$) $$,
    '42501', NULL, 'the registry cannot link');
SELECT throws_ok($$ SELECT run_as('tap_registry', $q$ SELECT * FROM pseudolink.model_comparison_sql $q$) $$,
    '42501', NULL, 'the registry cannot read the comparison SQL');
SELECT throws_ok($$ SELECT run_as('tap_reviewer', $q$
    SELECT * FROM pseudolink.dedupe_table('tap_generic', 'tap_link.persons', 'id', 'tap_link.r_pairs', NULL) $q$) $$,
    '42501', NULL, 'the reviewer cannot deduplicate');
SELECT throws_ok($$ SELECT run_as('tap_reviewer', $q$
    SELECT pseudolink.add_blocking_sql('tap_generic', 'x', ARRAY['x']) $q$) $$,
    '42501', NULL, 'the reviewer cannot add blocking rules');
SELECT throws_ok($$ SELECT run_as('tap_researcher', $q$
    SELECT * FROM pseudolink.dedupe_table('tap_generic', 'tap_link.persons', 'id', 'tap_link.r_pairs', NULL) $q$) $$,
    '42501', NULL, 'the researcher cannot deduplicate');
SELECT throws_ok($$ SELECT run_as('tap_researcher', $q$
    SELECT * FROM pseudolink.link_candidates('tap_generic', 'tap_link.persons', 'id', 'tap_link.persons', 'id', 'tap_link.r_pairs') $q$) $$,
    '42501', NULL, 'the researcher cannot build candidate pairs');
SELECT throws_ok($$ SELECT run_as('tap_researcher', $q$
    SELECT pseudolink.add_comparison_sql('tap_generic', 'x', 'l.x', ARRAY['else', 'exact']) $q$) $$,
    '42501', NULL, 'the researcher cannot add comparisons');
SELECT throws_ok($$ SELECT run_as('tap_researcher', $q$
    UPDATE pseudolink.model_blocking_sql SET enabled = false $q$) $$,
    '42501', NULL, 'the researcher cannot change blocking rules');
SELECT throws_ok($$ SELECT run_as('tap_researcher', $q$
    SELECT * FROM pseudolink.dedupe_em_session('tap_generic', 'tap_link.persons', 'id', ARRAY['surname']) $q$) $$,
    '42501', NULL, 'the researcher cannot run EM sessions');
SELECT throws_ok($$ SELECT run_as('tap_registry', $q$
    SELECT * FROM pseudolink.dedupe_estimate_prior('tap_generic', 'tap_link.persons', 'id', ARRAY['l.id = r.id']) $q$) $$,
    '42501', NULL, 'the registry cannot estimate a prior');
SELECT throws_ok($$ SELECT run_as('tap_researcher', $q$
    SELECT * FROM pseudolink.cluster_pairs('tap_link.steward_pairs', 'tap_link.r_clusters') $q$) $$,
    '42501', NULL, 'the researcher cannot cluster pairs');
SELECT throws_ok($$ SELECT run_as('tap_researcher', $q$
    SELECT * FROM pseudolink.dedupe_table_accuracy('tap_link.steward_pairs', 'tap_link.persons', 'id', 'entity') $q$) $$,
    '42501', NULL, 'the researcher cannot run the accuracy functions');
SELECT is(query_as('tap_researcher', $q$ SELECT pseudolink.compare_damerau_levenshtein('1804974', '1809474') $q$),
          ARRAY['(2)'], 'the researcher may use the level function, like the other comparators');
SELECT throws_ok($$ SELECT run_as('tap_outsider', $q$
    SELECT pseudolink.compare_damerau_levenshtein('a', 'b') $q$) $$,
    '42501', NULL, 'a role outside pseudolink cannot use the level function');
SELECT throws_ok($$ SELECT run_as('tap_outsider', $q$
    SELECT pseudolink.connected_components('{1}', '{2}') $q$) $$,
    '42501', NULL, 'a role outside pseudolink cannot run union-find');
SELECT throws_ok($$ SELECT run_as('tap_reviewer', $q$ SELECT * FROM pseudolink.model_blocking_sql $q$) $$,
    '42501', NULL, 'the reviewer cannot read the blocking SQL');
SELECT is(query_as('tap_steward', $q$
    SELECT f1 = 1 FROM pseudolink.dedupe_clusters_accuracy('tap_link.steward_clusters2', 'tap_link.persons', 'id',
        'CASE WHEN id IN (7, 8) THEN 0 ELSE entity END') $q$),
    ARRAY['(t)'], 'the steward measures the accuracy of clusters');

SELECT * FROM finish();
ROLLBACK;
