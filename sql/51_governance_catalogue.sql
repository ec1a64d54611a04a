-- The variable catalogue: shipped sources and variables, new versions,
-- coverage, references, and the rule that a definition never changes.
\set SHOW_CONTEXT never

SELECT source, supplier, registry, committee FROM pseudolink.catalogue_source ORDER BY registry NULLS LAST, source;
SELECT source, count(*) AS variables FROM pseudolink.catalogue_variable GROUP BY source ORDER BY source;
SELECT board, kind, registry FROM pseudolink.board ORDER BY registry NULLS LAST, kind, board;
SELECT source, name, version, current, data_type, covered_from, covered_to
FROM pseudolink.catalogue WHERE source = 'cbs_cause_of_death' ORDER BY name;

-- References: source.name (the current version) or source.name@version.
SELECT * FROM pseudolink.catalogue_entry('cbs_cause_of_death.death_date');
SELECT * FROM pseudolink.catalogue_entry('cbs_cause_of_death.death_date@1');
SELECT * FROM pseudolink.catalogue_entry('cbs_cause_of_death.death_date@2');
SELECT * FROM pseudolink.catalogue_entry('cbs_cause_of_death.no_such_variable');
SELECT * FROM pseudolink.catalogue_entry('death_date');
SELECT * FROM pseudolink.catalogue_entry('CBS.Death Date');

-- The steward maintains the catalogue: a changed definition is a new version.
SET ROLE regress_gov_steward;
SELECT pseudolink.add_catalogue_variable('cbs_cause_of_death', 'underlying_cause', 'text',
                                         'underlying cause of death, ICD-10 three characters', 'ICD-10 (3)')
    AS new_version;
SELECT pseudolink.add_catalogue_variable('cbs_medication', 'ddd', 'numeric', 'defined daily doses dispensed in the year')
    AS first_version;
SELECT pseudolink.add_catalogue_variable('no_such_source', 'x', 'text', 'x');
\set VERBOSITY terse
SELECT pseudolink.add_catalogue_variable('cbs_medication', 'person', 'text', 'the person');
SELECT pseudolink.add_catalogue_variable('cbs_medication', 'price', 'money', 'price paid');
SELECT pseudolink.add_catalogue_variable('cbs_medication', 'Price', 'numeric', 'price paid');
SELECT pseudolink.add_catalogue_variable('cbs_medication', 'price', 'numeric', '');
\set VERBOSITY default
SELECT * FROM pseudolink.catalogue_entry('cbs_cause_of_death.underlying_cause');
SELECT pseudolink.add_catalogue_source('cbs_perinatal', 'CBS perinatal registry', 'Perined', NULL, NULL,
                                       'one row per birth');
SELECT pseudolink.add_catalogue_source('nhr_icd', 'NHR ICD implantations', 'NHR', 'nhr', 'cbs_purpose_check');
SELECT pseudolink.add_catalogue_source('nhr_icd', 'NHR ICD implantations', 'NHR', 'nhr', NULL);

-- Coverage as deliveries arrive; the latest record holds.
SELECT pseudolink.record_coverage('cbs_cause_of_death', 'death_date', '2013-01-01', '2022-12-31');
SELECT pseudolink.record_coverage('cbs_cause_of_death', 'death_date', '2013-01-01', '2023-12-31');
SELECT pseudolink.record_coverage('cbs_cause_of_death', 'underlying_cause', '2013-01-01', '2023-12-31', 1);
SELECT pseudolink.record_coverage('cbs_cause_of_death', 'underlying_cause', '2013-01-01', '2023-12-31');
SELECT pseudolink.record_coverage('nhr_tavi', 'procedure_date', '2010-01-01', '2024-12-31');
SELECT pseudolink.record_coverage('nhr_tavi', 'age_at_procedure', '2010-01-01', '2024-12-31');
SELECT pseudolink.record_coverage('nhr_tavi', 'sex', '2010-01-01', '2024-12-31');
SELECT pseudolink.record_coverage('nhr_pci', 'urgency', '2010-01-01', '2024-12-31', 7);
\set VERBOSITY terse
SELECT pseudolink.record_coverage('nhr_pci', 'urgency', '2024-01-01', '2023-12-31');
\set VERBOSITY default
RESET ROLE;
SELECT source, name, version, current, covered_from, covered_to
FROM pseudolink.catalogue WHERE source IN ('cbs_cause_of_death', 'nhr_tavi') ORDER BY source, name, version;

-- Researchers read the catalogue but do not write it.
SET ROLE regress_gov_res1;
SELECT count(*) > 20 AS reads_catalogue FROM pseudolink.catalogue;
SELECT pseudolink.add_catalogue_variable('cbs_medication', 'price', 'numeric', 'price paid');
RESET ROLE;

-- Definitions and coverage records never change, for the owner too.
UPDATE pseudolink.catalogue_variable SET definition = 'something else'
WHERE source = 'cbs_cause_of_death' AND name = 'death_date';
DELETE FROM pseudolink.catalogue_coverage;
TRUNCATE pseudolink.catalogue_source CASCADE;
UPDATE pseudolink.board SET title = 'renamed' WHERE board = 'cbs_purpose_check';
