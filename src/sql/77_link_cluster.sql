-- Generic linkage, the clusters of a deduplication: the connected components
-- of the pairs at or above a match threshold, every record of the table
-- included (a record in no such pair is a cluster of one).  Two records
-- are in one cluster when a chain of matching pairs joins them, whether or
-- not they were compared with each other: the transitive closure.
--
-- Method: the records are numbered 1..n in id order, the edges go to a
-- union-find in C (src/cluster.c) as two int4 arrays, and each record's
-- cluster is named by the smallest id in it, which does not depend on the
-- order of the pairs.  The function reads the caller's tables with the
-- caller's privileges; admin and steward only, like the runs.

CREATE FUNCTION pseudolink.connected_components(left_nodes integer[], right_nodes integer[])
RETURNS integer[]
AS 'MODULE_PATHNAME', 'pseudolink_connected_components'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.connected_components(integer[], integer[]) IS
    'connected components of a graph of nodes 1..n given as edges (left_nodes[i], right_nodes[i]): element i of the result is the smallest node of node i''s component, for nodes 1 to the largest in an edge (union-find)';

-- A pairs table as the runs write it: left_id, right_id and a double
-- precision match_probability.
CREATE FUNCTION pseudolink.link_check_pairs(pairs regclass)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t regtype;
BEGIN
    IF pairs IS NULL THEN
        RAISE EXCEPTION 'pairs must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM pseudolink.blocking_check_column(pairs, 'left_id');
    PERFORM pseudolink.blocking_check_column(pairs, 'right_id');
    PERFORM pseudolink.blocking_check_column(pairs, 'match_probability');
    SELECT a.atttypid::regtype INTO t FROM pg_catalog.pg_attribute a
    WHERE a.attrelid OPERATOR(pg_catalog.=) pairs AND a.attname OPERATOR(pg_catalog.=) 'match_probability';
    IF t OPERATOR(pg_catalog.<>) 'double precision'::regtype THEN
        RAISE EXCEPTION 'column "match_probability" of relation % is of type %, not double precision', pairs, t
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'A pairs table has the columns left_id, right_id and match_probability, as pseudolink.link_tables() and pseudolink.dedupe_table() write them.';
    END IF;
END
$$;
COMMENT ON FUNCTION pseudolink.link_check_pairs(regclass) IS
    'raises unless a table has the columns of a pairs table: left_id, right_id and match_probability (double precision)';

CREATE FUNCTION pseudolink.cluster_pairs(
    pairs regclass,
    clusters_table text,
    threshold double precision DEFAULT 0.5,
    records regclass DEFAULT NULL,
    id text DEFAULT NULL,
    replace boolean DEFAULT false)
RETURNS TABLE (record_count bigint, clusters bigint, largest_cluster integer, edges bigint)
LANGUAGE plpgsql
AS $fn$
DECLARE
    out_name text;
    left_nodes integer[];
    right_nodes integer[];
    roots integer[];
