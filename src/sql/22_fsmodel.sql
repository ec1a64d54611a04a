-- Fellegi-Sunter models as data, and scoring with them (C in
-- src/fsmodel.c).  A model (fs_model) has a prior, the share of candidate
-- pairs that match; comparisons (fs_comparison) in position order 1..n,
-- which is the order of the level arrays; and per comparison its levels
-- (fs_level) with a label and the probabilities m = P(level | match) and
-- u = P(level | non-match).  Level numbers follow the level functions: 0
-- "else", higher closer, the highest exact.
--
-- match_weight(model, levels) is the prior's log2 odds plus log2(m / u) of
-- every level seen; explain_match() shows the sum step by step.  They read
-- the tables, so they are STABLE, not IMMUTABLE; they stay PARALLEL SAFE
-- (workers read the model too).  The tables are configuration that pg_dump
-- keeps (pg_extension_config_dump).  The admin and the steward manage
-- models; the researcher may read and use them (a model holds no data about
-- persons).

CREATE TABLE pseudolink.fs_model (
    model        text NOT NULL,
    prior        double precision,
    description  text,
    estimated_at timestamptz,
    estimated_by name,
    estimation   text,
    CONSTRAINT fs_model_pkey PRIMARY KEY (model),
    CONSTRAINT fs_model_name_not_empty CHECK (model <> ''),
    CONSTRAINT fs_model_prior_range CHECK (prior > 0 AND prior < 1)
);
COMMENT ON TABLE pseudolink.fs_model IS
    'Fellegi-Sunter scoring models: one row per model, with the prior';
COMMENT ON COLUMN pseudolink.fs_model.model IS 'name of the model (the blocking rules of pseudolink.blocking_rule may use the same name)';
COMMENT ON COLUMN pseudolink.fs_model.prior IS
    'lambda: the probability that a candidate pair matches, before comparing; null until estimated';
COMMENT ON COLUMN pseudolink.fs_model.description IS 'what the model is for';
COMMENT ON COLUMN pseudolink.fs_model.estimated_at IS 'when an estimation function last wrote the model';
COMMENT ON COLUMN pseudolink.fs_model.estimated_by IS 'who ran it';
COMMENT ON COLUMN pseudolink.fs_model.estimation IS 'how the parameters were estimated, written by the estimation functions';
COMMENT ON CONSTRAINT fs_model_pkey ON pseudolink.fs_model IS 'a model name is used once';
COMMENT ON CONSTRAINT fs_model_name_not_empty ON pseudolink.fs_model IS 'a model has a name';
COMMENT ON CONSTRAINT fs_model_prior_range ON pseudolink.fs_model IS 'the prior is a probability strictly between 0 and 1';

CREATE TABLE pseudolink.fs_comparison (
    model       text     NOT NULL,
    comparison  text     NOT NULL,
    position    smallint NOT NULL,
    description text,
    CONSTRAINT fs_comparison_pkey PRIMARY KEY (model, comparison),
    CONSTRAINT fs_comparison_position_key UNIQUE (model, position),
    CONSTRAINT fs_comparison_model_fkey FOREIGN KEY (model)
        REFERENCES pseudolink.fs_model (model) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT fs_comparison_name_not_empty CHECK (comparison <> ''),
    CONSTRAINT fs_comparison_position_range CHECK (position BETWEEN 1 AND 64)
);
COMMENT ON TABLE pseudolink.fs_comparison IS
    'the comparisons of a model, in the order of the level arrays (position 1 is element 1)';
COMMENT ON COLUMN pseudolink.fs_comparison.model IS 'the model';
COMMENT ON COLUMN pseudolink.fs_comparison.comparison IS 'name of the comparison, such as birth_date';
COMMENT ON COLUMN pseudolink.fs_comparison.position IS
    'element of the level array that holds this comparison''s level; positions run 1, 2, ... without gaps';
COMMENT ON COLUMN pseudolink.fs_comparison.description IS 'how the level is computed, e.g. compare_dates(r.birth_date, p.birth_date)';
COMMENT ON CONSTRAINT fs_comparison_pkey ON pseudolink.fs_comparison IS 'a comparison name is used once per model';
COMMENT ON CONSTRAINT fs_comparison_position_key ON pseudolink.fs_comparison IS 'a position is used once per model';
COMMENT ON CONSTRAINT fs_comparison_model_fkey ON pseudolink.fs_comparison IS 'a comparison belongs to a model';
COMMENT ON CONSTRAINT fs_comparison_name_not_empty ON pseudolink.fs_comparison IS 'a comparison has a name';
COMMENT ON CONSTRAINT fs_comparison_position_range ON pseudolink.fs_comparison IS 'a model has at most 64 comparisons';

