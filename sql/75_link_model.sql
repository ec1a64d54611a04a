-- Generic linkage, the model: the edit-distance level function, comparisons
-- and blocking rules as SQL, their authors, and every error message.
SET search_path = public, pseudolink;

-- compare_damerau_levenshtein: k + 1 exact, then one level per distance.
SELECT a, b, compare_damerau_levenshtein(a, b) AS default_levels,
       compare_damerau_levenshtein(a, b, ARRAY[1]) AS one_threshold,
       compare_damerau_levenshtein(a, b, ARRAY[1, 3, 5]) AS three_thresholds
FROM (VALUES ('1804974', '1804974'), ('1804974', '1809474'), ('1804974', '1804947'),
             ('1804974', '180497'), ('1804974', '1084794'), ('1804974', '9999999'),
             ('', 'ab'), ('straße', 'strasse')) v(a, b);
SELECT compare_damerau_levenshtein(NULL, 'x') IS NULL AS null_is_missing,
       compare_damerau_levenshtein('x', 'y', NULL) IS NULL AS null_thresholds;
-- bad thresholds
SELECT compare_damerau_levenshtein('a', 'b', '{}');
SELECT compare_damerau_levenshtein('a', 'b', ARRAY[1, NULL]);
SELECT compare_damerau_levenshtein('a', 'b', ARRAY[[1, 2], [3, 4]]);
SELECT compare_damerau_levenshtein('a', 'b', ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9]);
SELECT compare_damerau_levenshtein('a', 'b', ARRAY[2, 1]);
SELECT compare_damerau_levenshtein('a', 'b', ARRAY[0, 1]);

-- A model: comparisons with their SQL, blocking rules with theirs.
INSERT INTO fs_model (model, description) VALUES ('people', 'regress: persons by name and birth date');
SELECT add_comparison_sql('people', 'first_name',
           'pseudolink.compare_jaro_winkler(l.first_name, r.first_name, ARRAY[0.9])',
           ARRAY['else', 'Jaro-Winkler >= 0.9', 'exact']) AS position
UNION ALL
SELECT add_comparison_sql('people', 'surname',
           'pseudolink.compare_jaro_winkler(l.surname, r.surname, ARRAY[0.9])',
           ARRAY['else', 'Jaro-Winkler >= 0.9', 'exact'], tf_sql => 'surname')
UNION ALL
SELECT add_comparison_sql('people', 'birth_date',
           'pseudolink.compare_damerau_levenshtein(l.birth_date, r.birth_date, ARRAY[1])',
           ARRAY['else', 'one edit', 'exact'], description => 'birth dates as text, one edit apart');
SELECT c.position, c.comparison, c.description, s.level_sql, s.tf_sql, s.defined_by = current_user AS by_me
FROM fs_comparison c JOIN model_comparison_sql s USING (model, comparison)
WHERE model = 'people' ORDER BY c.position;
-- tf_sql turns on term-frequency adjustment of the exact level only
SELECT comparison, level, label, tf_adjust FROM fs_level
WHERE model = 'people' AND comparison = 'surname' ORDER BY level;

SELECT add_blocking_sql('people', 'surname', ARRAY['surname']) AS rule_id
UNION ALL
SELECT add_blocking_sql('people', 'birth_date', ARRAY['birth_date'], max_block => 50)
UNION ALL
SELECT add_blocking_sql('people', 'swapped_names', ARRAY['first_name', 'surname'],
                        probe_expressions => ARRAY['surname', 'first_name'],
                        description => 'first name and surname exchanged');
-- a transform rule of pseudolink.blocking_rule under the same model takes
-- an id; the next SQL rule skips it, and a taken id is refused
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('people', 4, 'birth_year', ARRAY['year(birth_date)']);
SELECT add_blocking_sql('people', 'first_name', ARRAY['first_name'], max_block => 20) AS rule_id;
INSERT INTO model_blocking_sql (model, rule_id, name, expressions) VALUES ('people', 4, 'clash', ARRAY['surname']);
DELETE FROM blocking_rule WHERE model = 'people';
SELECT rule_id, name, expressions, probe_expressions, max_block, enabled, defined_by = current_user AS by_me
FROM model_blocking_sql WHERE model = 'people' ORDER BY rule_id;

-- The level array of a model, as one expression (for fs_estimate_u_random).
SELECT model_levels_sql('people');

-- The blocking key of a SQL rule: the rule id in the top byte, none for a
-- NULL or empty value, different values and rules apart.
SELECT blocking_key_rule(blocking_sql_key(7, ARRAY['jansen'])) AS rule,
       blocking_sql_key(7, ARRAY['jansen']) = blocking_sql_key(7, ARRAY['jansen']) AS repeatable,
       blocking_sql_key(7, ARRAY['jansen']) <> blocking_sql_key(8, ARRAY['jansen']) AS rules_apart,
       blocking_sql_key(7, ARRAY['a,b', 'c']) <> blocking_sql_key(7, ARRAY['a', 'b,c']) AS values_apart,
       blocking_sql_key(7, ARRAY['x', NULL]) IS NULL AS null_no_key,
       blocking_sql_key(7, ARRAY['']) IS NULL AS empty_no_key,
       blocking_sql_key(0, ARRAY['x']) IS NULL AS id_out_of_range,
       blocking_key_rule(blocking_sql_key(255, ARRAY['x'])) AS top_rule;
