-- The source-data store: every row a release can contain, keyed by the
-- person's steward-domain pseudonym, with its variables as catalogue names.
-- Releases read only from here.
--
-- The steward loads data in loads: open_source_load() names the catalogue
-- source (and, for linked registry records, the approved request they were
-- linked for), plain INSERT (or COPY) adds rows to pseudolink.source_row,
-- close_source_load() checks every value against its catalogue type and
-- closes the load; only closed loads are released.  Linked registry records
-- belong to the request they were linked for and are released to it alone;
-- the statistics office's own datasets are loaded without a request and
-- serve every request that asks for them.  The linkage pipeline publishes
-- linked records the same way: person is the linked person's pseudonym
-- (kind R) or, when the record was not linked, its person key (kind S);
-- person_key is the record's own person key (kind S), by which objections
-- find records before they are linked.
--
-- The store holds pseudonyms and variables, no identifiers.  Rows of a
-- request's loads go when the project's retention ends; objections remove
-- registry records of the person who objected.

CREATE TABLE pseudolink.source_load (
    load_id      bigint      GENERATED ALWAYS AS IDENTITY,
    source       text        NOT NULL,
    request_id   bigint,
    note         text,
    opened_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    opened_by    name        NOT NULL,
    closed_at    timestamptz,
    row_count    bigint,
    deleted_at   timestamptz,
    deleted_rows bigint,
    CONSTRAINT source_load_pkey PRIMARY KEY (load_id),
    CONSTRAINT source_load_source_fkey FOREIGN KEY (source) REFERENCES pseudolink.catalogue_source (source),
    CONSTRAINT source_load_request_fkey FOREIGN KEY (request_id) REFERENCES pseudolink.data_request (request_id),
    CONSTRAINT source_load_closed_counted CHECK ((closed_at IS NULL) = (row_count IS NULL)),
    CONSTRAINT source_load_deleted_counted CHECK ((deleted_at IS NULL) = (deleted_rows IS NULL)),
    CONSTRAINT source_load_deleted_after_close CHECK (deleted_at IS NULL OR closed_at IS NOT NULL)
);

COMMENT ON TABLE pseudolink.source_load IS
    'loads of source data: one source, for one request (linked registry records) or for all (a dataset of the statistics office)';
COMMENT ON COLUMN pseudolink.source_load.load_id IS 'load number';
COMMENT ON COLUMN pseudolink.source_load.source IS 'the catalogue source loaded';
COMMENT ON COLUMN pseudolink.source_load.request_id IS
    'the approved request the rows were linked for (required for registry sources); null for a dataset that serves every request';
COMMENT ON COLUMN pseudolink.source_load.note IS 'what was loaded (delivery, extraction date)';
COMMENT ON COLUMN pseudolink.source_load.opened_at IS 'when the load was opened';
COMMENT ON COLUMN pseudolink.source_load.opened_by IS 'the role that opened it';
COMMENT ON COLUMN pseudolink.source_load.closed_at IS 'when it was closed (checked); only closed loads are released';
COMMENT ON COLUMN pseudolink.source_load.row_count IS 'rows at closing';
COMMENT ON COLUMN pseudolink.source_load.deleted_at IS 'when its rows were deleted (retention, or a discarded load)';
COMMENT ON COLUMN pseudolink.source_load.deleted_rows IS 'how many rows were deleted then';
COMMENT ON CONSTRAINT source_load_pkey ON pseudolink.source_load IS 'load numbers are unique';
COMMENT ON CONSTRAINT source_load_source_fkey ON pseudolink.source_load IS 'of a catalogue source';
COMMENT ON CONSTRAINT source_load_request_fkey ON pseudolink.source_load IS 'for a registered request';
COMMENT ON CONSTRAINT source_load_closed_counted ON pseudolink.source_load IS 'a closed load has its row count';
COMMENT ON CONSTRAINT source_load_deleted_counted ON pseudolink.source_load IS 'a deletion is counted';
COMMENT ON CONSTRAINT source_load_deleted_after_close ON pseudolink.source_load IS 'a load is closed before its rows are deleted';

