-- The variable catalogue: registries, their boards, the data sources and
-- every releasable variable with its definition, type, version and
-- coverage period.  Requests, approvals and releases name catalogue
-- entries, so that a released column always means what the catalogue says:
-- a definition never changes once written (a new definition is a new
-- version), and a request records the version it asked for.
--
-- Every source is keyed by the person pseudonym: registry sources by the
-- linked person (kind R) or the record's own person key (kind S), the
-- statistics office's datasets by the register person (kind R).
--
-- The install script ships the Netherlands Heart Registration (NHR), its
-- boards, three of its registries and four datasets of Statistics
-- Netherlands (CBS).  Shipped rows carry shipped = true and are left out of
-- pg_dump (CREATE EXTENSION makes them again on restore); they are
-- immutable like every catalogue row.  Coverage periods are not shipped:
-- what a delivery covers is recorded by the steward (record_coverage) when
-- the data arrive, usually about a year after the period they describe.

CREATE TABLE pseudolink.registry (
    registry text    NOT NULL,
    title    text    NOT NULL,
    shipped  boolean NOT NULL DEFAULT false,
    CONSTRAINT registry_pkey PRIMARY KEY (registry),
    CONSTRAINT registry_name_valid CHECK (registry ~ '^[a-z][a-z0-9_]{0,30}$'),
    CONSTRAINT registry_title_not_empty CHECK (title <> '')
);

COMMENT ON TABLE pseudolink.registry IS
    'quality registries that send data requests to their boards and records to the linkage unit';
COMMENT ON COLUMN pseudolink.registry.registry IS 'short name: a-z, 0-9 and _, starting with a letter';
COMMENT ON COLUMN pseudolink.registry.title IS 'full name';
COMMENT ON COLUMN pseudolink.registry.shipped IS 'made by the install script (left out of pg_dump)';
COMMENT ON CONSTRAINT registry_pkey ON pseudolink.registry IS 'a registry is named once';
COMMENT ON CONSTRAINT registry_name_valid ON pseudolink.registry IS 'short names are simple identifiers';
COMMENT ON CONSTRAINT registry_title_not_empty ON pseudolink.registry IS 'a registry has a title';

CREATE TABLE pseudolink.board (
    board    text    NOT NULL,
    kind     text    NOT NULL,
    registry text,
    title    text    NOT NULL,
    shipped  boolean NOT NULL DEFAULT false,
    CONSTRAINT board_pkey PRIMARY KEY (board),
    CONSTRAINT board_registry_fkey FOREIGN KEY (registry) REFERENCES pseudolink.registry (registry),
    CONSTRAINT board_name_valid CHECK (board ~ '^[a-z][a-z0-9_]{0,40}$'),
    CONSTRAINT board_kind_valid CHECK (kind IN ('scientific_council', 'registry_committee',
                                                'privacy_committee', 'purpose_check')),
    CONSTRAINT board_registry_matches_kind CHECK ((registry IS NULL) = (kind = 'purpose_check')),
    CONSTRAINT board_title_not_empty CHECK (title <> '')
);

COMMENT ON TABLE pseudolink.board IS
    'boards that review data requests: a registry''s scientific council, its registry committees and privacy committee, and the statistics office''s purpose check';
COMMENT ON COLUMN pseudolink.board.board IS 'short name';
COMMENT ON COLUMN pseudolink.board.kind IS
    'scientific_council (reviews every request, on its meeting dates, and decides), registry_committee (its chair is consulted when one of its registries is requested), privacy_committee (reviews linkage with an external source), purpose_check (the statistics office checks the request against the CBS project)';
COMMENT ON COLUMN pseudolink.board.registry IS 'the registry the board belongs to; null for the purpose check';
COMMENT ON COLUMN pseudolink.board.title IS 'full name';
COMMENT ON COLUMN pseudolink.board.shipped IS 'made by the install script (left out of pg_dump)';
COMMENT ON CONSTRAINT board_pkey ON pseudolink.board IS 'a board is named once';
COMMENT ON CONSTRAINT board_registry_fkey ON pseudolink.board IS 'a registry board belongs to a known registry';
COMMENT ON CONSTRAINT board_name_valid ON pseudolink.board IS 'short names are simple identifiers';
COMMENT ON CONSTRAINT board_kind_valid ON pseudolink.board IS 'the four kinds of review';
COMMENT ON CONSTRAINT board_registry_matches_kind ON pseudolink.board IS
    'registry boards name their registry; the statistics office''s purpose check names none';
