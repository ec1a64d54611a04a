-- Generic linkage, clusters: connected_components (union-find) on small
-- graphs whose components are known, cluster_pairs on a pairs table
-- (transitive closure, threshold, singletons, ids of any type), and the
-- error messages.
SET search_path = public, pseudolink;

-- Components named by their smallest node.
SELECT connected_components('{1,2}', '{2,3}') AS chain,
       connected_components('{3,2}', '{2,1}') AS chain_backwards,
       connected_components('{5,5,5}', '{1,2,3}') AS star,
       connected_components('{1,3}', '{2,4}') AS two_pairs,
       connected_components('{2,2}', '{2,3}') AS self_loop,
       connected_components('{1,1,2}', '{2,2,1}') AS repeated_edges,
       connected_components('{}', '{}') AS no_edges,
       connected_components('{4}', '{6}') AS gaps_are_singletons;
-- A long chain given in an order that makes naive union-find deep.
SELECT count(DISTINCT c) AS components, min(c) AS root
FROM unnest(connected_components((SELECT array_agg(g ORDER BY g DESC) FROM generate_series(1, 9999) g),
                                 (SELECT array_agg(g + 1 ORDER BY g DESC) FROM generate_series(1, 9999) g))) c;
-- Against a reference: components by iterated min-label propagation in SQL
-- on 2,000 random edges between 3,000 nodes.
SELECT setseed(0.5);
CREATE TEMP TABLE edges AS
SELECT 1 + floor(random() * 3000)::int AS a, 1 + floor(random() * 3000)::int AS b FROM generate_series(1, 2000);
CREATE TEMP TABLE labels AS SELECT g AS node, g AS label FROM generate_series(1, 3000) g;
DO $$
DECLARE changed bigint;
BEGIN
    LOOP
        UPDATE labels l SET label = m.label
        FROM (SELECT x.node, min(y.label) AS label
              FROM (SELECT a AS node, b AS other FROM edges UNION ALL SELECT b, a FROM edges) x
              JOIN labels y ON y.node = x.other GROUP BY x.node) m
        WHERE l.node = m.node AND m.label < l.label;
        GET DIAGNOSTICS changed = ROW_COUNT;
        EXIT WHEN changed = 0;
    END LOOP;
END
$$;
SELECT count(*) AS nodes, count(*) FILTER (WHERE c.root = l.label) AS same_component,
       count(DISTINCT c.root) AS components
FROM unnest(connected_components((SELECT array_agg(a) FROM edges), (SELECT array_agg(b) FROM edges)))
     WITH ORDINALITY AS c(root, node)
JOIN labels l ON l.node = c.node;
DROP TABLE edges, labels;
-- errors
SELECT connected_components('{1,2}', '{2}');
SELECT connected_components('{1,NULL}', '{2,3}');
SELECT connected_components('{0}', '{1}');
SELECT connected_components('{1}', '{-4}');
SELECT connected_components('{{1,2}}', '{{2,3}}');
SELECT connected_components(NULL, '{1}') IS NULL AS strict;

-- cluster_pairs: text ids; a-b and b-c match, a-c was never scored; d-e
-- is below the threshold; f is in no pair.
CREATE TABLE some_pairs (left_id text, right_id text, match_probability float8);
INSERT INTO some_pairs VALUES ('a', 'b', 0.99), ('b', 'c', 0.7), ('d', 'e', 0.3), ('x', 'y', 0.5), ('y', 'x', 0.5);
CREATE TABLE some_records (key text, name text);
INSERT INTO some_records VALUES ('a', ''), ('b', ''), ('c', ''), ('d', ''), ('e', ''), ('f', ''), ('x', ''), ('y', '');
SELECT * FROM cluster_pairs('some_pairs', 'some_clusters');
SELECT id, cluster_id, cluster_size FROM some_clusters ORDER BY id;
SELECT * FROM cluster_pairs('some_pairs', 'some_clusters', threshold => 0.25, records => 'some_records', id => 'key',
                            replace => true);
SELECT id, cluster_id, cluster_size FROM some_clusters ORDER BY id;
SELECT * FROM cluster_pairs('some_pairs', 'some_clusters', threshold => 0.8, records => 'some_records', id => 'key',
                            replace => true);
SELECT cluster_id, array_agg(id ORDER BY id) AS records FROM some_clusters GROUP BY cluster_id ORDER BY cluster_id;
-- errors
SELECT * FROM cluster_pairs(NULL, 'c');
SELECT * FROM cluster_pairs('some_pairs', NULL);
SELECT * FROM cluster_pairs('some_pairs', 'some_clusters');
SELECT * FROM cluster_pairs('some_pairs', 'some_pairs', replace => true);
SELECT * FROM cluster_pairs('some_pairs', 'c', threshold => 0);
SELECT * FROM cluster_pairs('some_pairs', 'c', threshold => NULL);
SELECT * FROM cluster_pairs('some_pairs', 'c', records => 'some_records');
SELECT * FROM cluster_pairs('some_pairs', 'c', id => 'key');
SELECT * FROM cluster_pairs('some_records', 'c');
SELECT * FROM cluster_pairs('some_pairs', 'c', records => 'some_records', id => 'nope');
ALTER TABLE some_pairs ALTER COLUMN match_probability TYPE numeric;
SELECT * FROM cluster_pairs('some_pairs', 'c');
DROP TABLE some_pairs, some_records, some_clusters;
