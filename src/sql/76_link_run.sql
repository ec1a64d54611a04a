-- Generic linkage, the run: candidate pairs from the model's blocking rules,
-- their level arrays from its comparison SQL, EM, match weights, a
-- threshold, and the pairs in a table the analyst names
-- (doc/generic-linkage.md).
--
--   link_tables(model, left, left_id, right, right_id, pairs_table, ...)
--   dedupe_table(model, records, id, pairs_table, clusters_table, ...)
--   link_candidates(...), dedupe_candidates(...)   the level arrays only,
--                                                  for training of one's own
--
-- Blocking: every record gets a blockkeys set, one key per rule it has
-- values for (blocking_sql_key() for the SQL rules, blocking_keys() for the
-- transform rules of pseudolink.blocking_rule); the right table's sets get
-- a GIN index, and each left record finds its candidates with
-- keys @@ shares(its keys, min_shared): the same operator class as the
-- Dutch link run.  Scoring: match_weight(model, levels, tf_u), the engine
-- of the rest of pseudolink; EM: fs_train_em() over the candidate pairs.
--
-- The functions run the model's SQL and read the analyst's tables with the
-- caller's privileges and search_path (not SECURITY DEFINER; their own
-- references are schema-qualified), after model_sql_check() has made sure
-- that whoever wrote that SQL could act as the caller anyway.  Operators on
-- the id columns are left unqualified on purpose: an id may be of any type
-- with equality and ordering (text, bigint, a pseudonym).  Working tables
-- are temporary (pg_temp.pl_link_*), dropped at the end.  Admin and steward
-- only: the tables linked hold identifiers.

-- The key of one SQL blocking rule for one record: the rule id in the top
-- byte (as blocking_rule keys, so blocking_key_rule() and keys_of_rules()
-- work on both), 56 bits of hash of the values.  The array's text form
-- quotes what needs quoting, so ('a,b', 'c') and ('a', 'b,c') hash apart.
-- No key when a value is NULL or empty.  SQL, not plpgsql, so that it is
-- inlined into the key query.
CREATE FUNCTION pseudolink.blocking_sql_key(rule_id integer, parts text[])
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN rule_id OPERATOR(pg_catalog.>=) 1 AND rule_id OPERATOR(pg_catalog.<=) 255
                 AND pg_catalog.array_position(parts, NULL) IS NULL
                 AND pg_catalog.array_position(parts, ''::text) IS NULL
           THEN (rule_id::bigint OPERATOR(pg_catalog.<<) 56)
                OPERATOR(pg_catalog.|) (pg_catalog.hashtextextended(parts::text, rule_id)
                                        OPERATOR(pg_catalog.&) 72057594037927935)
           END
$$;
COMMENT ON FUNCTION pseudolink.blocking_sql_key(integer, text[]) IS
    'blocking key of a SQL rule for one record''s values: rule id (1-255) in the top byte, 56 bits of hash; NULL when a value is NULL or empty (not stable across PostgreSQL versions: keys are made per run)';

