-- pg_dump and restore keep the governance records, the source-data store,
-- the releases with their row-level security and grants, the audit chain
-- and the numbering.  Like 44_blocking_dump: a database of its own, dumped
-- with pg_dump -Fc, restored with pg_restore into a second one, compared
-- through dblink.
CREATE EXTENSION dblink;

CREATE FUNCTION dump_conn(db text) RETURNS text LANGUAGE sql AS $$
    SELECT format('host=%s port=%s dbname=%s user=%s',
                  split_part(current_setting('unix_socket_directories'), ',', 1),
                  current_setting('port'), db, current_user)
$$;

SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_gov_src');
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE IF EXISTS pseudolink_gov_dst');
SELECT dblink_exec(dump_conn(current_database()), 'CREATE DATABASE pseudolink_gov_src');
SELECT dblink_exec(dump_conn(current_database()), 'CREATE DATABASE pseudolink_gov_dst');

-- The source: one request through every step, a release, an objection,
-- catalogue additions, a minimum cell count and a registered identifier table.
SELECT dblink_exec(dump_conn('pseudolink_gov_src'), $setup$
    CREATE EXTENSION pseudolink;
    CREATE TABLE public.upload (id int, birth_date date, linked_at timestamptz NOT NULL);
    GRANT DELETE ON public.upload TO regress_gov_admin;
    SET ROLE regress_gov_admin;
    SELECT pseudolink.add_institution('Universiteit Testdam');
    SELECT pseudolink.authorise_institution(1, pseudolink.today() - 10, pseudolink.today() + 800, 'CBS-AUT-9');
    SELECT pseudolink.add_researcher('regress_gov_res1', 'A. Onderzoeker', 1, 'employed', 'AO-1', '2020-01-01');
    SELECT pseudolink.register_project('5555', 'Dumped study', 1, 1, false, '2020-01-01',
                                       pseudolink.today() + 400, ARRAY[1::bigint]);
    SELECT pseudolink.extend_retention(1, 3, 'long follow-up');
    SELECT pseudolink.add_board_member(b, r) FROM (VALUES ('nhr_scientific_council', 'regress_gov_council'),
        ('nhr_committee_pci', 'regress_gov_chair'), ('nhr_privacy_committee', 'regress_gov_privacy'),
        ('cbs_purpose_check', 'regress_gov_cbs')) v(b, r);
    SELECT pseudolink.add_registry_member('nhr', 'regress_gov_registry');
    SELECT pseudolink.add_council_meeting('nhr_scientific_council', pseudolink.today());
    SELECT pseudolink.set_min_cell_count(12);
    SELECT pseudolink.register_identifier_table('public.upload', 'linked_at');
    RESET ROLE;
    SET ROLE regress_gov_steward;
    SELECT pseudolink.add_catalogue_variable('cbs_medication', 'ddd', 'numeric', 'defined daily doses');
    SELECT pseudolink.record_coverage('cbs_medication', 'atc_code', '2010-01-01', '2023-12-31');
    RESET ROLE;
    SET ROLE regress_gov_res1;
    SELECT pseudolink.submit_request(1, 'nhr', 'PCI and medication', 'Q', 'P', 1, 'legitimate_interest',
                                     '2015-01-01', '2023-12-31',
                                     ARRAY['nhr_pci.urgency', 'nhr_pci.intervention_date', 'cbs_medication.atc_code']);
    RESET ROLE;
    SET ROLE regress_gov_council;
    SELECT pseudolink.assign_request(1, pseudolink.today());
    SELECT pseudolink.review_request(1, 'nhr_scientific_council', true);
    RESET ROLE;
    SET ROLE regress_gov_chair;
    SELECT pseudolink.review_request(1, 'nhr_committee_pci', true);
    RESET ROLE;
    SET ROLE regress_gov_privacy;
    SELECT pseudolink.review_request(1, 'nhr_privacy_committee', true);
    RESET ROLE;
    SET ROLE regress_gov_cbs;
    SELECT pseudolink.review_request(1, 'cbs_purpose_check', true);
    RESET ROLE;
    SET ROLE regress_gov_council;
    SELECT pseudolink.decide_request(1, true, ARRAY['acknowledge NHR'], '{"NHR": 3000}', ARRAY['nhr_pci.urgency']);
    RESET ROLE;
    SET ROLE regress_gov_steward;
    SELECT pseudolink.open_source_load('nhr_pci', 1);
    INSERT INTO pseudolink.source_row (load_id, source, person, person_key, reference_date, consent, variables)
    SELECT 1, 'nhr_pci', pseudolink.pseudonymise('steward', g),
           pseudolink.person_key(date '1940-01-01' + g, '1', '2000AB'), date '2016-01-01' + g, NULL,
           jsonb_build_object('intervention_date', date '2016-01-01' + g, 'urgency', 'elective')
    FROM generate_series(1, 50) g;
    SELECT pseudolink.close_source_load(1);
    SELECT pseudolink.open_source_load('cbs_medication');
    INSERT INTO pseudolink.source_row (load_id, source, person, reference_date, variables)
    SELECT 2, 'cbs_medication', pseudolink.pseudonymise('steward', g), date '2018-01-01',
           jsonb_build_object('atc_code', 'C07AB02', 'dispensing_year', 2018)
    FROM generate_series(1, 100) g;
    SELECT pseudolink.close_source_load(2);
    SELECT pseudolink.release_request(1);
    RESET ROLE;
    SET ROLE regress_gov_registry;
    SELECT pseudolink.record_objection('nhr', date '1940-01-01' + 7, 'man', '2000 AB');
    RESET ROLE;
$setup$);

