-- Estimation: EM recovers known m, u and lambda from pairs simulated with
-- them; training a model from a query of pairs; u from random pairs; fixed
-- parameters from error rates and value frequencies; bad input.
SET search_path = pseudolink, public;

-- Simulated pairs with known parameters: 100,000 pairs, lambda = 0.1; four
-- comparisons with 4, 3, 2 and 3 levels, the fourth missing in 20% of the
-- pairs.  Each pair draws its class, then each level independently from
-- the class's distribution (the model EM assumes).
CREATE TEMP TABLE truth (position int, level int, m float8, u float8);
INSERT INTO truth VALUES
    (1, 0, 0.02, 0.85), (1, 1, 0.03, 0.10), (1, 2, 0.05, 0.04), (1, 3, 0.90, 0.01),
    (2, 0, 0.05, 0.90), (2, 1, 0.10, 0.08), (2, 2, 0.85, 0.02),
    (3, 0, 0.10, 0.70), (3, 1, 0.90, 0.30),
    (4, 0, 0.10, 0.60), (4, 1, 0.20, 0.30), (4, 2, 0.70, 0.10);
CREATE TEMP TABLE truth_cdf AS
SELECT position, level,
       sum(m) OVER (PARTITION BY position ORDER BY level) AS m_cdf,
       sum(u) OVER (PARTITION BY position ORDER BY level) AS u_cdf
FROM truth;
SELECT setseed(0.42);
CREATE TEMP TABLE sim AS
SELECT g AS pair, random() < 0.1 AS is_match, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
       random() < 0.2 AS missing4
FROM generate_series(1, 100000) g;
CREATE TEMP TABLE sim_pairs AS
SELECT s.pair, s.is_match,
       ARRAY[(SELECT min(c.level) FROM truth_cdf c WHERE c.position = 1
                AND s.r1 < CASE WHEN s.is_match THEN c.m_cdf ELSE c.u_cdf END),
             (SELECT min(c.level) FROM truth_cdf c WHERE c.position = 2
                AND s.r2 < CASE WHEN s.is_match THEN c.m_cdf ELSE c.u_cdf END),
             (SELECT min(c.level) FROM truth_cdf c WHERE c.position = 3
                AND s.r3 < CASE WHEN s.is_match THEN c.m_cdf ELSE c.u_cdf END),
             CASE WHEN NOT s.missing4 THEN
             (SELECT min(c.level) FROM truth_cdf c WHERE c.position = 4
                AND s.r4 < CASE WHEN s.is_match THEN c.m_cdf ELSE c.u_cdf END) END] AS levels
FROM sim s;
SELECT count(*) AS pairs, count(*) FILTER (WHERE is_match) AS matches,
       count(*) FILTER (WHERE levels[4] IS NULL) AS missing_4th,
       count(DISTINCT levels) AS patterns
FROM sim_pairs;

-- EM over the patterns and their counts, from the default starting values.
CREATE TEMP TABLE grouped AS
SELECT array_agg(levels ORDER BY levels) AS patterns, array_agg(n ORDER BY levels) AS counts
FROM (SELECT levels, count(*) AS n FROM sim_pairs GROUP BY levels) g;
CREATE TEMP TABLE em AS
SELECT e.* FROM grouped, em_estimate(patterns, counts, ARRAY[4, 3, 2, 3]) e;
-- Stated tolerance: every m and u within 0.015 of the truth, lambda within
-- 0.005 (about five standard errors for 10,000 matches).
SELECT count(*) AS parameters,
       bool_and(abs(e.m - t.m) < 0.015) AS m_recovered,
       bool_and(abs(e.u - t.u) < 0.015) AS u_recovered,
       bool_and(abs(e.lambda - 0.1) < 0.005) AS lambda_recovered,
       bool_and(e.converged) AS converged,
       max(e.iterations) < 1000 AS within_max_iterations
FROM em e JOIN truth t USING (position, level);
SELECT e.position, e.level, t.m, round(e.m::numeric, 2) AS m_hat, t.u, round(e.u::numeric, 2) AS u_hat
FROM em e JOIN truth t USING (position, level) ORDER BY 1, 2;
-- Each comparison's probabilities sum to 1.
SELECT position, round(sum(m)::numeric, 9) AS sum_m, round(sum(u)::numeric, 9) AS sum_u
FROM em GROUP BY position ORDER BY position;
-- The estimate's match probabilities separate the simulated classes.
CREATE TEMP TABLE classified AS
SELECT s.is_match, sum(ln(e.m / e.u)) + ln(0.1 / 0.9) > 0 AS predicted
FROM sim_pairs s, LATERAL unnest(s.levels) WITH ORDINALITY AS x(level, position)
JOIN em e ON e.position = x.position AND e.level = x.level
GROUP BY s.pair, s.is_match;
SELECT count(*) FILTER (WHERE predicted AND NOT is_match) < 1000 AS few_false_matches,
       count(*) FILTER (WHERE is_match AND NOT predicted) < 1000 AS few_missed_matches
