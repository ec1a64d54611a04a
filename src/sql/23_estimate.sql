-- Estimating a model's m, u and prior (doc/scoring.md, Estimation):
--
--   em_estimate()          EM in C over agreement patterns and their counts
--                          (src/em.c), a pure computation;
--   fs_train_em()          groups the level arrays of a query of candidate
--                          pairs by pattern, runs EM and writes the model;
--   fs_estimate_u()        u per level from the level arrays of random pairs
--                          (almost all non-matches), written to the model;
--   fs_estimate_u_random() draws the random pairs from two tables itself;
--   fs_fixed_parameters()  no EM: m from an assumed error rate, u from the
--                          frequencies of the field's values.
--
-- The query and expression arguments are SQL that the functions run with
-- the caller's privileges and search_path (they are not SECURITY DEFINER,
-- and those four keep the caller's search_path so that the caller's SQL
-- means what it says; their own references are schema-qualified): they can
-- do nothing the caller could not do directly.  The writing functions are
-- PARALLEL UNSAFE, as every function that writes must be; em_estimate() is
-- PARALLEL SAFE.  Admin and steward may estimate; the researcher may run
-- em_estimate() on its own counts.

CREATE FUNCTION pseudolink.em_estimate(
    patterns integer[],
    counts bigint[],
    nlevels integer[],
    m_start double precision[] DEFAULT NULL,
    u_start double precision[] DEFAULT NULL,
    lambda_start double precision DEFAULT 0.1,
    max_iterations integer DEFAULT 1000,
    tolerance double precision DEFAULT 1e-6,
    fix_u boolean DEFAULT false,
    pseudo_count double precision DEFAULT 0.5)
RETURNS TABLE ("position" integer, level integer, m double precision, u double precision,
               lambda double precision, iterations integer, converged boolean,
               log_likelihood double precision)
AS 'MODULE_PATHNAME', 'pseudolink_em_estimate'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION pseudolink.em_estimate(integer[], bigint[], integer[], double precision[],
                                           double precision[], double precision, integer,
                                           double precision, boolean, double precision) IS
    'EM for a Fellegi-Sunter model over agreement patterns (rows of patterns, NULL = missing) and their counts; comparison j has levels 0 .. nlevels[j] - 1; pseudo_count pairs are added to every level per class; fix_u keeps u; returns m and u per comparison position and level, and lambda, iterations, convergence and log-likelihood';