DO $$
DECLARE
    bindir text := (SELECT setting FROM pg_config WHERE name = 'BINDIR');
    sock text := split_part(current_setting('unix_socket_directories'), ',', 1);
    cmd text;
BEGIN
    cmd := format('%s/pg_dump -h %s -p %s -U %s -Fc pseudolink_gov_src | %s/pg_restore -h %s -p %s -U %s --exit-on-error -d pseudolink_gov_dst',
                  bindir, sock, current_setting('port'), current_user,
                  bindir, sock, current_setting('port'), current_user);
    EXECUTE format('COPY (SELECT 1 WHERE false) TO PROGRAM %L', cmd);
END
$$;

-- Every table of the extension (and every release table) holds the same
-- rows on both sides.
CREATE FUNCTION dump_image(db text) RETURNS TABLE (tab text, n bigint, image text) LANGUAGE sql AS $$
    SELECT * FROM dblink(dump_conn(db), $q$
        SET TimeZone = 'UTC';
        SET DateStyle = 'ISO';
        SELECT c.relname::text,
               (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM pseudolink.%I', c.relname),
                                                    false, true, '')))[1]::text::bigint,
               -- Rows the install script makes (shipped) carry the install time.
               md5((xpath('/row/i/text()', query_to_xml(format(
                   'SELECT coalesce(string_agg(t::text, %L ORDER BY t::text), %L) AS i FROM pseudolink.%I t %s',
                   chr(10), 'no rows', c.relname,
                   CASE WHEN EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'shipped')
                        THEN 'WHERE NOT shipped' ELSE '' END), false, true, '')))[1]::text)
        FROM pg_class c
        WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relkind = 'r'
          AND (c.relname ~ '^release_[0-9]' OR c.relname = ANY (ARRAY[
              'audit_log', 'registry', 'board', 'catalogue_source', 'catalogue_variable', 'catalogue_coverage',
              'institution', 'institution_authorisation', 'researcher', 'project', 'project_researcher',
              'project_extension', 'registry_member', 'board_member', 'council_meeting', 'data_request',
              'request_variable', 'review', 'decision', 'decision_condition', 'decision_excluded_variable',
              'request_cost', 'request_transition', 'source_load', 'source_row', 'release', 'release_table',
              'objection', 'identifier_retention', 'retention_log', 'output_control']))
    $q$) AS t(tab text, n bigint, image text)
