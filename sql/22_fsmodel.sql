-- Fellegi-Sunter models as data: building one, its constraints, match
-- weights against the formula, term-frequency adjustment, explanation,
-- the per-query cache across changes, parallel plans, and bad input.
SET search_path = pseudolink, public;

-- A three-comparison model: birth date, postcode, house number.
INSERT INTO fs_model (model, description) VALUES ('nl3', 'three comparisons');
SELECT fs_add_comparison('nl3', 'birth_date', comparison_labels('compare_dates'), 'compare_dates(a.birth_date, b.birth_date)');
SELECT fs_add_comparison('nl3', 'postcode', comparison_labels('compare_postcodes'));
SELECT fs_add_comparison('nl3', 'house_number', comparison_labels('compare_house_numbers'));
SELECT comparison, position, description FROM fs_comparison WHERE model = 'nl3' ORDER BY position;
SELECT comparison, level, label, m, u, tf_adjust FROM fs_level WHERE model = 'nl3' ORDER BY comparison, level;

-- Not estimated yet: what is missing, and the error when scoring.
SELECT * FROM fs_model_problems('nl3') WHERE level IS NULL OR level = 0;
SELECT match_weight('nl3', ARRAY[5, 4, 2]);
UPDATE fs_model SET prior = 0.001 WHERE model = 'nl3';
SELECT match_weight('nl3', ARRAY[5, 4, 2]);

