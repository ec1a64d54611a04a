-- The link run, role by role: the steward writes the model, links (the
-- steps of pseudolink.link, here inside the test's transaction), reads the
-- results, decides on reviews and reports; the registry records objections
-- but never sees a result; the admin follows the runs (counts) and maps
-- sources; the researcher reads the model's parameters only; nobody else
-- does anything.
BEGIN;
SELECT plan(62);

CREATE ROLE tap_link_registry NOLOGIN IN ROLE pseudolink_registry;
CREATE ROLE tap_link_service LOGIN IN ROLE tap_link_registry;
CREATE ROLE tap_link_steward LOGIN IN ROLE pseudolink_steward;
CREATE ROLE tap_link_admin LOGIN IN ROLE pseudolink_admin;
CREATE ROLE tap_link_researcher LOGIN IN ROLE pseudolink_researcher;
CREATE ROLE tap_link_outsider LOGIN;

-- A register of 2,000 synthetic persons and a TAVI upload of 200 records.
SELECT count(*) FROM pseudolink.add_dutch_blocking_rules('tap_link') \g /dev/null
INSERT INTO pseudolink.register_person_staging (person_id, birth_date, sex)
SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM pseudolink.synth_persons(9, 2000);
INSERT INTO pseudolink.register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT person_id, postcode, house_number, house_suffix, to_char(valid_from, 'DD-MM-YYYY'), to_char(valid_to, 'DD-MM-YYYY')
FROM pseudolink.synth_addresses(9, 2000);
SELECT load_id FROM pseudolink.register_load('tap_link') \g /dev/null
INSERT INTO pseudolink.upload_registry (code, uploader) VALUES ('TAVI', 'tap_link_registry');
SELECT pseudolink.add_registry_member('nhr', 'tap_link_registry');
CREATE TABLE public.tap_link_extract AS
SELECT record_no::text, event_date, birth_date, sex, postcode, house_number::text, house_suffix
FROM pseudolink.synth_extract(9, 2000, 'TAVI', 200);
GRANT SELECT ON public.tap_link_extract TO tap_link_service;
SET ROLE tap_link_service;
CREATE TEMP TABLE ids AS SELECT pseudolink.open_upload('TAVI', 'tap') AS up;
INSERT INTO pseudolink.upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)
SELECT (SELECT up FROM ids), e.* FROM public.tap_link_extract e;
SELECT state FROM pseudolink.close_upload((SELECT up FROM ids)) \g /dev/null
RESET ROLE;
GRANT SELECT ON ids TO PUBLIC;

-- The model: the steward writes it; the researcher and the admin read its parameters.
SELECT lives_ok($$ SELECT run_as('tap_link_steward', 'SELECT count(*) FROM pseudolink.link_default_model(''nl'')') $$,
    'the steward writes the default model');
SELECT throws_ok(format('SELECT run_as(%L, %L)', r, 'SELECT count(*) FROM pseudolink.link_default_model(''nl'')'), '42501', NULL,
    r || ' cannot write the default model')
FROM unnest(ARRAY['tap_link_admin', 'tap_link_researcher', 'tap_link_service', 'tap_link_outsider']) r;
SELECT lives_ok(format('SELECT run_as(%L, %L)', r, 'SELECT count(*) FROM pseudolink.link_model_report(''nl'')'),
    r || ' reads the model report')
FROM unnest(ARRAY['tap_link_steward', 'tap_link_admin', 'tap_link_researcher']) r;
SELECT throws_ok(format('SELECT run_as(%L, %L)', r, 'SELECT count(*) FROM pseudolink.link_model_report(''nl'')'), '42501', NULL,
    r || ' cannot read the model report')
FROM unnest(ARRAY['tap_link_service', 'tap_link_outsider']) r;
SELECT throws_ok($$ SELECT run_as('tap_link_outsider', 'SELECT pseudolink.link_levels(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)') $$,
    '42501', NULL, 'PUBLIC cannot call the comparison');

-- Objections: the registry records them; only the steward resolves them.
SELECT lives_ok($$ SELECT run_as('tap_link_service', $s$SELECT pseudolink.record_objection('nhr', '1950-01-01', '1', '1234AB')$s$) $$,
    'the registry records an objection');
SELECT throws_ok(format('SELECT run_as(%L, %L)', r, 'SELECT count(*) FROM pseudolink.link_resolve_objections(''nhr'')'), '42501', NULL,
    r || ' cannot resolve objections')
FROM unnest(ARRAY['tap_link_service', 'tap_link_admin', 'tap_link_researcher', 'tap_link_outsider']) r;
SELECT lives_ok($$ SELECT run_as('tap_link_steward', 'SELECT count(*) FROM pseudolink.link_resolve_objections(''nhr'')') $$,
    'the steward resolves objections');

