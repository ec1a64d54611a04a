-- pg_dump and restore keep a generic model: the comparison and blocking
-- SQL are configuration (pg_extension_config_dump), restored after the
-- model tables they reference, with their authors (the restore runs as a
-- superuser, whom the author trigger lets keep them), and the restored
-- model scores as the original.  The test dumps a database of its own with
-- pg_dump -Fc, restores it into a second one and compares, through dblink
-- and a server-side program (the test runs as superuser).
CREATE EXTENSION dblink;
CREATE ROLE regress_link_author IN ROLE pseudolink_steward;

CREATE FUNCTION link_conn(db text) RETURNS text LANGUAGE sql AS $$
    SELECT format('host=%s port=%s dbname=%s user=%s',
                  split_part(current_setting('unix_socket_directories'), ',', 1),
                  current_setting('port'), db, current_user)
$$;

SELECT dblink_exec(link_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_link_src');
SELECT dblink_exec(link_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_link_dst');
SELECT dblink_exec(link_conn(current_database()), 'CREATE DATABASE pseudolink_link_src');
SELECT dblink_exec(link_conn(current_database()), 'CREATE DATABASE pseudolink_link_dst');

-- The source: a model written by a steward, with fixed parameters.
SELECT dblink_exec(link_conn('pseudolink_link_src'), $setup$
    CREATE EXTENSION pseudolink;
    SET ROLE regress_link_author;
    SET search_path = public, pseudolink;
    INSERT INTO fs_model (model, prior, description) VALUES ('names', 0.05, 'dumped');
    SELECT add_comparison_sql('names', 'surname', 'pseudolink.compare_jaro_winkler(l.surname, r.surname, ARRAY[0.9])',
                              ARRAY['else', 'close', 'exact'], tf_sql => 'surname');
    SELECT add_comparison_sql('names', 'born', '(l.born = r.born)::integer', ARRAY['else', 'exact']);
    UPDATE fs_level SET m = CASE level WHEN 0 THEN 0.1 WHEN 1 THEN 0.2 ELSE 0.7 END,
                        u = CASE level WHEN 0 THEN 0.9 WHEN 1 THEN 0.07 ELSE 0.03 END
    WHERE model = 'names' AND comparison = 'surname';
    UPDATE fs_level SET m = CASE level WHEN 0 THEN 0.05 ELSE 0.95 END, u = CASE level WHEN 0 THEN 0.99 ELSE 0.01 END
    WHERE model = 'names' AND comparison = 'born';
    SELECT add_blocking_sql('names', 'surname', ARRAY['surname'], max_block => 100);
    SELECT add_blocking_sql('names', 'swapped', ARRAY['first_name', 'surname'], ARRAY['surname', 'first_name']);
    UPDATE model_blocking_sql SET enabled = false, description = 'off' WHERE model = 'names' AND name = 'swapped';
    RESET ROLE;
$setup$);

DO $$
DECLARE
    bindir text := (SELECT setting FROM pg_config WHERE name = 'BINDIR');
    sock text := split_part(current_setting('unix_socket_directories'), ',', 1);
    cmd text;
BEGIN
    cmd := format('%s/pg_dump -h %s -p %s -U %s -Fc pseudolink_link_src | %s/pg_restore -h %s -p %s -U %s --exit-on-error -d pseudolink_link_dst',
                  bindir, sock, current_setting('port'), current_user,
                  bindir, sock, current_setting('port'), current_user);
    EXECUTE format('COPY (SELECT 1 WHERE false) TO PROGRAM %L', cmd);
END
$$;

CREATE FUNCTION link_image(db text) RETURNS TABLE (what text, image text) LANGUAGE sql AS $$
    SELECT * FROM dblink(link_conn(db), $q$
        SET search_path = public, pseudolink;
        SELECT 'model_comparison_sql', string_agg(format('%s %s %s %s %s %s', model, comparison, level_sql, tf_sql,
                                                   defined_by, defined_at), '; ' ORDER BY model, comparison)
        FROM model_comparison_sql
        UNION ALL
        SELECT 'model_blocking_sql', string_agg(format('%s %s %s %s %s %s %s %s %s %s', model, rule_id, name, expressions,
                                                 probe_expressions, max_block, enabled, description, defined_by,
                                                 defined_at), '; ' ORDER BY model, rule_id)
        FROM model_blocking_sql
        UNION ALL
        SELECT 'keys_sql', model_keys_sql('names', true)
        UNION ALL
        SELECT 'weights', string_agg(match_weight('names', ARRAY[s, b], ARRAY[0.02, NULL])::text, ' ' ORDER BY s, b)
        FROM generate_series(0, 2) s, generate_series(0, 1) b
    $q$) AS t(what text, image text)
$$;
SELECT s.what, s.image = d.image AS restored_equal, s.image IS NOT NULL AS not_empty
FROM link_image('pseudolink_link_src') s JOIN link_image('pseudolink_link_dst') d USING (what);
SELECT * FROM dblink(link_conn('pseudolink_link_dst'), $q$
    SELECT comparison, defined_by FROM pseudolink.model_comparison_sql
    UNION ALL SELECT name, defined_by FROM pseudolink.model_blocking_sql ORDER BY 1
$q$) AS t(what text, defined_by name);

SELECT dblink_exec(link_conn(current_database()), 'DROP DATABASE pseudolink_link_src');
SELECT dblink_exec(link_conn(current_database()), 'DROP DATABASE pseudolink_link_dst');
DROP FUNCTION link_image(text), link_conn(text);
DROP ROLE regress_link_author;
DROP EXTENSION dblink;
