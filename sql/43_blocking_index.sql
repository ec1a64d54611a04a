-- The GIN operator class: bitmap index scans, results equal to a sequential
-- scan's for every operator and threshold, and an index that survives
-- VACUUM, REINDEX, its pending list and concurrent inserts.
SET search_path = public, pseudolink;

-- 1500 key sets of 0-7 keys drawn from 300 values (so that sets share 0, 1
-- or 2 keys), some empty and some NULL; 80 queries drawn the same way.
CREATE TABLE gin_t (id int PRIMARY KEY, keys blockkeys);
INSERT INTO gin_t
SELECT i, CASE WHEN i % 97 = 0 THEN NULL
               ELSE (SELECT coalesce(blockkeys_agg(blockkeys(ARRAY[(abs(hashint8(i * 31 + j)) % 300)
                                                               + (j % 3 + 1)::bigint * x'0100000000000000'::bigint])),
                                     '{}')
                     FROM generate_series(1, i % 8) j) END
FROM generate_series(1, 1500) i;
CREATE TABLE gin_q AS
SELECT i AS qid, (SELECT coalesce(blockkeys_agg(blockkeys(ARRAY[(abs(hashint8(i * 37 + j + 100000)) % 300)
                                                           + (j % 3 + 1)::bigint * x'0100000000000000'::bigint])),
                                  '{}')
                 FROM generate_series(1, 1 + i % 6) j) AS keys
FROM generate_series(1, 80) i;
-- Queries 61-80 are rows of the table with one key added: they share up
-- to seven keys with it.
UPDATE gin_q q SET keys = t.keys || blockkeys(ARRAY[q.qid::bigint])
FROM gin_t t WHERE t.id = q.qid * 13 AND q.qid > 60 AND t.keys IS NOT NULL;
CREATE INDEX gin_t_keys ON gin_t USING gin (keys);
ANALYZE gin_t;
ANALYZE gin_q;

-- compare(): every query against the table, with the index and with a
-- sequential scan, for &&, % at thresholds 1-3 and @@ with k 1-4.  Returns
-- the number of pairs found, the pairs only one of the two scans found, and
-- whether the index plan really used the index.
CREATE FUNCTION compare(ops text[] DEFAULT ARRAY['&&', '% 1', '% 2', '% 3', '@@ 1', '@@ 2', '@@ 3', '@@ 4'])
RETURNS TABLE (operator text, pairs bigint, differences bigint, index_used boolean)
LANGUAGE plpgsql AS $$
DECLARE
    op text;
    cond text;
    plan text;
    via_index bigint[];
    via_seqscan bigint[];
BEGIN
    -- enable_seqscan = off makes costs huge, which would start JIT compilation
    PERFORM set_config('jit', 'off', true);
    FOREACH op IN ARRAY ops LOOP
        IF op LIKE '%\%%' THEN
            PERFORM set_config('pseudolink.blocking_threshold', split_part(op, ' ', 2), true);
            cond := 't.keys % q.keys';
        ELSIF op LIKE '@@%' THEN
            cond := format('t.keys @@ shares(q.keys, %s)', split_part(op, ' ', 2));
        ELSE
            cond := 't.keys && q.keys';
        END IF;
        PERFORM set_config('enable_seqscan', 'off', true);
        PERFORM set_config('enable_bitmapscan', 'on', true);
        index_used := false;
        FOR plan IN EXECUTE 'EXPLAIN (COSTS OFF) SELECT q.qid, t.id FROM gin_q q JOIN gin_t t ON ' || cond LOOP
            index_used := index_used OR plan LIKE '%Bitmap Index Scan on gin_t_keys%';
        END LOOP;
        EXECUTE 'SELECT array_agg((q.qid::bigint << 32) | t.id) FROM gin_q q JOIN gin_t t ON ' || cond
            INTO via_index;
        PERFORM set_config('enable_seqscan', 'on', true);
        PERFORM set_config('enable_bitmapscan', 'off', true);
        EXECUTE 'SELECT array_agg((q.qid::bigint << 32) | t.id) FROM gin_q q JOIN gin_t t ON ' || cond
            INTO via_seqscan;
        operator := op;
        pairs := coalesce(cardinality(via_index), 0);
        SELECT (SELECT count(*) FROM (SELECT unnest(via_index) EXCEPT ALL SELECT unnest(via_seqscan)) a)
             + (SELECT count(*) FROM (SELECT unnest(via_seqscan) EXCEPT ALL SELECT unnest(via_index)) b)
          INTO differences;
        RETURN NEXT;
    END LOOP;
    PERFORM set_config('enable_seqscan', 'on', true);
    PERFORM set_config('enable_bitmapscan', 'on', true);
    PERFORM set_config('pseudolink.blocking_threshold', '1', true);
END
$$;

BEGIN;
SELECT * FROM compare();
COMMIT;