COMMENT ON CONSTRAINT board_title_not_empty ON pseudolink.board IS 'a board has a title';

-- One council, one privacy committee per registry; one purpose check.
CREATE UNIQUE INDEX board_one_council ON pseudolink.board (registry) WHERE kind = 'scientific_council';
CREATE UNIQUE INDEX board_one_privacy_committee ON pseudolink.board (registry) WHERE kind = 'privacy_committee';
CREATE UNIQUE INDEX board_one_purpose_check ON pseudolink.board ((true)) WHERE kind = 'purpose_check';
COMMENT ON INDEX pseudolink.board_one_council IS 'a registry has one scientific council';
COMMENT ON INDEX pseudolink.board_one_privacy_committee IS 'a registry has one privacy committee';
COMMENT ON INDEX pseudolink.board_one_purpose_check IS 'there is one purpose check';

CREATE TABLE pseudolink.catalogue_source (
    source      text    NOT NULL,
    title       text    NOT NULL,
    supplier    text    NOT NULL,
    registry    text,
    committee   text,
    description text    NOT NULL DEFAULT '',
    shipped     boolean NOT NULL DEFAULT false,
    CONSTRAINT catalogue_source_pkey PRIMARY KEY (source),
    CONSTRAINT catalogue_source_registry_fkey FOREIGN KEY (registry) REFERENCES pseudolink.registry (registry),
    CONSTRAINT catalogue_source_committee_fkey FOREIGN KEY (committee) REFERENCES pseudolink.board (board),
    CONSTRAINT catalogue_source_name_valid CHECK (source ~ '^[a-z][a-z0-9_]{0,40}$'),
    CONSTRAINT catalogue_source_title_not_empty CHECK (title <> ''),
    CONSTRAINT catalogue_source_supplier_not_empty CHECK (supplier <> ''),
    CONSTRAINT catalogue_source_committee_for_registry CHECK ((registry IS NULL) = (committee IS NULL))
);

COMMENT ON TABLE pseudolink.catalogue_source IS
    'data sources: a registry''s records (linked to persons) or a dataset of the statistics office, each keyed by the person pseudonym';
COMMENT ON COLUMN pseudolink.catalogue_source.source IS
    'short name; also part of the name of each release table of the source';
COMMENT ON COLUMN pseudolink.catalogue_source.title IS 'full name';
COMMENT ON COLUMN pseudolink.catalogue_source.supplier IS 'who supplies the data (NHR, CBS, ...)';
COMMENT ON COLUMN pseudolink.catalogue_source.registry IS
    'for a registry source, its registry; null for an external dataset (linking one needs the privacy committee)';
COMMENT ON COLUMN pseudolink.catalogue_source.committee IS
    'for a registry source, the registry committee whose chair is consulted';
COMMENT ON COLUMN pseudolink.catalogue_source.description IS 'what the source holds, one row per what';
COMMENT ON COLUMN pseudolink.catalogue_source.shipped IS 'made by the install script (left out of pg_dump)';
COMMENT ON CONSTRAINT catalogue_source_pkey ON pseudolink.catalogue_source IS 'a source is named once';
COMMENT ON CONSTRAINT catalogue_source_registry_fkey ON pseudolink.catalogue_source IS 'a registry source belongs to a known registry';
COMMENT ON CONSTRAINT catalogue_source_committee_fkey ON pseudolink.catalogue_source IS 'the committee is a known board';
COMMENT ON CONSTRAINT catalogue_source_name_valid ON pseudolink.catalogue_source IS 'short names are simple identifiers';
COMMENT ON CONSTRAINT catalogue_source_title_not_empty ON pseudolink.catalogue_source IS 'a source has a title';
COMMENT ON CONSTRAINT catalogue_source_supplier_not_empty ON pseudolink.catalogue_source IS 'a source has a supplier';
COMMENT ON CONSTRAINT catalogue_source_committee_for_registry ON pseudolink.catalogue_source IS
    'a registry source names the committee consulted about it; an external dataset names none';

