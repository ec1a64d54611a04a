-- The pseudonym type: text form with check character, binary form,
-- operators and operator classes.
SET search_path = pseudolink, public;

-- Text form round trip; input is case-insensitive, output upper case.
SELECT p, pseudonym_kind(p)
FROM (VALUES ('RA8P4T5FPGBH7FYEQMF520GTS7W9'::pseudonym),
             ('sefz1gzy0z8e642ppf6zv2jbremd'::pseudonym),
             ('TAEY2398S1AKWDWP9K38Y8KSST8J'::pseudonym)) AS t(p);
SELECT 'RA8P4T5FPGBH7FYEQMF520GTS7W9'::pseudonym::text::pseudonym
     = 'ra8p4t5fpgbh7fyeqmf520gts7w9'::pseudonym AS round_trip;

-- Malformed text: length, kind, alphabet, last value character, check.
SELECT ''::pseudonym;
SELECT 'RA8P4T5FPGBH7FYEQMF520GTS7W'::pseudonym;
SELECT 'RA8P4T5FPGBH7FYEQMF520GTS7W9 '::pseudonym;
SELECT 'XA8P4T5FPGBH7FYEQMF520GTS7W9'::pseudonym;
SELECT 'RA8P4T5FPGBH7FYEQMF520GTS7WI'::pseudonym;
SELECT 'RA8P4T5FPGBH7FYEQMF520GTS-W9'::pseudonym;
SELECT 'RA8P4T5FPGBH7FYEQMF520GOS7W9'::pseudonym;
SELECT 'RA8P4T5FPGBH7FYEQMF520GTS7é'::pseudonym;
SELECT 'RA8P4T5FPGBH7FYEQMF520GTS759'::pseudonym;
SELECT 'RA8P4T5FPGBH7FYEQMF520GTS8W9'::pseudonym;
SELECT 'RA8P4T5FPGBH7FYEQMF52G0TS7W9'::pseudonym;
SELECT 'SA8P4T5FPGBH7FYEQMF520GTS7W9'::pseudonym;

