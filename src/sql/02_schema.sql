-- The extension's schema and the objects every other part relies on.

COMMENT ON EXTENSION pseudolink IS
    'keyed pseudonymisation, probabilistic record linkage and governed data release';

COMMENT ON SCHEMA pseudolink IS
    'pseudolink: pseudonyms, comparators, match scoring, blocking, linkage and release governance';

-- Nobody but the owner may create objects here; every role may look up names
-- (what it may then use is granted object by object).
REVOKE ALL ON SCHEMA pseudolink FROM PUBLIC;
GRANT USAGE ON SCHEMA pseudolink TO pseudolink_admin, pseudolink_steward,
    pseudolink_registry, pseudolink_reviewer, pseudolink_researcher;

CREATE FUNCTION pseudolink.library_version()
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_library_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.library_version() IS
    'version of the loaded shared library; differs from the extension version after a binary upgrade without ALTER EXTENSION UPDATE';
