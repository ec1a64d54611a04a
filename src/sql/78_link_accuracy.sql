-- Generic linkage, accuracy against known truth: precision, recall and F1
-- of the pairs of a run (or of the pairs its clusters imply), where a truth
-- expression gives each record its true entity (for FEBRL the N of
-- rec-N-org / rec-N-dup-k).
--
-- Pairwise, as Splink reports: a true pair is two records with the same
-- truth; recall counts every true pair of the data, also those the
-- blocking never made candidates (Splink's
-- positives_not_captured_by_blocking_rules_scored_as_zero, its default);
-- records whose truth is NULL match nothing.  F1 = 2 TP / (2 TP + FP + FN).
-- The functions read the caller's tables with the caller's privileges;
-- admin and steward only.

-- true_pairs, predicted pairs and true positives to the row of measures
CREATE FUNCTION pseudolink.link_accuracy_measures(
    at_threshold double precision, n_true numeric, n_predicted numeric, n_true_positives numeric)
RETURNS TABLE (probability_threshold double precision, true_pairs bigint, predicted_pairs bigint,
               true_positives bigint, false_positives bigint, false_negatives bigint,
               "precision" double precision, recall double precision, f1 double precision)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT $1, coalesce($2, 0)::bigint, coalesce($3, 0)::bigint, coalesce($4, 0)::bigint,
           (coalesce($3, 0) - coalesce($4, 0))::bigint, (coalesce($2, 0) - coalesce($4, 0))::bigint,
           CASE WHEN $3 > 0 THEN ($4 / $3)::float8 END,
           CASE WHEN $2 > 0 THEN ($4 / $2)::float8 END,
           CASE WHEN $2 + $3 > 0 THEN (2 * coalesce($4, 0) / (coalesce($2, 0) + coalesce($3, 0)))::float8 END
$$;
COMMENT ON FUNCTION pseudolink.link_accuracy_measures(double precision, numeric, numeric, numeric) IS
    'precision, recall and F1 from the numbers of true pairs, predicted pairs and true positives';

