-- Releases: the approved variables of an approved request, made available
-- to the project's researchers.
--
-- A release makes one table per source, pseudolink.release_<release>_<source>,
-- with exactly the approved columns: person (the project-domain pseudonym,
-- pseudolink.derive of the steward pseudonym into the project's key domain,
-- at the key version recorded with the release) and one column per approved
-- variable, typed and commented as the catalogue defines it.  Nothing else
-- of the store leaves it: no load or row numbers, no steward pseudonyms, no
-- reference dates unless a reference date is itself an approved variable,
-- and rows in the order of the project pseudonym, not of loading.
--
-- Who is in it: the persons of the registry records linked for the request
-- (with informed consent as the legal basis, only records with consent
-- recorded), minus every person with an objection recorded by the registry.
-- Registry sources give those records; an external dataset gives its rows
-- of those persons within the requested period.
--
-- Each release table has row-level security, ENABLE and FORCE, with one
-- policy: its rows are visible to a role that acts as an active researcher
-- of the project, while the project and the researcher's agreement and
-- institution authorisation are current and the request is released.
-- Otherwise the table reads as empty.  Only pseudolink_researcher has
-- SELECT on release tables.

CREATE TABLE pseudolink.release (
    release_id         bigint      GENERATED ALWAYS AS IDENTITY,
    request_id         bigint      NOT NULL,
    project_id         bigint      NOT NULL,
    key_domain         text        NOT NULL,
    key_version        integer     NOT NULL,
    status             text        NOT NULL DEFAULT 'live',
    released_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    released_by        name        NOT NULL,
    persons            bigint,
    excluded_objection bigint,
    excluded_consent   bigint,
    closed_at          timestamptz,
    deleted_at         timestamptz,
    CONSTRAINT release_pkey PRIMARY KEY (release_id),
    CONSTRAINT release_request_fkey FOREIGN KEY (request_id) REFERENCES pseudolink.data_request (request_id),
    CONSTRAINT release_project_fkey FOREIGN KEY (project_id) REFERENCES pseudolink.project (project_id),
    CONSTRAINT release_key_version_fkey FOREIGN KEY (key_domain, key_version)
        REFERENCES pseudolink.key_version (domain, version),
    CONSTRAINT release_status_valid CHECK (status IN ('live', 'closed', 'deleted')),
    CONSTRAINT release_closed_when CHECK ((status = 'live') = (closed_at IS NULL)),
    CONSTRAINT release_deleted_when CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
);

COMMENT ON TABLE pseudolink.release IS
    'releases of approved requests: when, by whom, under which key version, for how many persons; the tables are in pseudolink.release_table';
COMMENT ON COLUMN pseudolink.release.release_id IS 'release number (part of its table names)';
COMMENT ON COLUMN pseudolink.release.request_id IS 'the request released';
COMMENT ON COLUMN pseudolink.release.project_id IS 'the project it is released to';
COMMENT ON COLUMN pseudolink.release.key_domain IS 'the project''s key domain';
COMMENT ON COLUMN pseudolink.release.key_version IS 'the key version of the project pseudonyms in the release';
COMMENT ON COLUMN pseudolink.release.status IS 'live (readable by the project), closed (kept, not readable) or deleted (tables dropped)';
COMMENT ON COLUMN pseudolink.release.released_at IS 'when it was released';
COMMENT ON COLUMN pseudolink.release.released_by IS 'the role that released it';
COMMENT ON COLUMN pseudolink.release.persons IS 'persons in the release';
COMMENT ON COLUMN pseudolink.release.excluded_objection IS 'persons left out because of an objection';
COMMENT ON COLUMN pseudolink.release.excluded_consent IS 'persons left out for lack of recorded consent (informed consent requests)';
COMMENT ON COLUMN pseudolink.release.closed_at IS 'when it stopped being readable';
COMMENT ON COLUMN pseudolink.release.deleted_at IS 'when its tables were dropped';
COMMENT ON CONSTRAINT release_pkey ON pseudolink.release IS 'release numbers are unique';
COMMENT ON CONSTRAINT release_request_fkey ON pseudolink.release IS 'of a registered request';
COMMENT ON CONSTRAINT release_project_fkey ON pseudolink.release IS 'to a registered project';
COMMENT ON CONSTRAINT release_key_version_fkey ON pseudolink.release IS 'a key version of the domain';
COMMENT ON CONSTRAINT release_status_valid ON pseudolink.release IS 'live, closed or deleted';
COMMENT ON CONSTRAINT release_closed_when ON pseudolink.release IS 'a release that is not live has a closing time';
COMMENT ON CONSTRAINT release_deleted_when ON pseudolink.release IS 'a deleted release has a deletion time';

