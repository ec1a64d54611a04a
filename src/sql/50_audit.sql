-- Governance foundations: the calling role, the governance calendar date,
-- and the audit log that every governance step writes to.
--
-- The audit log is append-only and hash-chained: row n holds
-- sha256(hash of row n-1 || its own contents), so a changed, inserted or
-- removed row breaks the chain at that point, and audit_verify() finds it.
-- UPDATE, DELETE and TRUNCATE are refused by triggers, which fire for the
-- table owner and for superusers too.  A superuser can still switch triggers
-- off (session_replication_role, ALTER TABLE ... DISABLE TRIGGER) or rewrite
-- the whole chain; audit_verify() reports missing or disabled guards, and a
-- head (audit_head()) copied to a place outside the database detects a
-- rewritten or shortened chain.  Rows hold keys and counts, never
-- identifiers or released contents.
--
-- Appends are serialised (a lock on the log until commit), so that row
-- numbers have no gaps and every row continues the one before it: an
-- aborted transaction leaves no trace and the next append takes its number.

CREATE FUNCTION pseudolink.calling_role()
RETURNS name
AS 'MODULE_PATHNAME', 'pseudolink_calling_role'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.calling_role() IS
    'the role a statement runs as outside every SECURITY DEFINER function (the session user or its SET ROLE): whom a governance procedure acts for';

-- Expiry dates are calendar dates in the Netherlands: a session's TimeZone
-- setting must not move a deadline by a day.
CREATE FUNCTION pseudolink.today()
RETURNS date
LANGUAGE sql
STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN (pg_catalog.now() AT TIME ZONE 'Europe/Amsterdam')::date;

COMMENT ON FUNCTION pseudolink.today() IS
    'the current date in the Netherlands (Europe/Amsterdam), whatever the session''s TimeZone: the date every term, authorisation and retention period is compared with';

-- Restoring a dump: pg_dump reloads extension tables with COPY, by a
-- superuser or the table owner.  Those rows are recorded history, so the
-- governance triggers neither re-check them as new steps (a request restored
-- as released was never submitted as released) nor log them again (the
-- restored audit log already holds them).  Nobody else may write to the
-- governance tables directly, and a COPY by anyone else is checked as usual.
CREATE FUNCTION pseudolink.restoring(rel regclass)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(pg_catalog.current_query() OPERATOR(pg_catalog.~*) '^\s*copy\s.*\sfrom\s+stdin', false)
       AND EXISTS (SELECT FROM pg_catalog.pg_class c
                   WHERE c.oid OPERATOR(pg_catalog.=) rel
                     AND pg_catalog.pg_has_role(pseudolink.calling_role(), c.relowner, 'USAGE'))
$$;

COMMENT ON FUNCTION pseudolink.restoring(regclass) IS
    'true while the table owner (or a superuser) reloads the table with COPY FROM STDIN, as pg_restore does: triggers then take the rows as restored history';

CREATE TABLE pseudolink.audit_log (
    seq          bigint      NOT NULL,
    logged_at    timestamptz NOT NULL,
    actor        name        NOT NULL,
    session_role name        NOT NULL,
    action       text        NOT NULL,
    object_type  text        NOT NULL,
    object_id    text,
    details      jsonb       NOT NULL DEFAULT '{}',
    prev_hash    bytea       NOT NULL,
    hash         bytea       NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (seq),
    CONSTRAINT audit_log_seq_positive CHECK (seq >= 1),
    CONSTRAINT audit_log_prev_hash_length CHECK (length(prev_hash) = 32),
    CONSTRAINT audit_log_hash_length CHECK (length(hash) = 32),
    CONSTRAINT audit_log_details_object CHECK (jsonb_typeof(details) = 'object')
);

COMMENT ON TABLE pseudolink.audit_log IS
    'append-only, hash-chained log of every governance step: who did what to which object, with counts, never identifiers or contents';
