-- Retention: identifiers at most 12 months after they were made linkable,
-- project data after the project's retention; a dry run first; every
-- deletion counted.
\set SHOW_CONTEXT never
SET search_path = public, pseudolink;
SELECT project_id AS p1 FROM pseudolink.project WHERE cbs_project_number = '8123' \gset

-- A table of another part that holds identifiers: one row per uploaded
-- record, made linkable on a given day.
CREATE TABLE public.regress_upload (
    record_id        int PRIMARY KEY,
    birth_date       date,
    postcode         text,
    made_linkable_at timestamptz NOT NULL,
    note             text NOT NULL
);
INSERT INTO public.regress_upload
SELECT g, date '1950-01-01' + g, '1234AB', now() - make_interval(days => g * 30), 'record ' || g
FROM generate_series(1, 20) g;
CREATE TABLE public.regress_staging (record_id int, birth_date date, linked_on date NOT NULL);
INSERT INTO public.regress_staging SELECT g, date '1950-01-01' + g, pseudolink.today() - g * 100 FROM generate_series(1, 5) g;

SET ROLE regress_gov_res1;
SELECT pseudolink.register_identifier_table('public.regress_upload', 'made_linkable_at', ARRAY['birth_date', 'postcode']);
RESET ROLE;
-- Only a table the caller may itself change is registered: retention runs as
-- the extension owner.
SET ROLE regress_gov_admin;
SELECT pseudolink.register_identifier_table('public.regress_upload', 'made_linkable_at', ARRAY['birth_date', 'postcode']);
SELECT pseudolink.register_identifier_table('pg_catalog.pg_authid', 'rolvaliduntil');
RESET ROLE;
SET ROLE regress_gov_steward;
SELECT pseudolink.register_identifier_table('pseudolink.source_row', 'loaded_at');
SELECT pseudolink.register_identifier_table('pseudolink.audit_log', 'logged_at');
RESET ROLE;
GRANT UPDATE, DELETE ON public.regress_upload TO regress_gov_admin;
GRANT DELETE ON public.regress_staging TO regress_gov_admin;
SET ROLE regress_gov_admin;
SELECT pseudolink.register_identifier_table('public.regress_upload', 'note');
SELECT pseudolink.register_identifier_table('public.regress_upload', 'made_linkable_at', ARRAY['record_id']);
SELECT pseudolink.register_identifier_table('public.regress_upload', 'made_linkable_at', ARRAY['note']);
\set VERBOSITY terse
SELECT pseudolink.register_identifier_table('public.regress_upload', 'made_linkable_at', ARRAY['birth_date'], '13 months');
\set VERBOSITY default
SELECT pseudolink.register_identifier_table('public.regress_upload', 'made_linkable_at', ARRAY['birth_date', 'postcode']);
SELECT pseudolink.register_identifier_table('public.regress_staging', 'linked_on', NULL, '6 months');
SELECT table_name, linkable_column, identifier_columns, keep FROM pseudolink.identifier_retention ORDER BY 1;
RESET ROLE;

-- Project 8123 ends in two years and keeps its data ten more: nothing of it
-- is due.  The dry run lists the identifiers due; it changes nothing.
SET ROLE regress_gov_steward;
SELECT kind, object, rows FROM pseudolink.retention_due();
SELECT kind, object, rows, deleted FROM pseudolink.enforce_retention();
RESET ROLE;
SELECT count(*) FILTER (WHERE birth_date IS NULL) AS cleared FROM public.regress_upload;
SET ROLE regress_gov_res1;
SELECT * FROM pseudolink.enforce_retention();
SELECT * FROM pseudolink.retention_due();
RESET ROLE;

-- Enforced: identifiers cleared (rows kept) or rows deleted, as registered.
SET ROLE regress_gov_steward;
SELECT kind, object, rows, deleted FROM pseudolink.enforce_retention(dry_run => false);
SELECT kind, object, rows, deleted FROM pseudolink.enforce_retention(dry_run => false);
RESET ROLE;
SELECT count(*) AS rows, count(*) FILTER (WHERE birth_date IS NULL AND postcode IS NULL) AS cleared,
       bool_and((birth_date IS NULL) = (made_linkable_at < now() - interval '12 months')) AS exactly_those_due,
       count(*) FILTER (WHERE note IS NULL) AS other_columns_cleared
FROM public.regress_upload;
SELECT count(*) AS staging_rows, min(linked_on) >= pseudolink.today() - interval '6 months' AS only_recent_left
FROM public.regress_staging;
SELECT kind, object, rows, run_by FROM pseudolink.retention_log ORDER BY deletion_id;
SELECT action, object_id, details - 'due_on' AS details FROM pseudolink.audit_log WHERE action LIKE 'retention.%' ORDER BY seq;

-- At the end of a project's retention its release tables and request loads
-- go, and its requests close.  The project is made to have ended eleven
-- years ago (triggers off for that one change); rolled back afterwards.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE pseudolink.project SET starts_on = pseudolink.today() - interval '14 years',
                              ends_on = pseudolink.today() - interval '11 years'
WHERE project_id = :p1;
SET LOCAL session_replication_role = origin;
SET LOCAL ROLE regress_gov_steward;
SELECT kind, object ~ '^(pseudolink\.release_[0-9]+_[a-z_]+|load [0-9]+)$' AS named, rows
FROM pseudolink.retention_due() ORDER BY kind, object;
SELECT kind, count(*) AS objects, sum(rows) AS rows
FROM pseudolink.enforce_retention(dry_run => false) GROUP BY kind ORDER BY kind;
RESET ROLE;
SELECT count(*) AS release_tables_left FROM pg_class
WHERE relnamespace = 'pseudolink'::regnamespace AND relname ~ '^release_[0-9]+_';
SELECT status, count(*) FROM pseudolink.release GROUP BY status;
SELECT status, count(*) FROM pseudolink.data_request WHERE project_id = :p1 GROUP BY status ORDER BY status;
SELECT count(*) AS project_rows_left FROM pseudolink.source_row s JOIN pseudolink.source_load l USING (load_id)
WHERE l.request_id IS NOT NULL;
SELECT count(*) AS dataset_rows_kept FROM pseudolink.source_row s JOIN pseudolink.source_load l USING (load_id)
WHERE l.request_id IS NULL;
SELECT kind, count(*), sum(rows) FROM pseudolink.retention_log GROUP BY kind ORDER BY kind;
SELECT to_status, reason FROM pseudolink.request_transition WHERE reason LIKE '%retention%' GROUP BY 1, 2;
ROLLBACK;

-- The retention log never changes.
UPDATE pseudolink.retention_log SET rows = 0;
DELETE FROM pseudolink.retention_log;

-- The command the pg_cron schedule in doc/dbas.md runs, as a steward.
SET ROLE regress_gov_steward;
SELECT count(*) FROM pseudolink.enforce_retention(dry_run => false);
RESET ROLE;
DROP TABLE public.regress_upload, public.regress_staging;
SET ROLE regress_gov_steward;
SELECT count(*) FROM pseudolink.retention_due();
RESET ROLE;
DELETE FROM pseudolink.identifier_retention;
