-- Generic linkage, the runs: dedupe_table and link_tables on a small
-- fixture with known duplicates and a model with fixed parameters, so that
-- every weight, pair and cluster can be checked by hand; the candidate
-- pairs (an asymmetric rule, a cap, min_shared); term frequencies; EM on a
-- generated table; and every error message.
SET search_path = public, pseudolink;

-- The model of 75_link_model ('people': first name, surname, birth date;
-- blocking on surname, birth date, swapped names, first name), with fixed
-- parameters: per comparison the weight log2(m/u) is -3 for "else", +2 for
-- "close" (Jaro-Winkler >= 0.9, or one edit), +4 for exact, and the prior
-- weight is -4 (prior 1/17).  A pair matches at probability 0.5, weight 0:
-- two exact fields and one else (+1), three close (+2), and so on.
UPDATE fs_level SET m = CASE level WHEN 0 THEN 0.1125 WHEN 1 THEN 0.2375 ELSE 0.65 END,
                    u = CASE level WHEN 0 THEN 0.9 WHEN 1 THEN 0.059375 ELSE 0.040625 END
WHERE model = 'people';
UPDATE fs_level SET tf_adjust = false WHERE model = 'people';
UPDATE model_comparison_sql SET tf_sql = NULL WHERE model = 'people';
UPDATE fs_model SET prior = 1 / 17.0 WHERE model = 'people';
SELECT comparison, level, label, round(log(2, (m / u)::numeric), 6) AS weight
FROM fs_level WHERE model = 'people' ORDER BY comparison, level;
SELECT * FROM fs_model_problems('people');

-- The fixture: 17 records of 8 persons (entity is the truth).
--   1-3   Anna Jansen, once with the surname misspelt
--   4-6   Pieter de Vries: birth day and month digits exchanged, Peter
--   7-8   Maria Bakker, once with first name and surname exchanged and no
--         birth date: found only by the swapped-names rule
--   9     Jan Smit, alone
--   10-11 Lotte and Fleur Visser, twins: not one person
--   12-14 Sanne Mulder: birth year mistyped, birth date missing
--   15-17 Kees Bos: 15 and 17 differ in first name and birth date, 16
--         (no birth date) agrees enough with both: a chain
CREATE TABLE people (id integer, first_name text, surname text, birth_date text, entity integer);
INSERT INTO people VALUES
    (1, 'anna', 'jansen', '1950-03-07', 1),
    (2, 'anna', 'jansen', '1950-03-07', 1),
    (3, 'anna', 'janssen', '1950-03-07', 1),
    (4, 'pieter', 'de vries', '1948-11-30', 2),
    (5, 'pieter', 'de vries', '1948-11-03', 2),
    (6, 'peter', 'de vries', '1948-11-30', 2),
    (7, 'maria', 'bakker', '1962-05-14', 3),
    (8, 'bakker', 'maria', NULL, 3),
    (9, 'jan', 'smit', '1970-01-01', 4),
    (10, 'lotte', 'visser', '1985-06-20', 5),
    (11, 'fleur', 'visser', '1985-06-20', 6),
    (12, 'sanne', 'mulder', '1990-12-01', 7),
    (13, 'sanne', 'mulder', '1991-12-01', 7),
    (14, 'sanne', 'mulder', NULL, 7),
    (15, 'kees', 'bos', '1940-02-02', 8),
    (16, 'kees', 'bos', NULL, 8),
    (17, 'kes', 'bos', '1977-07-07', 8);

-- Every candidate pair, scored with the model as it is (training none).
SELECT * FROM dedupe_table('people', 'people', 'id', 'people_pairs', 'people_clusters',
                           training => 'none', keep_all => true);
SELECT p.left_id, p.right_id, p.levels, round(p.match_weight::numeric, 6) AS weight,
       round(p.match_probability::numeric, 4) AS probability, a.entity = b.entity AS true_pair