CREATE TABLE pseudolink.release_table (
    release_id   bigint      NOT NULL,
    source       text        NOT NULL,
    table_name   text        NOT NULL,
    variables    text[]      NOT NULL,
    row_count    bigint      NOT NULL,
    dropped_at   timestamptz,
    dropped_rows bigint,
    CONSTRAINT release_table_pkey PRIMARY KEY (release_id, source),
    CONSTRAINT release_table_name_key UNIQUE (table_name),
    CONSTRAINT release_table_release_fkey FOREIGN KEY (release_id) REFERENCES pseudolink.release (release_id),
    CONSTRAINT release_table_source_fkey FOREIGN KEY (source) REFERENCES pseudolink.catalogue_source (source),
    CONSTRAINT release_table_dropped_counted CHECK ((dropped_at IS NULL) = (dropped_rows IS NULL))
);

COMMENT ON TABLE pseudolink.release_table IS 'the tables of each release, one per source, with their approved columns';
COMMENT ON COLUMN pseudolink.release_table.release_id IS 'the release';
COMMENT ON COLUMN pseudolink.release_table.source IS 'the source of the table';
COMMENT ON COLUMN pseudolink.release_table.table_name IS 'schema-qualified name of the table';
COMMENT ON COLUMN pseudolink.release_table.variables IS 'the approved variables it holds, as name@version, in column order after person';
COMMENT ON COLUMN pseudolink.release_table.row_count IS 'rows when released';
COMMENT ON COLUMN pseudolink.release_table.dropped_at IS 'when retention dropped the table';
COMMENT ON COLUMN pseudolink.release_table.dropped_rows IS 'rows it held then';
COMMENT ON CONSTRAINT release_table_pkey ON pseudolink.release_table IS 'one table per release and source';
COMMENT ON CONSTRAINT release_table_name_key ON pseudolink.release_table IS 'table names are unique';
COMMENT ON CONSTRAINT release_table_release_fkey ON pseudolink.release_table IS 'of a recorded release';
COMMENT ON CONSTRAINT release_table_source_fkey ON pseudolink.release_table IS 'of a catalogue source';
COMMENT ON CONSTRAINT release_table_dropped_counted ON pseudolink.release_table IS 'a dropped table is counted';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.release', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.release_table', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.release', 'release_id'), '');

