-- Release governance, role by role: what each pseudolink role may do and
-- read, what it may not (42501), and what row-level security hides (empty
-- results), including expiry of agreements, authorisations and projects.
BEGIN;
SELECT plan(106);
\o /dev/null
\ir 50_governance_fixture.inc
\o

-- Every role ---------------------------------------------------------------
SELECT is(query_as(r, 'SELECT count(*) > 20 FROM pseudolink.catalogue'), ARRAY['(t)'],
          r || ' reads the catalogue')
FROM unnest(ARRAY['tap_gov_admin', 'tap_gov_steward', 'tap_gov_registry', 'tap_gov_council', 'tap_gov_res_a']) r;
SELECT throws_ok($$SELECT run_as('tap_gov_outsider', 'SELECT count(*) FROM pseudolink.catalogue')$$,
                 '42501', NULL, 'a role outside pseudolink reads nothing');
SELECT throws_ok($$SELECT run_as('tap_gov_outsider', 'SELECT pseudolink.my_projects()')$$,
                 '42501', NULL, 'a role outside pseudolink calls nothing');
SELECT throws_ok(format($$SELECT run_as(%L, 'UPDATE pseudolink.data_request SET status = ''closed''')$$, r),
                 '42501', NULL, r || ' cannot write a governance table directly')
FROM unnest(ARRAY['tap_gov_admin', 'tap_gov_steward', 'tap_gov_council', 'tap_gov_res_a']) r;

-- pseudolink_admin ------------------------------------------------------------
SELECT lives_ok($$SELECT run_as('tap_gov_admin', $q$SELECT pseudolink.add_institution('TAP College')$q$)$$,
                'the admin registers institutions');
SELECT lives_ok(format($$SELECT run_as('tap_gov_admin', 'SELECT pseudolink.extend_retention(%s, 1, ''follow-up'')')$$, :proj_a),
                'the admin extends retention');
SELECT is(query_as('tap_gov_admin', 'SELECT count(*) > 0 FROM pseudolink.audit_log'), ARRAY['(t)'],
          'the admin reads the audit log');
SELECT is(query_as('tap_gov_admin', 'SELECT count(*) FROM pseudolink.data_request'), ARRAY['(2)'],
          'the admin reads every request');
SELECT is(query_as('tap_gov_admin', 'SELECT count(*) FROM pseudolink.audit_verify()'), ARRAY['(0)'],
          'the admin verifies the audit log');
SELECT throws_ok(format($$SELECT run_as('tap_gov_admin', 'SELECT count(*) FROM %s')$$, :'tab_a_tavi'),
                 '42501', NULL, 'the admin cannot read released data');
SELECT throws_ok($$SELECT run_as('tap_gov_admin', 'SELECT count(*) FROM pseudolink.source_row')$$,
                 '42501', NULL, 'the admin cannot read the source-data store');
SELECT throws_ok(format($$SELECT run_as('tap_gov_admin', 'SELECT pseudolink.release_request(%s)')$$, :req_a),
                 '42501', NULL, 'the admin cannot release');
SELECT throws_ok($$SELECT run_as('tap_gov_admin', 'SELECT person_key FROM pseudolink.objection')$$,
                 '42501', NULL, 'the admin cannot read objection pseudonyms');

-- pseudolink_steward ------------------------------------------------------------
SELECT lives_ok($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.open_source_load(''cbs_medication'')')$$,
                'the steward opens loads');
SELECT is(query_as('tap_gov_steward', 'SELECT count(*) FROM pseudolink.source_row'), ARRAY['(120)'],
          'the steward reads the store');
SELECT lives_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.release_request(%s)')$$, :req_a),
                'the steward releases an approved request');
SELECT lives_ok($$SELECT run_as('tap_gov_steward', 'SELECT count(*) FROM pseudolink.enforce_retention()')$$,
                'the steward runs the retention dry run');
SELECT throws_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT count(*) FROM %s')$$, :'tab_a_tavi'),
                 '42501', NULL, 'the steward cannot read a release table');
SELECT throws_ok($$SELECT run_as('tap_gov_steward', 'UPDATE pseudolink.source_row SET consent = true')$$,
                 '42501', NULL, 'the steward cannot change source rows');
SELECT throws_ok($$SELECT run_as('tap_gov_steward', 'DELETE FROM pseudolink.source_row')$$,
                 '42501', NULL, 'the steward cannot delete source rows uncounted');