SELECT model_keys_sql('people') AS target_keys;
SELECT model_keys_sql('people', probe => true) AS probe_keys;

-- Errors building a model.
SELECT add_comparison_sql('nobody', 'x', 'l.x = r.x', ARRAY['else', 'exact']);
SELECT add_comparison_sql(NULL, 'x', 'l.x = r.x', ARRAY['else', 'exact']);
SELECT add_comparison_sql('people', '', 'l.x = r.x', ARRAY['else', 'exact']);
SELECT add_comparison_sql('people', 'x', '  ', ARRAY['else', 'exact']);
SELECT add_comparison_sql('people', 'x', NULL, ARRAY['else', 'exact']);
SELECT add_comparison_sql('people', 'surname', 'l.surname = r.surname', ARRAY['else', 'exact']);
SELECT add_comparison_sql('people', 'x', '(l.x = r.x)::int', ARRAY['exact']);
-- (terse: the failing row of a constraint carries the time it was written)
\set VERBOSITY terse
SELECT add_comparison_sql('people', 'x', '(l.x = r.x)::int', ARRAY['else', 'exact'], tf_sql => '');
\set VERBOSITY default
SELECT add_blocking_sql('nobody', 'x', ARRAY['x']);
SELECT add_blocking_sql('people', 'x', NULL);
SELECT add_blocking_sql('people', 'x', '{}');
SELECT add_blocking_sql('people', 'x', ARRAY['x', NULL]);
SELECT add_blocking_sql('people', 'x', ARRAY['x', '']);
SELECT add_blocking_sql('people', 'x', ARRAY['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
SELECT add_blocking_sql('people', 'x', ARRAY['a', 'b'], probe_expressions => ARRAY['a']);
SELECT add_blocking_sql('people', 'x', ARRAY['a'], probe_expressions => ARRAY[' ']);
SELECT add_blocking_sql('people', 'x', ARRAY['a'], max_block => 0);
SELECT add_blocking_sql('people', 'surname', ARRAY['a']);
SELECT add_blocking_sql('people', '', ARRAY['a']);
-- the table constraints hold for direct writes too
\set VERBOSITY terse
INSERT INTO model_blocking_sql (model, rule_id, name, expressions) VALUES ('people', 300, 'x', ARRAY['a']);
INSERT INTO model_blocking_sql (model, rule_id, name, expressions, probe_expressions)
VALUES ('people', 30, 'x', ARRAY['a'], ARRAY['a', 'b']);
INSERT INTO model_comparison_sql (model, comparison, level_sql) VALUES ('people', 'not_a_comparison', 'l.x');
UPDATE model_comparison_sql SET level_sql = '' WHERE model = 'people' AND comparison = 'surname';
INSERT INTO model_blocking_sql (model, rule_id, name, expressions) VALUES ('people', 30, 'x', ARRAY['a', '']);
INSERT INTO model_blocking_sql (model, rule_id, name, expressions, max_block) VALUES ('people', 30, 'x', ARRAY['a'], 0);
\set VERBOSITY default

-- A comparison without SQL (added to the model directly) stops a run.
SELECT fs_add_comparison('people', 'city', comparison_labels('exact'));
SELECT model_sql_check('people');
SELECT model_levels_sql('people');
DELETE FROM fs_comparison WHERE model = 'people' AND comparison = 'city';
SELECT model_sql_check('people');
INSERT INTO fs_model (model) VALUES ('empty');
SELECT model_sql_check('empty');
SELECT model_sql_check('nobody');
DELETE FROM fs_model WHERE model = 'empty';

-- Authors: the SQL runs with the privileges of whoever runs it, so a run
-- refuses SQL whose author cannot act as the caller.  (The suite runs as a
-- superuser, who may keep the author given, as pg_restore does; for every
-- other role the trigger writes the role itself, see the pgTAP tests.)
UPDATE model_comparison_sql SET defined_by = 'pseudolink_researcher' WHERE model = 'people' AND comparison = 'surname';
SELECT comparison, defined_by FROM model_comparison_sql WHERE model = 'people' ORDER BY comparison;
SELECT model_sql_check('people');
UPDATE model_blocking_sql SET defined_by = 'no_such_role' WHERE model = 'people' AND rule_id = 1;
SELECT adopt_model_sql('people') AS rows_adopted;
SELECT model_sql_check('people');
SELECT count(*) FILTER (WHERE defined_by = current_user) AS mine, count(*) AS all_rows
FROM (SELECT defined_by FROM model_comparison_sql WHERE model = 'people'
      UNION ALL SELECT defined_by FROM model_blocking_sql WHERE model = 'people') x;
SELECT adopt_model_sql('nobody');

-- Deleting a model deletes its SQL.
INSERT INTO fs_model (model) VALUES ('short_lived');
SELECT add_comparison_sql('short_lived', 'x', '(l.x = r.x)::int', ARRAY['else', 'exact']);
SELECT add_blocking_sql('short_lived', 'x', ARRAY['x']);
DELETE FROM fs_model WHERE model = 'short_lived';
SELECT (SELECT count(*) FROM model_comparison_sql WHERE model = 'short_lived') AS comparisons_left,
       (SELECT count(*) FROM model_blocking_sql WHERE model = 'short_lived') AS rules_left;