BEGIN
    PERFORM pseudolink.link_check_pairs(pairs);
    IF threshold IS NULL OR NOT (threshold OPERATOR(pg_catalog.>) 0 AND threshold OPERATOR(pg_catalog.<) 1) THEN
        RAISE EXCEPTION 'threshold must be a match probability greater than 0 and less than 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', coalesce(threshold::text, 'null')),
                  HINT = 'Pairs at or above it join their records into one cluster.';
    END IF;
    IF (records IS NULL) OPERATOR(pg_catalog.<>) (id IS NULL) THEN
        RAISE EXCEPTION 'records and id go together'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass both to give every record of the table a cluster, or neither for the records of the pairs only.';
    END IF;
    IF records IS NOT NULL THEN
        PERFORM pseudolink.link_check_records(records, id, 'records');
    END IF;
    out_name := pseudolink.link_output_name(clusters_table, 'clusters_table', replace,
                                            ARRAY[pairs] OPERATOR(pg_catalog.||) records);

    PERFORM pseudolink.link_drop_temp('pl_cluster_edges', 'pl_cluster_nodes', 'pl_cluster_roots');
    EXECUTE format($q$
        CREATE TEMP TABLE pl_cluster_edges ON COMMIT DROP AS
        SELECT p.left_id AS a, p.right_id AS b
        FROM %1$s p
        WHERE p.match_probability OPERATOR(pg_catalog.>=) %2$L::float8
          AND p.left_id IS NOT NULL AND p.right_id IS NOT NULL$q$, pairs, threshold);
    GET DIAGNOSTICS edges = ROW_COUNT;
    EXECUTE format($q$
        CREATE TEMP TABLE pl_cluster_nodes ON COMMIT DROP AS
        SELECT s.id, (dense_rank() OVER (ORDER BY s.id))::integer AS node
        FROM (SELECT e.a AS id FROM pg_temp.pl_cluster_edges e
              UNION SELECT e.b FROM pg_temp.pl_cluster_edges e
              %1$s) s$q$,
        CASE WHEN records IS NOT NULL THEN format('UNION SELECT t.%I FROM %s AS t', id, records) ELSE '' END);
    GET DIAGNOSTICS record_count = ROW_COUNT;
    CREATE INDEX ON pg_temp.pl_cluster_nodes (id);
    ANALYZE pg_temp.pl_cluster_nodes;

    -- the two arrays list the edges in one order: one scan feeds both
    SELECT coalesce(array_agg(na.node), '{}'), coalesce(array_agg(nb.node), '{}')
    INTO left_nodes, right_nodes
    FROM pg_temp.pl_cluster_edges e
    JOIN pg_temp.pl_cluster_nodes na ON na.id = e.a
    JOIN pg_temp.pl_cluster_nodes nb ON nb.id = e.b;
    roots := pseudolink.connected_components(left_nodes, right_nodes);
    CREATE TEMP TABLE pl_cluster_roots (node integer, root integer) ON COMMIT DROP;
    INSERT INTO pg_temp.pl_cluster_roots
    SELECT u.node, u.root FROM pg_catalog.unnest(roots) WITH ORDINALITY AS u(root, node);

    EXECUTE format($q$
        CREATE TABLE %1$s AS
        SELECT n.id, c.id AS cluster_id, (count(*) OVER (PARTITION BY c.node))::integer AS cluster_size
        FROM pg_temp.pl_cluster_nodes n
        LEFT JOIN pg_temp.pl_cluster_roots u ON u.node OPERATOR(pg_catalog.=) n.node
        JOIN pg_temp.pl_cluster_nodes c ON c.node OPERATOR(pg_catalog.=) coalesce(u.root, n.node)
        ORDER BY c.node, n.node$q$, out_name);
    EXECUTE format('COMMENT ON TABLE %s IS %L', out_name,
                   format('pseudolink.cluster_pairs: clusters of %s at match probability %s (cluster_id: the smallest id), %s',
                          pairs, threshold, pg_catalog.now()));
    EXECUTE format('SELECT count(DISTINCT cluster_id), max(cluster_size) FROM %s', out_name)
        INTO clusters, largest_cluster;
    DROP TABLE pg_temp.pl_cluster_edges, pg_temp.pl_cluster_nodes, pg_temp.pl_cluster_roots;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION pseudolink.cluster_pairs(regclass, text, double precision, regclass, text, boolean) IS
    'clusters of a deduplication: the connected components of the pairs (left_id, right_id, match_probability) at or above the threshold, into a new table (id, cluster_id = smallest id of the cluster, cluster_size); with records and id every record of that table, singletons included';

REVOKE ALL ON FUNCTION
    pseudolink.connected_components(integer[], integer[]),
    pseudolink.link_check_pairs(regclass),
    pseudolink.cluster_pairs(regclass, text, double precision, regclass, text, boolean)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.connected_components(integer[], integer[]),
    pseudolink.link_check_pairs(regclass),
    pseudolink.cluster_pairs(regclass, text, double precision, regclass, text, boolean)
TO pseudolink_admin, pseudolink_steward;
