-- The state machine of data requests: submit, assign, review, decide,
-- withdraw; every refused step with its SQLSTATE, whoever tries it.
\set SHOW_CONTEXT never
SELECT project_id AS p1 FROM pseudolink.project WHERE cbs_project_number = '8123' \gset
SELECT project_id AS p3 FROM pseudolink.project WHERE cbs_project_number = '7007' \gset
SELECT researcher_id AS res1 FROM pseudolink.researcher WHERE role_name = 'regress_gov_res1' \gset
SELECT researcher_id AS res2 FROM pseudolink.researcher WHERE role_name = 'regress_gov_res2' \gset
SELECT researcher_id AS res3 FROM pseudolink.researcher WHERE role_name = 'regress_gov_res3' \gset

SELECT from_status, string_agg(to_status, ', ' ORDER BY pseudolink.request_status_rank(to_status), to_status) AS may_go_to
FROM unnest(ARRAY['submitted', 'in_review', 'approved', 'rejected', 'released', 'closed', 'withdrawn']) from_status
LEFT JOIN unnest(ARRAY['submitted', 'in_review', 'approved', 'rejected', 'released', 'closed', 'withdrawn']) to_status
     ON pseudolink.request_transition_allowed(from_status, to_status)
GROUP BY from_status ORDER BY min(pseudolink.request_status_rank(from_status)), from_status;

-- Submit: only an active researcher of an active project.
SET ROLE regress_gov_res3;
SELECT pseudolink.submit_request(:p1, 'nhr', 'TAVI survival', 'How long do TAVI patients live?', 'protocol v1',
                                 :res3, 'legitimate_interest', '2015-01-01', '2024-12-31', ARRAY['nhr_tavi.sex']);
\echo :SQLSTATE
RESET ROLE;
SET ROLE regress_gov_res1;
SELECT pseudolink.submit_request(:p3, 'nhr', 'Old', 'Q', 'P', :res1, 'legitimate_interest',
                                 '2015-01-01', '2020-12-31', ARRAY['nhr_tavi.sex']);
\echo :SQLSTATE
SELECT pseudolink.submit_request(:p1, 'nhr', 'T', 'Q', 'P', :res3, 'legitimate_interest',
                                 '2015-01-01', '2024-12-31', ARRAY['nhr_tavi.sex']);
SELECT pseudolink.submit_request(:p1, 'nhr', 'T', 'Q', 'P', :res2, 'legitimate_interest',
                                 '2015-01-01', '2024-12-31', '{}');
SELECT pseudolink.submit_request(:p1, 'nhr', 'T', 'Q', 'P', :res2, 'legitimate_interest',
                                 '2015-01-01', '2024-12-31', ARRAY['nhr_tavi.survival']);
SELECT pseudolink.submit_request(:p1, 'nhr', 'T', 'Q', 'P', :res2, 'legitimate_interest',
                                 '2015-01-01', '2024-12-31', ARRAY['nhr_tavi.sex', 'nhr_tavi.sex@1']);
\set VERBOSITY terse
SELECT pseudolink.submit_request(:p1, 'nhr', 'T', 'Q', 'P', :res2, 'because',
                                 '2015-01-01', '2024-12-31', ARRAY['nhr_tavi.sex']);
SELECT pseudolink.submit_request(:p1, 'nhr', 'T', 'Q', 'P', :res2, 'legitimate_interest',
                                 '2015-01-01', '2014-12-31', ARRAY['nhr_tavi.sex']);
SELECT pseudolink.submit_request(:p1, 'nhr', 'T', 'Q', '', :res2, 'legitimate_interest',
                                 '2015-01-01', '2024-12-31', ARRAY['nhr_tavi.sex']);
\set VERBOSITY default

-- A request for a period not covered yet is accepted with a warning.
SELECT pseudolink.submit_request(:p1, 'nhr', 'TAVI survival', 'How long do TAVI patients live?', 'protocol v1',
                                 :res2, 'legitimate_interest', '2015-01-01', '2024-12-31',
                                 ARRAY['nhr_tavi.procedure_date', 'nhr_tavi.age_at_procedure', 'nhr_tavi.sex',
                                       'cbs_cause_of_death.death_date', 'cbs_cause_of_death.underlying_cause@1',
                                       'cbs_hospital_admissions.main_diagnosis'])
    AS r1 \gset
SELECT source, name, version, covered_from, covered_to, covered FROM pseudolink.request_coverage(:r1);
SELECT * FROM pseudolink.required_reviews(:r1) ORDER BY board;
SELECT status, submitted_by FROM pseudolink.data_request WHERE request_id = :r1;
RESET ROLE;

