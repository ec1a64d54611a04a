-- Uploads, role by role: a registry's members upload for it and see its
-- receipts and rejects only, never identifiers; the steward sees and links
-- everything; the admin manages registries and sees receipts; nobody else
-- sees anything.  Batches are received once, and every row is accounted for.
BEGIN;
SELECT plan(73);

CREATE ROLE tap_nhr_pci NOLOGIN IN ROLE pseudolink_registry;
CREATE ROLE tap_nhr_tavi NOLOGIN IN ROLE pseudolink_registry;
CREATE ROLE tap_pci LOGIN IN ROLE tap_nhr_pci;
CREATE ROLE tap_tavi LOGIN IN ROLE tap_nhr_tavi;
CREATE ROLE tap_registry_only LOGIN IN ROLE pseudolink_registry;
CREATE ROLE tap_admin LOGIN IN ROLE pseudolink_admin;
CREATE ROLE tap_steward LOGIN IN ROLE pseudolink_steward;
CREATE ROLE tap_reviewer LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE tap_researcher LOGIN IN ROLE pseudolink_researcher;
CREATE ROLE tap_outsider LOGIN;
CREATE TEMP TABLE others (r name);
INSERT INTO others VALUES ('tap_reviewer'), ('tap_researcher'), ('tap_outsider');
GRANT SELECT ON others TO PUBLIC;

-- A small register, so that records get blocking keys.
SELECT count(*) FROM pseudolink.add_dutch_blocking_rules('tap_upload') \g /dev/null
INSERT INTO pseudolink.register_person_staging (person_id, birth_date, sex)
SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM pseudolink.synth_persons(5, 2000);
INSERT INTO pseudolink.register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT person_id, postcode, house_number, house_suffix, valid_from, valid_to FROM pseudolink.synth_addresses(5, 2000);
SELECT load_id FROM pseudolink.register_load('tap_upload') \g /dev/null
-- A synthetic PCI extract the uploader may read, with a few bad rows.
CREATE TABLE public.tap_pci_extract AS
SELECT record_no::text, event_date, birth_date, sex, postcode, house_number::text, house_suffix
FROM pseudolink.synth_extract(5, 2000, 'PCI', 500);
INSERT INTO public.tap_pci_extract VALUES
    ('bad1', '03-05-2022', '31-02-1950', '1', '1234AB', NULL, NULL),
    ('bad2', '03-05-2022', '07-03-1950', 'X', '1234 SA', '12a', NULL);
GRANT SELECT ON public.tap_pci_extract TO tap_pci;

-- The admin adds registries and names their uploaders.
SELECT lives_ok($$ SELECT run_as('tap_admin', $s$
    INSERT INTO pseudolink.upload_registry (code, uploader, description)
    VALUES ('PCI', 'tap_nhr_pci', 'PCI'), ('TAVI', 'tap_nhr_tavi', 'TAVI') $s$) $$,
    'the admin adds registries');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'INSERT INTO pseudolink.upload_registry (code, uploader) VALUES (''X'', ''tap_steward'')') $$,
    '42501', NULL, 'the steward cannot add registries');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'UPDATE pseudolink.upload_registry SET uploader = ''tap_nhr_pci''') $$,
    '42501', NULL, 'a registry member cannot change who uploads for a registry');

-- A PCI member uploads: open, COPY-like insert, JSON rows, close.
SELECT lives_ok($$ SELECT run_as('tap_pci', 'SELECT pseudolink.open_upload(''PCI'', ''tap-1'')') $$,
    'a PCI member opens an upload for PCI');
CREATE TEMP TABLE ids AS SELECT max(upload_id) AS pci1 FROM pseudolink.upload;
GRANT SELECT ON ids TO PUBLIC;
SELECT lives_ok($$ SELECT run_as('tap_pci', $s$
    INSERT INTO pseudolink.upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode,
                                           house_number, house_suffix)
    SELECT (SELECT pci1 FROM ids), e.* FROM public.tap_pci_extract e $s$) $$,
    'a PCI member inserts rows into the staging table (as COPY does)');
