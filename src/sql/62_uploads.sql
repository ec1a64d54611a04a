-- Registry uploads: a registry's service opens an upload (registry, batch
-- id), adds rows (COPY into the staging table, or add_upload_rows() with a
-- JSON array), and closes it.  Closing checks every row: bad rows go to
-- upload_reject with their row number and the rule they break, good rows
-- are normalised into upload_record with their person key (kind S) and
-- blocking keys, ready for the link run; the receipt gives the counts, and
-- accepted + rejected = submitted always.  doc/pipeline.md has the details
-- and doc/applications.md the calls.
--
-- Who may do what is decided by row-level security on the current role
-- only, never by a setting: a registry (PCI, CABG, TAVI) names the role
-- whose members upload for it, and its uploads, receipts and rejects are
-- visible to those members, the steward and (uploads only) the admin.  The
-- registry's functions therefore run as the caller (SECURITY INVOKER), so
-- that RLS sees who calls.  The work that needs the steward's rights (the
-- staged identifiers, person keys, blocking keys) is done by two SECURITY
-- DEFINER functions that act only on an upload that the caller has, in
-- this very transaction, moved to the transient state closing or
-- cancelling: an UPDATE that RLS allowed the caller.  A deferred trigger
-- makes sure that no transaction commits an upload in a transient state,
-- so no other session ever sees one, and nobody can make the definer
-- functions act on someone else's upload.
--
-- The staging table has no RLS because COPY FROM refuses tables with RLS;
-- registries may INSERT into it and read nothing of it (so that even the
-- error detail of a failing row cannot show other values), and a
-- statement trigger checks, as the caller, that every row goes to an open
-- upload the caller can see.
--
-- States: open -> closed -> linking -> linked (linking -> closed when a
-- link run is abandoned), and open -> cancelled.  A closed upload, its
-- records and its rejects never change (only the records' blocking keys
-- may be rebuilt by the steward).

-- Registries ----------------------------------------------------------------

CREATE TABLE pseudolink.upload_registry (
    code        text        NOT NULL,
    uploader    name        NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name        NOT NULL DEFAULT session_user,
    CONSTRAINT upload_registry_pkey PRIMARY KEY (code),
    CONSTRAINT upload_registry_code_valid CHECK (code ~ '^[A-Z][A-Z0-9_]{0,31}$')
);
COMMENT ON TABLE pseudolink.upload_registry IS
    'registries that upload (PCI, CABG, TAVI, ...) and the role whose members upload for each';
COMMENT ON COLUMN pseudolink.upload_registry.code IS 'registry code: A-Z, 0-9 and _, starting with a letter, at most 32 characters';
COMMENT ON COLUMN pseudolink.upload_registry.uploader IS
    'role whose members (directly or not) upload for the registry and read its receipts; it should be a member of pseudolink_registry';
COMMENT ON COLUMN pseudolink.upload_registry.description IS 'what the registry holds';
COMMENT ON COLUMN pseudolink.upload_registry.created_at IS 'when the registry was added';
COMMENT ON COLUMN pseudolink.upload_registry.created_by IS 'session user that added it';
COMMENT ON CONSTRAINT upload_registry_pkey ON pseudolink.upload_registry IS 'a registry code is used once';
COMMENT ON CONSTRAINT upload_registry_code_valid ON pseudolink.upload_registry IS 'registry codes are upper-case names such as PCI';

-- Whether the current role uploads for a registry.  Used by the policies,
-- evaluated as the querying role.
CREATE FUNCTION pseudolink.is_uploader(registry text)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT FROM pseudolink.upload_registry r
             JOIN pg_catalog.pg_roles a ON a.rolname OPERATOR(pg_catalog.=) r.uploader
        WHERE r.code OPERATOR(pg_catalog.=) $1
          AND pg_catalog.pg_has_role(current_user, a.oid, 'MEMBER'))
$$;
COMMENT ON FUNCTION pseudolink.is_uploader(text) IS
    'whether the current role is a member of the registry''s uploader role';

-- Uploads --------------------------------------------------------------------

CREATE TABLE pseudolink.upload (
    upload_id        bigint      GENERATED ALWAYS AS IDENTITY,
    registry         text        NOT NULL,
    batch_id         text        NOT NULL,
    description      text,
    state            text        NOT NULL DEFAULT 'open',
    opened_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    opened_by        name        NOT NULL DEFAULT current_user,
    closed_at        timestamptz,
    closed_by        name,
    state_changed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    submitted        bigint,
    accepted         bigint,
    rejected         bigint,
    discarded        bigint,
    content_hash     text,
    keys_model       text,
    CONSTRAINT upload_pkey PRIMARY KEY (upload_id),
    CONSTRAINT upload_registry_fkey FOREIGN KEY (registry) REFERENCES pseudolink.upload_registry (code),
    CONSTRAINT upload_batch_id_valid CHECK (batch_id ~ '^[^[:cntrl:]]{1,100}$' AND batch_id = pg_catalog.btrim(batch_id)),
    CONSTRAINT upload_state_valid CHECK (state IN ('open', 'closing', 'closed', 'linking', 'linked',
                                                  'cancelling', 'cancelled')),
    CONSTRAINT upload_counts_when_closed CHECK (
        (state IN ('closed', 'linking', 'linked'))
        = (submitted IS NOT NULL AND accepted IS NOT NULL AND rejected IS NOT NULL AND content_hash IS NOT NULL)),
    CONSTRAINT upload_counts_add_up CHECK (accepted + rejected = submitted),
    CONSTRAINT upload_discarded_when_cancelled CHECK ((state = 'cancelled') = (discarded IS NOT NULL))
);
CREATE UNIQUE INDEX upload_batch_key ON pseudolink.upload (registry, batch_id)
    WHERE state <> 'cancelled';
CREATE UNIQUE INDEX upload_content_key ON pseudolink.upload (registry, content_hash);
COMMENT ON TABLE pseudolink.upload IS
    'uploads of registry batches, their state and, once closed, their receipt counts';
COMMENT ON COLUMN pseudolink.upload.upload_id IS 'upload number';
COMMENT ON COLUMN pseudolink.upload.registry IS 'the registry the batch comes from';
COMMENT ON COLUMN pseudolink.upload.batch_id IS 'the registry''s name for the batch: 1-100 characters, no control characters, no surrounding blanks';
COMMENT ON COLUMN pseudolink.upload.description IS 'free text of the uploader';
COMMENT ON COLUMN pseudolink.upload.state IS
    'open (rows may be added), closed (checked, ready to link), linking, linked, cancelled; closing and cancelling exist only inside the transaction that closes or cancels';
