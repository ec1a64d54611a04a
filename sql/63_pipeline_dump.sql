-- pg_dump and restore keep the register (persons, periods, key sets and
-- their GIN index, loads and rejects), the registries and every upload with
-- its staged rows, records and rejects, and the numbering goes on where it
-- stopped.  As in 44_blocking_dump: a database of its own, pg_dump -Fc,
-- pg_restore into a second one, compared through dblink.
CREATE EXTENSION dblink;

CREATE FUNCTION dump_conn(db text) RETURNS text LANGUAGE sql AS $$
    SELECT format('host=%s port=%s dbname=%s user=%s',
                  split_part(current_setting('unix_socket_directories'), ',', 1),
                  current_setting('port'), db, current_user)
$$;

SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_pipeline_src');
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_pipeline_dst');
SELECT dblink_exec(dump_conn(current_database()), 'CREATE DATABASE pseudolink_pipeline_src');
SELECT dblink_exec(dump_conn(current_database()), 'CREATE DATABASE pseudolink_pipeline_dst');
CREATE ROLE regress_dump_pci NOLOGIN IN ROLE pseudolink_registry;

-- The source: a synthetic register of 2,000 persons loaded with a bad row,
-- a register row staged for the next load, a closed upload with rejects, an
-- open one with staged rows and a cancelled one.
SELECT dblink_exec(dump_conn('pseudolink_pipeline_src'), $setup$
    CREATE EXTENSION pseudolink;
    SET search_path = public, pseudolink;
    SELECT count(*) FROM add_dutch_blocking_rules('nl');
    INSERT INTO register_person_staging (person_id, birth_date, sex)
    SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM synth_persons(7, 2000);
    INSERT INTO register_person_staging (person_id, birth_date, sex) VALUES ('x', '01-01-1950', '1');
    INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
    SELECT person_id, postcode, house_number, house_suffix, valid_from, valid_to FROM synth_addresses(7, 2000);
    SELECT load_id FROM register_load('nl', max_rejects => 1);
    INSERT INTO register_person_staging (person_id, birth_date, sex) VALUES ('5', '01-01-1950', '1');
    INSERT INTO upload_registry (code, uploader) VALUES ('PCI', 'regress_dump_pci');
    CREATE TABLE pci AS SELECT * FROM synth_extract(7, 2000, 'PCI', 300);
    GRANT SELECT ON pci TO regress_dump_pci;
    SET ROLE regress_dump_pci;
    SELECT open_upload('PCI', 'closed');
    INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)
    SELECT 1, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix FROM pci;
    SELECT add_upload_rows(1, '[{"record_no": "bad", "event_date": "31-02-2022"}]');
    SELECT state FROM close_upload(1);
    SELECT open_upload('PCI', 'open');
    SELECT add_upload_rows(2, '[{"record_no": "1", "event_date": "01-02-2022", "birth_date": "01-01-1950", "sex": "1", "postcode": "1234AB", "variables": {"x": 1}}]');
    SELECT open_upload('PCI', 'cancelled');
    SELECT add_upload_rows(3, '[{"record_no": "1"}]');
    SELECT state FROM cancel_upload(3);
    RESET ROLE;
$setup$);

