-- Retention: source identifiers go at most 12 months after they were made
-- linkable, project data at the end of the project's retention period.
--
-- Identifiers live in the tables of the parts that handle them (a
-- registry's upload, the population register's staging): each such table
-- is registered here with the column that says when a row was made
-- linkable, and either the identifier columns to clear or none (the whole
-- row goes).  Project data are the release tables and the loads linked for
-- the project's requests; they go once the project's last day of retention
-- (end of term plus 5 or 10 years plus extensions) has passed, and the
-- requests still open are closed.
--
-- retention_due() lists what would go (a dry run); enforce_retention()
-- deletes it and records every deletion in pseudolink.retention_log and the
-- audit log, with counts, never contents.  Run it daily, for instance with
-- pg_cron (doc/dbas.md).

CREATE TABLE pseudolink.identifier_retention (
    table_name         text        NOT NULL,
    linkable_column    name        NOT NULL,
    identifier_columns name[],
    keep               interval    NOT NULL DEFAULT '12 months',
    shipped            boolean     NOT NULL DEFAULT false,
    registered_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by      name        NOT NULL DEFAULT session_user,
    CONSTRAINT identifier_retention_pkey PRIMARY KEY (table_name),
    CONSTRAINT identifier_retention_keep_valid CHECK (keep > interval '0' AND keep <= interval '12 months'),
    CONSTRAINT identifier_retention_columns_not_empty CHECK (identifier_columns IS NULL
                                                             OR cardinality(identifier_columns) >= 1)
);

COMMENT ON TABLE pseudolink.identifier_retention IS
    'tables holding source identifiers, and how long after being made linkable their identifiers are kept (at most 12 months)';
COMMENT ON COLUMN pseudolink.identifier_retention.table_name IS 'schema-qualified table name';
COMMENT ON COLUMN pseudolink.identifier_retention.linkable_column IS
    'the column (date or timestamp) that says when the row''s identifiers were made linkable';
COMMENT ON COLUMN pseudolink.identifier_retention.identifier_columns IS
    'the identifier columns set to null when due; null: the whole row is deleted';
COMMENT ON COLUMN pseudolink.identifier_retention.keep IS 'how long identifiers are kept after being made linkable';
COMMENT ON COLUMN pseudolink.identifier_retention.shipped IS
    'registered by an install script (left out of pg_dump, made again by CREATE EXTENSION)';
COMMENT ON COLUMN pseudolink.identifier_retention.registered_at IS 'when the table was registered';
COMMENT ON COLUMN pseudolink.identifier_retention.registered_by IS 'session user that registered it';
COMMENT ON CONSTRAINT identifier_retention_pkey ON pseudolink.identifier_retention IS 'a table is registered once';
COMMENT ON CONSTRAINT identifier_retention_keep_valid ON pseudolink.identifier_retention IS
    'identifiers are kept at most 12 months after being made linkable';
COMMENT ON CONSTRAINT identifier_retention_columns_not_empty ON pseudolink.identifier_retention IS
    'a list of identifier columns names at least one';

CREATE TABLE pseudolink.retention_log (
    deletion_id bigint      GENERATED ALWAYS AS IDENTITY,
    run_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    run_by      name        NOT NULL,
    kind        text        NOT NULL,
    object      text        NOT NULL,
    due_on      date,
    rows        bigint      NOT NULL,
    CONSTRAINT retention_log_pkey PRIMARY KEY (deletion_id),
    CONSTRAINT retention_log_kind_valid CHECK (kind IN ('identifiers', 'release_table', 'source_load')),
    CONSTRAINT retention_log_rows_not_negative CHECK (rows >= 0)
);

COMMENT ON TABLE pseudolink.retention_log IS 'every deletion by retention: what and how many rows, never their contents';
COMMENT ON COLUMN pseudolink.retention_log.deletion_id IS 'deletion number';
COMMENT ON COLUMN pseudolink.retention_log.run_at IS 'when';
COMMENT ON COLUMN pseudolink.retention_log.run_by IS 'the role that ran the retention';
COMMENT ON COLUMN pseudolink.retention_log.kind IS
    'identifiers (of a registered table), release_table (a release table dropped) or source_load (a load''s rows deleted)';