COMMENT ON COLUMN pseudolink.upload.opened_at IS 'when the upload was opened';
COMMENT ON COLUMN pseudolink.upload.opened_by IS 'role that opened it';
COMMENT ON COLUMN pseudolink.upload.closed_at IS 'when it was closed or cancelled';
COMMENT ON COLUMN pseudolink.upload.closed_by IS 'role that closed or cancelled it';
COMMENT ON COLUMN pseudolink.upload.state_changed_at IS 'when the state last changed';
COMMENT ON COLUMN pseudolink.upload.submitted IS 'rows submitted (closed uploads)';
COMMENT ON COLUMN pseudolink.upload.accepted IS 'rows accepted into upload_record';
COMMENT ON COLUMN pseudolink.upload.rejected IS 'rows rejected into upload_reject';
COMMENT ON COLUMN pseudolink.upload.discarded IS 'rows discarded by the cancellation (cancelled uploads)';
COMMENT ON COLUMN pseudolink.upload.content_hash IS
    'hash of the submitted rows, whatever their order: the same rows are not accepted twice for a registry';
COMMENT ON COLUMN pseudolink.upload.keys_model IS
    'blocking model of the records'' key sets; NULL when no register was loaded at closing';
COMMENT ON CONSTRAINT upload_pkey ON pseudolink.upload IS 'upload numbers are unique';
COMMENT ON CONSTRAINT upload_registry_fkey ON pseudolink.upload IS 'an upload comes from a known registry';
COMMENT ON CONSTRAINT upload_batch_id_valid ON pseudolink.upload IS 'a batch id is short, printable text';
COMMENT ON CONSTRAINT upload_state_valid ON pseudolink.upload IS 'the states of an upload';
COMMENT ON CONSTRAINT upload_counts_when_closed ON pseudolink.upload IS 'a closed upload has its counts and content hash, an open one not yet';
COMMENT ON CONSTRAINT upload_counts_add_up ON pseudolink.upload IS 'every submitted row was accepted or rejected';
COMMENT ON CONSTRAINT upload_discarded_when_cancelled ON pseudolink.upload IS 'a cancelled upload says how many rows it discarded';
COMMENT ON INDEX pseudolink.upload_batch_key IS 'a batch of a registry is uploaded once (a cancelled upload frees its batch id)';
COMMENT ON INDEX pseudolink.upload_content_key IS 'the same rows are accepted once per registry';

-- Rows as submitted, all text, until the upload is closed.
CREATE TABLE pseudolink.upload_staging (
    staging_id   bigint GENERATED ALWAYS AS IDENTITY,
    -- NULL is refused by the trigger: a NOT NULL violation would quote the
    -- row's other values in its error detail, and so in the server log.
    upload_id    bigint,
    record_no    text,
    event_date   text,
    birth_date   text,
    sex          text,
    postcode     text,
    house_number text,
    house_suffix text,
    variables    text
);
CREATE INDEX upload_staging_upload ON pseudolink.upload_staging (upload_id, staging_id);
COMMENT ON TABLE pseudolink.upload_staging IS
    'rows of open uploads as submitted (all text); registries may only INSERT (or COPY) into it';
COMMENT ON COLUMN pseudolink.upload_staging.staging_id IS 'order of arrival: the row number within an upload follows it';
COMMENT ON COLUMN pseudolink.upload_staging.upload_id IS 'the open upload the row belongs to';
COMMENT ON COLUMN pseudolink.upload_staging.record_no IS 'the registry''s record number (1-64 characters, unique in the upload)';
COMMENT ON COLUMN pseudolink.upload_staging.event_date IS 'intervention or admission date, DD-MM-YYYY or YYYY-MM-DD: the reference date of the address';
COMMENT ON COLUMN pseudolink.upload_staging.birth_date IS 'birth date, DD-MM-YYYY or YYYY-MM-DD';
COMMENT ON COLUMN pseudolink.upload_staging.sex IS 'sex: 1 man, 2 woman, -1 unknown';
COMMENT ON COLUMN pseudolink.upload_staging.postcode IS 'postcode 1234 AB; 0000 abroad; -1 unknown';
COMMENT ON COLUMN pseudolink.upload_staging.house_number IS 'house number; empty when unknown';
COMMENT ON COLUMN pseudolink.upload_staging.house_suffix IS 'house number suffix; empty when none';
COMMENT ON COLUMN pseudolink.upload_staging.variables IS 'the registry''s clinical variables as a JSON object; empty for none';
COMMENT ON INDEX pseudolink.upload_staging_upload IS 'an upload''s rows in order of arrival';

CREATE TABLE pseudolink.upload_record (
    record_id    bigint               GENERATED ALWAYS AS IDENTITY,
    upload_id    bigint               NOT NULL,
    row_no       bigint               NOT NULL,
    record_no    text                 NOT NULL,
    event_date   date                 NOT NULL,
    birth_date   date                 NOT NULL,
    sex          smallint,
    postcode     text,
    house_number integer,
    house_suffix text,
    person_key   pseudolink.pseudonym,
    keys         pseudolink.blockkeys,
    variables    jsonb                NOT NULL DEFAULT '{}',
    CONSTRAINT upload_record_pkey PRIMARY KEY (record_id),
    CONSTRAINT upload_record_row_key UNIQUE (upload_id, row_no),
    CONSTRAINT upload_record_record_no_key UNIQUE (upload_id, record_no),
    CONSTRAINT upload_record_upload_fkey FOREIGN KEY (upload_id) REFERENCES pseudolink.upload (upload_id),
    CONSTRAINT upload_record_sex_valid CHECK (sex IN (1, 2)),
    CONSTRAINT upload_record_postcode_valid
        CHECK (pseudolink.normalise_postcode(postcode) IS NOT DISTINCT FROM postcode),
    CONSTRAINT upload_record_house_number_valid CHECK (house_number BETWEEN 1 AND 99999),
    CONSTRAINT upload_record_house_suffix_valid
        CHECK (pseudolink.parse_house_suffix(house_suffix) IS NOT DISTINCT FROM house_suffix),
    CONSTRAINT upload_record_variables_object CHECK (pg_catalog.jsonb_typeof(variables) = 'object')
);
COMMENT ON TABLE pseudolink.upload_record IS
    'accepted records of closed uploads, normalised, with person key and blocking keys: what the link run reads';