FROM people_pairs p JOIN people a ON a.id = p.left_id JOIN people b ON b.id = p.right_id
ORDER BY p.left_id, p.right_id;
-- By hand.  The candidates are the 13 pairs within a person plus the twins
-- 10-11 (14).  Weights: 1-2 +8; 1-3, 2-3 +6 (Jaro-Winkler of janssen is
-- 0.97: close); 4-5 +6 (one edit), 4-6 +6 (peter 0.95), 5-6 +4; 7-8 -10;
-- 10-11 +1 (first names else, surname and birth date exact); 12-13 +6,
-- 12-14 and 13-14 +4 (birth date missing adds 0); 15-16 +4, 16-17 +2,
-- 15-17 -1.  So 12 pairs are predicted, 11 of them true (the twins are
-- not); of the 13 true pairs 7-8 and 15-17 are missed: precision 11/12,
-- recall 11/13.
SELECT * FROM dedupe_table_accuracy('people_pairs', 'people', 'id', 'entity');
SELECT t.true_positives = 11 AND t.false_positives = 1 AND t.false_negatives = 2 AS as_counted_by_hand,
       t."precision" = 11 / 12.0::float8 AS precision_11_of_12, t.recall = 11 / 13.0::float8 AS recall_11_of_13,
       t.f1 = 22 / 25.0::float8 AS f1_22_of_25
FROM dedupe_table_accuracy('people_pairs', 'people', 'id', 'entity') t;
-- The same counts straight from the tables, without the function.
SELECT count(*) FILTER (WHERE p.match_probability >= 0.5) AS predicted,
       count(*) FILTER (WHERE p.match_probability >= 0.5 AND a.entity = b.entity) AS true_positives,
       (SELECT count(*) FROM people x JOIN people y ON x.entity = y.entity AND x.id < y.id) AS true_pairs
FROM people_pairs p JOIN people a ON a.id = p.left_id JOIN people b ON b.id = p.right_id;

-- Clusters: the connected components of the matching pairs.  15 and 17
-- score below the threshold but share a cluster through 16; the twins 10
-- and 11 are wrongly one cluster; 7 and 8 stay apart, 9 alone.  The
-- clusters imply 13 pairs, 12 of them true, and miss 7-8: precision and
-- recall 12/13.
SELECT cluster_id, array_agg(id ORDER BY id) AS records, min(cluster_size) AS cluster_size
FROM people_clusters GROUP BY cluster_id ORDER BY cluster_id;
SELECT * FROM dedupe_clusters_accuracy('people_clusters', 'people', 'id', 'entity');
SELECT "precision" = 12 / 13.0::float8 AND recall = 12 / 13.0::float8 AS clusters_as_counted_by_hand
FROM dedupe_clusters_accuracy('people_clusters', 'people', 'id', 'entity');

-- Only the pairs at or above the threshold (keep_all => false), another
-- threshold, the output tables replaced.
SELECT record_count, candidate_pairs, matches, clusters, largest_cluster, round(threshold_weight::numeric, 6) AS threshold_weight
FROM dedupe_table('people', 'people', 'id', 'people_pairs', 'people_clusters', threshold => 0.9,
                  training => 'none', replace => true);
SELECT left_id, right_id, round(match_weight::numeric, 6) AS weight FROM people_pairs ORDER BY 1, 2;
SELECT cluster_id, array_agg(id ORDER BY id) AS records FROM people_clusters
GROUP BY cluster_id HAVING count(*) > 1 ORDER BY cluster_id;
SELECT obj_description('people_pairs'::regclass) LIKE 'pseudolink.dedupe_table: matching pairs of people, model people, threshold 0.9, %' AS pairs_described,
       obj_description('people_clusters'::regclass) LIKE 'pseudolink.cluster_pairs: clusters of people_pairs at match probability 0.9 %' AS clusters_described;