FROM classified;

-- A too small max_iterations stops early, unconverged; a larger tolerance
-- converges sooner.
SELECT DISTINCT e.iterations, e.converged FROM grouped, em_estimate(patterns, counts, ARRAY[4, 3, 2, 3],
    max_iterations => 3) e;
SELECT (SELECT max(iterations) FROM grouped, em_estimate(patterns, counts, ARRAY[4, 3, 2, 3], tolerance => 1e-2))
     < (SELECT max(iterations) FROM em) AS looser_tolerance_fewer_iterations;
-- fix_u keeps u at its starting values (normalised).
SELECT bool_and(abs(e.u - t.u) < 1e-12) AS u_kept, bool_and(abs(e.m - t.m) < 0.015) AS m_recovered
FROM grouped,
     em_estimate(patterns, counts, ARRAY[4, 3, 2, 3],
                 u_start => ARRAY[[0.85, 0.10, 0.04, 0.01], [0.90, 0.08, 0.02, NULL],
                                  [0.70, 0.30, NULL, NULL], [0.60, 0.30, 0.10, NULL]],
                 fix_u => true) e
JOIN truth t USING (position, level);
-- Starting from the classes the wrong way round, EM finds the mirror
-- image and warns.
SELECT DISTINCT round(e.lambda::numeric, 2) AS lambda
FROM grouped,
     em_estimate(patterns, counts, ARRAY[4, 3, 2, 3],
                 m_start => ARRAY[[0.85, 0.10, 0.04, 0.01], [0.90, 0.08, 0.02, NULL],
                                  [0.70, 0.30, NULL, NULL], [0.60, 0.30, 0.10, NULL]],
                 u_start => ARRAY[[0.02, 0.03, 0.05, 0.90], [0.05, 0.10, 0.85, NULL],
                                  [0.10, 0.90, NULL, NULL], [0.10, 0.20, 0.70, NULL]],
                 lambda_start => 0.9) e;

-- A level never seen in a class: with pseudo_count 0 (plain maximum
-- likelihood) its probability sinks to the floor of 1e-12, a weight no
-- evidence justifies; the default adds half a pair per level and class.
SELECT pc AS pseudo_count, e.m < 1e-9 AS at_the_floor, round(e.m::numeric, 4) AS m_of_unseen_level
FROM (VALUES (0.0::float8), (0.5)) AS v(pc),
     em_estimate(ARRAY[[2, 1], [0, 0], [2, 0], [0, 1]], ARRAY[100, 900, 5, 5]::bigint[], ARRAY[3, 2],
                 pseudo_count => pc) e
WHERE e.position = 1 AND e.level = 1;

-- Training a model from a query of pairs: fs_train_em groups them, runs
-- EM and writes m, u and the prior.
INSERT INTO fs_model (model) VALUES ('sim');
SELECT fs_add_comparison('sim', 'first', ARRAY['else', 'close', 'closer', 'exact']);
SELECT fs_add_comparison('sim', 'second', ARRAY['else', 'close', 'exact']);
SELECT fs_add_comparison('sim', 'third', comparison_labels('exact'));
SELECT fs_add_comparison('sim', 'fourth', ARRAY['else', 'close', 'exact']);
SELECT pairs, patterns, converged, round(prior::numeric, 2) AS prior
FROM fs_train_em('sim', 'SELECT levels FROM sim_pairs');
SELECT bool_and(abs(l.m - t.m) < 0.015 AND abs(l.u - t.u) < 0.015) AS model_recovered
FROM fs_level l JOIN fs_comparison c USING (model, comparison) JOIN truth t ON t.position = c.position AND t.level = l.level
WHERE l.model = 'sim';
SELECT round(prior::numeric, 2) AS prior, estimated_by = current_user AS by_me,
       estimation LIKE 'EM over 100000 pairs in % agreement patterns: % iterations, converged, log-likelihood %'
           AS described
