-- Generic linkage, training as Splink does it (doc/generic-linkage.md,
-- Training): u from random pairs (fs_estimate_u, 23_estimate), then
--
--   *_em_session()       EM (fs_train_em, u fixed) over the pairs that agree
--                        on some expressions, with the comparisons of those
--                        fields left out: there every pair agrees on them,
--                        so they say nothing, and a comparison missing from
--                        every pair keeps its m for another session;
--   *_estimate_prior()   the prior of two random records from deterministic
--                        rules (conditions over l and r) and an assumed
--                        recall: pairs found / recall / pairs possible.
--
-- EM over all candidate pairs at once (training => 'em') is biased where
-- blocking is strong; these give the parameters of random pairs, which is
-- what match_weight() scores with.  Like the runs they execute the model's
-- SQL and the caller's expressions with the caller's privileges (not
-- SECURITY DEFINER), after model_sql_check(); admin and steward only.

-- The pairs query of a session: the level arrays of the pairs agreeing on
-- every expression (each side's, as text; NULL or empty never agrees),
-- the positions of left_out set to NULL.
CREATE FUNCTION pseudolink.link_session_query(
    model text,
    left_table regclass, left_id text,
    right_table regclass, right_id text,
    dedupe boolean,
    blocked_on text[], probe_expressions text[], left_out text[])
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    unknown text;
    positions integer[];
    target text;
    probe text;
BEGIN
    IF blocked_on IS NULL OR array_ndims(blocked_on) IS DISTINCT FROM 1
       OR cardinality(blocked_on) NOT BETWEEN 1 AND 8
       OR EXISTS (SELECT FROM unnest(blocked_on) e WHERE e IS NULL OR btrim(e) OPERATOR(pg_catalog.=) '') THEN
        RAISE EXCEPTION 'a session needs 1 to 8 expressions to block on, none NULL or empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'SQL over one record, as in a blocking rule, e.g. ARRAY[''date_of_birth''].';
    END IF;
    IF probe_expressions IS NOT NULL AND (array_ndims(probe_expressions) IS DISTINCT FROM 1
       OR cardinality(probe_expressions) IS DISTINCT FROM cardinality(blocked_on)
       OR EXISTS (SELECT FROM unnest(probe_expressions) e WHERE e IS NULL OR btrim(e) OPERATOR(pg_catalog.=) '')) THEN
        RAISE EXCEPTION 'probe_expressions needs one expression per expression (%), none NULL or empty', cardinality(blocked_on)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT string_agg(format('"%s"', x.c), ', ') INTO unknown
    FROM unnest(left_out) x(c)
    WHERE x.c IS NULL OR NOT EXISTS (SELECT FROM pseudolink.fs_comparison c
                                     WHERE c.model OPERATOR(pg_catalog.=) link_session_query.model
                                       AND c.comparison OPERATOR(pg_catalog.=) x.c);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'scoring model "%" has no comparison %', model, unknown
            USING ERRCODE = 'undefined_object',
                  HINT = 'left_out names comparisons of the model (pseudolink.fs_comparison).';
    END IF;
    SELECT coalesce(array_agg(c.position::integer), '{}') INTO positions
    FROM pseudolink.fs_comparison c
    WHERE c.model OPERATOR(pg_catalog.=) link_session_query.model AND c.comparison OPERATOR(pg_catalog.=) ANY (left_out);
    SELECT string_agg(format('((%s))::text', e), ', ' ORDER BY i) INTO target
    FROM unnest(blocked_on) WITH ORDINALITY AS x(e, i);
    SELECT string_agg(format('((%s))::text', e), ', ' ORDER BY i) INTO probe
    FROM unnest(coalesce(probe_expressions, blocked_on)) WITH ORDINALITY AS x(e, i);
    -- pl_bk: the values blocked on; a record with one of them NULL or
    -- empty is in no block
    RETURN format($q$
        SELECT (SELECT pg_catalog.array_agg(CASE WHEN u.i OPERATOR(pg_catalog.=) ANY (%1$L::integer[]) THEN NULL ELSE u.x END
                                            ORDER BY u.i)
                FROM pg_catalog.unnest(%2$s) WITH ORDINALITY AS u(x, i))
        FROM (SELECT t.*, ARRAY[%3$s] AS pl_bk FROM %4$s AS t) l
        JOIN (SELECT t.*, ARRAY[%5$s] AS pl_bk FROM %6$s AS t) r ON l.pl_bk OPERATOR(pg_catalog.=) r.pl_bk
        WHERE pg_catalog.array_position(l.pl_bk, NULL) IS NULL AND pg_catalog.array_position(l.pl_bk, ''::text) IS NULL
        %7$s$q$,
        positions, pseudolink.model_levels_sql(model), probe, left_table, target, right_table,
        CASE WHEN dedupe THEN format('AND l.%I < r.%I', left_id, right_id) ELSE '' END);
END
$$;
COMMENT ON FUNCTION pseudolink.link_session_query(text, regclass, text, regclass, text, boolean, text[], text[], text[]) IS
    'the pairs query of an EM session: the level arrays of the pairs agreeing on every expression blocked on, the comparisons left_out set to NULL';

CREATE FUNCTION pseudolink.dedupe_em_session(
    model text,
    records regclass, id text,
    blocked_on text[],
    left_out text[] DEFAULT '{}',
    fix_u boolean DEFAULT true,
    max_iterations integer DEFAULT 1000)
RETURNS TABLE (pairs bigint, patterns integer, iterations integer, converged boolean,
               prior double precision, log_likelihood double precision)
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM pseudolink.model_sql_check(model);
    PERFORM pseudolink.link_check_records(records, id, 'records');
    RETURN QUERY SELECT * FROM pseudolink.fs_train_em(model,
        pseudolink.link_session_query(model, records, id, records, id, true, blocked_on, NULL, left_out),
        max_iterations => max_iterations, fix_u => fix_u);
END
$fn$;
COMMENT ON FUNCTION pseudolink.dedupe_em_session(text, regclass, text, text[], text[], boolean, integer) IS
    'EM session of a deduplication: fs_train_em (u fixed unless fix_u => false) over the pairs of records agreeing on every expression of blocked_on, with the comparisons left_out left out (they keep their m); run one per blocking field, as Splink does';

CREATE FUNCTION pseudolink.link_tables_em_session(
    model text,
    left_table regclass, left_id text,
    right_table regclass, right_id text,
    blocked_on text[],
    left_out text[] DEFAULT '{}',
    probe_expressions text[] DEFAULT NULL,
    fix_u boolean DEFAULT true,
    max_iterations integer DEFAULT 1000)
RETURNS TABLE (pairs bigint, patterns integer, iterations integer, converged boolean,
               prior double precision, log_likelihood double precision)
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM pseudolink.model_sql_check(model);
    PERFORM pseudolink.link_check_records(left_table, left_id, 'left_table');
    PERFORM pseudolink.link_check_records(right_table, right_id, 'right_table');
    RETURN QUERY SELECT * FROM pseudolink.fs_train_em(model,
        pseudolink.link_session_query(model, left_table, left_id, right_table, right_id, false,
                                      blocked_on, probe_expressions, left_out),
        max_iterations => max_iterations, fix_u => fix_u);
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_tables_em_session(text, regclass, text, regclass, text, text[], text[], text[], boolean, integer) IS
    'EM session of a linkage: fs_train_em (u fixed unless fix_u => false) over the pairs agreeing on every expression of blocked_on (probe_expressions for the left table when they differ), the comparisons left_out left out';

-- The prior of two random records.
CREATE FUNCTION pseudolink.link_estimate_prior(
    model text,
    left_table regclass, left_id text,
    right_table regclass, right_id text,
    dedupe boolean,
    rules text[], recall double precision)
RETURNS TABLE (found_pairs bigint, possible_pairs numeric, prior double precision)
LANGUAGE plpgsql
AS $fn$
DECLARE
    n_left bigint;
    n_right bigint;
    found bigint;
BEGIN
    PERFORM pseudolink.model_must_exist(model);
    IF rules IS NULL OR array_ndims(rules) IS DISTINCT FROM 1 OR cardinality(rules) OPERATOR(pg_catalog.<) 1
       OR EXISTS (SELECT FROM unnest(rules) e WHERE e IS NULL OR btrim(e) OPERATOR(pg_catalog.=) '') THEN
        RAISE EXCEPTION 'the prior needs at least one deterministic rule, none NULL or empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Conditions over l and r that only true matches meet, e.g. ARRAY[''l.soc_sec_id = r.soc_sec_id''].';
    END IF;
    IF recall IS NULL OR NOT (recall OPERATOR(pg_catalog.>) 0 AND recall OPERATOR(pg_catalog.<=) 1) THEN
        RAISE EXCEPTION 'recall must be greater than 0 and at most 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', coalesce(recall::text, 'null')),
                  HINT = 'The share of all true pairs the rules find, e.g. 0.9 (Splink''s example).';
    END IF;
    n_left := pseudolink.link_check_records(left_table, left_id, 'left_table');
    n_right := pseudolink.link_check_records(right_table, right_id, 'right_table');
    -- one equi-join per rule (hash joins), the pairs counted once
    EXECUTE format('SELECT count(*) FROM (%s) p',
                   (SELECT string_agg(format('SELECT l.%I AS a, r.%I AS b FROM %s AS l JOIN %s AS r ON (%s)%s',
                                             left_id, right_id, left_table, right_table, e,
                                             CASE WHEN dedupe THEN format(' AND l.%I < r.%I', left_id, right_id) ELSE '' END),
                                      ' UNION ')
                    FROM unnest(rules) e))
        INTO found;
    possible_pairs := CASE WHEN dedupe THEN div(n_left::numeric * (n_left - 1), 2) ELSE n_left::numeric * n_right END;
    IF found OPERATOR(pg_catalog.=) 0 OR found::numeric / recall OPERATOR(pg_catalog.>=) possible_pairs THEN
        RAISE EXCEPTION 'the deterministic rules find % of % possible pairs: no prior between 0 and 1', found, possible_pairs
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Use rules that some, but not nearly all, pairs meet.';
    END IF;
    found_pairs := found;
    prior := (found::numeric / recall / possible_pairs)::float8;
    UPDATE pseudolink.fs_model f
    SET prior = link_estimate_prior.prior, estimated_at = pg_catalog.now(), estimated_by = CURRENT_USER,
        estimation = concat_ws('; ', f.estimation,
                               format('prior from %s pairs of %s rules at recall %s', found, cardinality(rules), recall))
    WHERE f.model OPERATOR(pg_catalog.=) link_estimate_prior.model;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_estimate_prior(text, regclass, text, regclass, text, boolean, text[], double precision) IS
    'the prior of two random records from deterministic rules: pairs the rules find / recall / pairs possible, written into the model';