SELECT lives_ok($$ SELECT run_as('tap_pci', format(
    'SELECT pseudolink.add_upload_rows(%s, %L)', (SELECT pci1 FROM ids),
    '[{"record_no": "j1", "event_date": "01-06-2022", "birth_date": "05-05-1955", "sex": "2", "postcode": "2500 FI", "variables": {"stent": 1}}]')) $$,
    'a PCI member adds rows as JSON');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'SELECT count(*) FROM pseudolink.upload_staging') $$,
    '42501', NULL, 'a PCI member cannot read staged rows back');
SELECT throws_ok($$ SELECT run_as('tap_pci', format(
    'INSERT INTO pseudolink.upload_staging (staging_id, upload_id) OVERRIDING SYSTEM VALUE VALUES (1, %s)',
    (SELECT pci1 FROM ids))) $$,
    '42501', NULL, 'a PCI member cannot choose the order of rows');
SELECT is(query_as('tap_pci', format('SELECT state, submitted, accepted, rejected FROM pseudolink.close_upload(%s)',
                                     (SELECT pci1 FROM ids))),
          ARRAY['(closed,503,' || (SELECT count(*) FROM public.tap_pci_extract WHERE birth_date IS NOT NULL AND record_no NOT LIKE 'bad%') + 1
                || ',' || (SELECT count(*) FROM public.tap_pci_extract WHERE birth_date IS NULL OR record_no LIKE 'bad%') || ')'],
          'closing gives the receipt: the synthetic records without a birth date and the two bad rows are rejected');

-- Accounting: every row is a record or a reject, never both, never lost.
SELECT is((SELECT submitted = accepted + rejected FROM pseudolink.upload WHERE upload_id = (SELECT pci1 FROM ids)),
          true, 'accepted + rejected = submitted');
SELECT set_eq(
    format($$SELECT row_no FROM pseudolink.upload_record WHERE upload_id = %1$s
             UNION ALL SELECT DISTINCT row_no FROM pseudolink.upload_reject WHERE upload_id = %1$s$$,
           (SELECT pci1 FROM ids)),
    'SELECT generate_series(1, 503)::bigint',
    'the rows numbered 1 to 503 are each accepted or rejected, once');
SELECT is((SELECT count(*)::int FROM pseudolink.upload_reject r, public.tap_pci_extract e
           WHERE r.reason LIKE '%' || e.birth_date || '%' OR r.reason LIKE '%' || e.postcode || '%'),
          0, 'no reason repeats a submitted birth date or postcode');
SELECT is((SELECT count(*)::int FROM pseudolink.upload_staging WHERE upload_id = (SELECT pci1 FROM ids)), 0,
          'the staged rows are gone once closed');

-- What the PCI member sees: its receipt and rejects, nothing identifying.
SELECT is(query_as('tap_pci', 'SELECT batch_id, state FROM pseudolink.upload_receipt'),
          ARRAY['(tap-1,closed)'], 'a PCI member sees its receipt');
SELECT is(query_as('tap_pci', format('SELECT count(*) FROM pseudolink.upload_reject WHERE upload_id = %s AND record_no LIKE ''bad%%''',
                                     (SELECT pci1 FROM ids))),
          ARRAY['(4)'], 'a PCI member sees the reasons its rows were rejected');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'SELECT * FROM pseudolink.upload_record') $$,
    '42501', NULL, 'a PCI member cannot read the records (identifiers)');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'SELECT * FROM pseudolink.register_person') $$,
    '42501', NULL, 'a PCI member cannot read the register');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'SELECT pseudolink.person_key(''1950-01-01'', ''1'', ''1234AB'')') $$,
    '42501', NULL, 'a PCI member cannot make person keys');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'SELECT pseudolink.upload_build_keys(1)') $$,
    '42501', NULL, 'a PCI member cannot rebuild blocking keys');

-- A closed upload is fixed, for the uploader too.
SELECT throws_ok($$ SELECT run_as('tap_pci', format('UPDATE pseudolink.upload SET state = ''linking'' WHERE upload_id = %s',
                                                   (SELECT pci1 FROM ids))) $$,
    '55000', NULL, 'a PCI member cannot start linking');
