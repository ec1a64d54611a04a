-- Making pseudonyms: the known-answer test, determinism, separation of
-- domains, versions and keys, derive, person_key, input encoding and errors.
--
-- The known answers come from test/kat/pseudonym_reference.py, an
-- independent implementation with Python's hashlib.blake2b, for the public
-- test keys that test/run.sh writes into the data directory.
SET log_statement = 'all';
SET search_path = pseudolink, public;
SET pseudolink.key_file = 'pseudolink_test.key';
SELECT name, current_version FROM key_domains WHERE name = 'steward';
SELECT create_domain('project-1', 'known-answer test project', 1);

-- Known answers: subkey construction, R, T, S and derived pseudonyms.
SELECT v, pseudonymise('steward', v, 1) FROM (VALUES (42::bigint), (0), (-1),
    (9223372036854775807)) AS t(v);
SELECT pseudonymise('project-1', 42) AS project_1;
BEGIN;
SELECT rotate_domain('steward');
SELECT pseudonymise('steward', 42, 2) AS v2, pseudonymise('steward', 42) AS current_v2,
       pseudonymise('steward', 42, 1) AS still_v1;
ROLLBACK;
SELECT pseudonymise('steward', 'NHR-000123', 1) AS nhr_000123,
       pseudonymise('steward', U&'Jos\00E9', 1) AS "José, composed",
       pseudonymise('steward', U&'Jose\0301', 1) AS "José, combining accent";
-- Up to 16 bytes go into the salt, longer text into the message.
SELECT pseudonymise('steward', 'sixteen bytes..!', 1) AS "16 bytes",
       pseudonymise('steward', 'seventeen bytes.!', 1) AS "17 bytes";
SELECT person_key('1950-03-07', '1', '1234AB') AS "1950-03-07 1 1234AB",
       person_key('2001-12-31', '2', '9999ZZ') AS "2001-12-31 2 9999ZZ";
SELECT derive(pseudonymise('steward', 42, 1), 'project-1') AS r_derived,
       derive(person_key('1950-03-07', '1', '1234AB'), 'project-1') AS s_derived;

-- Deterministic, and no two of 10,000 ids or texts share a pseudonym.
SELECT pseudonymise('steward', 42) = pseudonymise('steward', 42) AS same_id_same_pseudonym;
SELECT count(*) AS ids, count(DISTINCT pseudonymise('steward', g)) AS distinct_pseudonyms,
       count(DISTINCT pseudonymise('steward', g::text)) AS distinct_text_pseudonyms
FROM generate_series(1, 10000) g;

-- Separation: a value gives different pseudonyms in different domains, at
-- different key versions, under different root keys, and as id or text.
SELECT pseudonymise('steward', 42) <> pseudonymise('project-1', 42) AS domains_differ,
       pseudonymise('steward', 42) <> pseudonymise('steward', '42') AS id_and_text_differ,
       pseudonymise('steward', 'abc') <> pseudonymise('steward', 'ABC') AS case_matters,
       pseudonymise('steward', 'abc') <> pseudonymise('steward', 'abc ') AS spaces_matter;
CREATE TEMP TABLE under_test_key AS SELECT pseudonymise('steward', 42) AS p;
RESET pseudolink.key_file;
SELECT p <> pseudonymise('steward', 42) AS keys_differ FROM under_test_key;
SET pseudolink.key_file = 'pseudolink_test.key';
SELECT p = pseudonymise('steward', 42) AS same_key_again FROM under_test_key;
-- Under one key without versions, the version still separates pseudonyms.
SET pseudolink.key_file = 'pseudolink_test_single.key';
BEGIN;
SELECT rotate_domain('steward');
SELECT pseudonymise('steward', 42, 1) = 'RA8P4T5FPGBH7FYEQMF520GTS7W9' AS v1_same_key,
       pseudonymise('steward', 42, 2) <> pseudonymise('steward', 42, 1) AS v2_differs;
ROLLBACK;
SET pseudolink.key_file = 'pseudolink_test.key';

-- derive: one way into a project, keeps the kind, separates projects.
SELECT create_domain('project-2', 'a second project');
SELECT pseudonym_kind(derive(pseudonymise('steward', 42), 'project-1')) AS r_stays_r,
       pseudonym_kind(derive(pseudonymise('steward', 'x'), 'project-1')) AS t_stays_t,
       derive(pseudonymise('steward', 42), 'project-1')
         <> derive(pseudonymise('steward', 42), 'project-2') AS projects_differ,
       derive(pseudonymise('steward', 42), 'project-1')
         <> pseudonymise('project-1', 42) AS derived_is_not_direct;
-- A project's pseudonyms join with each other, never with the steward's.
SELECT count(*) AS joined_in_project
FROM generate_series(1, 100) g
JOIN generate_series(1, 100) h
  ON derive(pseudonymise('steward', g), 'project-1') = derive(pseudonymise('steward', h), 'project-1');
SELECT count(*) AS steward_meets_project
FROM generate_series(1, 100) g, generate_series(1, 100) h
WHERE pseudonymise('steward', g) = derive(pseudonymise('steward', h), 'project-1');