-- The comparisons of a model with their number of levels, checked for EM.
CREATE FUNCTION pseudolink.fs_levels_for_estimation(model text)
RETURNS TABLE ("position" integer, comparison text, nlevels integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    problem record;
BEGIN
    IF NOT EXISTS (SELECT FROM pseudolink.fs_model f WHERE f.model OPERATOR(pg_catalog.=) $1) THEN
        RAISE EXCEPTION 'scoring model "%" does not exist', $1
            USING ERRCODE = 'undefined_object',
                  HINT = 'Models are the rows of pseudolink.fs_model; SELECT model FROM pseudolink.fs_model lists them.';
    END IF;
    SELECT * INTO problem FROM pseudolink.fs_model_problems($1) p
    WHERE p.problem LIKE 'position %' OR p.problem LIKE 'levels are not numbered%'
       OR p.problem IN ('the model has no comparisons', 'the comparison has fewer than two levels')
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'scoring model "%" cannot be estimated: %', $1,
                        concat_ws(': ', problem.comparison, problem.problem)
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'SELECT * FROM pseudolink.fs_model_problems(model) lists every problem.';
    END IF;
    RETURN QUERY
    SELECT c.position::integer, c.comparison, (max(l.level) OPERATOR(pg_catalog.+) 1)::integer
    FROM pseudolink.fs_comparison c
    JOIN pseudolink.fs_level l ON l.model OPERATOR(pg_catalog.=) c.model
                              AND l.comparison OPERATOR(pg_catalog.=) c.comparison
    WHERE c.model OPERATOR(pg_catalog.=) $1
    GROUP BY c.position, c.comparison
    ORDER BY c.position;
END
$$;
COMMENT ON FUNCTION pseudolink.fs_levels_for_estimation(text) IS
    'the comparisons of a model in position order with their number of levels; raises when the model''s structure cannot be estimated';

CREATE FUNCTION pseudolink.fs_train_em(
    model text,
    pairs_query text,
    max_iterations integer DEFAULT 1000,
    tolerance double precision DEFAULT 1e-6,
    fix_u boolean DEFAULT false,
    start_from_model boolean DEFAULT true,
    pseudo_count double precision DEFAULT 0.5)
RETURNS TABLE (pairs bigint, patterns integer, iterations integer, converged boolean,
               prior double precision, log_likelihood double precision)
LANGUAGE plpgsql
AS $$
DECLARE
    nlev integer[];
    ncomp integer;
    width integer;
    pats integer[];
    cnts bigint[];
    npairs bigint;
    bad bigint;
    have_m boolean;
    have_u boolean;
    m0 double precision[];
    u0 double precision[];
    lambda0 double precision;
    est record;
BEGIN
    SELECT array_agg(e.nlevels ORDER BY e.position) INTO nlev
    FROM pseudolink.fs_levels_for_estimation($1) e;
    ncomp := cardinality(nlev);
    SELECT max(x) INTO width FROM unnest(nlev) x;

    -- fastLink's first step: the pairs grouped by agreement pattern
    EXECUTE format('SELECT count(*) FILTER (WHERE cardinality(g.levels) IS DISTINCT FROM %s),
                           array_agg(g.levels ORDER BY g.levels), array_agg(g.n ORDER BY g.levels)
                    FROM (SELECT q.levels, count(*) AS n
                          FROM (%s) AS q(levels) WHERE q.levels IS NOT NULL GROUP BY q.levels) g',
                   ncomp, pairs_query)
        INTO bad, pats, cnts;
    IF bad OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION 'the pairs query yields level arrays that do not have % elements', ncomp
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s of the distinct level arrays have another length.', bad),
                  HINT = format('Model "%s" has %s comparisons; the query''s first column is the level array of a pair.', $1, ncomp);
    END IF;
    IF pats IS NULL THEN
        RAISE EXCEPTION 'the pairs query yields no pairs'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The query''s first column is the level array of a candidate pair.';
    END IF;
    SELECT sum(x)::bigint INTO npairs FROM unnest(cnts) x;

    -- starting values: the model's own where it has them all, else EM's defaults
    SELECT bool_and(l.m IS NOT NULL), bool_and(l.u IS NOT NULL) INTO have_m, have_u
    FROM pseudolink.fs_level l WHERE l.model OPERATOR(pg_catalog.=) $1;
    IF fix_u AND NOT have_u THEN
        RAISE EXCEPTION 'fix_u needs a u for every level of model "%"', $1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Estimate u from random pairs first, with pseudolink.fs_estimate_u_random() or pseudolink.fs_estimate_u().';
    END IF;
    IF start_from_model AND have_m THEN
        m0 := pseudolink.fs_probability_matrix($1, 'm', width);
    END IF;
    IF (start_from_model OR fix_u) AND have_u THEN
        u0 := pseudolink.fs_probability_matrix($1, 'u', width);
    END IF;
    SELECT f.prior INTO lambda0 FROM pseudolink.fs_model f WHERE f.model OPERATOR(pg_catalog.=) $1;
    IF NOT start_from_model OR lambda0 IS NULL THEN
        lambda0 := 0.1;
    END IF;

    SELECT min(e.lambda) AS lambda, min(e.iterations) AS iterations, bool_and(e.converged) AS converged,
           min(e.log_likelihood) AS log_likelihood,
           array_agg(e.position ORDER BY e.position, e.level) AS pos,
           array_agg(e.level ORDER BY e.position, e.level) AS lev,
           array_agg(e.m ORDER BY e.position, e.level) AS ms,
           array_agg(e.u ORDER BY e.position, e.level) AS us
    INTO est
    FROM pseudolink.em_estimate(pats, cnts, nlev, m0, u0, lambda0, max_iterations, tolerance, fix_u, pseudo_count) e;

    UPDATE pseudolink.fs_level l
    SET m = r.m, u = r.u
    FROM pseudolink.fs_comparison c,
         unnest(est.pos, est.lev, est.ms, est.us) AS r(position, level, m, u)
    WHERE c.model OPERATOR(pg_catalog.=) $1 AND c.position OPERATOR(pg_catalog.=) r.position
      AND l.model OPERATOR(pg_catalog.=) c.model AND l.comparison OPERATOR(pg_catalog.=) c.comparison
      AND l.level OPERATOR(pg_catalog.=) r.level;
    UPDATE pseudolink.fs_model f
    SET prior = est.lambda, estimated_at = pg_catalog.now(), estimated_by = CURRENT_USER,
        estimation = format('EM over %s pairs in %s agreement patterns: %s iterations, %s, log-likelihood %s%s',
                            npairs, cardinality(cnts), est.iterations,
                            CASE WHEN est.converged THEN 'converged' ELSE 'not converged' END,
                            round(est.log_likelihood::numeric, 3),
                            CASE WHEN fix_u THEN '; u fixed' ELSE '' END)
    WHERE f.model OPERATOR(pg_catalog.=) $1;

    IF NOT est.converged THEN
        RAISE WARNING 'EM did not converge in % iterations', est.iterations
            USING HINT = 'The estimates were written anyway; run again (it starts from them) or raise max_iterations.';
    END IF;
    RETURN QUERY SELECT npairs, cardinality(cnts), est.iterations, est.converged, est.lambda, est.log_likelihood;
END
$$;
COMMENT ON FUNCTION pseudolink.fs_train_em(text, text, integer, double precision, boolean, boolean, double precision) IS
    'estimates a model''s m, u and prior by EM from a query whose first column is the level array of each candidate pair (grouped by pattern first), and writes them into the model; fix_u keeps u (from random pairs); start_from_model starts from the model''s current values where it has them all; a comparison missing from every pair keeps its values';

-- A model's m or u as a two-dimensional array, one row per comparison in
-- position order, padded with NULL to width levels: em_estimate's start.
CREATE FUNCTION pseudolink.fs_probability_matrix(model text, which text, width integer)
RETURNS double precision[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT array_agg(r.probabilities ORDER BY r.position)
    FROM (SELECT c.position,
                 array_agg(CASE $2 WHEN 'm' THEN l.m WHEN 'u' THEN l.u END ORDER BY lv.i) AS probabilities
          FROM pseudolink.fs_comparison c
          CROSS JOIN generate_series(0, $3 OPERATOR(pg_catalog.-) 1) AS lv(i)
          LEFT JOIN pseudolink.fs_level l ON l.model OPERATOR(pg_catalog.=) c.model
                                         AND l.comparison OPERATOR(pg_catalog.=) c.comparison
                                         AND l.level OPERATOR(pg_catalog.=) lv.i
          WHERE c.model OPERATOR(pg_catalog.=) $1
          GROUP BY c.position) r
$$;
COMMENT ON FUNCTION pseudolink.fs_probability_matrix(text, text, integer) IS
    'a model''s m (which => ''m'') or u (''u'') as a comparisons x width array, NULL beyond a comparison''s levels: the form em_estimate takes its starting values in';

-- u from random pairs ------------------------------------------------------

CREATE FUNCTION pseudolink.fs_estimate_u(model text, pairs_query text)
RETURNS TABLE (comparison text, level integer, pairs bigint, seen bigint, u double precision)
LANGUAGE plpgsql
AS $$
DECLARE
    ncomp integer;
    bad bigint;
    outside record;
    unobserved text;
BEGIN
    SELECT count(*) INTO ncomp FROM pseudolink.fs_levels_for_estimation($1);
    EXECUTE format('SELECT count(*) FROM (%s) AS q(levels) WHERE cardinality(q.levels) IS DISTINCT FROM %s',
                   pairs_query, ncomp) INTO bad;
    IF bad OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION 'the pairs query yields level arrays that do not have % elements', ncomp
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s pairs have another length (or no level array).', bad),
                  HINT = format('Model "%s" has %s comparisons; the query''s first column is the level array of a pair.', $1, ncomp);
    END IF;
    CREATE TEMP TABLE pl_u_counts (position integer, level integer, n bigint) ON COMMIT DROP;
    EXECUTE format('INSERT INTO pg_temp.pl_u_counts
                    SELECT x.position, x.level, count(*)
                    FROM (%s) AS q(levels),
                         LATERAL unnest(q.levels) WITH ORDINALITY AS x(level, position)
                    WHERE x.level IS NOT NULL
                    GROUP BY x.position, x.level', pairs_query);
    SELECT k.position, k.level INTO outside
    FROM pg_temp.pl_u_counts k
    LEFT JOIN pseudolink.fs_comparison c ON c.model OPERATOR(pg_catalog.=) $1
                                        AND c.position OPERATOR(pg_catalog.=) k.position
    LEFT JOIN pseudolink.fs_level l ON l.model OPERATOR(pg_catalog.=) $1
                                   AND l.comparison OPERATOR(pg_catalog.=) c.comparison
                                   AND l.level OPERATOR(pg_catalog.=) k.level
    WHERE l.level IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'level % in element % of a level array is not a level of model "%"',
                        outside.level, outside.position, $1
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Check the order of the level array against pseudolink.fs_comparison.position.';
    END IF;
    SELECT string_agg(c.comparison, ', ' ORDER BY c.position) INTO unobserved
    FROM pseudolink.fs_comparison c
    WHERE c.model OPERATOR(pg_catalog.=) $1
      AND NOT EXISTS (SELECT FROM pg_temp.pl_u_counts k WHERE k.position OPERATOR(pg_catalog.=) c.position);
    IF unobserved IS NOT NULL THEN
        RAISE EXCEPTION 'no pair has a level for comparison %', unobserved
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'u is estimated from the pairs where both values are present; sample more pairs.';
    END IF;

    -- u = the share of the pairs (with both values present) at the level;
    -- a level never seen counts as half a pair
    CREATE TEMP TABLE pl_u_estimate ON COMMIT DROP AS
    SELECT c.position, c.comparison, l.level::integer AS level, t.pairs, coalesce(k.n, 0) AS seen,
           (CASE WHEN k.n IS NULL THEN 0.5 ELSE k.n::double precision END)
               OPERATOR(pg_catalog./) t.pairs AS u
    FROM pseudolink.fs_comparison c
    JOIN pseudolink.fs_level l ON l.model OPERATOR(pg_catalog.=) c.model
                              AND l.comparison OPERATOR(pg_catalog.=) c.comparison
    JOIN (SELECT k.position, sum(k.n)::bigint AS pairs FROM pg_temp.pl_u_counts k GROUP BY k.position) t
      ON t.position OPERATOR(pg_catalog.=) c.position
    LEFT JOIN pg_temp.pl_u_counts k ON k.position OPERATOR(pg_catalog.=) c.position
                                   AND k.level OPERATOR(pg_catalog.=) l.level
    WHERE c.model OPERATOR(pg_catalog.=) $1;
    UPDATE pseudolink.fs_level l SET u = e.u
    FROM pg_temp.pl_u_estimate e
    WHERE l.model OPERATOR(pg_catalog.=) $1 AND l.comparison OPERATOR(pg_catalog.=) e.comparison
      AND l.level OPERATOR(pg_catalog.=) e.level;
    UPDATE pseudolink.fs_model f
    SET estimated_at = pg_catalog.now(), estimated_by = CURRENT_USER,
        estimation = format('u from %s random pairs', (SELECT max(e.pairs) FROM pg_temp.pl_u_estimate e))
    WHERE f.model OPERATOR(pg_catalog.=) $1;

    RETURN QUERY SELECT e.comparison, e.level, e.pairs, e.seen, e.u
                 FROM pg_temp.pl_u_estimate e ORDER BY e.position, e.level;
    DROP TABLE pg_temp.pl_u_counts, pg_temp.pl_u_estimate;
END
$$;
COMMENT ON FUNCTION pseudolink.fs_estimate_u(text, text) IS
    'estimates u per level as the share of random pairs at that level (a query whose first column is their level array; pairs with the value missing do not count) and writes it into the model; a level never seen gets u = 0.5 / pairs';

CREATE FUNCTION pseudolink.fs_estimate_u_random(
    model text,
    left_table regclass,
    right_table regclass,
    levels text,
    sample_pairs integer DEFAULT 100000,
    seed double precision DEFAULT 0.5)
RETURNS TABLE (comparison text, level integer, pairs bigint, seen bigint, u double precision)
LANGUAGE plpgsql
SET max_parallel_workers_per_gather = 0
SET synchronize_seqscans = off
AS $$
DECLARE
    rowid text := '';
    distinct_rows text := 'true';
BEGIN
    IF sample_pairs IS NULL OR sample_pairs OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'sample_pairs must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF seed IS NULL OR seed OPERATOR(pg_catalog.<) -1 OR seed OPERATOR(pg_catalog.>) 1 THEN
        RAISE EXCEPTION 'seed must be between -1 and 1'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The seed goes to setseed(); the same seed and tables give the same pairs.';
    END IF;
    IF levels IS NULL THEN
        RAISE EXCEPTION 'levels must be an SQL expression over l and r'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example ''ARRAY[pseudolink.compare_dates(l.birth_date, r.birth_date)]''.';
    END IF;
    -- A row is never paired with itself: on one table, rows are told apart
    -- by (tableoid, ctid); a view has neither, and there a self-pair keeps
    -- its (tiny) chance, 1 / rows per pair.
    IF left_table OPERATOR(pg_catalog.=) right_table
       AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) left_table)
           OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'm', 'p']::"char"[]) THEN
        rowid := ', t.tableoid AS pl_tableoid, t.ctid AS pl_ctid';
        distinct_rows := '(l.pl_tableoid, l.pl_ctid) OPERATOR(pg_catalog.<>) (r.pl_tableoid, r.pl_ctid)';
    END IF;
    -- serial (the function's SET): random() in parallel workers ignores
    -- setseed(); and no synchronised scans, which start a large table's scan
    -- wherever another scan of it last was, so that the rows, and with them
    -- the random numbers, come in the same order every time
    PERFORM pg_catalog.setseed(seed);
    RETURN QUERY SELECT * FROM pseudolink.fs_estimate_u($1, format(
        'SELECT %s FROM (SELECT s.*, row_number() OVER () AS pl_pair
                         FROM (SELECT t.*%s FROM %s t ORDER BY pg_catalog.random() LIMIT %s) s) AS l
                   JOIN (SELECT s.*, row_number() OVER () AS pl_pair
                         FROM (SELECT t.*%s FROM %s t ORDER BY pg_catalog.random() LIMIT %s) s) AS r
                     ON l.pl_pair OPERATOR(pg_catalog.=) r.pl_pair
         WHERE %s',
        levels, rowid, left_table, sample_pairs, rowid, right_table, sample_pairs, distinct_rows));
