-- Keyed pseudonyms: what the steward makes, what a project receives.
\set QUIET on
\pset footer off
SET search_path = public, pseudolink;

\echo 'The server read a throwaway root key at start; only its fingerprint is visible:'
SELECT root_key_fingerprint(1) AS root_key_fingerprint;

\echo 'Identifiers as a registry sends them, normalised (0000 = abroad, -1 = unknown):'
CREATE TEMP TABLE upload (record int, birth_date text, sex text, postcode text);
INSERT INTO upload VALUES (1, '07-03-1950', 'M', '1234 ab'), (2, '1950-03-07', '1', '1234AB'),
    (3, '31-12-2001', 'vrouw', '9999 zz'), (4, '15-06-1962', '2', '0000'), (5, '01-02-1945', '-1', '3511 AB');
SELECT record, birth_date, sex, postcode,
       normalise_birth_date(birth_date) AS birth, normalise_sex(sex) AS sex_code,
       normalise_postcode(postcode) AS postcode_norm
FROM upload ORDER BY record;

\echo 'Person keys (kind S): one per person, however the identifiers were written;'
\echo 'none when sex or postcode is unknown or the person lives abroad:'
SELECT record, person_key(normalise_birth_date(birth_date), sex, postcode) AS person_key
FROM upload ORDER BY record;

\echo 'Register persons (kind R) in the steward domain, and the same persons in a project:'
SELECT create_domain('cbs-9123', 'CBS project 9123: TAVI outcomes') AS project_key_version;
SELECT person_id, pseudonymise('steward', person_id) AS steward,
       derive(pseudonymise('steward', person_id), 'cbs-9123') AS project
FROM generate_series(1001, 1003) person_id;

\echo 'A mistyped pseudonym is refused, not silently taken for someone else:'
CREATE FUNCTION pg_temp.read_pseudonym(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
    RETURN t::pseudolink.pseudonym::text;
EXCEPTION WHEN invalid_text_representation THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN 'refused: ' || detail;
END $$;
SELECT what, t AS text, pg_temp.read_pseudonym(t) AS read_as
FROM (SELECT pseudonymise('steward', 1001::bigint)::text AS p) s,
     -- the first two different neighbours from character 5 on
     LATERAL (SELECT min(i) AS i FROM generate_series(5, 26) i
              WHERE substr(p, i, 1) <> substr(p, i + 1, 1)) d,
     LATERAL (VALUES ('as issued', p),
                     ('two characters swapped', overlay(p PLACING reverse(substr(p, d.i, 2)) FROM d.i FOR 2)),
                     ('one character wrong',
                      overlay(p PLACING CASE substr(p, 10, 1) WHEN '7' THEN '8' ELSE '7' END
                              FROM 10 FOR 1))) AS v(what, t);

\echo 'Rotating the project key: new pseudonyms, and a mapping from the old ones:'
SELECT rotate_domain('cbs-9123') AS new_version;
SELECT count(*) AS persons_mapped,
       count(*) FILTER (WHERE old_p <> new_p) AS changed
FROM (SELECT derive(pseudonymise('steward', g), 'cbs-9123', 1) AS old_p,
             derive(pseudonymise('steward', g), 'cbs-9123') AS new_p
      FROM generate_series(1, 10000) g) m;
SELECT name, current_version, usable_versions FROM key_domains ORDER BY name;
