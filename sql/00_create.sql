-- The suite starts from an empty database: create the extension from scratch.
CREATE EXTENSION pseudolink;

SELECT extname, extversion, extrelocatable, extnamespace::regnamespace
FROM pg_extension WHERE extname = 'pseudolink';

SELECT obj_description(oid, 'pg_extension') FROM pg_extension WHERE extname = 'pseudolink';

-- The shared library and the SQL objects agree on the version.
SELECT pseudolink.library_version() = extversion AS versions_agree
FROM pg_extension WHERE extname = 'pseudolink';

-- The group roles exist and cannot log in.
SELECT rolname, rolcanlogin, rolsuper, rolbypassrls
FROM pg_roles WHERE rolname LIKE 'pseudolink\_%' ORDER BY rolname;

-- The extension cannot be moved to another schema.
CREATE SCHEMA elsewhere;
ALTER EXTENSION pseudolink SET SCHEMA elsewhere;
DROP SCHEMA elsewhere;