CREATE TABLE pseudolink.catalogue_variable (
    source     text        NOT NULL,
    name       text        NOT NULL,
    version    integer     NOT NULL,
    data_type  text        NOT NULL,
    definition text        NOT NULL,
    codes      text,
    added_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    added_by   name        NOT NULL DEFAULT session_user,
    shipped    boolean     NOT NULL DEFAULT false,
    CONSTRAINT catalogue_variable_pkey PRIMARY KEY (source, name, version),
    CONSTRAINT catalogue_variable_source_fkey FOREIGN KEY (source) REFERENCES pseudolink.catalogue_source (source),
    CONSTRAINT catalogue_variable_name_valid CHECK (name ~ '^[a-z][a-z0-9_]{0,50}$' AND name <> 'person'),
    CONSTRAINT catalogue_variable_version_positive CHECK (version >= 1),
    CONSTRAINT catalogue_variable_type_valid CHECK (data_type IN ('boolean', 'smallint', 'integer', 'bigint',
                                                                  'numeric', 'text', 'date')),
    CONSTRAINT catalogue_variable_definition_not_empty CHECK (definition <> '')
);

COMMENT ON TABLE pseudolink.catalogue_variable IS
    'releasable variables: a standard definition per source, name and version; a changed definition is a new version';
COMMENT ON COLUMN pseudolink.catalogue_variable.source IS 'the source the variable comes from';
COMMENT ON COLUMN pseudolink.catalogue_variable.name IS
    'name, also the column name in releases and the key in pseudolink.source_row.variables; not "person"';
COMMENT ON COLUMN pseudolink.catalogue_variable.version IS 'definition version, 1, 2, ...; the highest is current';
COMMENT ON COLUMN pseudolink.catalogue_variable.data_type IS
    'SQL type of the released column: boolean, smallint, integer, bigint, numeric, text or date';
COMMENT ON COLUMN pseudolink.catalogue_variable.definition IS 'what the value means, harmonised across projects';
COMMENT ON COLUMN pseudolink.catalogue_variable.codes IS 'code list, classification or unit, where there is one';
COMMENT ON COLUMN pseudolink.catalogue_variable.added_at IS 'when the version was added';
COMMENT ON COLUMN pseudolink.catalogue_variable.added_by IS 'session user that added it';
COMMENT ON COLUMN pseudolink.catalogue_variable.shipped IS 'made by the install script (left out of pg_dump)';
COMMENT ON CONSTRAINT catalogue_variable_pkey ON pseudolink.catalogue_variable IS 'one definition per source, name and version';
COMMENT ON CONSTRAINT catalogue_variable_source_fkey ON pseudolink.catalogue_variable IS 'a variable belongs to a known source';
COMMENT ON CONSTRAINT catalogue_variable_name_valid ON pseudolink.catalogue_variable IS
    'names are simple identifiers, usable as column names; person is the pseudonym column of every release';
COMMENT ON CONSTRAINT catalogue_variable_version_positive ON pseudolink.catalogue_variable IS 'versions start at 1';
COMMENT ON CONSTRAINT catalogue_variable_type_valid ON pseudolink.catalogue_variable IS 'the types a release column can have';
COMMENT ON CONSTRAINT catalogue_variable_definition_not_empty ON pseudolink.catalogue_variable IS 'every variable is defined';

CREATE TABLE pseudolink.catalogue_coverage (
    source       text        NOT NULL,
    name         text        NOT NULL,
    version      integer     NOT NULL,
    covered_from date        NOT NULL,
    covered_to   date        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by  name        NOT NULL DEFAULT session_user,
    CONSTRAINT catalogue_coverage_pkey PRIMARY KEY (source, name, version, recorded_at),
    CONSTRAINT catalogue_coverage_variable_fkey FOREIGN KEY (source, name, version)
        REFERENCES pseudolink.catalogue_variable (source, name, version),
    CONSTRAINT catalogue_coverage_period_valid CHECK (covered_to >= covered_from)
);

COMMENT ON TABLE pseudolink.catalogue_coverage IS
    'coverage periods of variables as deliveries arrive; the latest record of a variable version holds';