END
$$;
COMMENT ON FUNCTION pseudolink.fs_estimate_u_random(text, regclass, regclass, text, integer, double precision) IS
    'estimates u from random pairs: draws sample_pairs random rows from each table (seeded, serial), pairs them off (never a row with itself), computes levels (an SQL expression over l and r, e.g. ARRAY[pseudolink.compare_dates(l.birth_date, r.birth_date), ...]) and passes them to fs_estimate_u';

-- Fixed parameters -----------------------------------------------------------

CREATE FUNCTION pseudolink.fs_fixed_parameters(
    model text,
    comparison text,
    error_rate double precision,
    frequencies_query text,
    level_expression text DEFAULT NULL,
    error_split double precision[] DEFAULT NULL,
    max_values integer DEFAULT 2000)
RETURNS TABLE (level integer, label text, m double precision, u double precision)
LANGUAGE plpgsql
AS $$
DECLARE
    nlev integer;
    split double precision[];
    nvalues bigint;
    agree double precision;
    outside integer;
BEGIN
    SELECT e.nlevels INTO nlev FROM pseudolink.fs_levels_for_estimation($1) e
    WHERE e.comparison OPERATOR(pg_catalog.=) $2;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scoring model "%" has no comparison "%"', $1, $2
            USING ERRCODE = 'undefined_object',
                  HINT = 'The comparisons are the rows of pseudolink.fs_comparison.';
    END IF;
    IF error_rate IS NULL OR NOT (error_rate OPERATOR(pg_catalog.>) 0 AND error_rate OPERATOR(pg_catalog.<) 1) THEN
        RAISE EXCEPTION 'error_rate must be greater than 0 and less than 1'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'It is the share of true matches whose values do not agree exactly, e.g. 0.02.';
    END IF;
    IF error_split IS NULL THEN
        split := array_fill(1.0::double precision, ARRAY[nlev - 1]);
    ELSIF array_ndims(error_split) IS DISTINCT FROM 1 OR cardinality(error_split) IS DISTINCT FROM nlev - 1
          OR array_position(error_split, NULL) IS NOT NULL
          OR EXISTS (SELECT FROM unnest(error_split) x WHERE NOT x OPERATOR(pg_catalog.>) 0) THEN
        RAISE EXCEPTION 'error_split needs % positive numbers, one per level below exact, level 0 first', nlev - 1
            USING ERRCODE = 'invalid_parameter_value';
    ELSE
        split := error_split;
    END IF;
    IF level_expression IS NULL AND nlev OPERATOR(pg_catalog.<>) 2 THEN
        RAISE EXCEPTION 'comparison "%" has % levels: u from frequencies needs a level_expression', $2, nlev
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the level function over two values a and b, e.g. ''pseudolink.compare_dates(a, b)''; '
                         'without one, only exact-or-else comparisons can be computed.';
    END IF;
    IF max_values IS NULL OR max_values OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'max_values must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- the values keep their type, so that the level expression can compare them
    EXECUTE format('CREATE TEMP TABLE pl_frequencies ON COMMIT DROP AS
                    SELECT q.value, q.n::double precision AS p
                    FROM (%s) AS q(value, n) WHERE q.value IS NOT NULL AND q.n OPERATOR(pg_catalog.>) 0',
                   frequencies_query);
    SELECT count(*) INTO nvalues FROM pg_temp.pl_frequencies;
    IF nvalues OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'the frequencies query yields no values'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'It yields (value, count) rows, e.g. SELECT sex, count(*) FROM register GROUP BY sex.';
    END IF;
    IF level_expression IS NOT NULL AND nvalues OPERATOR(pg_catalog.>) max_values THEN
        RAISE EXCEPTION 'the field has % distinct values, more than max_values (%)', nvalues, max_values
            USING ERRCODE = 'program_limit_exceeded',
                  DETAIL = 'u from frequencies compares every pair of distinct values.',
                  HINT = 'Estimate u from random pairs with pseudolink.fs_estimate_u_random(), or raise max_values.';
    END IF;
    UPDATE pg_temp.pl_frequencies f SET p = f.p OPERATOR(pg_catalog./) s.total
    FROM (SELECT sum(f.p) AS total FROM pg_temp.pl_frequencies f) s;

    CREATE TEMP TABLE pl_fixed_u (level integer, u double precision) ON COMMIT DROP;
    IF level_expression IS NULL THEN
        -- two records drawn at random agree exactly with probability sum of p^2
        SELECT sum(f.p OPERATOR(pg_catalog.*) f.p) INTO agree FROM pg_temp.pl_frequencies f;
        INSERT INTO pg_temp.pl_fixed_u VALUES (0, 1 - agree), (1, agree);
    ELSE
        -- u of a level: the chance that two records drawn at random reach it
        EXECUTE format('INSERT INTO pg_temp.pl_fixed_u
                        SELECT z.level, sum(a.p * b.p) / sum(sum(a.p * b.p)) OVER ()
                        FROM pg_temp.pl_frequencies a CROSS JOIN pg_temp.pl_frequencies b,
                             LATERAL (SELECT (%s)::integer AS level
                                      FROM (SELECT a.value AS a, b.value AS b) v) z
                        WHERE z.level IS NOT NULL GROUP BY z.level', level_expression);
        SELECT x.level INTO outside FROM pg_temp.pl_fixed_u x
        WHERE x.level NOT BETWEEN 0 AND nlev - 1 LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'the level expression gives level %, but comparison "%" has levels 0 to %',
                            outside, $2, nlev - 1
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;

    -- a level that no pair of values reaches still needs a u above 0
    UPDATE pseudolink.fs_level l
    SET m = CASE WHEN l.level OPERATOR(pg_catalog.=) nlev - 1 THEN 1 - error_rate
                 ELSE error_rate * split[l.level + 1] / (SELECT sum(x) FROM unnest(split) x) END,
        u = greatest(coalesce((SELECT x.u FROM pg_temp.pl_fixed_u x WHERE x.level OPERATOR(pg_catalog.=) l.level), 0),
                     1e-12)
    WHERE l.model OPERATOR(pg_catalog.=) $1 AND l.comparison OPERATOR(pg_catalog.=) $2;
    UPDATE pseudolink.fs_model f
    SET estimated_at = pg_catalog.now(), estimated_by = CURRENT_USER,
        estimation = concat_ws('; ', f.estimation,
                               format('%s fixed: error rate %s, u from %s values', $2, error_rate, nvalues))
    WHERE f.model OPERATOR(pg_catalog.=) $1;

    DROP TABLE pg_temp.pl_frequencies, pg_temp.pl_fixed_u;
    RETURN QUERY SELECT l.level::integer, l.label, l.m, l.u FROM pseudolink.fs_level l
    WHERE l.model OPERATOR(pg_catalog.=) $1 AND l.comparison OPERATOR(pg_catalog.=) $2 ORDER BY l.level;
END
$$;
COMMENT ON FUNCTION pseudolink.fs_fixed_parameters(text, text, double precision, text, text, double precision[], integer) IS
    'sets a comparison''s m and u without EM: m of the exact level 1 - error_rate, the rest of the error split over the lower levels (error_split, level 0 first; equal by default); u from a (value, count) query of the field''s values: sum of p^2 for an exact-or-else comparison, else over every pair of values through level_expression (in a and b)';

REVOKE ALL ON FUNCTION
    pseudolink.em_estimate(integer[], bigint[], integer[], double precision[], double precision[],
                           double precision, integer, double precision, boolean, double precision),
    pseudolink.fs_levels_for_estimation(text),
    pseudolink.fs_train_em(text, text, integer, double precision, boolean, boolean, double precision),
    pseudolink.fs_probability_matrix(text, text, integer),
    pseudolink.fs_estimate_u(text, text),
    pseudolink.fs_estimate_u_random(text, regclass, regclass, text, integer, double precision),
    pseudolink.fs_fixed_parameters(text, text, double precision, text, text, double precision[], integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.em_estimate(integer[], bigint[], integer[], double precision[], double precision[],
                           double precision, integer, double precision, boolean, double precision)
TO pseudolink_admin, pseudolink_steward, pseudolink_researcher;
GRANT EXECUTE ON FUNCTION
    pseudolink.fs_levels_for_estimation(text),
    pseudolink.fs_train_em(text, text, integer, double precision, boolean, boolean, double precision),
    pseudolink.fs_probability_matrix(text, text, integer),
    pseudolink.fs_estimate_u(text, text),
    pseudolink.fs_estimate_u_random(text, regclass, regclass, text, integer, double precision),
    pseudolink.fs_fixed_parameters(text, text, double precision, text, text, double precision[], integer)
TO pseudolink_admin, pseudolink_steward;
