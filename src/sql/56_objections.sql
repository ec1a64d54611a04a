-- Objections (GDPR article 21): a patient who objects is left out of every
-- release of the registry's requests and removed from the releases already
-- made and from the registry's records in the store.
--
-- The registry records an objection with the patient's birth date, sex and
-- postcode; record_objection() normalises them, turns them into the
-- person key (kind S, pseudolink.person_key) and forgets them: identifiers
-- are never stored, logged or repeated in a message.  Records are found by
-- that person key (pseudolink.source_row.person_key), by the person key
-- used as the person of an unlinked record, and by person: the register
-- person's pseudonym (kind R), which the linkage pipeline fills in when it
-- resolves the objection against the population register (and uses to
-- leave the person out of linkage).  Each objection keeps the counts of
-- what its recording removed.

CREATE TABLE pseudolink.objection (
    objection_id         bigint               GENERATED ALWAYS AS IDENTITY,
    registry             text                 NOT NULL,
    person               pseudolink.pseudonym,
    person_key           pseudolink.pseudonym NOT NULL,
    recorded_at          timestamptz          NOT NULL DEFAULT pg_catalog.now(),
    recorded_by          name                 NOT NULL,
    resolved_at          timestamptz,
    removed_source_rows  bigint               NOT NULL DEFAULT 0,
    removed_release_rows bigint               NOT NULL DEFAULT 0,
    releases_affected    integer              NOT NULL DEFAULT 0,
    CONSTRAINT objection_pkey PRIMARY KEY (objection_id),
    CONSTRAINT objection_registry_person_key_key UNIQUE (registry, person_key),
    CONSTRAINT objection_registry_fkey FOREIGN KEY (registry) REFERENCES pseudolink.registry (registry),
    CONSTRAINT objection_person_kind CHECK (pseudolink.pseudonym_kind(person) = 'R'),
    CONSTRAINT objection_person_key_kind CHECK (pseudolink.pseudonym_kind(person_key) = 'S'),
    CONSTRAINT objection_resolved_when CHECK ((person IS NULL) = (resolved_at IS NULL)),
    CONSTRAINT objection_counts_not_negative CHECK (removed_source_rows >= 0 AND removed_release_rows >= 0
                                                    AND releases_affected >= 0)
);

COMMENT ON TABLE pseudolink.objection IS
    'objections of patients to a registry''s use of their data: honoured in every release of the registry''s requests';
COMMENT ON COLUMN pseudolink.objection.objection_id IS 'objection number (the receipt the registry keeps)';
COMMENT ON COLUMN pseudolink.objection.registry IS 'the registry objected to';
COMMENT ON COLUMN pseudolink.objection.person IS
    'the register person''s steward pseudonym (kind R), once the linkage pipeline has resolved the objection against the population register; null until then';
COMMENT ON COLUMN pseudolink.objection.person_key IS
    'the person key (kind S) of the normalised birth date, sex and postcode given; the identifiers themselves are not stored';
COMMENT ON COLUMN pseudolink.objection.recorded_at IS 'when the objection was recorded';
COMMENT ON COLUMN pseudolink.objection.recorded_by IS 'the role that recorded it';
COMMENT ON COLUMN pseudolink.objection.resolved_at IS 'when person was filled in';
COMMENT ON COLUMN pseudolink.objection.removed_source_rows IS 'registry records removed from the store because of it';
COMMENT ON COLUMN pseudolink.objection.removed_release_rows IS 'rows removed from existing releases because of it';
COMMENT ON COLUMN pseudolink.objection.releases_affected IS 'releases rows were removed from';
COMMENT ON CONSTRAINT objection_pkey ON pseudolink.objection IS 'objection numbers are unique';
COMMENT ON CONSTRAINT objection_registry_person_key_key ON pseudolink.objection IS 'a person objects to a registry once';
COMMENT ON CONSTRAINT objection_registry_fkey ON pseudolink.objection IS 'to a known registry';
COMMENT ON CONSTRAINT objection_person_kind ON pseudolink.objection IS 'person is a register person''s pseudonym';
COMMENT ON CONSTRAINT objection_person_key_kind ON pseudolink.objection IS 'person_key is a person key';
COMMENT ON CONSTRAINT objection_resolved_when ON pseudolink.objection IS 'a resolved objection records when';
COMMENT ON CONSTRAINT objection_counts_not_negative ON pseudolink.objection IS 'counts are counts';

CREATE INDEX objection_person ON pseudolink.objection (person) WHERE person IS NOT NULL;
COMMENT ON INDEX pseudolink.objection_person IS 'objections by register person';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.objection', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.objection', 'objection_id'), '');