CREATE TABLE pseudolink.source_row (
    load_id        bigint               NOT NULL,
    source         text                 NOT NULL,
    person         pseudolink.pseudonym NOT NULL,
    person_key     pseudolink.pseudonym,
    reference_date date                 NOT NULL,
    consent        boolean,
    variables      jsonb                NOT NULL DEFAULT '{}',
    loaded_at      timestamptz          NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT source_row_load_fkey FOREIGN KEY (load_id) REFERENCES pseudolink.source_load (load_id),
    CONSTRAINT source_row_variables_object CHECK (jsonb_typeof(variables) = 'object')
);

COMMENT ON TABLE pseudolink.source_row IS
    'the source-data store: one row per record of a source, keyed by the person''s steward-domain pseudonym; releases read only from here';
COMMENT ON COLUMN pseudolink.source_row.load_id IS 'the load the row came with';
COMMENT ON COLUMN pseudolink.source_row.source IS 'the catalogue source (the load''s source)';
COMMENT ON COLUMN pseudolink.source_row.person IS
    'the person, as a steward-domain pseudonym: kind R for a register person (linked), kind S (a person key) for an unlinked record';
COMMENT ON COLUMN pseudolink.source_row.person_key IS
    'for a registry record, its own person key (kind S, pseudolink.person_key of its identifiers), by which objections find it';
COMMENT ON COLUMN pseudolink.source_row.reference_date IS
    'the date the row describes (intervention, death, admission, start of the year): compared with the requested period';
COMMENT ON COLUMN pseudolink.source_row.consent IS
    'for a registry record, whether informed consent is recorded (true), refused (false) or not recorded (null)';
COMMENT ON COLUMN pseudolink.source_row.variables IS
    'the values, as a JSON object keyed by catalogue variable name; each value must read as the variable''s type';
COMMENT ON COLUMN pseudolink.source_row.loaded_at IS 'when the row was loaded';
COMMENT ON CONSTRAINT source_row_load_fkey ON pseudolink.source_row IS 'rows come with a load';
COMMENT ON CONSTRAINT source_row_variables_object ON pseudolink.source_row IS 'variables are a JSON object';

CREATE INDEX source_row_load ON pseudolink.source_row (load_id);
CREATE INDEX source_row_person ON pseudolink.source_row (person);
CREATE INDEX source_row_person_key ON pseudolink.source_row (person_key) WHERE person_key IS NOT NULL;
COMMENT ON INDEX pseudolink.source_row_load IS 'rows of a load (closing, release, retention)';
COMMENT ON INDEX pseudolink.source_row_person IS 'rows of a person (cohorts, objections)';
COMMENT ON INDEX pseudolink.source_row_person_key IS 'registry rows by person key (objections)';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.source_load', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.source_row', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.source_load', 'load_id'), '');

-- Rows enter only open loads of their own source, with catalogue variables
-- only, and with steward-domain pseudonyms: checked once per statement, on
-- the rows the statement inserted.
CREATE FUNCTION pseudolink.source_row_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bad record;
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NULL;
    END IF;
    SELECT n.load_id, l.load_id IS NULL AS missing, l.closed_at IS NOT NULL AS closed,
           l.source IS DISTINCT FROM n.source AS other_source
    INTO bad
    FROM new_rows n LEFT JOIN pseudolink.source_load l ON l.load_id = n.load_id
    WHERE l.load_id IS NULL OR l.closed_at IS NOT NULL OR l.source IS DISTINCT FROM n.source
    LIMIT 1;
    IF FOUND THEN
        IF bad.closed THEN
            RAISE EXCEPTION 'source load % is closed', bad.load_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Open a new load with pseudolink.open_source_load().';
        END IF;
        RAISE EXCEPTION 'the rows'' source differs from the source of load %', bad.load_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT n.source, k AS variable INTO bad
    FROM new_rows n, jsonb_object_keys(n.variables) k
    WHERE NOT EXISTS (SELECT FROM pseudolink.catalogue_variable v WHERE v.source = n.source AND v.name = k)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'source % has no catalogue variable "%"', bad.source, bad.variable
            USING ERRCODE = 'undefined_object',
                  HINT = 'Add it with pseudolink.add_catalogue_variable(), or leave it out.';
    END IF;
    IF EXISTS (SELECT FROM new_rows n
               WHERE pseudolink.pseudonym_kind(n.person) NOT IN ('R', 'S')
                  OR pseudolink.pseudonym_kind(n.person_key) <> 'S') THEN
        RAISE EXCEPTION 'a source row names its person by an R or S pseudonym, its person key by an S pseudonym'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'T pseudonyms are of text values, not of persons.';
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION pseudolink.source_row_check() IS
    'trigger (per statement): new source rows belong to an open load of their source, use catalogue variable names and person pseudonyms';

