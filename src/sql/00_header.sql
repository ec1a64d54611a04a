-- pseudolink install script, assembled by the Makefile from src/sql/*.sql in
-- name order.  Edit the parts in src/sql/, never the assembled file.
--
-- Every object is created schema-qualified in the extension's fixed schema
-- (pseudolink); bodies refer to pg_catalog objects explicitly so that nothing
-- an unprivileged user puts on the search_path can capture a call.

\echo Use "CREATE EXTENSION pseudolink" to load this file. \quit