COMMENT ON COLUMN pseudolink.catalogue_coverage.source IS 'source of the variable';
COMMENT ON COLUMN pseudolink.catalogue_coverage.name IS 'name of the variable';
COMMENT ON COLUMN pseudolink.catalogue_coverage.version IS 'version of the variable';
COMMENT ON COLUMN pseudolink.catalogue_coverage.covered_from IS 'first date the data cover';
COMMENT ON COLUMN pseudolink.catalogue_coverage.covered_to IS 'last date the data cover';
COMMENT ON COLUMN pseudolink.catalogue_coverage.recorded_at IS 'when the coverage was recorded';
COMMENT ON COLUMN pseudolink.catalogue_coverage.recorded_by IS 'session user that recorded it';
COMMENT ON CONSTRAINT catalogue_coverage_pkey ON pseudolink.catalogue_coverage IS 'one record per variable version and moment';
COMMENT ON CONSTRAINT catalogue_coverage_variable_fkey ON pseudolink.catalogue_coverage IS 'coverage of a catalogue entry';
COMMENT ON CONSTRAINT catalogue_coverage_period_valid ON pseudolink.catalogue_coverage IS 'a period does not end before it starts';

-- The shipped rows ----------------------------------------------------------

INSERT INTO pseudolink.registry (registry, title, shipped) VALUES
    ('nhr', 'Netherlands Heart Registration (Nederlandse Hart Registratie)', true);

INSERT INTO pseudolink.board (board, kind, registry, title, shipped) VALUES
    ('nhr_scientific_council', 'scientific_council', 'nhr', 'NHR scientific council', true),
    ('nhr_committee_pci', 'registry_committee', 'nhr', 'NHR registry committee PCI', true),
    ('nhr_committee_cabg', 'registry_committee', 'nhr', 'NHR registry committee cardiothoracic surgery', true),
    ('nhr_committee_tavi', 'registry_committee', 'nhr', 'NHR registry committee TAVI', true),
    ('nhr_privacy_committee', 'privacy_committee', 'nhr', 'NHR privacy committee', true),
    ('cbs_purpose_check', 'purpose_check', NULL,
     'Statistics Netherlands (CBS) purpose check of the CBS project', true);

INSERT INTO pseudolink.catalogue_source (source, title, supplier, registry, committee, description, shipped) VALUES
    ('nhr_pci', 'NHR percutaneous coronary interventions', 'NHR', 'nhr', 'nhr_committee_pci',
     'one row per PCI procedure', true),
    ('nhr_cabg', 'NHR coronary artery bypass grafting', 'NHR', 'nhr', 'nhr_committee_cabg',
     'one row per isolated CABG operation', true),
    ('nhr_tavi', 'NHR transcatheter aortic valve implantation', 'NHR', 'nhr', 'nhr_committee_tavi',
     'one row per TAVI procedure', true),
    ('cbs_cause_of_death', 'CBS cause of death statistics (doodsoorzakenstatistiek)', 'CBS', NULL, NULL,
     'one row per death of a registered resident', true),
    ('cbs_hospital_admissions', 'CBS hospital admissions from the national basic registration of hospital care (LBZ)',
     'CBS', NULL, NULL, 'one row per hospital admission or day case', true),
    ('cbs_insurance_claims', 'CBS health insurance claims (Vektis, Health Insurance Act)', 'CBS', NULL, NULL,
     'one row per person, year and care category', true),
    ('cbs_medication', 'CBS dispensed medicines by ATC code', 'CBS', NULL, NULL,
     'one row per person, year and ATC code', true);

