-- pg_dump and restore keep the scoring models: the three model tables are
-- configuration (pg_extension_config_dump) and restore in foreign-key
-- order.  The test dumps a database of its own with pg_dump -Fc, restores
-- it into a second one and compares, through dblink and a server-side
-- program (the test runs as superuser).
CREATE EXTENSION dblink;

CREATE FUNCTION scoring_conn(db text) RETURNS text LANGUAGE sql AS $$
    SELECT format('host=%s port=%s dbname=%s user=%s',
                  split_part(current_setting('unix_socket_directories'), ',', 1),
                  current_setting('port'), db, current_user)
$$;

SELECT dblink_exec(scoring_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_scoring_src');
SELECT dblink_exec(scoring_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_scoring_dst');
SELECT dblink_exec(scoring_conn(current_database()), 'CREATE DATABASE pseudolink_scoring_src');
SELECT dblink_exec(scoring_conn(current_database()), 'CREATE DATABASE pseudolink_scoring_dst');

SELECT dblink_exec(scoring_conn('pseudolink_scoring_src'), $setup$
    CREATE EXTENSION pseudolink;
    SET search_path = public, pseudolink;
    INSERT INTO fs_model (model, prior, description, estimated_at, estimated_by, estimation)
    VALUES ('nl', 0.002, 'dumped', '2024-01-01 00:00+00', 'tester', 'by hand');
    SELECT fs_add_comparison('nl', 'birth_date', comparison_labels('compare_dates'));
    SELECT fs_add_comparison('nl', 'postcode', comparison_labels('compare_postcodes'), 'compare_postcodes(a, b)');
    UPDATE fs_level SET m = (level + 1) / 21.0, u = (6 - level) / 21.0 WHERE comparison = 'birth_date';
    UPDATE fs_level SET m = (level + 1) / 15.0, u = (5 - level) / 15.0 WHERE comparison = 'postcode';
    UPDATE fs_level SET tf_adjust = true, tf_weight = 0.8, tf_minimum_u = 0.0001
    WHERE comparison = 'postcode' AND level = 4;
$setup$);

DO $$
DECLARE
    bindir text := (SELECT setting FROM pg_config WHERE name = 'BINDIR');
    sock text := split_part(current_setting('unix_socket_directories'), ',', 1);
    cmd text;
BEGIN
    cmd := format('%s/pg_dump -h %s -p %s -U %s -Fc pseudolink_scoring_src | %s/pg_restore -h %s -p %s -U %s --exit-on-error -d pseudolink_scoring_dst',
                  bindir, sock, current_setting('port'), current_user,
                  bindir, sock, current_setting('port'), current_user);
    EXECUTE format('COPY (SELECT 1 WHERE false) TO PROGRAM %L', cmd);
END
$$;

CREATE FUNCTION scoring_image(db text) RETURNS TABLE (what text, image text) LANGUAGE sql AS $$
    SELECT * FROM dblink(scoring_conn(db), $q$
        SET search_path = public, pseudolink;
        SET TimeZone = 'UTC';
        SELECT 'models', string_agg(format('%s %s %s %s %s %s', model, prior, description, estimated_at,
                                           estimated_by, estimation), '; ' ORDER BY model)
        FROM fs_model
        UNION ALL
        SELECT 'comparisons', string_agg(format('%s %s %s %s', model, comparison, position, description), '; '
                                         ORDER BY model, position)
        FROM fs_comparison
        UNION ALL
        SELECT 'levels', string_agg(format('%s %s %s %s %s %s %s %s %s', model, comparison, level, label, m, u,
                                           tf_adjust, tf_weight, tf_minimum_u), '; '
                                    ORDER BY model, comparison, level)
        FROM fs_level
        UNION ALL
        SELECT 'weights', string_agg(match_weight('nl', ARRAY[b, p], ARRAY[NULL, 0.001])::text, ' ' ORDER BY b, p)
        FROM generate_series(0, 5) b, generate_series(0, 4) p
    $q$) AS t(what text, image text)
$$;
SELECT s.what, s.image = d.image AS restored_equal, s.image IS NOT NULL AS not_empty
FROM scoring_image('pseudolink_scoring_src') s JOIN scoring_image('pseudolink_scoring_dst') d USING (what);
SELECT * FROM dblink(scoring_conn('pseudolink_scoring_dst'), $q$
    SELECT comparison, level, label, tf_adjust FROM pseudolink.fs_level WHERE tf_adjust
$q$) AS t(comparison text, level smallint, label text, tf_adjust boolean);

SELECT dblink_exec(scoring_conn(current_database()), 'DROP DATABASE pseudolink_scoring_src');
SELECT dblink_exec(scoring_conn(current_database()), 'DROP DATABASE pseudolink_scoring_dst');
DROP FUNCTION scoring_image(text), scoring_conn(text);
DROP EXTENSION dblink;