CREATE TABLE pseudolink.fs_level (
    model        text             NOT NULL,
    comparison   text             NOT NULL,
    level        smallint         NOT NULL,
    label        text             NOT NULL,
    m            double precision,
    u            double precision,
    tf_adjust    boolean          NOT NULL DEFAULT false,
    tf_weight    double precision NOT NULL DEFAULT 1,
    tf_minimum_u double precision NOT NULL DEFAULT 0,
    CONSTRAINT fs_level_pkey PRIMARY KEY (model, comparison, level),
    CONSTRAINT fs_level_comparison_fkey FOREIGN KEY (model, comparison)
        REFERENCES pseudolink.fs_comparison (model, comparison) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT fs_level_level_range CHECK (level BETWEEN 0 AND 99),
    CONSTRAINT fs_level_label_not_empty CHECK (label <> ''),
    CONSTRAINT fs_level_m_range CHECK (m > 0 AND m <= 1),
    CONSTRAINT fs_level_u_range CHECK (u > 0 AND u <= 1),
    CONSTRAINT fs_level_tf_weight_range CHECK (tf_weight >= 0 AND tf_weight <= 1),
    CONSTRAINT fs_level_tf_minimum_u_range CHECK (tf_minimum_u >= 0 AND tf_minimum_u <= 1)
);
COMMENT ON TABLE pseudolink.fs_level IS
    'the levels of a comparison with their probabilities: level 0 else, higher closer, the highest exact';
COMMENT ON COLUMN pseudolink.fs_level.model IS 'the model';
COMMENT ON COLUMN pseudolink.fs_level.comparison IS 'the comparison';
COMMENT ON COLUMN pseudolink.fs_level.level IS 'the level number a level function returns, 0-99';
COMMENT ON COLUMN pseudolink.fs_level.label IS 'what the level means, e.g. day and month swapped';
COMMENT ON COLUMN pseudolink.fs_level.m IS 'P(level | match); null until estimated';
COMMENT ON COLUMN pseudolink.fs_level.u IS 'P(level | non-match); null until estimated';
COMMENT ON COLUMN pseudolink.fs_level.tf_adjust IS
    'term-frequency adjustment: with a frequency given, u becomes max(frequency, tf_minimum_u) (for an exact-agreement level)';
COMMENT ON COLUMN pseudolink.fs_level.tf_weight IS 'share of the term-frequency adjustment applied, 0-1 (Splink''s tf_adjustment_weight)';
COMMENT ON COLUMN pseudolink.fs_level.tf_minimum_u IS 'floor for the frequency in the adjustment (Splink''s tf_minimum_u_value)';
COMMENT ON CONSTRAINT fs_level_pkey ON pseudolink.fs_level IS 'a level is defined once per comparison';
COMMENT ON CONSTRAINT fs_level_comparison_fkey ON pseudolink.fs_level IS 'a level belongs to a comparison of the model';
COMMENT ON CONSTRAINT fs_level_level_range ON pseudolink.fs_level IS 'levels are numbered 0-99';
COMMENT ON CONSTRAINT fs_level_label_not_empty ON pseudolink.fs_level IS 'a level has a label';
COMMENT ON CONSTRAINT fs_level_m_range ON pseudolink.fs_level IS 'm is a probability greater than 0 (a weight must be finite) and at most 1';
COMMENT ON CONSTRAINT fs_level_u_range ON pseudolink.fs_level IS 'u is a probability greater than 0 (a weight must be finite) and at most 1';
COMMENT ON CONSTRAINT fs_level_tf_weight_range ON pseudolink.fs_level IS 'the share of the adjustment is 0-1';
COMMENT ON CONSTRAINT fs_level_tf_minimum_u_range ON pseudolink.fs_level IS 'the floor is a probability';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.fs_model', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.fs_comparison', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.fs_level', '');

-- Building a model ---------------------------------------------------------

CREATE FUNCTION pseudolink.fs_add_comparison(model text, comparison text, labels text[],
                                             description text DEFAULT NULL)