SELECT throws_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.register_project(''T900'', ''x'', %s, %s, false, ''2020-01-01'', ''2030-01-01'', ARRAY[%s]::bigint[])')$$,
                        :inst, :res_a, :res_a),
                 '42501', NULL, 'the steward cannot register projects');
SELECT throws_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.review_request(%s, ''cbs_purpose_check'', true)')$$, :req_a),
                 '42501', NULL, 'the steward cannot review');
SELECT throws_ok($$SELECT run_as('tap_gov_steward', $q$SELECT pseudolink.audit_append('forged', 'x', NULL, '{}')$q$)$$,
                 '42501', NULL, 'the steward cannot append to the audit log directly');

-- pseudolink_registry -----------------------------------------------------------
SELECT lives_ok($$SELECT run_as('tap_gov_registry', $q$SELECT pseudolink.record_objection('nhr', '1950-01-01', '1', '3000AB')$q$)$$,
                'the registry records an objection');
SELECT is(query_as('tap_gov_registry', 'SELECT registry, removed_source_rows FROM pseudolink.objection'),
          ARRAY['(nhr,0)'], 'the registry reads its objection receipt');
SELECT throws_ok($$SELECT run_as('tap_gov_registry', 'SELECT person_key FROM pseudolink.objection')$$,
                 '42501', NULL, 'the registry cannot read the person key of an objection');
SELECT throws_ok($$SELECT run_as('tap_gov_registry', 'SELECT count(*) FROM pseudolink.source_row')$$,
                 '42501', NULL, 'the registry cannot read the store');
SELECT throws_ok($$SELECT run_as('tap_gov_registry', 'SELECT count(*) FROM pseudolink.data_request')$$,
                 '42501', NULL, 'the registry cannot read requests');
SELECT throws_ok(format($$SELECT run_as('tap_gov_registry', 'SELECT count(*) FROM %s')$$, :'tab_a_tavi'),
                 '42501', NULL, 'the registry cannot read releases');
SELECT throws_ok($$SELECT run_as('tap_gov_registry', $q$SELECT pseudolink.record_objection('other', '1940-01-05', '1', '3000AB')$q$)$$,
                 '42501', NULL, 'the registry cannot record objections for another registry');
-- A data manager of another registry sees none of these receipts.
INSERT INTO pseudolink.registry (registry, title) VALUES ('tapreg', 'TAP registry');
CREATE ROLE tap_gov_registry2 LOGIN IN ROLE pseudolink_registry;
INSERT INTO pseudolink.registry_member (registry, role_name) VALUES ('tapreg', 'tap_gov_registry2');
SELECT is(query_as('tap_gov_registry2', 'SELECT count(*) FROM pseudolink.objection'), ARRAY['(0)'],
          'another registry''s data manager sees no receipt of this one');

-- pseudolink_reviewer --------------------------------------------------------------
SELECT is(query_as('tap_gov_council', 'SELECT count(*) FROM pseudolink.data_request'), ARRAY['(2)'],
          'the council sees every request to its registry');
SELECT is(query_as('tap_gov_privacy', 'SELECT array_agg(request_id ORDER BY request_id) = ARRAY[' || :req_a || ']::bigint[] FROM pseudolink.data_request'),
          ARRAY['(t)'], 'the privacy committee sees only the request linking an external dataset');
SELECT is(query_as('tap_gov_privacy', 'SELECT count(*) FROM pseudolink.project'), ARRAY['(1)'],
          'a reviewer sees the projects of the requests it reviews');
SELECT is(query_as('tap_gov_privacy', 'SELECT count(*) FROM pseudolink.researcher'), ARRAY['(1)'],
          'a reviewer sees the teams of those projects');
SELECT is(query_as('tap_gov_cbs', 'SELECT count(*) FROM pseudolink.review'), ARRAY['(7)'],
          'the purpose check sees the reviews of the requests it checks');
SELECT throws_ok(format($$SELECT run_as('tap_gov_chair', 'SELECT pseudolink.decide_request(%s, true)')$$, :req_a),
                 '42501', NULL, 'a committee chair cannot decide');
SELECT throws_ok(format($$SELECT run_as('tap_gov_chair', 'SELECT pseudolink.assign_request(%s, pseudolink.today())')$$, :req_a),
                 '42501', NULL, 'a committee chair cannot assign');
SELECT throws_ok(format($$SELECT run_as('tap_gov_council', 'SELECT pseudolink.release_request(%s)')$$, :req_a),
                 '42501', NULL, 'a reviewer cannot release');
