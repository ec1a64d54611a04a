-- Attacks on release governance: search_path hijacking of SECURITY DEFINER
-- functions, leaky functions against row-level security, impersonating a
-- project with a setting, the table owner against FORCE, editing the audit
-- log, releasing before approval, reading another project's release, and
-- reading identifiers as a researcher or a registry.
BEGIN;
SELECT plan(70);
\o /dev/null
\ir 50_governance_fixture.inc
\o

-- search_path hijacking ----------------------------------------------------
SELECT is((SELECT count(*)::int FROM pg_proc p
           WHERE p.pronamespace = 'pseudolink'::regnamespace AND p.prosecdef
             AND NOT ('search_path=pg_catalog, pg_temp' = ANY (coalesce(p.proconfig, '{}')))), 0,
          'every SECURITY DEFINER function pins search_path to pg_catalog, pg_temp');
SELECT cmp_ok((SELECT count(*)::int FROM pg_proc p
               WHERE p.pronamespace = 'pseudolink'::regnamespace AND p.prosecdef), '>=', 50,
              'and there are many of them (the check above is not vacuous)');
SELECT is((SELECT count(*)::int FROM pg_proc p
           WHERE p.pronamespace = 'pseudolink'::regnamespace
             AND p.prolang IN (SELECT oid FROM pg_language WHERE lanname IN ('plpgsql', 'sql'))
             AND p.proname ~ '(guard|check|_log|audit_row|refuse_change|has_researcher)$'
             AND NOT ('search_path=pg_catalog, pg_temp' = ANY (coalesce(p.proconfig, '{}')))), 0,
          'so does every trigger function');

-- A researcher fills a schema of its own with look-alikes of what the
-- procedures call, puts it first on the search path and calls them.
CREATE TABLE public.tap_evil_calls (what text, as_role name);
GRANT INSERT, SELECT ON public.tap_evil_calls TO PUBLIC;
CREATE SCHEMA tap_evil AUTHORIZATION tap_gov_res_b;
GRANT USAGE ON SCHEMA tap_evil TO PUBLIC;
SELECT lives_ok($$SELECT run_as('tap_gov_res_b', $s$
    CREATE FUNCTION tap_evil.text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN INSERT INTO public.tap_evil_calls VALUES ('text =', current_user); RETURN true; END $f$;
    CREATE OPERATOR tap_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = tap_evil.text_eq);
    CREATE FUNCTION tap_evil.bigint_eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN INSERT INTO public.tap_evil_calls VALUES ('bigint =', current_user); RETURN true; END $f$;
    CREATE OPERATOR tap_evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = tap_evil.bigint_eq);
    CREATE FUNCTION tap_evil.pg_has_role(name, oid, text) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN INSERT INTO public.tap_evil_calls VALUES ('pg_has_role', current_user); RETURN true; END $f$;
    CREATE FUNCTION tap_evil.calling_role() RETURNS name LANGUAGE plpgsql AS $f$
        BEGIN INSERT INTO public.tap_evil_calls VALUES ('calling_role', current_user); RETURN 'tap_gov_res_a'; END $f$;
    CREATE FUNCTION tap_evil.today() RETURNS date LANGUAGE plpgsql AS $f$
        BEGIN INSERT INTO public.tap_evil_calls VALUES ('today', current_user); RETURN '2021-01-01'; END $f$;
    CREATE FUNCTION tap_evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $f$
        BEGIN INSERT INTO public.tap_evil_calls VALUES ('now', current_user); RETURN '2021-01-01'; END $f$;
    CREATE FUNCTION tap_evil.cardinality(anyarray) RETURNS integer LANGUAGE plpgsql AS $f$
        BEGIN INSERT INTO public.tap_evil_calls VALUES ('cardinality', current_user); RETURN 1; END $f$;
    CREATE TABLE tap_evil.project_researcher (project_id bigint, researcher_id bigint, active boolean);
    CREATE TEMP TABLE project_researcher (project_id bigint, researcher_id bigint, active boolean)
