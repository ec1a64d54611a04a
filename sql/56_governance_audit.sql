-- The audit log: every step logged, append-only for everyone, and any
-- tampering found by audit_verify().
\set SHOW_CONTEXT never

SELECT count(*) > 100 AS many_rows, min(seq) AS first, max(seq) = count(*) AS no_gaps FROM pseudolink.audit_log;
SELECT action, count(*) FROM pseudolink.audit_log
WHERE action IN ('request.submit', 'request.transition', 'review.update', 'release.tables', 'objection.apply',
                 'source_load.close')
GROUP BY action ORDER BY action;
SELECT actor, action, object_type, details FROM pseudolink.audit_log
WHERE action IN ('request.submit', 'request.transition') ORDER BY seq LIMIT 3;
SELECT * FROM pseudolink.audit_verify();
SELECT seq AS head_seq, hash AS head_hash FROM pseudolink.audit_head() \gset

-- The hash does not depend on the session's TimeZone or DateStyle.
SET TimeZone = 'America/Caracas';
SET DateStyle = 'SQL, DMY';
SELECT * FROM pseudolink.audit_verify(:head_seq, decode(:'head_hash', 'hex'));
RESET TimeZone;
RESET DateStyle;

-- Refused for the owner (and superuser) too.
UPDATE pseudolink.audit_log SET actor = 'nobody' WHERE seq = 1;
DELETE FROM pseudolink.audit_log WHERE seq = 1;
TRUNCATE pseudolink.audit_log;
INSERT INTO pseudolink.audit_log SELECT * FROM pseudolink.audit_log WHERE seq = 1;
SET ROLE regress_gov_admin;
SELECT count(*) > 0 AS admin_reads FROM pseudolink.audit_log;
UPDATE pseudolink.audit_log SET actor = 'nobody' WHERE seq = 1;
SELECT pseudolink.audit_append('forged', 'x', NULL, '{}');
RESET ROLE;
SET ROLE regress_gov_res1;
SELECT count(*) FROM pseudolink.audit_log;
RESET ROLE;

-- A superuser who switches the guard off and edits a row is found out.
BEGIN;
ALTER TABLE pseudolink.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE pseudolink.audit_log SET details = '{}' WHERE seq = 20;
SELECT * FROM pseudolink.audit_verify();
ROLLBACK;
-- So is one who removes a row with triggers off...
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM pseudolink.audit_log WHERE seq = 30;
SET LOCAL session_replication_role = origin;
SELECT * FROM pseudolink.audit_verify();
ROLLBACK;
-- ... or changes a row and recomputes its hash: the next row no longer
-- continues it.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE pseudolink.audit_log a SET actor = 'nobody',
    hash = sha256(a.prev_hash || convert_to(pseudolink.audit_payload(a.seq, a.logged_at, 'nobody', a.session_role,
                                             a.action, a.object_type, a.object_id, a.details), 'UTF8'))
WHERE seq = 40;
SET LOCAL session_replication_role = origin;
SELECT * FROM pseudolink.audit_verify();
ROLLBACK;
-- Removing the last rows leaves a consistent chain: the head kept outside
-- the database shows it.
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM pseudolink.audit_log WHERE seq >= :head_seq - 1;
SET LOCAL session_replication_role = origin;
SELECT * FROM pseudolink.audit_verify();
SELECT seq - :head_seq AS seq, problem FROM pseudolink.audit_verify(:head_seq, decode(:'head_hash', 'hex'));
ROLLBACK;
SELECT * FROM pseudolink.audit_verify(:head_seq, decode(:'head_hash', 'hex'));
SELECT seq - :head_seq AS seq, problem FROM pseudolink.audit_verify(:head_seq, decode(repeat('ab', 32), 'hex'));
