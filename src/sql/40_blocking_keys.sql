-- Blocking keys: the blockkeys type (a set of 64-bit keys), the blockquery
-- type ("shares at least k of these keys"), their operators, a union
-- aggregate and the GIN operator class that finds candidate pairs with one
-- index scan for every rule at once.  C in src/blockkeys.c.
--
-- Key sets are made by pseudolink.blocking_keys() (41_blocking_rules.sql)
-- and are as sensitive as the identifiers they come from: only the steward
-- and the admin may use these types and functions.

CREATE TYPE pseudolink.blockkeys;
CREATE TYPE pseudolink.blockquery;

CREATE FUNCTION pseudolink.blockkeys_in(cstring)
RETURNS pseudolink.blockkeys
AS 'MODULE_PATHNAME', 'blockkeys_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.blockkeys_out(pseudolink.blockkeys)
RETURNS cstring
AS 'MODULE_PATHNAME', 'blockkeys_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.blockkeys_recv(internal)
RETURNS pseudolink.blockkeys
AS 'MODULE_PATHNAME', 'blockkeys_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.blockkeys_send(pseudolink.blockkeys)
RETURNS bytea
AS 'MODULE_PATHNAME', 'blockkeys_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Keys are hashes and do not compress: STORAGE external skips the futile
-- attempt for the rare set large enough to be toasted.
CREATE TYPE pseudolink.blockkeys (
    INPUT = pseudolink.blockkeys_in,
    OUTPUT = pseudolink.blockkeys_out,
    RECEIVE = pseudolink.blockkeys_recv,
    SEND = pseudolink.blockkeys_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);

CREATE FUNCTION pseudolink.blockquery_in(cstring)
RETURNS pseudolink.blockquery
AS 'MODULE_PATHNAME', 'blockquery_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.blockquery_out(pseudolink.blockquery)
RETURNS cstring
AS 'MODULE_PATHNAME', 'blockquery_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.blockquery_recv(internal)
RETURNS pseudolink.blockquery
AS 'MODULE_PATHNAME', 'blockquery_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.blockquery_send(pseudolink.blockquery)
RETURNS bytea
AS 'MODULE_PATHNAME', 'blockquery_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE pseudolink.blockquery (
    INPUT = pseudolink.blockquery_in,
    OUTPUT = pseudolink.blockquery_out,
    RECEIVE = pseudolink.blockquery_recv,
    SEND = pseudolink.blockquery_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);

COMMENT ON TYPE pseudolink.blockkeys IS
    'a set of 64-bit blocking keys (top byte: the rule id), written {0123456789abcdef,...}';
COMMENT ON TYPE pseudolink.blockquery IS
    'blocking keys with a minimum number to share, written "2 of {...}"; the right operand of @@';
COMMENT ON FUNCTION pseudolink.blockkeys_in(cstring) IS 'input function of blockkeys';
COMMENT ON FUNCTION pseudolink.blockkeys_out(pseudolink.blockkeys) IS 'output function of blockkeys';
COMMENT ON FUNCTION pseudolink.blockkeys_recv(internal) IS 'binary input function of blockkeys';
COMMENT ON FUNCTION pseudolink.blockkeys_send(pseudolink.blockkeys) IS 'binary output function of blockkeys';
COMMENT ON FUNCTION pseudolink.blockquery_in(cstring) IS 'input function of blockquery';
COMMENT ON FUNCTION pseudolink.blockquery_out(pseudolink.blockquery) IS 'output function of blockquery';
COMMENT ON FUNCTION pseudolink.blockquery_recv(internal) IS 'binary input function of blockquery';
COMMENT ON FUNCTION pseudolink.blockquery_send(pseudolink.blockquery) IS 'binary output function of blockquery';

-- Conversions --------------------------------------------------------------

CREATE FUNCTION pseudolink.blockkeys(bigint[])
RETURNS pseudolink.blockkeys
AS 'MODULE_PATHNAME', 'blockkeys_from_array'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blockkeys(bigint[]) IS
    'the set of the non-null keys of an array (sorted, duplicates dropped)';