-- No release before every approval: checked on the release row itself, so
-- that no path (the owner's INSERT included) skips it.
CREATE FUNCTION pseudolink.release_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req record;
    missing text;
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF (NEW.release_id, NEW.request_id, NEW.project_id, NEW.key_domain, NEW.key_version, NEW.released_at,
            NEW.released_by)
           IS DISTINCT FROM (OLD.release_id, OLD.request_id, OLD.project_id, OLD.key_domain, OLD.key_version,
                             OLD.released_at, OLD.released_by)
           OR (OLD.persons IS NOT NULL AND (NEW.persons, NEW.excluded_objection, NEW.excluded_consent)
                                           IS DISTINCT FROM (OLD.persons, OLD.excluded_objection, OLD.excluded_consent))
           OR (OLD.status = 'closed' AND NEW.status = 'live')
           OR OLD.status = 'deleted' THEN
            RAISE EXCEPTION 'a release only goes from live to closed to deleted'
                USING ERRCODE = 'feature_not_supported';
        END IF;
        RETURN NEW;
    END IF;
    SELECT r.* INTO req FROM pseudolink.data_request r WHERE r.request_id = NEW.request_id;
    IF req.status IN ('submitted', 'in_review') THEN
        RAISE EXCEPTION 'data request % is not approved', NEW.request_id
            USING ERRCODE = 'PL002',
                  DETAIL = format('The request is %s; it is released only after every required approval and the decision.',
                                  req.status);
    ELSIF req.status NOT IN ('approved', 'released') THEN
        RAISE EXCEPTION 'data request % is %: nothing more is released for it', NEW.request_id, req.status
            USING ERRCODE = 'PL001';
    END IF;
    IF NOT EXISTS (SELECT FROM pseudolink.decision d WHERE d.request_id = NEW.request_id AND d.outcome = 'approved') THEN
        RAISE EXCEPTION 'data request % has no approving decision', NEW.request_id
            USING ERRCODE = 'PL002';
    END IF;
    SELECT string_agg(q.board, ', ' ORDER BY q.board) INTO missing
    FROM pseudolink.request_required_boards(NEW.request_id) q
    WHERE NOT EXISTS (SELECT FROM pseudolink.review w
                      WHERE w.request_id = NEW.request_id AND w.board = q.board AND w.outcome = 'approved');
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'data request % is not approved by %', NEW.request_id, missing
            USING ERRCODE = 'PL002';
    END IF;
    IF NEW.project_id IS DISTINCT FROM req.project_id
       OR NEW.key_domain IS DISTINCT FROM (SELECT p.key_domain FROM pseudolink.project p
                                           WHERE p.project_id = req.project_id) THEN
        RAISE EXCEPTION 'a release goes to the request''s own project, in its key domain'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT pseudolink.project_active(NEW.project_id, pseudolink.today()) THEN
        RAISE EXCEPTION 'project % is not active', NEW.project_id
            USING ERRCODE = 'PL004',
                  DETAIL = 'Its term does not cover today, or its institution holds no authorisation covering today.',
                  HINT = 'Extend the project or record the renewed authorisation first.';
    END IF;
    IF NEW.status <> 'live' THEN
        RAISE EXCEPTION 'a release starts live'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.release_guard() IS
    'trigger: a release is made only for an approved request (decision and every required review approving) of an active project, in its key domain; it then only closes and is deleted';

CREATE FUNCTION pseudolink.release_table_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (NEW.release_id, NEW.source, NEW.table_name, NEW.variables, NEW.row_count)
       IS DISTINCT FROM (OLD.release_id, OLD.source, OLD.table_name, OLD.variables, OLD.row_count)
       OR OLD.dropped_at IS NOT NULL THEN
        RAISE EXCEPTION 'a release table is only recorded as dropped, once'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.release_table_guard() IS 'trigger: a release table record changes only when the table is dropped';

CREATE TRIGGER release_guard BEFORE INSERT OR UPDATE ON pseudolink.release
    FOR EACH ROW EXECUTE FUNCTION pseudolink.release_guard();
CREATE TRIGGER release_no_delete BEFORE DELETE ON pseudolink.release
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Releases are records; retention drops their tables.');
CREATE TRIGGER release_no_truncate BEFORE TRUNCATE ON pseudolink.release
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER release_audit AFTER INSERT OR UPDATE ON pseudolink.release
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('release_id');
CREATE TRIGGER release_table_guard BEFORE UPDATE ON pseudolink.release_table
    FOR EACH ROW EXECUTE FUNCTION pseudolink.release_table_guard();
CREATE TRIGGER release_table_no_delete BEFORE DELETE ON pseudolink.release_table
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER release_table_no_truncate BEFORE TRUNCATE ON pseudolink.release_table
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER release_table_audit AFTER INSERT OR UPDATE ON pseudolink.release_table
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('release_id', 'source');
COMMENT ON TRIGGER release_guard ON pseudolink.release IS 'no release before every approval';
COMMENT ON TRIGGER release_no_delete ON pseudolink.release IS 'releases are never removed';
COMMENT ON TRIGGER release_no_truncate ON pseudolink.release IS 'releases are never emptied';
COMMENT ON TRIGGER release_audit ON pseudolink.release IS 'logs every release and its closing';
COMMENT ON TRIGGER release_table_guard ON pseudolink.release_table IS 'table records change only when dropped';
COMMENT ON TRIGGER release_table_no_delete ON pseudolink.release_table IS 'table records are never removed';
COMMENT ON TRIGGER release_table_no_truncate ON pseudolink.release_table IS 'table records are never emptied';
COMMENT ON TRIGGER release_table_audit ON pseudolink.release_table IS 'logs every release table, with its row count in the record';

-- The policy of every release table.  STABLE and evaluated once per query
-- (the policy wraps it in a scalar subquery).
CREATE FUNCTION pseudolink.release_readable(release_id bigint)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM pseudolink.release x
                   JOIN pseudolink.data_request r ON r.request_id OPERATOR(pg_catalog.=) x.request_id
                   WHERE x.release_id OPERATOR(pg_catalog.=) $1
                     AND x.status OPERATOR(pg_catalog.=) 'live'
                     AND r.status OPERATOR(pg_catalog.=) 'released'
                     AND x.project_id OPERATOR(pg_catalog.=) ANY (pseudolink.my_projects()))