COMMENT ON COLUMN pseudolink.retention_log.object IS 'the table or load';
COMMENT ON COLUMN pseudolink.retention_log.due_on IS 'the day the oldest of the data fell due';
COMMENT ON COLUMN pseudolink.retention_log.rows IS 'rows deleted or cleared';
COMMENT ON CONSTRAINT retention_log_pkey ON pseudolink.retention_log IS 'deletion numbers are unique';
COMMENT ON CONSTRAINT retention_log_kind_valid ON pseudolink.retention_log IS 'the three kinds of deletion';
COMMENT ON CONSTRAINT retention_log_rows_not_negative ON pseudolink.retention_log IS 'counts are counts';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.identifier_retention', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.retention_log', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.retention_log', 'deletion_id'), '');

CREATE TRIGGER identifier_retention_audit AFTER INSERT OR UPDATE OR DELETE ON pseudolink.identifier_retention
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('table_name');
CREATE TRIGGER identifier_retention_no_truncate BEFORE TRUNCATE ON pseudolink.identifier_retention
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER retention_log_append_only BEFORE UPDATE OR DELETE ON pseudolink.retention_log
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('The retention log is never changed.');
CREATE TRIGGER retention_log_no_truncate BEFORE TRUNCATE ON pseudolink.retention_log
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change('The retention log is never emptied.');
COMMENT ON TRIGGER identifier_retention_audit ON pseudolink.identifier_retention IS 'logs every registration';
COMMENT ON TRIGGER identifier_retention_no_truncate ON pseudolink.identifier_retention IS 'registrations are never emptied';
COMMENT ON TRIGGER retention_log_append_only ON pseudolink.retention_log IS 'deletions stay recorded';
COMMENT ON TRIGGER retention_log_no_truncate ON pseudolink.retention_log IS 'deletions stay recorded';

CREATE FUNCTION pseudolink.register_identifier_table(table_name regclass, linkable_column name,
                                                     identifier_columns name[] DEFAULT NULL,
                                                     keep interval DEFAULT '12 months',
                                                     shipped boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qualified text;
    col_type regtype;
    c name;
BEGIN
    IF NOT (pseudolink.acts_as('pseudolink_admin') OR pseudolink.acts_as('pseudolink_steward')) THEN
        RAISE EXCEPTION 'permission denied to register identifier tables'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The admin or the steward registers them.';
    END IF;
    SELECT pg_catalog.format('%I.%I', n.nspname, k.relname) INTO qualified
    FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) k.relnamespace
    WHERE k.oid OPERATOR(pg_catalog.=) register_identifier_table.table_name;
    -- Retention deletes as the extension owner: only a table the caller may
    -- itself delete from (or, for cleared columns, update) is registered, so
    -- that registering cannot reach a table the caller could not change.
    IF NOT pg_catalog.has_table_privilege(pseudolink.calling_role(), register_identifier_table.table_name,
                                          CASE WHEN register_identifier_table.identifier_columns IS NULL
                                               THEN 'DELETE' ELSE 'UPDATE' END)
       OR (SELECT k.relnamespace FROM pg_catalog.pg_class k
           WHERE k.oid OPERATOR(pg_catalog.=) register_identifier_table.table_name)
          OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog'::regnamespace, 'information_schema'::regnamespace]) THEN
        RAISE EXCEPTION 'permission denied to register % for retention', qualified
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The caller must itself be allowed to delete rows from the table (or to update it, when only identifier columns are cleared); system catalogs are never registered.';
    END IF;
    SELECT a.atttypid::regtype INTO col_type FROM pg_catalog.pg_attribute a
    WHERE a.attrelid OPERATOR(pg_catalog.=) register_identifier_table.table_name
      AND a.attname OPERATOR(pg_catalog.=) register_identifier_table.linkable_column
      AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    IF col_type IS NULL OR col_type OPERATOR(pg_catalog.<>) ALL (ARRAY['date', 'timestamp without time zone',
                                                                       'timestamp with time zone']::regtype[]) THEN
        RAISE EXCEPTION 'column "%" of % is not a date or timestamp column', register_identifier_table.linkable_column,
                        qualified
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The column must say when the row''s identifiers were made linkable.';
    END IF;
    FOREACH c IN ARRAY COALESCE(register_identifier_table.identifier_columns, '{}') LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid OPERATOR(pg_catalog.=) register_identifier_table.table_name
                         AND a.attname OPERATOR(pg_catalog.=) c AND a.attnum OPERATOR(pg_catalog.>) 0
                         AND NOT a.attisdropped AND NOT a.attnotnull) THEN
            RAISE EXCEPTION 'column "%" of % is not a nullable column', c, qualified
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'Identifier columns are cleared (set to null) when due.';
        END IF;
    END LOOP;
    INSERT INTO pseudolink.identifier_retention (table_name, linkable_column, identifier_columns, keep, shipped)
    VALUES (qualified, register_identifier_table.linkable_column, register_identifier_table.identifier_columns,
            register_identifier_table.keep, register_identifier_table.shipped)
    ON CONFLICT ON CONSTRAINT identifier_retention_pkey DO UPDATE
    SET linkable_column = EXCLUDED.linkable_column, identifier_columns = EXCLUDED.identifier_columns,
        keep = EXCLUDED.keep;
