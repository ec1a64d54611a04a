-- Foundation: schema, roles and the privileges every later part builds on.
BEGIN;
SELECT plan(9);

SELECT has_schema('pseudolink');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'pseudolink'), '0.1.0',
          'the extension is at version 0.1.0');

SELECT is(
    (SELECT count(*)::int FROM pg_roles
     WHERE rolname IN ('pseudolink_admin', 'pseudolink_steward', 'pseudolink_registry',
                       'pseudolink_reviewer', 'pseudolink_researcher')
       AND NOT rolcanlogin AND NOT rolsuper AND NOT rolbypassrls),
    5, 'the five group roles exist, NOLOGIN, without superuser or BYPASSRLS');

SELECT ok(NOT has_schema_privilege('public', 'pseudolink', 'USAGE'),
          'PUBLIC has no USAGE on the pseudolink schema');
SELECT ok(NOT has_schema_privilege('pseudolink_steward', 'pseudolink', 'CREATE'),
          'the steward cannot create objects in the pseudolink schema');

CREATE ROLE tap_outsider LOGIN;
SELECT throws_ok(
    $$ SELECT run_as('tap_outsider', 'SELECT pseudolink.library_version()') $$,
    '42501', NULL, 'a role outside pseudolink cannot use the schema');
SELECT is(current_user, 'postgres'::name, 'run_as returns to the caller after an error');

CREATE ROLE tap_researcher LOGIN IN ROLE pseudolink_researcher;
SELECT is(query_as('tap_researcher', 'SELECT pseudolink.library_version()'),
          ARRAY['(0.1.0)'], 'a member of a pseudolink role can use the schema');
SELECT throws_ok(
    $$ SELECT run_as('tap_researcher', 'CREATE TABLE pseudolink.intruder (x int)') $$,
    '42501', NULL, 'a researcher cannot create objects in the pseudolink schema');

SELECT * FROM finish();
ROLLBACK;