-- The check character catches every single-character substitution and
-- every transposition of two adjacent characters, anywhere: no mutation of
-- 20 (substitutions) or 100 (transpositions) pseudonyms is accepted.
CREATE FUNCTION pg_temp.accepted(t text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM t::pseudolink.pseudonym;
    RETURN true;
EXCEPTION WHEN invalid_text_representation THEN
    RETURN false;
END $$;
SET pseudolink.key_file = 'pseudolink_test.key';
CREATE TEMP TABLE sample AS
SELECT g AS id, pseudonymise('steward', g, 1)::text AS p FROM generate_series(1, 100) g;
SELECT count(*) AS substitutions, count(*) FILTER (WHERE pg_temp.accepted(m)) AS accepted
FROM (SELECT p FROM sample WHERE id <= 20) s, generate_series(1, 28) pos,
     regexp_split_to_table('0123456789ABCDEFGHJKMNPQRSTVWXYZ', '') c,
     LATERAL (SELECT overlay(p PLACING c FROM pos FOR 1) AS m) x
WHERE substr(p, pos, 1) <> c;
SELECT count(*) AS transpositions, count(*) FILTER (WHERE pg_temp.accepted(m)) AS accepted
FROM sample, generate_series(1, 27) pos,
     LATERAL (SELECT overlay(p PLACING substr(p, pos + 1, 1) || substr(p, pos, 1)
                             FROM pos FOR 2) AS m) x
WHERE substr(p, pos, 1) <> substr(p, pos + 1, 1);

-- Binary form: the kind byte, then 16 bytes; COPY BINARY round trip.
SELECT pseudonym_send('RA8P4T5FPGBH7FYEQMF520GTS7W9');
CREATE TEMP TABLE typed AS SELECT id, p::pseudonym AS p FROM sample;
CREATE TEMP TABLE copied (id int, p pseudonym);
CREATE TEMP TABLE raw (id int, b bytea);
DO $$
BEGIN
    EXECUTE format('COPY typed TO %L (FORMAT binary)',
                   current_setting('data_directory') || '/pseudonym_test.copy');
    EXECUTE format('COPY copied FROM %L (FORMAT binary)',
                   current_setting('data_directory') || '/pseudonym_test.copy');
END $$;
SELECT count(*) AS copied, count(*) FILTER (WHERE c.p = t.p) AS equal
FROM copied c JOIN typed t USING (id);
-- Binary input that is not a pseudonym: wrong length, unknown kind.
CREATE FUNCTION pg_temp.copy_raw(b bytea) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE raw;
    INSERT INTO raw VALUES (0, b);
    EXECUTE format('COPY raw TO %L (FORMAT binary)',
                   current_setting('data_directory') || '/pseudonym_test.copy');
    EXECUTE format('COPY copied FROM %L (FORMAT binary)',
                   current_setting('data_directory') || '/pseudonym_test.copy');
END $$;
-- (no CONTEXT lines: they would show the data directory of this run)
\set SHOW_CONTEXT never
SELECT pg_temp.copy_raw('\x52000102030405060708090a0b0c0d0e'::bytea);
SELECT pg_temp.copy_raw('\x52000102030405060708090a0b0c0d0e0f10'::bytea);
SELECT pg_temp.copy_raw('\x58000102030405060708090a0b0c0d0e0f'::bytea);
\set SHOW_CONTEXT errors
SELECT pg_temp.copy_raw('\x52000102030405060708090a0b0c0d0e0f'::bytea);
SELECT p FROM copied WHERE id = 0;

-- Operators: bytewise order, kind first (R < S < T).
SELECT a.p < b.p AS lt, a.p <= b.p AS le, a.p = b.p AS eq, a.p <> b.p AS ne,
       a.p >= b.p AS ge, a.p > b.p AS gt
FROM (VALUES ('RA8P4T5FPGBH7FYEQMF520GTS7W9'::pseudonym, 'SEFZ1GZY0Z8E642PPF6ZV2JBREMD'::pseudonym),
             ('SEFZ1GZY0Z8E642PPF6ZV2JBREMD', 'RA8P4T5FPGBH7FYEQMF520GTS7W9'),
             ('RA8P4T5FPGBH7FYEQMF520GTS7W9', 'RA8P4T5FPGBH7FYEQMF520GTS7W9')) AS v(a, b),
     LATERAL (SELECT v.a AS p) a, LATERAL (SELECT v.b AS p) b;
SELECT p FROM typed ORDER BY p LIMIT 3;
SELECT count(*) = 100 AS sorted_like_text
FROM (SELECT p, row_number() OVER (ORDER BY p) AS r1,
             row_number() OVER (ORDER BY p::text COLLATE "C") AS r2 FROM typed) s
WHERE r1 = r2;

-- DISTINCT, GROUP BY (sorted and hashed), joins of every kind.
INSERT INTO typed SELECT id + 100, p FROM typed WHERE id <= 50;
SET enable_hashagg = off;
SELECT count(DISTINCT p) AS distinct_sorted FROM typed;
SELECT count(*) AS groups_sorted FROM (SELECT p FROM typed GROUP BY p) g;
SET enable_hashagg = on;
SET enable_sort = off;
SELECT count(*) AS groups_hashed FROM (SELECT p FROM typed GROUP BY p) g;
RESET enable_sort;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM typed a JOIN copied b USING (p);
SELECT count(*) AS hash_join FROM typed a JOIN copied b USING (p);
SET enable_hashjoin = off;
SET enable_mergejoin = on;
EXPLAIN (COSTS OFF) SELECT count(*) FROM typed a JOIN copied b USING (p);
SELECT count(*) AS merge_join FROM typed a JOIN copied b USING (p);
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_nestloop;

-- Indexes: btree (unique too) and hash.
CREATE UNIQUE INDEX copied_p_unique ON copied (p);
INSERT INTO copied SELECT 999, p FROM typed WHERE id = 7;
CREATE INDEX typed_p_btree ON typed (p);
ANALYZE typed;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM typed WHERE p = (SELECT p FROM copied WHERE id = 7);
SELECT id FROM typed WHERE p = (SELECT p FROM copied WHERE id = 7) ORDER BY id;
EXPLAIN (COSTS OFF) SELECT p FROM typed ORDER BY p LIMIT 1;
SELECT p FROM typed ORDER BY p LIMIT 1;
DROP INDEX typed_p_btree;
CREATE INDEX typed_p_hash ON typed USING hash (p);
EXPLAIN (COSTS OFF) SELECT id FROM typed WHERE p = (SELECT p FROM copied WHERE id = 7);
SELECT id FROM typed WHERE p = (SELECT p FROM copied WHERE id = 7) ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- Hash partitioning uses the extended hash function.
CREATE TABLE partitioned (p pseudonym) PARTITION BY HASH (p);
CREATE TABLE partitioned_0 PARTITION OF partitioned FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE partitioned_1 PARTITION OF partitioned FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO partitioned SELECT p FROM copied;
SELECT count(*) AS rows, count(*) FILTER (WHERE tableoid = 'partitioned_0'::regclass) > 20 AS spread
FROM partitioned;
DROP TABLE partitioned;

-- NULL in gives NULL out; the type is 17 bytes, stored inline.
SELECT pseudonym_kind(NULL) IS NULL AS null_gives_null;
SELECT typlen, typbyval, typalign, typstorage FROM pg_type WHERE oid = 'pseudonym'::regtype;
RESET pseudolink.key_file;
RESET search_path;