FROM fs_model WHERE model = 'sim';
SELECT * FROM fs_model_problems('sim');
-- Trained twice, it starts from its own estimate and converges at once.
SELECT iterations < 5 AS quick FROM fs_train_em('sim', 'SELECT levels FROM sim_pairs');
-- Scoring with the trained model.
SELECT round(match_probability(match_weight('sim', ARRAY[3, 2, 1, 2]))::numeric, 4) AS all_exact,
       round(match_probability(match_weight('sim', ARRAY[0, 0, 0, NULL]))::numeric, 6) AS nothing_agrees;

-- u from random pairs: a small register of 4,000 persons; random pairs
-- are almost all non-matches, so the share of pairs at a level estimates u.
SELECT setseed(0.7);
CREATE TABLE public.register AS
SELECT g AS id, date '1930-01-01' + (random() * 20000)::int AS birth_date, 1 + (random() < 0.5)::int AS sex,
       (1011 + (random() * 40)::int)::text || 'AB' AS postcode
FROM generate_series(1, 4000) g;
INSERT INTO fs_model (model, prior) VALUES ('reg', 0.0001);
SELECT fs_add_comparison('reg', 'birth_date', comparison_labels('compare_dates'));
SELECT fs_add_comparison('reg', 'sex', comparison_labels('exact'));
SELECT fs_add_comparison('reg', 'postcode', comparison_labels('compare_postcodes'));
SELECT comparison, level, pairs, seen, round(u::numeric, 4) AS u
FROM fs_estimate_u_random('reg', 'register', 'register',
    $$ARRAY[compare_dates(l.birth_date, r.birth_date), (l.sex = r.sex)::int, compare_postcodes(l.postcode, r.postcode)]$$,
    sample_pairs => 3000, seed => 0.25);
-- The same seed gives the same pairs, hence the same u.
CREATE TEMP TABLE u_first AS SELECT comparison, level, u FROM fs_level WHERE model = 'reg';
SELECT count(*) FROM fs_estimate_u_random('reg', 'register', 'register',
    $$ARRAY[compare_dates(l.birth_date, r.birth_date), (l.sex = r.sex)::int, compare_postcodes(l.postcode, r.postcode)]$$,
    sample_pairs => 3000, seed => 0.25);
SELECT bool_and(f.u = l.u) AS reproducible FROM u_first f JOIN fs_level l USING (comparison, level) WHERE l.model = 'reg';
-- Also from a table larger than a quarter of shared_buffers, whose scans
-- PostgreSQL synchronises: one would start wherever the last scan of the
-- table stopped (here a scan cut short by a LIMIT), draw the random numbers
-- for other rows and pair others; the function scans from the first page.
CREATE TABLE public.register_large WITH (fillfactor = 10) AS
SELECT r.* FROM public.register r, generate_series(1, 25) c;
SELECT pg_relation_size('public.register_large') > pg_size_bytes(current_setting('shared_buffers')) / 4
       AS scans_would_be_synchronised;
CREATE TEMP TABLE u_large AS
SELECT comparison, level, u FROM fs_estimate_u_random('reg', 'register_large', 'register_large',
    $$ARRAY[compare_dates(l.birth_date, r.birth_date), (l.sex = r.sex)::int, compare_postcodes(l.postcode, r.postcode)]$$,
    sample_pairs => 2000, seed => 0.25);
SELECT count(*) FROM (SELECT * FROM public.register_large LIMIT 50000) half;
SELECT bool_and(f.u = l.u) AS reproducible_after_a_partial_scan
FROM u_large f JOIN fs_estimate_u_random('reg', 'register_large', 'register_large',
    $$ARRAY[compare_dates(l.birth_date, r.birth_date), (l.sex = r.sex)::int, compare_postcodes(l.postcode, r.postcode)]$$,
    sample_pairs => 2000, seed => 0.25) l USING (comparison, level);
DROP TABLE public.register_large;
-- A view works too (rows of a view cannot be told apart, so a self-pair is
-- possible there, with a chance of 1 in 4,000 per pair).
CREATE VIEW public.register_view AS SELECT * FROM public.register;
SELECT max(pairs) AS pairs FROM fs_estimate_u_random('reg', 'register_view', 'register_view',
    $$ARRAY[compare_dates(l.birth_date, r.birth_date), (l.sex = r.sex)::int, compare_postcodes(l.postcode, r.postcode)]$$,
    sample_pairs => 500, seed => 0.25);