CREATE FUNCTION pseudolink.dedupe_estimate_prior(
    model text, records regclass, id text, rules text[], recall double precision DEFAULT 1)
RETURNS TABLE (found_pairs bigint, possible_pairs numeric, prior double precision)
LANGUAGE sql
AS $$
    SELECT * FROM pseudolink.link_estimate_prior($1, $2, $3, $2, $3, true, $4, $5)
$$;
COMMENT ON FUNCTION pseudolink.dedupe_estimate_prior(text, regclass, text, text[], double precision) IS
    'the prior of two records of one table (Splink''s estimate_probability_two_random_records_match): pairs meeting any deterministic rule (conditions over l and r) / recall / n (n - 1) / 2, written into the model';

CREATE FUNCTION pseudolink.link_tables_estimate_prior(
    model text, left_table regclass, left_id text, right_table regclass, right_id text,
    rules text[], recall double precision DEFAULT 1)
RETURNS TABLE (found_pairs bigint, possible_pairs numeric, prior double precision)
LANGUAGE sql
AS $$
    SELECT * FROM pseudolink.link_estimate_prior($1, $2, $3, $4, $5, false, $6, $7)
$$;
COMMENT ON FUNCTION pseudolink.link_tables_estimate_prior(text, regclass, text, regclass, text, text[], double precision) IS
    'the prior of a left and a right record: pairs meeting any deterministic rule (conditions over l and r) / recall / (left rows x right rows), written into the model';

