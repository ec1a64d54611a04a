-- Generic linkage, accuracy: precision, recall and F1 of pairs and
-- clusters on hand-made tables whose counts are known, and the errors.
SET search_path = public, pseudolink;

-- Eight records of three persons (p, q, r) and two of unknown truth: the
-- true pairs are p: 3 (three records), q: 1, r: 0 - four in all; NULL
-- truth matches nothing.
CREATE TABLE acc_records (id integer, truth text);
INSERT INTO acc_records VALUES (1, 'p'), (2, 'p'), (3, 'p'), (4, 'q'), (5, 'q'), (6, 'r'), (7, NULL), (8, NULL);
-- Predicted at 0.5: 1-2 (true), 3-2 (true, listed right to left), 1-2
-- again (counts once), 4-6 (false), 7-8 (false: unknown truth); below:
-- 4-5 (true, missed) and 1-3 (true, missed at 0.5, found at 0.2).
CREATE TABLE acc_pairs (left_id integer, right_id integer, match_probability float8);
INSERT INTO acc_pairs VALUES (1, 2, 0.9), (3, 2, 0.6), (1, 2, 0.95), (4, 6, 0.5), (7, 8, 0.99),
                             (4, 5, 0.1), (1, 3, 0.3);
SELECT * FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'id', 'truth');
-- 2 true of 4 predicted, 2 of 4 true pairs found: P = R = F1 = 0.5
SELECT * FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'id', 'truth', threshold => 0.2);
-- at 0.2 also 1-3: 3 true of 5, 3 of 4: P = 0.6, R = 0.75, F1 = 2/3
SELECT f1 = 2 / 3.0::float8 AS f1_two_thirds
FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'id', 'truth', threshold => 0.2);
-- the truth is an expression over the record
SELECT true_pairs, predicted_pairs, true_positives
FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'id', $$coalesce(truth, 'x')$$);
-- nothing predicted: precision undefined
SELECT predicted_pairs, "precision", recall, f1
FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'id', 'truth', threshold => 0.999);

-- Clusters: {1, 2, 3}, {4, 6}, {5}, {7, 8}: predicted pairs 3 + 1 + 1 = 5,
-- true 3 (1-2, 1-3, 2-3); of 4 true pairs 4-5 is missed.
CREATE TABLE acc_clusters (id integer, cluster_id integer);
INSERT INTO acc_clusters VALUES (1, 1), (2, 1), (3, 1), (4, 4), (6, 4), (5, 5), (7, 7), (8, 7);
SELECT * FROM dedupe_clusters_accuracy('acc_clusters', 'acc_records', 'id', 'truth');

-- Linking two tables: left truth p, p, q; right truth p, q, q, s; true
-- pairs 2 x 1 + 1 x 2 = 4.
CREATE TABLE acc_left (lid text, t text);
INSERT INTO acc_left VALUES ('a', 'p'), ('b', 'p'), ('c', 'q');
CREATE TABLE acc_right (rid integer, t text);
INSERT INTO acc_right VALUES (10, 'p'), (11, 'q'), (12, 'q'), (13, 's');
CREATE TABLE acc_link (left_id text, right_id integer, match_probability float8);
INSERT INTO acc_link VALUES ('a', 10, 0.9), ('b', 10, 0.8), ('c', 11, 0.7), ('c', 13, 0.6), ('c', 12, 0.2);
SELECT * FROM link_tables_accuracy('acc_link', 'acc_left', 'lid', 't', 'acc_right', 'rid', 't');
SELECT * FROM link_tables_accuracy('acc_link', 'acc_left', 'lid', 't', 'acc_right', 'rid', 't', threshold => 0.1);

-- Errors.
SELECT * FROM dedupe_table_accuracy(NULL, 'acc_records', 'id', 'truth');
SELECT * FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'id', NULL);
SELECT * FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'id', 'truth', threshold => 1);
SELECT * FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'id', 'truth', threshold => NULL);
SELECT * FROM dedupe_table_accuracy('acc_records', 'acc_records', 'id', 'truth');
SELECT * FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'nope', 'truth');
SELECT * FROM dedupe_table_accuracy('acc_pairs', 'acc_records', 'id', 'no_such_column');
SELECT * FROM dedupe_clusters_accuracy(NULL, 'acc_records', 'id', 'truth');
SELECT * FROM dedupe_clusters_accuracy('acc_clusters', 'acc_records', 'id', NULL);
SELECT * FROM dedupe_clusters_accuracy('acc_pairs', 'acc_records', 'id', 'truth');
SELECT * FROM link_tables_accuracy('acc_link', 'acc_left', 'lid', 't', 'acc_right', 'rid', NULL);
SELECT * FROM link_tables_accuracy('acc_link', 'acc_left', 'lid', 't', 'acc_right', 'nope', 't');
SELECT * FROM link_tables_accuracy('acc_link', 'acc_left', 'lid', 't', 'acc_right', 'rid', 't', threshold => -1);
DROP TABLE acc_records, acc_pairs, acc_clusters, acc_left, acc_right, acc_link;