COMMENT ON COLUMN pseudolink.audit_log.seq IS 'position in the chain: 1, 2, 3, ... without gaps';
COMMENT ON COLUMN pseudolink.audit_log.logged_at IS 'when the row was appended (clock time)';
COMMENT ON COLUMN pseudolink.audit_log.actor IS 'the role the step was done as (pseudolink.calling_role())';
COMMENT ON COLUMN pseudolink.audit_log.session_role IS 'the session (login) user of the connection';
COMMENT ON COLUMN pseudolink.audit_log.action IS 'what was done, such as request.submit or data_request.update';
COMMENT ON COLUMN pseudolink.audit_log.object_type IS 'kind of object the step applies to (usually a table name)';
COMMENT ON COLUMN pseudolink.audit_log.object_id IS 'key of the object, as text (a number or a JSON object of key columns)';
COMMENT ON COLUMN pseudolink.audit_log.details IS 'what changed: column names, status changes, counts';
COMMENT ON COLUMN pseudolink.audit_log.prev_hash IS 'hash of the row before (32 zero bytes for row 1)';
COMMENT ON COLUMN pseudolink.audit_log.hash IS 'sha256(prev_hash || UTF-8 of pseudolink.audit_payload(...)) of this row';
COMMENT ON CONSTRAINT audit_log_pkey ON pseudolink.audit_log IS 'one row per chain position';
COMMENT ON CONSTRAINT audit_log_seq_positive ON pseudolink.audit_log IS 'the chain starts at 1';
COMMENT ON CONSTRAINT audit_log_prev_hash_length ON pseudolink.audit_log IS 'a previous hash is a sha256 value';
COMMENT ON CONSTRAINT audit_log_hash_length ON pseudolink.audit_log IS 'a hash is a sha256 value';
COMMENT ON CONSTRAINT audit_log_details_object ON pseudolink.audit_log IS 'details are a JSON object';

-- pg_dump keeps the whole log; restoring it into a fresh database gives the
-- same chain (audit_verify() holds there too).
SELECT pg_catalog.pg_extension_config_dump('pseudolink.audit_log', '');

