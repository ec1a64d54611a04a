-- Making pseudonyms (src/pseudonym.c): pseudonymise() from a register person
-- id (kind R) or a text value (kind T), person_key() from identifiers (kind
-- S), derive() from one domain into another (keeps the kind).  The exact
-- construction is in doc/pseudonyms.md.
--
-- STABLE, not IMMUTABLE: they read the root key (configuration a superuser
-- may change with SET) and the key domain tables.  STRICT: NULL gives NULL.
-- PARALLEL SAFE: every worker reads the key and the domain versions itself.
--
-- Only the steward may make pseudonyms: anyone who can compute the
-- pseudonym of a chosen value can re-identify pseudonyms by trying values
-- (a birth date, sex and postcode have few possible values).  Procedures of
-- other roles that need pseudonyms are SECURITY DEFINER.

CREATE FUNCTION pseudolink.pseudonymise(domain text, value bigint)
RETURNS pseudolink.pseudonym
AS 'MODULE_PATHNAME', 'pseudolink_pseudonymise_int8'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.pseudonymise(text, bigint) IS
    'R-kind pseudonym of a register person id in a key domain, at the domain''s current key version';

CREATE FUNCTION pseudolink.pseudonymise(domain text, value bigint, key_version integer)
RETURNS pseudolink.pseudonym
AS 'MODULE_PATHNAME', 'pseudolink_pseudonymise_int8'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.pseudonymise(text, bigint, integer) IS
    'R-kind pseudonym of a register person id in a key domain at a given (not retired) key version, for mapping old pseudonyms to new ones after a rotation';

CREATE FUNCTION pseudolink.pseudonymise(domain text, value text)
RETURNS pseudolink.pseudonym
AS 'MODULE_PATHNAME', 'pseudolink_pseudonymise_text'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.pseudonymise(text, text) IS
    'T-kind pseudonym of a text value (UTF-8, Unicode NFC, 1-256 bytes, no other normalisation) in a key domain, at the domain''s current key version';

CREATE FUNCTION pseudolink.pseudonymise(domain text, value text, key_version integer)
RETURNS pseudolink.pseudonym
AS 'MODULE_PATHNAME', 'pseudolink_pseudonymise_text'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.pseudonymise(text, text, integer) IS
    'T-kind pseudonym of a text value in a key domain at a given (not retired) key version';

CREATE FUNCTION pseudolink.derive(p pseudolink.pseudonym, domain text)
RETURNS pseudolink.pseudonym
AS 'MODULE_PATHNAME', 'pseudolink_derive'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.derive(pseudolink.pseudonym, text) IS
    'the pseudonym of p in another key domain (a project), of the same kind, at that domain''s current key version; one-way: without the key nothing leads back to p';

CREATE FUNCTION pseudolink.derive(p pseudolink.pseudonym, domain text, key_version integer)
RETURNS pseudolink.pseudonym
AS 'MODULE_PATHNAME', 'pseudolink_derive'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.derive(pseudolink.pseudonym, text, integer) IS
    'the pseudonym of p in another key domain at a given (not retired) key version';

CREATE FUNCTION pseudolink.person_key(birth_date date, sex text, postcode text)
RETURNS pseudolink.pseudonym
AS 'MODULE_PATHNAME', 'pseudolink_person_key'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.person_key(date, text, text) IS
    'S-kind pseudonym of a person''s birth date, sex and postcode (normalised first) in the steward domain; NULL when sex or postcode is unknown or the postcode is abroad';

REVOKE ALL ON FUNCTION
    pseudolink.pseudonymise(text, bigint), pseudolink.pseudonymise(text, bigint, integer),
    pseudolink.pseudonymise(text, text), pseudolink.pseudonymise(text, text, integer),
    pseudolink.derive(pseudolink.pseudonym, text),
    pseudolink.derive(pseudolink.pseudonym, text, integer),
    pseudolink.person_key(date, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.pseudonymise(text, bigint), pseudolink.pseudonymise(text, bigint, integer),
    pseudolink.pseudonymise(text, text), pseudolink.pseudonymise(text, text, integer),
    pseudolink.derive(pseudolink.pseudonym, text),
    pseudolink.derive(pseudolink.pseudonym, text, integer),
    pseudolink.person_key(date, text, text)
TO pseudolink_steward;
