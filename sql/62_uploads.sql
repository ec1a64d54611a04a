-- Registry uploads: open, add rows (COPY or JSON), close with a receipt;
-- every bad row rejected with its row number and reason; duplicates
-- refused; the state machine; nothing lost when a close fails.
SET search_path = pseudolink, public;
CREATE ROLE regress_nhr_pci NOLOGIN IN ROLE pseudolink_registry;
CREATE ROLE regress_pci_service LOGIN IN ROLE regress_nhr_pci;
CREATE ROLE regress_nhr_tavi NOLOGIN IN ROLE pseudolink_registry;
INSERT INTO upload_registry (code, uploader, description)
VALUES ('PCI', 'regress_nhr_pci', 'percutaneous coronary interventions'),
       ('TAVI', 'regress_nhr_tavi', 'transcatheter aortic valve implantations');
\set VERBOSITY terse
INSERT INTO upload_registry (code, uploader) VALUES ('pci', 'regress_nhr_pci');
\set VERBOSITY default

SET ROLE regress_pci_service;
-- Opening: the registry's code in any case; the id to put in every row.
SELECT open_upload('pci', '2024-01', 'January') AS upload \gset
SELECT upload_id = :upload AS same, registry, batch_id, state, submitted FROM upload_receipt;

-- Rows by COPY (the columns of pseudolink.upload_staging) ...
COPY upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, variables)
FROM stdin WITH (FORMAT csv);
1,1,03-05-2022,07-03-1950,1,1234 ab,12,,"{""stent"": 2}"
1,2,2022-05-04,1950-03-07,2,1234AB,12,,
1,3,04-05-2022,31-12-2001,-1,0000,,,"{}"
1,4,05-05-2022,15-06-1962,2,-1,,,
1,5,06-05-2022,01-02-1945,1,3511 AB,7,a,"{""lesions"": [""LAD"", ""RCA""]}"
1,6,06-05-2022,01-02-1945,1,3511 AB,7,-a,
\.
-- ... or as a JSON array of objects (numbers may be JSON numbers).
SELECT add_upload_rows(:upload, $$[
  {"record_no": "7", "event_date": "01-06-2022", "birth_date": "05-05-1955", "sex": 2, "postcode": "2500 FI",
   "house_number": 3, "variables": {"stent": 1}},
  {"record_no": " 8 ", "event_date": "02-06-2022", "birth_date": "06-06-1966", "sex": "1", "postcode": "1011AA"}
]$$::jsonb);
-- The registry cannot read its rows back, nor anyone else's.
SELECT count(*) FROM upload_staging;
-- Closing gives the receipt.
SELECT registry, batch_id, state, submitted, accepted, rejected FROM close_upload(:upload);
RESET ROLE;

-- The steward sees the normalised records, ready for the link run:
-- sex 1/2/NULL, postcode 1234AB, 0000 abroad, NULL unknown, suffix upper case.
SELECT row_no, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, variables
FROM upload_record WHERE upload_id = :upload ORDER BY row_no;
-- The person key is person_key(birth_date, sex, postcode) (kind S, NULL for
-- unknown sex or postcode and abroad); the keys are the probe keys under the
-- register's model.
SELECT row_no, pseudonym_kind(person_key) AS kind,
       person_key IS NOT DISTINCT FROM person_key(birth_date, sex::text, postcode) AS person_key_ok,
       keys::text = blocking_keys(register_model(),
                                  (SELECT r FROM (SELECT c.birth_date, c.sex, c.postcode, c.house_number,
                                                         c.house_suffix) r), true)::text AS keys_ok
FROM upload_record c WHERE upload_id = :upload ORDER BY row_no;
SELECT keys_model = register_model() AS keys_model_ok, content_hash IS NOT NULL AS hashed
FROM upload WHERE upload_id = :upload;
SELECT count(*) AS staged_left FROM upload_staging WHERE upload_id = :upload;