CREATE TRIGGER source_row_check AFTER INSERT ON pseudolink.source_row
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.source_row_check();
COMMENT ON TRIGGER source_row_check ON pseudolink.source_row IS 'checks new rows against their load and the catalogue';

CREATE FUNCTION pseudolink.source_load_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (NEW.load_id, NEW.source, NEW.request_id, NEW.opened_at, NEW.opened_by)
       IS DISTINCT FROM (OLD.load_id, OLD.source, OLD.request_id, OLD.opened_at, OLD.opened_by)
       OR (OLD.closed_at IS NOT NULL AND (NEW.closed_at, NEW.row_count) IS DISTINCT FROM (OLD.closed_at, OLD.row_count))
       OR (OLD.deleted_at IS NOT NULL AND (NEW.deleted_at, NEW.deleted_rows) IS DISTINCT FROM (OLD.deleted_at, OLD.deleted_rows)) THEN
        RAISE EXCEPTION 'a load is closed once and deleted once; nothing else of it changes'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.source_load_guard() IS
    'trigger: a load''s source, request and opening are fixed; it is closed once and its rows deleted once';

CREATE TRIGGER source_load_guard BEFORE UPDATE ON pseudolink.source_load
    FOR EACH ROW EXECUTE FUNCTION pseudolink.source_load_guard();
CREATE TRIGGER source_load_no_delete BEFORE DELETE ON pseudolink.source_load
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Loads are records; their rows are deleted, not the load.');
CREATE TRIGGER source_load_no_truncate BEFORE TRUNCATE ON pseudolink.source_load
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER source_load_audit AFTER INSERT OR UPDATE ON pseudolink.source_load
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('load_id');
CREATE TRIGGER source_row_no_truncate BEFORE TRUNCATE ON pseudolink.source_row
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change('Rows leave the store by retention or objection, which count them.');
COMMENT ON TRIGGER source_load_guard ON pseudolink.source_load IS 'loads change only by closing and deletion';
COMMENT ON TRIGGER source_load_no_delete ON pseudolink.source_load IS 'loads are never removed';
COMMENT ON TRIGGER source_load_no_truncate ON pseudolink.source_load IS 'loads are never emptied';
COMMENT ON TRIGGER source_load_audit ON pseudolink.source_load IS 'logs every load, closing and deletion';
COMMENT ON TRIGGER source_row_no_truncate ON pseudolink.source_row IS 'the store is never emptied uncounted';

CREATE FUNCTION pseudolink.open_source_load(source text, request_id bigint DEFAULT NULL, note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src record;
    req record;
    id bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'load source data');
    SELECT s.* INTO src FROM pseudolink.catalogue_source s
    WHERE s.source OPERATOR(pg_catalog.=) open_source_load.source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'catalogue source "%" does not exist', open_source_load.source
            USING ERRCODE = 'undefined_object',
                  HINT = 'The sources are listed in pseudolink.catalogue_source.';
    END IF;
    IF src.registry IS NOT NULL AND open_source_load.request_id IS NULL THEN
        RAISE EXCEPTION 'records of registry source % are loaded for a request', open_source_load.source
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Linked registry records serve the request they were linked for, and no other.';
    END IF;
    IF open_source_load.request_id IS NOT NULL THEN
        SELECT r.* INTO req FROM pseudolink.data_request r
        WHERE r.request_id OPERATOR(pg_catalog.=) open_source_load.request_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'data request % does not exist', open_source_load.request_id
                USING ERRCODE = 'undefined_object';
        END IF;
        IF req.status OPERATOR(pg_catalog.<>) ALL (ARRAY['approved', 'released']) THEN
            RAISE EXCEPTION 'data request % is %, not approved', open_source_load.request_id, req.status
                USING ERRCODE = 'PL002',
                      DETAIL = 'Data are linked and loaded for a request only after its approval.';
        END IF;
        IF src.registry IS NOT NULL AND src.registry OPERATOR(pg_catalog.<>) req.registry THEN
            RAISE EXCEPTION 'source % is not of registry %', open_source_load.source, req.registry
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    INSERT INTO pseudolink.source_load (source, request_id, note, opened_by)
    VALUES (open_source_load.source, open_source_load.request_id, open_source_load.note,
            pseudolink.calling_role())
    RETURNING load_id INTO id;
    RETURN id;