SELECT throws_ok($$ SELECT run_as('tap_pci', format('UPDATE pseudolink.upload SET state = ''open'' WHERE upload_id = %s',
                                                   (SELECT pci1 FROM ids))) $$,
    '55000', NULL, 'a PCI member cannot reopen a closed upload');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'UPDATE pseudolink.upload SET batch_id = ''x''') $$,
    '42501', NULL, 'a PCI member cannot change a batch id');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'DELETE FROM pseudolink.upload') $$,
    '42501', NULL, 'a PCI member cannot delete uploads');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'DELETE FROM pseudolink.upload_reject') $$,
    '42501', NULL, 'a PCI member cannot delete rejects');
SELECT throws_ok($$ SELECT run_as('tap_pci', format('INSERT INTO pseudolink.upload_staging (upload_id) VALUES (%s)',
                                                   (SELECT pci1 FROM ids))) $$,
    '55000', NULL, 'a PCI member cannot add rows to a closed upload');
SELECT throws_ok($$ SELECT run_as('tap_pci', format('SELECT pseudolink.upload_finish(%s)', (SELECT pci1 FROM ids))) $$,
    '55000', NULL, 'the internal close acts only on an upload being closed in the same transaction');

-- The same batch is received once.
SELECT throws_ok($$ SELECT run_as('tap_pci', 'SELECT pseudolink.open_upload(''PCI'', ''tap-1'')') $$,
    '23505', NULL, 'a batch id is used once per registry');
SELECT lives_ok($$ SELECT run_as('tap_pci', $s$
    SELECT pseudolink.open_upload('PCI', 'tap-1 resent');
    INSERT INTO pseudolink.upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode,
                                           house_number, house_suffix)
    SELECT (SELECT max(upload_id) FROM pseudolink.upload_receipt), e.* FROM public.tap_pci_extract e $s$) $$,
    'a PCI member stages the same rows again under another batch id');
SELECT lives_ok($$ SELECT run_as('tap_pci', format('SELECT pseudolink.add_upload_rows(%s, %L)',
    (SELECT max(upload_id) FROM pseudolink.upload),
    '[{"record_no": "j1", "event_date": "2022-06-01", "birth_date": "1955-05-05", "sex": "V", "postcode": "2500FI", "variables": {"stent":1}}]')) $$,
    'the JSON row once more, spelled differently');
SELECT throws_ok($$ SELECT run_as('tap_pci', format('SELECT pseudolink.close_upload(%s)',
                                                   (SELECT max(upload_id) FROM pseudolink.upload))) $$,
    '23505', NULL, 'the same rows are not received (or linked) twice');
SELECT is(query_as('tap_pci', format('SELECT state, discarded FROM pseudolink.cancel_upload(%s)',
                                     (SELECT max(upload_id) FROM pseudolink.upload))),
          ARRAY['(cancelled,503)'], 'the refused upload is cancelled, its rows counted as discarded');
SELECT is((SELECT count(*) FROM pseudolink.upload_record),
          (SELECT accepted FROM pseudolink.upload WHERE upload_id = (SELECT pci1 FROM ids)),
          'no record was added twice');

-- Registries see only their own uploads.
SELECT lives_ok($$ SELECT run_as('tap_tavi', $s$
    SELECT pseudolink.open_upload('TAVI', 'tavi-1');
    SELECT pseudolink.add_upload_rows((SELECT max(upload_id) FROM pseudolink.upload_receipt),
        '[{"record_no": "t1", "event_date": "01-06-2022", "birth_date": "31-02-1940", "sex": "1", "postcode": "1234AB"}]');
    SELECT pseudolink.close_upload((SELECT max(upload_id) FROM pseudolink.upload_receipt)) $s$) $$,
    'a TAVI member uploads for TAVI');
CREATE TEMP TABLE tavi_ids AS SELECT max(upload_id) AS tavi1 FROM pseudolink.upload WHERE registry = 'TAVI';
SELECT is(query_as('tap_tavi', 'SELECT registry, batch_id FROM pseudolink.upload_receipt'),
          ARRAY['(TAVI,tavi-1)'], 'a TAVI member sees only TAVI''s receipts');
SELECT is(query_as('tap_pci', $$SELECT count(*) FROM pseudolink.upload WHERE registry = 'TAVI'$$),
          ARRAY['(0)'], 'a PCI member sees none of TAVI''s uploads');