$s$)$$, 'a researcher creates look-alike operators, functions and tables');
INSERT INTO tap_evil.project_researcher VALUES (:proj_a, :res_b, true);
CREATE TABLE public.tap_results (what text, value text);
GRANT INSERT ON public.tap_results TO PUBLIC;
SELECT throws_ok(format($$SELECT run_as('tap_gov_res_b', 'SET LOCAL search_path = tap_evil, pg_temp, pg_catalog, pseudolink;
    SELECT pseudolink.submit_request(%s, ''nhr'', ''T'', ''Q'', ''P'', %s, ''legitimate_interest'', ''2015-01-01'', ''2016-01-01'', ARRAY[''nhr_tavi.sex''])')$$,
                        :proj_a, :res_b),
                 '42501', NULL, 'with the look-alikes first on the search path it still cannot submit for another project');
SELECT lives_ok(format($$SELECT run_as('tap_gov_res_b', 'SET LOCAL search_path = tap_evil, pg_temp, pg_catalog, pseudolink;
    INSERT INTO public.tap_results SELECT ''my_projects'', pseudolink.my_projects()::text;
    INSERT INTO public.tap_results SELECT ''release A rows'', count(*)::text FROM %s;
    INSERT INTO public.tap_results SELECT ''my_releases'', count(*)::text FROM pseudolink.my_releases();
    SET LOCAL search_path = DEFAULT')$$, :'tab_a_tavi'),
                'researcher B queries with them first on the search path');
SELECT is((SELECT array_agg(what || ': ' || value ORDER BY what) FROM public.tap_results),
          ARRAY['my_projects: {' || :proj_b || '}', 'my_releases: 1', 'release A rows: 0'],
          'and still has only its own project and release, and reads nothing of project A');
SELECT lives_ok($$SELECT run_as('tap_gov_registry', 'SET LOCAL search_path = tap_evil, pg_temp, pg_catalog, pseudolink;
    SELECT pseudolink.record_objection(''nhr'', ''1940-01-25'', ''1'', ''3000AB'');
    SET LOCAL search_path = DEFAULT')$$,
                'the registry records an objection with the look-alikes first on the search path');
SELECT lives_ok(format($$SELECT run_as('tap_gov_steward', 'SET LOCAL search_path = tap_evil, pg_temp, pg_catalog, pseudolink;
    SELECT pseudolink.release_request(%s);
    SELECT count(*) FROM pseudolink.enforce_retention(dry_run => false);
    SET LOCAL search_path = DEFAULT')$$, :req_b),
                'the steward releases and enforces retention with them first on the search path');
SELECT lives_ok(format($$SELECT run_as('tap_gov_council', 'SET LOCAL search_path = tap_evil, pg_temp, pg_catalog, pseudolink;
    SELECT count(*) FROM pseudolink.data_request;
    SELECT pseudolink.required_reviews(%s);
    SET LOCAL search_path = DEFAULT')$$, :req_a),
                'a reviewer reads requests with them first on the search path');
SELECT is((SELECT count(*)::int FROM public.tap_evil_calls), 0,
          'not one look-alike ran inside a pseudolink function');
SELECT is((SELECT removed_release_rows FROM pseudolink.objection), 3::bigint,
          'and the objection still removed the patient''s rows from both projects'' releases');

-- Leaky functions against row-level security ------------------------------------
CREATE TABLE public.tap_leaked (what text);
GRANT INSERT, SELECT ON public.tap_leaked TO PUBLIC;
SELECT lives_ok($$SELECT run_as('tap_gov_res_b', $s$
    CREATE FUNCTION pg_temp.leak(p pseudolink.pseudonym, v integer) RETURNS boolean
    LANGUAGE plpgsql COST 0.0001 AS $f$
    BEGIN
        RAISE NOTICE 'leaked % %', p, v;
        INSERT INTO public.tap_leaked VALUES (p::text || ' ' || v);
        RETURN true;
    END $f$
$s$)$$, 'a researcher writes a function that leaks every row it sees');
SELECT is(query_as('tap_gov_res_b', 'SELECT count(*) FROM ' || :'tab_a_tavi' || ' WHERE pg_temp.leak(person, age_at_procedure)'),
          ARRAY['(0)'], 'in a WHERE clause on another project''s release it returns no row');
SELECT is((SELECT count(*)::int FROM public.tap_leaked), 0, 'and it never saw one');
SELECT lives_ok($$SELECT run_as('tap_gov_res_b', $s$
    CREATE FUNCTION pg_temp.leak_request(id bigint, title text) RETURNS boolean
    LANGUAGE plpgsql COST 0.0001 AS $f$
    BEGIN
        INSERT INTO public.tap_leaked VALUES (id || ' ' || title);
        RETURN true;
    END $f$
$s$)$$, 'and one for requests');
SELECT is(query_as('tap_gov_res_b', 'SELECT count(*) FROM pseudolink.data_request WHERE pg_temp.leak_request(request_id, title)'),
          ARRAY['(1)'], 'on the request table it returns only the researcher''s own request');
SELECT is((SELECT array_agg(what) FROM public.tap_leaked), ARRAY[:req_b || ' PCI urgency'],
          'and it saw only that one: the policy runs before any function that is not leakproof');
SELECT throws_ok($$SELECT run_as('tap_gov_res_b', 'CREATE FUNCTION pg_temp.leak2(integer) RETURNS boolean LANGUAGE sql LEAKPROOF AS ''SELECT true''')$$,
                 '42501', NULL, 'only a superuser may mark a function LEAKPROOF');
-- Even a function a superuser marked LEAKPROOF sees no hidden row of a
-- release: the policy is decided once per query, before any row is read.
CREATE FUNCTION public.tap_leakproof_leak(p pseudolink.pseudonym) RETURNS boolean
LANGUAGE plpgsql LEAKPROOF COST 0.0001 AS $$
BEGIN
    INSERT INTO public.tap_leaked VALUES ('leakproof ' || p::text);
    RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION public.tap_leakproof_leak(pseudolink.pseudonym) TO PUBLIC;
SELECT is(query_as('tap_gov_res_b', 'SELECT count(*) FROM ' || :'tab_a_tavi' || ' WHERE public.tap_leakproof_leak(person)'),
          ARRAY['(0)'], 'a LEAKPROOF-marked leak returns no row of another project''s release');
SELECT is((SELECT count(*)::int FROM public.tap_leaked WHERE what LIKE 'leakproof %'), 0, 'and sees none');

-- Impersonating a project with a setting ------------------------------------------
SELECT is(query_as('tap_gov_res_b', 'SELECT set_config(''app.project'', ''T100'', true) IS NOT NULL
                                        AND set_config(''app.researcher'', ''tap_gov_res_a'', true) IS NOT NULL
                                        AND set_config(''request.jwt.claims'', ''{"role": "tap_gov_res_a", "project": "T100"}'', true) IS NOT NULL
                                        AND (SELECT count(*) FROM ' || :'tab_a_tavi' || ') = 0'),
          ARRAY['(t)'], 'custom settings naming another project change nothing');
SELECT throws_ok($$SELECT run_as('tap_gov_res_b', 'SET LOCAL pseudolink.project = ''T100''')$$,
                 '42602', NULL, 'the pseudolink prefix is reserved: no setting of that name can be invented');
-- SET ROLE is checked against the session user, so the researcher logs in
-- for this (run_as only switches the current role of a superuser session).
CREATE TABLE public.tap_outcomes (what text, sqlstate text);
GRANT INSERT ON public.tap_outcomes TO PUBLIC;
SET SESSION AUTHORIZATION tap_gov_res_b;
DO $$
BEGIN
    BEGIN
        SET LOCAL ROLE tap_gov_res_a;
        INSERT INTO public.tap_outcomes VALUES ('SET ROLE', 'done');
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO public.tap_outcomes VALUES ('SET ROLE', SQLSTATE);
    END;
    BEGIN
        PERFORM set_config('role', 'tap_gov_res_a', true);
        INSERT INTO public.tap_outcomes VALUES ('set_config(role)', 'done');
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO public.tap_outcomes VALUES ('set_config(role)', SQLSTATE);
    END;
END
$$;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT array_agg(what || ' ' || sqlstate ORDER BY what) FROM public.tap_outcomes),
          ARRAY['SET ROLE 42501', 'set_config(role) 42501'],
          'a researcher logged in as itself can SET ROLE to no other researcher, by SET or set_config');
SELECT is(query_as('tap_gov_res_b', 'SELECT pseudolink.calling_role()'), ARRAY['(tap_gov_res_b)'],
          'the calling role is the role the researcher is');

-- The table owner against FORCE --------------------------------------------------
CREATE ROLE tap_gov_owner LOGIN;
GRANT USAGE ON SCHEMA pseudolink TO tap_gov_owner;
SELECT lives_ok(format('ALTER TABLE %s OWNER TO tap_gov_owner', :'tab_a_tavi'), 'a release table is given to an ordinary owner');
SELECT is(query_as('tap_gov_owner', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(0)'],
          'its owner reads nothing: row-level security is forced on the owner too');
SELECT lives_ok(format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', :'tab_a_tavi'), 'without FORCE ...');
SELECT is(query_as('tap_gov_owner', 'SELECT count(*) FROM ' || :'tab_a_tavi'),
          ARRAY['(' || (SELECT count(*) FROM :tab_a_tavi) || ')'], '... the owner would read every row');
SELECT lives_ok(format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', :'tab_a_tavi'), 'FORCE again');
ALTER TABLE pseudolink.data_request OWNER TO tap_gov_owner;
SELECT is(query_as('tap_gov_owner', 'SELECT count(*) FROM pseudolink.data_request'), ARRAY['(0)'],
          'the owner of a governance table reads none of its rows');
ALTER TABLE pseudolink.data_request OWNER TO CURRENT_USER;
SELECT is((SELECT count(*)::int FROM pseudolink.data_request), 2,
          'a superuser bypasses row-level security (superusers are trusted; see doc/governance.md)');

-- Editing the audit log -----------------------------------------------------------
SELECT is((SELECT count(*)::int FROM pseudolink.audit_verify()), 0, 'the audit log verifies');
SELECT throws_ok($$UPDATE pseudolink.audit_log SET actor = 'nobody' WHERE seq = 1$$, '0A000', NULL,
                 'a superuser cannot UPDATE the audit log');
SELECT throws_ok($$DELETE FROM pseudolink.audit_log WHERE seq = 1$$, '0A000', NULL,
                 'a superuser cannot DELETE from it');
SELECT throws_ok($$TRUNCATE pseudolink.audit_log$$, '0A000', NULL, 'a superuser cannot TRUNCATE it');
SELECT throws_ok($$SELECT run_as('tap_gov_admin', 'UPDATE pseudolink.audit_log SET actor = ''nobody''')$$,
                 '42501', NULL, 'the admin cannot UPDATE it');
SELECT throws_ok($$SELECT run_as('tap_gov_steward', 'DELETE FROM pseudolink.audit_log')$$,
                 '42501', NULL, 'the steward cannot DELETE from it');
SELECT throws_ok($$SELECT run_as('tap_gov_steward', $q$INSERT INTO pseudolink.audit_log (seq, logged_at, actor, session_role, action, object_type, prev_hash, hash) VALUES (1000000, now(), 'x', 'x', 'x', 'x', '\x00', '\x00')$q$)$$,
                 '42501', NULL, 'the steward cannot INSERT into it');
ALTER TABLE pseudolink.audit_log OWNER TO tap_gov_owner;
SELECT throws_ok($$SELECT run_as('tap_gov_owner', 'TRUNCATE pseudolink.audit_log')$$,
                 '0A000', NULL, 'its owner cannot TRUNCATE it');
SELECT lives_ok($$SELECT run_as('tap_gov_owner', 'UPDATE pseudolink.audit_log SET actor = ''nobody''')$$,
                'its owner''s UPDATE runs ...');
SELECT is((SELECT count(*)::int FROM pseudolink.audit_log WHERE actor = 'nobody'), 0,
          '... and reaches no row (row-level security is forced)');
SELECT throws_ok($$SELECT run_as('tap_gov_owner', 'ALTER TABLE pseudolink.audit_log NO FORCE ROW LEVEL SECURITY;
                                                  UPDATE pseudolink.audit_log SET actor = ''nobody'' WHERE seq = 1')$$,
                 '0A000', NULL, 'and without FORCE the trigger refuses it');
SELECT lives_ok($$SELECT run_as('tap_gov_owner', 'ALTER TABLE pseudolink.audit_log NO FORCE ROW LEVEL SECURITY;
                                                 ALTER TABLE pseudolink.audit_log DISABLE TRIGGER audit_log_append_only;
                                                 UPDATE pseudolink.audit_log SET actor = ''nobody'' WHERE seq = 3')$$,
                'an owner who also switches the trigger off can edit a row ...');
SELECT is((SELECT array_agg(coalesce(seq, 0) ORDER BY seq NULLS FIRST) FROM pseudolink.audit_verify()), ARRAY[0, 3]::bigint[],
          '... and audit_verify() names the disabled guard and the edited row');

-- Releasing before approval --------------------------------------------------------
SELECT lives_ok(format($$SELECT run_as('tap_gov_res_a', 'SELECT pseudolink.submit_request(%s, ''nhr'', ''Early'', ''Q'', ''P'', %s, ''legitimate_interest'', ''2015-01-01'', ''2016-01-01'', ARRAY[''nhr_tavi.sex''])')$$, :proj_a, :res_a),
                'a new request is submitted');
SELECT max(request_id) AS req_early FROM pseudolink.data_request \gset
SELECT throws_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.release_request(%s)')$$, :req_early),
                 'PL002', NULL, 'the steward cannot release a submitted request');
SELECT throws_ok(format($$INSERT INTO pseudolink.release (request_id, project_id, key_domain, key_version, released_by)
                          VALUES (%s, %s, 'cbs-t100', 1, 'me')$$, :req_early, :proj_a),
                 'PL002', NULL, 'nor can a superuser insert a release for it');
SELECT throws_ok(format($$UPDATE pseudolink.data_request SET status = 'released' WHERE request_id = %s$$, :req_early),
                 'PL001', NULL, 'nor mark it released');
SELECT lives_ok(format($$SELECT run_as('tap_gov_council', 'SELECT pseudolink.assign_request(%s, pseudolink.today())')$$, :req_early),
                'and assigned for review');
SELECT throws_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.release_request(%s)')$$, :req_early),
                 'PL002', NULL, 'nor release it while it is in review');
SELECT throws_ok(format($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.open_source_load(''nhr_tavi'', %s)')$$, :req_early),
                 'PL002', NULL, 'nor load linked records for it');

-- Reading another project's release ------------------------------------------------
SELECT is(query_as('tap_gov_res_b', 'SELECT count(*) FROM ' || :'tab_a_tavi'), ARRAY['(0)'],
          'researcher B reads nothing of project A''s release');
SELECT is(query_as('tap_gov_res_b', 'SELECT count(*) FROM pseudolink.my_releases() WHERE release_id = ' || :rel_a), ARRAY['(0)'],
          'nor finds it among its releases');
SELECT is(query_as('tap_gov_res_b', 'SELECT count(*) FROM pseudolink.release_table WHERE release_id = ' || :rel_a), ARRAY['(0)'],
          'nor sees its record');
SELECT is(query_as('tap_gov_res_a', 'SELECT count(*) FROM ' || :'tab_b_pci'), ARRAY['(0)'],
          'and researcher A nothing of project B''s');
-- Persons 21-30 are in both cohorts (but 24, who objected), under different
-- pseudonyms: the two releases cannot be joined even by someone who holds both.
SELECT is((SELECT count(*)::int FROM pseudolink.source_row a JOIN pseudolink.source_row b
           ON a.person OPERATOR(pseudolink.=) b.person
           WHERE a.load_id = :load_a AND b.load_id = :load_b), 9,
          'the two cohorts share nine persons');
SELECT is((SELECT count(*)::int FROM :tab_a_tavi a JOIN :tab_b_pci b ON a.person OPERATOR(pseudolink.=) b.person), 0,
          'but no project A pseudonym equals a project B one: the two releases cannot be joined');

-- Reading identifiers as a researcher or as the registry ---------------------------------
CREATE TABLE public.tap_upload (record_id int, birth_date date, sex text, postcode text, linked_at timestamptz NOT NULL);
INSERT INTO public.tap_upload VALUES (1, '1940-01-02', '1', '3000AB', now());
GRANT UPDATE ON public.tap_upload TO tap_gov_steward;
SELECT lives_ok($$SELECT run_as('tap_gov_steward', 'SELECT pseudolink.register_identifier_table(''public.tap_upload'', ''linked_at'', ARRAY[''birth_date'', ''sex'', ''postcode''])')$$,
                'an identifier table of another part is registered for retention');
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT * FROM public.tap_upload')$$, r), '42501', NULL,
                 r || ' cannot read identifiers')
FROM unnest(ARRAY['tap_gov_res_a', 'tap_gov_registry']) r;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT person, person_key FROM pseudolink.source_row')$$, r), '42501', NULL,
                 r || ' cannot read the steward pseudonyms of the store')
FROM unnest(ARRAY['tap_gov_res_a', 'tap_gov_registry']) r;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT person_key FROM pseudolink.objection')$$, r), '42501', NULL,
                 r || ' cannot read the person keys of objections')
FROM unnest(ARRAY['tap_gov_res_a', 'tap_gov_registry']) r;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.person_key(''1940-01-02'', ''1'', ''3000AB'')')$$, r), '42501', NULL,
                 r || ' cannot compute a person key to try identifiers')
FROM unnest(ARRAY['tap_gov_res_a', 'tap_gov_registry']) r;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT pseudolink.derive(pseudolink.person_key(''1940-01-02'', ''1'', ''3000AB''), ''cbs-t100'')')$$, r), '42501', NULL,
                 r || ' cannot derive project pseudonyms')
FROM unnest(ARRAY['tap_gov_res_a', 'tap_gov_registry']) r;
SELECT is((SELECT count(*)::int FROM information_schema.columns
           WHERE table_schema = 'pseudolink' AND (table_name IN ('objection', 'source_row', 'audit_log')
                                                  OR table_name ~ '^release_[0-9]+_')
             AND column_name ~ '(birth|postcode|house|address)'), 0,
          'no governance table and no release table has an identifier column');

SELECT * FROM finish();
ROLLBACK;