END
$$;

COMMENT ON FUNCTION pseudolink.register_identifier_table(regclass, name, name[], interval, boolean) IS
    'registers (or updates) a table holding source identifiers for retention: the column saying when they were made linkable, the identifier columns to clear (null: delete the row), and how long to keep them (at most 12 months); shipped => true from an install script';

CREATE FUNCTION pseudolink.retention_due(as_of date DEFAULT pseudolink.today())
RETURNS TABLE (kind text, object text, due_on date, rows bigint)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    t record;
    col_type regtype;
    cond text;
BEGIN
    IF NOT (pseudolink.acts_as('pseudolink_admin') OR pseudolink.acts_as('pseudolink_steward')) THEN
        RAISE EXCEPTION 'permission denied to list data due for deletion'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The admin or the steward lists them.';
    END IF;
    -- Identifiers made linkable more than `keep` before the day.
    FOR t IN SELECT * FROM pseudolink.identifier_retention i ORDER BY i.table_name LOOP
        IF pg_catalog.to_regclass(t.table_name) IS NULL THEN
            RAISE WARNING 'registered identifier table % does not exist', t.table_name;
            CONTINUE;
        END IF;
        SELECT a.atttypid::regtype INTO col_type FROM pg_catalog.pg_attribute a
        WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(t.table_name)
          AND a.attname OPERATOR(pg_catalog.=) t.linkable_column;
        cond := pseudolink.identifier_due_condition(t.table_name, t.linkable_column, col_type,
                                                    t.identifier_columns, t.keep, as_of);
        kind := 'identifiers';
        object := t.table_name;
        EXECUTE pg_catalog.format('SELECT pg_catalog.count(*), pg_catalog.min(%I) FROM %s WHERE %s',
                                  t.linkable_column, t.table_name, cond)
        INTO rows, due_on;
        IF rows OPERATOR(pg_catalog.>) 0 THEN
            due_on := (due_on OPERATOR(pg_catalog.+) t.keep)::date;
            RETURN NEXT;
        END IF;
    END LOOP;
    -- Project data after the last day of retention.
    FOR t IN SELECT rt.table_name, pseudolink.project_retention_until(x.project_id) AS last_day
             FROM pseudolink.release_table rt
             JOIN pseudolink.release x ON x.release_id OPERATOR(pg_catalog.=) rt.release_id
             WHERE rt.dropped_at IS NULL
               AND pseudolink.project_retention_until(x.project_id) OPERATOR(pg_catalog.<) as_of
             ORDER BY rt.release_id, rt.source LOOP
        kind := 'release_table';
        object := t.table_name;
        due_on := t.last_day OPERATOR(pg_catalog.+) 1;
        EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', t.table_name) INTO rows;
        RETURN NEXT;
    END LOOP;
    FOR t IN SELECT l.load_id, pseudolink.project_retention_until(r.project_id) AS last_day
             FROM pseudolink.source_load l
             JOIN pseudolink.data_request r ON r.request_id OPERATOR(pg_catalog.=) l.request_id
             WHERE l.deleted_at IS NULL
               AND pseudolink.project_retention_until(r.project_id) OPERATOR(pg_catalog.<) as_of
             ORDER BY l.load_id LOOP
        kind := 'source_load';
        object := 'load ' OPERATOR(pg_catalog.||) t.load_id;
        due_on := t.last_day OPERATOR(pg_catalog.+) 1;
        SELECT pg_catalog.count(*) INTO rows FROM pseudolink.source_row s
        WHERE s.load_id OPERATOR(pg_catalog.=) t.load_id;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION pseudolink.retention_due(date) IS
    'the dry run: what retention would delete on a day (default today) - identifiers past their keep period, release tables and request loads of projects past retention - with row counts';