-- Parameters, as EM might give them (each comparison's m and u sum to 1).
UPDATE fs_level l SET m = v.m, u = v.u
FROM (VALUES ('birth_date', 5, 0.90, 0.0001), ('birth_date', 4, 0.01, 0.0001), ('birth_date', 3, 0.04, 0.002),
             ('birth_date', 2, 0.01, 0.01), ('birth_date', 1, 0.01, 0.09), ('birth_date', 0, 0.03, 0.8978),
             ('postcode', 4, 0.85, 0.00001), ('postcode', 3, 0.01, 0.00001), ('postcode', 2, 0.02, 0.0002),
             ('postcode', 1, 0.07, 0.01), ('postcode', 0, 0.05, 0.98978),
             ('house_number', 2, 0.88, 0.05), ('house_number', 1, 0.04, 0.01), ('house_number', 0, 0.08, 0.94))
     AS v(comparison, level, m, u)
WHERE l.model = 'nl3' AND l.comparison = v.comparison AND l.level = v.level;
SELECT * FROM fs_model_problems('nl3');

-- The weight is the prior's log2 odds plus log2(m / u) of each level seen.
CREATE TEMP TABLE pairs (levels int[]);
INSERT INTO pairs VALUES ('{5,4,2}'), ('{0,0,0}'), ('{4,1,1}'), ('{5,NULL,2}'), ('{NULL,NULL,NULL}'), ('{3,2,NULL}');
SELECT p.levels, round(match_weight('nl3', p.levels)::numeric, 6) AS weight,
       round(match_probability(match_weight('nl3', p.levels))::numeric, 6) AS probability,
       abs(match_weight('nl3', p.levels) - (log(2, 0.001 / 0.999) + coalesce((
           SELECT sum(log(2, (l.m / l.u)::numeric)) FROM fs_comparison c JOIN fs_level l USING (model, comparison)
           WHERE c.model = 'nl3' AND l.level = p.levels[c.position]), 0))) < 1e-9 AS formula_agrees
FROM pairs p;

-- match_probability: 2^w / (1 + 2^w), finite at the extremes.
SELECT w, match_probability(w) FROM (VALUES (0::float8), (1), (-1), (10), (-2000), (2000),
    ('Infinity'), ('-Infinity'), ('NaN')) AS t(w);

-- Term-frequency adjustment: on the exact postcode level, u becomes the
-- frequency of the postcode agreed on (with a floor), scaled by tf_weight.
UPDATE fs_level SET tf_adjust = true, tf_minimum_u = 0.000001 WHERE model = 'nl3' AND comparison = 'postcode' AND level = 4;
SELECT tf, round(match_weight('nl3', ARRAY[5, 4, 2], ARRAY[NULL, tf, NULL])::numeric, 6) AS weight,
       round((match_weight('nl3', ARRAY[5, 4, 2], ARRAY[NULL, tf, NULL]) - match_weight('nl3', ARRAY[5, 4, 2]))::numeric, 6)
           AS adjustment,
       round(coalesce(log(2, 0.00001) - log(2, greatest(tf, 0.000001)::numeric), 0), 6) AS expected
FROM (VALUES (0.00001::float8), (0.0001), (0.01), (0.0000001), (NULL)) AS t(tf);
-- Only levels marked tf_adjust are adjusted; a NULL array adjusts nothing.
SELECT match_weight('nl3', ARRAY[5, 3, 2], ARRAY[0.5, 0.5, 0.5]) = match_weight('nl3', ARRAY[5, 3, 2]) AS other_levels_unchanged,
       match_weight('nl3', ARRAY[5, 4, 2], NULL) = match_weight('nl3', ARRAY[5, 4, 2]) AS null_array_unchanged,
       match_weight('nl3', NULL, ARRAY[0.1]) IS NULL AS null_levels_null;
UPDATE fs_level SET tf_weight = 0.5 WHERE model = 'nl3' AND comparison = 'postcode' AND level = 4;
SELECT round((match_weight('nl3', ARRAY[5, 4, 2], ARRAY[NULL, 0.01, NULL]) - match_weight('nl3', ARRAY[5, 4, 2]))::numeric, 6)
    AS half_adjustment;
UPDATE fs_level SET tf_weight = 1 WHERE model = 'nl3' AND comparison = 'postcode' AND level = 4;

-- The waterfall: the prior, then each comparison; the running total ends
-- at the match weight.
SELECT position, comparison, level, label, m, u, round(bayes_factor::numeric, 4) AS bayes_factor,
       round(weight::numeric, 4) AS weight, tf_u, round(tf_adjustment::numeric, 4) AS tf_adjustment,
       round(cumulative_weight::numeric, 4) AS cumulative_weight,
       round(cumulative_probability::numeric, 6) AS cumulative_probability
FROM explain_match('nl3', ARRAY[4, NULL, 2], ARRAY[NULL, 0.01, NULL]);
SELECT (SELECT cumulative_weight FROM explain_match('nl3', p.levels) ORDER BY position DESC LIMIT 1)
       = match_weight('nl3', p.levels) AS ends_at_the_weight
FROM pairs p;
SELECT (SELECT cumulative_weight FROM explain_match('nl3', ARRAY[5, 4, 2], ARRAY[NULL, 0.002, NULL])
        ORDER BY position DESC LIMIT 1) = match_weight('nl3', ARRAY[5, 4, 2], ARRAY[NULL, 0.002, NULL]) AS with_tf;
SELECT jsonb_pretty(explain_match_jsonb('nl3', ARRAY[2, 0, NULL]) - 'steps') AS summary,
       jsonb_array_length(explain_match_jsonb('nl3', ARRAY[2, 0, NULL]) -> 'steps') AS steps;
SELECT count(*) AS no_rows_for_null FROM explain_match('nl3', NULL);

-- The model is read once per statement, and again whenever it may have
-- changed: in a transaction, in a PL/pgSQL loop that keeps its expression.
BEGIN;
SELECT round(match_weight('nl3', ARRAY[5, 4, 2])::numeric, 6) AS before;
UPDATE fs_level SET m = 0.5, u = 0.5 WHERE model = 'nl3' AND comparison = 'house_number' AND level = 2;
SELECT round(match_weight('nl3', ARRAY[5, 4, 2])::numeric, 6) AS after_update;
ROLLBACK;
DO $$
DECLARE
    w float8[] := '{}';
BEGIN
    FOR i IN 1..3 LOOP
        w := w || pseudolink.match_weight('nl3', ARRAY[5, 4, 2]);
        UPDATE pseudolink.fs_model SET prior = 0.001 * 2 ^ i WHERE model = 'nl3';
    END LOOP;
    RAISE NOTICE 'weights % apart: %', round((w[2] - w[1])::numeric, 3), w[3] > w[2] AND w[2] > w[1];
    UPDATE pseudolink.fs_model SET prior = 0.001 WHERE model = 'nl3';
END
$$;
-- Two models in one query.
INSERT INTO fs_model (model, prior) VALUES ('one', 0.5);
SELECT fs_add_comparison('one', 'same', comparison_labels('exact'));
UPDATE fs_level SET m = CASE level WHEN 1 THEN 0.8 ELSE 0.2 END, u = CASE level WHEN 1 THEN 0.2 ELSE 0.8 END
WHERE model = 'one';
SELECT model, match_weight(model, CASE model WHEN 'one' THEN ARRAY[1] ELSE ARRAY[5, 4, 2] END)
FROM (VALUES ('one'), ('nl3'), ('one')) AS t(model);

-- Parallel workers score too (each reads the model), with the same result.
CREATE TABLE scored AS
SELECT ARRAY[(i % 6), (i / 6) % 5, CASE WHEN i % 7 = 0 THEN NULL ELSE (i / 30) % 3 END] AS levels
FROM generate_series(1, 20000) i;
ANALYZE scored;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT sum(match_weight('nl3', levels)) FROM scored;
CREATE TEMP TABLE parallel_sum AS SELECT sum(match_weight('nl3', levels)) AS s FROM scored;
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
SELECT abs(s - (SELECT sum(match_weight('nl3', levels)) FROM scored)) < 1e-6 AS same_as_serial FROM parallel_sum;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP TABLE scored;

-- Bad input.
SELECT match_weight('nl3', ARRAY[5, 4]);
SELECT match_weight('nl3', ARRAY[5, 4, 2, 1]);
SELECT match_weight('nl3', '{}');
SELECT match_weight('nl3', ARRAY[[5, 4, 2]]);
SELECT match_weight('nl3', ARRAY[6, 4, 2]);
SELECT match_weight('nl3', ARRAY[5, -1, 2]);
SELECT match_weight('no such model', ARRAY[5, 4, 2]);
SELECT match_weight('nl3', ARRAY[5, 4, 2], ARRAY[NULL, 0, NULL]);
SELECT match_weight('nl3', ARRAY[5, 4, 2], ARRAY[NULL, 1.5, NULL]);
SELECT match_weight('nl3', ARRAY[5, 4, 2], ARRAY[0.1]);
SELECT * FROM explain_match('nl3', ARRAY[5, 4, 9]);
SELECT match_weight(NULL, ARRAY[1]) IS NULL AS null_model, match_weight('nl3', NULL) IS NULL AS null_levels;
-- A model that cannot score: no comparisons, a gap in the positions, no levels.
INSERT INTO fs_model (model, prior) VALUES ('empty', 0.1);
SELECT match_weight('empty', ARRAY[1]);
INSERT INTO fs_model (model, prior) VALUES ('gap', 0.1);
INSERT INTO fs_comparison (model, comparison, position) VALUES ('gap', 'a', 1), ('gap', 'b', 3);
SELECT match_weight('gap', ARRAY[1, 1]);
DELETE FROM fs_comparison WHERE model = 'gap' AND comparison = 'b';
SELECT match_weight('gap', ARRAY[1]);
SELECT * FROM fs_model_problems('gap');
SELECT * FROM fs_model_problems('no such model');
-- The constraints.
INSERT INTO fs_model (model, prior) VALUES ('', 0.1);
INSERT INTO fs_model (model, prior) VALUES ('p', 1);
INSERT INTO fs_model (model, prior) VALUES ('p', 0);
INSERT INTO fs_comparison (model, comparison, position) VALUES ('gap', 'z', 0);
INSERT INTO fs_comparison (model, comparison, position) VALUES ('gap', 'z', 65);
INSERT INTO fs_comparison (model, comparison, position) VALUES ('gap', '', 2);
INSERT INTO fs_comparison (model, comparison, position) VALUES ('gap', 'z', 1);
INSERT INTO fs_comparison (model, comparison, position) VALUES ('nobody', 'z', 1);
INSERT INTO fs_level (model, comparison, level, label, m, u) VALUES ('gap', 'a', 0, 'else', 0, 0.5);
INSERT INTO fs_level (model, comparison, level, label, m, u) VALUES ('gap', 'a', 0, 'else', 0.5, 1.5);
INSERT INTO fs_level (model, comparison, level, label) VALUES ('gap', 'a', 100, 'x');
INSERT INTO fs_level (model, comparison, level, label) VALUES ('gap', 'a', 0, '');
INSERT INTO fs_level (model, comparison, level, label, tf_weight) VALUES ('gap', 'a', 0, 'else', 2);
INSERT INTO fs_level (model, comparison, level, label, tf_minimum_u) VALUES ('gap', 'a', 0, 'else', -1);
INSERT INTO fs_level (model, comparison, level, label) VALUES ('gap', 'nothing', 0, 'else');
SELECT fs_add_comparison('gap', 'c', ARRAY['only one']);
SELECT fs_add_comparison('gap', 'c', ARRAY['else', NULL]);
SELECT fs_add_comparison('gap', 'a', ARRAY['else', 'exact']);
-- Deleting a model deletes its comparisons and levels; renaming carries them.
UPDATE fs_model SET model = 'gap2' WHERE model = 'gap';
SELECT model, comparison FROM fs_comparison WHERE model LIKE 'gap%';
DELETE FROM fs_model WHERE model IN ('gap2', 'empty', 'one');
SELECT count(*) AS left_over FROM fs_level WHERE model IN ('gap', 'gap2', 'one');

-- Volatility and parallel safety as declared.
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p WHERE p.pronamespace = 'pseudolink'::regnamespace
  AND p.proname IN ('match_weight', 'match_probability', 'explain_match', 'explain_match_jsonb')
ORDER BY 1, 2;
-- The model tables are configuration that pg_dump keeps.
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'pseudolink' AND c.relname LIKE 'fs\_%' ORDER BY 1;
