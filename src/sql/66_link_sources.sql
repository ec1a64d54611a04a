-- Where linked records go, and who objected: the link between the
-- pipeline's upload registries and release governance.
--
-- An upload names its registry by upload code (PCI, CABG, TAVI); release
-- governance knows the catalogue source of its records (nhr_pci, ...), and
-- through the source the registry organisation whose objections apply
-- (nhr).  pseudolink.link_source maps one to the other, with the catalogue
-- variables that receive the record's event date, its age at the event and
-- its sex when the linked records are published (68_link_review.sql).  The
-- three NHR registries are shipped; the admin adds others.
--
-- Objections arrive as person keys (kind S) only: record_objection() keeps
-- no identifier.  link_resolve_objections() resolves them against the
-- population register by one exact rule, documented in doc/linkage.md:
-- the objection names the register person whose birth date, sex and the
-- postcode of any of their address periods give its person key, if there
-- is exactly one such person.  Two or more persons (twins at one address,
-- say) leave it unresolved: the person key still excludes every record
-- that carries it, and nobody is left out on a guess.  Each objection is
-- checked once per register load (pseudolink.link_objection_check), so a
-- link run pays for the person keys of the register only when an
-- objection is new or the register changed.

CREATE TABLE pseudolink.link_source (
    registry      text    NOT NULL,
    source        text    NOT NULL,
    date_variable text    NOT NULL,
    age_variable  text,
    sex_variable  text,
    shipped       boolean NOT NULL DEFAULT false,
    CONSTRAINT link_source_pkey PRIMARY KEY (registry),
    CONSTRAINT link_source_source_fkey FOREIGN KEY (source) REFERENCES pseudolink.catalogue_source (source),
    CONSTRAINT link_source_registry_valid CHECK (registry ~ '^[A-Z][A-Z0-9_]{0,31}$'),
    CONSTRAINT link_source_variables_distinct CHECK (date_variable <> age_variable AND date_variable <> sex_variable
                                                     AND age_variable <> sex_variable)
);
COMMENT ON TABLE pseudolink.link_source IS
    'per upload registry (PCI, CABG, TAVI) the catalogue source its linked records are published as, and the catalogue variables of the event date, age and sex';
COMMENT ON COLUMN pseudolink.link_source.registry IS 'upload registry code (pseudolink.upload_registry.code)';
COMMENT ON COLUMN pseudolink.link_source.source IS 'catalogue source of the records (a registry source: its registry''s objections apply)';
COMMENT ON COLUMN pseudolink.link_source.date_variable IS 'catalogue variable that receives the event date';
COMMENT ON COLUMN pseudolink.link_source.age_variable IS 'catalogue variable that receives the age in whole years at the event; null for none';
COMMENT ON COLUMN pseudolink.link_source.sex_variable IS 'catalogue variable that receives the sex (1, 2); null for none';
COMMENT ON COLUMN pseudolink.link_source.shipped IS 'made by the install script (left out of pg_dump)';
COMMENT ON CONSTRAINT link_source_pkey ON pseudolink.link_source IS 'one source per upload registry';
COMMENT ON CONSTRAINT link_source_source_fkey ON pseudolink.link_source IS 'a catalogue source';
COMMENT ON CONSTRAINT link_source_registry_valid ON pseudolink.link_source IS 'upload registry codes are upper-case names such as PCI';
COMMENT ON CONSTRAINT link_source_variables_distinct ON pseudolink.link_source IS 'the date, age and sex go to different variables';

INSERT INTO pseudolink.link_source (registry, source, date_variable, age_variable, sex_variable, shipped) VALUES
    ('PCI', 'nhr_pci', 'intervention_date', 'age_at_intervention', 'sex', true),
    ('CABG', 'nhr_cabg', 'surgery_date', 'age_at_surgery', 'sex', true),
    ('TAVI', 'nhr_tavi', 'procedure_date', 'age_at_procedure', 'sex', true);
SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_source', 'WHERE NOT shipped');

-- The source of an upload registry, and the registry organisation whose
-- objections apply to its records; an error when there is none.
CREATE FUNCTION pseudolink.link_source_of(upload_registry text, OUT source text, OUT registry text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    SELECT s.source, c.registry INTO source, registry
    FROM pseudolink.link_source s JOIN pseudolink.catalogue_source c ON c.source = s.source
    WHERE s.registry OPERATOR(pg_catalog.=) upload_registry;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'upload registry % has no catalogue source', upload_registry
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'Linked records are published as a catalogue source, and its registry''s objections apply to them.',
                  HINT = 'The admin adds one: INSERT INTO pseudolink.link_source (registry, source, date_variable) VALUES (...).';
    ELSIF registry IS NULL THEN
        RAISE EXCEPTION 'catalogue source % of upload registry % is not a registry source', source, upload_registry
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Map the upload registry to a source of pseudolink.catalogue_source with a registry.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_source_of(text) IS
    'the catalogue source of an upload registry and the registry organisation whose objections apply (an error when unmapped)';

-- Objections against the register ------------------------------------------------

CREATE TABLE pseudolink.link_objection_check (
    objection_id     bigint      NOT NULL,
    register_load_id integer     NOT NULL,
    outcome          text        NOT NULL,
    persons          integer     NOT NULL,
    checked_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    checked_by       name        NOT NULL,
    CONSTRAINT link_objection_check_pkey PRIMARY KEY (objection_id, register_load_id),
    CONSTRAINT link_objection_check_objection_fkey FOREIGN KEY (objection_id)
        REFERENCES pseudolink.objection (objection_id),
    CONSTRAINT link_objection_check_outcome_valid CHECK (outcome IN ('resolved', 'ambiguous', 'not_found')),
    CONSTRAINT link_objection_check_persons_match CHECK (
        (outcome = 'resolved' AND persons = 1) OR (outcome = 'ambiguous' AND persons > 1)
        OR (outcome = 'not_found' AND persons = 0))
);
COMMENT ON TABLE pseudolink.link_objection_check IS
    'each objection checked against each register load: resolved to one person, ambiguous (several persons), or not found';
COMMENT ON COLUMN pseudolink.link_objection_check.objection_id IS 'the objection';
COMMENT ON COLUMN pseudolink.link_objection_check.register_load_id IS 'the register load it was checked against (pseudolink.register_load)';
COMMENT ON COLUMN pseudolink.link_objection_check.outcome IS 'resolved, ambiguous or not_found';
COMMENT ON COLUMN pseudolink.link_objection_check.persons IS 'register persons whose birth date, sex and a period''s postcode give the objection''s person key';
COMMENT ON COLUMN pseudolink.link_objection_check.checked_at IS 'when';
COMMENT ON COLUMN pseudolink.link_objection_check.checked_by IS 'the role that ran the check';
COMMENT ON CONSTRAINT link_objection_check_pkey ON pseudolink.link_objection_check IS 'an objection is checked once per register load';
COMMENT ON CONSTRAINT link_objection_check_objection_fkey ON pseudolink.link_objection_check IS 'of a recorded objection';
COMMENT ON CONSTRAINT link_objection_check_outcome_valid ON pseudolink.link_objection_check IS 'the three outcomes';
COMMENT ON CONSTRAINT link_objection_check_persons_match ON pseudolink.link_objection_check IS
    'resolved is one person, ambiguous more, not found none';
SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_objection_check', '');

CREATE FUNCTION pseudolink.link_resolve_objections(registry text DEFAULT NULL)
RETURNS TABLE (objections bigint, checked bigint, resolved bigint, ambiguous bigint, not_found bigint,
               removed_source_rows bigint, removed_release_rows bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    v_registry text := link_resolve_objections.registry;
    v_load integer;
    n_objections bigint;
    n_checked bigint;
    o record;
    counts record;
    n_resolved bigint := 0;
    n_source bigint := 0;
    n_release bigint := 0;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'resolve objections');
    IF v_registry IS NOT NULL AND NOT EXISTS (SELECT FROM pseudolink.registry g
                                              WHERE g.registry OPERATOR(pg_catalog.=) v_registry) THEN
        RAISE EXCEPTION 'registry "%" does not exist', v_registry
            USING ERRCODE = 'undefined_object',
                  HINT = 'Objections are recorded per registry organisation of pseudolink.registry (nhr).';
    END IF;
    SELECT pg_catalog.max(l.load_id) INTO v_load FROM pseudolink.register_load l;
    IF v_load IS NULL THEN
        RAISE EXCEPTION 'no register has been loaded'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Objections are resolved against the register: load it with pseudolink.register_load() first.';
    END IF;
    SELECT pg_catalog.count(*) INTO n_objections FROM pseudolink.objection j
    WHERE v_registry IS NULL OR j.registry OPERATOR(pg_catalog.=) v_registry;

    -- Unresolved objections not yet checked against this register.
    CREATE TEMP TABLE pl_link_objection_unchecked ON COMMIT DROP AS
    SELECT j.objection_id, j.person_key FROM pseudolink.objection j
    WHERE (v_registry IS NULL OR j.registry OPERATOR(pg_catalog.=) v_registry) AND j.person IS NULL
      AND NOT EXISTS (SELECT FROM pseudolink.link_objection_check k
                      WHERE k.objection_id OPERATOR(pg_catalog.=) j.objection_id
                        AND k.register_load_id OPERATOR(pg_catalog.=) v_load);
    SELECT pg_catalog.count(*) INTO n_checked FROM pg_temp.pl_link_objection_unchecked;
    IF n_checked OPERATOR(pg_catalog.=) 0 THEN
        DROP TABLE pg_temp.pl_link_objection_unchecked;
        RETURN QUERY SELECT n_objections, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    -- The person key of every register person at every postcode it had:
    -- keys are keyed hashes, so the only way to find whose they are is to
    -- compute them (one pass over the periods, then a hash join).
    CREATE TEMP TABLE pl_link_objection_found ON COMMIT DROP AS
    SELECT t.objection_id, pg_catalog.count(DISTINCT k.person_id)::integer AS persons,
           pg_catalog.min(k.person_id) AS person_id
    FROM pg_temp.pl_link_objection_unchecked t
         LEFT JOIN (SELECT DISTINCT p.person_id,
                           pseudolink.person_key(p.birth_date, p.sex::text, a.postcode) AS person_key
                    FROM pseudolink.register_person p
                         JOIN pseudolink.register_address a ON a.person_id OPERATOR(pg_catalog.=) p.person_id
                    WHERE p.sex IS NOT NULL AND a.postcode IS NOT NULL
                      AND a.postcode OPERATOR(pg_catalog.<>) '0000') k
                ON k.person_key OPERATOR(pseudolink.=) t.person_key
    GROUP BY t.objection_id;

    INSERT INTO pseudolink.link_objection_check (objection_id, register_load_id, outcome, persons, checked_by)
    SELECT f.objection_id, v_load,
           CASE WHEN f.persons OPERATOR(pg_catalog.=) 1 THEN 'resolved'
                WHEN f.persons OPERATOR(pg_catalog.>) 1 THEN 'ambiguous' ELSE 'not_found' END,
           f.persons, pseudolink.calling_role()
    FROM pg_temp.pl_link_objection_found f;

    -- The resolved: the person is filled in, and whatever the store and the
    -- releases hold of that person is removed (record_objection removed
    -- what it found by person key alone).
    FOR o IN SELECT f.objection_id, p.pseudonym FROM pg_temp.pl_link_objection_found f
             JOIN pseudolink.register_person p ON p.person_id OPERATOR(pg_catalog.=) f.person_id
             WHERE f.persons OPERATOR(pg_catalog.=) 1 ORDER BY f.objection_id LOOP
        UPDATE pseudolink.objection j SET person = o.pseudonym, resolved_at = pg_catalog.now()
        WHERE j.objection_id OPERATOR(pg_catalog.=) o.objection_id;
        SELECT * INTO counts FROM pseudolink.apply_objection(o.objection_id);
        UPDATE pseudolink.objection j
        SET removed_source_rows = j.removed_source_rows OPERATOR(pg_catalog.+) counts.source_rows,
            removed_release_rows = j.removed_release_rows OPERATOR(pg_catalog.+) counts.release_rows,
            releases_affected = j.releases_affected OPERATOR(pg_catalog.+) counts.releases
        WHERE j.objection_id OPERATOR(pg_catalog.=) o.objection_id;
        PERFORM pseudolink.audit_append('objection.resolve', 'objection', o.objection_id::text,
            pg_catalog.jsonb_build_object('register_load_id', v_load,
                                          'removed_source_rows', counts.source_rows,
                                          'removed_release_rows', counts.release_rows,
                                          'releases_affected', counts.releases));
        n_resolved := n_resolved OPERATOR(pg_catalog.+) 1;
        n_source := n_source OPERATOR(pg_catalog.+) counts.source_rows;
        n_release := n_release OPERATOR(pg_catalog.+) counts.release_rows;
    END LOOP;

    RETURN QUERY
    SELECT n_objections, n_checked, n_resolved,
           pg_catalog.count(*) FILTER (WHERE f.persons OPERATOR(pg_catalog.>) 1),
           pg_catalog.count(*) FILTER (WHERE f.persons OPERATOR(pg_catalog.=) 0),
           n_source, n_release
    FROM pg_temp.pl_link_objection_found f;
    DROP TABLE pg_temp.pl_link_objection_unchecked, pg_temp.pl_link_objection_found;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_resolve_objections(text) IS
    'resolves the unresolved objections of a registry (all when null) against the register: a unique register person whose birth date, sex and a period''s postcode give the person key is filled in and removed from the store and releases; several persons leave it unresolved; each objection is checked once per register load; returns the counts';

-- The objections that apply to a link run: the person keys that exclude a
-- record before it is compared, and the register persons who objected.
CREATE FUNCTION pseudolink.link_objected_keys(registry text)
RETURNS TABLE (person_key pseudolink.pseudonym)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT o.person_key FROM pseudolink.objection o WHERE o.registry OPERATOR(pg_catalog.=) $1
$$;
COMMENT ON FUNCTION pseudolink.link_objected_keys(text) IS
    'internal: the person keys of the objections to a registry (records carrying one are not linked)';

CREATE FUNCTION pseudolink.link_objected_person_ids(registry text)
RETURNS TABLE (person_id bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT p.person_id FROM pseudolink.objection o
    JOIN pseudolink.register_person p ON p.pseudonym OPERATOR(pseudolink.=) o.person
    WHERE o.registry OPERATOR(pg_catalog.=) $1 AND o.person IS NOT NULL
$$;
COMMENT ON FUNCTION pseudolink.link_objected_person_ids(text) IS
    'internal: the register persons (ids) of the resolved objections to a registry (records linked to one are excluded)';

-- Privileges -------------------------------------------------------------

REVOKE ALL ON TABLE pseudolink.link_source, pseudolink.link_objection_check FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE pseudolink.link_source TO pseudolink_admin;
GRANT SELECT ON TABLE pseudolink.link_source TO pseudolink_steward;
GRANT SELECT ON TABLE pseudolink.link_objection_check TO pseudolink_steward;

REVOKE ALL ON FUNCTION pseudolink.link_source_of(text), pseudolink.link_resolve_objections(text),
    pseudolink.link_objected_keys(text), pseudolink.link_objected_person_ids(text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pseudolink.link_source_of(text), pseudolink.link_resolve_objections(text),
    pseudolink.link_objected_keys(text), pseudolink.link_objected_person_ids(text)
TO pseudolink_steward;
