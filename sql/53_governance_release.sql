-- Loading the source-data store and releasing: exactly the approved
-- columns, project-domain pseudonyms, the requested period, consent.
\set SHOW_CONTEXT never
-- Pseudonyms are compared with their operators, found on the search path.
SET search_path = public, pseudolink;
SELECT project_id AS p1, key_domain AS p1_domain FROM pseudolink.project WHERE cbs_project_number = '8123' \gset
SELECT researcher_id AS res1 FROM pseudolink.researcher WHERE role_name = 'regress_gov_res1' \gset
SELECT request_id AS r1 FROM pseudolink.data_request WHERE status = 'approved' \gset
SELECT request_id AS r2 FROM pseudolink.data_request WHERE status = 'rejected' \gset

-- Loads: registry records are loaded for an approved request.
SET ROLE regress_gov_steward;
SELECT pseudolink.open_source_load('nhr_tavi');
SELECT pseudolink.open_source_load('nhr_tavi', :r2);
\echo :SQLSTATE
SELECT pseudolink.open_source_load('nhr_pci', :r1);
SELECT pseudolink.open_source_load('no_such_source');
SELECT pseudolink.open_source_load('nhr_tavi', :r1, 'linked TAVI records, delivery 1') AS tavi \gset

-- 40 linked records (kind R) and 5 unlinked ones (their person key, kind S);
-- persons 1, 5, 9, ... gave no consent.
INSERT INTO pseudolink.source_row (load_id, source, person, person_key, reference_date, consent, variables)
SELECT :tavi, 'nhr_tavi', pseudolink.pseudonymise('steward', g),
       pseudolink.person_key(date '1935-01-01' + g * 40, (1 + g % 2)::text, (1011 + g)::text || 'AB'),
       date '2016-01-01' + g * 30, g % 4 <> 1,
       jsonb_build_object('procedure_date', date '2016-01-01' + g * 30, 'age_at_procedure', 70 + g % 20,
                          'sex', 1 + g % 2)
FROM generate_series(1, 40) g;
INSERT INTO pseudolink.source_row (load_id, source, person, person_key, reference_date, consent, variables)
SELECT :tavi, 'nhr_tavi', k, k, date '2017-01-01' + g, true,
       jsonb_build_object('procedure_date', date '2017-01-01' + g, 'age_at_procedure', 80, 'sex', 2)
FROM generate_series(41, 45) g,
     LATERAL (SELECT pseudolink.person_key(date '1935-01-01' + g * 40, '2', (1011 + g)::text || 'AB') AS k) x;
-- What the store refuses.
INSERT INTO pseudolink.source_row (load_id, source, person, reference_date, variables)
VALUES (:tavi, 'nhr_tavi', pseudolink.pseudonymise('steward', 1), '2016-01-01', '{"survival_days": 3}');
INSERT INTO pseudolink.source_row (load_id, source, person, reference_date, variables)
VALUES (:tavi, 'nhr_pci', pseudolink.pseudonymise('steward', 1), '2016-01-01', '{}');
INSERT INTO pseudolink.source_row (load_id, source, person, reference_date, variables)
VALUES (:tavi, 'nhr_tavi', pseudolink.pseudonymise('steward', 'text'), '2016-01-01', '{}');
\set VERBOSITY terse
INSERT INTO pseudolink.source_row (load_id, source, person, reference_date, variables)
VALUES (:tavi, 'nhr_tavi', pseudolink.pseudonymise('steward', 1), '2016-01-01', '[1, 2]');
\set VERBOSITY default
UPDATE pseudolink.source_row SET consent = true;
SELECT pseudolink.close_source_load(:tavi) AS tavi_rows;
SELECT pseudolink.close_source_load(:tavi);
INSERT INTO pseudolink.source_row (load_id, source, person, reference_date, variables)
VALUES (:tavi, 'nhr_tavi', pseudolink.pseudonymise('steward', 1), '2016-01-01', '{}');
\echo :SQLSTATE

-- A value that does not read as its type keeps the load open; it is
-- discarded.
SELECT pseudolink.open_source_load('cbs_cause_of_death', NULL, 'a broken delivery') AS broken \gset
INSERT INTO pseudolink.source_row (load_id, source, person, reference_date, variables)
VALUES (:broken, 'cbs_cause_of_death', pseudolink.pseudonymise('steward', 2), '2019-01-01',
        '{"death_date": "31-02-2019", "underlying_cause": "I21"}');
SELECT pseudolink.close_source_load(:broken);
\echo :SQLSTATE
SELECT pseudolink.discard_source_load(:broken) AS discarded_rows;
SELECT pseudolink.discard_source_load(:broken);

