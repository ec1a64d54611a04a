-- Rows and a close at the same time, from two sessions (dblink): rows being
-- added when the upload is closed are waited for and included; rows that
-- arrive while a close is running are refused once it commits, never left
-- behind in the staging table.  Nothing is lost either way.
CREATE EXTENSION dblink;
CREATE ROLE regress_race_nhr NOLOGIN IN ROLE pseudolink_registry;
CREATE ROLE regress_race_svc LOGIN IN ROLE regress_race_nhr;
INSERT INTO pseudolink.upload_registry (code, uploader) VALUES ('RACE', 'regress_race_nhr');

CREATE FUNCTION race_conn() RETURNS text LANGUAGE sql AS $$
    SELECT format('host=%s port=%s dbname=%s user=regress_race_svc',
                  split_part(current_setting('unix_socket_directories'), ',', 1),
                  current_setting('port'), current_database())
$$;
-- Waits (up to 30 s) until the other session's query waits for a lock.
CREATE TABLE race_pid (conn text, pid int);
CREATE FUNCTION race_wait_for_lock(conn text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    p int := (SELECT r.pid FROM race_pid r WHERE r.conn = race_wait_for_lock.conn);
BEGIN
    FOR i IN 1..600 LOOP
        IF EXISTS (SELECT FROM pg_stat_activity WHERE pid = p AND wait_event_type = 'Lock') THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN false;
END $$;
SELECT dblink_connect('rows', race_conn()), dblink_connect('close', race_conn());
INSERT INTO race_pid
SELECT c, (SELECT t.pid FROM dblink(c, 'SELECT pg_backend_pid()') AS t(pid int)) FROM unnest(ARRAY['rows', 'close']) c;
SELECT upload AS first FROM dblink('rows', $$SELECT pseudolink.open_upload('RACE', 'first')$$) AS t(upload bigint) \gset

-- 1. Rows are being added (not yet committed) when the close starts: the
--    close waits for them and counts them.
SELECT dblink_exec('rows', 'BEGIN');
SELECT * FROM dblink('rows', format($$SELECT pseudolink.add_upload_rows(%s, '[
    {"record_no": "1", "event_date": "03-05-2022", "birth_date": "07-03-1950", "sex": "1", "postcode": "1234AB"},
    {"record_no": "2", "event_date": "03-05-2022", "birth_date": "08-03-1950", "sex": "2", "postcode": "1234AB"}]')$$, :first))
    AS t(added bigint);
SELECT dblink_send_query('close', format('SELECT state, submitted, accepted FROM pseudolink.close_upload(%s)', :first));
SELECT race_wait_for_lock('close') AS close_waits;
SELECT dblink_exec('rows', 'COMMIT');
SELECT * FROM dblink_get_result('close') AS t(state text, submitted bigint, accepted bigint);
SELECT * FROM dblink_get_result('close') AS t(state text, submitted bigint, accepted bigint);
SELECT count(*) AS staged_left FROM pseudolink.upload_staging WHERE upload_id = :first;

-- 2. A close is running (not yet committed) when rows arrive: they wait,
--    and are refused when the close commits.
SELECT upload AS second FROM dblink('rows', $$SELECT pseudolink.open_upload('RACE', 'second')$$) AS t(upload bigint) \gset
SELECT * FROM dblink('rows', format($$SELECT pseudolink.add_upload_rows(%s, '[
    {"record_no": "1", "event_date": "03-05-2022", "birth_date": "09-03-1950", "sex": "1", "postcode": "1234AB"}]')$$, :second))
    AS t(added bigint);
SELECT dblink_exec('close', 'BEGIN');
SELECT * FROM dblink('close', format('SELECT state, submitted FROM pseudolink.close_upload(%s)', :second))
    AS t(state text, submitted bigint);
SELECT dblink_send_query('rows', format($$INSERT INTO pseudolink.upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode)
                                          VALUES (%s, '2', '03-05-2022', '10-03-1950', '2', '1234AB')$$, :second));
SELECT race_wait_for_lock('rows') AS rows_wait;
SELECT dblink_exec('close', 'COMMIT');
SELECT * FROM dblink_get_result('rows', false) AS t(result text);
SELECT dblink_error_message('rows');
SELECT * FROM dblink_get_result('rows', false) AS t(result text);
SELECT state, submitted, accepted, rejected FROM pseudolink.upload_receipt WHERE upload_id = :second;
SELECT count(*) AS staged_left FROM pseudolink.upload_staging WHERE upload_id = :second;

SELECT dblink_disconnect('rows'), dblink_disconnect('close');
DROP FUNCTION race_conn(), race_wait_for_lock(text);
DROP TABLE race_pid;
DROP ROLE regress_race_svc, regress_race_nhr;
DROP EXTENSION dblink;