$$;

COMMENT ON FUNCTION pseudolink.release_readable(bigint) IS
    'whether the calling role may read a release now: it acts as an active researcher of the release''s active project, with a current agreement and authorisation, and the release is live';

CREATE FUNCTION pseudolink.release_request(request_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req record;
    proj record;
    rel_id bigint;
    version integer;
    src record;
    var record;
    tab text;
    cols text;
    exprs text;
    vars text[];
    n bigint;
    in_cohort bigint;
    objected bigint;
    no_consent bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'release data');
    SELECT r.* INTO req FROM pseudolink.data_request r
    WHERE r.request_id OPERATOR(pg_catalog.=) release_request.request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'data request % does not exist', release_request.request_id
            USING ERRCODE = 'undefined_object';
    END IF;
    SELECT p.* INTO proj FROM pseudolink.project p WHERE p.project_id OPERATOR(pg_catalog.=) req.project_id;
    SELECT pg_catalog.max(k.version) INTO version FROM pseudolink.key_version k
    WHERE k.domain OPERATOR(pg_catalog.=) proj.key_domain;
    INSERT INTO pseudolink.release (request_id, project_id, key_domain, key_version, released_by)
    VALUES (req.request_id, req.project_id, proj.key_domain, version, pseudolink.calling_role())
    RETURNING release_id INTO rel_id;

    IF NOT EXISTS (SELECT FROM pseudolink.source_load l
                   JOIN pseudolink.catalogue_source c ON c.source OPERATOR(pg_catalog.=) l.source
                   WHERE l.request_id OPERATOR(pg_catalog.=) req.request_id
                     AND c.registry OPERATOR(pg_catalog.=) req.registry
                     AND l.closed_at IS NOT NULL AND l.deleted_at IS NULL) THEN
        RAISE EXCEPTION 'no linked registry records are loaded for data request %', req.request_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A release holds the persons of the registry records linked for the request.',
                  HINT = 'Load them with pseudolink.open_source_load(source, request_id) and close the load.';
    END IF;

    -- The cohort: persons of the request's (consenting) registry records,
    -- without those who objected.
    IF pg_catalog.to_regclass('pg_temp.pseudolink_release_records') IS NOT NULL THEN
        DROP TABLE pg_temp.pseudolink_release_records;
    END IF;
    IF pg_catalog.to_regclass('pg_temp.pseudolink_release_cohort') IS NOT NULL THEN
        DROP TABLE pg_temp.pseudolink_release_cohort;
    END IF;
    IF pg_catalog.to_regclass('pg_temp.pseudolink_release_objected') IS NOT NULL THEN
        DROP TABLE pg_temp.pseudolink_release_objected;
    END IF;
    -- Who objected, worked out once for the whole release.
    CREATE TEMPORARY TABLE pseudolink_release_objected ON COMMIT DROP AS
    SELECT DISTINCT o.person FROM pseudolink.objected_persons(req.registry) o;
    CREATE UNIQUE INDEX ON pg_temp.pseudolink_release_objected (person);
    ANALYZE pg_temp.pseudolink_release_objected;
    CREATE TEMPORARY TABLE pseudolink_release_records ON COMMIT DROP AS
    SELECT s.person, s.consent IS TRUE AS consented
    FROM pseudolink.source_row s
    JOIN pseudolink.source_load l ON l.load_id OPERATOR(pg_catalog.=) s.load_id
    JOIN pseudolink.catalogue_source c ON c.source OPERATOR(pg_catalog.=) l.source
    WHERE l.request_id OPERATOR(pg_catalog.=) req.request_id
      AND c.registry OPERATOR(pg_catalog.=) req.registry
      AND l.closed_at IS NOT NULL AND l.deleted_at IS NULL;
    CREATE TEMPORARY TABLE pseudolink_release_cohort ON COMMIT DROP AS
    SELECT DISTINCT r.person FROM pg_temp.pseudolink_release_records r
    WHERE (r.consented OR req.legal_basis OPERATOR(pg_catalog.<>) 'informed_consent')
      AND NOT EXISTS (SELECT FROM pg_temp.pseudolink_release_objected o
                      WHERE o.person OPERATOR(pseudolink.=) r.person);
    CREATE UNIQUE INDEX ON pg_temp.pseudolink_release_cohort (person);
    ANALYZE pg_temp.pseudolink_release_cohort;
    SELECT pg_catalog.count(*) INTO in_cohort FROM pg_temp.pseudolink_release_cohort;
    SELECT pg_catalog.count(DISTINCT r.person) INTO objected FROM pg_temp.pseudolink_release_records r
    WHERE EXISTS (SELECT FROM pg_temp.pseudolink_release_objected o
                  WHERE o.person OPERATOR(pseudolink.=) r.person);
    SELECT pg_catalog.count(*) INTO no_consent FROM (
        SELECT r.person FROM pg_temp.pseudolink_release_records r
        WHERE NOT EXISTS (SELECT FROM pg_temp.pseudolink_release_objected o
                          WHERE o.person OPERATOR(pseudolink.=) r.person)
        GROUP BY r.person HAVING NOT pg_catalog.bool_or(r.consented)) x
    WHERE req.legal_basis OPERATOR(pg_catalog.=) 'informed_consent';

    -- One table per source, with exactly the approved columns.
    FOR src IN SELECT DISTINCT v.source, c.registry
               FROM pseudolink.request_variable v
               JOIN pseudolink.catalogue_source c ON c.source OPERATOR(pg_catalog.=) v.source
               WHERE v.request_id OPERATOR(pg_catalog.=) req.request_id
                 AND NOT EXISTS (SELECT FROM pseudolink.decision_excluded_variable x
                                 WHERE x.request_id OPERATOR(pg_catalog.=) v.request_id
                                   AND x.source OPERATOR(pg_catalog.=) v.source
                                   AND x.name OPERATOR(pg_catalog.=) v.name)
               ORDER BY v.source LOOP
        tab := pg_catalog.format('release_%s_%s', rel_id, src.source);
        cols := 'person pseudolink.pseudonym NOT NULL';
        exprs := pg_catalog.format('pseudolink.derive(s.person, %L, %s)', proj.key_domain, version);
        vars := '{}';
        FOR var IN SELECT v.name, v.version, k.data_type, k.definition, k.codes
                   FROM pseudolink.request_variable v
                   JOIN pseudolink.catalogue_variable k ON k.source OPERATOR(pg_catalog.=) v.source
                        AND k.name OPERATOR(pg_catalog.=) v.name AND k.version OPERATOR(pg_catalog.=) v.version
                   WHERE v.request_id OPERATOR(pg_catalog.=) req.request_id
                     AND v.source OPERATOR(pg_catalog.=) src.source
                     AND NOT EXISTS (SELECT FROM pseudolink.decision_excluded_variable x
                                     WHERE x.request_id OPERATOR(pg_catalog.=) v.request_id
                                       AND x.source OPERATOR(pg_catalog.=) v.source
                                       AND x.name OPERATOR(pg_catalog.=) v.name)
                   ORDER BY v.name LOOP
            cols := cols OPERATOR(pg_catalog.||) pg_catalog.format(', %I %s', var.name, var.data_type);
            exprs := exprs OPERATOR(pg_catalog.||)
                     pg_catalog.format(', (s.variables OPERATOR(pg_catalog.->>) %L)::%s', var.name, var.data_type);
            vars := vars OPERATOR(pg_catalog.||) (var.name OPERATOR(pg_catalog.||) '@' OPERATOR(pg_catalog.||) var.version);
        END LOOP;
        EXECUTE pg_catalog.format('CREATE TABLE pseudolink.%I (%s)', tab, cols);
        EXECUTE pg_catalog.format(
            'INSERT INTO pseudolink.%I
             SELECT %s
             FROM pseudolink.source_row s
             JOIN pseudolink.source_load l ON l.load_id OPERATOR(pg_catalog.=) s.load_id
             JOIN pg_temp.pseudolink_release_cohort c ON c.person OPERATOR(pseudolink.=) s.person
             WHERE s.source OPERATOR(pg_catalog.=) $1
               AND l.closed_at IS NOT NULL AND l.deleted_at IS NULL
               AND CASE WHEN $2 THEN l.request_id OPERATOR(pg_catalog.=) $3
                                     AND (s.consent IS TRUE OR $4 OPERATOR(pg_catalog.<>) ''informed_consent'')
                        ELSE (l.request_id IS NULL OR l.request_id OPERATOR(pg_catalog.=) $3)
                             AND s.reference_date OPERATOR(pg_catalog.>=) $5
                             AND s.reference_date OPERATOR(pg_catalog.<=) $6 END
             ORDER BY 1', tab, exprs)
        USING src.source, src.registry IS NOT NULL, req.request_id, req.legal_basis, req.period_from, req.period_to;
        GET DIAGNOSTICS n = ROW_COUNT;
        EXECUTE pg_catalog.format('ALTER TABLE pseudolink.%I ENABLE ROW LEVEL SECURITY', tab);
        EXECUTE pg_catalog.format('ALTER TABLE pseudolink.%I FORCE ROW LEVEL SECURITY', tab);
        EXECUTE pg_catalog.format(
            'CREATE POLICY release_read ON pseudolink.%I FOR SELECT TO pseudolink_researcher
             USING ((SELECT pseudolink.release_readable(%s)))', tab, rel_id);
        EXECUTE pg_catalog.format('REVOKE ALL ON TABLE pseudolink.%I FROM PUBLIC', tab);
        EXECUTE pg_catalog.format('GRANT SELECT ON TABLE pseudolink.%I TO pseudolink_researcher', tab);
        EXECUTE pg_catalog.format('COMMENT ON TABLE pseudolink.%I IS %L', tab,
            pg_catalog.format('release %s of data request %s to CBS project %s: %s', rel_id, req.request_id,
                              proj.cbs_project_number, src.source));
        EXECUTE pg_catalog.format('COMMENT ON POLICY release_read ON pseudolink.%I IS %L', tab,
            'readable by active researchers of the project while it, their agreement and their institution''s authorisation are current');
        EXECUTE pg_catalog.format('COMMENT ON COLUMN pseudolink.%I.person IS %L', tab,
            pg_catalog.format('the person, as a pseudonym of project %s (key domain %s, version %s)',
                              proj.cbs_project_number, proj.key_domain, version));
        FOR var IN SELECT v.name, v.version, k.definition, k.codes
                   FROM pseudolink.request_variable v
                   JOIN pseudolink.catalogue_variable k ON k.source OPERATOR(pg_catalog.=) v.source
                        AND k.name OPERATOR(pg_catalog.=) v.name AND k.version OPERATOR(pg_catalog.=) v.version
                   WHERE v.request_id OPERATOR(pg_catalog.=) req.request_id
                     AND v.source OPERATOR(pg_catalog.=) src.source LOOP
            CONTINUE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                                      WHERE a.attrelid OPERATOR(pg_catalog.=)
                                            pg_catalog.format('pseudolink.%I', tab)::regclass
                                        AND a.attname OPERATOR(pg_catalog.=) var.name);
            EXECUTE pg_catalog.format('COMMENT ON COLUMN pseudolink.%I.%I IS %L', tab, var.name,
                pg_catalog.format('%s.%s version %s: %s%s', src.source, var.name, var.version, var.definition,
                                  COALESCE(' (' OPERATOR(pg_catalog.||) var.codes OPERATOR(pg_catalog.||) ')', '')));
        END LOOP;
        INSERT INTO pseudolink.release_table (release_id, source, table_name, variables, row_count)
        VALUES (rel_id, src.source, pg_catalog.format('pseudolink.%I', tab), vars, n);
    END LOOP;

    UPDATE pseudolink.release x
    SET persons = in_cohort, excluded_objection = objected, excluded_consent = no_consent
    WHERE x.release_id OPERATOR(pg_catalog.=) rel_id;
    IF req.status OPERATOR(pg_catalog.=) 'approved' THEN
        UPDATE pseudolink.data_request r SET status = 'released'
        WHERE r.request_id OPERATOR(pg_catalog.=) req.request_id;
    END IF;
    PERFORM pseudolink.audit_append('release.tables', 'release', rel_id::text,
        pg_catalog.jsonb_build_object(
            'request_id', req.request_id, 'persons', in_cohort, 'excluded_objection', objected,
            'excluded_consent', no_consent,
            'tables', (SELECT pg_catalog.jsonb_object_agg(t.source, t.row_count) FROM pseudolink.release_table t
                       WHERE t.release_id OPERATOR(pg_catalog.=) rel_id)));
    DROP TABLE pg_temp.pseudolink_release_records, pg_temp.pseudolink_release_cohort,
        pg_temp.pseudolink_release_objected;
    RETURN rel_id;
END
$$;

COMMENT ON FUNCTION pseudolink.release_request(bigint) IS
    'step 5, by the steward: releases an approved request to its project, one table per source with exactly the approved columns and project-domain pseudonyms, without objecting persons (and, under informed consent, without records lacking consent); returns the release number';

CREATE FUNCTION pseudolink.close_request(request_id bigint, reason text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (pseudolink.acts_as('pseudolink_steward') OR pseudolink.acts_as('pseudolink_admin')) THEN
        RAISE EXCEPTION 'permission denied to close data request %', close_request.request_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The steward or the admin closes a request.';
    END IF;
    IF close_request.reason IS NULL OR pg_catalog.btrim(close_request.reason) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'a closing gives its reason'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM FROM pseudolink.data_request r
    WHERE r.request_id OPERATOR(pg_catalog.=) close_request.request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'data request % does not exist', close_request.request_id
            USING ERRCODE = 'undefined_object';
    END IF;
    UPDATE pseudolink.data_request r SET status = 'closed', status_reason = close_request.reason
    WHERE r.request_id OPERATOR(pg_catalog.=) close_request.request_id;
    UPDATE pseudolink.release x SET status = 'closed', closed_at = pg_catalog.now()
    WHERE x.request_id OPERATOR(pg_catalog.=) close_request.request_id
      AND x.status OPERATOR(pg_catalog.=) 'live';
END
$$;

COMMENT ON FUNCTION pseudolink.close_request(bigint, text) IS
    'closes an approved or released request, by the steward or the admin, with the reason: its releases stop being readable and are kept until the project''s retention ends';

-- The releases a researcher may read now, with their tables.
CREATE FUNCTION pseudolink.my_releases()
RETURNS TABLE (release_id bigint, request_id bigint, cbs_project_number text, source text,
               table_name text, variables text[], released_at timestamptz)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT x.release_id, x.request_id, p.cbs_project_number, t.source, t.table_name, t.variables, x.released_at
    FROM pseudolink.release x
    JOIN pseudolink.project p ON p.project_id OPERATOR(pg_catalog.=) x.project_id
    JOIN pseudolink.release_table t ON t.release_id OPERATOR(pg_catalog.=) x.release_id
    WHERE t.dropped_at IS NULL AND pseudolink.release_readable(x.release_id)
    ORDER BY x.release_id, t.source
$$;

COMMENT ON FUNCTION pseudolink.my_releases() IS
    'the release tables the calling role may read now, with their approved variables';