SELECT throws_ok(format($$SELECT run_as('tap_gov_council', 'SELECT count(*) FROM %s')$$, :'tab_a_tavi'),
                 '42501', NULL, 'a reviewer cannot read released data');
SELECT throws_ok($$SELECT run_as('tap_gov_council', 'SELECT count(*) FROM pseudolink.audit_log')$$,
                 '42501', NULL, 'a reviewer cannot read the audit log');
SELECT throws_ok(format($$SELECT run_as('tap_gov_council', 'SELECT pseudolink.submit_request(%s, ''nhr'', ''T'', ''Q'', ''P'', %s, ''legitimate_interest'', ''2015-01-01'', ''2016-01-01'', ARRAY[''nhr_tavi.sex''])')$$, :proj_a, :res_a),
                 '42501', NULL, 'a reviewer cannot submit');
-- A reviewer of no board sees no request.
CREATE ROLE tap_gov_reviewer_idle LOGIN IN ROLE pseudolink_reviewer;
SELECT is(query_as('tap_gov_reviewer_idle', 'SELECT count(*) FROM pseudolink.data_request'), ARRAY['(0)'],
          'a reviewer of no board sees no request');
SELECT throws_ok(format($$SELECT run_as('tap_gov_reviewer_idle', 'SELECT pseudolink.review_request(%s, ''cbs_purpose_check'', true)')$$, :req_a),
                 '42501', NULL, 'a reviewer of no board cannot review');

-- pseudolink_researcher -------------------------------------------------------------
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(30)'],
          'a researcher reads the release of its project');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_a_death'), ARRAY['(30)'],
          'a researcher reads the linked dataset of its project');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.my_releases()'), ARRAY['(4)'],
          'a researcher lists the release tables it may read (two releases of two tables)');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.release'), ARRAY['(2)'],
          'a researcher sees the release records of its project only');
SELECT is(query_as('tap_gov_res_a', 'SELECT pseudolink.safe_count(DISTINCT person) FROM ' || :'tab_a_tavi'), ARRAY['(30)'],
          'a researcher counts persons with output control');
SELECT lives_ok(format($$SELECT run_as('tap_gov_res_a', 'SELECT pseudolink.submit_request(%s, ''nhr'', ''T'', ''Q'', ''P'', %s, ''legitimate_interest'', ''2015-01-01'', ''2016-01-01'', ARRAY[''nhr_tavi.sex''])')$$, :proj_a, :res_a),
                'a researcher submits for its project');
SELECT throws_ok(format($$SELECT run_as('tap_gov_res_a', 'SELECT pseudolink.submit_request(%s, ''nhr'', ''T'', ''Q'', ''P'', %s, ''legitimate_interest'', ''2015-01-01'', ''2016-01-01'', ARRAY[''nhr_tavi.sex''])')$$, :proj_b, :res_b),
                 '42501', NULL, 'a researcher cannot submit for another project');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_b_pci'), ARRAY['(0)'],
          'a researcher reads nothing of another project''s release');
SELECT is(query_as('tap_gov_res_a', 'SELECT array_agg(project_id) = ARRAY[' || :proj_a || ']::bigint[] FROM pseudolink.project'),
          ARRAY['(t)'], 'a researcher sees its own project only');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.data_request WHERE project_id = ' || :proj_b), ARRAY['(0)'],
          'a researcher sees no request of another project');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.researcher'), ARRAY['(1)'],
          'a researcher sees its own team');
SELECT throws_ok($$SELECT run_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.source_row')$$,
                 '42501', NULL, 'a researcher cannot read the store');
SELECT throws_ok($$SELECT run_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.audit_log')$$,
                 '42501', NULL, 'a researcher cannot read the audit log');
SELECT throws_ok($$SELECT run_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.objection')$$,
                 '42501', NULL, 'a researcher cannot read objections');
SELECT throws_ok($$SELECT run_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.source_load')$$,
                 '42501', NULL, 'a researcher cannot read the loads');
SELECT throws_ok(format($$SELECT run_as('tap_gov_res_a', 'INSERT INTO %s SELECT * FROM %s')$$, :'tab_a_tavi', :'tab_a_tavi'),
                 '42501', NULL, 'a researcher cannot write its release');
SELECT throws_ok(format($$SELECT run_as('tap_gov_res_a', 'DELETE FROM %s')$$, :'tab_a_tavi'),
                 '42501', NULL, 'a researcher cannot delete from its release');
