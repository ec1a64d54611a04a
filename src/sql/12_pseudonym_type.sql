-- The pseudonym type (src/pseudonym.c): 17 bytes, a kind byte (R register
-- person, S person key, T text value) and a 128-bit keyed value; text form
-- of 28 characters with a check character; binary send/receive; btree and
-- hash operator classes so that indexes, joins of every kind, DISTINCT and
-- GROUP BY work.  The support functions are pure: IMMUTABLE.
--
-- Every pseudolink role may read and compare pseudonyms (researchers join
-- released tables on them); only the steward may make them (13_pseudonymise).

CREATE TYPE pseudolink.pseudonym;

CREATE FUNCTION pseudolink.pseudonym_in(cstring)
RETURNS pseudolink.pseudonym
AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.pseudonym_out(pseudolink.pseudonym)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.pseudonym_recv(internal)
RETURNS pseudolink.pseudonym
AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pseudolink.pseudonym_send(pseudolink.pseudonym)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE pseudolink.pseudonym (
    INPUT = pseudolink.pseudonym_in,
    OUTPUT = pseudolink.pseudonym_out,
    RECEIVE = pseudolink.pseudonym_recv,
    SEND = pseudolink.pseudonym_send,
    INTERNALLENGTH = 17,
    ALIGNMENT = char,
    STORAGE = plain
);

COMMENT ON TYPE pseudolink.pseudonym IS
    'keyed pseudonym: kind (R register person, S person key, T text value) and 128 bits; text form of 28 characters with a check character';
COMMENT ON FUNCTION pseudolink.pseudonym_in(cstring) IS
    'parses the 28-character text form (case-insensitive) and verifies its check character';
COMMENT ON FUNCTION pseudolink.pseudonym_out(pseudolink.pseudonym) IS
    'the 28-character text form: kind, 26 base-32 characters, check character';
COMMENT ON FUNCTION pseudolink.pseudonym_recv(internal) IS
    'reads the 17-byte binary form: kind byte, then 16 bytes';
COMMENT ON FUNCTION pseudolink.pseudonym_send(pseudolink.pseudonym) IS
    'writes the 17-byte binary form: kind byte, then 16 bytes';

CREATE FUNCTION pseudolink.pseudonym_kind(pseudolink.pseudonym)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_kind'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.pseudonym_kind(pseudolink.pseudonym) IS
    'kind of a pseudonym: R (a register person, from the person id), S (from identifiers, by person_key) or T (from a text value)';

CREATE FUNCTION pseudolink.pseudonym_eq(pseudolink.pseudonym, pseudolink.pseudonym)
RETURNS boolean AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_eq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION pseudolink.pseudonym_ne(pseudolink.pseudonym, pseudolink.pseudonym)
RETURNS boolean AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_ne'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION pseudolink.pseudonym_lt(pseudolink.pseudonym, pseudolink.pseudonym)
RETURNS boolean AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_lt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION pseudolink.pseudonym_le(pseudolink.pseudonym, pseudolink.pseudonym)
RETURNS boolean AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_le'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION pseudolink.pseudonym_gt(pseudolink.pseudonym, pseudolink.pseudonym)
RETURNS boolean AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_gt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION pseudolink.pseudonym_ge(pseudolink.pseudonym, pseudolink.pseudonym)
RETURNS boolean AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_ge'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION pseudolink.pseudonym_cmp(pseudolink.pseudonym, pseudolink.pseudonym)
RETURNS integer AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_cmp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION pseudolink.pseudonym_sortsupport(internal)
RETURNS void AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_sortsupport'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pseudolink.pseudonym_hash(pseudolink.pseudonym)
RETURNS integer AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION pseudolink.pseudonym_hash_extended(pseudolink.pseudonym, bigint)
RETURNS bigint AS 'MODULE_PATHNAME', 'pseudolink_pseudonym_hash_extended'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION pseudolink.pseudonym_eq(pseudolink.pseudonym, pseudolink.pseudonym) IS 'implements =';
COMMENT ON FUNCTION pseudolink.pseudonym_ne(pseudolink.pseudonym, pseudolink.pseudonym) IS 'implements <>';
COMMENT ON FUNCTION pseudolink.pseudonym_lt(pseudolink.pseudonym, pseudolink.pseudonym) IS 'implements <';
COMMENT ON FUNCTION pseudolink.pseudonym_le(pseudolink.pseudonym, pseudolink.pseudonym) IS 'implements <=';
COMMENT ON FUNCTION pseudolink.pseudonym_gt(pseudolink.pseudonym, pseudolink.pseudonym) IS 'implements >';
COMMENT ON FUNCTION pseudolink.pseudonym_ge(pseudolink.pseudonym, pseudolink.pseudonym) IS 'implements >=';
COMMENT ON FUNCTION pseudolink.pseudonym_cmp(pseudolink.pseudonym, pseudolink.pseudonym) IS
    'btree support: -1, 0 or 1 (bytewise: kind, then value)';
COMMENT ON FUNCTION pseudolink.pseudonym_sortsupport(internal) IS
    'btree support: fast sorting with abbreviated keys';
COMMENT ON FUNCTION pseudolink.pseudonym_hash(pseudolink.pseudonym) IS 'hash support: 32-bit hash';
COMMENT ON FUNCTION pseudolink.pseudonym_hash_extended(pseudolink.pseudonym, bigint) IS
    'hash support: seeded 64-bit hash (hash partitioning)';