-- Every rule a row can break; the reason never repeats the value.
SET ROLE regress_pci_service;
SELECT open_upload('PCI', '2024-02') AS upload2 \gset
SELECT add_upload_rows(:upload2, format($$[
  {"record_no": "", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "%s", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "10", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "10", "event_date": "03-05-2022", "birth_date": "08-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "11", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "11", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "12", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "13", "event_date": "2022-13-01", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "14", "event_date": "01-01-2099", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "15", "event_date": "01-01-1949", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "16", "event_date": "03-05-2022", "sex": "1", "postcode": "1234AB"},
  {"record_no": "17", "event_date": "03-05-2022", "birth_date": "07/03/1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "18", "event_date": "03-05-2022", "birth_date": "30-02-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "19", "event_date": "03-05-2022", "birth_date": "07-03-1950", "postcode": "1234AB"},
  {"record_no": "20", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "3", "postcode": "1234AB"},
  {"record_no": "21", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1"},
  {"record_no": "22", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234"},
  {"record_no": "23", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "0123 AB"},
  {"record_no": "24", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234 SD"},
  {"record_no": "25", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB", "house_number": "12a"},
  {"record_no": "26", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB", "house_number": "1", "house_suffix": "ä"},
  {"record_no": "27", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB", "house_suffix": "A"},
  {"record_no": "28", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB", "variables": [1]},
  {"record_no": "29", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB", "variables": "{\"a\": 1"},
  {"record_no": "30", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB", "variables": {"a": "%s"}},
  {"record_no": "31", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"}
]$$, repeat('9', 65), repeat('x', 65536))::jsonb);
SELECT registry, batch_id, state, submitted, accepted, rejected FROM close_upload(:upload2);
SELECT row_no, record_no, field, reason FROM upload_reject WHERE upload_id = :upload2 ORDER BY row_no, field;
SELECT field, reason, rows, first_row FROM upload_reject_summary WHERE upload_id = :upload2 ORDER BY first_row, field;
-- Accounting: accepted + rejected = submitted, and the numbers are the rows.
RESET ROLE;
SELECT u.submitted = u.accepted + u.rejected AS adds_up,
       u.accepted = (SELECT count(*) FROM upload_record r WHERE r.upload_id = u.upload_id) AS accepted_stored,
       u.rejected = (SELECT count(DISTINCT j.row_no) FROM upload_reject j WHERE j.upload_id = u.upload_id) AS rejected_stored
FROM upload u WHERE u.upload_id = :upload2;
SET ROLE regress_pci_service;

-- The same batch twice: refused when opened, and the same rows under
-- another batch id, in another order and spelling, are refused when closed.
SELECT open_upload('PCI', '2024-01');
SELECT open_upload('PCI', '2024-01-again') AS upload3 \gset
INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, variables)
VALUES (:upload3, '8', '02-06-2022', '06-06-1966', '1', '1011AA', NULL, NULL, NULL),
       (:upload3, '7', '01-06-2022', '05-05-1955', '2', '2500 FI', '3', NULL, '{"stent": 1}'),
       (:upload3, '6', '06-05-2022', '01-02-1945', '1', '3511 AB', '7', '-a', NULL),
       (:upload3, '5', '06-05-2022', '01-02-1945', '1', '3511 AB', '7', 'a', '{"lesions": ["LAD", "RCA"]}'),
       (:upload3, '4', '05-05-2022', '15-06-1962', '2', '-1', NULL, NULL, NULL),
       (:upload3, '3', '04-05-2022', '31-12-2001', '-1', '0000', NULL, NULL, '{}'),
       (:upload3, '2', '2022-05-04', '1950-03-07', '2', '1234AB', '12', NULL, NULL),
       (:upload3, '1', '2022-05-03', '7-3-1950', 'M', '1234AB', '012', NULL, '{"stent":2}');
SELECT state FROM close_upload(:upload3);
-- The upload stays open with its rows; cancelling discards them (counted)
-- and frees the batch id.
SELECT state, submitted, discarded FROM cancel_upload(:upload3);
SELECT open_upload('PCI', '2024-01-again') > :upload3 AS reopened;
SELECT upload_id AS upload4 FROM upload_receipt WHERE batch_id = '2024-01-again' AND state = 'open' \gset

-- Closing and cancelling only open uploads; an empty upload is not closed.
SELECT state FROM close_upload(:upload);
SELECT state FROM cancel_upload(:upload);
SELECT state FROM close_upload(:upload4);
SELECT add_upload_rows(:upload, '[]');
INSERT INTO upload_staging (upload_id, record_no) VALUES (:upload, '99');
INSERT INTO upload_staging (upload_id, record_no) VALUES (NULL, '99');
SELECT state FROM close_upload(999999);

-- Bad calls.
SELECT open_upload('CABG', 'x');
SELECT open_upload('TAVI', 'x');
SELECT open_upload('PCI', '');
SELECT open_upload('PCI', E'tab\there');
SELECT open_upload('PCI', repeat('b', 101));
SELECT add_upload_rows(:upload4, '{"record_no": "1"}');
SELECT add_upload_rows(:upload4, '[{"record_no": "1"}, 2]');
SELECT add_upload_rows(:upload4, '[{"record_no": "1", "birthdate": "07-03-1950"}]');
SELECT add_upload_rows(:upload4, NULL);
SELECT add_upload_rows(999999, '[]');

-- The state machine: a registry closes and cancels, nothing else; the
-- transient state closing is never committed; a closed upload is fixed.
UPDATE upload SET state = 'linking' WHERE upload_id = :upload;
UPDATE upload SET state = 'closed' WHERE upload_id = :upload4;
UPDATE upload SET batch_id = 'other' WHERE upload_id = :upload4;
BEGIN;
UPDATE upload SET state = 'closing' WHERE upload_id = :upload4;
SET CONSTRAINTS upload_settled IMMEDIATE;
ROLLBACK;
SELECT upload_finish(:upload4);
SELECT upload_finish(:upload);
SELECT upload_discard(:upload4);
RESET ROLE;

SET ROLE pseudolink_steward;
UPDATE upload SET state = 'linking' WHERE upload_id = :upload4;
UPDATE upload SET state = 'linking' WHERE upload_id = :upload;
UPDATE upload SET state = 'closed' WHERE upload_id = :upload;
UPDATE upload SET state = 'linking' WHERE upload_id = :upload;
UPDATE upload SET state = 'linked' WHERE upload_id = :upload;
UPDATE upload SET state = 'linking' WHERE upload_id = :upload;
UPDATE upload SET state = 'cancelled' WHERE upload_id = :upload2;
UPDATE upload SET accepted = 0 WHERE upload_id = :upload2;
SELECT upload_id, state FROM upload ORDER BY upload_id;
RESET ROLE;
-- Even a superuser changes nothing but the state, and deletes nothing.
UPDATE upload SET accepted = 0 WHERE upload_id = :upload2;
DELETE FROM upload WHERE upload_id = :upload2;
TRUNCATE upload CASCADE;
UPDATE upload_record SET birth_date = '1950-01-01' WHERE upload_id = :upload;
UPDATE upload_reject SET reason = 'fine' WHERE upload_id = :upload2;

-- Rebuilding the records' blocking keys after the stop list changed
-- (closed uploads and uploads being linked only).
SELECT row_no, key_count(keys) FROM upload_record WHERE upload_id = :upload2 ORDER BY row_no;
INSERT INTO blocking_stop_key (model, key, block_size)
SELECT register_model(), k, 99 FROM upload_record r, unnest(r.keys::bigint[]) k
WHERE r.upload_id = :upload2 AND r.row_no = 5 AND blocking_key_rule(k) = 1;
SET ROLE pseudolink_steward;
SELECT upload_build_keys(:upload2);
SELECT row_no, key_count(keys) FROM upload_record WHERE upload_id = :upload2 ORDER BY row_no;
SELECT upload_build_keys(:upload);
SELECT upload_build_keys(:upload4);
SELECT upload_build_keys(999999);
RESET ROLE;
DELETE FROM blocking_stop_key WHERE model = register_model();

-- A close that fails (here a broken blocking rule) leaves the upload open
-- with every row; closing again after the repair accounts for all of them.
SET ROLE regress_pci_service;
SELECT add_upload_rows(:upload4, $$[
  {"record_no": "40", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
  {"record_no": "41", "event_date": "03-05-2022", "birth_date": "31-02-1950", "sex": "1", "postcode": "1234AB"}
]$$);
RESET ROLE;
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES (register_model(), 99, 'broken', ARRAY['text(no_such_field)']);
SET ROLE regress_pci_service;
SELECT state FROM close_upload(:upload4);
SELECT state, submitted FROM upload_receipt WHERE upload_id = :upload4;
RESET ROLE;
SELECT count(*) AS staged FROM upload_staging WHERE upload_id = :upload4;
DELETE FROM blocking_rule WHERE model = register_model() AND rule_id = 99;
SET ROLE regress_pci_service;
SELECT state, submitted, accepted, rejected FROM close_upload(:upload4);
-- Only in READ COMMITTED: an older snapshot could miss rows.
SELECT open_upload('PCI', '2024-03') AS upload5 \gset
SELECT add_upload_rows(:upload5, '[{"record_no": "1"}]');
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT state FROM close_upload(:upload5);
ROLLBACK;
SELECT state, discarded FROM cancel_upload(:upload5);
RESET ROLE;

-- Every object is commented; RLS is on and forced on the tables registries read.
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = 'pseudolink'::regnamespace AND (c.relname LIKE 'upload%' OR c.relname = 'registry')
  AND obj_description(c.oid, 'pg_class') IS NULL AND c.relkind IN ('r', 'v', 'i')
  AND c.relname NOT LIKE '%_pkey' AND c.relname NOT LIKE '%_key';
SELECT p.oid::regprocedure FROM pg_proc p
WHERE p.pronamespace = 'pseudolink'::regnamespace
  AND (p.proname LIKE '%upload%' OR p.proname IN ('is_uploader'))
  AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT con.conname FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
WHERE c.relnamespace = 'pseudolink'::regnamespace AND (c.relname LIKE 'upload%' OR c.relname = 'registry')
  AND obj_description(con.oid, 'pg_constraint') IS NULL;
SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
WHERE oid IN ('upload'::regclass, 'upload_reject'::regclass, 'upload_record'::regclass) ORDER BY 1;
SELECT p.proname, p.prosecdef, p.proconfig FROM pg_proc p
WHERE p.pronamespace = 'pseudolink'::regnamespace AND p.prosecdef
  AND (p.proname LIKE '%upload%' OR p.proname ~ '^register_(person_id|drop_temp|check_staging|check|model|load|clear_staging|keys_build_part)$')
ORDER BY 1;

DROP ROLE regress_pci_service, regress_nhr_pci, regress_nhr_tavi;
RESET search_path;