SELECT throws_ok(format($$SELECT run_as('tap_gov_res_a', 'SELECT pseudolink.release_request(%s)')$$, :req_a),
                 '42501', NULL, 'a researcher cannot release');
SELECT throws_ok(format($$SELECT run_as('tap_gov_res_a', 'SELECT pseudolink.review_request(%s, ''cbs_purpose_check'', true)')$$, :req_a),
                 '42501', NULL, 'a researcher cannot review');
SELECT throws_ok($$SELECT run_as('tap_gov_res_a', 'SELECT pseudolink.set_min_cell_count(1)')$$,
                 '42501', NULL, 'a researcher cannot lower the minimum cell count');
SELECT throws_ok(format($$SELECT run_as('tap_gov_res_a', 'SELECT pseudolink.withdraw_request(%s, ''not mine'')')$$, :req_b),
                 '42501', NULL, 'a researcher cannot withdraw another project''s request');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.required_reviews(' || :req_b || ')'), ARRAY['(0)'],
          'a researcher learns nothing of another project''s request from required_reviews');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.required_reviews(' || :req_a || ')'), ARRAY['(4)'],
          'but sees the reviews its own request needs');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.project_status'), ARRAY['(1)'],
          'a researcher sees the status of its own project');
-- A researcher role in no project sees nothing.
SELECT is(query_as('tap_gov_res_idle', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(0)'],
          'a researcher of no project reads no release');
SELECT is(query_as('tap_gov_res_idle', 'SELECT count(*) FROM pseudolink.my_releases()'), ARRAY['(0)'],
          'a researcher of no project lists no release');
SELECT is(query_as('tap_gov_res_idle', 'SELECT count(*) FROM pseudolink.data_request'), ARRAY['(0)'],
          'a researcher of no project sees no request');
SELECT is(query_as('tap_gov_res_idle', 'SELECT count(*) FROM pseudolink.project_status'), ARRAY['(0)'],
          'a researcher of no project sees no project');

-- Membership decides: a login that is a member of researcher B's role acts
-- as B, and only while it is.
GRANT tap_gov_res_b TO tap_gov_res_idle;
SELECT is(query_as('tap_gov_res_idle', 'SELECT count(*) FROM ' || :'tab_b_pci'), ARRAY['(30)'],
          'a member of a researcher''s role reads that researcher''s release');
REVOKE tap_gov_res_b FROM tap_gov_res_idle;
SELECT is(query_as('tap_gov_res_idle', 'SELECT count(*) FROM ' || :'tab_b_pci'), ARRAY['(0)'],
          'after the membership ends it reads nothing');

-- Expiry: no rows once the agreement, the authorisation or the project ends,
-- or once the researcher leaves the project or the request is closed.
SAVEPOINT expiry;
SELECT lives_ok(format($$SELECT run_as('tap_gov_admin', 'SELECT pseudolink.end_researcher_agreement(%s, pseudolink.today() - 1)')$$, :res_a),
                'the admin ends an agreement');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(0)'],
          'an ended agreement: no rows');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.data_request'), ARRAY['(0)'],
          'an ended agreement: no requests either');
SELECT throws_ok(format($$SELECT run_as('tap_gov_res_a', 'SELECT pseudolink.submit_request(%s, ''nhr'', ''T'', ''Q'', ''P'', %s, ''legitimate_interest'', ''2015-01-01'', ''2016-01-01'', ARRAY[''nhr_tavi.sex''])')$$, :proj_a, :res_a),
                 '42501', NULL, 'an ended agreement: no submissions');
ROLLBACK TO SAVEPOINT expiry;
SET LOCAL session_replication_role = replica;
UPDATE pseudolink.institution_authorisation SET valid_until = pseudolink.today() - 1 WHERE authorisation_id = :auth;
SET LOCAL session_replication_role = origin;
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(0)'],
          'an expired authorisation of the institution: no rows');
ROLLBACK TO SAVEPOINT expiry;
SET LOCAL session_replication_role = replica;
UPDATE pseudolink.project SET ends_on = pseudolink.today() - 1 WHERE project_id = :proj_a;
SET LOCAL session_replication_role = origin;
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(0)'],
          'an ended project: no rows');
SELECT throws_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.release_request(%s)')$$, :req_a),
                 'PL004', NULL, 'an ended project: no release');