CREATE FUNCTION pseudolink.blockkeys_to_array(pseudolink.blockkeys)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'blockkeys_to_array'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blockkeys_to_array(pseudolink.blockkeys) IS
    'the keys of a set as a bigint[], e.g. to unnest them';

CREATE CAST (bigint[] AS pseudolink.blockkeys)
    WITH FUNCTION pseudolink.blockkeys(bigint[]);
CREATE CAST (pseudolink.blockkeys AS bigint[])
    WITH FUNCTION pseudolink.blockkeys_to_array(pseudolink.blockkeys);
COMMENT ON CAST (bigint[] AS pseudolink.blockkeys) IS 'a key set from an array of keys';
COMMENT ON CAST (pseudolink.blockkeys AS bigint[]) IS 'the keys of a key set as an array';

-- Functions ----------------------------------------------------------------

CREATE FUNCTION pseudolink.key_count(pseudolink.blockkeys)
RETURNS integer
AS 'MODULE_PATHNAME', 'blockkeys_key_count'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.key_count(pseudolink.blockkeys) IS
    'number of keys in a key set';

CREATE FUNCTION pseudolink.shared_keys(pseudolink.blockkeys, pseudolink.blockkeys)
RETURNS integer
AS 'MODULE_PATHNAME', 'blockkeys_shared_keys'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.shared_keys(pseudolink.blockkeys, pseudolink.blockkeys) IS
    'number of keys two key sets share (for a blocked pair: the number of rules it agrees on)';

CREATE FUNCTION pseudolink.shares(pseudolink.blockkeys, integer)
RETURNS pseudolink.blockquery
AS 'MODULE_PATHNAME', 'blockkeys_shares'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.shares(pseudolink.blockkeys, integer) IS
    'the query "shares at least k of these keys", for keys @@ shares(q, k)';

CREATE FUNCTION pseudolink.min_shared(pseudolink.blockquery)
RETURNS integer
AS 'MODULE_PATHNAME', 'blockquery_min_shared'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.min_shared(pseudolink.blockquery) IS
    'the minimum number of shared keys of a blockquery';

CREATE FUNCTION pseudolink.blocking_key_rule(bigint)
RETURNS integer
AS 'MODULE_PATHNAME', 'blocking_key_rule'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blocking_key_rule(bigint) IS
    'id of the rule that made a blocking key (its top byte)';

CREATE FUNCTION pseudolink.keys_of_rules(keys pseudolink.blockkeys, rules integer[])
RETURNS pseudolink.blockkeys
AS 'MODULE_PATHNAME', 'blockkeys_of_rules'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.keys_of_rules(pseudolink.blockkeys, integer[]) IS
    'the keys of a set made by the given rules: a record''s key set under a subset of its model';

CREATE FUNCTION pseudolink.blockkeys_overlap(pseudolink.blockkeys, pseudolink.blockkeys)
RETURNS boolean
AS 'MODULE_PATHNAME', 'blockkeys_overlap'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blockkeys_overlap(pseudolink.blockkeys, pseudolink.blockkeys) IS
    'implementation of &&: the key sets share at least one key';

-- STABLE, not IMMUTABLE: the result depends on pseudolink.blocking_threshold.
CREATE FUNCTION pseudolink.blockkeys_similar(pseudolink.blockkeys, pseudolink.blockkeys)
RETURNS boolean
AS 'MODULE_PATHNAME', 'blockkeys_similar'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blockkeys_similar(pseudolink.blockkeys, pseudolink.blockkeys) IS
    'implementation of %: the key sets share at least pseudolink.blocking_threshold keys';

CREATE FUNCTION pseudolink.blockkeys_matches(pseudolink.blockkeys, pseudolink.blockquery)
RETURNS boolean
AS 'MODULE_PATHNAME', 'blockkeys_matches'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blockkeys_matches(pseudolink.blockkeys, pseudolink.blockquery) IS
    'implementation of @@: the key set shares at least the query''s k keys with it';

