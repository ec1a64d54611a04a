\pset footer off
\echo 'The pipeline, first part: the steward loads a population register; the PCI registry'
\echo 'uploads a batch; bad rows are rejected with their row number and the reason, and the'
\echo 'good ones wait, normalised and keyed, for the link run.'
\set QUIET on
SET search_path = pseudolink, public;
-- Errors shown as text, so that the demo goes on.
CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE m text; d text; c text;
BEGIN
    EXECUTE statement;
    RETURN 'done';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, c = RETURNED_SQLSTATE;
    RETURN format('refused (%s): %s%s', c, m, CASE WHEN d <> '' THEN ' / ' || d ELSE '' END);
END $$;
SELECT count(*) FROM add_dutch_blocking_rules('nl') \g /dev/null

-- The register as delivered: CSV-shaped text (a real load uses psql's \copy
-- into the same staging tables), plus one row with a bad birth date.
INSERT INTO register_person_staging (person_id, birth_date, sex)
SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM synth_persons(seed => 2024, persons => 20000);
INSERT INTO register_person_staging (person_id, birth_date, sex) VALUES ('123456', '31-04-1950', '2');
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT person_id, postcode, house_number, house_suffix, to_char(valid_from, 'DD-MM-YYYY'), to_char(valid_to, 'DD-MM-YYYY')
FROM synth_addresses(seed => 2024, persons => 20000);
\set QUIET off

\echo
\echo 'The staged register, checked before anything is loaded (register_check):'
SELECT * FROM register_check();
\echo 'Without permission for bad rows the load refuses, and nothing changes:'
SELECT pg_temp.try($$SELECT register_load('nl')$$) AS register_load;
\echo 'Allowing one bad row: persons with root pseudonyms, periods, key sets and GIN index in one go:'
SELECT load_id, persons_staged, persons_rejected, persons_added, periods_loaded, key_sets_built,
       check_seconds + persons_seconds + periods_seconds + keys_seconds + index_seconds AS seconds
FROM register_load('nl', max_rejects => 1);
\echo 'What the register holds (the steward sees identifiers; nobody else does):'
SELECT p.person_id, p.birth_date, p.sex, p.pseudonym, a.postcode, a.house_number, a.valid_from, a.valid_to
FROM register_person p JOIN register_address a USING (person_id)
WHERE p.person_id = (SELECT min(person_id) FROM register_address WHERE valid_to IS NOT NULL)
ORDER BY a.valid_from;

\set QUIET on
-- The registry: PCI, uploaded by members of nhr_pci (a service login).
CREATE ROLE demo_nhr_pci NOLOGIN IN ROLE pseudolink_registry;
CREATE ROLE demo_pci_service LOGIN IN ROLE demo_nhr_pci;
INSERT INTO upload_registry (code, uploader, description) VALUES ('PCI', 'demo_nhr_pci', 'percutaneous coronary interventions');
-- Its extract (the service's own file; here the synthetic one, with ground truth kept apart).
CREATE TABLE public.demo_pci AS
SELECT record_no::text, event_date, birth_date, sex, postcode, house_number::text, house_suffix,
       json_build_object('stent', 1 + record_no % 3, 'acs', record_no % 2 = 0)::text AS variables
FROM synth_extract(seed => 2024, persons => 20000, registry => 'PCI', records => 2000);
GRANT SELECT ON public.demo_pci TO demo_pci_service;
\set QUIET off

\echo
\echo 'The registry''s service opens an upload, COPYs its rows, adds three more as JSON and closes:'
\set QUIET on
SET ROLE demo_pci_service;
SELECT open_upload('PCI', '2023-Q4', 'PCI interventions, last quarter') AS upload \gset
INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, variables)
SELECT :upload, * FROM public.demo_pci;
SELECT add_upload_rows(:upload, $$[
  {"record_no": "9001", "event_date": "12-10-2023", "birth_date": "29-02-1951", "sex": "1", "postcode": "1234 AB"},
  {"record_no": "9002", "event_date": "13-10-2023", "birth_date": "14-07-1948", "sex": "x", "postcode": "1234 SS", "house_number": "12a"},
  {"record_no": "9003", "event_date": "2023-10-14", "birth_date": "1944-01-30", "sex": "2", "postcode": "0000",
   "variables": {"stent": 2, "acs": true}}
]$$) \g /dev/null
\set QUIET off
SELECT upload_id, registry, batch_id, state, submitted, accepted, rejected FROM close_upload(:upload);
\echo 'The rejects, by reason (row numbers count the rows as submitted; no value is repeated):'
SELECT field, reason, rows, first_row FROM upload_reject_summary WHERE upload_id = :upload ORDER BY first_row, field;
\echo 'The registry cannot read what it sent back, nor any record:'
SELECT pg_temp.try('SELECT * FROM pseudolink.upload_staging') AS read_staged_rows,
       pg_temp.try('SELECT * FROM pseudolink.upload_record') AS read_records;
\echo 'The same batch again is refused; so are the same rows under another batch id:'
SELECT pg_temp.try($$SELECT open_upload('PCI', '2023-Q4')$$) AS same_batch_id;
SELECT open_upload('PCI', '2023-Q4 resent') AS upload2 \gset
\set QUIET on
INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, variables)
SELECT :upload2, * FROM public.demo_pci;
SELECT add_upload_rows(:upload2, $$[
  {"record_no": "9001", "event_date": "12-10-2023", "birth_date": "29-02-1951", "sex": "1", "postcode": "1234 AB"},
  {"record_no": "9002", "event_date": "13-10-2023", "birth_date": "14-07-1948", "sex": "x", "postcode": "1234 SS", "house_number": "12a"},
  {"record_no": "9003", "event_date": "14-10-2023", "birth_date": "30-01-1944", "sex": "V", "postcode": "0000",
   "variables": {"acs": true, "stent": 2}}
]$$) \g /dev/null
\set QUIET off
SELECT pg_temp.try(format('SELECT close_upload(%s)', :upload2)) AS same_rows;
SELECT upload_id, batch_id, state, discarded FROM cancel_upload(:upload2);
\set QUIET on
RESET ROLE;
\set QUIET off

\echo
\echo 'What the link run reads (steward): normalised identifiers, the event date as reference'
\echo 'date, the person key (kind S), the probe key set, and the clinical variables:'
SELECT record_id, record_no, event_date, birth_date, sex, postcode, house_number AS nr, house_suffix AS sfx,
       person_key, key_count(keys) AS keys, variables
FROM upload_record WHERE upload_id = :upload ORDER BY row_no LIMIT 5;
\echo 'Candidates of the upload in the register, through the GIN index (sharing at least 2 keys):'
SELECT count(DISTINCT r.record_id) AS records_with_candidates, count(*) AS candidate_pairs,
       round(count(*)::numeric / count(DISTINCT r.record_id), 2) AS per_record
FROM upload_record r JOIN register_keys k ON k.keys @@ shares(r.keys, 2)
WHERE r.upload_id = :upload;
\echo 'The receipts; the link run will take a closed upload through linking to linked:'
SELECT upload_id, batch_id, state, submitted, accepted, rejected, discarded FROM upload_receipt ORDER BY upload_id;
\set QUIET on
DROP TABLE public.demo_pci;