CREATE OPERATOR pseudolink.= (
    LEFTARG = pseudolink.pseudonym, RIGHTARG = pseudolink.pseudonym,
    FUNCTION = pseudolink.pseudonym_eq,
    COMMUTATOR = OPERATOR(pseudolink.=), NEGATOR = OPERATOR(pseudolink.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR pseudolink.<> (
    LEFTARG = pseudolink.pseudonym, RIGHTARG = pseudolink.pseudonym,
    FUNCTION = pseudolink.pseudonym_ne,
    COMMUTATOR = OPERATOR(pseudolink.<>), NEGATOR = OPERATOR(pseudolink.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR pseudolink.< (
    LEFTARG = pseudolink.pseudonym, RIGHTARG = pseudolink.pseudonym,
    FUNCTION = pseudolink.pseudonym_lt,
    COMMUTATOR = OPERATOR(pseudolink.>), NEGATOR = OPERATOR(pseudolink.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR pseudolink.<= (
    LEFTARG = pseudolink.pseudonym, RIGHTARG = pseudolink.pseudonym,
    FUNCTION = pseudolink.pseudonym_le,
    COMMUTATOR = OPERATOR(pseudolink.>=), NEGATOR = OPERATOR(pseudolink.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR pseudolink.> (
    LEFTARG = pseudolink.pseudonym, RIGHTARG = pseudolink.pseudonym,
    FUNCTION = pseudolink.pseudonym_gt,
    COMMUTATOR = OPERATOR(pseudolink.<), NEGATOR = OPERATOR(pseudolink.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR pseudolink.>= (
    LEFTARG = pseudolink.pseudonym, RIGHTARG = pseudolink.pseudonym,
    FUNCTION = pseudolink.pseudonym_ge,
    COMMUTATOR = OPERATOR(pseudolink.<=), NEGATOR = OPERATOR(pseudolink.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON OPERATOR pseudolink.= (pseudolink.pseudonym, pseudolink.pseudonym) IS 'equal';
COMMENT ON OPERATOR pseudolink.<> (pseudolink.pseudonym, pseudolink.pseudonym) IS 'not equal';
COMMENT ON OPERATOR pseudolink.< (pseudolink.pseudonym, pseudolink.pseudonym) IS 'less than (bytewise)';
COMMENT ON OPERATOR pseudolink.<= (pseudolink.pseudonym, pseudolink.pseudonym) IS 'less than or equal (bytewise)';
COMMENT ON OPERATOR pseudolink.> (pseudolink.pseudonym, pseudolink.pseudonym) IS 'greater than (bytewise)';
COMMENT ON OPERATOR pseudolink.>= (pseudolink.pseudonym, pseudolink.pseudonym) IS 'greater than or equal (bytewise)';

CREATE OPERATOR CLASS pseudolink.pseudonym_ops
DEFAULT FOR TYPE pseudolink.pseudonym USING btree AS
    OPERATOR 1 pseudolink.< ,
    OPERATOR 2 pseudolink.<= ,
    OPERATOR 3 pseudolink.= ,
    OPERATOR 4 pseudolink.>= ,
    OPERATOR 5 pseudolink.> ,
    FUNCTION 1 pseudolink.pseudonym_cmp(pseudolink.pseudonym, pseudolink.pseudonym),
    FUNCTION 2 pseudolink.pseudonym_sortsupport(internal),
    FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS pseudolink.pseudonym_hash_ops
DEFAULT FOR TYPE pseudolink.pseudonym USING hash AS
    OPERATOR 1 pseudolink.= ,
    FUNCTION 1 pseudolink.pseudonym_hash(pseudolink.pseudonym),
    FUNCTION 2 pseudolink.pseudonym_hash_extended(pseudolink.pseudonym, bigint);

COMMENT ON OPERATOR CLASS pseudolink.pseudonym_ops USING btree IS
    'btree operator class of pseudonyms: indexes, ORDER BY, merge joins, DISTINCT, GROUP BY (deduplicating)';
COMMENT ON OPERATOR CLASS pseudolink.pseudonym_hash_ops USING hash IS
    'hash operator class of pseudonyms: hash indexes, hash joins, hash aggregation, hash partitioning';

REVOKE ALL ON TYPE pseudolink.pseudonym FROM PUBLIC;
GRANT USAGE ON TYPE pseudolink.pseudonym TO pseudolink_admin, pseudolink_steward,
    pseudolink_registry, pseudolink_reviewer, pseudolink_researcher;

REVOKE ALL ON FUNCTION
    pseudolink.pseudonym_in(cstring), pseudolink.pseudonym_out(pseudolink.pseudonym),
    pseudolink.pseudonym_recv(internal), pseudolink.pseudonym_send(pseudolink.pseudonym),
    pseudolink.pseudonym_kind(pseudolink.pseudonym),
    pseudolink.pseudonym_eq(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_ne(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_lt(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_le(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_gt(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_ge(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_cmp(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_sortsupport(internal),
    pseudolink.pseudonym_hash(pseudolink.pseudonym),
    pseudolink.pseudonym_hash_extended(pseudolink.pseudonym, bigint)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.pseudonym_in(cstring), pseudolink.pseudonym_out(pseudolink.pseudonym),
    pseudolink.pseudonym_recv(internal), pseudolink.pseudonym_send(pseudolink.pseudonym),
    pseudolink.pseudonym_kind(pseudolink.pseudonym),
    pseudolink.pseudonym_eq(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_ne(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_lt(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_le(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_gt(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_ge(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_cmp(pseudolink.pseudonym, pseudolink.pseudonym),
    pseudolink.pseudonym_sortsupport(internal),
    pseudolink.pseudonym_hash(pseudolink.pseudonym),
    pseudolink.pseudonym_hash_extended(pseudolink.pseudonym, bigint)
TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer,
   pseudolink_researcher;