-- person_key normalises first: spellings of one person give one key.
SELECT count(DISTINCT person_key(d, s, p)) AS keys
FROM (VALUES ('1950-03-07'::date, '1', '1234AB'), ('1950-03-07', 'M', '1234 ab'),
             ('1950-03-07', ' man ', ' 1234  AB '), ('1950-03-07', 'male', '1234ab')) AS t(d, s, p);
SELECT person_key('1950-03-07', '1', '1234AB') <> person_key('1950-03-07', '2', '1234AB') AS sex_matters,
       person_key('1950-03-07', '1', '1234AB') <> person_key('1950-03-08', '1', '1234AB') AS date_matters,
       person_key('1950-03-07', '1', '1234AB') <> person_key('1950-03-07', '1', '1234AC') AS postcode_matters;
-- No key when the identifiers cannot identify anyone.
SELECT person_key('1950-03-07', '-1', '1234AB') AS sex_unknown,
       person_key('1950-03-07', '1', '-1') AS postcode_unknown,
       person_key('1950-03-07', '1', '0000') AS abroad,
       person_key(NULL, '1', '1234AB') AS null_date;
SELECT person_key('1950-03-07', 'X', '1234AB');
SELECT person_key('1950-03-07', '1', '1234 SS');
SELECT person_key('1849-12-31', '1', '1234AB');
SELECT person_key('infinity', '1', '1234AB');

-- Bad input: NULL gives NULL; everything else a clear error.
SELECT pseudonymise(NULL, 42::bigint) AS null_domain, pseudonymise('steward', NULL::text) AS null_value,
       pseudonymise('steward', 42::bigint, NULL) AS null_version, derive(NULL, 'project-1') AS null_p;
SELECT pseudonymise('steward', '');
SELECT pseudonymise('steward', repeat('x', 256)) IS NOT NULL AS max_length_ok;
SELECT pseudonymise('steward', repeat('x', 257));
SELECT pseudonymise('steward', repeat('é', 128)) IS NOT NULL AS max_length_ok_in_utf8;
SELECT pseudonymise('steward', repeat('é', 129));
SELECT pseudonymise('steward', repeat('x', 100000));
CREATE TEMP TABLE toasted AS SELECT repeat('x', 100000) AS v;
SELECT pseudonymise('steward', v) FROM toasted;
SELECT pseudonymise('Steward', 42);
SELECT pseudonymise('', 42);
SELECT pseudonymise('-steward', 42);
SELECT pseudonymise(repeat('a', 64), 42);
SELECT pseudonymise('1234 AB', 'steward');
SELECT pseudonymise('no-such-domain', 42);
SELECT derive(pseudonymise('steward', 42), 'no-such-domain');
SELECT pseudonymise('steward', 42, 0);
SELECT pseudonymise('steward', 42, 99);
SELECT derive(pseudonymise('steward', 42), 'project-1', -1);
-- Invalid UTF-8 never reaches pseudonymise in a UTF-8 database.
SELECT pseudonymise('steward', convert_from('\xc3'::bytea, 'UTF8'));

-- Other database encodings: values are hashed as UTF-8, so a LATIN1 and a
-- SQL_ASCII database give the pseudonyms of a UTF-8 one; a SQL_ASCII value
-- that is not UTF-8 is refused.
\set regress_db :DBNAME
CREATE DATABASE pseudolink_latin1 ENCODING 'LATIN1' LOCALE 'C' TEMPLATE template0;
CREATE DATABASE pseudolink_sql_ascii ENCODING 'SQL_ASCII' LOCALE 'C' TEMPLATE template0;
\c pseudolink_latin1
SET client_encoding = 'UTF8';
CREATE EXTENSION pseudolink;
SET pseudolink.key_file = 'pseudolink_test.key';
SELECT pseudolink.pseudonymise('steward', U&'Jos\00E9', 1) AS latin1_composed;
\c pseudolink_sql_ascii
CREATE EXTENSION pseudolink;
SET pseudolink.key_file = 'pseudolink_test.key';
SELECT pseudolink.pseudonymise('steward', convert_from('\x4a6f73c3a9'::bytea, 'SQL_ASCII'), 1) AS sql_ascii_composed,
       pseudolink.pseudonymise('steward', convert_from('\x4a6f7365cc81'::bytea, 'SQL_ASCII'), 1) AS sql_ascii_combining;
SELECT pseudolink.pseudonymise('steward', convert_from('\x4a6f73e9'::bytea, 'SQL_ASCII'), 1);
\c :regress_db
DROP DATABASE pseudolink_latin1;
DROP DATABASE pseudolink_sql_ascii;

-- Volatility: STABLE (the key is configuration), STRICT, PARALLEL SAFE.
SELECT p.oid::regprocedure AS function, provolatile, proisstrict, proparallel
FROM pg_proc p
WHERE pronamespace = 'pseudolink'::regnamespace
  AND proname IN ('pseudonymise', 'derive', 'person_key', 'root_key_fingerprint')
ORDER BY 1::text;

RESET pseudolink.key_file;
RESET search_path;
RESET log_statement;