-- Linking: only the steward; the steps of CALL pseudolink.link() (which
-- cannot run inside this test's transaction).
SELECT throws_ok(format($$ SELECT run_as(%L, 'CALL pseudolink.link(%s)') $$, r, (SELECT up FROM ids)), '42501', NULL,
    r || ' cannot CALL pseudolink.link')
FROM unnest(ARRAY['tap_link_service', 'tap_link_admin', 'tap_link_researcher', 'tap_link_outsider']) r;
SELECT throws_ok(format($$ SELECT run_as(%L, 'SELECT pseudolink.link_start(%s)') $$, r, (SELECT up FROM ids)), '42501', NULL,
    r || ' cannot start a link run')
FROM unnest(ARRAY['tap_link_service', 'tap_link_admin', 'tap_link_researcher']) r;
SELECT lives_ok(format($$ SELECT run_as('tap_link_steward', 'SELECT pseudolink.link_start(%1$s)') $$,
    (SELECT up FROM ids)), 'the steward starts a link run');
SELECT throws_ok(format($$ SELECT run_as(%L, 'SELECT pseudolink.link_claim(%s)') $$, r, (SELECT up FROM ids)), '42501', NULL,
    r || ' cannot claim a batch')
FROM unnest(ARRAY['tap_link_service', 'tap_link_admin', 'tap_link_researcher']) r;
SELECT is(query_as('tap_link_steward', format('SELECT pseudolink.link_claim(%s)', (SELECT up FROM ids))), ARRAY['(t)'],
    'the steward claims the first batch');
SELECT lives_ok(format($$ SELECT run_as('tap_link_steward', 'SELECT pseudolink.link_batch(%1$s)') $$,
    (SELECT up FROM ids)), 'the steward links it');
SELECT is(query_as('tap_link_steward', format('SELECT pseudolink.link_claim(%s)', (SELECT up FROM ids))), ARRAY['(f)'],
    'nothing is left to claim');
SELECT lives_ok(format($$ SELECT run_as('tap_link_steward', 'SELECT pseudolink.link_finish(%1$s)') $$,
    (SELECT up FROM ids)), 'the steward finishes the run');
SELECT is((SELECT state FROM pseudolink.link_job WHERE upload_id = (SELECT up FROM ids)), 'finished', 'the run finished');

-- The sessions of the runs: the steward and the admin read them; nobody writes them by hand.
SELECT lives_ok(format('SELECT run_as(%L, %L)', r, 'SELECT count(*) FROM pseudolink.link_session'), r || ' reads the sessions of the runs')
FROM unnest(ARRAY['tap_link_steward', 'tap_link_admin']) r;
SELECT throws_ok(format('SELECT run_as(%L, %L)', r, 'SELECT count(*) FROM pseudolink.link_session'), '42501', NULL,
    r || ' cannot see the sessions of the runs')
FROM unnest(ARRAY['tap_link_service', 'tap_link_researcher', 'tap_link_outsider']) r;
SELECT throws_ok(format('SELECT run_as(%L, %L)', 'tap_link_steward',
    format('UPDATE pseudolink.link_session SET last_record_id = NULL WHERE upload_id = %s', (SELECT up FROM ids))), '42501', NULL,
    'the steward cannot change a claim by hand');

-- Following the runs: the steward and the admin; results: the steward only.
SELECT lives_ok(format('SELECT run_as(%L, %L)', r, 'SELECT count(*) FROM pseudolink.link_progress'), r || ' follows the runs')
FROM unnest(ARRAY['tap_link_steward', 'tap_link_admin']) r;
SELECT throws_ok(format('SELECT run_as(%L, %L)', r, 'SELECT count(*) FROM pseudolink.link_progress'), '42501', NULL,
    r || ' cannot see the runs')
FROM unnest(ARRAY['tap_link_service', 'tap_link_researcher', 'tap_link_outsider']) r;
SELECT is(query_as('tap_link_steward', 'SELECT count(*) FROM pseudolink.link_result'), ARRAY['(200)'],
    'the steward reads every result');
SELECT throws_ok(format('SELECT run_as(%L, %L)', r, 'SELECT count(*) FROM pseudolink.link_result'), '42501', NULL,
    r || ' cannot read results')
FROM unnest(ARRAY['tap_link_admin', 'tap_link_service', 'tap_link_researcher', 'tap_link_outsider']) r;
SELECT throws_ok($$ SELECT run_as('tap_link_steward', 'UPDATE pseudolink.link_result SET status = ''none''') $$, '42501', NULL,
    'the steward cannot change results by hand');

-- Review decisions: the steward only.
SELECT throws_ok(format('SELECT run_as(%L, %L)', r, 'SELECT pseudolink.link_decide(1, NULL)'), '42501', NULL,
    r || ' cannot decide on a review')
FROM unnest(ARRAY['tap_link_admin', 'tap_link_service', 'tap_link_researcher']) r;

-- Reports: the steward only.
SELECT lives_ok(format($$ SELECT run_as('tap_link_steward', 'SELECT count(*) FROM pseudolink.link_report(%1$s); SELECT pseudolink.link_report_svg(%1$s)') $$,
    (SELECT up FROM ids)), 'the steward reports on a run');
SELECT throws_ok(format($$ SELECT run_as(%L, 'SELECT count(*) FROM pseudolink.link_report(%s)') $$, r, (SELECT up FROM ids)), '42501', NULL,
    r || ' cannot read the report')
FROM unnest(ARRAY['tap_link_admin', 'tap_link_service', 'tap_link_researcher', 'tap_link_outsider']) r;

-- Sources: the admin maps them.
SELECT lives_ok($$ SELECT run_as('tap_link_admin', 'UPDATE pseudolink.link_source SET age_variable = age_variable') $$,
    'the admin maps upload registries to sources');
SELECT throws_ok(format('SELECT run_as(%L, %L)', r, 'UPDATE pseudolink.link_source SET age_variable = NULL'), '42501', NULL,
    r || ' cannot map sources')
FROM unnest(ARRAY['tap_link_steward', 'tap_link_service', 'tap_link_outsider']) r;

SELECT * FROM finish();
ROLLBACK;
