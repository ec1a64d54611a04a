-- Key domains and versions: creating domains, the rotation procedure, retiring
-- versions, and the rules that keep existing pseudonyms reproducible.
SET search_path = pseudolink, public;
SET pseudolink.key_file = 'pseudolink_test.key';

-- Creating domains.
SELECT create_domain('rotation-test', 'rotation procedure of doc/pseudonyms.md');
SELECT create_domain('rotation-test');
SELECT create_domain('Rotation');
SELECT create_domain(NULL);
SELECT create_domain('v0', '', 0);
SELECT create_domain('v3', '', 3);
SELECT name, description, current_version, usable_versions, retired_versions
FROM key_domains WHERE name IN ('steward', 'rotation-test') ORDER BY name;

-- The rotation procedure (doc/pseudonyms.md).  Person pseudonyms derive from
-- the register's person id, so they can be mapped to a new key version
-- after the identifiers are gone.
CREATE TEMP TABLE person AS
SELECT g AS person_id, pseudonymise('rotation-test', g) AS p FROM generate_series(1, 1000) g;
CREATE TEMP TABLE released AS SELECT derive(p, 'project-1') AS p FROM person;
-- 1. Add the new version (a root key for it must be in the key source).
SELECT rotate_domain('rotation-test');
-- 2. Map old to new pseudonyms, from the person ids.
CREATE TEMP TABLE rotation_map AS
SELECT pseudonymise('rotation-test', person_id, 1) AS old_p,
       pseudonymise('rotation-test', person_id) AS new_p
FROM person;
SELECT count(*) AS persons,
       count(*) FILTER (WHERE m.old_p = p.p) AS old_matches_stored,
       count(*) FILTER (WHERE m.new_p <> m.old_p) AS new_differs,
       count(DISTINCT m.new_p) AS new_distinct
FROM person p JOIN rotation_map m ON m.old_p = p.p;
-- 3. Replace stored pseudonyms.
UPDATE person SET p = m.new_p FROM rotation_map m WHERE person.p = m.old_p;
SELECT count(*) AS now_current FROM person WHERE p = pseudonymise('rotation-test', person_id);
-- Pseudonyms released to a project map the same way, through derive.
SELECT count(*) AS released_mapped
FROM released r
JOIN rotation_map m ON r.p = derive(m.old_p, 'project-1');
-- 4. Retire the old version once nothing needs it.
SELECT retire_key_version('rotation-test', 1);
SELECT pseudonymise('rotation-test', 1, 1);
SELECT pseudonymise('rotation-test', 1) = p AS current_still_works FROM person WHERE person_id = 1;
SELECT name, current_version, usable_versions, retired_versions
FROM key_domains WHERE name = 'rotation-test';

-- Rotation and retirement errors.
SELECT rotate_domain('no-such-domain');
SELECT rotate_domain('rotation-test', 2);
SELECT rotate_domain('rotation-test', 3);
SELECT retire_key_version('no-such-domain', 1);
SELECT retire_key_version('rotation-test', 7);
SELECT retire_key_version('rotation-test', 2);
SELECT retire_key_version('rotation-test', 1);

-- A rotation in this session reaches subkeys that a call site has cached.
CREATE FUNCTION pg_temp.pseudonym_of(id bigint) RETURNS pseudolink.pseudonym
LANGUAGE plpgsql AS $$ BEGIN RETURN pseudolink.pseudonymise('project-2', id); END $$;
BEGIN;
CREATE TEMP TABLE seen AS SELECT pg_temp.pseudonym_of(1) AS before;
SELECT rotate_domain('project-2');
SELECT before <> pg_temp.pseudonym_of(1) AS changed,
       pg_temp.pseudonym_of(1) = pseudonymise('project-2', 1, 2) AS is_version_2
FROM seen;
ROLLBACK;

-- The tables are append-only; only a description may be edited.
UPDATE key_domain SET description = 'rotated once' WHERE name = 'rotation-test';
UPDATE key_domain SET name = 'renamed' WHERE name = 'rotation-test';
UPDATE key_version SET version = 9 WHERE domain = 'rotation-test';
DELETE FROM key_version_retired;
DELETE FROM key_domain WHERE name = 'rotation-test';
TRUNCATE key_version_retired;

-- pg_dump keeps the domains: they are extension configuration, without the
-- rows that CREATE EXTENSION makes itself.
SELECT c.relname, x.condition
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(oid, condition)
JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'pseudolink' AND c.relname LIKE 'key%' ORDER BY 1;

RESET pseudolink.key_file;
RESET search_path;