COMMENT ON COLUMN pseudolink.upload_record.record_id IS 'record number across all uploads';
COMMENT ON COLUMN pseudolink.upload_record.upload_id IS 'the upload';
COMMENT ON COLUMN pseudolink.upload_record.row_no IS 'row number within the upload (1 = first row submitted)';
COMMENT ON COLUMN pseudolink.upload_record.record_no IS 'the registry''s record number, trimmed';
COMMENT ON COLUMN pseudolink.upload_record.event_date IS 'intervention or admission date: the reference date of the address';
COMMENT ON COLUMN pseudolink.upload_record.birth_date IS 'birth date';
COMMENT ON COLUMN pseudolink.upload_record.sex IS '1 man, 2 woman; NULL unknown (NHR -1)';
COMMENT ON COLUMN pseudolink.upload_record.postcode IS 'postcode 1234AB; 0000 abroad; NULL unknown (NHR -1)';
COMMENT ON COLUMN pseudolink.upload_record.house_number IS 'house number; NULL when not given';
COMMENT ON COLUMN pseudolink.upload_record.house_suffix IS 'house number suffix, upper case without separators; NULL when none';
COMMENT ON COLUMN pseudolink.upload_record.person_key IS
    'person_key(birth_date, sex, postcode): kind S; NULL when sex or postcode is unknown or abroad';
COMMENT ON COLUMN pseudolink.upload_record.keys IS
    'probe-side blocking keys under upload.keys_model; NULL when no register was loaded at closing';
COMMENT ON COLUMN pseudolink.upload_record.variables IS 'the registry''s clinical variables, for later release';
COMMENT ON CONSTRAINT upload_record_pkey ON pseudolink.upload_record IS 'record ids are unique';
COMMENT ON CONSTRAINT upload_record_row_key ON pseudolink.upload_record IS 'one record per row of an upload';
COMMENT ON CONSTRAINT upload_record_record_no_key ON pseudolink.upload_record IS 'a record number is accepted once per upload';
COMMENT ON CONSTRAINT upload_record_upload_fkey ON pseudolink.upload_record IS 'a record belongs to an upload';
COMMENT ON CONSTRAINT upload_record_sex_valid ON pseudolink.upload_record IS 'sex is 1, 2 or unknown';
COMMENT ON CONSTRAINT upload_record_postcode_valid ON pseudolink.upload_record IS 'normalised postcode 1234AB or 0000 (abroad)';
COMMENT ON CONSTRAINT upload_record_house_number_valid ON pseudolink.upload_record IS 'house numbers 1-99999';
COMMENT ON CONSTRAINT upload_record_house_suffix_valid ON pseudolink.upload_record IS 'normalised suffix: 1-16 letters and digits';
COMMENT ON CONSTRAINT upload_record_variables_object ON pseudolink.upload_record IS 'the variables are a JSON object';

CREATE TABLE pseudolink.upload_reject (
    upload_id bigint NOT NULL,
    row_no    bigint NOT NULL,
    record_no text,
    field     text   NOT NULL,
    reason    text   NOT NULL,
    CONSTRAINT upload_reject_pkey PRIMARY KEY (upload_id, row_no, field),
    CONSTRAINT upload_reject_upload_fkey FOREIGN KEY (upload_id) REFERENCES pseudolink.upload (upload_id)
);
COMMENT ON TABLE pseudolink.upload_reject IS
    'rejected rows of closed uploads: one row per rule broken, with the row number and the reason; never the value';
COMMENT ON COLUMN pseudolink.upload_reject.upload_id IS 'the upload';
COMMENT ON COLUMN pseudolink.upload_reject.row_no IS 'row number within the upload (1 = first row submitted)';
COMMENT ON COLUMN pseudolink.upload_reject.record_no IS 'the registry''s record number as submitted (its first 64 characters)';
COMMENT ON COLUMN pseudolink.upload_reject.field IS 'the column at fault';
COMMENT ON COLUMN pseudolink.upload_reject.reason IS 'the rule it breaks, as a sentence';
COMMENT ON CONSTRAINT upload_reject_pkey ON pseudolink.upload_reject IS 'one reason per row and column';
COMMENT ON CONSTRAINT upload_reject_upload_fkey ON pseudolink.upload_reject IS 'a reject belongs to an upload';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.upload_registry', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.upload', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.upload_staging', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.upload_record', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.upload_reject', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.upload_upload_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.upload_staging_staging_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.upload_record_record_id_seq', '');

-- Receipts -------------------------------------------------------------------

CREATE VIEW pseudolink.upload_receipt WITH (security_invoker = true) AS
SELECT u.upload_id, u.registry, u.batch_id, u.state, u.opened_at, u.opened_by, u.closed_at, u.closed_by,
       u.submitted, u.accepted, u.rejected, u.discarded
FROM pseudolink.upload u;
COMMENT ON VIEW pseudolink.upload_receipt IS
    'the receipt of every upload the caller may see: state and, once closed, rows submitted, accepted and rejected';

CREATE VIEW pseudolink.upload_reject_summary WITH (security_invoker = true) AS
SELECT r.upload_id, r.field, r.reason, pg_catalog.count(*) AS rows, pg_catalog.min(r.row_no) AS first_row
FROM pseudolink.upload_reject r
GROUP BY r.upload_id, r.field, r.reason;
COMMENT ON VIEW pseudolink.upload_reject_summary IS
    'rejected rows per upload, column and reason, with the first row number';

-- State machine ------------------------------------------------------------

-- Whether the current role is pseudolink itself: the owner of the tables
-- (the SECURITY DEFINER functions run as it) or a superuser.
CREATE FUNCTION pseudolink.upload_internal_role()
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_roles a
                   WHERE a.rolname OPERATOR(pg_catalog.=) current_user
                     AND (a.rolsuper OR a.oid OPERATOR(pg_catalog.=)
                          (SELECT c.relowner FROM pg_catalog.pg_class c
                           WHERE c.oid OPERATOR(pg_catalog.=) 'pseudolink.upload'::pg_catalog.regclass)))
$$;
COMMENT ON FUNCTION pseudolink.upload_internal_role() IS
    'internal: whether the current role owns the upload tables or is a superuser';