-- The WHERE condition selecting the due rows of a registered identifier
-- table (with identifiers left to clear, when only columns are cleared).
CREATE FUNCTION pseudolink.identifier_due_condition(table_name text, linkable_column name, col_type regtype,
                                                    identifier_columns name[], keep interval, as_of date)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    -- The cut-off is written in ISO form (UTC for timestamptz), so that the
    -- session's DateStyle and TimeZone do not change it.
    SELECT pg_catalog.format('%I OPERATOR(pg_catalog.<) %L::%s', $2,
               CASE $3::text
                   WHEN 'date' THEN pg_catalog.to_char($6 OPERATOR(pg_catalog.-) $5, 'YYYY-MM-DD')
                   WHEN 'timestamp without time zone'
                       THEN pg_catalog.to_char($6 OPERATOR(pg_catalog.-) $5, 'YYYY-MM-DD HH24:MI:SS')
                   ELSE pg_catalog.to_char((($6 OPERATOR(pg_catalog.-) $5) AT TIME ZONE 'Europe/Amsterdam')
                                           AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') OPERATOR(pg_catalog.||) '+00'
               END,
               $3::text)
           OPERATOR(pg_catalog.||)
           COALESCE(' AND (' OPERATOR(pg_catalog.||)
                    (SELECT pg_catalog.string_agg(pg_catalog.format('%I IS NOT NULL', c), ' OR ')
                     FROM pg_catalog.unnest($4) c) OPERATOR(pg_catalog.||) ')', '')
$$;

COMMENT ON FUNCTION pseudolink.identifier_due_condition(text, name, regtype, name[], interval, date) IS
    'the SQL condition of the rows of an identifier table that are due on a day (internal)';

CREATE FUNCTION pseudolink.enforce_retention(dry_run boolean DEFAULT true)
RETURNS TABLE (kind text, object text, due_on date, rows bigint, deleted boolean)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    d record;
    t record;
    col_type regtype;
    n bigint;
    run_role name := pseudolink.calling_role();
    load_no bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'enforce retention');
    IF dry_run IS NOT FALSE THEN
        RETURN QUERY SELECT r.kind, r.object, r.due_on, r.rows, false FROM pseudolink.retention_due() r;
        RETURN;
    END IF;
    FOR d IN SELECT * FROM pseudolink.retention_due() LOOP
        kind := d.kind;
        object := d.object;
        due_on := d.due_on;
        deleted := true;
        IF d.kind OPERATOR(pg_catalog.=) 'identifiers' THEN
            SELECT i.* INTO t FROM pseudolink.identifier_retention i
            WHERE i.table_name OPERATOR(pg_catalog.=) d.object;
            SELECT a.atttypid::regtype INTO col_type FROM pg_catalog.pg_attribute a
            WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(t.table_name)
              AND a.attname OPERATOR(pg_catalog.=) t.linkable_column;
            IF t.identifier_columns IS NULL THEN
                EXECUTE pg_catalog.format('DELETE FROM %s WHERE %s', t.table_name,
                    pseudolink.identifier_due_condition(t.table_name, t.linkable_column, col_type, NULL,
                                                        t.keep, pseudolink.today()));
            ELSE
                EXECUTE pg_catalog.format('UPDATE %s SET %s WHERE %s', t.table_name,
                    (SELECT pg_catalog.string_agg(pg_catalog.format('%I = NULL', c), ', ')
                     FROM pg_catalog.unnest(t.identifier_columns) c),
                    pseudolink.identifier_due_condition(t.table_name, t.linkable_column, col_type,
                                                        t.identifier_columns, t.keep, pseudolink.today()));
            END IF;
            GET DIAGNOSTICS n = ROW_COUNT;
        ELSIF d.kind OPERATOR(pg_catalog.=) 'release_table' THEN
            EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', d.object) INTO n;
            EXECUTE pg_catalog.format('DROP TABLE %s', d.object);
            UPDATE pseudolink.release_table rt SET dropped_at = pg_catalog.now(), dropped_rows = n
            WHERE rt.table_name OPERATOR(pg_catalog.=) d.object;
        ELSE
            load_no := pg_catalog.substr(d.object, 6)::bigint;
            DELETE FROM pseudolink.source_row s WHERE s.load_id OPERATOR(pg_catalog.=) load_no;
            GET DIAGNOSTICS n = ROW_COUNT;
            UPDATE pseudolink.source_load l
            SET closed_at = COALESCE(l.closed_at, pg_catalog.now()),
                row_count = COALESCE(l.row_count, n),
                deleted_at = pg_catalog.now(), deleted_rows = n
            WHERE l.load_id OPERATOR(pg_catalog.=) load_no;
        END IF;
        rows := n;
        INSERT INTO pseudolink.retention_log (run_by, kind, object, due_on, rows)
        VALUES (run_role, d.kind, d.object, d.due_on, n);
        PERFORM pseudolink.audit_append('retention.' OPERATOR(pg_catalog.||) d.kind, d.kind, d.object,
                                        pg_catalog.jsonb_build_object('rows', n, 'due_on', d.due_on));
        RETURN NEXT;
    END LOOP;
    -- Releases without tables left are deleted; requests of projects past
    -- retention are closed.
    UPDATE pseudolink.release x
    SET status = 'deleted', closed_at = COALESCE(x.closed_at, pg_catalog.now()), deleted_at = pg_catalog.now()
    WHERE x.status OPERATOR(pg_catalog.<>) 'deleted'
      AND NOT EXISTS (SELECT FROM pseudolink.release_table rt
                      WHERE rt.release_id OPERATOR(pg_catalog.=) x.release_id AND rt.dropped_at IS NULL)
      AND pseudolink.project_retention_until(x.project_id) OPERATOR(pg_catalog.<) pseudolink.today();
    UPDATE pseudolink.data_request r SET status = 'closed', status_reason = 'the retention period has ended'
    WHERE r.status OPERATOR(pg_catalog.=) ANY (ARRAY['approved', 'released'])
      AND pseudolink.project_retention_until(r.project_id) OPERATOR(pg_catalog.<) pseudolink.today();
END
$$;

COMMENT ON FUNCTION pseudolink.enforce_retention(boolean) IS
    'by the steward: with dry_run => false deletes what pseudolink.retention_due() lists, records each deletion (counts) in pseudolink.retention_log and the audit log, and closes what retention ended; with the default dry_run => true only lists it';
