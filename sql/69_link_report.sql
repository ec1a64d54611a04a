-- The quality report: counts per status beside De Bruin et al. 2004, the
-- match-weight histogram, precision/recall/F1 against ground truth, and the
-- SVG picture of both.
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

SELECT * FROM link_report(:upload);
SELECT weight_from, weight_to, records, "unique", multiple, review, "none", bar FROM link_histogram(:upload, 5, 20);
SELECT records, linkable, linked, linked_right, linked_wrong, round("precision"::numeric, 3) AS "precision",
       round(recall::numeric, 3) AS recall, round(f1::numeric, 3) AS f1
FROM link_quality(:upload, $$SELECT record_no, true_person_id FROM public.link_extract$$);
-- The picture: one SVG document, a bar per status and bin, the thresholds marked, no identifiers.
CREATE TEMP TABLE svg AS SELECT link_report_svg(:upload) AS doc;
SELECT doc LIKE '<svg xmlns="http://www.w3.org/2000/svg"%</svg>' AS is_svg,
       doc LIKE '%upper 0%' AND doc LIKE '%lower -5%' AS thresholds,
       doc LIKE '%De Bruin 2004%' AS compared,
       (SELECT count(*) FROM regexp_matches(doc, '<rect', 'g')) > 10 AS bars,
       doc NOT LIKE '%1950%' AND doc NOT LIKE '%9999ZZ%' AS no_identifiers
FROM svg;
SELECT xml_is_well_formed_document(doc) AS well_formed FROM svg;

-- Bad input.
SELECT pg_temp.fails('SELECT * FROM pseudolink.link_report(-1)');
SELECT pg_temp.fails(format($$SELECT * FROM pseudolink.link_histogram(%s, 0)$$, :upload));
SELECT pg_temp.fails(format($$SELECT * FROM pseudolink.link_histogram(%s, 1, 500)$$, :upload));
SELECT pg_temp.fails(format($$SELECT * FROM pseudolink.link_quality(%s, NULL)$$, :upload));
SELECT pg_temp.fails($$SELECT * FROM pseudolink.link_quality(-1, 'SELECT 1, 1')$$);
SELECT pg_temp.fails(format($$SELECT pseudolink.link_report_svg(%s, -1)$$, :upload));
DROP TABLE public.link_extract;

-- pg_dump and restore keep the link run's tables (runs, results,
-- candidates, decisions and their numbering, objection checks, the model's
-- defaults, sources added by the admin), as in 63_pipeline_dump: a database
-- of its own, pg_dump -Fc, pg_restore into a second one, compared through dblink.
CREATE EXTENSION dblink;
CREATE FUNCTION dump_conn(db text) RETURNS text LANGUAGE sql AS $$
    SELECT format('host=%s port=%s dbname=%s user=%s',
                  split_part(current_setting('unix_socket_directories'), ',', 1),
                  current_setting('port'), db, current_user)
$$;
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_link_src');
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_link_dst');
SELECT dblink_exec(dump_conn(current_database()), 'CREATE DATABASE pseudolink_link_src');
SELECT dblink_exec(dump_conn(current_database()), 'CREATE DATABASE pseudolink_link_dst');
CREATE ROLE regress_link_dump NOLOGIN IN ROLE pseudolink_registry;
SELECT dblink_exec(dump_conn('pseudolink_link_src'), $setup$
    CREATE EXTENSION pseudolink;
    SET search_path = public, pseudolink;
    SELECT count(*) FROM add_dutch_blocking_rules('nl');
    INSERT INTO register_person_staging (person_id, birth_date, sex)
    SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM synth_persons(7, 2000);
    INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
    SELECT person_id, postcode, house_number, house_suffix, to_char(valid_from, 'DD-MM-YYYY'), to_char(valid_to, 'DD-MM-YYYY')
    FROM synth_addresses(7, 2000);
    SELECT load_id FROM register_load('nl');
    INSERT INTO upload_registry (code, uploader) VALUES ('TAVI', 'regress_link_dump');
    INSERT INTO link_source (registry, source, date_variable) VALUES ('TAVI2', 'nhr_tavi', 'procedure_date');
    SELECT add_registry_member('nhr', 'regress_link_dump');
    CREATE TABLE tavi AS SELECT * FROM synth_extract(7, 2000, 'TAVI', 300);
    GRANT SELECT ON tavi TO regress_link_dump;
    SET ROLE regress_link_dump;
    SELECT open_upload('TAVI', 'dumped');
    INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)
    SELECT 1, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix FROM tavi;
    SELECT state FROM close_upload(1);
    SELECT record_objection('nhr', '1950-01-01', '1', '1234AB');
    RESET ROLE;
    SELECT count(*) FROM link_default_model('nl');
    RESET search_path;
