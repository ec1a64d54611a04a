-- The blockkeys and blockquery types, their operators and functions.
SET search_path = public, pseudolink;

-- Text form: sorted (as unsigned numbers), duplicates dropped, 16 digits.
SELECT '{}'::blockkeys AS empty;
SELECT ' { 3 , 1,2,2 } '::blockkeys AS sorted;
SELECT '{FFFFFFFFFFFFFFFF,0100000000000001,ABCdef}'::blockkeys AS mixed_case;
SELECT key_count('{1,2,3,3}'), key_count('{}');

-- Bad input: each error says where, never echoes the keys.
SELECT '1,2'::blockkeys;
SELECT '{1,,2}'::blockkeys;
SELECT '{1 2}'::blockkeys;
SELECT '{1,2'::blockkeys;
SELECT '{12345678901234567}'::blockkeys;
SELECT '{1,x}'::blockkeys;
SELECT '{1} extra'::blockkeys;
SELECT ('{' || string_agg(i::text, ',') || '}')::blockkeys FROM generate_series(1, 10001) i;

-- blockquery: "k of {keys}".
SELECT '2 of {3,1}'::blockquery, ' 1 OF {} '::blockquery;
SELECT min_shared('3 of {1,2,3}');
SELECT 'of {1}'::blockquery;
SELECT '2 {1}'::blockquery;
SELECT '0 of {1}'::blockquery;
SELECT '10001 of {1}'::blockquery;
SELECT '12345678901 of {1}'::blockquery;
SELECT '2 of {1} x'::blockquery;

-- Binary form round trip (COPY BINARY uses send and receive).
CREATE TABLE bk_bin (k blockkeys, q blockquery);
INSERT INTO bk_bin VALUES ('{}', '1 of {}'), ('{1,ffffffffffffffff,0100000000000000}', '2 of {5,6,7}');
CREATE TABLE bk_bin2 (LIKE bk_bin);
DO $$
DECLARE
    f text := current_setting('data_directory') || '/pseudolink_regress_blockkeys.bin';
BEGIN
    EXECUTE format('COPY bk_bin TO %L (FORMAT binary)', f);
    EXECUTE format('COPY bk_bin2 FROM %L (FORMAT binary)', f);
END
$$;
SELECT k, q FROM bk_bin2;
SELECT (SELECT array_agg(k::text ORDER BY k::text) FROM bk_bin)
     = (SELECT array_agg(k::text ORDER BY k::text) FROM bk_bin2) AS round_trip;
DROP TABLE bk_bin, bk_bin2;

-- Arrays: NULL elements are no keys; keys come back as signed bigints.
SELECT blockkeys(ARRAY[3, 1, NULL, 2, 1]::bigint[]);
SELECT ARRAY[-1, 0]::bigint[]::blockkeys;
SELECT '{ffffffffffffffff,1}'::blockkeys::bigint[];
SELECT blockkeys(ARRAY[[1, 2], [3, 4]]::bigint[]);
SELECT blockkeys('{}'::bigint[]);

-- The rule of a key is its top byte.
SELECT blocking_key_rule(x'0100000000000000'::bigint) AS rule_1,
       blocking_key_rule(x'ff00000000000000'::bigint) AS rule_255,
       blocking_key_rule(42) AS rule_0;

-- The keys of some rules only.
SELECT keys_of_rules('{0100000000000001,0200000000000002,0300000000000003,0301000000000000}', ARRAY[1, 3]);
SELECT keys_of_rules('{0100000000000001}', ARRAY[]::int[]);
SELECT keys_of_rules('{0100000000000001}', ARRAY[0]);
SELECT keys_of_rules('{0100000000000001}', ARRAY[1, NULL]);
SELECT keys_of_rules('{0100000000000001}', ARRAY[[1], [2]]);

-- Overlap, shared keys, the threshold operator and shares().
SELECT '{1,2,3}'::blockkeys && '{3,4}', '{1,2}'::blockkeys && '{3,4}',
       '{}'::blockkeys && '{}', '{1}'::blockkeys && '{}';
SELECT shared_keys('{1,2,3,5}', '{2,3,4,5}'), shared_keys('{}', '{1}');
SHOW pseudolink.blocking_threshold;
SELECT '{1,2,3}'::blockkeys % '{3,4}' AS k1;
SET pseudolink.blocking_threshold = 2;
SELECT '{1,2,3}'::blockkeys % '{3,4}' AS k2_one_shared, '{1,2,3}'::blockkeys % '{2,3}' AS k2_two_shared;
SET pseudolink.blocking_threshold = 0;
RESET pseudolink.blocking_threshold;
SELECT '{1,2,3}'::blockkeys @@ shares('{2,3,4}', 2) AS two_of, '{1,2,3}'::blockkeys @@ shares('{2,3,4}', 3) AS three_of,
       '{1,2,3}'::blockkeys @@ shares('{1}', 2) AS more_than_it_has;
SELECT shares('{1}', 0);
SELECT shares('{1}', -1);

-- Union: || and the aggregate (with a parallel-safe combine function).
SELECT '{1,3}'::blockkeys || '{2,3}', '{}'::blockkeys || '{}';
SELECT blockkeys_agg(k) FROM (VALUES ('{5}'::blockkeys), ('{1,5}'), (NULL), ('{}')) v(k);
SELECT blockkeys_agg(k) IS NULL AS no_rows FROM (SELECT '{1}'::blockkeys WHERE false) v(k);
SELECT key_count(blockkeys_agg(blockkeys(ARRAY[i, i + 1]))) FROM generate_series(1, 9999, 2) i;
SELECT blockkeys_agg(blockkeys(ARRAY[i, -i])) FROM generate_series(1, 5001) i;

-- NULL in, NULL out.
SELECT key_count(NULL), NULL::blockkeys && '{1}', shares(NULL, 1), blockkeys(NULL::bigint[]);

-- The operators and the operator class as the catalogue sees them.
SELECT oprname, oprleft::regtype, oprright::regtype, oprcom <> 0 AS commutes, oprcode
FROM pg_operator WHERE oprnamespace = 'pseudolink'::regnamespace
  AND oprleft IN ('pseudolink.blockkeys'::regtype, 'pseudolink.blockquery'::regtype) ORDER BY oprname;
SELECT amvalidate(oid) AS valid, opcname, opcdefault, opckeytype::regtype
FROM pg_opclass WHERE opcname = 'blockkeys_ops';
SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p WHERE p.oid IN ('blockkeys_overlap'::regproc, 'blockkeys_similar'::regproc,
                               'blockkeys_matches'::regproc, 'shares'::regproc)
ORDER BY 1;