INSERT INTO pseudolink.catalogue_variable (source, name, version, data_type, definition, codes, added_by, shipped) VALUES
    ('nhr_pci', 'intervention_date', 1, 'date', 'date of the PCI procedure', NULL, 'pseudolink', true),
    ('nhr_pci', 'age_at_intervention', 1, 'integer', 'age in whole years on the date of the procedure', 'years', 'pseudolink', true),
    ('nhr_pci', 'sex', 1, 'smallint', 'sex of the patient as registered', '1 man, 2 woman (NHR code)', 'pseudolink', true),
    ('nhr_pci', 'indication', 1, 'text', 'clinical indication for the procedure',
     'STEMI, NSTEMI, unstable angina, stable angina, other', 'pseudolink', true),
    ('nhr_pci', 'urgency', 1, 'text', 'urgency of the procedure', 'elective, urgent, emergency', 'pseudolink', true),
    ('nhr_cabg', 'surgery_date', 1, 'date', 'date of the operation', NULL, 'pseudolink', true),
    ('nhr_cabg', 'age_at_surgery', 1, 'integer', 'age in whole years on the date of the operation', 'years', 'pseudolink', true),
    ('nhr_cabg', 'sex', 1, 'smallint', 'sex of the patient as registered', '1 man, 2 woman (NHR code)', 'pseudolink', true),
    ('nhr_cabg', 'urgency', 1, 'text', 'urgency of the operation', 'elective, urgent, emergency, salvage', 'pseudolink', true),
    ('nhr_cabg', 'graft_count', 1, 'integer', 'number of distal anastomoses', NULL, 'pseudolink', true),
    ('nhr_tavi', 'procedure_date', 1, 'date', 'date of the procedure', NULL, 'pseudolink', true),
    ('nhr_tavi', 'age_at_procedure', 1, 'integer', 'age in whole years on the date of the procedure', 'years', 'pseudolink', true),
    ('nhr_tavi', 'sex', 1, 'smallint', 'sex of the patient as registered', '1 man, 2 woman (NHR code)', 'pseudolink', true),
    ('nhr_tavi', 'access_route', 1, 'text', 'access route of the valve', 'transfemoral, transapical, transaortic, subclavian, other', 'pseudolink', true),
    ('cbs_cause_of_death', 'death_date', 1, 'date', 'date of death', NULL, 'pseudolink', true),
    ('cbs_cause_of_death', 'underlying_cause', 1, 'text', 'underlying cause of death as coded by CBS', 'ICD-10', 'pseudolink', true),
    ('cbs_hospital_admissions', 'admission_date', 1, 'date', 'date of admission', NULL, 'pseudolink', true),
    ('cbs_hospital_admissions', 'discharge_date', 1, 'date', 'date of discharge', NULL, 'pseudolink', true),
    ('cbs_hospital_admissions', 'main_diagnosis', 1, 'text', 'main diagnosis of the admission', 'ICD-10', 'pseudolink', true),
    ('cbs_hospital_admissions', 'admission_type', 1, 'text', 'kind of admission', 'clinical, day case', 'pseudolink', true),
    ('cbs_insurance_claims', 'claim_year', 1, 'integer', 'calendar year of the care', NULL, 'pseudolink', true),
    ('cbs_insurance_claims', 'care_category', 1, 'text', 'category of care claimed under the Health Insurance Act', 'Vektis categories', 'pseudolink', true),
    ('cbs_insurance_claims', 'costs_eur', 1, 'numeric', 'total claimed costs in the year and category', 'euro', 'pseudolink', true),
    ('cbs_medication', 'dispensing_year', 1, 'integer', 'calendar year of dispensing', NULL, 'pseudolink', true),
    ('cbs_medication', 'atc_code', 1, 'text', 'ATC code of the dispensed medicine', 'ATC (WHO)', 'pseudolink', true);

SELECT pg_catalog.pg_extension_config_dump('pseudolink.registry', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.board', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.catalogue_source', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.catalogue_variable', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.catalogue_coverage', '');

-- Append-only and audited -------------------------------------------------

CREATE TRIGGER registry_append_only BEFORE UPDATE OR DELETE ON pseudolink.registry
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Registries are records; add a new one.');
CREATE TRIGGER registry_no_truncate BEFORE TRUNCATE ON pseudolink.registry
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER registry_audit AFTER INSERT ON pseudolink.registry
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('registry');
CREATE TRIGGER board_append_only BEFORE UPDATE OR DELETE ON pseudolink.board
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Boards are records; add a new one.');
CREATE TRIGGER board_no_truncate BEFORE TRUNCATE ON pseudolink.board
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER board_audit AFTER INSERT ON pseudolink.board
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('board');
CREATE TRIGGER catalogue_source_append_only BEFORE UPDATE OR DELETE ON pseudolink.catalogue_source
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Catalogue entries are fixed once written; add a new source.');
CREATE TRIGGER catalogue_source_no_truncate BEFORE TRUNCATE ON pseudolink.catalogue_source
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER catalogue_source_audit AFTER INSERT ON pseudolink.catalogue_source
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('source');
CREATE TRIGGER catalogue_variable_append_only BEFORE UPDATE OR DELETE ON pseudolink.catalogue_variable
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('A definition is fixed once written; add a new version with pseudolink.add_catalogue_variable().');
CREATE TRIGGER catalogue_variable_no_truncate BEFORE TRUNCATE ON pseudolink.catalogue_variable
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER catalogue_variable_audit AFTER INSERT ON pseudolink.catalogue_variable
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('source', 'name', 'version');
CREATE TRIGGER catalogue_coverage_append_only BEFORE UPDATE OR DELETE ON pseudolink.catalogue_coverage
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Record the new coverage with pseudolink.record_coverage().');
CREATE TRIGGER catalogue_coverage_no_truncate BEFORE TRUNCATE ON pseudolink.catalogue_coverage
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER catalogue_coverage_audit AFTER INSERT ON pseudolink.catalogue_coverage
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('source', 'name', 'version');

