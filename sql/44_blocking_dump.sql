-- pg_dump and restore keep the rules, the stop list, key sets and their GIN
-- index.  The test builds a database of its own, dumps it with pg_dump -Fc,
-- restores it with pg_restore into a second database and compares the two,
-- all through dblink and a server-side program (the test runs as superuser).
CREATE EXTENSION dblink;

CREATE FUNCTION dump_conn(db text) RETURNS text LANGUAGE sql AS $$
    SELECT format('host=%s port=%s dbname=%s user=%s',
                  split_part(current_setting('unix_socket_directories'), ',', 1),
                  current_setting('port'), db, current_user)
$$;

SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_dump_src');
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_dump_dst');
SELECT dblink_exec(dump_conn(current_database()), 'CREATE DATABASE pseudolink_dump_src');
SELECT dblink_exec(dump_conn(current_database()), 'CREATE DATABASE pseudolink_dump_dst');

-- The source: the Dutch rules with one cap changed, one rule of its own, a
-- stopped key, and a register with key sets and a GIN index.
SELECT dblink_exec(dump_conn('pseudolink_dump_src'), $setup$
    CREATE EXTENSION pseudolink;
    SET search_path = public, pseudolink;
    SELECT count(*) FROM add_dutch_blocking_rules('nl');
    UPDATE blocking_rule SET max_block = 250, description = 'capped lower' WHERE model = 'nl' AND rule_id = 1;
    INSERT INTO blocking_rule (model, rule_id, name, parts, enabled)
        VALUES ('nl', 7, 'birth_year_sex', ARRAY['year(birth_date)', 'sex(sex)'], false);
    CREATE TABLE register (id int PRIMARY KEY, birth_date date, sex int, postcode text, house_number text,
                           house_suffix text, keys blockkeys);
    INSERT INTO register (id, birth_date, sex, postcode, house_number)
    SELECT i, date '1940-01-01' + (i * 37) % 9000, 1 + i % 2,
           (1011 + i % 500)::text || 'AB', (1 + i % 90)::text
    FROM generate_series(1, 1000) i;
    UPDATE register r SET keys = blocking_keys('nl', r);
    INSERT INTO blocking_stop_key (model, key, block_size, stopped_at, stopped_by)
    SELECT 'nl', k, 99, '2024-01-01 00:00+00', 'tester'
    FROM register r, unnest(r.keys::bigint[]) k WHERE r.id = 1 AND blocking_key_rule(k) = 2;
    CREATE INDEX register_keys ON register USING gin (keys);
$setup$);

DO $$
DECLARE
    bindir text := (SELECT setting FROM pg_config WHERE name = 'BINDIR');
    sock text := split_part(current_setting('unix_socket_directories'), ',', 1);
    cmd text;
BEGIN
    cmd := format('%s/pg_dump -h %s -p %s -U %s -Fc pseudolink_dump_src | %s/pg_restore -h %s -p %s -U %s --exit-on-error -d pseudolink_dump_dst',
                  bindir, sock, current_setting('port'), current_user,
                  bindir, sock, current_setting('port'), current_user);
    EXECUTE format('COPY (SELECT 1 WHERE false) TO PROGRAM %L', cmd);
END
$$;

-- The same rules, stop list, rows and keys on both sides.
CREATE FUNCTION dump_image(db text) RETURNS TABLE (what text, image text) LANGUAGE sql AS $$
    SELECT * FROM dblink(dump_conn(db), $q$
        SET search_path = public, pseudolink;
        SET TimeZone = 'UTC';
        SELECT 'rules', string_agg(format('%s %s %s %s %s %s %s', model, rule_id, name, parts, max_block,
                                          enabled, description), '; ' ORDER BY model, rule_id)
        FROM blocking_rule
        UNION ALL
        SELECT 'stop keys', string_agg(format('%s %s %s %s %s %s', model, key, rule_id, block_size,
                                              stopped_at, stopped_by), '; ' ORDER BY key)
        FROM blocking_stop_key
        UNION ALL
        SELECT 'register', md5(string_agg(format('%s %s', id, keys), ';' ORDER BY id)) FROM register
        UNION ALL
        SELECT 'candidates', md5(string_agg(format('%s %s', a.id, b.id), ';' ORDER BY a.id, b.id))
        FROM register a JOIN register b ON b.keys @@ shares(a.keys, 2) WHERE a.id <= 50
    $q$) AS t(what text, image text)
$$;
SELECT s.what, s.image = d.image AS restored_equal
FROM dump_image('pseudolink_dump_src') s JOIN dump_image('pseudolink_dump_dst') d USING (what);
SELECT * FROM dblink(dump_conn('pseudolink_dump_dst'), $q$
    SELECT rule_id, name, max_block, enabled, description FROM pseudolink.blocking_rule
    WHERE rule_id IN (1, 7) ORDER BY rule_id
$q$) AS t(rule_id smallint, name text, max_block int, enabled boolean, description text);
SELECT * FROM dblink(dump_conn('pseudolink_dump_dst'), $q$
    SET TimeZone = 'UTC';
    SELECT rule_id, block_size, stopped_at, stopped_by FROM pseudolink.blocking_stop_key
$q$) AS t(rule_id smallint, block_size bigint, stopped_at timestamptz, stopped_by name);

-- The restored index is a valid GIN index of the operator class, and used.
SELECT * FROM dblink(dump_conn('pseudolink_dump_dst'), $q$
    SELECT i.indexrelid::regclass::text, am.amname, o.opcname, i.indisvalid
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
         JOIN pg_opclass o ON o.oid = i.indclass[0]
    WHERE i.indrelid = 'public.register'::regclass AND am.amname = 'gin'
$q$) AS t(index text, am name, opclass name, valid boolean);
SELECT * FROM dblink(dump_conn('pseudolink_dump_dst'), $q$
    SET enable_seqscan = off;
    SET search_path = public, pseudolink;
    EXPLAIN (COSTS OFF) SELECT id FROM register WHERE keys && (SELECT keys FROM register WHERE id = 7)
$q$) AS t(plan text) WHERE plan LIKE '%Index Scan%';
-- Keys built in the restored database equal the dumped ones (the construction
-- does not depend on the database), except for record 1: its rule-2 key was
-- stopped after its key set was built, and the restored stop list applies.
SELECT * FROM dblink(dump_conn('pseudolink_dump_dst'), $q$
    SET search_path = public, pseudolink;
    SELECT count(*) FILTER (WHERE keys::text = blocking_keys('nl', r)::text), count(*) FROM register r
$q$) AS t(same bigint, total bigint);

SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE pseudolink_dump_src');
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE pseudolink_dump_dst');
DROP FUNCTION dump_image(text), dump_conn(text);
DROP EXTENSION dblink;
