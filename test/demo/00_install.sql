\pset footer off
\echo 'Create the extension in a fresh database:'
CREATE EXTENSION pseudolink;
\echo
\echo 'What is installed:'
SELECT extname AS extension, extversion AS version, pseudolink.library_version() AS library,
       obj_description(oid, 'pg_extension') AS description
FROM pg_extension WHERE extname = 'pseudolink';
\echo 'The roles people and services are made members of:'
SELECT rolname AS role, shobj_description(oid, 'pg_authid') AS may
FROM pg_roles WHERE rolname LIKE 'pseudolink\_%' ORDER BY rolname;
\echo 'The functions of the pseudolink schema:'
SELECT p.oid::regprocedure AS function, obj_description(p.oid, 'pg_proc') AS description
FROM pg_proc p WHERE p.pronamespace = 'pseudolink'::regnamespace ORDER BY 1::text;