-- Candidates only: the asymmetric rule finds 7-8 (7's names exchanged are
-- 8's), min_shared => 2 keeps the pairs agreeing on two rules, a cap
-- leaves out oversized blocks (the first-name rule allows 20 records: 2
-- here drops every first-name key shared by three records or more).
SELECT dedupe_candidates('people', 'people', 'id', 'people_candidates');
SELECT count(*) AS pairs, count(*) FILTER (WHERE left_id = 7 AND right_id = 8) AS swapped_pair_found,
       bool_and(left_id < right_id) AS each_pair_once,
       count(DISTINCT (left_id, right_id)) = count(*) AS no_repeats
FROM people_candidates;
SELECT dedupe_candidates('people', 'people', 'id', 'people_candidates2', min_shared => 2);
SELECT left_id, right_id FROM people_candidates2 ORDER BY 1, 2;
UPDATE model_blocking_sql SET max_block = 2 WHERE model = 'people' AND name = 'first_name';
UPDATE model_blocking_sql SET enabled = false WHERE model = 'people' AND name <> 'first_name';
SELECT dedupe_candidates('people', 'people', 'id', 'people_candidates3');
SELECT left_id, right_id FROM people_candidates3 ORDER BY 1, 2;
UPDATE model_blocking_sql SET enabled = true, max_block = 20 WHERE model = 'people';
DROP TABLE people_candidates, people_candidates2, people_candidates3;

-- A transform rule of pseudolink.blocking_rule under the model joins in:
-- birth year (blocking_keys reads the column by name).
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('people', 9, 'birth_year', ARRAY['year(birth_date)']);
UPDATE model_blocking_sql SET enabled = false WHERE model = 'people';
SELECT dedupe_candidates('people', 'people', 'id', 'people_by_year');
SELECT left_id, right_id FROM people_by_year ORDER BY 1, 2;
UPDATE model_blocking_sql SET enabled = true WHERE model = 'people';
DELETE FROM blocking_rule WHERE model = 'people';
DROP TABLE people_by_year;

-- Linking two tables whose columns differ: a registry extract (fname,
-- lname, born) against the people.  The comparisons name each side's
-- columns; the blocking rules give the left side's expressions as
-- probe_expressions.
CREATE TABLE extract (record_no text, fname text, lname text, born text, truth integer);
INSERT INTO extract VALUES ('r1', 'anna', 'jansen', '1950-03-07', 1), ('r2', 'pieter', 'de vries', '1948-11-30', 2),
                           ('r3', 'jan', 'smid', '1970-01-01', 4), ('r4', 'fleur', 'visser', '1985-06-20', 6),
                           ('r5', 'henk', 'de boer', '1955-05-05', NULL);
INSERT INTO fs_model (model, prior, description) VALUES ('extract_people', 1 / 17.0, 'regress: an extract against the people');
SELECT add_comparison_sql('extract_people', 'first_name', 'pseudolink.compare_jaro_winkler(l.fname, r.first_name, ARRAY[0.9])',
                          ARRAY['else', 'close', 'exact'])
UNION ALL
SELECT add_comparison_sql('extract_people', 'surname', 'pseudolink.compare_jaro_winkler(l.lname, r.surname, ARRAY[0.9])',
                          ARRAY['else', 'close', 'exact'])
UNION ALL
SELECT add_comparison_sql('extract_people', 'birth_date', 'pseudolink.compare_damerau_levenshtein(l.born, r.birth_date, ARRAY[1])',
                          ARRAY['else', 'close', 'exact']);
UPDATE fs_level x SET m = p.m, u = p.u FROM fs_level p
WHERE x.model = 'extract_people' AND p.model = 'people' AND p.comparison = x.comparison AND p.level = x.level;
SELECT add_blocking_sql('extract_people', 'surname', ARRAY['surname'], probe_expressions => ARRAY['lname'])
UNION ALL
SELECT add_blocking_sql('extract_people', 'birth_date', ARRAY['birth_date'], probe_expressions => ARRAY['born']);
SELECT * FROM link_tables('extract_people', 'extract', 'record_no', 'people', 'id', 'extract_pairs', training => 'none');
SELECT p.left_id, p.right_id, p.levels, round(p.match_weight::numeric, 6) AS weight
FROM extract_pairs p ORDER BY 1, 2;
SELECT * FROM link_tables_accuracy('extract_pairs', 'extract', 'record_no', 'truth', 'people', 'id', 'entity');
SELECT link_candidates('extract_people', 'extract', 'record_no', 'people', 'id', 'extract_candidates');
SELECT count(*) AS candidates, count(*) FILTER (WHERE left_id = 'r5') AS henk_candidates FROM extract_candidates;
DROP TABLE extract_candidates;

-- Term frequencies: with tf_sql the u of the exact level is the
-- frequency of the right record's value among the right table's records
-- (Splink's term-frequency adjustment): a common surname counts for less.
-- Among the 17 people de vries is 3 times, jansen and visser twice.
UPDATE model_comparison_sql SET tf_sql = 'surname' WHERE model = 'extract_people' AND comparison = 'surname';
UPDATE fs_level SET tf_adjust = true WHERE model = 'extract_people' AND comparison = 'surname' AND level = 2;
SELECT matches FROM link_tables('extract_people', 'extract', 'record_no', 'people', 'id', 'extract_pairs',
                                training => 'none', keep_all => true, replace => true);
SELECT p.left_id, p.right_id, p.levels, round((p.tf_u[2] * 17)::numeric, 6) AS surname_count,
       round(p.match_weight::numeric, 6) AS weight,
       round((p.match_weight - pseudolink.match_weight('extract_people', p.levels))::numeric, 6) AS tf_adjustment,
       round((log(2, 0.040625) - log(2, (p.tf_u[2])::numeric))::numeric, 6) AS expected_adjustment
FROM extract_pairs p WHERE p.levels[2] = 2 ORDER BY 1, 2;
UPDATE model_comparison_sql SET tf_sql = NULL WHERE model = 'extract_people';
UPDATE fs_level SET tf_adjust = false WHERE model = 'extract_people';

-- EM: a generated table of 1,200 records of 500 persons with typos, the
-- model trained on its own candidate pairs (training => 'em', from EM's
-- default start), then scored.  Seeded, serial: the same every run.
SELECT setseed(0.75);
CREATE TABLE names AS
SELECT g AS entity,
       (ARRAY['anna', 'pieter', 'maria', 'jan', 'lotte', 'fleur', 'sanne', 'kees', 'henk', 'ingrid',
              'willem', 'sophie', 'daan', 'emma', 'lucas', 'julia', 'thijs', 'sara', 'bram', 'eva'])[1 + floor(random() * 20)::int] AS first_name,
       (ARRAY['jansen', 'de vries', 'bakker', 'smit', 'visser', 'mulder', 'bos', 'de boer', 'meijer', 'de graaf',
              'peters', 'hendriks', 'dekker', 'brouwer', 'dijkstra', 'van dijk', 'kok', 'vos', 'post', 'kuipers',
              'schouten', 'verbeek', 'prins', 'huisman', 'kramer', 'wolters', 'hoekstra', 'koster', 'van leeuwen', 'maas'])[1 + floor(random() * 30)::int] AS surname,
       (date '1930-01-01' + floor(random() * 25000)::int)::text AS birth_date,
       1 + floor(random() * 4)::int AS copies
FROM generate_series(1, 500) g;
CREATE TABLE generated AS
SELECT row_number() OVER (ORDER BY n.entity, c) AS id, n.entity,
       CASE WHEN c > 1 AND random() < 0.2 THEN overlay(n.first_name placing 'x' from 2 for 1) ELSE n.first_name END AS first_name,
       CASE WHEN c > 1 AND random() < 0.2 THEN n.surname || 's' ELSE n.surname END AS surname,
       CASE WHEN c > 1 AND random() < 0.1 THEN NULL
            WHEN c > 1 AND random() < 0.2 THEN overlay(n.birth_date placing '9' from 10 for 1)
            ELSE n.birth_date END AS birth_date
FROM names n, generate_series(1, n.copies) c;
SELECT count(*) AS records, count(DISTINCT entity) AS persons FROM generated;
CREATE TEMP TABLE fixed_levels AS SELECT * FROM fs_level WHERE model = 'people';
UPDATE fs_level SET m = NULL, u = NULL WHERE model = 'people';
UPDATE fs_model SET prior = NULL WHERE model = 'people';
-- blocking on surname or birth date, uncapped
UPDATE model_blocking_sql SET enabled = name IN ('surname', 'birth_date'), max_block = NULL WHERE model = 'people';
SELECT record_count, candidate_pairs, matches, clusters, round(prior::numeric, 4) AS prior, em_converged,
       em_iterations BETWEEN 1 AND 1000 AS iterated
FROM dedupe_table('people', 'generated', 'id', 'generated_pairs', 'generated_clusters');
SELECT comparison, level, round(m::numeric, 2) AS m, round(u::numeric, 3) AS u
FROM fs_level WHERE model = 'people' ORDER BY comparison, level;
SELECT true_pairs, predicted_pairs, true_positives, false_positives, false_negatives,
       round("precision"::numeric, 4) AS "precision", round(recall::numeric, 4) AS recall, round(f1::numeric, 4) AS f1
FROM dedupe_table_accuracy('generated_pairs', 'generated', 'id', 'entity');
SELECT true_pairs, predicted_pairs, round("precision"::numeric, 4) AS "precision", round(recall::numeric, 4) AS recall
FROM dedupe_clusters_accuracy('generated_clusters', 'generated', 'id', 'entity');
-- the model now has parameters: estimation recorded
SELECT estimation LIKE 'EM over % pairs in % agreement patterns: % iterations, converged, %' AS estimation_recorded
FROM fs_model WHERE model = 'people';

-- training => 'em_fixed_u' keeps the model's u (as from random pairs) and
-- estimates m and the prior; without a u for every level it refuses.
CREATE TEMP TABLE u_before AS SELECT comparison, level, u FROM fs_level WHERE model = 'people';
SELECT record_count, candidate_pairs, em_converged
FROM dedupe_table('people', 'generated', 'id', 'generated_pairs_fixed_u', NULL, training => 'em_fixed_u');
SELECT count(*) AS levels, count(*) FILTER (WHERE l.u = b.u) AS u_kept
FROM fs_level l JOIN u_before b USING (comparison, level) WHERE l.model = 'people';
SELECT estimation LIKE '%; u fixed' AS u_fixed_recorded FROM fs_model WHERE model = 'people';
UPDATE fs_level SET u = NULL WHERE model = 'people' AND comparison = 'surname' AND level = 0;
SELECT * FROM dedupe_table('people', 'generated', 'id', 'generated_pairs_fixed_u2', NULL, training => 'em_fixed_u');
UPDATE fs_level l SET u = b.u FROM u_before b
WHERE l.model = 'people' AND l.comparison = b.comparison AND l.level = b.level;
DROP TABLE u_before, generated_pairs_fixed_u;

-- Training as Splink does (src/sql/79_link_training.sql): an EM session over
-- the pairs agreeing on birth date, with that comparison left out (it
-- keeps its m); the pairs are those of a plain join.
CREATE TEMP TABLE m_before AS SELECT comparison, level, m FROM fs_level WHERE model = 'people';
SELECT pairs, converged FROM dedupe_em_session('people', 'generated', 'id', ARRAY['birth_date'], ARRAY['birth_date']);
SELECT count(*) AS pairs_by_join FROM generated l JOIN generated r ON l.birth_date = r.birth_date AND l.id < r.id;
SELECT comparison, count(*) FILTER (WHERE l.m = b.m) AS levels_kept, count(*) AS levels
FROM fs_level l JOIN m_before b USING (comparison, level) WHERE l.model = 'people' GROUP BY comparison ORDER BY comparison;
-- two expressions, nothing left out
SELECT pairs FROM dedupe_em_session('people', 'generated', 'id', ARRAY['surname', 'substr(first_name, 1, 1)']);
SELECT count(*) AS pairs_by_join FROM generated l JOIN generated r
    ON l.surname = r.surname AND substr(l.first_name, 1, 1) = substr(r.first_name, 1, 1) AND l.id < r.id;
-- the prior of two random records: pairs meeting a deterministic rule / recall / n (n - 1) / 2
SELECT found_pairs, possible_pairs, round(prior::numeric, 12) = round(found_pairs / 0.9 / (1262 * 1261 / 2.0), 12) AS prior_as_defined
FROM dedupe_estimate_prior('people', 'generated', 'id',
    ARRAY['l.first_name = r.first_name AND l.surname = r.surname AND l.birth_date = r.birth_date'], recall => 0.9);
SELECT count(*) AS pairs_by_join FROM generated l JOIN generated r
    ON l.first_name = r.first_name AND l.surname = r.surname AND l.birth_date = r.birth_date AND l.id < r.id;
SELECT round(prior::numeric, 8) AS prior, estimation LIKE '%; prior from % pairs of 1 rules at recall 0.9' AS recorded
FROM fs_model WHERE model = 'people';
-- two rules: a pair meeting both counts once
SELECT found_pairs FROM dedupe_estimate_prior('people', 'generated', 'id',
    ARRAY['l.birth_date = r.birth_date', 'l.birth_date = r.birth_date AND l.surname = r.surname']);
-- linking: the session and the prior with each side's columns
SELECT pairs FROM link_tables_em_session('extract_people', 'extract', 'record_no', 'people', 'id',
                                         ARRAY['surname'], ARRAY['surname'], probe_expressions => ARRAY['lname']);
SELECT found_pairs, possible_pairs, round(prior::numeric, 6) AS prior
FROM link_tables_estimate_prior('extract_people', 'extract', 'record_no', 'people', 'id', ARRAY['l.born = r.birth_date']);
-- errors
SELECT * FROM dedupe_em_session('people', 'generated', 'id', ARRAY['birth_date'], ARRAY['birth_day']);
SELECT * FROM dedupe_em_session('people', 'generated', 'id', '{}');
SELECT * FROM dedupe_em_session('people', 'generated', 'id', ARRAY['birth_date', NULL]);
SELECT * FROM dedupe_em_session('nobody', 'generated', 'id', ARRAY['birth_date']);
SELECT * FROM dedupe_em_session('people', 'generated', 'nope', ARRAY['birth_date']);
SELECT * FROM link_tables_em_session('extract_people', 'extract', 'record_no', 'people', 'id',
                                     ARRAY['surname'], probe_expressions => ARRAY['lname', 'fname']);
SELECT * FROM dedupe_estimate_prior('people', 'generated', 'id', '{}');
SELECT * FROM dedupe_estimate_prior('people', 'generated', 'id', ARRAY['l.id = r.id'], recall => 0);
SELECT * FROM dedupe_estimate_prior('people', 'generated', 'id', ARRAY['l.id = r.id'], recall => 1.5);
SELECT * FROM dedupe_estimate_prior('people', 'generated', 'id', ARRAY['l.id = r.id']);
SELECT * FROM dedupe_estimate_prior('nobody', 'generated', 'id', ARRAY['l.id = r.id']);
DROP TABLE m_before;

-- Errors.  Arguments:
SELECT * FROM dedupe_table('nobody', 'people', 'id', 'x_pairs', NULL);
SELECT * FROM dedupe_table(NULL, 'people', 'id', 'x_pairs', NULL);
SELECT * FROM dedupe_table('people', 'no_such_table', 'id', 'x_pairs', NULL);
SELECT * FROM dedupe_table('people', NULL, 'id', 'x_pairs', NULL);
SELECT * FROM dedupe_table('people', 'people', 'no_such_column', 'x_pairs', NULL);
SELECT * FROM dedupe_table('people', 'people', NULL, 'x_pairs', NULL);
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL, threshold => 0);
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL, threshold => 1);
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL, threshold => NULL);
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL, threshold => 'NaN');
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL, min_shared => 0);
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL, training => 'splink');
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL, training => NULL);
SELECT * FROM dedupe_table('people', 'people', 'id', NULL, NULL);
SELECT * FROM dedupe_table('people', 'people', 'id', 'a.b.c', NULL);
SELECT * FROM dedupe_table('people', 'people', 'id', 'bad"name', NULL);
SELECT * FROM dedupe_table('people', 'people', 'id', 'people', NULL, replace => true);
SELECT * FROM dedupe_table('people', 'people', 'id', 'generated_pairs', NULL);
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', 'x_pairs');
SELECT * FROM link_tables('people', 'people', 'id', 'no_such_table', 'id', 'x_pairs');
SELECT * FROM link_tables('people', 'people', 'id', 'people', 'nope', 'x_pairs');
SELECT * FROM link_tables('people', 'people', 'id', 'people', 'id', 'people', replace => true);
-- The records: ids missing or repeated.
CREATE TABLE bad_ids (id integer, first_name text, surname text, birth_date text);
INSERT INTO bad_ids VALUES (1, 'a', 'b', NULL), (NULL, 'a', 'b', NULL);
SELECT * FROM dedupe_table('people', 'bad_ids', 'id', 'x_pairs', NULL);
UPDATE bad_ids SET id = 1;
SELECT * FROM dedupe_table('people', 'bad_ids', 'id', 'x_pairs', NULL);
DROP TABLE bad_ids;
-- The model: no blocking rules; not estimated; a level outside the
-- comparison; SQL that does not fit the table; no pairs to train on; a
-- rule id in both rule tables; SQL of another author.
UPDATE model_blocking_sql SET enabled = false WHERE model = 'people';
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL);
UPDATE model_blocking_sql SET enabled = true WHERE model = 'people';
UPDATE fs_level SET m = NULL WHERE model = 'people' AND comparison = 'surname' AND level = 1;
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL, training => 'none');
SELECT to_regclass('x_pairs') IS NULL AS nothing_left_behind;
UPDATE fs_level l SET m = f.m, u = f.u FROM fixed_levels f
WHERE l.model = f.model AND l.comparison = f.comparison AND l.level = f.level;
UPDATE fs_model SET prior = 1 / 17.0 WHERE model = 'people';
UPDATE model_comparison_sql SET level_sql = '(l.surname = r.surname)::int * 3' WHERE model = 'people' AND comparison = 'surname';
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL);
UPDATE model_comparison_sql SET level_sql = 'pseudolink.compare_jaro_winkler(l.last_name, r.last_name)' WHERE model = 'people' AND comparison = 'surname';
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL);
UPDATE model_comparison_sql SET level_sql = 'pseudolink.compare_jaro_winkler(l.surname, r.surname, ARRAY[0.9])' WHERE model = 'people' AND comparison = 'surname';
UPDATE model_blocking_sql SET expressions = ARRAY['no_such_column'] WHERE model = 'people' AND name = 'surname';
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL);
UPDATE model_blocking_sql SET expressions = ARRAY['surname'] WHERE model = 'people' AND name = 'surname';
CREATE TABLE strangers (id integer, first_name text, surname text, birth_date text);
INSERT INTO strangers VALUES (1, 'a', 'b', '2000-01-01'), (2, 'c', 'd', '2001-01-01');
SELECT * FROM dedupe_table('people', 'strangers', 'id', 'x_pairs', NULL);
SELECT record_count, candidate_pairs, matches, clusters
FROM dedupe_table('people', 'strangers', 'id', 'x_pairs', 'x_clusters', training => 'none');
SELECT count(*) AS pairs FROM x_pairs;
SELECT id, cluster_id, cluster_size FROM x_clusters ORDER BY id;
DROP TABLE strangers, x_pairs, x_clusters;
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('people', 1, 'clash', ARRAY['year(birth_date)']);
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL);
DELETE FROM blocking_rule WHERE model = 'people';
UPDATE model_blocking_sql SET defined_by = 'pseudolink_registry' WHERE model = 'people' AND name = 'surname';
SELECT * FROM dedupe_table('people', 'people', 'id', 'x_pairs', NULL);
SELECT adopt_model_sql('people');