$$;
SELECT s.tab, s.n, s.image = d.image AS restored_equal
FROM dump_image('pseudolink_gov_src') s FULL JOIN dump_image('pseudolink_gov_dst') d USING (tab)
ORDER BY s.tab;

SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), $q$
    SELECT name, current_version, usable_versions FROM pseudolink.key_domains ORDER BY name
$q$) AS t(name text, current_version integer, usable_versions integer[]);

-- The restored audit chain is intact and ends where the dumped one did;
-- the restored release tables keep their security and grants.
SELECT (SELECT hash FROM dblink(dump_conn('pseudolink_gov_src'), 'SELECT hash FROM pseudolink.audit_head()') AS t(hash text))
     = (SELECT hash FROM dblink(dump_conn('pseudolink_gov_dst'), 'SELECT hash FROM pseudolink.audit_head()') AS t(hash text))
    AS same_head;
SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), 'SELECT * FROM pseudolink.audit_verify()') AS t(seq bigint, problem text);
SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), $q$
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, c.relacl::text,
           (SELECT string_agg(p.policyname || ' ' || p.qual, '; ') FROM pg_policies p
            WHERE p.schemaname = 'pseudolink' AND p.tablename = c.relname)
    FROM pg_class c WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relname ~ '^release_[0-9]'
    ORDER BY 1
$q$) AS t(relname name, rls boolean, forced boolean, acl text, policies text);

-- After the restore, the researcher reads the release, the numbering goes on
-- and new audit rows continue the chain.
SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), $q$
    SET ROLE regress_gov_res1;
    SELECT source, row_count,
           (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %s', table_name),
                                                false, true, '')))[1]::text::bigint
    FROM pseudolink.my_releases() JOIN pseudolink.release_table USING (release_id, source, table_name)
    ORDER BY source
$q$) AS t(source text, released bigint, readable bigint);
SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), $q$
    SET ROLE regress_gov_admin;
    SELECT pseudolink.add_institution('Hogeschool Hersteld'),
           pseudolink.register_project('5556', 'After the restore', 1, 1, false, '2020-01-01', '2030-01-01',
                                       ARRAY[1::bigint])
$q$) AS t(institution bigint, project bigint);
SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), $q$
    SET ROLE regress_gov_res1;
    SELECT pseudolink.submit_request(1, 'nhr', 'Another', 'Q', 'P', 1, 'legitimate_interest',
                                     '2015-01-01', '2016-12-31', ARRAY['nhr_pci.urgency'])
$q$) AS t(request bigint);
SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), $q$
    SELECT count(*), max(seq) = count(*) FROM pseudolink.audit_log
$q$) AS t(audit_rows bigint, no_gaps boolean);
SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), 'SELECT * FROM pseudolink.audit_verify()') AS t(seq bigint, problem text);
-- The state machine still guards the restored requests.
SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), $q$
    SELECT status FROM pseudolink.data_request ORDER BY request_id
$q$) AS t(status text);
SELECT * FROM dblink(dump_conn('pseudolink_gov_dst'), $q$
    CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $f$
    BEGIN
        EXECUTE statement;
        RETURN 'done';
    EXCEPTION WHEN OTHERS THEN
        RETURN SQLSTATE || ': ' || SQLERRM;
    END $f$;
    SELECT pg_temp.try('UPDATE pseudolink.data_request SET status = ''approved'' WHERE request_id = 2')
$q$) AS t(outcome text);

SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE pseudolink_gov_src');
SELECT dblink_exec(dump_conn(current_database()), 'DROP DATABASE pseudolink_gov_dst');
DROP FUNCTION dump_image(text), dump_conn(text);
DROP EXTENSION dblink;

-- The roles of the governance tests go; what they did stays recorded.
DROP ROLE regress_gov_admin, regress_gov_steward, regress_gov_registry, regress_gov_council, regress_gov_chair,
          regress_gov_privacy, regress_gov_cbs, regress_gov_res1, regress_gov_res2, regress_gov_res3,
          regress_gov_outsider;