SELECT is(query_as('tap_pci', $$SELECT count(*) FROM pseudolink.upload_reject_summary
                                 WHERE upload_id = (SELECT max(upload_id) FROM pseudolink.upload WHERE registry = 'TAVI')$$),
          ARRAY['(0)'], 'a PCI member sees none of TAVI''s rejects (the TAVI upload has one)');
SELECT is(query_as('tap_tavi', $$SELECT count(*) FROM pseudolink.upload_reject$$), ARRAY['(1)'],
          'a TAVI member sees TAVI''s one reject only');
SELECT is(query_as('tap_registry_only', 'SELECT count(*) FROM pseudolink.upload_receipt'), ARRAY['(0)'],
          'a registry member of no registry sees no upload');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'SELECT pseudolink.open_upload(''TAVI'', ''x'')') $$,
    '42501', NULL, 'a PCI member cannot open an upload for TAVI');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'INSERT INTO pseudolink.upload (registry, batch_id) VALUES (''TAVI'', ''x'')') $$,
    '42501', NULL, 'nor insert one directly (row-level security)');
SELECT throws_ok($$ SELECT run_as('tap_pci', 'INSERT INTO pseudolink.upload (registry, batch_id, state) VALUES (''PCI'', ''x'', ''closed'')') $$,
    '42501', NULL, 'a PCI member cannot insert an upload in another state');
SELECT lives_ok($$ SELECT run_as('tap_tavi', 'SELECT pseudolink.open_upload(''TAVI'', ''tavi-2'')') $$,
    'a TAVI member opens a second upload');
SELECT throws_ok($$ SELECT run_as('tap_pci', format('INSERT INTO pseudolink.upload_staging (upload_id, record_no) VALUES (%s, ''1'')',
                                                   (SELECT max(upload_id) FROM pseudolink.upload))) $$,
    '42704', NULL, 'a PCI member cannot add rows to TAVI''s open upload');
SELECT throws_ok($$ SELECT run_as('tap_pci', format('SELECT pseudolink.add_upload_rows(%s, ''[]'')',
                                                   (SELECT max(upload_id) FROM pseudolink.upload))) $$,
    '42704', NULL, 'nor through add_upload_rows');
SELECT throws_ok($$ SELECT run_as('tap_pci', format('SELECT pseudolink.close_upload(%s)',
                                                   (SELECT max(upload_id) FROM pseudolink.upload))) $$,
    '42704', NULL, 'a PCI member cannot close TAVI''s upload');
SELECT throws_ok($$ SELECT run_as('tap_pci', format('SELECT pseudolink.cancel_upload(%s)',
                                                   (SELECT max(upload_id) FROM pseudolink.upload))) $$,
    '42704', NULL, 'a PCI member cannot cancel TAVI''s upload');
SELECT throws_ok($$ SELECT run_as('tap_pci', format('SELECT pseudolink.upload_discard(%s)',
                                                   (SELECT max(upload_id) FROM pseudolink.upload))) $$,
    '55000', NULL, 'the internal cancel acts only on an upload being cancelled in the same transaction');
SELECT lives_ok($$ SELECT run_as('tap_pci', format('UPDATE pseudolink.upload SET state = ''cancelling'' WHERE upload_id = %s',
                                                  (SELECT max(upload_id) FROM pseudolink.upload))) $$,
    'a PCI member''s update of TAVI''s upload runs ...');
SELECT is((SELECT state FROM pseudolink.upload WHERE upload_id = (SELECT max(upload_id) FROM pseudolink.upload)),
          'open', '... and finds no row to change');

-- The steward sees everything and takes closed uploads through linking.
SELECT is(query_as('tap_steward', 'SELECT count(*) FROM pseudolink.upload'), ARRAY['(4)'],
          'the steward sees every upload');
SELECT is(query_as('tap_steward', 'SELECT count(*) FROM pseudolink.upload_record'),
          ARRAY['(' || (SELECT accepted FROM pseudolink.upload WHERE upload_id = (SELECT pci1 FROM ids)) || ')'],
          'the steward reads every record');
SELECT is(query_as('tap_steward', 'SELECT count(DISTINCT upload_id) FROM pseudolink.upload_reject'), ARRAY['(2)'],
          'the steward reads every reject');