COMMENT ON TRIGGER registry_append_only ON pseudolink.registry IS 'registries are never changed or removed';
COMMENT ON TRIGGER registry_no_truncate ON pseudolink.registry IS 'registries are never emptied';
COMMENT ON TRIGGER registry_audit ON pseudolink.registry IS 'logs new registries';
COMMENT ON TRIGGER board_append_only ON pseudolink.board IS 'boards are never changed or removed';
COMMENT ON TRIGGER board_no_truncate ON pseudolink.board IS 'boards are never emptied';
COMMENT ON TRIGGER board_audit ON pseudolink.board IS 'logs new boards';
COMMENT ON TRIGGER catalogue_source_append_only ON pseudolink.catalogue_source IS 'sources are never changed or removed';
COMMENT ON TRIGGER catalogue_source_no_truncate ON pseudolink.catalogue_source IS 'sources are never emptied';
COMMENT ON TRIGGER catalogue_source_audit ON pseudolink.catalogue_source IS 'logs new sources';
COMMENT ON TRIGGER catalogue_variable_append_only ON pseudolink.catalogue_variable IS 'definitions are never changed or removed';
COMMENT ON TRIGGER catalogue_variable_no_truncate ON pseudolink.catalogue_variable IS 'definitions are never emptied';
COMMENT ON TRIGGER catalogue_variable_audit ON pseudolink.catalogue_variable IS 'logs new variable versions';
COMMENT ON TRIGGER catalogue_coverage_append_only ON pseudolink.catalogue_coverage IS 'coverage records are never changed or removed';
COMMENT ON TRIGGER catalogue_coverage_no_truncate ON pseudolink.catalogue_coverage IS 'coverage records are never emptied';
COMMENT ON TRIGGER catalogue_coverage_audit ON pseudolink.catalogue_coverage IS 'logs coverage records';

-- The catalogue as people read it ---------------------------------------------

CREATE VIEW pseudolink.catalogue WITH (security_invoker = true) AS
SELECT v.source,
       s.supplier,
       s.registry,
       v.name,
       v.version,
       v.version = (SELECT max(w.version) FROM pseudolink.catalogue_variable w
                    WHERE w.source = v.source AND w.name = v.name) AS current,
       v.data_type,
       v.definition,
       v.codes,
       c.covered_from,
       c.covered_to
FROM pseudolink.catalogue_variable v
JOIN pseudolink.catalogue_source s ON s.source = v.source
LEFT JOIN LATERAL (SELECT k.covered_from, k.covered_to FROM pseudolink.catalogue_coverage k
                   WHERE k.source = v.source AND k.name = v.name AND k.version = v.version
                   ORDER BY k.recorded_at DESC LIMIT 1) c ON true;

COMMENT ON VIEW pseudolink.catalogue IS
    'every variable version with its source, definition, type and latest recorded coverage (null: not recorded yet); current marks the newest version';

-- Maintaining the catalogue -------------------------------------------------

