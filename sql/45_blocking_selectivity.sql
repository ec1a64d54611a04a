-- The planner's row estimates of the blocking operators: 1e-4 of the key
-- sets for && and %, 2 rows per probe for @@ (at most 1e-4), in a
-- restriction and in a join, instead of the generic 0.1%.
SET search_path = public, pseudolink;

CREATE TABLE sel_register (id int PRIMARY KEY, keys blockkeys);
INSERT INTO sel_register SELECT i, blockkeys(ARRAY[i::bigint, i::bigint + 1]) FROM generate_series(1, 50000) i;
CREATE TABLE sel_records (id int PRIMARY KEY, keys blockkeys);
INSERT INTO sel_records SELECT i, blockkeys(ARRAY[i::bigint * 7]) FROM generate_series(1, 1000) i;
ANALYZE sel_register, sel_records;

-- The top node's estimated rows of a query.
CREATE FUNCTION pg_temp.estimated_rows(query text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;

SELECT pg_temp.estimated_rows($$SELECT * FROM sel_register WHERE keys && '{0000000000000005}'$$) AS overlap_50000,
       pg_temp.estimated_rows($$SELECT * FROM sel_register WHERE keys % '{0000000000000005}'$$) AS similar_50000,
       pg_temp.estimated_rows($$SELECT * FROM sel_register WHERE keys @@ shares('{0000000000000005,0000000000000006}', 2)$$) AS shares_50000,
       pg_temp.estimated_rows($$SELECT * FROM sel_records WHERE keys @@ shares('{0000000000000005,0000000000000006}', 2)$$) AS shares_1000;

-- Joins: per record, 1e-4 of the register for &&, two persons for @@,
-- whichever side the register is on.
SELECT pg_temp.estimated_rows($$SELECT * FROM sel_records q JOIN sel_register k ON k.keys && q.keys$$) AS overlap_join,
       pg_temp.estimated_rows($$SELECT * FROM sel_records q JOIN sel_register k ON q.keys && k.keys$$) AS overlap_join_swapped,
       pg_temp.estimated_rows($$SELECT * FROM sel_records q JOIN sel_register k ON k.keys @@ shares(q.keys, 2)$$) AS shares_join;

-- A batch of records joined to the register probes the index once per
-- record rather than scanning the register.
CREATE INDEX sel_register_gin ON sel_register USING gin (keys);
EXPLAIN (COSTS OFF) SELECT q.id, k.id FROM sel_records q JOIN sel_register k ON k.keys @@ shares(q.keys, 2);

-- The estimators are planner support, not callable with SQL values.
SELECT has_function_privilege('public', 'pseudolink.blockkeys_join_selectivity(internal, oid, internal, smallint, internal)', 'EXECUTE') AS public_may_call;

DROP TABLE sel_register, sel_records;