-- The statistics office's datasets serve every request: deaths of persons
-- 2, 4, ..., 120, some before the requested period; admissions, not asked for.
SELECT pseudolink.open_source_load('cbs_cause_of_death', NULL, 'deaths 2013-2023') AS deaths \gset
INSERT INTO pseudolink.source_row (load_id, source, person, reference_date, variables)
SELECT :deaths, 'cbs_cause_of_death', pseudolink.pseudonymise('steward', g), d,
       jsonb_build_object('death_date', d, 'underlying_cause', CASE WHEN g % 3 = 0 THEN 'I21' ELSE 'I50' END)
FROM generate_series(2, 120, 2) g, LATERAL (SELECT date '2013-06-01' + g * 40 AS d) x;
SELECT pseudolink.close_source_load(:deaths) AS death_rows;
SELECT pseudolink.open_source_load('cbs_hospital_admissions') AS admissions \gset
INSERT INTO pseudolink.source_row (load_id, source, person, reference_date, variables)
SELECT :admissions, 'cbs_hospital_admissions', pseudolink.pseudonymise('steward', g), date '2019-01-01',
       '{"admission_date": "2019-01-01", "main_diagnosis": "I35.0"}'
FROM generate_series(1, 40) g;
SELECT pseudolink.close_source_load(:admissions) AS admission_rows;
SELECT source, request_id IS NOT NULL AS for_request, row_count, deleted_rows FROM pseudolink.source_load ORDER BY load_id;
RESET ROLE;

-- Only the steward releases, and only after approval.
SET ROLE regress_gov_res1;
SELECT pseudolink.release_request(:r1);
RESET ROLE;
SET ROLE regress_gov_steward;
SELECT pseudolink.release_request(:r2);
\echo :SQLSTATE
SELECT pseudolink.release_request(:r1) AS rel \gset
SELECT status FROM pseudolink.data_request WHERE request_id = :r1;
SELECT key_domain, key_version = (SELECT current_version FROM pseudolink.key_domains WHERE name = key_domain)
           AS current_key_version, status, persons, excluded_objection, excluded_consent, released_by
FROM pseudolink.release WHERE release_id = :rel;
SELECT key_version AS rel_key_version FROM pseudolink.release WHERE release_id = :rel \gset
SELECT source, table_name = format('pseudolink.release_%s_%s', :rel, source) AS named_by_release, variables, row_count
FROM pseudolink.release_table WHERE release_id = :rel ORDER BY source;
RESET ROLE;

-- Exactly the approved columns: person, then the approved variables with
-- their catalogue types (the version asked for); nothing of the store.
SELECT c.table_name, string_agg(c.column_name || ' ' || c.data_type, ', ' ORDER BY c.ordinal_position) AS columns
FROM information_schema.columns c
WHERE c.table_schema = 'pseudolink' AND c.table_name LIKE 'release\_' || :rel || '\_%'
GROUP BY c.table_name ORDER BY c.table_name;
SELECT col_description(format('pseudolink.release_%s_cbs_cause_of_death', :rel)::regclass, 3);
SELECT relname, relrowsecurity, relforcerowsecurity, relacl
FROM pg_class WHERE relname LIKE 'release\_' || :rel || '\_%' ORDER BY relname;
SELECT tablename, policyname, roles, cmd, qual FROM pg_policies
WHERE tablename LIKE 'release\_' || :rel || '\_%' ORDER BY tablename;

-- The persons: every linked and unlinked record of the request (legitimate
-- interest: consent is not asked), their deaths within 2015-2024 only.
\set tavi_table 'pseudolink.release_' :rel '_nhr_tavi'
\set death_table 'pseudolink.release_' :rel '_cbs_cause_of_death'
SELECT pseudolink.pseudonym_kind(person) AS kind, count(*) FROM :tavi_table GROUP BY 1 ORDER BY 1;
SELECT count(*) AS deaths, min(death_date) >= '2015-01-01' AS within_period, max(death_date) <= '2024-12-31' AS until_end
FROM :death_table;
-- Project pseudonyms are the steward pseudonyms derived into the project's
-- domain, and none of them is a steward pseudonym.
SELECT count(*) AS matching_derived FROM :tavi_table t
WHERE t.person IN (SELECT pseudolink.derive(s.person, :'p1_domain', :rel_key_version) FROM pseudolink.source_row s
                   WHERE s.load_id = :tavi);