DROP VIEW public.register_view;
SELECT count(*) FROM fs_estimate_u_random('reg', 'register', 'register',
    $$ARRAY[compare_dates(l.birth_date, r.birth_date), (l.sex = r.sex)::int, compare_postcodes(l.postcode, r.postcode)]$$,
    sample_pairs => 3000, seed => 0.25);
-- Exact postcode agreement among random pairs: about 1/41 (41 postcodes).
SELECT abs(u - 1.0 / 41) < 0.01 AS near_one_in_41 FROM fs_level WHERE model = 'reg' AND comparison = 'postcode' AND level = 4;
-- A level never seen gets half a pair; the rows say how many were seen.
SELECT comparison, level, seen, u = 0.5 / pairs AS half_a_pair
FROM fs_estimate_u('reg', $$SELECT ARRAY[5, 1, 4] FROM generate_series(1, 10)
                            UNION ALL SELECT ARRAY[0, 0, NULL]$$)
WHERE seen = 0 AND comparison <> 'birth_date';
-- Then EM with u fixed estimates m and the prior.
INSERT INTO fs_model (model, prior) VALUES ('simfix', 0.2);
INSERT INTO fs_comparison SELECT 'simfix', comparison, position, description FROM fs_comparison WHERE model = 'sim';
INSERT INTO fs_level (model, comparison, level, label, u)
SELECT 'simfix', c.comparison, t.level, l.label, t.u
FROM truth t JOIN fs_comparison c ON c.model = 'sim' AND c.position = t.position
JOIN fs_level l ON l.model = 'sim' AND l.comparison = c.comparison AND l.level = t.level;
SELECT converged, round(prior::numeric, 2) AS prior FROM fs_train_em('simfix', 'SELECT levels FROM sim_pairs', fix_u => true);
SELECT bool_and(abs(l.m - t.m) < 0.015) AS m_recovered, bool_and(abs(l.u - t.u) < 1e-12) AS u_unchanged
FROM fs_level l JOIN fs_comparison c USING (model, comparison) JOIN truth t ON t.position = c.position AND t.level = l.level
WHERE l.model = 'simfix';

-- Fixed parameters, no EM: m from an assumed error rate, u from the
-- frequencies of the values.  Sex: two values, u(exact) = p1^2 + p2^2.
SELECT level, label, m, round(u::numeric, 6) AS u
FROM fs_fixed_parameters('reg', 'sex', 0.01, 'SELECT sex, count(*) FROM register GROUP BY sex');
SELECT round(sum((n / 4000.0) ^ 2), 6) AS expected_u_exact FROM (SELECT count(*) AS n FROM register GROUP BY sex) s;
-- Postcode: five levels, u over every pair of values through the level function.
SELECT level, label, round(m::numeric, 4) AS m, round(u::numeric, 6) AS u
FROM fs_fixed_parameters('reg', 'postcode', 0.05, 'SELECT postcode, count(*) FROM register GROUP BY 1',
                         level_expression => 'pseudolink.compare_postcodes(a, b)',
                         error_split => ARRAY[1, 2, 1, 1]);
SELECT round(sum(m)::numeric, 9) AS sum_m, round(sum(u)::numeric, 9) AS sum_u
FROM fs_level WHERE model = 'reg' AND comparison = 'postcode';
SELECT estimation FROM fs_model WHERE model = 'reg';

