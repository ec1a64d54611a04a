-- Blocking analysis before a run, the cap on oversized blocks, and blocking
-- quality against known truth.
--
-- All three read the caller's tables (named by regclass, their columns by
-- name) with the caller's privileges, and work on the stored key sets
-- alone: they unnest the keys and join on them, so they need no index and
-- double as a check of the index (the pairs they count are the pairs the
-- GIN operators find).  A "probe" table holds the records that search (the
-- registry extract, keys built with probe => true); a "target" table holds
-- the records that are found (the register, one key set per person over
-- all address periods).
--
-- The cap policy: a key whose block holds more target records than its
-- rule's max_block is oversized.  blocking_stop_oversized() puts such keys
-- on the model's stop list, and blocking_keys() leaves stopped keys out of
-- every key set it builds afterwards, so a probe record never pays for more
-- than max_block candidates per rule, and still finds its candidates
-- through its other rules.

-- Checks that a column exists (and has a type, when one is asked for), so
-- that the functions below fail with a clear message instead of inside
-- their generated queries.
CREATE FUNCTION pseudolink.blocking_check_column(rel regclass, col text, want regtype DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    found_type regtype;
BEGIN
    SELECT a.atttypid::regtype INTO found_type
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid OPERATOR(pg_catalog.=) rel AND a.attname OPERATOR(pg_catalog.=) col
      AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', col, rel
            USING ERRCODE = 'undefined_column',
                  HINT = 'Name the column as it is written in the table, without quotes.';
    END IF;
    IF want IS NOT NULL AND found_type OPERATOR(pg_catalog.<>) want THEN
        RAISE EXCEPTION 'column "%" of relation % is of type %, not %', col, rel, found_type, want
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Pass the column that holds the key sets built by pseudolink.blocking_keys().';
    END IF;
END
$fn$;
COMMENT ON FUNCTION pseudolink.blocking_check_column(regclass, text, regtype) IS
    'raises a clear error when a column is missing or of another type than asked for';

-- Per rule: records with a key of the rule, blocks shared by both sides,
-- pair-key matches, the largest block and the oversized ones; then one row
-- for all rules with the exact number of distinct pairs sharing at least
-- min_shared keys, before and after the cap.
CREATE FUNCTION pseudolink.blocking_analysis(
    model text,
    probe regclass, probe_keys text,
    target regclass, target_keys text,
    min_shared integer DEFAULT 1)
RETURNS TABLE (
    rule_id integer,
    rule_name text,
    probe_records bigint,
    probe_without_key bigint,
    target_records bigint,
    target_without_key bigint,
    blocks bigint,
    pairs numeric,
    largest_block bigint,
    max_block integer,
    oversized_blocks bigint,
    pairs_after_cap numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n_probe bigint;
    n_target bigint;
BEGIN
    IF min_shared IS NULL OR min_shared < 1 THEN
        RAISE EXCEPTION 'minimum number of shared keys must be at least 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', coalesce(min_shared::text, 'null')),
                  HINT = 'Use 1 for the union of the rules.';
    END IF;
    IF NOT EXISTS (SELECT FROM pseudolink.blocking_rule r WHERE r.model OPERATOR(pg_catalog.=) $1) THEN
        RAISE EXCEPTION 'blocking model "%" has no rules', $1
            USING ERRCODE = 'undefined_object',
                  HINT = 'Add rules to pseudolink.blocking_rule first.';
    END IF;
    PERFORM pseudolink.blocking_check_column(probe, probe_keys, 'pseudolink.blockkeys');
    PERFORM pseudolink.blocking_check_column(target, target_keys, 'pseudolink.blockkeys');
    EXECUTE format('SELECT count(*) FROM %s', probe) INTO n_probe;
    EXECUTE format('SELECT count(*) FROM %s', target) INTO n_target;

    RETURN QUERY EXECUTE format($q$
        WITH pk AS MATERIALIZED (
            SELECT p.ctid AS rid, u.k
            FROM %1$s p, unnest((p.%2$I)::bigint[]) AS u(k)),
        tk AS MATERIALIZED (
            SELECT t.ctid AS rid, u.k
            FROM %3$s t, unnest((t.%4$I)::bigint[]) AS u(k)),
        rules AS (
            SELECT r.rule_id::integer AS rule_id, r.name, r.max_block
            FROM pseudolink.blocking_rule r
            WHERE r.model OPERATOR(pg_catalog.=) $1),
        pb AS (SELECT k, count(*) AS n FROM pk GROUP BY k),
        tb AS (SELECT k, count(*) AS n FROM tk GROUP BY k),
        blocks AS (
            SELECT coalesce(pb.k, tb.k) AS k,
                   pseudolink.blocking_key_rule(coalesce(pb.k, tb.k)) AS rule_id,
                   coalesce(pb.n, 0) AS np, coalesce(tb.n, 0) AS nt
            FROM pb FULL JOIN tb ON pb.k OPERATOR(pg_catalog.=) tb.k),
        capped AS (
            SELECT b.k
            FROM blocks b LEFT JOIN rules r ON r.rule_id OPERATOR(pg_catalog.=) b.rule_id
            WHERE b.nt OPERATOR(pg_catalog.>) r.max_block
            UNION
            SELECT s.key FROM pseudolink.blocking_stop_key s
            WHERE s.model OPERATOR(pg_catalog.=) $1),
        per_rule AS (
            SELECT b.rule_id,
                   count(*) FILTER (WHERE b.np OPERATOR(pg_catalog.>) 0
                                      AND b.nt OPERATOR(pg_catalog.>) 0) AS blocks,
                   coalesce(sum(b.np::numeric * b.nt), 0) AS pairs,
                   max(b.nt) FILTER (WHERE b.np OPERATOR(pg_catalog.>) 0) AS largest,
                   count(*) FILTER (WHERE c.k IS NOT NULL) AS oversized,
                   coalesce(sum(b.np::numeric * b.nt) FILTER (WHERE c.k IS NULL), 0) AS pairs_after_cap
            FROM blocks b LEFT JOIN capped c ON c.k OPERATOR(pg_catalog.=) b.k
            GROUP BY b.rule_id),
        probe_per_rule AS (
            SELECT pseudolink.blocking_key_rule(k) AS rule_id, count(DISTINCT rid) AS n
            FROM pk GROUP BY 1),
        target_per_rule AS (
            SELECT pseudolink.blocking_key_rule(k) AS rule_id, count(DISTINCT rid) AS n
            FROM tk GROUP BY 1),
        pair_counts AS (
            SELECT count(*) AS shared,
                   count(*) FILTER (WHERE c.k IS NULL) AS shared_after_cap
            FROM pk JOIN tk ON pk.k OPERATOR(pg_catalog.=) tk.k
                 LEFT JOIN capped c ON c.k OPERATOR(pg_catalog.=) pk.k
            GROUP BY pk.rid, tk.rid),
        totals AS (
            SELECT count(*) FILTER (WHERE shared OPERATOR(pg_catalog.>=) $2) AS pairs,
                   count(*) FILTER (WHERE shared_after_cap OPERATOR(pg_catalog.>=) $2) AS pairs_after_cap
            FROM pair_counts)
        SELECT x.rule_id, x.rule_name, x.probe_records, $3 OPERATOR(pg_catalog.-) x.probe_records,
               x.target_records, $4 OPERATOR(pg_catalog.-) x.target_records,
               x.blocks, x.pairs, x.largest_block, x.max_block, x.oversized_blocks, x.pairs_after_cap
        FROM (
            SELECT coalesce(r.rule_id, pr.rule_id) AS rule_id,
                   coalesce(r.name, '(rule ' || coalesce(r.rule_id, pr.rule_id) || ', not in the model)') AS rule_name,
                   coalesce(ppr.n, 0) AS probe_records,
                   coalesce(tpr.n, 0) AS target_records,
                   coalesce(pr.blocks, 0) AS blocks,
                   coalesce(pr.pairs, 0) AS pairs,
                   coalesce(pr.largest, 0) AS largest_block,
                   r.max_block,
                   coalesce(pr.oversized, 0) AS oversized_blocks,
                   coalesce(pr.pairs_after_cap, 0) AS pairs_after_cap,
                   0 AS section
            FROM rules r
                 FULL JOIN per_rule pr ON pr.rule_id OPERATOR(pg_catalog.=) r.rule_id
                 LEFT JOIN probe_per_rule ppr
                        ON ppr.rule_id OPERATOR(pg_catalog.=) coalesce(r.rule_id, pr.rule_id)
                 LEFT JOIN target_per_rule tpr
                        ON tpr.rule_id OPERATOR(pg_catalog.=) coalesce(r.rule_id, pr.rule_id)
            UNION ALL
            SELECT NULL, format('all rules (at least %%s shared)', $2),
                   (SELECT count(DISTINCT rid) FROM pk),
                   (SELECT count(DISTINCT rid) FROM tk),
                   (SELECT count(*) FROM blocks WHERE np OPERATOR(pg_catalog.>) 0
                                                  AND nt OPERATOR(pg_catalog.>) 0),
                   t.pairs,
                   (SELECT coalesce(max(nt), 0) FROM blocks WHERE np OPERATOR(pg_catalog.>) 0),
                   NULL,
                   (SELECT coalesce(sum(oversized), 0)::bigint FROM per_rule),
                   t.pairs_after_cap,
                   1
            FROM totals t) x
        ORDER BY x.section, x.rule_id
    $q$, probe, probe_keys, target, target_keys)
    USING $1, min_shared, n_probe, n_target;
END
$fn$;
COMMENT ON FUNCTION pseudolink.blocking_analysis(text, regclass, text, regclass, text, integer) IS
    'before a run: per rule the records with a key, the shared blocks, pair-key matches, the largest and the oversized blocks; '
    'then the exact number of distinct pairs sharing at least min_shared keys, before and after the cap';

-- The largest blocks, by candidate pairs and then by target records.
CREATE FUNCTION pseudolink.blocking_largest_blocks(
    model text,
    probe regclass, probe_keys text,
    target regclass, target_keys text,
    n integer DEFAULT 10)
RETURNS TABLE (
    rule_id integer,
    rule_name text,
    key bigint,
    probe_records bigint,
    target_records bigint,
    pairs numeric,
    oversized boolean,
    stopped boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF n IS NULL OR n < 1 THEN
        RAISE EXCEPTION 'number of blocks to show must be at least 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', coalesce(n::text, 'null')),
                  HINT = 'Ask for 10 blocks, say.';
    END IF;
    PERFORM pseudolink.blocking_check_column(probe, probe_keys, 'pseudolink.blockkeys');
    PERFORM pseudolink.blocking_check_column(target, target_keys, 'pseudolink.blockkeys');
    RETURN QUERY EXECUTE format($q$
        WITH pb AS (SELECT u.k, count(*) AS n
                    FROM %1$s p, unnest((p.%2$I)::bigint[]) AS u(k) GROUP BY u.k),
             tb AS (SELECT u.k, count(*) AS n
                    FROM %3$s t, unnest((t.%4$I)::bigint[]) AS u(k) GROUP BY u.k),
             b AS (SELECT coalesce(pb.k, tb.k) AS k, coalesce(pb.n, 0) AS np, coalesce(tb.n, 0) AS nt
                   FROM pb FULL JOIN tb ON pb.k OPERATOR(pg_catalog.=) tb.k)
        SELECT pseudolink.blocking_key_rule(b.k), r.name, b.k, b.np, b.nt,
               b.np::numeric * b.nt,
               coalesce(b.nt OPERATOR(pg_catalog.>) r.max_block, false),
               s.key IS NOT NULL
        FROM b
             LEFT JOIN pseudolink.blocking_rule r
                    ON r.model OPERATOR(pg_catalog.=) $1
                   AND r.rule_id OPERATOR(pg_catalog.=) pseudolink.blocking_key_rule(b.k)
             LEFT JOIN pseudolink.blocking_stop_key s
                    ON s.model OPERATOR(pg_catalog.=) $1 AND s.key OPERATOR(pg_catalog.=) b.k
        ORDER BY b.np::numeric * b.nt DESC, b.nt DESC, b.k
        LIMIT $2
    $q$, probe, probe_keys, target, target_keys)
    USING model, n;
END
$fn$;
COMMENT ON FUNCTION pseudolink.blocking_largest_blocks(text, regclass, text, regclass, text, integer) IS
    'the n largest blocks (by candidate pairs, then target records), flagged oversized beyond the rule''s max_block';

-- The cap: stop every key whose target block is larger than its rule's
-- max_block.  Returns the keys stopped (or, with dry_run, that would be).
CREATE FUNCTION pseudolink.blocking_stop_oversized(
    model text,
    target regclass, target_keys text,
    dry_run boolean DEFAULT false)
RETURNS TABLE (rule_id integer, rule_name text, key bigint, target_records bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT FROM pseudolink.blocking_rule r WHERE r.model OPERATOR(pg_catalog.=) $1) THEN
        RAISE EXCEPTION 'blocking model "%" has no rules', $1
            USING ERRCODE = 'undefined_object',
                  HINT = 'Add rules to pseudolink.blocking_rule first.';
    END IF;
    PERFORM pseudolink.blocking_check_column(target, target_keys, 'pseudolink.blockkeys');
    RETURN QUERY EXECUTE format($q$
        WITH o AS (
            SELECT r.rule_id::integer AS rule_id, r.name, b.k, b.n
            FROM (SELECT u.k, count(*) AS n
                  FROM %1$s t, unnest((t.%2$I)::bigint[]) AS u(k) GROUP BY u.k) b
                 JOIN pseudolink.blocking_rule r
                   ON r.model OPERATOR(pg_catalog.=) $1
                  AND r.rule_id OPERATOR(pg_catalog.=) pseudolink.blocking_key_rule(b.k)
            WHERE b.n OPERATOR(pg_catalog.>) r.max_block),
        stopped AS (
            INSERT INTO pseudolink.blocking_stop_key (model, key, block_size)
            SELECT $1, o.k, o.n FROM o WHERE NOT $2
            ON CONFLICT ON CONSTRAINT blocking_stop_key_pkey
            DO UPDATE SET block_size = EXCLUDED.block_size
            RETURNING 1)
        SELECT o.rule_id, o.name, o.k, o.n FROM o ORDER BY o.n DESC, o.k
    $q$, target, target_keys)
    USING model, dry_run;
END
$fn$;
COMMENT ON FUNCTION pseudolink.blocking_stop_oversized(text, regclass, text, boolean) IS
    'the cap: puts every key whose target block exceeds its rule''s max_block on the model''s stop list; returns them';

-- Whether a relation has a valid, non-partial GIN blockkeys_ops index on a
-- column: then the candidate pairs are best found through it.
CREATE FUNCTION pseudolink.has_blocking_index(rel regclass, keys_column text)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT FROM pg_catalog.pg_index i
             JOIN pg_catalog.pg_opclass o ON o.oid OPERATOR(pg_catalog.=) i.indclass[0]
             JOIN pg_catalog.pg_attribute a
               ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid
              AND a.attnum OPERATOR(pg_catalog.=) i.indkey[0]
        WHERE i.indrelid OPERATOR(pg_catalog.=) $1
          AND a.attname OPERATOR(pg_catalog.=) $2
          AND o.opcname OPERATOR(pg_catalog.=) 'blockkeys_ops'
          AND o.opcnamespace OPERATOR(pg_catalog.=) 'pseudolink'::pg_catalog.regnamespace
          AND i.indisvalid AND i.indpred IS NULL)