-- The table owner cannot skip a step or change what was submitted.
UPDATE pseudolink.data_request SET status = 'approved' WHERE request_id = :r1;
\echo :SQLSTATE
UPDATE pseudolink.data_request SET status = 'released' WHERE request_id = :r1;
\echo :SQLSTATE
UPDATE pseudolink.data_request SET status = 'in_review' WHERE request_id = :r1;
\echo :SQLSTATE
UPDATE pseudolink.data_request SET question = 'Something else?' WHERE request_id = :r1;
\echo :SQLSTATE
INSERT INTO pseudolink.request_variable (request_id, source, name, version)
VALUES (:r1, 'cbs_medication', 'atc_code', 1);
\echo :SQLSTATE
INSERT INTO pseudolink.data_request (project_id, registry, title, question, protocol, analyst_id, legal_basis,
                                     period_from, period_to, status, submitted_by)
VALUES (:p1, 'nhr', 'T', 'Q', 'P', :res1, 'legitimate_interest', '2015-01-01', '2024-12-31', 'approved', 'me');
\echo :SQLSTATE
DELETE FROM pseudolink.data_request WHERE request_id = :r1;
INSERT INTO pseudolink.review (request_id, board, assigned_by) VALUES (:r1, 'nhr_committee_pci', 'me');
INSERT INTO pseudolink.decision (request_id, outcome, decided_by) VALUES (:r1, 'approved', 'me');
\echo :SQLSTATE

-- Assign: by the registry's council, to one of its meetings, once.
SET ROLE regress_gov_chair;
SELECT pseudolink.assign_request(:r1, pseudolink.today());
\echo :SQLSTATE
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.assign_request(:r1, '2999-07-01');
SELECT pseudolink.assign_request(:r1, pseudolink.today()) AS reviews_assigned;
SELECT pseudolink.assign_request(:r1, pseudolink.today());
\echo :SQLSTATE
SELECT board, meeting_date = pseudolink.today() AS at_todays_meeting, outcome, assigned_by
FROM pseudolink.review WHERE request_id = :r1 ORDER BY board;
RESET ROLE;

-- Reviews: by a member of the board, once, in order.
SET ROLE regress_gov_cbs;
SELECT pseudolink.review_request(:r1, 'cbs_purpose_check', true);
\echo :SQLSTATE
RESET ROLE;
SET ROLE regress_gov_chair;
SELECT pseudolink.review_request(:r1, 'nhr_privacy_committee', true);
\echo :SQLSTATE
SELECT pseudolink.review_request(:r1, 'nhr_committee_tavi', true, 'fits the TAVI registry') > 0 AS reviewed;
SELECT pseudolink.review_request(:r1, 'nhr_committee_tavi', false);
\echo :SQLSTATE
SELECT pseudolink.review_request(:r1, 'nhr_committee_pci', true);
\echo :SQLSTATE
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.decide_request(:r1, true);
\echo :SQLSTATE
SELECT pseudolink.review_request(:r1, 'nhr_scientific_council', NULL);
SELECT pseudolink.review_request(:r1, 'nhr_scientific_council', true, 'relevant question') > 0 AS reviewed;
RESET ROLE;
-- The owner cannot record the purpose check out of turn either.
UPDATE pseudolink.review SET outcome = 'approved', reviewed_at = now(), reviewed_by = 'me'
WHERE request_id = :r1 AND board = 'cbs_purpose_check';
\echo :SQLSTATE
SET ROLE regress_gov_privacy;
SELECT pseudolink.review_request(:r1, 'nhr_privacy_committee', true) > 0 AS reviewed;
RESET ROLE;

-- No release before every approval.
SET ROLE regress_gov_steward;
SELECT pseudolink.release_request(:r1);
\echo :SQLSTATE
RESET ROLE;
SET ROLE regress_gov_cbs;
SELECT pseudolink.review_request(:r1, 'cbs_purpose_check', true, 'within the scope of CBS project 8123') > 0 AS reviewed;
RESET ROLE;
SELECT board, outcome, reviewed_by, remarks FROM pseudolink.review WHERE request_id = :r1 ORDER BY board;
UPDATE pseudolink.review SET outcome = 'rejected' WHERE request_id = :r1 AND board = 'nhr_committee_tavi';
DELETE FROM pseudolink.review WHERE request_id = :r1;