CREATE FUNCTION pseudolink.upload_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    internal boolean := pseudolink.upload_internal_role();
    steward boolean := pg_catalog.pg_has_role(current_user, 'pseudolink_steward', 'MEMBER');
    step text;
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'uploads are never deleted'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'An upload is the record that a batch was received, checked and linked.',
                  HINT = 'Cancel an open upload with pseudolink.cancel_upload().';
    END IF;
    step := OLD.state || '>' || NEW.state;
    IF NEW.upload_id IS DISTINCT FROM OLD.upload_id OR NEW.registry IS DISTINCT FROM OLD.registry
       OR NEW.batch_id IS DISTINCT FROM OLD.batch_id OR NEW.description IS DISTINCT FROM OLD.description
       OR NEW.opened_at IS DISTINCT FROM OLD.opened_at OR NEW.opened_by IS DISTINCT FROM OLD.opened_by
       OR (NOT internal AND (NEW.closed_at, NEW.submitted, NEW.accepted, NEW.rejected, NEW.discarded,
                             NEW.content_hash, NEW.keys_model)
                            IS DISTINCT FROM (OLD.closed_at, OLD.submitted, OLD.accepted, OLD.rejected,
                                              OLD.discarded, OLD.content_hash, OLD.keys_model))
       OR (internal AND step NOT IN ('closing>closed', 'cancelling>cancelled')
           AND (NEW.closed_at, NEW.submitted, NEW.accepted, NEW.rejected, NEW.discarded, NEW.content_hash)
               IS DISTINCT FROM (OLD.closed_at, OLD.submitted, OLD.accepted, OLD.rejected,
                                 OLD.discarded, OLD.content_hash))
       OR (NEW.closed_by IS DISTINCT FROM OLD.closed_by AND step NOT IN ('open>closing', 'open>cancelling'))
    THEN
        RAISE EXCEPTION 'upload % cannot be changed', OLD.upload_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only an upload''s state changes; its rows, counts and receipt are fixed once it is closed.';
    END IF;
    IF NEW.state = OLD.state THEN
        RETURN NEW;
    END IF;
    IF NOT (
        (step IN ('open>closing', 'open>cancelling') AND pseudolink.is_uploader(OLD.registry))
        OR (step IN ('closing>closed', 'cancelling>cancelled') AND internal)
        OR (step IN ('closed>linking', 'linking>closed', 'linking>linked') AND (steward OR internal)))
    THEN
        RAISE EXCEPTION 'upload % cannot go from state % to state %', OLD.upload_id, OLD.state, NEW.state
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'An upload goes open -> closed (pseudolink.close_upload) or cancelled (pseudolink.cancel_upload); '
                           'the steward''s link run takes a closed upload to linking and linked (or back to closed).';
    END IF;
    NEW.state_changed_at := pg_catalog.now();
    IF step IN ('open>closing', 'open>cancelling') THEN
        NEW.closed_by := current_user;
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION pseudolink.upload_guard() IS
    'trigger: allows only the state changes of the upload state machine, each to its roles, and keeps everything else of an upload fixed';

CREATE TRIGGER upload_guard
    BEFORE UPDATE OR DELETE ON pseudolink.upload
    FOR EACH ROW EXECUTE FUNCTION pseudolink.upload_guard();
CREATE TRIGGER upload_no_truncate
    BEFORE TRUNCATE ON pseudolink.upload
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.upload_guard();
COMMENT ON TRIGGER upload_guard ON pseudolink.upload IS 'the upload state machine';
COMMENT ON TRIGGER upload_no_truncate ON pseudolink.upload IS 'uploads are never deleted';

-- At commit, no upload may be left closing or cancelling: those states
-- exist only inside close_upload() and cancel_upload().
CREATE FUNCTION pseudolink.upload_settled()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    s text;
BEGIN
    SELECT u.state INTO s FROM pseudolink.upload u WHERE u.upload_id OPERATOR(pg_catalog.=) NEW.upload_id;
    IF s OPERATOR(pg_catalog.=) ANY (ARRAY['closing', 'cancelling']) THEN
        RAISE EXCEPTION 'upload % was left in state %', NEW.upload_id, s
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Close or cancel an upload with pseudolink.close_upload() or pseudolink.cancel_upload().';
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION pseudolink.upload_settled() IS
    'deferred trigger: refuses to commit an upload in the transient state closing or cancelling';

CREATE CONSTRAINT TRIGGER upload_settled
    AFTER INSERT OR UPDATE ON pseudolink.upload
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pseudolink.upload_settled();
COMMENT ON TRIGGER upload_settled ON pseudolink.upload IS 'no upload is committed closing or cancelling';
COMMENT ON CONSTRAINT upload_settled ON pseudolink.upload IS 'no upload is committed closing or cancelling';

-- Records and rejects are written once, by close_upload().
CREATE FUNCTION pseudolink.upload_rows_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF TG_TABLE_NAME = 'upload_record' THEN
        IF (NEW.record_id, NEW.upload_id, NEW.row_no, NEW.record_no, NEW.event_date, NEW.birth_date, NEW.sex,
            NEW.postcode, NEW.house_number, NEW.house_suffix, NEW.person_key::text, NEW.variables)
           IS NOT DISTINCT FROM
           (OLD.record_id, OLD.upload_id, OLD.row_no, OLD.record_no, OLD.event_date, OLD.birth_date, OLD.sex,
            OLD.postcode, OLD.house_number, OLD.house_suffix, OLD.person_key::text, OLD.variables) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'the rows of a closed upload cannot be changed'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = pg_catalog.format('pseudolink.%s keeps what the upload received; only the blocking keys of records are rebuilt.',
                                         TG_TABLE_NAME),
              HINT = 'Rebuild blocking keys with pseudolink.upload_build_keys().';
END
$fn$;
COMMENT ON FUNCTION pseudolink.upload_rows_guard() IS
    'trigger: the records and rejects of an upload never change, except the records'' blocking keys';

CREATE TRIGGER upload_record_guard
    BEFORE UPDATE ON pseudolink.upload_record
    FOR EACH ROW EXECUTE FUNCTION pseudolink.upload_rows_guard();
CREATE TRIGGER upload_reject_guard
    BEFORE UPDATE ON pseudolink.upload_reject
    FOR EACH ROW EXECUTE FUNCTION pseudolink.upload_rows_guard();
COMMENT ON TRIGGER upload_record_guard ON pseudolink.upload_record IS 'records are fixed, except their blocking keys';
COMMENT ON TRIGGER upload_reject_guard ON pseudolink.upload_reject IS 'rejects are fixed';

-- Every staged row goes to an open upload that the inserting role may see.
-- Runs as the inserting role, once per statement (COPY included); the
-- share lock makes close_upload() wait until the rows are committed, and
-- makes rows added after a close fail instead of being left behind.
CREATE FUNCTION pseudolink.upload_staging_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    id bigint;
    s text;
BEGIN
    -- pseudolink itself (a superuser, pg_restore) is trusted, as RLS trusts it.
    IF pseudolink.upload_internal_role() THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT FROM added a WHERE a.upload_id IS NULL) THEN
        RAISE EXCEPTION 'a row without an upload number cannot be staged'
            USING ERRCODE = 'not_null_violation',
                  DETAIL = 'Every row of pseudolink.upload_staging names its upload in upload_id; no row was added.',
                  HINT = 'Open an upload with pseudolink.open_upload() and put its number in every row.';
    END IF;
    FOR id IN SELECT DISTINCT a.upload_id FROM added a ORDER BY 1 LOOP
        SELECT u.state INTO s FROM pseudolink.upload u WHERE u.upload_id = id FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'upload % does not exist', id
                USING ERRCODE = 'undefined_object',
                      HINT = 'Open an upload with pseudolink.open_upload(); your uploads are listed in pseudolink.upload_receipt.';
        ELSIF s <> 'open' THEN
            RAISE EXCEPTION 'upload % is %; rows can be added to an open upload only', id, s
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Open a new upload for more rows.';
        END IF;
    END LOOP;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION pseudolink.upload_staging_check() IS
    'trigger: staged rows go to an open upload the inserting role may see';

