-- Several sessions link one upload at once (CALL link in each): every
-- record is linked once, and the results are those of one session alone.
-- A batch claimed by a session that stopped is taken over.  Several
-- sessions build the register's key sets at once (register_build_keys).
SET search_path = pseudolink, public;
CREATE EXTENSION dblink;
CREATE FUNCTION pg_temp.conn() RETURNS text LANGUAGE sql AS $$
    SELECT format('host=%s port=%s dbname=%s user=%s',
                  split_part(current_setting('unix_socket_directories'), ',', 1),
                  current_setting('port'), current_database(), current_user)
$$;

-- A register of 3,000 synthetic persons, and 600 records uploaded twice
-- (the second time with one more, so that it is not refused as a copy).
INSERT INTO register_person_staging (person_id, birth_date, sex)
SELECT person_id::text, to_char(birth_date, 'DD-MM-YYYY'), sex::text FROM synth_persons(31, 3000);
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT person_id::text, postcode, house_number::text, house_suffix, to_char(valid_from, 'DD-MM-YYYY'),
       to_char(valid_to, 'DD-MM-YYYY')
FROM synth_addresses(31, 3000);
SELECT count(*) AS rules FROM add_dutch_blocking_rules('sessions_nl');
SELECT persons_added, persons_rejected FROM register_load('sessions_nl');
SELECT count(*) AS comparisons FROM link_default_model('nl');
CREATE ROLE regress_sessions_tavi NOLOGIN IN ROLE pseudolink_registry;
INSERT INTO upload_registry (code, uploader, description) VALUES ('TAVIS', 'regress_sessions_tavi', 'TAVI');
INSERT INTO link_source (registry, source, date_variable) VALUES ('TAVIS', 'nhr_tavi', 'procedure_date');
CREATE TABLE public.sessions_extract AS SELECT * FROM synth_extract(31, 3000, 'TAVI', 600);
GRANT SELECT ON public.sessions_extract TO regress_sessions_tavi;
SET ROLE regress_sessions_tavi;
SELECT open_upload('TAVIS', 'one session') AS alone \gset
INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)
SELECT :alone, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix
FROM public.sessions_extract WHERE record_no <> (SELECT max(record_no) FROM public.sessions_extract);
SELECT state, accepted FROM close_upload(:alone);
SELECT open_upload('TAVIS', 'three sessions') AS shared \gset
INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)
SELECT :shared, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix
FROM public.sessions_extract;
SELECT state, accepted FROM close_upload(:shared);
RESET ROLE;

-- One session alone.
CALL link(:alone, batch_size => 25);

-- Three sessions.  First a batch left behind: this session claims one and
-- stops (its row is made that of a backend that no longer runs).
SELECT (link_start(:shared, batch_size => 25)).state;
SELECT link_claim(:shared) AS claimed;
UPDATE link_session SET pid = 0 WHERE upload_id = :shared AND last_record_id IS NOT NULL;
SELECT state, sessions FROM link_progress WHERE upload_id = :shared;
-- Then two more sessions and this one CALL link at once.
SELECT dblink_connect('s2', pg_temp.conn()), dblink_connect('s3', pg_temp.conn());
SELECT dblink_send_query('s2', format('CALL pseudolink.link(%s)', :shared)) AS sent,
       dblink_send_query('s3', format('CALL pseudolink.link(%s)', :shared)) AS sent;
-- (Whichever session commits the last batch finishes the run; the others
-- say so in a notice, not shown here.)
SET client_min_messages = warning;
CALL link(:shared);
RESET client_min_messages;
SELECT * FROM dblink_get_result('s2') AS t(result text);
SELECT * FROM dblink_get_result('s3') AS t(result text);
SELECT dblink_disconnect('s2'), dblink_disconnect('s3');

-- Both runs finished, with every record once, and the same result per record.
SELECT u.batch_id, p.state, p.total, p.done, p.batches, p.sessions,
       (SELECT count(*) FROM link_result r WHERE r.upload_id = p.upload_id) AS results,
       (SELECT count(DISTINCT r.record_id) FROM link_result r WHERE r.upload_id = p.upload_id) AS records