$$;
COMMENT ON FUNCTION pseudolink.has_blocking_index(regclass, text) IS
    'whether a column has a valid, non-partial GIN index of the blockkeys_ops operator class';

-- Quality against known truth: pairs completeness (share of true pairs that
-- become candidates), reduction ratio (share of all pairs not compared) and
-- pairs quality (share of candidates that are true), at min_shared keys.
-- With a GIN index on the target keys the candidates come from the index
-- (keys @@ shares(probe keys, k)), otherwise from a join on the unnested keys;
-- both give the same pairs.
CREATE FUNCTION pseudolink.blocking_quality(
    probe regclass, probe_id text, probe_keys text, probe_truth text,
    target regclass, target_id text, target_keys text,
    min_shared integer DEFAULT 1)
RETURNS TABLE (
    probe_records bigint,
    target_records bigint,
    true_pairs bigint,
    candidate_pairs bigint,
    true_pairs_found bigint,
    pairs_completeness double precision,
    reduction_ratio double precision,
    pairs_quality double precision)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    candidates text;
BEGIN
    IF min_shared IS NULL OR min_shared < 1 THEN
        RAISE EXCEPTION 'minimum number of shared keys must be at least 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', coalesce(min_shared::text, 'null')),
                  HINT = 'Use 1 for the union of the rules.';
    END IF;
    PERFORM pseudolink.blocking_check_column(probe, probe_id);
    PERFORM pseudolink.blocking_check_column(probe, probe_keys, 'pseudolink.blockkeys');
    PERFORM pseudolink.blocking_check_column(probe, probe_truth);
    PERFORM pseudolink.blocking_check_column(target, target_id);
    PERFORM pseudolink.blocking_check_column(target, target_keys, 'pseudolink.blockkeys');
    IF pseudolink.has_blocking_index(target, target_keys) THEN
        candidates := format($q$
            SELECT p.%2$I AS pid, t.%6$I AS tid, p.%4$I OPERATOR(pg_catalog.=) t.%6$I AS is_true
            FROM %1$s p JOIN %5$s t
              ON t.%7$I OPERATOR(pseudolink.@@) pseudolink.shares(p.%3$I, $1)$q$,
            probe, probe_id, probe_keys, probe_truth, target, target_id, target_keys);
    ELSE
        candidates := format($q$
            SELECT pk.id AS pid, tk.id AS tid, bool_or(pk.truth OPERATOR(pg_catalog.=) tk.id) AS is_true
            FROM (SELECT p.%2$I AS id, p.%4$I AS truth, u.k
                  FROM %1$s p, unnest((p.%3$I)::bigint[]) AS u(k)) pk
                 JOIN (SELECT t.%6$I AS id, u.k
                       FROM %5$s t, unnest((t.%7$I)::bigint[]) AS u(k)) tk
                   ON pk.k OPERATOR(pg_catalog.=) tk.k
            GROUP BY pk.id, tk.id
            HAVING count(*) OPERATOR(pg_catalog.>=) $1$q$,
            probe, probe_id, probe_keys, probe_truth, target, target_id, target_keys);
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH cand AS (%3$s),
             c AS (SELECT count(*) AS n, count(*) FILTER (WHERE is_true) AS found FROM cand),
             n AS (SELECT (SELECT count(*) FROM %1$s) AS np, (SELECT count(*) FROM %2$s) AS nt),
             tp AS (SELECT count(*) AS n FROM %1$s p
                    WHERE p.%4$I IS NOT NULL
                      AND EXISTS (SELECT FROM %2$s t WHERE t.%5$I OPERATOR(pg_catalog.=) p.%4$I))
        SELECT n.np, n.nt, tp.n, c.n, c.found,
               CASE WHEN tp.n OPERATOR(pg_catalog.>) 0 THEN c.found::float8 / tp.n END,
               CASE WHEN n.np OPERATOR(pg_catalog.>) 0 AND n.nt OPERATOR(pg_catalog.>) 0
                    THEN 1 - c.n::float8 / (n.np::float8 * n.nt) END,
               CASE WHEN c.n OPERATOR(pg_catalog.>) 0 THEN c.found::float8 / c.n END
        FROM c, n, tp
    $q$, probe, target, candidates, probe_truth, target_id)
    USING min_shared;
END
$fn$;
COMMENT ON FUNCTION pseudolink.blocking_quality(regclass, text, text, text, regclass, text, text, integer) IS
    'blocking quality against known truth: pairs completeness, reduction ratio and pairs quality at min_shared keys';

REVOKE ALL ON FUNCTION
    pseudolink.blocking_check_column(regclass, text, regtype),
    pseudolink.blocking_analysis(text, regclass, text, regclass, text, integer),
    pseudolink.blocking_largest_blocks(text, regclass, text, regclass, text, integer),
    pseudolink.blocking_stop_oversized(text, regclass, text, boolean),
    pseudolink.has_blocking_index(regclass, text),
    pseudolink.blocking_quality(regclass, text, text, text, regclass, text, text, integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.blocking_check_column(regclass, text, regtype),
    pseudolink.blocking_analysis(text, regclass, text, regclass, text, integer),
    pseudolink.blocking_largest_blocks(text, regclass, text, regclass, text, integer),
    pseudolink.blocking_stop_oversized(text, regclass, text, boolean),
    pseudolink.has_blocking_index(regclass, text),
    pseudolink.blocking_quality(regclass, text, text, text, regclass, text, text, integer)
TO pseudolink_admin, pseudolink_steward;