-- Decide: by the council, with conditions, costs per party and variables
-- left out.
SET ROLE regress_gov_cbs;
SELECT pseudolink.decide_request(:r1, true);
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.decide_request(:r1, true, '{}', '{"NHR": -5}');
SELECT pseudolink.decide_request(:r1, true, '{}', '[3000]');
SELECT pseudolink.decide_request(:r1, true, '{}', '{}', ARRAY['cbs_medication.atc_code']);
SELECT pseudolink.decide_request(:r1, true, '{}', '{}',
    ARRAY['nhr_tavi.procedure_date', 'nhr_tavi.age_at_procedure', 'nhr_tavi.sex', 'cbs_cause_of_death.death_date',
          'cbs_cause_of_death.underlying_cause', 'cbs_hospital_admissions.main_diagnosis']);
SELECT pseudolink.decide_request(:r1, true,
    ARRAY['Publication under the NHR scientific policy', 'NHR is acknowledged in every publication'],
    '{"NHR": 3000, "CBS": 8500.50}', ARRAY['nhr_tavi.sex', 'cbs_hospital_admissions.main_diagnosis'], 'NHR-2024-017');
SELECT pseudolink.decide_request(:r1, true);
\echo :SQLSTATE
RESET ROLE;
SELECT outcome, letter_reference, decided_by FROM pseudolink.decision WHERE request_id = :r1;
SELECT position, condition FROM pseudolink.decision_condition WHERE request_id = :r1 ORDER BY position;
SELECT party, amount_eur FROM pseudolink.request_cost WHERE request_id = :r1 ORDER BY party;
SELECT source, name FROM pseudolink.decision_excluded_variable WHERE request_id = :r1 ORDER BY source, name;
INSERT INTO pseudolink.request_cost (request_id, party, amount_eur) VALUES (:r1, 'Vektis', 100);
\echo :SQLSTATE
UPDATE pseudolink.request_cost SET amount_eur = 0;

-- A request only with registry sources needs no privacy committee; one
-- board's rejection ends it, and the purpose check never comes.
SET ROLE regress_gov_res1;
SELECT pseudolink.submit_request(:p1, 'nhr', 'TAVI and CABG', 'Q', 'P', :res1, 'legitimate_interest',
                                 '2015-01-01', '2024-12-31', ARRAY['nhr_tavi.sex', 'nhr_cabg.graft_count']) AS r2 \gset
SELECT * FROM pseudolink.required_reviews(:r2) ORDER BY board;
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.assign_request(:r2, pseudolink.today()) AS reviews_assigned;
SELECT pseudolink.review_request(:r2, 'nhr_scientific_council', false, 'the question is not answerable') > 0 AS reviewed;
SELECT pseudolink.decide_request(:r2, true);
\echo :SQLSTATE
SELECT pseudolink.decide_request(:r2, false, ARRAY['Resubmit with a sample size calculation']) AS status;
RESET ROLE;
SET ROLE regress_gov_res1;
SELECT pseudolink.withdraw_request(:r2, 'rejected anyway');
\echo :SQLSTATE
RESET ROLE;

-- A council reviews at the meeting it was assigned to, not before.
SET ROLE regress_gov_res1;
SELECT pseudolink.submit_request(:p1, 'nhr', 'Later', 'Q', 'P', :res1, 'legitimate_interest',
                                 '2015-01-01', '2023-12-31', ARRAY['nhr_tavi.sex']) AS r3 \gset
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.assign_request(:r3, '2999-06-01') AS reviews_assigned;
SELECT pseudolink.review_request(:r3, 'nhr_scientific_council', true);
\echo :SQLSTATE
RESET ROLE;

-- Withdraw: by an active researcher of the project, with a reason.
SET ROLE regress_gov_res3;
SELECT pseudolink.withdraw_request(:r3, 'not mine');
\echo :SQLSTATE
RESET ROLE;
SET ROLE regress_gov_res2;
SELECT pseudolink.withdraw_request(:r3, ' ');
SELECT pseudolink.withdraw_request(:r3, 'the question was answered elsewhere');
SELECT pseudolink.withdraw_request(:r3, 'again');
\echo :SQLSTATE
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.review_request(:r3, 'nhr_scientific_council', true);
\echo :SQLSTATE
RESET ROLE;

-- Every transition is recorded with who made it.
SELECT request_id - :r1 AS request, from_status, to_status, changed_by, reason
FROM pseudolink.request_transition ORDER BY transition_id;
SELECT request_id - :r1 AS request, status, status_reason FROM pseudolink.data_request ORDER BY request_id;
UPDATE pseudolink.request_transition SET changed_by = 'someone else';
TRUNCATE pseudolink.request_transition;