CREATE FUNCTION pseudolink.blockkeys_union(pseudolink.blockkeys, pseudolink.blockkeys)
RETURNS pseudolink.blockkeys
AS 'MODULE_PATHNAME', 'blockkeys_union'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blockkeys_union(pseudolink.blockkeys, pseudolink.blockkeys) IS
    'implementation of ||: the union of two key sets';

-- Operators ----------------------------------------------------------------

-- Row estimates of the operators (src/blocking_selectivity.c): a record
-- shares a key with a small, nearly fixed share of the register, and
-- several keys with about one person; the generic 0.1% made the planner
-- scan large registers instead of probing the index.
CREATE FUNCTION pseudolink.blockkeys_restrict_selectivity(internal, oid, internal, integer)
RETURNS double precision
AS 'MODULE_PATHNAME', 'blockkeys_restrict_selectivity'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blockkeys_restrict_selectivity(internal, oid, internal, integer) IS
    'planner estimate of &&, % and @@ in a restriction: 1e-4 of the rows, for @@ 2 rows (at most 1e-4)';

CREATE FUNCTION pseudolink.blockkeys_join_selectivity(internal, oid, internal, smallint, internal)
RETURNS double precision
AS 'MODULE_PATHNAME', 'blockkeys_join_selectivity'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blockkeys_join_selectivity(internal, oid, internal, smallint, internal) IS
    'planner estimate of &&, % and @@ in a join: 1e-4 of the key-set side per row of the other, for @@ 2 rows (at most 1e-4)';

CREATE OPERATOR pseudolink.&& (
    LEFTARG = pseudolink.blockkeys,
    RIGHTARG = pseudolink.blockkeys,
    FUNCTION = pseudolink.blockkeys_overlap,
    COMMUTATOR = OPERATOR(pseudolink.&&),
    RESTRICT = pseudolink.blockkeys_restrict_selectivity,
    JOIN = pseudolink.blockkeys_join_selectivity
);
COMMENT ON OPERATOR pseudolink.&& (pseudolink.blockkeys, pseudolink.blockkeys) IS
    'the key sets share at least one key (the union of the rules)';

CREATE OPERATOR pseudolink.% (
    LEFTARG = pseudolink.blockkeys,
    RIGHTARG = pseudolink.blockkeys,
    FUNCTION = pseudolink.blockkeys_similar,
    COMMUTATOR = OPERATOR(pseudolink.%),
    RESTRICT = pseudolink.blockkeys_restrict_selectivity,
    JOIN = pseudolink.blockkeys_join_selectivity
);
COMMENT ON OPERATOR pseudolink.% (pseudolink.blockkeys, pseudolink.blockkeys) IS
    'the key sets share at least pseudolink.blocking_threshold keys';

CREATE OPERATOR pseudolink.@@ (
    LEFTARG = pseudolink.blockkeys,
    RIGHTARG = pseudolink.blockquery,
    FUNCTION = pseudolink.blockkeys_matches,
    RESTRICT = pseudolink.blockkeys_restrict_selectivity,
    JOIN = pseudolink.blockkeys_join_selectivity
);
COMMENT ON OPERATOR pseudolink.@@ (pseudolink.blockkeys, pseudolink.blockquery) IS
    'the key set shares at least k keys with the query (k from shares(keys, k))';

CREATE OPERATOR pseudolink.|| (
    LEFTARG = pseudolink.blockkeys,
    RIGHTARG = pseudolink.blockkeys,
    FUNCTION = pseudolink.blockkeys_union,
    COMMUTATOR = OPERATOR(pseudolink.||)
);
COMMENT ON OPERATOR pseudolink.|| (pseudolink.blockkeys, pseudolink.blockkeys) IS
    'the union of two key sets';