SELECT count(*) AS steward_pseudonyms_released FROM :tavi_table t
WHERE t.person IN (SELECT s.person FROM pseudolink.source_row s);
-- Deaths are of the cohort, joinable with the registry records in the project.
SELECT count(*) AS deaths_of_tavi_patients FROM :death_table d JOIN :tavi_table t USING (person);
-- Rows are in pseudonym order, not in the order of loading.
SELECT bool_and(person >= lag) AS pseudonym_order FROM (
    SELECT person, lag(person) OVER () FROM :tavi_table) x WHERE lag IS NOT NULL;

-- A function that prints every row it is given, in a WHERE clause: run by a
-- researcher of another project it prints nothing, because row-level
-- security filters before any function that is not LEAKPROOF.
SET ROLE regress_gov_res3;
CREATE FUNCTION pg_temp.show(p pseudolink.pseudonym, age integer) RETURNS boolean
LANGUAGE plpgsql COST 0.0001 AS $$
BEGIN
    RAISE NOTICE 'seen a row%', CASE WHEN p IS NULL THEN '' ELSE ': ' || p::text || ' aged ' || age END;
    RETURN true;
END $$;
SELECT count(*) AS rows_seen FROM :tavi_table WHERE pg_temp.show(person, age_at_procedure);
RESET ROLE;
-- The researcher of the project itself sees its rows (the first two here).
SET ROLE regress_gov_res1;
SELECT count(*) AS rows_seen FROM (SELECT * FROM :tavi_table ORDER BY person LIMIT 2) x
WHERE pg_temp.show(NULL, age_at_procedure);
RESET ROLE;

-- Informed consent: only records with consent recorded, and only the
-- deaths of those persons.
SET ROLE regress_gov_res1;
SELECT pseudolink.submit_request(:p1, 'nhr', 'TAVI with consent', 'Q', 'P', :res1, 'informed_consent',
                                 '2010-01-01', '2024-12-31',
                                 ARRAY['nhr_tavi.age_at_procedure', 'cbs_cause_of_death.death_date']) AS r4 \gset
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.assign_request(:r4, pseudolink.today()) AS reviews;
SELECT pseudolink.review_request(:r4, 'nhr_scientific_council', true) > 0 AS reviewed;
RESET ROLE;
SET ROLE regress_gov_chair;
SELECT pseudolink.review_request(:r4, 'nhr_committee_tavi', true) > 0 AS reviewed;
RESET ROLE;
SET ROLE regress_gov_privacy;
SELECT pseudolink.review_request(:r4, 'nhr_privacy_committee', true) > 0 AS reviewed;
RESET ROLE;
SET ROLE regress_gov_cbs;
SELECT pseudolink.review_request(:r4, 'cbs_purpose_check', true) > 0 AS reviewed;
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.decide_request(:r4, true, '{}', '{"NHR": 1500}');
RESET ROLE;
SET ROLE regress_gov_steward;
SELECT pseudolink.release_request(:r4);
SELECT pseudolink.open_source_load('nhr_tavi', :r4, 'linked TAVI records with consent') AS tavi4 \gset
INSERT INTO pseudolink.source_row (load_id, source, person, person_key, reference_date, consent, variables)
SELECT :tavi4, s.source, s.person, s.person_key, s.reference_date, s.consent, s.variables
FROM pseudolink.source_row s WHERE s.load_id = :tavi;
SELECT pseudolink.close_source_load(:tavi4) AS rows;
SELECT pseudolink.release_request(:r4) AS rel4 \gset
SELECT persons, excluded_objection, excluded_consent FROM pseudolink.release WHERE release_id = :rel4;
SELECT source, variables, row_count FROM pseudolink.release_table WHERE release_id = :rel4 ORDER BY source;
-- A second release of the same request is a release of its own.
SELECT pseudolink.release_request(:r4) - :rel4 AS next_release;
RESET ROLE;
-- The same patients get the same pseudonyms within the project.
\set tavi4_table 'pseudolink.release_' :rel4 '_nhr_tavi'
SELECT count(*) AS in_both_releases FROM (SELECT DISTINCT person FROM :tavi4_table) a
JOIN (SELECT DISTINCT person FROM :tavi_table) b USING (person);

-- No release after the project or its authorisation ended: the institution's
-- authorisation is made to end yesterday (triggers off for that one change).
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE pseudolink.institution_authorisation SET valid_until = pseudolink.today() - 1
WHERE institution_id = (SELECT institution_id FROM pseudolink.project WHERE project_id = :p1)
  AND valid_until >= pseudolink.today();
SET LOCAL session_replication_role = origin;
SET LOCAL ROLE regress_gov_steward;
SELECT pseudolink.release_request(:r1);
\echo :SQLSTATE
ROLLBACK;

-- Release tables are owned by the extension owner; the records never change.
UPDATE pseudolink.release SET key_version = key_version + 1;
DELETE FROM pseudolink.release_table;