-- Bad input.
SELECT * FROM em_estimate(ARRAY[1, 0], ARRAY[1, 2]::bigint[], ARRAY[2]);
SELECT * FROM em_estimate(ARRAY[[1, 0]], ARRAY[1]::bigint[], ARRAY[2]);
SELECT * FROM em_estimate(ARRAY[[1], [2]], ARRAY[1, 1]::bigint[], ARRAY[2]);
SELECT * FROM em_estimate(ARRAY[[1], [0]], ARRAY[1]::bigint[], ARRAY[2]);
SELECT * FROM em_estimate(ARRAY[[1], [0]], ARRAY[1, -1]::bigint[], ARRAY[2]);
SELECT * FROM em_estimate(ARRAY[[1], [0]], ARRAY[0, 0]::bigint[], ARRAY[2]);
SELECT * FROM em_estimate(ARRAY[[1], [0]], ARRAY[1, NULL]::bigint[], ARRAY[2]);
SELECT * FROM em_estimate(ARRAY[[0], [0]], ARRAY[1, 1]::bigint[], ARRAY[1]);
SELECT * FROM em_estimate(ARRAY[[0], [0]], ARRAY[1, 1]::bigint[], ARRAY[NULL]::int[]);
SELECT * FROM em_estimate(ARRAY[[0], [1]], ARRAY[1, 1]::bigint[], ARRAY[2], lambda_start => 1);
SELECT * FROM em_estimate(ARRAY[[0], [1]], ARRAY[1, 1]::bigint[], ARRAY[2], max_iterations => 0);
SELECT * FROM em_estimate(ARRAY[[0], [1]], ARRAY[1, 1]::bigint[], ARRAY[2], tolerance => 0);
SELECT * FROM em_estimate(ARRAY[[0], [1]], ARRAY[1, 1]::bigint[], ARRAY[2], m_start => ARRAY[0.5, 0.5]);
SELECT * FROM em_estimate(ARRAY[[0], [1]], ARRAY[1, 1]::bigint[], ARRAY[2], m_start => ARRAY[[0.5]]);
SELECT * FROM em_estimate(ARRAY[[0], [1]], ARRAY[1, 1]::bigint[], ARRAY[2], m_start => ARRAY[[0.5, NULL]]);
SELECT * FROM em_estimate(ARRAY[[0], [1]], ARRAY[1, 1]::bigint[], ARRAY[2], u_start => ARRAY[[0.5, 0]]);
SELECT * FROM em_estimate(ARRAY[[0], [1]], ARRAY[1, 1]::bigint[], ARRAY[2], pseudo_count => -1);
SELECT * FROM em_estimate(NULL, ARRAY[1, 1]::bigint[], ARRAY[2]);
SELECT * FROM fs_train_em('no such model', 'SELECT ARRAY[1]');
SELECT * FROM fs_train_em('sim', 'SELECT ARRAY[1, 1]');
SELECT * FROM fs_train_em('sim', 'SELECT ARRAY[1, 1, 1, 1] WHERE false');
SELECT * FROM fs_train_em('sim', 'SELECT ARRAY[9, 1, 1, 1]');
INSERT INTO fs_model (model) VALUES ('nou');
SELECT fs_add_comparison('nou', 'x', comparison_labels('exact'));
SELECT * FROM fs_train_em('nou', 'SELECT ARRAY[1]', fix_u => true);
DELETE FROM fs_level WHERE model = 'nou' AND level = 0;
SELECT * FROM fs_train_em('nou', 'SELECT ARRAY[1]');
SELECT * FROM fs_estimate_u('reg', 'SELECT ARRAY[1, 1]');
SELECT * FROM fs_estimate_u('reg', 'SELECT ARRAY[7, 1, 1]');
SELECT * FROM fs_estimate_u('reg', 'SELECT ARRAY[1, 1, NULL]');
SELECT * FROM fs_estimate_u_random('reg', 'register', 'register', 'ARRAY[1, 1, 1]', sample_pairs => 0);
SELECT * FROM fs_estimate_u_random('reg', 'register', 'register', 'ARRAY[1, 1, 1]', seed => 2);
SELECT * FROM fs_estimate_u_random('reg', 'register', 'no_such_table', 'ARRAY[1, 1, 1]');
SELECT * FROM fs_fixed_parameters('reg', 'no such comparison', 0.01, 'SELECT 1, 1');
SELECT * FROM fs_fixed_parameters('reg', 'sex', 0, 'SELECT 1, 1');
SELECT * FROM fs_fixed_parameters('reg', 'sex', 0.01, 'SELECT 1, 1 WHERE false');
SELECT * FROM fs_fixed_parameters('reg', 'postcode', 0.01, 'SELECT postcode, count(*) FROM register GROUP BY 1');
SELECT * FROM fs_fixed_parameters('reg', 'postcode', 0.01, 'SELECT postcode, count(*) FROM register GROUP BY 1',
                                  level_expression => 'pseudolink.compare_postcodes(a, b)', max_values => 10);
SELECT * FROM fs_fixed_parameters('reg', 'postcode', 0.01, 'SELECT postcode, count(*) FROM register GROUP BY 1',
                                  level_expression => '7');
SELECT * FROM fs_fixed_parameters('reg', 'postcode', 0.01, 'SELECT postcode, count(*) FROM register GROUP BY 1',
                                  level_expression => 'pseudolink.compare_postcodes(a, b)', error_split => ARRAY[1, 1]);
DROP TABLE public.register;
DELETE FROM fs_model WHERE model IN ('sim', 'simfix', 'reg', 'nou');