FROM link_progress p JOIN upload u USING (upload_id) WHERE p.upload_id IN (:alone, :shared) ORDER BY p.upload_id;
SELECT count(*) AS sessions_left FROM link_session WHERE upload_id IN (:alone, :shared);
SELECT count(*) AS records,
       count(*) FILTER (WHERE a.status = b.status AND a.person IS NOT DISTINCT FROM b.person
                        AND a.match_weight IS NOT DISTINCT FROM b.match_weight
                        AND a.runner_up_weight IS NOT DISTINCT FROM b.runner_up_weight
                        AND a.candidates = b.candidates AND a.levels IS NOT DISTINCT FROM b.levels
                        AND a.pass = b.pass) AS alike
FROM (SELECT d.record_no, r.* FROM link_result r JOIN upload_record d USING (record_id) WHERE r.upload_id = :alone) a
     JOIN (SELECT d.record_no, r.* FROM link_result r JOIN upload_record d USING (record_id) WHERE r.upload_id = :shared) b
     USING (record_no);
SELECT (SELECT count(*) FROM link_candidate c JOIN link_result r USING (record_id) WHERE r.upload_id = :alone) AS candidates_alone,
       (SELECT count(*) FROM link_candidate c JOIN link_result r USING (record_id) WHERE r.upload_id = :shared) AS candidates_shared;

-- A finished run takes no more sessions.
SELECT link_claim(:shared) AS claimed;

-- Three sessions build the key sets of a replace load at once
-- (register_build_keys in each): every partition once, and the key sets
-- those of one pass.
CREATE TEMP TABLE keys_one_pass AS SELECT person_id, keys::text AS keys FROM register_keys;
INSERT INTO register_person_staging (person_id, birth_date, sex)
SELECT person_id::text, to_char(birth_date, 'DD-MM-YYYY'), sex::text FROM synth_persons(31, 3000);
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT person_id::text, postcode, house_number::text, house_suffix, to_char(valid_from, 'DD-MM-YYYY'),
       to_char(valid_to, 'DD-MM-YYYY')
FROM synth_addresses(31, 3000);
SELECT persons_added, key_sets_built, keys_built_at IS NULL AS keys_pending
FROM register_load('sessions_nl', build_keys => false);
-- Until they are built, nothing links or trains against them.
SET ROLE regress_sessions_tavi;
SELECT open_upload('TAVIS', 'waiting for the key sets') AS waiting \gset
INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)
SELECT :waiting, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix
FROM public.sessions_extract ORDER BY record_no LIMIT 20;
SELECT state, accepted FROM close_upload(:waiting);
RESET ROLE;
\set VERBOSITY terse
CALL link(:waiting);
SELECT * FROM link_train_em('nl', :waiting, 20);
\set VERBOSITY default
SELECT dblink_connect('s2', pg_temp.conn()), dblink_connect('s3', pg_temp.conn());
SELECT dblink_send_query('s2', 'CALL pseudolink.register_build_keys()') AS sent,
       dblink_send_query('s3', 'CALL pseudolink.register_build_keys()') AS sent;
-- (A session that finds every partition taken says so in a notice.)
SET client_min_messages = warning;
CALL register_build_keys();
RESET client_min_messages;
SELECT * FROM dblink_get_result('s2') AS t(result text);
SELECT * FROM dblink_get_result('s3') AS t(result text);
SELECT dblink_disconnect('s2'), dblink_disconnect('s3');
SELECT count(*) AS partitions, count(*) FILTER (WHERE built_at IS NOT NULL) AS built, sum(key_sets) AS key_sets
FROM register_keys_part;
SELECT key_sets_built, keys_built_at IS NOT NULL AS keys_built FROM register_load ORDER BY load_id DESC LIMIT 1;
SELECT count(*) AS persons, count(*) FILTER (WHERE k.keys::text = o.keys) AS alike
FROM register_keys k FULL JOIN keys_one_pass o USING (person_id);
SELECT count(*) AS valid_indexes FROM pg_index
WHERE indrelid IN (SELECT relid FROM pg_partition_tree('register_keys')) AND indisvalid;
-- Then the upload links, as the first one did.
CALL link(:waiting);
SELECT count(*) AS records, count(*) FILTER (WHERE a.status = b.status AND a.person IS NOT DISTINCT FROM b.person) AS alike
FROM (SELECT d.record_no, r.* FROM link_result r JOIN upload_record d USING (record_id) WHERE r.upload_id = :alone) a
     JOIN (SELECT d.record_no, r.* FROM link_result r JOIN upload_record d USING (record_id) WHERE r.upload_id = :waiting) b
     USING (record_no);

DROP TABLE public.sessions_extract;
DROP EXTENSION dblink;
RESET search_path;
