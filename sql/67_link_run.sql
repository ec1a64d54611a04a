-- The link run: CALL link(upload) in batches, each committed; progress for
-- another session; restart after a failure mid-run without duplicate or
-- lost results; the assignment of unique, multiple, review, none and
-- objected.
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

-- The assignment rule (upper 5, lower -5, margin 5 bits).
SELECT v.best, v.runner_up, link_assign_status(v.best, v.runner_up, 5, -5, 5) AS status
FROM (VALUES (20.0, NULL), (20.0, 2.0), (20.0, 16.0), (20.0, -10.0), (3.0, NULL), (3.0, 1.0),
             (-6.0, NULL), (NULL, NULL)) v(best, runner_up);

-- Bad input, before anything runs.
BEGIN;
CALL link(:upload);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT pg_temp.fails(format($$CALL pseudolink.link(%s, batch_size => 0)$$, :upload));
SELECT pg_temp.fails(format($$CALL pseudolink.link(%s, upper_weight => -10)$$, :upload));
SELECT pg_temp.fails(format($$CALL pseudolink.link(%s, margin => 20)$$, :upload));
SELECT pg_temp.fails(format($$CALL pseudolink.link(%s, model => 'no_such_model')$$, :upload));
SELECT pg_temp.fails('CALL pseudolink.link(-1)');
SET ROLE regress_link_cabg;
SELECT open_upload('CABG', 'still open') AS open_upload \gset
RESET ROLE;
SELECT pg_temp.fails(format($$CALL pseudolink.link(%s)$$, :open_upload));
SELECT count(*) AS runs FROM link_job;

-- A failure mid-run: an error when the 130th record is written.  The
-- batches before it are committed and stay; the one in progress is undone.
CREATE FUNCTION public.link_fail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.record_id = (SELECT record_id FROM pseudolink.upload_record
                        WHERE upload_id = NEW.upload_id ORDER BY record_id OFFSET 129 LIMIT 1) THEN
        RAISE EXCEPTION 'injected failure';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER link_fail BEFORE INSERT ON link_result FOR EACH ROW EXECUTE FUNCTION public.link_fail();
CALL link(:upload, batch_size => 50);
SELECT state, total, done, remaining, percent, batches, attempts, time_left IS NOT NULL AS time_left_known,
       records_per_second > 0 AS rate_known
FROM link_progress WHERE upload_id = :upload;
SELECT count(*) AS results, count(*) = (SELECT done FROM link_job WHERE upload_id = :upload) AS as_committed
FROM link_result WHERE upload_id = :upload;
SELECT state FROM upload WHERE upload_id = :upload;
-- Resuming with other thresholds is refused; so is changing the model under it.
SELECT pg_temp.fails(format($$CALL pseudolink.link(%s, upper_weight => 8)$$, :upload));
SELECT pg_temp.fails($$SELECT count(*) FROM link_default_model('nl')$$);
-- Resumed with the same parameters (and larger batches), it goes on after the last committed batch.
DROP TRIGGER link_fail ON link_result;
CALL link(:upload, batch_size => 200);
SELECT state, total, done, remaining, batches, attempts, time_left FROM link_progress WHERE upload_id = :upload;
SELECT count(*) AS results, count(DISTINCT record_id) AS records,
       count(*) = (SELECT count(*) FROM upload_record WHERE upload_id = :upload) AS every_record
FROM link_result WHERE upload_id = :upload;
SELECT unique_records + multiple_records + review_records + none_records + objected_records AS counted,
       done FROM link_job WHERE upload_id = :upload;
SELECT state FROM upload WHERE upload_id = :upload;
-- Linked once.
SELECT pg_temp.fails(format($$CALL pseudolink.link(%s)$$, :upload));
SELECT pg_temp.fails(format($$SELECT pseudolink.link_abandon(%s)$$, :upload));

-- The cases made by hand.
SELECT d.record_no, r.status, r.candidates, r.pass, r.levels, r.excluded_by,
       r.person = (SELECT pseudonym FROM register_person WHERE person_id = e.true_person_id) AS right_person,
       pseudonym_kind(r.person) AS kind, round(r.match_weight::numeric) AS weight,
       round(r.match_probability::numeric, 3) AS probability, round(r.runner_up_weight::numeric) AS runner_up
FROM link_result r JOIN upload_record d USING (record_id) JOIN public.link_extract e USING (record_no)
WHERE d.record_no LIKE 'h%' ORDER BY d.record_no;
-- The twins: both candidates kept for the reviewer, one rank apart, same weight.
SELECT c.rank, c.person_id, round(c.match_weight::numeric, 2) AS weight FROM link_candidate c
JOIN upload_record d USING (record_id) WHERE d.upload_id = :upload AND d.record_no = 'h3' ORDER BY c.rank;
-- An unlinked record keeps its person key (kind S) as its pseudonym.
SELECT pseudonym_kind(d.person_key) AS kind FROM link_result r JOIN upload_record d USING (record_id)
WHERE d.upload_id = :upload AND d.record_no = 'h5';

-- The synthetic records against their ground truth.
SELECT records, linkable, linked, linked_right, linked_wrong, linkable_multiple, linkable_review, linkable_none,
       objected, round(recall::numeric, 3) AS recall, round(wrong_share::numeric, 4) AS wrong_share
FROM link_quality(:upload, $$SELECT record_no, true_person_id FROM public.link_extract$$);