REVOKE ALL ON FUNCTION
    pseudolink.link_session_query(text, regclass, text, regclass, text, boolean, text[], text[], text[]),
    pseudolink.dedupe_em_session(text, regclass, text, text[], text[], boolean, integer),
    pseudolink.link_tables_em_session(text, regclass, text, regclass, text, text[], text[], text[], boolean, integer),
    pseudolink.link_estimate_prior(text, regclass, text, regclass, text, boolean, text[], double precision),
    pseudolink.dedupe_estimate_prior(text, regclass, text, text[], double precision),
    pseudolink.link_tables_estimate_prior(text, regclass, text, regclass, text, text[], double precision)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.link_session_query(text, regclass, text, regclass, text, boolean, text[], text[], text[]),
    pseudolink.dedupe_em_session(text, regclass, text, text[], text[], boolean, integer),
    pseudolink.link_tables_em_session(text, regclass, text, regclass, text, text[], text[], text[], boolean, integer),
    pseudolink.link_estimate_prior(text, regclass, text, regclass, text, boolean, text[], double precision),
    pseudolink.dedupe_estimate_prior(text, regclass, text, text[], double precision),
    pseudolink.link_tables_estimate_prior(text, regclass, text, regclass, text, text[], double precision)
TO pseudolink_admin, pseudolink_steward;
