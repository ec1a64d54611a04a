-- Objections: recorded by the registry from identifiers that are never
-- kept, removed from the store and from existing releases, and left out of
-- every later release.
\set SHOW_CONTEXT never
SET search_path = public, pseudolink;
SELECT project_id AS p1 FROM pseudolink.project WHERE cbs_project_number = '8123' \gset
SELECT researcher_id AS res1 FROM pseudolink.researcher WHERE role_name = 'regress_gov_res1' \gset
SELECT min(release_id) AS rel, max(release_id) AS rel_last FROM pseudolink.release \gset
SELECT request_id AS r1 FROM pseudolink.release WHERE release_id = :rel \gset

-- Only a role acting for the registry records an objection.
SET ROLE regress_gov_steward;
SELECT pseudolink.record_objection('nhr', '1935-05-11', '2', '1013AB');
\echo :SQLSTATE
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.record_objection('nhr', '1935-05-11', '2', '1013AB');
\echo :SQLSTATE
RESET ROLE;

SET ROLE regress_gov_registry;
-- The identifiers must find records; messages never repeat them.
SELECT pseudolink.record_objection('nhr', '1935-05-11', 'onbekend', '1013AB');
SELECT pseudolink.record_objection('nhr', '1935-05-11', '2', '0000');
SELECT pseudolink.record_objection('nhr', '1935-05-11', '2', '-1');
SELECT pseudolink.record_objection('nhr', '1935-05-11', 'X', '1013AB');
SELECT pseudolink.record_objection('nhr', '1935-05-11', '2', '1013 SS');
SELECT pseudolink.record_objection('nhr', NULL, '2', '1013AB');

-- Patient 2 of the TAVI records (linked): born 1935-01-01 + 80 days, sex 1
-- (as 1 + 2 % 2), postcode 1013AB; written the way a registry might.
SELECT pseudolink.record_objection('nhr', date '1935-01-01' + 80, 'M', '1013 ab') AS o1 \gset
SELECT objection_id = :o1 AS receipt, registry, recorded_by, removed_source_rows, removed_release_rows,
       releases_affected, resolved_at
FROM pseudolink.objection;
SELECT person_key FROM pseudolink.objection;
-- Unlinked patient 43 (kind S): born 1935-01-01 + 1720 days, woman, 1054AB.
SELECT pseudolink.record_objection('nhr', date '1935-01-01' + 1720, 'vrouw', '1054AB') AS o2 \gset
-- Recording the same objection again gives the same receipt.
SELECT pseudolink.record_objection('nhr', date '1935-01-01' + 80, '1', '1013AB') = :o1 AS same_receipt;
SELECT objection_id - :o1 AS objection, removed_source_rows, removed_release_rows, releases_affected
FROM pseudolink.objection ORDER BY objection_id;
RESET ROLE;

-- Gone from the store (registry records only; the deaths stay, they are
-- the statistics office's) and from every release table.
SELECT count(*) FILTER (WHERE s.person = pseudolink.pseudonymise('steward', 2)) AS person_2_rows,
       count(*) FILTER (WHERE pseudolink.pseudonym_kind(s.person) = 'S') AS unlinked_rows
FROM pseudolink.source_row s JOIN pseudolink.catalogue_source c USING (source) WHERE c.registry = 'nhr';
SELECT count(*) AS person_2_deaths FROM pseudolink.source_row
WHERE source = 'cbs_cause_of_death' AND person = pseudolink.pseudonymise('steward', 2);
SELECT t.release_id - :rel AS release, t.source, t.row_count AS released,
       (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %s', t.table_name), false, true, '')))[1]::text::int
           AS now
FROM pseudolink.release_table t WHERE t.dropped_at IS NULL ORDER BY t.release_id, t.source;
-- The person's project pseudonym is in no release table any more.
\set death_table 'pseudolink.release_' :rel '_cbs_cause_of_death'
SELECT count(*) AS person_2_released FROM :death_table
WHERE person = (SELECT pseudolink.derive(pseudolink.pseudonymise('steward', 2), key_domain, key_version)
                FROM pseudolink.release WHERE release_id = :rel);

-- A later release leaves both out and counts them.
SET ROLE regress_gov_steward;
SELECT pseudolink.release_request(:r1) AS rel_new \gset
SELECT persons, excluded_objection, excluded_consent FROM pseudolink.release WHERE release_id = :rel_new;
SELECT source, row_count FROM pseudolink.release_table WHERE release_id = :rel_new ORDER BY source;
RESET ROLE;

-- A registry reads its receipts, not the pseudonyms.
SET ROLE regress_gov_registry;
SELECT objection_id - :o1 AS objection, removed_source_rows FROM pseudolink.objection ORDER BY 1;
SELECT person_key FROM pseudolink.objection;
RESET ROLE;

-- Objections are permanent; the pipeline fills in the register person once.
UPDATE pseudolink.objection SET person_key = person_key WHERE objection_id = :o1;
UPDATE pseudolink.objection SET removed_release_rows = 0 WHERE objection_id = :o1;
DELETE FROM pseudolink.objection;
UPDATE pseudolink.objection SET person = pseudolink.pseudonymise('steward', 2), resolved_at = now()
WHERE objection_id = :o1;
UPDATE pseudolink.objection SET person = pseudolink.pseudonymise('steward', 3) WHERE objection_id = :o1;
\set VERBOSITY terse
UPDATE pseudolink.objection SET person = person_key, resolved_at = now() WHERE objection_id = :o2;
\set VERBOSITY default

-- The audit log names the objection and counts, never identifiers.
SELECT action, details FROM pseudolink.audit_log WHERE action = 'objection.apply' ORDER BY seq;
SELECT count(*) AS audit_rows_with_identifiers FROM pseudolink.audit_log
WHERE details::text ~ '1935|1013|1054' OR object_id ~ '1935|1013|1054';