CREATE FUNCTION dump_restore(src text, dst text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    bindir text := (SELECT setting FROM pg_config WHERE name = 'BINDIR');
    sock text := split_part(current_setting('unix_socket_directories'), ',', 1);
    cmd text;
BEGIN
    cmd := format('%s/pg_dump -h %s -p %s -U %s -Fc %s | %s/pg_restore -h %s -p %s -U %s --exit-on-error -d %s',
                  bindir, sock, current_setting('port'), current_user, src,
                  bindir, sock, current_setting('port'), current_user, dst);
    EXECUTE format('COPY (SELECT 1 WHERE false) TO PROGRAM %L', cmd);
END
$$;
SELECT dump_restore('pseudolink_pipeline_src', 'pseudolink_pipeline_dst');

-- The same rows on both sides, table by table.
CREATE FUNCTION dump_image(db text) RETURNS TABLE (what text, rows bigint, image text) LANGUAGE sql AS $$
    SELECT * FROM dblink(dump_conn(db), $q$
        SET search_path = public, pseudolink;
        SELECT 'register_person', count(*), md5(string_agg(t::text, ';' ORDER BY t.person_id)) FROM register_person t
        UNION ALL
        SELECT 'register_address', count(*), md5(string_agg(t::text, ';' ORDER BY t.person_id, t.valid_from)) FROM register_address t
        UNION ALL
        SELECT 'register_keys', count(*), md5(string_agg(t::text, ';' ORDER BY t.person_id)) FROM register_keys t
        UNION ALL
        SELECT 'register_keys_part', count(*), md5(string_agg(t::text, ';' ORDER BY t.part)) FROM register_keys_part t
        UNION ALL
        SELECT 'register_load', count(*), md5(string_agg(t::text, ';' ORDER BY t.load_id)) FROM register_load t
        UNION ALL
        SELECT 'register_reject', count(*), md5(string_agg(t::text, ';' ORDER BY t.row_no, t.field)) FROM register_reject t
        UNION ALL
        SELECT 'register_person_staging', count(*), md5(string_agg(t::text, ';' ORDER BY t.row_no)) FROM register_person_staging t
        UNION ALL
        SELECT 'upload_registry', count(*), md5(string_agg(t::text, ';' ORDER BY t.code)) FROM upload_registry t
        UNION ALL
        SELECT 'upload', count(*), md5(string_agg(t::text, ';' ORDER BY t.upload_id)) FROM upload t
        UNION ALL
        SELECT 'upload_staging', count(*), md5(string_agg(t::text, ';' ORDER BY t.staging_id)) FROM upload_staging t
        UNION ALL
        SELECT 'upload_record', count(*), md5(string_agg(t::text, ';' ORDER BY t.record_id)) FROM upload_record t
        UNION ALL
        SELECT 'upload_reject', count(*), md5(string_agg(t::text, ';' ORDER BY t.upload_id, t.row_no, t.field)) FROM upload_reject t
        UNION ALL
        SELECT 'candidates', count(*), md5(string_agg(format('%s %s', r.record_id, k.person_id), ';' ORDER BY r.record_id, k.person_id))
        FROM upload_record r JOIN register_keys k ON k.keys @@ shares(r.keys, 2)
    $q$) AS t(what text, rows bigint, image text)
$$;
SELECT s.what, s.rows, s.image = d.image AS restored_equal
FROM dump_image('pseudolink_pipeline_src') s JOIN dump_image('pseudolink_pipeline_dst') d USING (what)
ORDER BY s.what;

-- The restored index is a valid GIN index of the operator class, used by
-- the link run's query; row-level security is on.
SELECT * FROM dblink(dump_conn('pseudolink_pipeline_dst'), $q$
    SELECT i.indexrelid::regclass::text, o.opcname, i.indisvalid
    FROM pg_index i JOIN pg_opclass o ON o.oid = i.indclass[0]
    WHERE i.indrelid = 'pseudolink.register_keys'::regclass AND o.opcname = 'blockkeys_ops'
$q$) AS t(index text, opclass name, valid boolean);
SELECT * FROM dblink(dump_conn('pseudolink_pipeline_dst'), $q$
    SET enable_seqscan = off;
    SET search_path = public, pseudolink;
    EXPLAIN (COSTS OFF) SELECT r.record_id, k.person_id FROM upload_record r
    JOIN register_keys k ON k.keys @@ shares(r.keys, 2) WHERE r.record_id = 1
$q$) AS t(plan text) WHERE plan LIKE '%Index Scan%';
SELECT * FROM dblink(dump_conn('pseudolink_pipeline_dst'), $q$
    SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
    WHERE oid IN ('pseudolink.upload'::regclass, 'pseudolink.upload_reject'::regclass,
                  'pseudolink.upload_record'::regclass) ORDER BY 1
$q$) AS t(relname name, rls boolean, forced boolean);

-- The restored database goes on: the open upload closes with its staged
-- row, new uploads and loads are numbered after the old ones, and the
-- staged register row keeps its row number.
SELECT * FROM dblink(dump_conn('pseudolink_pipeline_dst'), $q$
    SET search_path = public, pseudolink;
    SET ROLE regress_dump_pci;
    SELECT c.state, c.submitted, c.accepted, c.rejected, open_upload('PCI', 'after the restore') AS next_upload
    FROM close_upload(2) c
$q$) AS t(state text, submitted bigint, accepted bigint, rejected bigint, next_upload bigint);
SELECT * FROM dblink(dump_conn('pseudolink_pipeline_dst'), $q$
    SET search_path = public, pseudolink;
    INSERT INTO register_person_staging (person_id, birth_date, sex) VALUES ('6', '01-01-1950', '1');
    SELECT row_no, person_id FROM register_person_staging ORDER BY row_no
$q$) AS t(row_no bigint, person_id text);
SELECT * FROM dblink(dump_conn('pseudolink_pipeline_dst'), $q$
    SET search_path = public, pseudolink;
    SELECT load_id, mode, persons_added, register_persons FROM register_load('nl', 'merge')
$q$) AS t(load_id integer, mode text, persons_added bigint, register_persons bigint);

-- A dump taken while the key sets of a replace load wait for
-- register_build_keys(): the restored database builds them, and they are
-- those the source builds.
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_pipeline_pending');
SELECT dblink_exec(dump_conn(current_database()), 'CREATE DATABASE pseudolink_pipeline_pending');
SELECT dblink_exec(dump_conn('pseudolink_pipeline_src'), $q$
    SET search_path = public, pseudolink;
    SELECT register_clear_staging();
    INSERT INTO register_person_staging (person_id, birth_date, sex)
    SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM synth_persons(7, 2000);
    INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
    SELECT person_id, postcode, house_number, house_suffix, valid_from, valid_to FROM synth_addresses(7, 2000)
$q$);
SELECT * FROM dblink(dump_conn('pseudolink_pipeline_src'), $q$
    SELECT load_id, key_sets_built, keys_built_at IS NULL AS keys_pending FROM pseudolink.register_load('nl', build_keys => false)
$q$) AS t(load_id integer, key_sets_built bigint, keys_pending boolean);
SELECT dump_restore('pseudolink_pipeline_src', 'pseudolink_pipeline_pending');
SELECT * FROM dblink(dump_conn('pseudolink_pipeline_pending'), $q$
    SELECT count(*) FILTER (WHERE built_at IS NULL) AS pending, (SELECT count(*) FROM pseudolink.register_keys) AS key_sets
    FROM pseudolink.register_keys_part
$q$) AS t(pending bigint, key_sets bigint);
SELECT dblink_exec(dump_conn('pseudolink_pipeline_pending'), 'CALL pseudolink.register_build_keys()');
SELECT dblink_exec(dump_conn('pseudolink_pipeline_src'), 'CALL pseudolink.register_build_keys()');
SELECT s.what, s.rows, s.image = d.image AS built_equal
FROM dump_image('pseudolink_pipeline_src') s JOIN dump_image('pseudolink_pipeline_pending') d USING (what)
WHERE s.what IN ('register_keys', 'candidates')
ORDER BY s.what;
SELECT * FROM dblink(dump_conn('pseudolink_pipeline_pending'), $q$
    SELECT count(*) FILTER (WHERE i.indisvalid), count(*) FROM pg_index i
    WHERE i.indrelid IN (SELECT relid FROM pg_partition_tree('pseudolink.register_keys'))
$q$) AS t(valid_indexes bigint, indexes bigint);

SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE pseudolink_pipeline_src');
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE pseudolink_pipeline_dst');
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE pseudolink_pipeline_pending');
DROP ROLE regress_dump_pci;
DROP FUNCTION dump_image(text), dump_restore(text, text), dump_conn(text);
DROP EXTENSION dblink;