CREATE TRIGGER upload_staging_check
    AFTER INSERT ON pseudolink.upload_staging
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.upload_staging_check();
COMMENT ON TRIGGER upload_staging_check ON pseudolink.upload_staging IS
    'rows go to an open upload of the inserting role';

-- The registry's calls -------------------------------------------------------

CREATE FUNCTION pseudolink.open_upload(registry text, batch_id text, description text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_code text := pg_catalog.upper(pg_catalog.btrim(open_upload.registry));
    v_batch text := pg_catalog.btrim(open_upload.batch_id);
    existing record;
    id bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM pseudolink.upload_registry r WHERE r.code = v_code) THEN
        RAISE EXCEPTION 'registry "%" does not exist', COALESCE(open_upload.registry, 'null')
            USING ERRCODE = 'undefined_object',
                  HINT = 'The registries are listed in pseudolink.upload_registry.';
    END IF;
    IF NOT pseudolink.is_uploader(v_code) THEN
        RAISE EXCEPTION 'permission denied to upload for registry %', v_code
            USING ERRCODE = 'insufficient_privilege',
                  HINT = pg_catalog.format('Members of role %s upload for it.',
                                           (SELECT r.uploader FROM pseudolink.upload_registry r WHERE r.code = v_code));
    END IF;
    IF v_batch IS NULL OR v_batch !~ '^[^[:cntrl:]]{1,100}$' THEN
        RAISE EXCEPTION 'invalid batch id'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A batch id has 1 to 100 characters and no control characters.';
    END IF;
    SELECT u.upload_id, u.state INTO existing
    FROM pseudolink.upload u
    WHERE u.registry = v_code AND u.batch_id = v_batch AND u.state <> 'cancelled';
    IF FOUND THEN
        RAISE EXCEPTION 'batch "%" of registry % was already uploaded', v_batch, v_code
            USING ERRCODE = 'unique_violation',
                  DETAIL = pg_catalog.format('Upload %s holds it (state %s).', existing.upload_id, existing.state),
                  HINT = 'A batch is received and linked once; give new records a new batch id.';
    END IF;
    INSERT INTO pseudolink.upload (registry, batch_id, description)
    VALUES (v_code, v_batch, open_upload.description)
    RETURNING upload_id INTO id;
    RETURN id;
END
$fn$;
COMMENT ON FUNCTION pseudolink.open_upload(text, text, text) IS
    'opens an upload of a batch for a registry the caller uploads for and returns its number; a batch id is used once per registry';

CREATE FUNCTION pseudolink.upload_check_open(id bigint)
RETURNS pseudolink.upload
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    u pseudolink.upload;
BEGIN
    SELECT * INTO u FROM pseudolink.upload WHERE upload_id = id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'upload % does not exist', COALESCE(id::text, 'null')
            USING ERRCODE = 'undefined_object',
                  HINT = 'Open an upload with pseudolink.open_upload(); your uploads are listed in pseudolink.upload_receipt.';
    ELSIF u.state <> 'open' THEN
        RAISE EXCEPTION 'upload % is %', id, u.state
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Rows are added to, and an upload is closed or cancelled, while it is open.',
                  HINT = 'Its receipt is in pseudolink.upload_receipt.';
    END IF;
    RETURN u;
END
$fn$;
COMMENT ON FUNCTION pseudolink.upload_check_open(bigint) IS
    'internal: locks an open upload the caller may see, or raises why not';

CREATE FUNCTION pseudolink.add_upload_rows(upload_id bigint, rows jsonb)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bad record;
    n bigint;