END
$$;

COMMENT ON FUNCTION pseudolink.open_source_load(text, bigint, text) IS
    'opens a load of a catalogue source (for a registry source: for an approved request); returns the load number to INSERT rows under';

CREATE FUNCTION pseudolink.close_source_load(load_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    l record;
    v record;
    n bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'load source data');
    SELECT s.* INTO l FROM pseudolink.source_load s
    WHERE s.load_id OPERATOR(pg_catalog.=) close_source_load.load_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source load % does not exist', close_source_load.load_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF l.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'source load % is already closed', close_source_load.load_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- Every value must read as its catalogue type (that of the newest
    -- version); the message names the variable, never the value.
    FOR v IN SELECT DISTINCT ON (c.name) c.name, c.data_type FROM pseudolink.catalogue_variable c
             WHERE c.source OPERATOR(pg_catalog.=) l.source ORDER BY c.name, c.version DESC LOOP
        BEGIN
            EXECUTE pg_catalog.format(
                'SELECT pg_catalog.count(*) FROM pseudolink.source_row r
                 WHERE r.load_id OPERATOR(pg_catalog.=) $1
                   AND (r.variables OPERATOR(pg_catalog.->>) %L)::%s IS NOT NULL', v.name, v.data_type)
            USING l.load_id;
        EXCEPTION WHEN data_exception THEN
            RAISE EXCEPTION 'a value of % in load % is not a valid %', v.name, l.load_id, v.data_type
                USING ERRCODE = 'invalid_text_representation',
                      DETAIL = 'Values are written as the variable''s type reads them (dates as YYYY-MM-DD).',
                      HINT = 'Fix the rows of the open load, or discard it with pseudolink.discard_source_load().';
        END;
    END LOOP;
    SELECT pg_catalog.count(*) INTO n FROM pseudolink.source_row r
    WHERE r.load_id OPERATOR(pg_catalog.=) l.load_id;
    UPDATE pseudolink.source_load s SET closed_at = pg_catalog.now(), row_count = n
    WHERE s.load_id OPERATOR(pg_catalog.=) l.load_id;
    PERFORM pseudolink.audit_append('source_load.close', 'source_load', l.load_id::text,
                                    pg_catalog.jsonb_build_object('source', l.source, 'request_id', l.request_id,
                                                                  'rows', n));
    RETURN n;
END
$$;

COMMENT ON FUNCTION pseudolink.close_source_load(bigint) IS
    'checks every value of an open load against its catalogue type and closes the load; returns its row count';

CREATE FUNCTION pseudolink.discard_source_load(load_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'load source data');
    PERFORM FROM pseudolink.source_load s
    WHERE s.load_id OPERATOR(pg_catalog.=) discard_source_load.load_id AND s.closed_at IS NULL FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source load % is not an open load', discard_source_load.load_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only an open load is discarded; rows of a closed load go by retention or objection.';
    END IF;
    DELETE FROM pseudolink.source_row r WHERE r.load_id OPERATOR(pg_catalog.=) discard_source_load.load_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE pseudolink.source_load s
    SET closed_at = pg_catalog.now(), row_count = 0, deleted_at = pg_catalog.now(), deleted_rows = n
    WHERE s.load_id OPERATOR(pg_catalog.=) discard_source_load.load_id;
    RETURN n;
END
$$;

COMMENT ON FUNCTION pseudolink.discard_source_load(bigint) IS
    'deletes the rows of an open load and closes it empty; returns the rows deleted';