-- The plan: one bitmap index scan per probe, no recheck needed in the index.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT t.id FROM gin_q q JOIN gin_t t ON t.keys @@ shares(q.keys, 2) WHERE q.qid = 1;
EXPLAIN (COSTS OFF) SELECT id FROM gin_t WHERE keys && '{0100000000000001,0200000000000002}';
-- A constant query: the same rows either way.
SELECT array_agg(id ORDER BY id) FROM gin_t WHERE keys @@ shares('{0100000000000001,0200000000000002,0300000000000003}', 1);
RESET enable_seqscan;
SET enable_bitmapscan = off;
SELECT array_agg(id ORDER BY id) FROM gin_t WHERE keys @@ shares('{0100000000000001,0200000000000002,0300000000000003}', 1);
RESET enable_bitmapscan;
-- Asking for more shared keys than the query has finds nothing, with or without the index.
SET enable_seqscan = off;
SELECT count(*) FROM gin_t WHERE keys @@ shares('{0100000000000001}', 2);
SELECT count(*) FROM gin_t WHERE keys && '{}';
RESET enable_seqscan;
SELECT count(*) FROM gin_t WHERE keys @@ shares('{0100000000000001}', 2);
SELECT count(*) FROM gin_t WHERE keys && '{}';

-- VACUUM after deletes and updates, then REINDEX, then REINDEX CONCURRENTLY.
DELETE FROM gin_t WHERE id % 5 = 0;
UPDATE gin_t SET keys = keys || blockkeys(ARRAY[id::bigint + x'0100000000000000'::bigint]) WHERE id % 7 = 0;
VACUUM gin_t;
BEGIN;
SELECT * FROM compare();
COMMIT;
REINDEX INDEX gin_t_keys;
BEGIN;
SELECT operator, pairs, differences FROM compare(ARRAY['&&', '@@ 2']);
COMMIT;
REINDEX INDEX CONCURRENTLY gin_t_keys;
BEGIN;
SELECT operator, pairs, differences FROM compare(ARRAY['&&', '@@ 2']);
COMMIT;

-- The pending list (fastupdate): rows inserted there are found before and
-- after it is merged into the index.
ALTER INDEX gin_t_keys SET (fastupdate = on, gin_pending_list_limit = 64);
INSERT INTO gin_t SELECT 10000 + qid, keys FROM gin_q;
BEGIN;
SELECT operator, pairs, differences, index_used FROM compare(ARRAY['&&', '% 2', '@@ 3']);
COMMIT;
SELECT gin_clean_pending_list('gin_t_keys') >= 0 AS cleaned;
BEGIN;
SELECT operator, pairs, differences FROM compare(ARRAY['&&', '% 2', '@@ 3']);
COMMIT;

-- Concurrent inserts: four sessions insert at once, twice: into the pending
-- list (with a small limit, so that sessions flush it while others insert)
-- and straight into the entry tree.
CREATE EXTENSION dblink;
CREATE FUNCTION insert_concurrently(first_id int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    conn text := format('host=%s port=%s dbname=%s user=%s',
                        split_part(current_setting('unix_socket_directories'), ',', 1),
                        current_setting('port'), current_database(), current_user);
    s int;
BEGIN
    FOR s IN 1..4 LOOP
        PERFORM dblink_connect('ins' || s, conn);
        -- each session inserts 300 rows, one statement per row
        PERFORM dblink_send_query('ins' || s, format($q$
            DO $d$ BEGIN
                FOR i IN %s..%s LOOP
                    INSERT INTO public.gin_t
                    SELECT i, q.keys OPERATOR(pseudolink.||) pseudolink.blockkeys(ARRAY[(i %% 300)::bigint + x'0300000000000000'::bigint])
                    FROM public.gin_q q WHERE q.qid = 1 + i %% 80;
                END LOOP;
            END $d$ $q$, first_id + (s - 1) * 300, first_id + s * 300 - 1));
    END LOOP;
    FOR s IN 1..4 LOOP
        PERFORM * FROM dblink_get_result('ins' || s) AS r(status text);
        PERFORM dblink_disconnect('ins' || s);
    END LOOP;
    RETURN (SELECT count(*) FROM gin_t WHERE id >= first_id);
END
$$;
SELECT insert_concurrently(20000) AS inserted_with_pending_list;
BEGIN;
SELECT * FROM compare();
COMMIT;
ALTER INDEX gin_t_keys SET (fastupdate = off);
SELECT gin_clean_pending_list('gin_t_keys') >= 0 AS cleaned;
SELECT insert_concurrently(30000) AS inserted_into_tree;
BEGIN;
SELECT * FROM compare();
COMMIT;
VACUUM ANALYZE gin_t;
BEGIN;
SELECT operator, pairs, differences FROM compare(ARRAY['&&', '@@ 2']);
COMMIT;

DROP FUNCTION compare(), insert_concurrently(int);
DROP TABLE gin_t, gin_q;
DROP EXTENSION dblink;