-- An objection is permanent.  Only its person may be filled in (once) and
-- its counts grow.
CREATE FUNCTION pseudolink.objection_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Pseudonyms compare with their own operator (not on this search_path).
    IF (NEW.objection_id, NEW.registry, NEW.recorded_at, NEW.recorded_by)
       IS DISTINCT FROM (OLD.objection_id, OLD.registry, OLD.recorded_at, OLD.recorded_by)
       OR NEW.person_key OPERATOR(pseudolink.<>) OLD.person_key
       OR (OLD.person IS NOT NULL AND (NEW.person IS NULL OR NEW.person OPERATOR(pseudolink.<>) OLD.person
                                       OR NEW.resolved_at IS DISTINCT FROM OLD.resolved_at))
       OR NEW.removed_source_rows < OLD.removed_source_rows
       OR NEW.removed_release_rows < OLD.removed_release_rows
       OR NEW.releases_affected < OLD.releases_affected THEN
        RAISE EXCEPTION 'an objection is permanent'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Only its register person is filled in, once, and its removal counts grow.';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.objection_guard() IS
    'trigger: objections are never changed except for resolving the person once and adding to the counts';

CREATE TRIGGER objection_guard BEFORE UPDATE ON pseudolink.objection
    FOR EACH ROW EXECUTE FUNCTION pseudolink.objection_guard();
CREATE TRIGGER objection_no_delete BEFORE DELETE ON pseudolink.objection
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Objections are permanent.');
CREATE TRIGGER objection_no_truncate BEFORE TRUNCATE ON pseudolink.objection
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change('Objections are permanent.');
CREATE TRIGGER objection_audit AFTER INSERT OR UPDATE ON pseudolink.objection
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('objection_id');
COMMENT ON TRIGGER objection_guard ON pseudolink.objection IS 'objections are permanent';
COMMENT ON TRIGGER objection_no_delete ON pseudolink.objection IS 'objections are never removed';
COMMENT ON TRIGGER objection_no_truncate ON pseudolink.objection IS 'objections are never emptied';
COMMENT ON TRIGGER objection_audit ON pseudolink.objection IS 'logs every objection and its counts, by number';

-- The steward pseudonyms of persons who objected to a registry: their own
-- pseudonym when known, their person key, and every person whose registry
-- records carry that person key.
CREATE FUNCTION pseudolink.objected_persons(registry text)
RETURNS TABLE (person pseudolink.pseudonym)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT o.person FROM pseudolink.objection o
    WHERE o.registry OPERATOR(pg_catalog.=) $1 AND o.person IS NOT NULL
    UNION
    SELECT o.person_key FROM pseudolink.objection o WHERE o.registry OPERATOR(pg_catalog.=) $1
    UNION
    SELECT s.person FROM pseudolink.objection o
    JOIN pseudolink.source_row s ON s.person_key OPERATOR(pseudolink.=) o.person_key
    JOIN pseudolink.catalogue_source c ON c.source OPERATOR(pg_catalog.=) s.source
    WHERE o.registry OPERATOR(pg_catalog.=) $1 AND c.registry OPERATOR(pg_catalog.=) $1
$$;

COMMENT ON FUNCTION pseudolink.objected_persons(text) IS
    'steward pseudonyms of every person with an objection recorded by the registry (by person, by person key, and via the person key of their registry records)';

-- Removes from the store and from every release of the registry's requests
-- the rows of the persons one objection names; returns the counts.
CREATE FUNCTION pseudolink.apply_objection(objection_id bigint,
                                           OUT source_rows bigint, OUT release_rows bigint,
                                           OUT releases integer)
RETURNS record
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o record;
    x record;
    t record;
    n bigint;
    in_release bigint;