ROLLBACK TO SAVEPOINT expiry;
SELECT lives_ok(format($$SELECT run_as('tap_gov_admin', 'SELECT pseudolink.add_project_researcher(%s, %s)')$$, :proj_a, :res_idle),
                'the admin adds a researcher to a project');
SELECT lives_ok(format($$SELECT run_as('tap_gov_admin', 'SELECT pseudolink.remove_project_researcher(%s, %s)')$$, :proj_a, :res_a),
                'the admin removes a researcher from a project');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(0)'],
          'a researcher who left the project: no rows');
SELECT is(query_as('tap_gov_res_idle', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(30)'],
          'the researcher who joined reads the release');
ROLLBACK TO SAVEPOINT expiry;
SELECT lives_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.close_request(%s, ''study finished'')')$$, :req_a),
                'the steward closes a request');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(0)'],
          'a closed request: no rows');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM pseudolink.my_releases()'), ARRAY['(0)'],
          'a closed request: nothing listed');
SELECT throws_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.release_request(%s)')$$, :req_a),
                 'PL001', NULL, 'a closed request: no new release');
ROLLBACK TO SAVEPOINT expiry;
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(30)'],
          'all current again: the rows are back');

-- Who may close and withdraw.
SELECT throws_ok(format($$SELECT run_as('tap_gov_res_a', 'SELECT pseudolink.close_request(%s, ''x'')')$$, :req_a),
                 '42501', NULL, 'a researcher cannot close a request');
SELECT throws_ok(format($$SELECT run_as('tap_gov_council', 'SELECT pseudolink.close_request(%s, ''x'')')$$, :req_a),
                 '42501', NULL, 'a reviewer cannot close a request');
SELECT lives_ok(format($$SELECT run_as('tap_gov_admin', 'SELECT pseudolink.close_request(%s, ''the project stopped'')')$$, :req_b),
                'the admin closes a request');
SELECT is((SELECT changed_by::text FROM pseudolink.request_transition WHERE request_id = :req_b ORDER BY transition_id DESC LIMIT 1),
          'tap_gov_admin', 'the transition names the role that made it');
SELECT is((SELECT session_role::text FROM pseudolink.request_transition WHERE request_id = :req_b ORDER BY transition_id DESC LIMIT 1),
          session_user::text, 'and the session user of the connection');

-- The objects themselves: every governance table has row-level security,
-- enabled and forced, and no privilege for PUBLIC.
SELECT is((SELECT count(*)::int FROM pg_class c
           WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relkind = 'r'
             AND c.relname = ANY (ARRAY['audit_log', 'registry', 'board', 'catalogue_source', 'catalogue_variable',
                 'catalogue_coverage', 'institution', 'institution_authorisation', 'researcher', 'project',
                 'project_researcher', 'project_extension', 'registry_member', 'board_member', 'council_meeting',
                 'data_request', 'request_variable', 'review', 'decision', 'decision_condition',
                 'decision_excluded_variable', 'request_cost', 'request_transition', 'source_load', 'source_row',
                 'release', 'release_table', 'objection', 'identifier_retention', 'retention_log', 'output_control'])
             AND c.relrowsecurity AND c.relforcerowsecurity
             AND NOT EXISTS (SELECT FROM aclexplode(c.relacl) a WHERE a.grantee = 0)), 31,
          'all 31 governance tables have row-level security enabled and forced, and nothing for PUBLIC');
SELECT is((SELECT count(*)::int FROM pg_class c
           WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relname ~ '^release_[0-9]+_'
             AND NOT (c.relrowsecurity AND c.relforcerowsecurity)), 0,
          'every release table has row-level security enabled and forced');
SELECT is((SELECT count(*)::int FROM pg_class c
           WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relname ~ '^release_[0-9]+_'
             AND EXISTS (SELECT FROM aclexplode(c.relacl) a
                         WHERE a.grantee <> c.relowner
                           AND (a.grantee <> 'pseudolink_researcher'::regrole OR a.privilege_type <> 'SELECT'))), 0,
          'release tables grant only SELECT, only to pseudolink_researcher');
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'pseudolink'::regnamespace
             AND has_function_privilege('public', p.oid, 'EXECUTE')
             AND p.proname ~ '^(submit|assign|review|decide|release|withdraw|close|extend|record|enforce|open|add|register|authorise|remove|set|my_|audit)'),
          0, 'PUBLIC executes no governance procedure');

SELECT * FROM finish();
ROLLBACK;
