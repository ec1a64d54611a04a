-- Roles: NOLOGIN group roles; people and services are made members of them.
--
-- Roles belong to the cluster, not to a database, so they are created only
-- when missing and are not members of the extension: DROP EXTENSION leaves
-- them (and their grants elsewhere) in place, and pg_dump does not dump them
-- (pg_dumpall --roles-only does).  A role of the same name that is not
-- NOLOGIN would be a privilege-escalation trap, so that is refused.

DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['pseudolink_admin', 'pseudolink_steward',
                             'pseudolink_registry', 'pseudolink_reviewer',
                             'pseudolink_researcher']
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        ELSIF EXISTS (SELECT FROM pg_catalog.pg_roles
                      WHERE rolname OPERATOR(pg_catalog.=) r
                        AND (rolcanlogin OR rolsuper OR rolbypassrls)) THEN
            RAISE EXCEPTION 'role "%" exists and can log in, is a superuser or bypasses row-level security', r
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'pseudolink uses this name for a NOLOGIN group role; rename or alter the existing role first.';
        END IF;
    END LOOP;
END
$roles$;

COMMENT ON ROLE pseudolink_admin IS
    'pseudolink: configures keys and models and manages roles; no access to released data';
COMMENT ON ROLE pseudolink_steward IS
    'pseudolink: the linkage unit; loads the register, pseudonymises, links and releases; the only role that sees identifiers';
COMMENT ON ROLE pseudolink_registry IS
    'pseudolink: a registry data manager; uploads batches and objections, reads its own receipts';
COMMENT ON ROLE pseudolink_reviewer IS
    'pseudolink: records decisions on data requests assigned to its board';
COMMENT ON ROLE pseudolink_researcher IS
    'pseudolink: submits requests and reads released data of its own active projects';
