\pset footer off
\echo 'Generic linkage: deduplicating a table of 17 person records with a model written in SQL'
\echo '(doc/generic-linkage.md): comparisons and blocking rules are SQL, the engine is pseudolink''s.'
\set QUIET on
CREATE SCHEMA demo_generic;
CREATE TABLE demo_generic.people (id integer PRIMARY KEY, first_name text, surname text, birth_date text, person integer);
INSERT INTO demo_generic.people VALUES
    (1, 'anna', 'jansen', '1950-03-07', 1), (2, 'anna', 'jansen', '1950-03-07', 1), (3, 'anna', 'janssen', '1950-03-07', 1),
    (4, 'pieter', 'de vries', '1948-11-30', 2), (5, 'pieter', 'de vries', '1948-11-03', 2), (6, 'peter', 'de vries', '1948-11-30', 2),
    (7, 'maria', 'bakker', '1962-05-14', 3), (8, 'bakker', 'maria', NULL, 3), (9, 'jan', 'smit', '1970-01-01', 4),
    (10, 'lotte', 'visser', '1985-06-20', 5), (11, 'fleur', 'visser', '1985-06-20', 6),
    (12, 'sanne', 'mulder', '1990-12-01', 7), (13, 'sanne', 'mulder', '1991-12-01', 7), (14, 'sanne', 'mulder', NULL, 7),
    (15, 'kees', 'bos', '1940-02-02', 8), (16, 'kees', 'bos', NULL, 8), (17, 'kes', 'bos', '1977-07-07', 8);

\o /dev/null
INSERT INTO pseudolink.fs_model (model, prior, description) VALUES ('demo_people', 1 / 17.0, 'demo: persons by name and birth date');
SELECT pseudolink.add_comparison_sql('demo_people', 'first_name',
    'pseudolink.compare_jaro_winkler(l.first_name, r.first_name, ARRAY[0.9])', ARRAY['else', 'Jaro-Winkler >= 0.9', 'exact']);
SELECT pseudolink.add_comparison_sql('demo_people', 'surname',
    'pseudolink.compare_jaro_winkler(l.surname, r.surname, ARRAY[0.9])', ARRAY['else', 'Jaro-Winkler >= 0.9', 'exact']);
SELECT pseudolink.add_comparison_sql('demo_people', 'birth_date',
    'pseudolink.compare_damerau_levenshtein(l.birth_date, r.birth_date, ARRAY[1])', ARRAY['else', 'one edit', 'exact']);
-- fixed parameters: -3 bits for else, +2 for close, +4 for exact, prior -4
UPDATE pseudolink.fs_level SET m = CASE level WHEN 0 THEN 0.1125 WHEN 1 THEN 0.2375 ELSE 0.65 END,
                               u = CASE level WHEN 0 THEN 0.9 WHEN 1 THEN 0.059375 ELSE 0.040625 END
WHERE model = 'demo_people';
SELECT pseudolink.add_blocking_sql('demo_people', 'surname', ARRAY['surname']);
SELECT pseudolink.add_blocking_sql('demo_people', 'birth_date', ARRAY['birth_date']);
SELECT pseudolink.add_blocking_sql('demo_people', 'swapped_names', ARRAY['first_name', 'surname'],
                                   probe_expressions => ARRAY['surname', 'first_name']);
\o
\set QUIET off

\echo 'The model''s SQL, as the analyst wrote it:'
SELECT comparison, level_sql FROM pseudolink.model_comparison_sql WHERE model = 'demo_people' ORDER BY comparison;
SELECT name, expressions, probe_expressions FROM pseudolink.model_blocking_sql WHERE model = 'demo_people' ORDER BY rule_id;

\echo 'Deduplicate: candidates from the blocking rules, level arrays, weights, pairs and clusters:'
SELECT * FROM pseudolink.dedupe_table('demo_people', 'demo_generic.people', 'id',
                                      'demo_generic.pairs', 'demo_generic.clusters', training => 'none', keep_all => true);

\echo 'Every candidate pair (a match at probability 0.5 and above):'
SELECT p.left_id, p.right_id, p.levels, round(p.match_weight::numeric, 2) AS weight,
       round(p.match_probability::numeric, 4) AS probability, a.person = b.person AS truly_one_person
FROM demo_generic.pairs p JOIN demo_generic.people a ON a.id = p.left_id JOIN demo_generic.people b ON b.id = p.right_id
ORDER BY p.left_id, p.right_id;

\echo 'The clusters (15 and 17 join through 16; the twins 10 and 11 are wrongly one):'
SELECT cluster_id, array_agg(id ORDER BY id) AS records FROM demo_generic.clusters GROUP BY cluster_id ORDER BY cluster_id;

\echo 'Precision, recall and F1 against the truth, of the pairs and of the clusters:'
SELECT 'pairs' AS of, true_pairs, predicted_pairs, true_positives, round("precision"::numeric, 4) AS "precision",
       round(recall::numeric, 4) AS recall, round(f1::numeric, 4) AS f1
FROM pseudolink.dedupe_table_accuracy('demo_generic.pairs', 'demo_generic.people', 'id', 'person')
UNION ALL
SELECT 'clusters', true_pairs, predicted_pairs, true_positives, round("precision"::numeric, 4),
       round(recall::numeric, 4), round(f1::numeric, 4)
FROM pseudolink.dedupe_clusters_accuracy('demo_generic.clusters', 'demo_generic.people', 'id', 'person');