BEGIN
    PERFORM pseudolink.upload_check_open(add_upload_rows.upload_id);
    IF rows IS NULL OR pg_catalog.jsonb_typeof(rows) <> 'array' THEN
        RAISE EXCEPTION 'rows must be a JSON array of objects'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass [{"record_no": "1", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234 AB", ...}, ...].';
    END IF;
    SELECT e.i INTO bad FROM pg_catalog.jsonb_array_elements(rows) WITH ORDINALITY AS e(v, i)
    WHERE pg_catalog.jsonb_typeof(e.v) <> 'object' ORDER BY e.i LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'element % of rows is not a JSON object', bad.i
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'No row was added.';
    END IF;
    SELECT e.i, k.key INTO bad
    FROM pg_catalog.jsonb_array_elements(rows) WITH ORDINALITY AS e(v, i),
         pg_catalog.jsonb_object_keys(e.v) AS k(key)
    WHERE k.key <> ALL (ARRAY['record_no', 'event_date', 'birth_date', 'sex', 'postcode',
                              'house_number', 'house_suffix', 'variables'])
    ORDER BY e.i LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'element % of rows has the unknown key "%"', bad.i, pg_catalog.left(bad.key, 64)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The keys are record_no, event_date, birth_date, sex, postcode, house_number, house_suffix and variables; no row was added.';
    END IF;
    INSERT INTO pseudolink.upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode,
                                           house_number, house_suffix, variables)
    SELECT add_upload_rows.upload_id, e.v ->> 'record_no', e.v ->> 'event_date', e.v ->> 'birth_date',
           e.v ->> 'sex', e.v ->> 'postcode', e.v ->> 'house_number', e.v ->> 'house_suffix',
           CASE WHEN pg_catalog.jsonb_typeof(e.v -> 'variables') <> 'null' THEN (e.v -> 'variables')::text END
    FROM pg_catalog.jsonb_array_elements(rows) WITH ORDINALITY AS e(v, i)
    ORDER BY e.i;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION pseudolink.add_upload_rows(bigint, jsonb) IS
    'adds rows to an open upload from a JSON array of objects (keys record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, variables); returns the number added';

-- The work of closing, with the steward's rights, on an upload the caller
-- has just moved to closing (see the top of this file).
CREATE FUNCTION pseudolink.upload_finish(upload_id bigint)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Compiling the checks' expressions costs more than it saves.
SET jit = off
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := upload_finish.upload_id;
    u pseudolink.upload;
    dup pseudolink.upload;
    v_model text := pseudolink.register_model();
    n_submitted bigint;
    n_accepted bigint;
    n_rejected bigint;
    v_hash text;
BEGIN
    SELECT * INTO u FROM pseudolink.upload x WHERE x.upload_id OPERATOR(pg_catalog.=) id FOR UPDATE;
    IF NOT FOUND OR u.state OPERATOR(pg_catalog.<>) 'closing' THEN
        RAISE EXCEPTION 'upload % is not being closed', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Close an upload with pseudolink.close_upload().';
    END IF;
    -- Under a snapshot older than the rows (REPEATABLE READ), committed rows
    -- could be missed and left behind.
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'an upload is closed in a READ COMMITTED transaction'
            USING ERRCODE = 'invalid_transaction_state',
                  DETAIL = 'An older snapshot might not see every row added to the upload.';
    END IF;

    SELECT pg_catalog.count(*) INTO n_submitted
    FROM pseudolink.upload_staging s WHERE s.upload_id OPERATOR(pg_catalog.=) id;
    IF n_submitted OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'upload % has no rows', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add rows with COPY into pseudolink.upload_staging or pseudolink.add_upload_rows(), or cancel the upload.';
    END IF;
    IF pg_catalog.to_regclass('pg_temp.upload_checked') IS NOT NULL THEN
        DROP TABLE pg_temp.upload_checked;
    END IF;
    -- Statistics of the rows as they are now: gathered while the staging
    -- table was empty (after the last close), they make a million staged
    -- rows look like none, and the checks below ran for more than 13
    -- minutes instead of about 25 s on a national upload (stopped after 19).
    ANALYZE pseudolink.upload_staging;
    CREATE TEMP TABLE upload_checked ON COMMIT DROP AS
    WITH s AS (
        SELECT pg_catalog.row_number() OVER (ORDER BY st.staging_id) AS row_no, st.*
        FROM pseudolink.upload_staging st WHERE st.upload_id = id),
    p AS (
        SELECT s.row_no, s.record_no, s.event_date, s.birth_date, s.sex, s.postcode, s.house_number,
               s.house_suffix, s.variables,
               pg_catalog.btrim(s.record_no) AS rec,
               CASE WHEN pg_catalog.btrim(COALESCE(s.record_no, '')) = '' THEN 'The record number is empty.'
                    WHEN pg_catalog.length(pg_catalog.btrim(s.record_no)) > 64
                    THEN 'The record number is longer than 64 characters.' END AS p_record_no,
               pseudolink.date_problem(COALESCE(s.event_date, '')) AS p_event_date,
               pseudolink.birth_date_problem(COALESCE(s.birth_date, '')) AS p_birth_date,
               pseudolink.sex_problem(COALESCE(s.sex, '')) AS p_sex,
               pseudolink.postcode_problem(COALESCE(s.postcode, '')) AS p_postcode,
               pseudolink.house_number_problem(COALESCE(s.house_number, '')) AS p_house_number,
               pseudolink.house_suffix_problem(COALESCE(s.house_suffix, '')) AS p_house_suffix,
               CASE WHEN pg_catalog.btrim(COALESCE(s.variables, '')) <> ''
                    THEN pseudolink.variables_problem(s.variables) END AS p_variables,
               ROW(s.event_date, s.birth_date, s.sex, s.postcode, s.house_number, s.house_suffix,
                   s.variables)::text AS content
        FROM s),
    t AS (
        SELECT p.*,
               CASE WHEN p.p_event_date IS NULL THEN pseudolink.parse_date(p.event_date) END AS d_event,
               CASE WHEN p.p_birth_date IS NULL THEN pseudolink.normalise_birth_date(p.birth_date) END AS d_birth,
               CASE WHEN p.p_house_number IS NULL THEN pseudolink.parse_house_number(COALESCE(p.house_number, '')) END AS n_number,
               CASE WHEN p.p_house_suffix IS NULL THEN pseudolink.parse_house_suffix(COALESCE(p.house_suffix, '')) END AS n_suffix,
               CASE WHEN p.p_sex IS NULL THEN pseudolink.normalise_sex(p.sex) END AS n_sex,
               CASE WHEN p.p_postcode IS NULL THEN pseudolink.normalise_postcode(p.postcode) END AS n_postcode,
               CASE WHEN p.p_variables IS NULL
                    THEN COALESCE(NULLIF(pg_catalog.btrim(COALESCE(p.variables, '')), '')::jsonb, '{}') END AS n_variables,
               CASE WHEN d.variants > 1
                    THEN pg_catalog.format('The record number is used by %s rows with different contents.', d.n)
                    WHEN p.p_record_no IS NULL
                         AND pg_catalog.min(p.row_no) OVER (PARTITION BY p.rec, p.content) < p.row_no
                    THEN pg_catalog.format('The row repeats row %s exactly.',
                                           pg_catalog.min(p.row_no) OVER (PARTITION BY p.rec, p.content)) END AS p_duplicate
        FROM p
             LEFT JOIN (SELECT q.rec, pg_catalog.count(*) AS n, pg_catalog.count(DISTINCT q.content) AS variants
                        FROM p q WHERE q.p_record_no IS NULL
                        GROUP BY q.rec HAVING pg_catalog.count(*) > 1) d ON d.rec = p.rec)
    SELECT t.*,
           CASE WHEN t.d_event > CURRENT_DATE THEN 'The event date is after today.'
                WHEN t.d_event < t.d_birth THEN 'The event date is before the birth date.' END AS p_event_order,
           CASE WHEN t.n_suffix IS NOT NULL AND t.p_house_number IS NULL AND t.n_number IS NULL
                THEN 'A house number suffix needs a house number.' END AS p_suffix_alone
    FROM t;
    ANALYZE pg_temp.upload_checked;


    -- The same rows are not received twice for a registry, whatever their
    -- order or spelling: the hash is over the rows as normalised (as
    -- submitted where a value is bad), summed so that order does not count.
    SELECT pg_catalog.md5(pg_catalog.format('%s %s %s', pg_catalog.count(*),
               COALESCE(pg_catalog.sum(('x' || pg_catalog.substr(h.h, 1, 15))::bit(60)::bigint), 0),
               COALESCE(pg_catalog.sum(('x' || pg_catalog.substr(h.h, 16, 15))::bit(60)::bigint), 0)))
    INTO v_hash
    FROM (SELECT pg_catalog.md5(ROW(c.rec, COALESCE(c.d_event::text, c.event_date),
                                    COALESCE(c.d_birth::text, c.birth_date),
                                    CASE WHEN c.p_sex IS NULL THEN COALESCE(c.n_sex::text, '-1') ELSE c.sex END,
                                    CASE WHEN c.p_postcode IS NULL THEN COALESCE(c.n_postcode, '-1') ELSE c.postcode END,
                                    CASE WHEN c.p_house_number IS NULL THEN c.n_number::text ELSE c.house_number END,
                                    CASE WHEN c.p_house_suffix IS NULL THEN c.n_suffix ELSE c.house_suffix END,
                                    CASE WHEN c.p_variables IS NULL THEN c.n_variables::text ELSE c.variables END
                                   )::text) AS h
          FROM pg_temp.upload_checked c) h;
    SELECT * INTO dup FROM pseudolink.upload x
    WHERE x.registry OPERATOR(pg_catalog.=) u.registry AND x.content_hash OPERATOR(pg_catalog.=) v_hash;
    IF FOUND THEN
        RAISE EXCEPTION 'upload % has the same rows as upload %', id, dup.upload_id
            USING ERRCODE = 'unique_violation',
                  DETAIL = pg_catalog.format('Upload %s (batch %s of registry %s) received these rows.',
                                             dup.upload_id, dup.batch_id, dup.registry),
                  HINT = pg_catalog.format('The rows are not linked twice: cancel this upload with pseudolink.cancel_upload(%s).', id);
    END IF;


    INSERT INTO pseudolink.upload_reject (upload_id, row_no, record_no, field, reason)
    SELECT id, c.row_no, pg_catalog.left(c.record_no, 64), f.field, f.reason
    FROM pg_temp.upload_checked c,
         LATERAL (VALUES ('record_no', COALESCE(c.p_record_no, c.p_duplicate)),
                         ('event_date', COALESCE(c.p_event_date, c.p_event_order)),
                         ('birth_date', c.p_birth_date), ('sex', c.p_sex), ('postcode', c.p_postcode),
                         ('house_number', c.p_house_number),
                         ('house_suffix', COALESCE(c.p_house_suffix, c.p_suffix_alone)),
                         ('variables', c.p_variables)) AS f(field, reason)
    WHERE f.reason IS NOT NULL;
    SELECT pg_catalog.count(DISTINCT r.row_no) INTO n_rejected
    FROM pseudolink.upload_reject r WHERE r.upload_id = id;

    INSERT INTO pseudolink.upload_record (upload_id, row_no, record_no, event_date, birth_date, sex, postcode,
                                          house_number, house_suffix, person_key, keys, variables)
    SELECT id, c.row_no, c.rec, c.d_event, c.d_birth, r.sex, r.postcode, r.house_number, r.house_suffix,
           pseudolink.person_key(r.birth_date, r.sex::text, r.postcode),
           CASE WHEN v_model IS NOT NULL THEN pseudolink.blocking_keys(v_model, r, true) END,
           c.n_variables
    FROM pg_temp.upload_checked c,
         LATERAL (SELECT c.d_birth AS birth_date, c.n_sex AS sex, c.n_postcode AS postcode,
                         c.n_number AS house_number, c.n_suffix AS house_suffix) r
    WHERE c.p_record_no IS NULL AND c.p_duplicate IS NULL AND c.p_event_date IS NULL AND c.p_event_order IS NULL
      AND c.p_birth_date IS NULL AND c.p_sex IS NULL AND c.p_postcode IS NULL AND c.p_house_number IS NULL
      AND c.p_house_suffix IS NULL AND c.p_suffix_alone IS NULL AND c.p_variables IS NULL
    ORDER BY c.row_no;
    GET DIAGNOSTICS n_accepted = ROW_COUNT;

    IF n_accepted + n_rejected <> n_submitted THEN
        RAISE EXCEPTION 'upload % does not add up: % accepted and % rejected of % submitted',
                        id, n_accepted, n_rejected, n_submitted
            USING ERRCODE = 'internal_error';
    END IF;

    UPDATE pseudolink.upload x
    SET state = 'closed', closed_at = pg_catalog.now(), submitted = n_submitted, accepted = n_accepted,
        rejected = n_rejected, content_hash = v_hash, keys_model = v_model
    WHERE x.upload_id = id;
    DELETE FROM pseudolink.upload_staging s WHERE s.upload_id = id;
    DROP TABLE pg_temp.upload_checked;
END
$fn$;
COMMENT ON FUNCTION pseudolink.upload_finish(bigint) IS
    'internal: checks and stores the rows of an upload that close_upload() has moved to closing';

CREATE FUNCTION pseudolink.upload_discard(upload_id bigint)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := upload_discard.upload_id;
    s text;
    n bigint;
BEGIN
    SELECT x.state INTO s FROM pseudolink.upload x WHERE x.upload_id OPERATOR(pg_catalog.=) id FOR UPDATE;
    IF NOT FOUND OR s OPERATOR(pg_catalog.<>) 'cancelling' THEN
        RAISE EXCEPTION 'upload % is not being cancelled', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Cancel an upload with pseudolink.cancel_upload().';
    END IF;
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'an upload is cancelled in a READ COMMITTED transaction'
            USING ERRCODE = 'invalid_transaction_state',
                  DETAIL = 'An older snapshot might not see every row added to the upload.';
    END IF;
    DELETE FROM pseudolink.upload_staging st WHERE st.upload_id OPERATOR(pg_catalog.=) id;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE pseudolink.upload x
    SET state = 'cancelled', closed_at = pg_catalog.now(), discarded = n
    WHERE x.upload_id OPERATOR(pg_catalog.=) id;
END
$fn$;
COMMENT ON FUNCTION pseudolink.upload_discard(bigint) IS
    'internal: discards the staged rows of an upload that cancel_upload() has moved to cancelling';

CREATE FUNCTION pseudolink.close_upload(upload_id bigint)
RETURNS pseudolink.upload_receipt
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := close_upload.upload_id;
    receipt pseudolink.upload_receipt;
BEGIN
    PERFORM pseudolink.upload_check_open(id);
    UPDATE pseudolink.upload u SET state = 'closing' WHERE u.upload_id = id;
    PERFORM pseudolink.upload_finish(id);
    SELECT * INTO receipt FROM pseudolink.upload_receipt r WHERE r.upload_id = id;
    RETURN receipt;
END
$fn$;
COMMENT ON FUNCTION pseudolink.close_upload(bigint) IS
    'closes an open upload: checks every row, stores the good ones for linking and the bad ones with their reasons, and returns the receipt';

CREATE FUNCTION pseudolink.cancel_upload(upload_id bigint)
RETURNS pseudolink.upload_receipt
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := cancel_upload.upload_id;
    receipt pseudolink.upload_receipt;
BEGIN
    PERFORM pseudolink.upload_check_open(id);
    UPDATE pseudolink.upload u SET state = 'cancelling' WHERE u.upload_id = id;
    PERFORM pseudolink.upload_discard(id);
    SELECT * INTO receipt FROM pseudolink.upload_receipt r WHERE r.upload_id = id;
    RETURN receipt;
END
$fn$;
COMMENT ON FUNCTION pseudolink.cancel_upload(bigint) IS
    'cancels an open upload: its staged rows are discarded (and counted), nothing is linked, its batch id may be used again';

-- The steward's calls --------------------------------------------------------

-- Rebuilds the records' blocking keys under the register's current model,
-- after the register was first loaded or its stop list changed.
CREATE FUNCTION pseudolink.upload_build_keys(upload_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := upload_build_keys.upload_id;
    v_model text := pseudolink.register_model();
    s text;
    n bigint;
BEGIN
    SELECT x.state INTO s FROM pseudolink.upload x WHERE x.upload_id OPERATOR(pg_catalog.=) id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'upload % does not exist', COALESCE(id::text, 'null')
            USING ERRCODE = 'undefined_object';
    ELSIF s OPERATOR(pg_catalog.<>) ALL (ARRAY['closed', 'linking']) THEN
        RAISE EXCEPTION 'upload % is %', id, s
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Blocking keys are built for closed uploads and uploads being linked.';
    ELSIF v_model IS NULL THEN
        RAISE EXCEPTION 'no register has been loaded'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the register with pseudolink.register_load() first: records are keyed under its model.';
    END IF;
    UPDATE pseudolink.upload_record c
    SET keys = pseudolink.blocking_keys(v_model,
                   (SELECT r FROM (SELECT c.birth_date, c.sex, c.postcode, c.house_number, c.house_suffix) r),
                   true)
    WHERE c.upload_id OPERATOR(pg_catalog.=) id;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE pseudolink.upload x SET keys_model = v_model WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION pseudolink.upload_build_keys(bigint) IS
    'rebuilds the blocking keys of a closed upload''s records under the register''s model and stop list; returns the number of records';

-- Row-level security ------------------------------------------------------------

ALTER TABLE pseudolink.upload ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.upload FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.upload_reject ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.upload_reject FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.upload_record ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.upload_record FORCE ROW LEVEL SECURITY;

CREATE POLICY upload_registry_read ON pseudolink.upload FOR SELECT TO pseudolink_registry
    USING (pseudolink.is_uploader(registry));
CREATE POLICY upload_registry_open ON pseudolink.upload FOR INSERT TO pseudolink_registry
    WITH CHECK (pseudolink.is_uploader(registry) AND state = 'open');
CREATE POLICY upload_registry_change ON pseudolink.upload FOR UPDATE TO pseudolink_registry
    USING (pseudolink.is_uploader(registry)) WITH CHECK (pseudolink.is_uploader(registry));
CREATE POLICY upload_steward_read ON pseudolink.upload FOR SELECT TO pseudolink_steward USING (true);
CREATE POLICY upload_steward_change ON pseudolink.upload FOR UPDATE TO pseudolink_steward
    USING (true) WITH CHECK (true);
CREATE POLICY upload_admin_read ON pseudolink.upload FOR SELECT TO pseudolink_admin USING (true);
COMMENT ON POLICY upload_registry_read ON pseudolink.upload IS 'a registry member sees the uploads of its registries';
COMMENT ON POLICY upload_registry_open ON pseudolink.upload IS 'a registry member opens uploads for its registries';
COMMENT ON POLICY upload_registry_change ON pseudolink.upload IS 'a registry member closes and cancels the uploads of its registries';
COMMENT ON POLICY upload_steward_read ON pseudolink.upload IS 'the steward sees every upload';
COMMENT ON POLICY upload_steward_change ON pseudolink.upload IS 'the steward moves closed uploads through linking';
COMMENT ON POLICY upload_admin_read ON pseudolink.upload IS 'the admin sees every upload''s receipt';

CREATE POLICY upload_reject_registry_read ON pseudolink.upload_reject FOR SELECT TO pseudolink_registry
    USING (EXISTS (SELECT FROM pseudolink.upload u WHERE u.upload_id = upload_reject.upload_id));
CREATE POLICY upload_reject_steward_read ON pseudolink.upload_reject FOR SELECT TO pseudolink_steward
    USING (true);
COMMENT ON POLICY upload_reject_registry_read ON pseudolink.upload_reject IS
    'a registry member sees the rejects of the uploads it sees';
COMMENT ON POLICY upload_reject_steward_read ON pseudolink.upload_reject IS 'the steward sees every reject';

CREATE POLICY upload_record_steward_read ON pseudolink.upload_record FOR SELECT TO pseudolink_steward
    USING (true);
COMMENT ON POLICY upload_record_steward_read ON pseudolink.upload_record IS
    'only the steward reads records (identifiers); a wrong grant to another role still shows nothing';

-- Privileges -------------------------------------------------------------

REVOKE ALL ON TABLE pseudolink.upload_registry, pseudolink.upload, pseudolink.upload_staging,
    pseudolink.upload_record, pseudolink.upload_reject, pseudolink.upload_receipt,
    pseudolink.upload_reject_summary FROM PUBLIC;

GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE pseudolink.upload_registry TO pseudolink_admin;
GRANT SELECT ON TABLE pseudolink.upload_registry TO pseudolink_steward, pseudolink_registry;

GRANT SELECT ON TABLE pseudolink.upload, pseudolink.upload_receipt
    TO pseudolink_registry, pseudolink_steward, pseudolink_admin;
GRANT INSERT (registry, batch_id, description) ON TABLE pseudolink.upload TO pseudolink_registry;
GRANT UPDATE (state) ON TABLE pseudolink.upload TO pseudolink_registry, pseudolink_steward;

GRANT INSERT (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, variables)
    ON TABLE pseudolink.upload_staging TO pseudolink_registry;
GRANT SELECT ON TABLE pseudolink.upload_staging TO pseudolink_steward;

GRANT SELECT ON TABLE pseudolink.upload_reject, pseudolink.upload_reject_summary
    TO pseudolink_registry, pseudolink_steward;
GRANT SELECT ON TABLE pseudolink.upload_record TO pseudolink_steward;

REVOKE ALL ON FUNCTION
    pseudolink.is_uploader(text), pseudolink.upload_internal_role(), pseudolink.upload_guard(),
    pseudolink.upload_settled(), pseudolink.upload_rows_guard(), pseudolink.upload_staging_check(),
    pseudolink.open_upload(text, text, text), pseudolink.upload_check_open(bigint),
    pseudolink.add_upload_rows(bigint, jsonb), pseudolink.upload_finish(bigint),
    pseudolink.upload_discard(bigint), pseudolink.close_upload(bigint), pseudolink.cancel_upload(bigint),
    pseudolink.upload_build_keys(bigint)
FROM PUBLIC;

-- Trigger functions run as the role that fires them: every role that may
-- write the table needs them.
GRANT EXECUTE ON FUNCTION pseudolink.is_uploader(text), pseudolink.upload_internal_role(),
    pseudolink.upload_guard(), pseudolink.upload_staging_check(),
    pseudolink.open_upload(text, text, text), pseudolink.upload_check_open(bigint),
    pseudolink.add_upload_rows(bigint, jsonb), pseudolink.upload_finish(bigint),
    pseudolink.upload_discard(bigint), pseudolink.close_upload(bigint), pseudolink.cancel_upload(bigint)
TO pseudolink_registry;
GRANT EXECUTE ON FUNCTION pseudolink.is_uploader(text), pseudolink.upload_internal_role(),
    pseudolink.upload_guard(), pseudolink.upload_build_keys(bigint)
TO pseudolink_steward;