RETURNS smallint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    pos smallint;
BEGIN
    IF labels IS NULL OR array_ndims(labels) IS DISTINCT FROM 1 OR cardinality(labels) < 2
       OR array_position(labels, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'a comparison needs the labels of at least two levels, level 0 first'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example pseudolink.comparison_labels(''compare_dates''), or ARRAY[''else'', ''exact''].';
    END IF;
    SELECT coalesce(max(c.position), 0) + 1 INTO pos
    FROM pseudolink.fs_comparison c WHERE c.model OPERATOR(pg_catalog.=) fs_add_comparison.model;
    INSERT INTO pseudolink.fs_comparison (model, comparison, position, description)
    VALUES (fs_add_comparison.model, fs_add_comparison.comparison, pos, fs_add_comparison.description);
    INSERT INTO pseudolink.fs_level (model, comparison, level, label)
    SELECT fs_add_comparison.model, fs_add_comparison.comparison, (i - 1)::smallint, labels[i]
    FROM generate_subscripts(labels, 1) AS i;
    RETURN pos;
END
$$;
COMMENT ON FUNCTION pseudolink.fs_add_comparison(text, text, text[], text) IS
    'adds a comparison at the next position of a model, with levels 0, 1, ... labelled in order (m and u left to estimate); returns its position';

CREATE FUNCTION pseudolink.fs_model_problems(model text)
RETURNS TABLE (comparison text, level integer, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT NULL::text, NULL::integer, 'the model does not exist'
    WHERE NOT EXISTS (SELECT FROM pseudolink.fs_model f WHERE f.model OPERATOR(pg_catalog.=) $1)
    UNION ALL
    SELECT NULL, NULL, 'the model has no prior'
    FROM pseudolink.fs_model f WHERE f.model OPERATOR(pg_catalog.=) $1 AND f.prior IS NULL
    UNION ALL
    SELECT NULL, NULL, 'the model has no comparisons'
    FROM pseudolink.fs_model f
    WHERE f.model OPERATOR(pg_catalog.=) $1
      AND NOT EXISTS (SELECT FROM pseudolink.fs_comparison c WHERE c.model OPERATOR(pg_catalog.=) $1)
    UNION ALL
    SELECT c.comparison, NULL, format('position %s where %s is expected', c.position, c.expected)
    FROM (SELECT c.comparison, c.position, row_number() OVER (ORDER BY c.position) AS expected
          FROM pseudolink.fs_comparison c WHERE c.model OPERATOR(pg_catalog.=) $1) c
    WHERE c.position OPERATOR(pg_catalog.<>) c.expected
    UNION ALL
    SELECT c.comparison, NULL, 'the comparison has fewer than two levels'
    FROM pseudolink.fs_comparison c
    WHERE c.model OPERATOR(pg_catalog.=) $1
      AND (SELECT count(*) FROM pseudolink.fs_level l
           WHERE l.model OPERATOR(pg_catalog.=) c.model
             AND l.comparison OPERATOR(pg_catalog.=) c.comparison) OPERATOR(pg_catalog.<) 2
    UNION ALL
    SELECT l.comparison, NULL, format('levels are not numbered 0 to %s without gaps', max(l.level))
    FROM pseudolink.fs_level l WHERE l.model OPERATOR(pg_catalog.=) $1
    GROUP BY l.comparison HAVING count(*) OPERATOR(pg_catalog.<>) (max(l.level) OPERATOR(pg_catalog.+) 1)
    UNION ALL
    SELECT l.comparison, l.level::integer, concat_ws(' and ',
               CASE WHEN l.m IS NULL THEN 'no m' END, CASE WHEN l.u IS NULL THEN 'no u' END)
    FROM pseudolink.fs_level l
    WHERE l.model OPERATOR(pg_catalog.=) $1 AND (l.m IS NULL OR l.u IS NULL)
    UNION ALL
    SELECT l.comparison, NULL, format('%s probabilities sum to %s, not 1', p.name, round(p.total::numeric, 6))
    FROM (SELECT l.comparison, sum(l.m) AS m, sum(l.u) AS u
          FROM pseudolink.fs_level l WHERE l.model OPERATOR(pg_catalog.=) $1
          GROUP BY l.comparison HAVING bool_and(l.m IS NOT NULL AND l.u IS NOT NULL)) l,
         LATERAL (VALUES ('m', l.m), ('u', l.u)) AS p(name, total)
    WHERE abs(p.total OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.>) 1e-6
    UNION ALL
    SELECT l.comparison, l.level::integer, 'the exact level has m below u: agreeing counts against a match'
    FROM pseudolink.fs_level l
    WHERE l.model OPERATOR(pg_catalog.=) $1 AND l.m OPERATOR(pg_catalog.<) l.u
      AND l.level OPERATOR(pg_catalog.=) (SELECT max(x.level) FROM pseudolink.fs_level x
                                         WHERE x.model OPERATOR(pg_catalog.=) l.model
                                           AND x.comparison OPERATOR(pg_catalog.=) l.comparison)
    UNION ALL
    SELECT l.comparison, l.level::integer, 'term-frequency adjustment on a level that is not the exact one'
    FROM pseudolink.fs_level l
    WHERE l.model OPERATOR(pg_catalog.=) $1 AND l.tf_adjust
      AND l.level OPERATOR(pg_catalog.<) (SELECT max(x.level) FROM pseudolink.fs_level x
                                         WHERE x.model OPERATOR(pg_catalog.=) l.model
                                           AND x.comparison OPERATOR(pg_catalog.=) l.comparison)
$$;
COMMENT ON FUNCTION pseudolink.fs_model_problems(text) IS
    'what keeps a model from scoring, or looks wrong in it (gaps, missing m or u, probabilities not summing to 1, exact agreement against a match); no rows when it is sound';

-- Scoring -------------------------------------------------------------------

CREATE FUNCTION pseudolink.match_weight(model text, levels integer[])
RETURNS double precision
AS 'MODULE_PATHNAME', 'pseudolink_match_weight'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.match_weight(text, integer[]) IS
    'match weight of a pair in bits: log2 prior odds + sum of log2(m/u) of its levels (one per comparison, in position order; NULL: missing, adds 0)';

CREATE FUNCTION pseudolink.match_weight(model text, levels integer[], tf_u double precision[])
RETURNS double precision
AS 'MODULE_PATHNAME', 'pseudolink_match_weight_tf'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.match_weight(text, integer[], double precision[]) IS
    'match weight with term-frequency adjustment: tf_u[i] is the frequency of the value agreed on; on a tf_adjust level u becomes max(tf_u, tf_minimum_u), scaled by tf_weight; NULL elements (or tf_u NULL) adjust nothing';

CREATE FUNCTION pseudolink.match_probability(weight double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'pseudolink_match_probability'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.match_probability(double precision) IS
    'probability of a match for a match weight w: 2^w / (1 + 2^w)';

CREATE FUNCTION pseudolink.explain_match(model text, levels integer[], tf_u double precision[] DEFAULT NULL)
RETURNS TABLE ("position" integer, comparison text, level integer, label text,
               m double precision, u double precision, bayes_factor double precision,
               weight double precision, tf_u double precision, tf_adjustment double precision,
               cumulative_weight double precision, cumulative_probability double precision)
AS 'MODULE_PATHNAME', 'pseudolink_explain_match'
LANGUAGE C STABLE PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION pseudolink.explain_match(text, integer[], double precision[]) IS
    'the match weight step by step (Splink''s waterfall chart): the prior, then per comparison its level, label, m, u, Bayes factor, weight, term-frequency adjustment and the running total';

CREATE FUNCTION pseudolink.explain_match_jsonb(model text, levels integer[], tf_u double precision[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'model', $1,
        'match_weight', (array_agg(e.cumulative_weight ORDER BY e.position DESC))[1],
        'match_probability', (array_agg(e.cumulative_probability ORDER BY e.position DESC))[1],
        'steps', jsonb_agg(to_jsonb(e) ORDER BY e.position))
    FROM pseudolink.explain_match($1, $2, $3) e
$$;
COMMENT ON FUNCTION pseudolink.explain_match_jsonb(text, integer[], double precision[]) IS
    'explain_match as one jsonb document: model, match_weight, match_probability and the steps, for a chart or an application';

-- Privileges ---------------------------------------------------------------

REVOKE ALL ON TABLE pseudolink.fs_model, pseudolink.fs_comparison, pseudolink.fs_level FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE pseudolink.fs_model, pseudolink.fs_comparison, pseudolink.fs_level
    TO pseudolink_admin, pseudolink_steward;
GRANT SELECT ON TABLE pseudolink.fs_model, pseudolink.fs_comparison, pseudolink.fs_level
    TO pseudolink_researcher;

REVOKE ALL ON FUNCTION
    pseudolink.fs_add_comparison(text, text, text[], text),
    pseudolink.fs_model_problems(text),
    pseudolink.match_weight(text, integer[]),
    pseudolink.match_weight(text, integer[], double precision[]),
    pseudolink.match_probability(double precision),
    pseudolink.explain_match(text, integer[], double precision[]),
    pseudolink.explain_match_jsonb(text, integer[], double precision[])
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pseudolink.fs_add_comparison(text, text, text[], text)
    TO pseudolink_admin, pseudolink_steward;
GRANT EXECUTE ON FUNCTION
    pseudolink.fs_model_problems(text),
    pseudolink.match_weight(text, integer[]),
    pseudolink.match_weight(text, integer[], double precision[]),
    pseudolink.match_probability(double precision),
    pseudolink.explain_match(text, integer[], double precision[]),
    pseudolink.explain_match_jsonb(text, integer[], double precision[])
TO pseudolink_admin, pseudolink_steward, pseudolink_researcher;