CREATE FUNCTION pseudolink.link_accuracy_arguments(pairs regclass, threshold double precision, truth text[])
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.link_check_pairs(pairs);
    IF threshold IS NULL OR NOT (threshold OPERATOR(pg_catalog.>) 0 AND threshold OPERATOR(pg_catalog.<) 1) THEN
        RAISE EXCEPTION 'threshold must be a match probability greater than 0 and less than 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', coalesce(threshold::text, 'null'));
    END IF;
    IF array_position(truth, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'the truth expression must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'An SQL expression over the record giving its true entity, e.g. ''split_part(rec_id, ''''-'''', 2)''.';
    END IF;
END
$$;
COMMENT ON FUNCTION pseudolink.link_accuracy_arguments(regclass, double precision, text[]) IS
    'raises unless a pairs table has left_id, right_id and match_probability, the threshold is in (0, 1) and no truth expression is NULL';

CREATE FUNCTION pseudolink.dedupe_table_accuracy(
    pairs regclass,
    records regclass, id text, truth text,
    threshold double precision DEFAULT 0.5)
RETURNS TABLE (probability_threshold double precision, true_pairs bigint, predicted_pairs bigint,
               true_positives bigint, false_positives bigint, false_negatives bigint,
               "precision" double precision, recall double precision, f1 double precision)
LANGUAGE plpgsql
AS $fn$
DECLARE
    n_true numeric;
    n_predicted numeric;
    n_tp numeric;
BEGIN
    PERFORM pseudolink.link_accuracy_arguments(pairs, dedupe_table_accuracy.threshold, ARRAY[truth]);
    PERFORM pseudolink.link_check_records(records, id, 'records');
    PERFORM pseudolink.link_drop_temp('pl_accuracy_truth');
    EXECUTE format('CREATE TEMP TABLE pl_accuracy_truth ON COMMIT DROP AS
                    SELECT t.%1$I AS id, ((%2$s))::text AS label FROM %3$s AS t', id, truth, records);
    ANALYZE pg_temp.pl_accuracy_truth;
    SELECT sum(g.n OPERATOR(pg_catalog.*) (g.n OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 2) INTO n_true
    FROM (SELECT count(*)::numeric AS n FROM pg_temp.pl_accuracy_truth a
          WHERE a.label IS NOT NULL GROUP BY a.label) g;
    -- each unordered pair once, whatever order the table lists it in
    EXECUTE format($q$
        SELECT count(*), count(*) FILTER (WHERE a.label OPERATOR(pg_catalog.=) b.label)
        FROM (SELECT DISTINCT least(p.left_id, p.right_id) AS x, greatest(p.left_id, p.right_id) AS y
              FROM %1$s p
              WHERE p.match_probability OPERATOR(pg_catalog.>=) %2$L::float8 AND p.left_id <> p.right_id) p
        JOIN pg_temp.pl_accuracy_truth a ON a.id = p.x
        JOIN pg_temp.pl_accuracy_truth b ON b.id = p.y$q$, pairs, dedupe_table_accuracy.threshold)
        INTO n_predicted, n_tp;
    DROP TABLE pg_temp.pl_accuracy_truth;
    RETURN QUERY SELECT * FROM pseudolink.link_accuracy_measures(dedupe_table_accuracy.threshold, n_true, n_predicted, n_tp);
END
$fn$;
COMMENT ON FUNCTION pseudolink.dedupe_table_accuracy(regclass, regclass, text, text, double precision) IS
    'pairwise precision, recall and F1 of a deduplication''s pairs at a match-probability threshold, against a truth expression over the records (their true entity); recall counts every true pair of the table';

CREATE FUNCTION pseudolink.dedupe_clusters_accuracy(
    clusters regclass,
    records regclass, id text, truth text)
RETURNS TABLE (true_pairs bigint, predicted_pairs bigint,
               true_positives bigint, false_positives bigint, false_negatives bigint,
               "precision" double precision, recall double precision, f1 double precision)
LANGUAGE plpgsql
AS $fn$
DECLARE
    n_true numeric;
    n_predicted numeric;
    n_tp numeric;
BEGIN
    IF clusters IS NULL THEN
        RAISE EXCEPTION 'clusters must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF truth IS NULL THEN
        RAISE EXCEPTION 'the truth expression must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM pseudolink.blocking_check_column(clusters, 'id');
    PERFORM pseudolink.blocking_check_column(clusters, 'cluster_id');
    PERFORM pseudolink.link_check_records(records, id, 'records');
    PERFORM pseudolink.link_drop_temp('pl_accuracy_truth');
    EXECUTE format('CREATE TEMP TABLE pl_accuracy_truth ON COMMIT DROP AS
                    SELECT t.%1$I AS id, ((%2$s))::text AS label FROM %3$s AS t', id, truth, records);
    SELECT sum(g.n OPERATOR(pg_catalog.*) (g.n OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 2) INTO n_true
    FROM (SELECT count(*)::numeric AS n FROM pg_temp.pl_accuracy_truth a
          WHERE a.label IS NOT NULL GROUP BY a.label) g;
    -- every two records of one cluster are a predicted pair
    EXECUTE format($q$
        SELECT sum(g.n * (g.n - 1) / 2)
        FROM (SELECT count(*)::numeric AS n
              FROM %1$s c JOIN pg_temp.pl_accuracy_truth a ON a.id = c.id
              GROUP BY c.cluster_id) g$q$, clusters)
        INTO n_predicted;
    EXECUTE format($q$
        SELECT sum(g.n * (g.n - 1) / 2)
        FROM (SELECT count(*)::numeric AS n
              FROM %1$s c JOIN pg_temp.pl_accuracy_truth a ON a.id = c.id
              WHERE a.label IS NOT NULL
              GROUP BY c.cluster_id, a.label) g$q$, clusters)
        INTO n_tp;
    DROP TABLE pg_temp.pl_accuracy_truth;
    RETURN QUERY SELECT m.true_pairs, m.predicted_pairs, m.true_positives, m.false_positives, m.false_negatives,
                        m."precision", m.recall, m.f1
                 FROM pseudolink.link_accuracy_measures(NULL, n_true, n_predicted, n_tp) m;
END
$fn$;
COMMENT ON FUNCTION pseudolink.dedupe_clusters_accuracy(regclass, regclass, text, text) IS
    'pairwise precision, recall and F1 of a deduplication''s clusters (every two records of a cluster a predicted pair) against a truth expression over the records';

CREATE FUNCTION pseudolink.link_tables_accuracy(
    pairs regclass,
    left_table regclass, left_id text, left_truth text,
    right_table regclass, right_id text, right_truth text,
    threshold double precision DEFAULT 0.5)
RETURNS TABLE (probability_threshold double precision, true_pairs bigint, predicted_pairs bigint,
               true_positives bigint, false_positives bigint, false_negatives bigint,
               "precision" double precision, recall double precision, f1 double precision)
LANGUAGE plpgsql
AS $fn$
DECLARE
    n_true numeric;
    n_predicted numeric;
    n_tp numeric;
BEGIN
    PERFORM pseudolink.link_accuracy_arguments(pairs, link_tables_accuracy.threshold, ARRAY[left_truth, right_truth]);
    PERFORM pseudolink.link_check_records(left_table, left_id, 'left_table');
    PERFORM pseudolink.link_check_records(right_table, right_id, 'right_table');
    PERFORM pseudolink.link_drop_temp('pl_accuracy_left', 'pl_accuracy_right');
    EXECUTE format('CREATE TEMP TABLE pl_accuracy_left ON COMMIT DROP AS
                    SELECT t.%1$I AS id, ((%2$s))::text AS label FROM %3$s AS t', left_id, left_truth, left_table);
    EXECUTE format('CREATE TEMP TABLE pl_accuracy_right ON COMMIT DROP AS
                    SELECT t.%1$I AS id, ((%2$s))::text AS label FROM %3$s AS t', right_id, right_truth, right_table);
    SELECT sum(a.n OPERATOR(pg_catalog.*) b.n) INTO n_true
    FROM (SELECT x.label, count(*)::numeric AS n FROM pg_temp.pl_accuracy_left x
          WHERE x.label IS NOT NULL GROUP BY x.label) a
    JOIN (SELECT x.label, count(*)::numeric AS n FROM pg_temp.pl_accuracy_right x
          WHERE x.label IS NOT NULL GROUP BY x.label) b ON b.label OPERATOR(pg_catalog.=) a.label;
    EXECUTE format($q$
        SELECT count(*), count(*) FILTER (WHERE a.label OPERATOR(pg_catalog.=) b.label)
        FROM (SELECT DISTINCT p.left_id, p.right_id FROM %1$s p
              WHERE p.match_probability OPERATOR(pg_catalog.>=) %2$L::float8) p
        JOIN pg_temp.pl_accuracy_left a ON a.id = p.left_id
        JOIN pg_temp.pl_accuracy_right b ON b.id = p.right_id$q$, pairs, link_tables_accuracy.threshold)
        INTO n_predicted, n_tp;
    DROP TABLE pg_temp.pl_accuracy_left, pg_temp.pl_accuracy_right;
    RETURN QUERY SELECT * FROM pseudolink.link_accuracy_measures(link_tables_accuracy.threshold, n_true, n_predicted, n_tp);
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_tables_accuracy(regclass, regclass, text, text, regclass, text, text, double precision) IS
    'pairwise precision, recall and F1 of a linkage''s pairs at a match-probability threshold, against truth expressions over the left and right records; recall counts every true pair of the two tables';

REVOKE ALL ON FUNCTION
    pseudolink.link_accuracy_measures(double precision, numeric, numeric, numeric),
    pseudolink.link_accuracy_arguments(regclass, double precision, text[]),
    pseudolink.dedupe_table_accuracy(regclass, regclass, text, text, double precision),
    pseudolink.dedupe_clusters_accuracy(regclass, regclass, text, text),
    pseudolink.link_tables_accuracy(regclass, regclass, text, text, regclass, text, text, double precision)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.link_accuracy_measures(double precision, numeric, numeric, numeric),
    pseudolink.link_accuracy_arguments(regclass, double precision, text[]),
    pseudolink.dedupe_table_accuracy(regclass, regclass, text, text, double precision),
    pseudolink.dedupe_clusters_accuracy(regclass, regclass, text, text),
    pseudolink.link_tables_accuracy(regclass, regclass, text, text, regclass, text, text, double precision)
TO pseudolink_admin, pseudolink_steward;
