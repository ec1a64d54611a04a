\pset footer off
\echo 'Linking the PCI upload to the register: the default Dutch model, an objection, the'
\echo 'link run in committed batches followed from another session, the quality report against'
\echo 'the ground truth, a review decision, and the picture.'
\set QUIET on
SET search_path = pseudolink, public;
SELECT upload_id AS upload FROM upload WHERE registry = 'PCI' AND batch_id = '2023-Q4' \gset
\getenv outdir PL_DEMO_OUT
\set QUIET off

\echo
\echo 'The default Dutch model: m from an error rate of 2% per field, u from the register, weight = log2(m/u) in bits:'
SELECT comparison, level, label, round(m::numeric, 4) AS m, round(u::numeric, 6) AS u, round(weight::numeric, 1) AS weight
FROM link_default_model('nl');

\echo 'A patient objects (the registry records it; only the person key is kept):'
\set QUIET on
SELECT add_registry_member('nhr', 'demo_nhr_pci') \g /dev/null
SELECT to_char(birth_date, 'YYYY-MM-DD') AS obj_birth, sex AS obj_sex, postcode AS obj_postcode
FROM upload_record WHERE upload_id = :upload AND record_no = '17' \gset
SET ROLE demo_pci_service;
SELECT record_objection('nhr', :'obj_birth', :'obj_sex', :'obj_postcode') AS objection \gset
RESET ROLE;
\set QUIET off
SELECT objection_id, registry, pseudonym_kind(person_key) AS kept_as, person IS NULL AS unresolved FROM objection;

\echo
\echo 'CALL pseudolink.link() runs in another session, 200 records per committed batch; this one watches:'
\! psql -X -q -d pseudolink_demo -c "CALL pseudolink.link($(psql -X -At -d pseudolink_demo -c "SELECT upload_id FROM pseudolink.upload WHERE registry = 'PCI' AND batch_id = '2023-Q4'"), batch_size => 200)" &
\set QUIET on
DO $$
BEGIN
    FOR i IN 1..100 LOOP
        EXIT WHEN EXISTS (SELECT FROM pseudolink.link_progress WHERE done > 0);
        PERFORM pg_sleep(0.1);
    END LOOP;
END $$;
\set QUIET off
SELECT state, done, total, percent, records_per_second, time_left FROM link_progress WHERE upload_id = :upload;
\set QUIET on
DO $$
BEGIN
    FOR i IN 1..600 LOOP
        EXIT WHEN EXISTS (SELECT FROM pseudolink.link_progress WHERE state = 'finished');
        PERFORM pg_sleep(0.1);
    END LOOP;
    IF NOT EXISTS (SELECT FROM pseudolink.link_progress WHERE state = 'finished') THEN
        RAISE EXCEPTION 'the link run did not finish within a minute';
    END IF;
END $$;
\set QUIET off
SELECT state, done, total, batches, attempts, records_per_second, candidate_pairs, second_pass_records
FROM link_progress WHERE upload_id = :upload;

\echo 'The objection was resolved against the register and its record left out:'
SELECT objection_id, pseudonym_kind(person) AS resolved_to FROM objection;

\echo
\echo 'Records per status, beside De Bruin et al. 2004 (hospital discharges to the population register on birth date, sex and postcode):'
SELECT * FROM link_report(:upload);
\echo 'The match weight of the best candidate (bins of 2 bits):'
SELECT weight_from, weight_to, records, "unique", multiple, review, "none", bar FROM link_histogram(:upload, 2, 40);
\echo 'Against the ground truth of the synthetic extract:'
SELECT records, linkable, linked, linked_right, linked_wrong, linkable_multiple, linkable_review, linkable_none,
       round("precision"::numeric, 4) AS "precision", round(recall::numeric, 4) AS recall, round(f1::numeric, 4) AS f1
FROM link_quality(:upload, $$SELECT record_no::text, true_person_id
                             FROM pseudolink.synth_extract(seed => 2024, persons => 20000, registry => 'PCI', records => 2000)$$);
\echo 'Records flagged multiple keep their candidates for the reviewer and are never linked arbitrarily:'
SELECT r.record_id, c.rank, c.person_id, round(c.match_weight::numeric, 1) AS weight, c.levels
FROM link_result r JOIN link_candidate c USING (record_id)
WHERE r.upload_id = :upload AND r.status = 'multiple' ORDER BY r.record_id, c.rank LIMIT 4;

\echo
\echo 'The review queue (first record), and the steward''s decision:'
SELECT record_id AS review_record FROM link_review WHERE upload_id = :upload ORDER BY match_weight DESC, record_id LIMIT 1 \gset
SELECT record_id, rank, round(match_weight::numeric, 1) AS weight, levels, birth_date, postcode, house_number,
       candidate_birth_date, candidate_postcode, candidate_house_number
FROM link_review WHERE record_id = :review_record ORDER BY rank;
SELECT record_id, status, pseudonym_kind(person) AS kind, round(match_weight::numeric, 1) AS weight, decision_id
FROM link_decide(:review_record, (SELECT candidate FROM link_review WHERE record_id = :review_record AND rank = 1),
                 'same birth date and sex, postcode of the address before');
SELECT status, records, percent, decided FROM link_report(:upload) WHERE status IN ('unique', 'review');

\set QUIET on
SELECT :'outdir' || '/link_report.svg' AS svg_file, :'outdir' || '/link_report.html' AS html_file \gset
SELECT link_report_svg(:upload) \g (format=unaligned tuples_only=on) :svg_file
SELECT '<!DOCTYPE html><html><head><meta charset="utf-8"><title>pseudolink link report</title></head>'
       || '<body style="font-family:sans-serif"><h1>Link run of upload ' || :upload || '</h1>'
       || link_report_svg(:upload)
       || '<h2>Records per status</h2><table border="1" cellpadding="4"><tr><th>status</th><th>records</th><th>%</th>'
       || '<th>decided</th><th>De Bruin 2004 %</th></tr>'
       || (SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
                                    status, records, percent, decided, coalesce(de_bruin_2004_percent::text, '')), '')
           FROM link_report(:upload))
       || '</table></body></html>'
\g (format=unaligned tuples_only=on) :html_file
\set QUIET off
\echo 'The picture (histogram by status, thresholds, status breakdown beside De Bruin 2004) is written to'
\echo :svg_file
\echo :html_file