SELECT is(query_as('tap_steward', $$SELECT count(*) FROM pseudolink.upload_record
                                    WHERE keys IS NOT NULL AND pseudolink.pseudonym_kind(person_key) = 'S'$$),
          query_as('tap_steward', $$SELECT count(*) FROM pseudolink.upload_record
                                    WHERE postcode <> '0000' AND sex IS NOT NULL$$),
          'records with sex and a Dutch postcode have a person key (kind S); all have blocking keys');
SELECT lives_ok($$ SELECT run_as('tap_steward', format($s$
    UPDATE pseudolink.upload SET state = 'linking' WHERE upload_id = %1$s;
    UPDATE pseudolink.upload SET state = 'linked' WHERE upload_id = %1$s $s$, (SELECT pci1 FROM ids))) $$,
    'the steward takes a closed upload through linking to linked');
SELECT throws_ok($$ SELECT run_as('tap_steward', format('UPDATE pseudolink.upload SET state = ''linking'' WHERE upload_id = %s',
                                                       (SELECT pci1 FROM ids))) $$,
    '55000', NULL, 'a linked upload is not linked again');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'SELECT pseudolink.open_upload(''PCI'', ''steward'')') $$,
    '42501', NULL, 'the steward cannot upload for a registry');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'INSERT INTO pseudolink.upload_staging (upload_id) VALUES (1)') $$,
    '42501', NULL, 'the steward cannot stage rows');
SELECT throws_ok($$ SELECT run_as('tap_steward', 'UPDATE pseudolink.upload_record SET birth_date = ''1950-01-01''') $$,
    '42501', NULL, 'the steward cannot change records');
SELECT is(query_as('tap_steward', format('SELECT pseudolink.upload_build_keys(%s)',
                                         (SELECT tavi1 FROM tavi_ids))),
          ARRAY['(0)'], 'the steward rebuilds the blocking keys of a closed upload');

-- The admin sees receipts, nothing else.
SELECT is(query_as('tap_admin', 'SELECT count(*) FROM pseudolink.upload_receipt'), ARRAY['(4)'],
          'the admin sees every receipt');
SELECT throws_ok($$ SELECT run_as('tap_admin', 'SELECT * FROM pseudolink.upload_reject') $$,
    '42501', NULL, 'the admin cannot read rejects');
SELECT throws_ok($$ SELECT run_as('tap_admin', 'SELECT * FROM pseudolink.upload_record') $$,
    '42501', NULL, 'the admin cannot read records');
SELECT throws_ok($$ SELECT run_as('tap_admin', 'SELECT pseudolink.open_upload(''PCI'', ''admin'')') $$,
    '42501', NULL, 'the admin cannot upload');

-- Everyone else: nothing.
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT * FROM pseudolink.upload_receipt')$$, r),
                 '42501', NULL, r || ' cannot read receipts') FROM others;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.open_upload(''PCI'', ''x'')')$$, r),
                 '42501', NULL, r || ' cannot open an upload') FROM others;

-- Properties of every object of this part.
CREATE TEMP TABLE own_functions AS
SELECT p.oid, p.proname, p.prosecdef, p.proconfig FROM pg_proc p
WHERE p.pronamespace = 'pseudolink'::regnamespace
  AND (p.proname ~ '(^|_)upload(_|s|$)' OR p.proname = 'is_uploader');
SELECT is((SELECT count(*)::int FROM own_functions), 14, 'the 14 functions of this part are found');
SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY 1) FROM own_functions
           WHERE prosecdef AND NOT ('search_path=pg_catalog, pg_temp' = ANY (coalesce(proconfig, '{}')))),
          NULL, 'every SECURITY DEFINER function sets search_path = pg_catalog, pg_temp');
SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY 1) FROM own_functions
           WHERE has_function_privilege('public', oid, 'EXECUTE')), NULL,
          'PUBLIC may execute none of the functions');
SELECT is((SELECT array_agg(c.relname::text ORDER BY 1) FROM pg_class c
           WHERE c.relnamespace = 'pseudolink'::regnamespace AND (c.relname LIKE 'upload%' OR c.relname = 'registry')
             AND c.relkind IN ('r', 'v', 'S')
             AND (has_table_privilege('public', c.oid, 'SELECT') OR has_table_privilege('public', c.oid, 'INSERT'))),
          NULL, 'PUBLIC may neither read nor write any upload table');

SELECT * FROM finish();
ROLLBACK;
