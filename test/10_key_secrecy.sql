-- The root key: no role but the superuser can read it, or the settings that
-- say where it is, or change them, by any path.
BEGIN;
SELECT plan(70);

CREATE ROLE tap_outsider LOGIN;
CREATE TEMP TABLE roles (r name);
INSERT INTO roles VALUES ('pseudolink_admin'), ('pseudolink_steward'), ('pseudolink_registry'),
    ('pseudolink_reviewer'), ('pseudolink_researcher'), ('tap_outsider');
GRANT SELECT ON roles TO PUBLIC;
CREATE TABLE public.tap_sink (line text);
GRANT ALL ON public.tap_sink TO PUBLIC;

-- The superuser sees where the key is; it is a path, not the key.
SELECT isnt(current_setting('pseudolink.key_file'), '', 'the superuser sees pseudolink.key_file');
SELECT ok(current_setting('pseudolink.key_file') !~ '^[0-9a-fA-F]{64}$',
          'pseudolink.key_file names a file; it does not hold the key');

-- Not one of these roles may see the settings ...
SELECT is(query_as(r, $$SELECT count(*) FROM pg_settings WHERE name LIKE 'pseudolink.key%'$$),
          ARRAY['(0)'], r || ' sees no pseudolink key setting in pg_settings')
FROM roles;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT current_setting(''pseudolink.key_file'')')$$, r),
                 '42501', NULL, r || ' cannot read pseudolink.key_file')
FROM roles;
SELECT throws_ok(format($$SELECT run_as(%L, 'SHOW pseudolink.key_command')$$, r),
                 '42501', NULL, r || ' cannot SHOW pseudolink.key_command')
FROM roles;
-- ... nor change them, which would point the server at a key of its own ...
SELECT throws_ok(format($$SELECT run_as(%L, 'SET pseudolink.key_file = ''/tmp/my.key''')$$, r),
                 '42501', NULL, r || ' cannot SET pseudolink.key_file')
FROM roles;
SELECT throws_ok(format($$SELECT run_as(%L, 'SELECT set_config(''pseudolink.key_command'', ''cat /etc/passwd'', false)')$$, r),
                 '42501', NULL, r || ' cannot set pseudolink.key_command')
FROM roles;
SELECT throws_ok(format($$SELECT run_as(%L, 'ALTER ROLE %I SET pseudolink.key_file = ''/tmp/my.key''')$$, r, r),
                 '42501', NULL, r || ' cannot ALTER ROLE ... SET pseudolink.key_file')
FROM roles;
-- ... nor read the key file by any server-side path.
SELECT throws_ok(format($$SELECT run_as(%L, %L)$$, r,
                        format('SELECT pg_read_file(%L)', current_setting('pseudolink.key_file'))),
                 '42501', NULL, r || ' cannot pg_read_file the key file')
FROM roles;
SELECT throws_ok(format($$SELECT run_as(%L, %L)$$, r,
                        format('SELECT pg_read_binary_file(%L)', current_setting('pseudolink.key_file'))),
                 '42501', NULL, r || ' cannot pg_read_binary_file the key file')
FROM roles;
SELECT throws_ok(format($$SELECT run_as(%L, %L)$$, r,
                        format('COPY public.tap_sink FROM %L', current_setting('pseudolink.key_file'))),
                 '42501', NULL, r || ' cannot COPY FROM the key file')
FROM roles;
SELECT throws_ok(format($$SELECT run_as(%L, %L)$$, r,
                        format('SELECT lo_import(%L)', current_setting('pseudolink.key_file'))),
                 '42501', NULL, r || ' cannot lo_import the key file')
FROM roles;
SELECT is(query_as(r, $$SELECT pg_has_role('pg_read_server_files', 'MEMBER')
                              OR pg_has_role('pg_read_all_settings', 'MEMBER')
                              OR pg_has_role('pg_execute_server_program', 'MEMBER')$$),
          ARRAY['(f)'], r || ' has no role that reads server files or all settings')
FROM roles;

-- No function hands out key material: only the types' binary output
-- functions return bytes, and they return the value of their type.
SELECT is((SELECT array_agg(p.proname::text) FROM pg_proc p
           WHERE p.pronamespace = 'pseudolink'::regnamespace
             AND p.prorettype = 'bytea'::regtype
             AND NOT EXISTS (SELECT FROM pg_type t WHERE t.typsend = p.oid)),
          NULL, 'no pseudolink function but a type''s send function returns bytes');
SELECT is(length(pseudolink.root_key_fingerprint(1)), 16,
          'the fingerprint is 8 bytes, a quarter of a key');

SELECT * FROM finish();
ROLLBACK;