-- The key array of a record (alias t) under a model: one element per
-- enabled SQL rule, then the keys of the transform rules.  probe: the
-- searching side (probe_expressions, blocking_keys(..., probe => true)).
CREATE FUNCTION pseudolink.model_keys_sql(model text, probe boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts text;
BEGIN
    SELECT string_agg(format('pseudolink.blocking_sql_key(%s, ARRAY[%s]::text[])', b.rule_id,
                             (SELECT string_agg(format('((%s))::text', e), ', ' ORDER BY i)
                              FROM unnest(CASE WHEN probe THEN coalesce(b.probe_expressions, b.expressions)
                                               ELSE b.expressions END) WITH ORDINALITY AS x(e, i))),
                      ', ' ORDER BY b.rule_id)
    INTO parts
    FROM pseudolink.model_blocking_sql b
    WHERE b.model OPERATOR(pg_catalog.=) model_keys_sql.model AND b.enabled;
    parts := format('ARRAY[%s]::bigint[]', coalesce(parts, ''));
    IF EXISTS (SELECT FROM pseudolink.blocking_rule b
               WHERE b.model OPERATOR(pg_catalog.=) model_keys_sql.model AND b.enabled) THEN
        parts := format('pg_catalog.array_cat(%s, pseudolink.blockkeys_to_array(pseudolink.blocking_keys(%L, t, %L)))',
                        parts, model, probe);
    END IF;
    RETURN parts;
END
$$;
COMMENT ON FUNCTION pseudolink.model_keys_sql(text, boolean) IS
    'the blocking keys of a record t under a model as one SQL expression (a bigint[]): its SQL rules, then its transform rules; probe => true for the searching side';

-- Drops the working tables of a run that exist, without a notice for
-- those that do not (DROP TABLE IF EXISTS would print one each).
CREATE FUNCTION pseudolink.link_drop_temp(VARIADIC names text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n text;
BEGIN
    FOREACH n IN ARRAY names LOOP
        IF pg_catalog.to_regclass(format('pg_temp.%I', n)) IS NOT NULL THEN
            EXECUTE format('DROP TABLE pg_temp.%I', n);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION pseudolink.link_drop_temp(text[]) IS
    'drops the temporary tables of the given names that exist (the working tables pg_temp.pl_*)';

-- Checks shared by every run: a table and its id column; ids present and
-- unique.
CREATE FUNCTION pseudolink.link_check_records(rel regclass, id text, what text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    n_ids bigint;
    n_distinct bigint;
BEGIN
    IF rel IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', what
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF id IS NULL THEN
        RAISE EXCEPTION 'the id column of % must not be NULL', what
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM pseudolink.blocking_check_column(rel, id);
    EXECUTE format('SELECT count(*), count(t.%1$I), count(DISTINCT t.%1$I) FROM %2$s AS t', id, rel)
        INTO n, n_ids, n_distinct;
    IF n_ids OPERATOR(pg_catalog.<) n THEN
        RAISE EXCEPTION 'column "%" of relation % holds NULL ids', id, rel
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('%s of %s rows have no id.', n OPERATOR(pg_catalog.-) n_ids, n),
                  HINT = 'Every record needs an id to appear in the pairs; give them one or leave them out with a view.';
    END IF;
    IF n_distinct OPERATOR(pg_catalog.<) n THEN
        RAISE EXCEPTION 'the ids in column "%" of relation % are not unique', id, rel
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('%s rows have %s distinct ids.', n, n_distinct),
                  HINT = 'A pair names its two records by id; use a column that identifies one row.';
    END IF;
    RETURN n;
END
$$;
COMMENT ON FUNCTION pseudolink.link_check_records(regclass, text, text) IS
    'raises unless a table has the id column and its ids are present and unique; returns the number of rows';

-- A table name the analyst gives for output, schema-qualified and quoted:
-- a name without a schema is created in the caller's current schema (the
-- first of its search_path), as CREATE TABLE would.  Refuses a name taken
-- (unless replace) and the name of an input.  No SET search_path: the
-- caller's is the one that places the table.
CREATE FUNCTION pseudolink.link_output_name(name text, what text, replace boolean, inputs regclass[])
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    parts text[];
    quoted text;
    existing regclass;
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', what
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Name the table to create, e.g. ''my_pairs'' or ''my_schema.my_pairs''.';
    END IF;
    parts := pg_catalog.parse_ident(name);
    IF pg_catalog.cardinality(parts) OPERATOR(pg_catalog.>) 2 THEN
        RAISE EXCEPTION '% "%" has more than a schema and a table name', what, name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.cardinality(parts) OPERATOR(pg_catalog.=) 1 THEN
        IF pg_catalog.current_schema() IS NULL THEN
            RAISE EXCEPTION 'no schema has been selected to create % in', what
                USING ERRCODE = 'invalid_schema_name',
                      HINT = 'Name the schema, e.g. ''my_schema.my_pairs'', or set search_path.';
        END IF;
        parts := ARRAY[pg_catalog.current_schema()::text] OPERATOR(pg_catalog.||) parts;
    END IF;
    quoted := pg_catalog.format('%I.%I', parts[1], parts[2]);
    existing := pg_catalog.to_regclass(quoted);
    IF existing IS NOT NULL THEN
        IF existing OPERATOR(pg_catalog.=) ANY (inputs) THEN
            RAISE EXCEPTION '% % is an input of the run', what, existing
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Name a new table for the output.';
        END IF;
        IF NOT coalesce(replace, false) THEN
            RAISE EXCEPTION 'relation % already exists', existing
                USING ERRCODE = 'duplicate_table',
                      HINT = pg_catalog.format('Name another %s, or pass replace => true to drop it first.', what);
        END IF;
        EXECUTE pg_catalog.format('DROP TABLE %s', quoted);
    END IF;
    RETURN quoted;
END
$$;
COMMENT ON FUNCTION pseudolink.link_output_name(text, text, boolean, regclass[]) IS
    'the quoted name of an output table; raises when it is NULL, malformed, an input, or taken (drops it with replace)';

-- The core: candidate pairs with their level arrays and term frequencies
-- into pg_temp.pl_link_pairs (left_id, right_id, levels, tf_u).  For a
-- deduplication left and right are the same table and a pair is written
-- once, left_id < right_id.  Returns the number of pairs.
CREATE FUNCTION pseudolink.link_pairs_build(
    model text,
    left_table regclass, left_id text,
    right_table regclass, right_id text,
    dedupe boolean,
    min_shared integer)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    target_keys text;
    probe_keys text;
    same_keys boolean;
    levels text;
    tf_exprs text;
    has_tf boolean;
    caps boolean;
    probe_rel text := 'pg_temp.pl_link_probe';
    bad record;
    least_levels integer[];
    greatest_levels integer[];
    n bigint;
BEGIN
    IF min_shared IS NULL OR min_shared OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'minimum number of shared keys must be at least 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', coalesce(min_shared::text, 'null')),
                  HINT = 'Use 1 for the union of the rules.';
    END IF;
    PERFORM pseudolink.model_sql_check(model);
    IF NOT EXISTS (SELECT FROM pseudolink.model_blocking_sql b
                   WHERE b.model OPERATOR(pg_catalog.=) link_pairs_build.model AND b.enabled)
       AND NOT EXISTS (SELECT FROM pseudolink.blocking_rule b
                       WHERE b.model OPERATOR(pg_catalog.=) link_pairs_build.model AND b.enabled) THEN
        RAISE EXCEPTION 'scoring model "%" has no enabled blocking rules', model
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Without blocking every record would be compared with every other.',
                  HINT = 'Add rules with pseudolink.add_blocking_sql(), e.g. ARRAY[''surname''].';
    END IF;
    IF EXISTS (SELECT FROM pseudolink.model_blocking_sql s
               JOIN pseudolink.blocking_rule b ON b.model OPERATOR(pg_catalog.=) s.model
                                              AND b.rule_id OPERATOR(pg_catalog.=) s.rule_id
               WHERE s.model OPERATOR(pg_catalog.=) link_pairs_build.model) THEN
        RAISE EXCEPTION 'scoring model "%" uses a rule id in both pseudolink.model_blocking_sql and pseudolink.blocking_rule', model
            USING ERRCODE = 'unique_violation',
                  HINT = 'Give one of the two rules another id.';
    END IF;

    target_keys := pseudolink.model_keys_sql(model, false);
    probe_keys := pseudolink.model_keys_sql(model, true);
    same_keys := target_keys OPERATOR(pg_catalog.=) probe_keys;
    SELECT bool_or(b.max_block IS NOT NULL) INTO caps
    FROM pseudolink.model_blocking_sql b WHERE b.model OPERATOR(pg_catalog.=) link_pairs_build.model AND b.enabled;
    SELECT string_agg(format('(%s)::integer', s.level_sql), ', ' ORDER BY c.position),
           string_agg(CASE WHEN s.tf_sql IS NULL THEN 'NULL::text' ELSE format('((%s))::text', s.tf_sql) END, ', ' ORDER BY c.position),
           bool_or(s.tf_sql IS NOT NULL)
    INTO levels, tf_exprs, has_tf
    FROM pseudolink.fs_comparison c
    JOIN pseudolink.model_comparison_sql s ON s.model OPERATOR(pg_catalog.=) c.model
                                    AND s.comparison OPERATOR(pg_catalog.=) c.comparison
    WHERE c.model OPERATOR(pg_catalog.=) link_pairs_build.model;

    PERFORM pseudolink.link_drop_temp('pl_link_target_rows', 'pl_link_target', 'pl_link_probe',
                                      'pl_link_candidates', 'pl_link_tf_values', 'pl_link_tf', 'pl_link_pairs');

    -- the keys of the records that are found, less the oversized blocks
    EXECUTE format($q$
        CREATE TEMP TABLE pl_link_target_rows ON COMMIT DROP AS
        SELECT s.pl_id AS id, u.key
        FROM (SELECT t.%1$I AS pl_id, %2$s AS pl_keys FROM %3$s AS t) s,
             pg_catalog.unnest(s.pl_keys) AS u(key)
        WHERE u.key IS NOT NULL$q$, right_id, target_keys, right_table);
    IF caps THEN
        DELETE FROM pg_temp.pl_link_target_rows r
        USING (SELECT k.key
               FROM pg_temp.pl_link_target_rows k
               JOIN pseudolink.model_blocking_sql b
                 ON b.model OPERATOR(pg_catalog.=) link_pairs_build.model
                AND b.rule_id OPERATOR(pg_catalog.=) pseudolink.blocking_key_rule(k.key)
               WHERE b.max_block IS NOT NULL
               GROUP BY k.key, b.max_block
               HAVING count(*) OPERATOR(pg_catalog.>) b.max_block) big
        WHERE r.key OPERATOR(pg_catalog.=) big.key;
    END IF;
    CREATE TEMP TABLE pl_link_target ON COMMIT DROP AS
    SELECT r.id, pseudolink.blockkeys(array_agg(r.key)) AS keys
    FROM pg_temp.pl_link_target_rows r GROUP BY r.id;
    CREATE INDEX ON pg_temp.pl_link_target USING gin (keys pseudolink.blockkeys_ops);
    ANALYZE pg_temp.pl_link_target;

    -- the keys the records search with
    IF dedupe AND same_keys THEN
        probe_rel := 'pg_temp.pl_link_target';
    ELSE
        EXECUTE format($q$
            CREATE TEMP TABLE pl_link_probe ON COMMIT DROP AS
            SELECT s.pl_id AS id, pseudolink.blockkeys(s.pl_keys) AS keys
            FROM (SELECT t.%1$I AS pl_id, %2$s AS pl_keys FROM %3$s AS t) s
            WHERE pseudolink.key_count(pseudolink.blockkeys(s.pl_keys)) OPERATOR(pg_catalog.>) 0$q$,
            left_id, probe_keys, left_table);
        ANALYZE pg_temp.pl_link_probe;
    END IF;

    -- the candidates: one index scan per searching record
    EXECUTE format($q$
        CREATE TEMP TABLE pl_link_candidates ON COMMIT DROP AS
        SELECT %1$s
        FROM %4$s p
        JOIN pg_temp.pl_link_target t
          ON t.keys OPERATOR(pseudolink.@@) pseudolink.shares(p.keys, %2$s)
        %3$s$q$,
        CASE WHEN NOT dedupe THEN 'p.id AS pl_left_id, t.id AS pl_right_id'
             WHEN same_keys THEN 'p.id AS pl_left_id, t.id AS pl_right_id'
             ELSE 'DISTINCT least(p.id, t.id) AS pl_left_id, greatest(p.id, t.id) AS pl_right_id' END,
        min_shared,
        CASE WHEN NOT dedupe THEN ''
             WHEN same_keys THEN 'WHERE p.id < t.id'
             ELSE 'WHERE p.id <> t.id' END,
        probe_rel);
    ANALYZE pg_temp.pl_link_candidates;

    -- term frequencies: of the right record's value among the right table's
    -- records (the population a left record is looked up in; the table
    -- itself for a deduplication)
    IF has_tf THEN
        EXECUTE format($q$
            CREATE TEMP TABLE pl_link_tf_values ON COMMIT DROP AS
            SELECT u.position, u.value,
                   count(*)::float8 OPERATOR(pg_catalog./) (sum(count(*)) OVER (PARTITION BY u.position))::float8 AS frequency
            FROM (SELECT ARRAY[%1$s] AS pl_v FROM %2$s AS t) s,
                 pg_catalog.unnest(s.pl_v) WITH ORDINALITY AS u(value, position)
            WHERE u.value IS NOT NULL
            GROUP BY u.position, u.value$q$, tf_exprs, right_table);
        EXECUTE format($q$
            CREATE TEMP TABLE pl_link_tf ON COMMIT DROP AS
            SELECT s.pl_id AS id, array_agg(f.frequency ORDER BY u.position) AS tf_u
            FROM (SELECT t.%1$I AS pl_id, ARRAY[%2$s] AS pl_v FROM %3$s AS t) s
                 CROSS JOIN LATERAL pg_catalog.unnest(s.pl_v) WITH ORDINALITY AS u(value, position)
                 LEFT JOIN pg_temp.pl_link_tf_values f
                        ON f.position OPERATOR(pg_catalog.=) u.position AND f.value OPERATOR(pg_catalog.=) u.value
            GROUP BY s.pl_id$q$, right_id, tf_exprs, right_table);
    END IF;

    -- the level arrays
    EXECUTE format($q$
        CREATE TEMP TABLE pl_link_pairs ON COMMIT DROP AS
        SELECT pl_c.pl_left_id AS left_id, pl_c.pl_right_id AS right_id,
               ARRAY[%1$s] AS levels, %2$s AS tf_u
        FROM pg_temp.pl_link_candidates pl_c
        JOIN %3$s AS l ON l.%4$I = pl_c.pl_left_id
        JOIN %5$s AS r ON r.%6$I = pl_c.pl_right_id
        %7$s$q$,
        levels, CASE WHEN has_tf THEN 'pl_tf.tf_u' ELSE 'NULL::float8[]' END,
        left_table, left_id, right_table, right_id,
        CASE WHEN has_tf THEN 'LEFT JOIN pg_temp.pl_link_tf pl_tf ON pl_tf.id = pl_c.pl_right_id' ELSE '' END);
    GET DIAGNOSTICS n = ROW_COUNT;

    -- every level a level of its comparison: the least and greatest level
    -- per position, in one scan
    EXECUTE format('SELECT ARRAY[%s], ARRAY[%s] FROM pg_temp.pl_link_pairs p',
                   (SELECT string_agg(format('min(p.levels[%s])', e.position), ', ' ORDER BY e.position)
                    FROM pseudolink.fs_levels_for_estimation(model) e),
                   (SELECT string_agg(format('max(p.levels[%s])', e.position), ', ' ORDER BY e.position)
                    FROM pseudolink.fs_levels_for_estimation(model) e))
        INTO least_levels, greatest_levels;
    SELECT e.comparison, CASE WHEN least_levels[e.position] OPERATOR(pg_catalog.<) 0 THEN least_levels[e.position]
                              ELSE greatest_levels[e.position] END AS level, e.nlevels
    INTO bad
    FROM pseudolink.fs_levels_for_estimation(model) e
    WHERE least_levels[e.position] OPERATOR(pg_catalog.<) 0
       OR greatest_levels[e.position] OPERATOR(pg_catalog.>=) e.nlevels
    ORDER BY e.position LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'comparison "%" of scoring model "%" gives level %, not one of 0 to %',
                        bad.comparison, model, bad.level, bad.nlevels - 1
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Check its level expression in pseudolink.model_comparison_sql against its levels in pseudolink.fs_level.';
    END IF;

    PERFORM pseudolink.link_drop_temp('pl_link_target_rows', 'pl_link_tf_values', 'pl_link_tf',
                                      'pl_link_probe', 'pl_link_target', 'pl_link_candidates');
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_pairs_build(text, regclass, text, regclass, text, boolean, integer) IS
    'builds pg_temp.pl_link_pairs (left_id, right_id, levels, tf_u): the candidate pairs of the model''s blocking rules (sharing at least min_shared keys) with their level arrays; dedupe => one table, each pair once with left_id < right_id';

-- Training, scoring and the output table of a run.
CREATE FUNCTION pseudolink.link_pairs_score(
    model text,
    pairs_table text,
    threshold double precision,
    training text,
    keep_all boolean,
    description text)
RETURNS TABLE (matches bigint, prior double precision, em_iterations integer, em_converged boolean)
LANGUAGE plpgsql
AS $fn$
DECLARE
    est record;
    problem text;
BEGIN
    IF training OPERATOR(pg_catalog.=) ANY (ARRAY['em', 'em_fixed_u']) THEN
        IF NOT EXISTS (SELECT FROM pg_temp.pl_link_pairs) THEN
            RAISE EXCEPTION 'no candidate pairs to train scoring model "%" on', model
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'The blocking rules pair no records.',
                      HINT = 'Loosen the blocking rules or min_shared, or pass training => ''none'' with a trained model.';
        END IF;
        -- em_fixed_u: u from random pairs (set before the run) stays, EM
        -- estimates m and the prior; candidate pairs alone say little about
        -- the u of a field they were blocked on
        SELECT * INTO est FROM pseudolink.fs_train_em(model, 'SELECT levels FROM pg_temp.pl_link_pairs',
                                                      fix_u => training OPERATOR(pg_catalog.=) 'em_fixed_u');
        em_iterations := est.iterations;
        em_converged := est.converged;
    END IF;
    SELECT concat_ws(': ', p.comparison, p.problem) INTO problem
    FROM pseudolink.fs_model_problems(model) p
    WHERE p.problem IN ('the model has no prior', 'no m', 'no u', 'no m and no u')
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'scoring model "%" is not estimated: %', model, problem
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Train it with training => ''em'', or set its m, u and prior in pseudolink.fs_level and pseudolink.fs_model.';
    END IF;
    EXECUTE format($q$
        CREATE TABLE %1$s AS
        SELECT p.left_id, p.right_id, p.levels, p.tf_u, s.w AS match_weight,
               pseudolink.match_probability(s.w) AS match_probability
        FROM pg_temp.pl_link_pairs p,
             LATERAL (SELECT pseudolink.match_weight(%2$L, p.levels, p.tf_u) AS w) s
        WHERE %3$L::boolean OR pseudolink.match_probability(s.w) OPERATOR(pg_catalog.>=) %4$L::float8$q$,
        pairs_table, model, keep_all, threshold);
    EXECUTE format('COMMENT ON TABLE %s IS %L', pairs_table, description);
    EXECUTE format('SELECT count(*) FROM %s WHERE match_probability OPERATOR(pg_catalog.>=) %L::float8',
                   pairs_table, threshold) INTO matches;
    SELECT f.prior INTO prior FROM pseudolink.fs_model f WHERE f.model OPERATOR(pg_catalog.=) link_pairs_score.model;
    DROP TABLE pg_temp.pl_link_pairs;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_pairs_score(text, text, double precision, text, boolean, text) IS
    'trains the model on pg_temp.pl_link_pairs (training => ''em'', or ''em_fixed_u'' keeping u) and writes the scored pairs (all, or those at or above the threshold) into a new table';

CREATE FUNCTION pseudolink.link_run_arguments(threshold double precision, training text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF threshold IS NULL OR NOT (threshold OPERATOR(pg_catalog.>) 0 AND threshold OPERATOR(pg_catalog.<) 1) THEN
        RAISE EXCEPTION 'threshold must be a match probability greater than 0 and less than 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', coalesce(threshold::text, 'null')),
                  HINT = 'Splink''s default is 0.5, a match weight of 0; a weight w is the probability 2^w / (1 + 2^w).';
    END IF;
    IF training IS NULL OR training OPERATOR(pg_catalog.<>) ALL (ARRAY['em', 'em_fixed_u', 'none']) THEN
        RAISE EXCEPTION 'training must be ''em'', ''em_fixed_u'' or ''none'''
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', coalesce(quote_literal(training), 'null')),
                  HINT = '''em'' estimates m, u and the prior from the candidate pairs; ''em_fixed_u'' m and the prior, keeping the model''s u (from random pairs); ''none'' scores with the model as it is.';
    END IF;
END
$$;
COMMENT ON FUNCTION pseudolink.link_run_arguments(double precision, text) IS
    'raises unless a threshold is a probability in (0, 1) and training is em, em_fixed_u or none';

-- Linking two tables ---------------------------------------------------------

CREATE FUNCTION pseudolink.link_tables(
    model text,
    left_table regclass, left_id text,
    right_table regclass, right_id text,
    pairs_table text,
    threshold double precision DEFAULT 0.5,
    min_shared integer DEFAULT 1,
    training text DEFAULT 'em',
    keep_all boolean DEFAULT false,
    replace boolean DEFAULT false)
RETURNS TABLE (left_records bigint, right_records bigint, candidate_pairs bigint, matches bigint,
               prior double precision, em_iterations integer, em_converged boolean,
               threshold_weight double precision)
LANGUAGE plpgsql
AS $fn$
DECLARE
    out_name text;
    s record;
BEGIN
    PERFORM pseudolink.link_run_arguments(threshold, training);
    PERFORM pseudolink.model_sql_check(model);
    left_records := pseudolink.link_check_records(left_table, left_id, 'left_table');
    right_records := pseudolink.link_check_records(right_table, right_id, 'right_table');
    out_name := pseudolink.link_output_name(pairs_table, 'pairs_table', replace, ARRAY[left_table, right_table]);
    candidate_pairs := pseudolink.link_pairs_build(model, left_table, left_id, right_table, right_id, false, min_shared);
    SELECT * INTO s FROM pseudolink.link_pairs_score(model, out_name, threshold, training, keep_all,
        format('pseudolink.link_tables: %s pairs of %s (left) and %s (right), model %s, threshold %s, %s',
               CASE WHEN keep_all THEN 'candidate' ELSE 'matching' END, left_table, right_table, model, threshold,
               pg_catalog.now()));
    matches := s.matches;
    prior := s.prior;
    em_iterations := s.em_iterations;
    em_converged := s.em_converged;
    threshold_weight := pg_catalog.log(2.0, (threshold OPERATOR(pg_catalog./) (1 OPERATOR(pg_catalog.-) threshold))::numeric)::float8;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_tables(text, regclass, text, regclass, text, text, double precision, integer, text, boolean, boolean) IS
    'links two tables with a model defined in SQL: candidate pairs from its blocking rules (sharing at least min_shared keys), level arrays, EM (training => ''em''; ''em_fixed_u'' keeps the model''s u) or the model as it is (''none''), match weights; writes the pairs at or above the threshold (keep_all: every candidate) into a new table (left_id, right_id, levels, tf_u, match_weight, match_probability)';

CREATE FUNCTION pseudolink.link_candidates(
    model text,
    left_table regclass, left_id text,
    right_table regclass, right_id text,
    pairs_table text,
    min_shared integer DEFAULT 1,
    replace boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    out_name text;
    n bigint;
BEGIN
    PERFORM pseudolink.model_sql_check(model);
    PERFORM pseudolink.link_check_records(left_table, left_id, 'left_table');
    PERFORM pseudolink.link_check_records(right_table, right_id, 'right_table');
    out_name := pseudolink.link_output_name(pairs_table, 'pairs_table', replace, ARRAY[left_table, right_table]);
    n := pseudolink.link_pairs_build(model, left_table, left_id, right_table, right_id, false, min_shared);
    EXECUTE format('CREATE TABLE %s AS SELECT * FROM pg_temp.pl_link_pairs', out_name);
    DROP TABLE pg_temp.pl_link_pairs;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_candidates(text, regclass, text, regclass, text, text, integer, boolean) IS
    'the candidate pairs of two tables under a model with their level arrays and term frequencies, unscored, into a new table (left_id, right_id, levels, tf_u): to train a model in one''s own way; returns the number of pairs';

-- Deduplicating one table ------------------------------------------------------

CREATE FUNCTION pseudolink.dedupe_table(
    model text,
    records regclass, id text,
    pairs_table text,
    clusters_table text,
    threshold double precision DEFAULT 0.5,
    min_shared integer DEFAULT 1,
    training text DEFAULT 'em',
    keep_all boolean DEFAULT false,
    replace boolean DEFAULT false)
RETURNS TABLE (record_count bigint, candidate_pairs bigint, matches bigint, clusters bigint,
               largest_cluster integer, prior double precision, em_iterations integer, em_converged boolean,
               threshold_weight double precision)
LANGUAGE plpgsql
AS $fn$
DECLARE
    pairs_name text;
    clusters_name text;
    s record;
    c record;
BEGIN
    PERFORM pseudolink.link_run_arguments(threshold, training);
    PERFORM pseudolink.model_sql_check(model);
    record_count := pseudolink.link_check_records(records, id, 'records');
    pairs_name := pseudolink.link_output_name(pairs_table, 'pairs_table', replace, ARRAY[records]);
    IF clusters_table IS NOT NULL THEN
        clusters_name := pseudolink.link_output_name(clusters_table, 'clusters_table', replace, ARRAY[records]);
        IF clusters_name OPERATOR(pg_catalog.=) pairs_name THEN
            RAISE EXCEPTION 'pairs_table and clusters_table must differ'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    candidate_pairs := pseudolink.link_pairs_build(model, records, id, records, id, true, min_shared);
    SELECT * INTO s FROM pseudolink.link_pairs_score(model, pairs_name, threshold, training, keep_all,
        format('pseudolink.dedupe_table: %s pairs of %s, model %s, threshold %s, %s',
               CASE WHEN keep_all THEN 'candidate' ELSE 'matching' END, records, model, threshold, pg_catalog.now()));
    matches := s.matches;
    prior := s.prior;
    em_iterations := s.em_iterations;
    em_converged := s.em_converged;
    IF clusters_name IS NOT NULL THEN
        SELECT * INTO c FROM pseudolink.cluster_pairs(pairs_name::regclass, clusters_name, threshold, records, id);
        clusters := c.clusters;
        largest_cluster := c.largest_cluster;
    END IF;
    threshold_weight := pg_catalog.log(2.0, (threshold OPERATOR(pg_catalog./) (1 OPERATOR(pg_catalog.-) threshold))::numeric)::float8;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION pseudolink.dedupe_table(text, regclass, text, text, text, double precision, integer, text, boolean, boolean) IS
    'deduplicates a table with a model defined in SQL: candidate pairs (each once, left_id < right_id), level arrays, EM (''em'', ''em_fixed_u'') or the model as it is, match weights, the pairs at or above the threshold (keep_all: every candidate) in a new table, and the clusters (connected components of those pairs, every record included) in another (clusters_table NULL: none)';

CREATE FUNCTION pseudolink.dedupe_candidates(
    model text,
    records regclass, id text,
    pairs_table text,
    min_shared integer DEFAULT 1,
    replace boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    out_name text;
    n bigint;
BEGIN
    PERFORM pseudolink.model_sql_check(model);
    PERFORM pseudolink.link_check_records(records, id, 'records');
    out_name := pseudolink.link_output_name(pairs_table, 'pairs_table', replace, ARRAY[records]);
    n := pseudolink.link_pairs_build(model, records, id, records, id, true, min_shared);
    EXECUTE format('CREATE TABLE %s AS SELECT * FROM pg_temp.pl_link_pairs', out_name);
    DROP TABLE pg_temp.pl_link_pairs;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION pseudolink.dedupe_candidates(text, regclass, text, text, integer, boolean) IS
    'the candidate pairs of one table under a model (each once, left_id < right_id) with their level arrays and term frequencies, unscored, into a new table: to train a model in one''s own way; returns the number of pairs';

REVOKE ALL ON FUNCTION
    pseudolink.link_drop_temp(text[]),
    pseudolink.blocking_sql_key(integer, text[]),
    pseudolink.model_keys_sql(text, boolean),
    pseudolink.link_check_records(regclass, text, text),
    pseudolink.link_output_name(text, text, boolean, regclass[]),
    pseudolink.link_pairs_build(text, regclass, text, regclass, text, boolean, integer),
    pseudolink.link_pairs_score(text, text, double precision, text, boolean, text),
    pseudolink.link_run_arguments(double precision, text),
    pseudolink.link_tables(text, regclass, text, regclass, text, text, double precision, integer, text, boolean, boolean),
    pseudolink.link_candidates(text, regclass, text, regclass, text, text, integer, boolean),
    pseudolink.dedupe_table(text, regclass, text, text, text, double precision, integer, text, boolean, boolean),
    pseudolink.dedupe_candidates(text, regclass, text, text, integer, boolean)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.link_drop_temp(text[]),
    pseudolink.blocking_sql_key(integer, text[]),
    pseudolink.model_keys_sql(text, boolean),
    pseudolink.link_check_records(regclass, text, text),
    pseudolink.link_output_name(text, text, boolean, regclass[]),
    pseudolink.link_pairs_build(text, regclass, text, regclass, text, boolean, integer),
    pseudolink.link_pairs_score(text, text, double precision, text, boolean, text),
    pseudolink.link_run_arguments(double precision, text),
    pseudolink.link_tables(text, regclass, text, regclass, text, text, double precision, integer, text, boolean, boolean),
    pseudolink.link_candidates(text, regclass, text, regclass, text, text, integer, boolean),
    pseudolink.dedupe_table(text, regclass, text, text, text, double precision, integer, text, boolean, boolean),
    pseudolink.dedupe_candidates(text, regclass, text, text, integer, boolean)
TO pseudolink_admin, pseudolink_steward;