$setup$);
SELECT dblink_exec(dump_conn('pseudolink_link_src'), 'CALL pseudolink.link(1, batch_size => 100, lower_weight => -10)');
SELECT dblink_exec(dump_conn('pseudolink_link_src'), $d$
    SELECT pseudolink.link_decide(r.record_id, NULL, 'no link') FROM pseudolink.link_result r
    WHERE r.status IN ('review', 'multiple') ORDER BY r.record_id LIMIT 1;
    RESET search_path;
$d$);
DO $$
DECLARE
    bindir text := (SELECT setting FROM pg_config WHERE name = 'BINDIR');
    sock text := split_part(current_setting('unix_socket_directories'), ',', 1);
BEGIN
    EXECUTE format('COPY (SELECT 1 WHERE false) TO PROGRAM %L',
        format('%s/pg_dump -h %s -p %s -U %s -Fc pseudolink_link_src | %s/pg_restore -h %s -p %s -U %s --exit-on-error -d pseudolink_link_dst',
               bindir, sock, current_setting('port'), current_user, bindir, sock, current_setting('port'), current_user));
END
$$;
CREATE FUNCTION dump_image(db text) RETURNS TABLE (what text, rows bigint, image text) LANGUAGE sql AS $$
    SELECT * FROM dblink(dump_conn(db), $q$
        SET search_path = public, pseudolink;
        SELECT 'link_source', count(*), md5(string_agg(t::text, ';' ORDER BY t.registry)) FROM link_source t
        UNION ALL
        SELECT 'link_model_default', count(*), md5(string_agg(t::text, ';' ORDER BY t.comparison, t.level)) FROM link_model_default t
        UNION ALL
        SELECT 'link_objection_check', count(*), md5(string_agg(t::text, ';' ORDER BY t.objection_id)) FROM link_objection_check t
        UNION ALL
        SELECT 'link_job', count(*), md5(string_agg(t::text, ';' ORDER BY t.upload_id)) FROM link_job t
        UNION ALL
        SELECT 'link_result', count(*), md5(string_agg(t::text, ';' ORDER BY t.record_id)) FROM link_result t
        UNION ALL
        SELECT 'link_candidate', count(*), md5(string_agg(t::text, ';' ORDER BY t.record_id, t.rank)) FROM link_candidate t
        UNION ALL
        SELECT 'link_decision', count(*), md5(string_agg(t::text, ';' ORDER BY t.decision_id)) FROM link_decision t
    $q$) AS t(what text, rows bigint, image text)
$$;
SELECT s.what, s.rows > 0 AS has_rows, s.rows = d.rows AS same_rows, s.image = d.image AS restored_equal
FROM dump_image('pseudolink_link_src') s JOIN dump_image('pseudolink_link_dst') d USING (what)
ORDER BY s.what;
-- The restored database goes on: its run reports, and the next decision is numbered after the old ones.
SELECT * FROM dblink(dump_conn('pseudolink_link_dst'), $q$
    SELECT p.state, p.done = p.total AS complete,
           (SELECT sum(records) FROM pseudolink.link_report(1)) = p.total AS reported
    FROM pseudolink.link_progress p
$q$) AS t(state text, complete boolean, reported boolean);
SELECT * FROM dblink(dump_conn('pseudolink_link_dst'), $q$
    SELECT x.status, x.decision_id
    FROM pseudolink.link_decide((SELECT r.record_id FROM pseudolink.link_result r
                                 WHERE r.status IN ('review', 'multiple') AND r.decision_id IS NULL
                                 ORDER BY r.record_id LIMIT 1), NULL, 'after the restore') x
$q$) AS t(status text, decision_id bigint);
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE pseudolink_link_src');
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE pseudolink_link_dst');
DROP ROLE regress_link_dump;
DROP FUNCTION dump_image(text), dump_conn(text);
DROP EXTENSION dblink;