BEGIN
    source_rows := 0;
    release_rows := 0;
    releases := 0;
    SELECT j.* INTO o FROM pseudolink.objection j
    WHERE j.objection_id OPERATOR(pg_catalog.=) apply_objection.objection_id;
    -- The person's steward pseudonyms: as known, as person key, and as the
    -- person of every registry record with that person key.
    IF pg_catalog.to_regclass('pg_temp.pseudolink_objected') IS NOT NULL THEN
        DROP TABLE pg_temp.pseudolink_objected;
    END IF;
    CREATE TEMPORARY TABLE pseudolink_objected ON COMMIT DROP AS
    SELECT o.person_key AS person
    UNION SELECT o.person WHERE o.person IS NOT NULL
    UNION SELECT s.person FROM pseudolink.source_row s
          JOIN pseudolink.catalogue_source c ON c.source OPERATOR(pg_catalog.=) s.source
          WHERE s.person_key OPERATOR(pseudolink.=) o.person_key
            AND c.registry OPERATOR(pg_catalog.=) o.registry;
    FOR x IN SELECT r.release_id, r.key_domain, r.key_version FROM pseudolink.release r
             JOIN pseudolink.data_request q ON q.request_id OPERATOR(pg_catalog.=) r.request_id
             WHERE q.registry OPERATOR(pg_catalog.=) o.registry
               AND r.status OPERATOR(pg_catalog.<>) 'deleted'
             ORDER BY r.release_id LOOP
        in_release := 0;
        FOR t IN SELECT rt.table_name FROM pseudolink.release_table rt
                 WHERE rt.release_id OPERATOR(pg_catalog.=) x.release_id AND rt.dropped_at IS NULL
                 ORDER BY rt.source LOOP
            EXECUTE pg_catalog.format(
                'DELETE FROM %s d WHERE d.person OPERATOR(pseudolink.=) ANY (
                     SELECT pseudolink.derive(p.person, $1, $2) FROM pg_temp.pseudolink_objected p)',
                t.table_name)
            USING x.key_domain, x.key_version;
            GET DIAGNOSTICS n = ROW_COUNT;
            in_release := in_release OPERATOR(pg_catalog.+) n;
        END LOOP;
        IF in_release OPERATOR(pg_catalog.>) 0 THEN
            releases := releases OPERATOR(pg_catalog.+) 1;
            release_rows := release_rows OPERATOR(pg_catalog.+) in_release;
        END IF;
    END LOOP;
    DELETE FROM pseudolink.source_row s
    USING pseudolink.catalogue_source c
    WHERE c.source OPERATOR(pg_catalog.=) s.source
      AND c.registry OPERATOR(pg_catalog.=) o.registry
      AND (s.person_key OPERATOR(pseudolink.=) o.person_key
           OR s.person OPERATOR(pseudolink.=) ANY (SELECT p.person FROM pg_temp.pseudolink_objected p));
    GET DIAGNOSTICS source_rows = ROW_COUNT;
    DROP TABLE pg_temp.pseudolink_objected;
END
$$;

COMMENT ON FUNCTION pseudolink.apply_objection(bigint) IS
    'removes the objecting person''s registry records from the store and their rows from every release of the registry''s requests; returns the counts (internal)';

CREATE FUNCTION pseudolink.record_objection(registry text, birth_date date, sex text, postcode text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    objector_key pseudolink.pseudonym;
    id bigint;
    counts record;
BEGIN
    IF NOT record_objection.registry OPERATOR(pg_catalog.=) ANY (pseudolink.my_registries()) THEN
        RAISE EXCEPTION 'permission denied to record objections for registry %', record_objection.registry
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only roles that act for the registry record its objections.';
    END IF;
    -- The normalisation functions name the rule an identifier breaks,
    -- never the identifier.
    IF record_objection.birth_date IS NULL
       OR pseudolink.normalise_sex(record_objection.sex) IS NULL
       OR pseudolink.normalise_postcode(record_objection.postcode) IS NULL
       OR pseudolink.normalise_postcode(record_objection.postcode) OPERATOR(pg_catalog.=) '0000' THEN
        RAISE EXCEPTION 'an objection needs a birth date, a known sex and a Dutch postcode'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Records are found by the person key of these three identifiers.',
                  HINT = 'Ask the patient for the missing identifier; an objection with an unknown sex or postcode, or an address abroad, is handled by hand.';
    END IF;
    objector_key := pseudolink.person_key(record_objection.birth_date, record_objection.sex, record_objection.postcode);
    INSERT INTO pseudolink.objection (registry, person_key, recorded_by)
    VALUES (record_objection.registry, objector_key, pseudolink.calling_role())
    ON CONFLICT ON CONSTRAINT objection_registry_person_key_key DO NOTHING
    RETURNING objection_id INTO id;
    IF id IS NULL THEN
        -- Recorded before: apply it again to whatever arrived since.
        SELECT j.objection_id INTO id FROM pseudolink.objection j
        WHERE j.registry OPERATOR(pg_catalog.=) record_objection.registry
          AND j.person_key OPERATOR(pseudolink.=) objector_key;
    END IF;
    SELECT * INTO counts FROM pseudolink.apply_objection(id);
    UPDATE pseudolink.objection j
    SET removed_source_rows = j.removed_source_rows OPERATOR(pg_catalog.+) counts.source_rows,
        removed_release_rows = j.removed_release_rows OPERATOR(pg_catalog.+) counts.release_rows,
        releases_affected = j.releases_affected OPERATOR(pg_catalog.+) counts.releases
    WHERE j.objection_id OPERATOR(pg_catalog.=) id;
    PERFORM pseudolink.audit_append('objection.apply', 'objection', id::text,
        pg_catalog.jsonb_build_object('registry', record_objection.registry,
                                      'removed_source_rows', counts.source_rows,
                                      'removed_release_rows', counts.release_rows,
                                      'releases_affected', counts.releases));
    RETURN id;
END
$$;

COMMENT ON FUNCTION pseudolink.record_objection(text, date, text, text) IS
    'by a role acting for the registry: records a patient''s objection from birth date, sex and postcode (normalised, kept only as a person key), removes the patient''s records from the store and from existing releases, and returns the objection number';