-- The hashed message of a row.  A JSON array: every field is escaped, so no
-- field can run into the next; the time is UTC with microseconds, so the
-- message does not depend on the session's TimeZone or DateStyle.
CREATE FUNCTION pseudolink.audit_payload(seq bigint, logged_at timestamptz, actor name,
                                         session_role name, action text, object_type text,
                                         object_id text, details jsonb)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN pg_catalog.jsonb_build_array(
           seq,
           pg_catalog.to_char(logged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           actor::text, session_role::text, action, object_type, object_id, details)::text;

COMMENT ON FUNCTION pseudolink.audit_payload(bigint, timestamptz, name, name, text, text, text, jsonb) IS
    'the message an audit row''s hash covers: a JSON array of its fields, the time in UTC';

CREATE FUNCTION pseudolink.audit_append(action text, object_type text, object_id text,
                                        details jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    last_seq  bigint;
    last_hash bytea;
    row_seq   bigint;
    row_at    timestamptz := pg_catalog.clock_timestamp();
    row_actor name := pseudolink.calling_role();
    row_details jsonb := COALESCE(audit_append.details, '{}');
BEGIN
    -- One appender at a time until commit: the chain has no forks or gaps.
    LOCK TABLE pseudolink.audit_log IN SHARE ROW EXCLUSIVE MODE;
    SELECT a.seq, a.hash INTO last_seq, last_hash
    FROM pseudolink.audit_log a ORDER BY a.seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        last_seq := 0;
        last_hash := pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex');
    END IF;
    row_seq := last_seq OPERATOR(pg_catalog.+) 1;
    INSERT INTO pseudolink.audit_log (seq, logged_at, actor, session_role, action, object_type,
                                      object_id, details, prev_hash, hash)
    VALUES (row_seq, row_at, row_actor, session_user, audit_append.action, audit_append.object_type,
            audit_append.object_id, row_details, last_hash,
            pg_catalog.sha256(last_hash OPERATOR(pg_catalog.||) pg_catalog.convert_to(
                pseudolink.audit_payload(row_seq, row_at, row_actor, session_user,
                                         audit_append.action, audit_append.object_type,
                                         audit_append.object_id, row_details), 'UTF8')));
    RETURN row_seq;
END
$$;

COMMENT ON FUNCTION pseudolink.audit_append(text, text, text, jsonb) IS
    'appends a row to the audit log, chained to the row before; returns its position (internal: called by the governance procedures and triggers)';

-- Refuses what would change recorded history.  TG_ARGV[0], when given, is
-- the hint.  Used for the audit log and for the other append-only records.
CREATE FUNCTION pseudolink.refuse_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'pseudolink.% is append-only', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported',
              DETAIL = pg_catalog.format('%s of recorded rows is refused for every role, the table owner included.',
                                         TG_OP),
              HINT = COALESCE(TG_ARGV[0], 'Record a new row instead.');
END
$$;

COMMENT ON FUNCTION pseudolink.refuse_change() IS
    'trigger: refuses UPDATE, DELETE and TRUNCATE on an append-only table (argument: the hint)';

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON pseudolink.audit_log
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('The audit log is never changed; pseudolink.audit_verify() checks it.');
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON pseudolink.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change('The audit log is never emptied.');

COMMENT ON TRIGGER audit_log_append_only ON pseudolink.audit_log IS 'refuses UPDATE and DELETE, also for the owner';
COMMENT ON TRIGGER audit_log_no_truncate ON pseudolink.audit_log IS 'refuses TRUNCATE, also for the owner';

-- Row changes of a governance table, by key: TG_ARGV holds the key columns.
-- An UPDATE records the names of the changed columns (and a status change
-- with both values), never the values of other columns.
CREATE FUNCTION pseudolink.audit_row()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_row jsonb;
    old_row jsonb;
    key jsonb := '{}';
    details jsonb := '{}';
    k text;
    changed text[];
    subject jsonb;
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NULL;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
        old_row := pg_catalog.to_jsonb(OLD);
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        new_row := pg_catalog.to_jsonb(NEW);
    END IF;
    subject := COALESCE(new_row, old_row);
    FOREACH k IN ARRAY TG_ARGV LOOP
        key := key OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(k, subject OPERATOR(pg_catalog.->) k);
    END LOOP;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        SELECT pg_catalog.array_agg(n.key ORDER BY n.key) INTO changed
        FROM pg_catalog.jsonb_each(new_row) n
        WHERE n.value IS DISTINCT FROM (old_row OPERATOR(pg_catalog.->) n.key);
        details := pg_catalog.jsonb_build_object('changed', COALESCE(changed, '{}'));
        IF 'status' OPERATOR(pg_catalog.=) ANY (changed) THEN
            details := details OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
                'from', old_row OPERATOR(pg_catalog.->) 'status',
                'to', new_row OPERATOR(pg_catalog.->) 'status');
        END IF;
    END IF;
    PERFORM pseudolink.audit_append(TG_TABLE_NAME OPERATOR(pg_catalog.||) '.'
                                        OPERATOR(pg_catalog.||) pg_catalog.lower(TG_OP),
                                    TG_TABLE_NAME, key::text, details);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION pseudolink.audit_row() IS
    'trigger: appends a row change of a governance table to the audit log, by key (arguments: the key columns), with the names of changed columns';

CREATE FUNCTION pseudolink.audit_verify(anchor_seq bigint DEFAULT NULL, anchor_hash bytea DEFAULT NULL)
RETURNS TABLE (seq bigint, problem text)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    r record;
    expect_seq bigint := 1;
    expect_prev bytea := decode(repeat('00', 32), 'hex');
    anchor_found boolean := false;
    t text;
BEGIN
    -- The guards must be in place and enabled: a disabled guard is how a
    -- superuser would edit the log.
    FOREACH t IN ARRAY ARRAY['audit_log_append_only', 'audit_log_no_truncate'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger g
                       WHERE g.tgrelid = 'pseudolink.audit_log'::regclass
                         AND g.tgname = t AND g.tgenabled = 'O') THEN
            seq := NULL;
            problem := format('the guard trigger %s is missing or not enabled', t);
            RETURN NEXT;
        END IF;
    END LOOP;
    FOR r IN SELECT a.* FROM pseudolink.audit_log a ORDER BY a.seq LOOP
        IF r.seq > expect_seq THEN
            seq := r.seq;
            problem := CASE WHEN r.seq - 1 = expect_seq THEN format('row %s is missing', expect_seq)
                            ELSE format('rows %s to %s are missing', expect_seq, r.seq - 1) END;
            RETURN NEXT;
        END IF;
        IF r.prev_hash IS DISTINCT FROM expect_prev THEN
            seq := r.seq;
            problem := CASE WHEN r.seq = 1
                            THEN 'the first row does not start the chain'
                            ELSE format('the row does not continue row %s', r.seq - 1) END;
            RETURN NEXT;
        END IF;
        IF r.hash IS DISTINCT FROM sha256(r.prev_hash || convert_to(
               pseudolink.audit_payload(r.seq, r.logged_at, r.actor, r.session_role, r.action,
                                        r.object_type, r.object_id, r.details), 'UTF8')) THEN
            seq := r.seq;
            problem := 'the row''s contents do not match its hash';
            RETURN NEXT;
        END IF;
        IF r.seq = anchor_seq THEN
            anchor_found := true;
            IF r.hash IS DISTINCT FROM anchor_hash THEN
                seq := r.seq;
                problem := 'the row differs from the anchor';
                RETURN NEXT;
            END IF;
        END IF;
        expect_seq := r.seq + 1;
        expect_prev := r.hash;
    END LOOP;
    IF anchor_seq IS NOT NULL AND NOT anchor_found THEN
        seq := anchor_seq;
        problem := 'the anchor row is missing: the log was shortened';
        RETURN NEXT;
    END IF;
END
$$;

COMMENT ON FUNCTION pseudolink.audit_verify(bigint, bytea) IS
    'checks the audit log: guards in place, no gaps, every row chained to the one before and matching its hash, and (given an anchor from audit_head()) the anchored row unchanged; returns one row per problem, none when intact';

CREATE FUNCTION pseudolink.audit_head()
RETURNS TABLE (seq bigint, hash text, logged_at timestamptz)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.seq, encode(a.hash, 'hex'), a.logged_at
    FROM pseudolink.audit_log a ORDER BY a.seq DESC LIMIT 1
$$;

COMMENT ON FUNCTION pseudolink.audit_head() IS
    'the last row of the audit log with its hash (hexadecimal): copy it outside the database and pass it to audit_verify() later to detect a rewritten or shortened log';

ALTER TABLE pseudolink.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON pseudolink.audit_log
    FOR SELECT TO pseudolink_admin, pseudolink_steward USING (true);
COMMENT ON POLICY audit_log_read ON pseudolink.audit_log IS
    'the admin and the steward read the whole log';

REVOKE ALL ON TABLE pseudolink.audit_log FROM PUBLIC;
GRANT SELECT ON TABLE pseudolink.audit_log TO pseudolink_admin, pseudolink_steward;

REVOKE ALL ON FUNCTION pseudolink.calling_role(), pseudolink.today(), pseudolink.restoring(regclass),
    pseudolink.audit_payload(bigint, timestamptz, name, name, text, text, text, jsonb),
    pseudolink.audit_append(text, text, text, jsonb), pseudolink.refuse_change(),
    pseudolink.audit_row(), pseudolink.audit_verify(bigint, bytea), pseudolink.audit_head()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pseudolink.calling_role(), pseudolink.today(), pseudolink.restoring(regclass)
TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer,
   pseudolink_researcher;
GRANT EXECUTE ON FUNCTION
    pseudolink.audit_payload(bigint, timestamptz, name, name, text, text, text, jsonb),
    pseudolink.audit_verify(bigint, bytea), pseudolink.audit_head()
TO pseudolink_admin, pseudolink_steward;