CREATE FUNCTION pseudolink.add_catalogue_source(source text, title text, supplier text,
                                                registry text DEFAULT NULL, committee text DEFAULT NULL,
                                                description text DEFAULT '')
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF add_catalogue_source.registry IS NOT NULL AND NOT EXISTS (
           SELECT FROM pseudolink.board b
           WHERE b.board OPERATOR(pg_catalog.=) add_catalogue_source.committee
             AND b.kind OPERATOR(pg_catalog.=) 'registry_committee'
             AND b.registry OPERATOR(pg_catalog.=) add_catalogue_source.registry) THEN
        RAISE EXCEPTION 'a registry source needs a registry committee of its own registry'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = CASE WHEN add_catalogue_source.committee IS NULL
                                THEN 'The chair of that committee is consulted on every request for the source.'
                                ELSE pg_catalog.format('Board "%s" is not a registry committee of registry "%s".',
                                                       add_catalogue_source.committee, add_catalogue_source.registry)
                           END,
                  HINT = 'The boards are listed in pseudolink.board.';
    END IF;
    INSERT INTO pseudolink.catalogue_source (source, title, supplier, registry, committee, description)
    VALUES (add_catalogue_source.source, add_catalogue_source.title, add_catalogue_source.supplier,
            add_catalogue_source.registry, add_catalogue_source.committee,
            COALESCE(add_catalogue_source.description, ''));
END
$$;

COMMENT ON FUNCTION pseudolink.add_catalogue_source(text, text, text, text, text, text) IS
    'adds a data source to the catalogue: a registry source (with its registry and committee) or an external dataset (neither)';

