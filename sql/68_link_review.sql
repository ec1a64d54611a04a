-- After the run: a steward's review decision applied; a record without a
-- link remapped from its S pseudonym to the person's R pseudonym when the
-- person appears in the register; the linked records published for an
-- approved request and released; a later objection removes them from the
-- store and from the release.
SET search_path = pseudolink, public;
-- Bad input is shown as its SQLSTATE and message.
CREATE FUNCTION pg_temp.fails(statement text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE c text; m text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS c = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
    RETURN c || ': ' || m;
END $f$;
SELECT upload_id AS upload FROM upload WHERE registry = 'CABG' AND batch_id = '2022' \gset
SELECT record_id AS rec_h4 FROM upload_record WHERE upload_id = :upload AND record_no = 'h4' \gset
SELECT record_id AS rec_h3 FROM upload_record WHERE upload_id = :upload AND record_no = 'h3' \gset
SELECT record_id AS rec_h1 FROM upload_record WHERE upload_id = :upload AND record_no = 'h1' \gset

-- The review queue: h4 with its candidate, the twins of h3 side by side.
SELECT v.status, v.rank, v.birth_date, v.postcode, v.house_number, v.candidate_birth_date, v.candidate_sex,
       v.candidate_postcode, v.candidate_house_number, round(v.match_weight::numeric) AS weight
FROM link_review v WHERE v.record_id IN (:rec_h4, :rec_h3) ORDER BY v.record_id, v.rank;

-- Bad decisions.
SELECT pg_temp.fails(format($$SELECT pseudolink.link_decide(%s, NULL)$$, :rec_h1));
SELECT pg_temp.fails(format($$SELECT pseudolink.link_decide(%s, (SELECT pseudonym FROM pseudolink.register_person WHERE person_id = 900001))$$, :rec_h4));
SELECT pg_temp.fails('SELECT pseudolink.link_decide(-1, NULL)');

-- The steward links h4 to its candidate: unique, with the decision named.
SELECT status, pseudonym_kind(person) AS kind, decision_id IS NOT NULL AS decided
FROM link_decide(:rec_h4, (SELECT candidate FROM link_review WHERE record_id = :rec_h4 AND rank = 1),
                 'birth day mistyped; same address');
SELECT status_before, status_after, person_id, note FROM link_decision WHERE record_id = :rec_h4;
SELECT count(*) AS h4_in_queue FROM link_review WHERE record_id = :rec_h4;
SELECT review_records, unique_records FROM link_job WHERE upload_id = :upload;
-- Decisions are kept as made.
SELECT pg_temp.fails($$UPDATE pseudolink.link_decision SET note = 'changed'$$);
SELECT pg_temp.fails('DELETE FROM pseudolink.link_decision');

-- Person 900005 (record h5, no link, S pseudonym) enters the register.
SELECT status, pseudonym_kind(d.person_key) AS kind FROM link_result r JOIN upload_record d USING (record_id)
WHERE d.upload_id = :upload AND d.record_no = 'h5';
INSERT INTO register_person_staging (person_id, birth_date, sex) VALUES ('900005', '08-08-1980', '1');
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
VALUES ('900005', '1011AA', '1', NULL, '01-01-2015', NULL);
SELECT persons_added FROM register_load('link_regress', 'merge');
SELECT upload = :upload AS this_upload, checked, remapped FROM link_remap(:upload);
SELECT r.status, r.person_id, pseudonym_kind(m.person_key) AS old_kind, pseudonym_kind(m.person) AS new_kind,
       m.person_key = d.person_key AS old_is_person_key, m.person = r.person AS new_is_linked
FROM link_remap_log m JOIN link_result r USING (record_id) JOIN upload_record d USING (record_id);
-- Nothing new since: nothing checked again.
SELECT checked, remapped FROM link_remap(:upload);
SELECT pg_temp.fails('SELECT pseudolink.link_remap(-1)');

-- Publication for an approved request of a research project.
CREATE ROLE regress_link_admin IN ROLE pseudolink_admin;
CREATE ROLE regress_link_res IN ROLE pseudolink_researcher;
CREATE ROLE regress_link_council IN ROLE pseudolink_reviewer;
CREATE ROLE regress_link_chair IN ROLE pseudolink_reviewer;
CREATE ROLE regress_link_cbs IN ROLE pseudolink_reviewer;
SET ROLE regress_link_admin;
SELECT add_institution('Link University') AS inst \gset
SELECT authorise_institution(:inst, today() - 30, today() + 700, 'LINK-AUT') IS NOT NULL AS authorised;
SELECT add_researcher('regress_link_res', 'Researcher L', :inst, 'employed', 'LINK-R', '2020-01-01') AS res \gset
SELECT register_project('L100', 'CABG outcomes', :inst, :res, false, '2020-01-01', today() + 500,
                        ARRAY[:res]::bigint[]) AS proj \gset
SELECT add_board_member(b, r) FROM (VALUES ('nhr_scientific_council', 'regress_link_council'),
    ('nhr_committee_cabg', 'regress_link_chair'), ('cbs_purpose_check', 'regress_link_cbs')) v(b, r);
SELECT count(add_council_meeting('nhr_scientific_council', today())) >= 0 AS meeting
WHERE NOT EXISTS (SELECT FROM council_meeting WHERE board = 'nhr_scientific_council' AND meeting_date = today());
RESET ROLE;
SELECT record_coverage('nhr_cabg', 'age_at_surgery', '2010-01-01', '2023-12-31') IS NOT NULL AS covered;
SET ROLE regress_link_res;
SELECT submit_request(:proj, 'nhr', 'CABG age', 'Q', 'P', :res, 'legitimate_interest', '2015-01-01', '2023-12-31',
                      ARRAY['nhr_cabg.age_at_surgery']) AS req \gset
SET ROLE regress_link_council;
SELECT assign_request(:req, today()) IS NOT NULL AS assigned;
SELECT review_request(:req, 'nhr_scientific_council', true) IS NOT NULL AS reviewed;
SET ROLE regress_link_chair;
SELECT review_request(:req, 'nhr_committee_cabg', true) IS NOT NULL AS reviewed;
SET ROLE regress_link_cbs;
SELECT review_request(:req, 'cbs_purpose_check', true) IS NOT NULL AS reviewed;
SET ROLE regress_link_council;
SELECT decide_request(:req, true, '{}', '{"NHR": 3000}') IS NOT NULL AS decided;
RESET ROLE;

-- Records in review hold publication back, unless they go out unlinked.
SELECT pg_temp.fails(format($$SELECT pseudolink.link_publish(%s, %s)$$, :upload, :req));
SELECT published, excluded_objection, without_pseudonym, awaiting_review, dropped_variables
FROM link_publish(:upload, :req, include_review => true);
SELECT pg_temp.fails(format($$SELECT pseudolink.link_publish(%s, %s, include_review => true)$$, :upload, :req));
SELECT pg_temp.fails(format($$SELECT pseudolink.link_publish(-1, %s)$$, :req));
-- Every published row under an R pseudonym (linked) or its S person key; the
-- objector (h6) is left out.
SELECT pseudonym_kind(s.person) AS kind, count(*) AS rows, min(s.variables ->> 'age_at_surgery') IS NOT NULL AS has_age
FROM source_row s JOIN link_publication p ON p.load_id = s.load_id
WHERE p.upload_id = :upload GROUP BY 1 ORDER BY 1;
SELECT release_request(:req) AS rel \gset
SELECT format('pseudolink.release_%s_nhr_cabg', :rel) AS rel_table \gset
SELECT count(*) AS released FROM :rel_table;

-- Person 900001 (records h1 and h2) objects after the release: both rows
-- leave the store and the release, and the counts are kept.
SET ROLE regress_link_cabg;
SELECT record_objection('nhr', '1950-03-07', 'M', '9999ZZ') AS objection \gset
RESET ROLE;
SELECT removed_source_rows, removed_release_rows, releases_affected FROM objection WHERE objection_id = :objection;
SELECT count(*) AS released FROM :rel_table;
SELECT resolved FROM link_resolve_objections('nhr');
SELECT person = (SELECT pseudonym FROM register_person WHERE person_id = 900001) AS resolved_to_900001
FROM objection WHERE objection_id = :objection;