-- The keys of a person over all address periods: the union of the periods'
-- key sets.  The union is its own combine function, so it runs in parallel.
CREATE AGGREGATE pseudolink.blockkeys_agg(pseudolink.blockkeys) (
    SFUNC = pseudolink.blockkeys_union,
    STYPE = pseudolink.blockkeys,
    COMBINEFUNC = pseudolink.blockkeys_union,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pseudolink.blockkeys_agg(pseudolink.blockkeys) IS
    'the union of key sets, e.g. of a person''s address periods';

-- GIN operator class ------------------------------------------------------

CREATE FUNCTION pseudolink.blockkeys_gin_extract_value(pseudolink.blockkeys, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'blockkeys_gin_extract_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.blockkeys_gin_extract_query(pseudolink.blockkeys, internal, int2,
                                                       internal, internal, internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'blockkeys_gin_extract_query'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.blockkeys_gin_consistent(internal, int2, pseudolink.blockkeys, int4,
                                                    internal, internal, internal, internal)
RETURNS boolean
AS 'MODULE_PATHNAME', 'blockkeys_gin_consistent'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.blockkeys_gin_triconsistent(internal, int2, pseudolink.blockkeys, int4,
                                                       internal, internal, internal)
RETURNS "char"
AS 'MODULE_PATHNAME', 'blockkeys_gin_triconsistent'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.blockkeys_gin_extract_value(pseudolink.blockkeys, internal) IS
    'GIN support: the index entries of a key set';
COMMENT ON FUNCTION pseudolink.blockkeys_gin_extract_query(pseudolink.blockkeys, internal, int2, internal, internal, internal, internal) IS
    'GIN support: the entries of a query and the number of them an item must hold';
COMMENT ON FUNCTION pseudolink.blockkeys_gin_consistent(internal, int2, pseudolink.blockkeys, int4, internal, internal, internal, internal) IS
    'GIN support: does an item hold enough query entries (exact, no recheck)';
COMMENT ON FUNCTION pseudolink.blockkeys_gin_triconsistent(internal, int2, pseudolink.blockkeys, int4, internal, internal, internal) IS
    'GIN support: ternary form of consistent, so GIN can skip posting lists';

CREATE OPERATOR CLASS pseudolink.blockkeys_ops
DEFAULT FOR TYPE pseudolink.blockkeys USING gin AS
    OPERATOR 1 pseudolink.&& (pseudolink.blockkeys, pseudolink.blockkeys),
    OPERATOR 2 pseudolink.% (pseudolink.blockkeys, pseudolink.blockkeys),
    OPERATOR 3 pseudolink.@@ (pseudolink.blockkeys, pseudolink.blockquery),
    FUNCTION 1 pg_catalog.btint8cmp(bigint, bigint),
    FUNCTION 2 pseudolink.blockkeys_gin_extract_value(pseudolink.blockkeys, internal),
    FUNCTION 3 pseudolink.blockkeys_gin_extract_query(pseudolink.blockkeys, internal, int2,
                                                      internal, internal, internal, internal),
    FUNCTION 4 pseudolink.blockkeys_gin_consistent(internal, int2, pseudolink.blockkeys, int4,
                                                   internal, internal, internal, internal),
    FUNCTION 6 pseudolink.blockkeys_gin_triconsistent(internal, int2, pseudolink.blockkeys, int4,
                                                      internal, internal, internal),
    STORAGE bigint;
COMMENT ON OPERATOR CLASS pseudolink.blockkeys_ops USING gin IS
    'GIN index of blocking keys: finds the records sharing at least one (&&), '
    'pseudolink.blocking_threshold (%) or k (@@) keys with a query';
COMMENT ON OPERATOR FAMILY pseudolink.blockkeys_ops USING gin IS
    'GIN operator family of blockkeys_ops';

-- Privileges -------------------------------------------------------------

REVOKE ALL ON TYPE pseudolink.blockkeys, pseudolink.blockquery FROM PUBLIC;
GRANT USAGE ON TYPE pseudolink.blockkeys, pseudolink.blockquery
    TO pseudolink_admin, pseudolink_steward;

REVOKE ALL ON FUNCTION
    pseudolink.blockkeys_in(cstring),
    pseudolink.blockkeys_out(pseudolink.blockkeys),
    pseudolink.blockkeys_recv(internal),
    pseudolink.blockkeys_send(pseudolink.blockkeys),
    pseudolink.blockquery_in(cstring),
    pseudolink.blockquery_out(pseudolink.blockquery),
    pseudolink.blockquery_recv(internal),
    pseudolink.blockquery_send(pseudolink.blockquery),
    pseudolink.blockkeys(bigint[]),
    pseudolink.blockkeys_to_array(pseudolink.blockkeys),
    pseudolink.key_count(pseudolink.blockkeys),
    pseudolink.shared_keys(pseudolink.blockkeys, pseudolink.blockkeys),
    pseudolink.shares(pseudolink.blockkeys, integer),
    pseudolink.min_shared(pseudolink.blockquery),
    pseudolink.blocking_key_rule(bigint),
    pseudolink.keys_of_rules(pseudolink.blockkeys, integer[]),
    pseudolink.blockkeys_overlap(pseudolink.blockkeys, pseudolink.blockkeys),
    pseudolink.blockkeys_similar(pseudolink.blockkeys, pseudolink.blockkeys),
    pseudolink.blockkeys_matches(pseudolink.blockkeys, pseudolink.blockquery),
    pseudolink.blockkeys_union(pseudolink.blockkeys, pseudolink.blockkeys),
    pseudolink.blockkeys_agg(pseudolink.blockkeys),
    pseudolink.blockkeys_gin_extract_value(pseudolink.blockkeys, internal),
    pseudolink.blockkeys_gin_extract_query(pseudolink.blockkeys, internal, int2, internal, internal, internal, internal),
    pseudolink.blockkeys_gin_consistent(internal, int2, pseudolink.blockkeys, int4, internal, internal, internal, internal),
    pseudolink.blockkeys_gin_triconsistent(internal, int2, pseudolink.blockkeys, int4, internal, internal, internal),
    pseudolink.blockkeys_restrict_selectivity(internal, oid, internal, integer),
    pseudolink.blockkeys_join_selectivity(internal, oid, internal, smallint, internal)
FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
    pseudolink.blockkeys_in(cstring),
    pseudolink.blockkeys_out(pseudolink.blockkeys),
    pseudolink.blockkeys_recv(internal),
    pseudolink.blockkeys_send(pseudolink.blockkeys),
    pseudolink.blockquery_in(cstring),
    pseudolink.blockquery_out(pseudolink.blockquery),
    pseudolink.blockquery_recv(internal),
    pseudolink.blockquery_send(pseudolink.blockquery),
    pseudolink.blockkeys(bigint[]),
    pseudolink.blockkeys_to_array(pseudolink.blockkeys),
    pseudolink.key_count(pseudolink.blockkeys),
    pseudolink.shared_keys(pseudolink.blockkeys, pseudolink.blockkeys),
    pseudolink.shares(pseudolink.blockkeys, integer),
    pseudolink.min_shared(pseudolink.blockquery),
    pseudolink.blocking_key_rule(bigint),
    pseudolink.keys_of_rules(pseudolink.blockkeys, integer[]),
    pseudolink.blockkeys_overlap(pseudolink.blockkeys, pseudolink.blockkeys),
    pseudolink.blockkeys_similar(pseudolink.blockkeys, pseudolink.blockkeys),
    pseudolink.blockkeys_matches(pseudolink.blockkeys, pseudolink.blockquery),
    pseudolink.blockkeys_union(pseudolink.blockkeys, pseudolink.blockkeys),
    pseudolink.blockkeys_agg(pseudolink.blockkeys)
TO pseudolink_admin, pseudolink_steward;