CREATE FUNCTION pseudolink.add_catalogue_variable(source text, name text, data_type text,
                                                  definition text, codes text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v integer;
BEGIN
    IF NOT EXISTS (SELECT FROM pseudolink.catalogue_source s
                   WHERE s.source OPERATOR(pg_catalog.=) add_catalogue_variable.source) THEN
        RAISE EXCEPTION 'catalogue source "%" does not exist', add_catalogue_variable.source
            USING ERRCODE = 'undefined_object',
                  HINT = 'Add it with pseudolink.add_catalogue_source().';
    END IF;
    -- A new version of an existing name, or version 1 of a new one.
    PERFORM FROM pseudolink.catalogue_source s
    WHERE s.source OPERATOR(pg_catalog.=) add_catalogue_variable.source FOR UPDATE;
    SELECT COALESCE(pg_catalog.max(w.version), 0) OPERATOR(pg_catalog.+) 1 INTO v
    FROM pseudolink.catalogue_variable w
    WHERE w.source OPERATOR(pg_catalog.=) add_catalogue_variable.source
      AND w.name OPERATOR(pg_catalog.=) add_catalogue_variable.name;
    INSERT INTO pseudolink.catalogue_variable (source, name, version, data_type, definition, codes)
    VALUES (add_catalogue_variable.source, add_catalogue_variable.name, v,
            add_catalogue_variable.data_type, add_catalogue_variable.definition,
            add_catalogue_variable.codes);
    RETURN v;
END
$$;

COMMENT ON FUNCTION pseudolink.add_catalogue_variable(text, text, text, text, text) IS
    'adds a variable to a source, or a new version of it (a changed definition); returns the version';

CREATE FUNCTION pseudolink.record_coverage(source text, name text, covered_from date, covered_to date,
                                           version integer DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v integer := record_coverage.version;
BEGIN
    IF v IS NULL THEN
        SELECT pg_catalog.max(w.version) INTO v FROM pseudolink.catalogue_variable w
        WHERE w.source OPERATOR(pg_catalog.=) record_coverage.source
          AND w.name OPERATOR(pg_catalog.=) record_coverage.name;
    END IF;
    IF NOT EXISTS (SELECT FROM pseudolink.catalogue_variable w
                   WHERE w.source OPERATOR(pg_catalog.=) record_coverage.source
                     AND w.name OPERATOR(pg_catalog.=) record_coverage.name
                     AND w.version OPERATOR(pg_catalog.=) v) THEN
        RAISE EXCEPTION 'catalogue variable %.% does not exist', record_coverage.source, record_coverage.name
            USING ERRCODE = 'undefined_object',
                  DETAIL = CASE WHEN record_coverage.version IS NULL THEN NULL
                                ELSE pg_catalog.format('Version %s was asked for.', record_coverage.version) END,
                  HINT = 'The variables are listed in pseudolink.catalogue.';
    END IF;
    INSERT INTO pseudolink.catalogue_coverage (source, name, version, covered_from, covered_to, recorded_at)
    VALUES (record_coverage.source, record_coverage.name, v, record_coverage.covered_from,
            record_coverage.covered_to, pg_catalog.clock_timestamp());
    RETURN v;
END
$$;

COMMENT ON FUNCTION pseudolink.record_coverage(text, text, date, date, integer) IS
    'records the period a variable''s data now cover (default: its current version); returns the version';

-- 'source.name' or 'source.name@version' to a catalogue entry; the current
-- version when none is given.
CREATE FUNCTION pseudolink.catalogue_entry(ref text, OUT source text, OUT name text, OUT version integer)
RETURNS record
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m text[];
BEGIN
    m := pg_catalog.regexp_match(ref, '^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)(?:@([0-9]{1,9}))?$');
    IF m IS NULL THEN
        RAISE EXCEPTION 'invalid catalogue variable reference "%"', ref
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Write source.name or source.name@version, as listed in pseudolink.catalogue.';
    END IF;
    SELECT w.source, w.name, w.version INTO source, name, version
    FROM pseudolink.catalogue_variable w
    WHERE w.source = m[1] AND w.name = m[2] AND (m[3] IS NULL OR w.version = m[3]::integer)
    ORDER BY w.version DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'catalogue variable "%" does not exist', ref
            USING ERRCODE = 'undefined_object',
                  HINT = 'The variables are listed in pseudolink.catalogue.';
    END IF;
END
$$;

COMMENT ON FUNCTION pseudolink.catalogue_entry(text) IS
    'the catalogue entry (source, name, version) a reference source.name[@version] names; the current version without @version';

-- Row-level security: the catalogue is public to every pseudolink role.
ALTER TABLE pseudolink.registry ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.registry FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.board ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.board FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.catalogue_source ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.catalogue_source FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.catalogue_variable ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.catalogue_variable FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.catalogue_coverage ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.catalogue_coverage FORCE ROW LEVEL SECURITY;
CREATE POLICY registry_read ON pseudolink.registry FOR SELECT
    TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher
    USING (true);
CREATE POLICY board_read ON pseudolink.board FOR SELECT
    TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher
    USING (true);
CREATE POLICY catalogue_source_read ON pseudolink.catalogue_source FOR SELECT
    TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher
    USING (true);
CREATE POLICY catalogue_variable_read ON pseudolink.catalogue_variable FOR SELECT
    TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher
    USING (true);
CREATE POLICY catalogue_coverage_read ON pseudolink.catalogue_coverage FOR SELECT
    TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher
    USING (true);
COMMENT ON POLICY registry_read ON pseudolink.registry IS 'every pseudolink role reads the registries';
COMMENT ON POLICY board_read ON pseudolink.board IS 'every pseudolink role reads the boards';
COMMENT ON POLICY catalogue_source_read ON pseudolink.catalogue_source IS 'every pseudolink role reads the catalogue';
COMMENT ON POLICY catalogue_variable_read ON pseudolink.catalogue_variable IS 'every pseudolink role reads the catalogue';
COMMENT ON POLICY catalogue_coverage_read ON pseudolink.catalogue_coverage IS 'every pseudolink role reads the catalogue';

REVOKE ALL ON TABLE pseudolink.registry, pseudolink.board, pseudolink.catalogue_source,
    pseudolink.catalogue_variable, pseudolink.catalogue_coverage, pseudolink.catalogue FROM PUBLIC;
GRANT SELECT ON TABLE pseudolink.registry, pseudolink.board, pseudolink.catalogue_source,
    pseudolink.catalogue_variable, pseudolink.catalogue_coverage, pseudolink.catalogue
TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher;

REVOKE ALL ON FUNCTION
    pseudolink.add_catalogue_source(text, text, text, text, text, text),
    pseudolink.add_catalogue_variable(text, text, text, text, text),
    pseudolink.record_coverage(text, text, date, date, integer),
    pseudolink.catalogue_entry(text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.add_catalogue_source(text, text, text, text, text, text),
    pseudolink.add_catalogue_variable(text, text, text, text, text),
    pseudolink.record_coverage(text, text, date, date, integer)
TO pseudolink_steward;
GRANT EXECUTE ON FUNCTION pseudolink.catalogue_entry(text)
TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher;
