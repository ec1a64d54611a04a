-- The register: staging by COPY, checks with a reason per bad row, the
-- load (replace and merge), root pseudonyms, key sets and the GIN index.
SET search_path = pseudolink, public;
SELECT count(*) FROM add_dutch_blocking_rules('register_test');

-- The input formats: persons (person_id, birth_date, sex) and address
-- periods (person_id, postcode, house_number, house_suffix, valid_from,
-- valid_to), CSV with a header, NHR or ISO dates, NHR codes.
COPY register_person_staging (person_id, birth_date, sex) FROM stdin WITH (FORMAT csv, HEADER);
person_id,birth_date,sex
101,07-03-1950,1
102,1950-03-07,2
103,31-12-2001,V
104,15-06-1962,-1
105,01-02-1945,M
106,01-02-1945,2
\.
COPY register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
FROM stdin WITH (FORMAT csv, HEADER);
person_id,postcode,house_number,house_suffix,valid_from,valid_to
101,1234 ab,12,,07-03-1950,01-06-2015
101,3511AB,7,a,01-06-2015,
102,1234AB,12,,1950-03-07,
103,9999 ZZ,1,bis,31-12-2001,2010-01-01
103,0000,,,2010-01-01,2012-01-01
103,-1,,,2012-01-01,
104,2500 FI,0012,,15-06-1962,
105,1011AA,3,,01-02-1945,
106,1011AA,3,,01-02-1945,
\.
SELECT row_no, person_id, birth_date, sex FROM register_person_staging ORDER BY row_no;

-- Nothing wrong: the check finds no problem.
SELECT * FROM register_check();

\x on
SELECT load_id, mode, model, key_version, persons_staged, persons_rejected, persons_added, persons_changed,
       persons_removed, periods_staged, periods_rejected, periods_loaded, key_sets_built, register_persons,
       register_periods, loaded_by = session_user AS by_me
FROM register_load('register_test');
\x off

-- Normalised: sex 1/2/NULL, postcodes 1234AB, 0000 abroad, NULL unknown,
-- suffixes in upper case; the staging tables are empty again.
SELECT person_id, birth_date, sex FROM register_person ORDER BY person_id;
SELECT * FROM register_address ORDER BY person_id, valid_from;
SELECT (SELECT count(*) FROM register_person_staging) AS persons_staged,
       (SELECT count(*) FROM register_address_staging) AS periods_staged;

-- The root pseudonym is pseudonymise('steward', person_id), kind R.
SELECT count(*) FILTER (WHERE pseudonym = pseudonymise('steward', person_id)) AS equal,
       count(*) FILTER (WHERE pseudonym_kind(pseudonym) = 'R') AS kind_r, count(*) AS persons
FROM register_person;

-- One key set per person: the union of its periods' keys under the model.
SELECT k.person_id, key_count(k.keys),
       k.keys::text = (SELECT blockkeys_agg(blocking_keys('register_test', r))::text
                       FROM register_person p LEFT JOIN register_address a USING (person_id),
                            LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r
                       WHERE p.person_id = k.person_id) AS keys_as_built
FROM register_keys k ORDER BY k.person_id;
SELECT register_model();

-- The GIN index is there, valid, and finds the two persons at one address.
SELECT i.indexrelid::regclass, o.opcname, i.indisvalid
FROM pg_index i JOIN pg_opclass o ON o.oid = i.indclass[0]
WHERE i.indrelid = 'register_keys'::regclass AND o.opcname = 'blockkeys_ops';
SET enable_seqscan = off;
SELECT c.person_id FROM register_keys q JOIN register_keys c ON c.keys @@ shares(q.keys, 2)
WHERE q.person_id = 105 ORDER BY 1;
RESET enable_seqscan;

-- Every rule a staged row can break.  Row numbers count from 1 again.
COPY register_person_staging (person_id, birth_date, sex) FROM stdin WITH (FORMAT csv);
201,07-03-1950,1
,07-03-1950,1
x12,07-03-1950,1
0,07-03-1950,1
1234567890123456789,07-03-1950,1
202,,1
203,31-02-1950,1
204,07/03/1950,2
205,07-03-1950,3
206,07-03-1950,
207,01-01-1960,2
207,01-01-1961,2
\.
COPY register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
FROM stdin WITH (FORMAT csv);
201,1234AB,1,,01-01-2000,01-01-2010
201,1234AC,2,,01-01-2005,
202,1234AB,1,,01-01-2000,
999,1234AB,1,,01-01-2000,
,1234AB,1,,01-01-2000,
101,0123 AB,1,,01-01-2000,
101,1234 SS,1,,01-01-2001,
101,1234,1,,01-01-2002,
101,1234AB,12a,,01-01-2003,
101,1234AB,,A,01-01-2004,
101,1234AB,1,ä,01-01-2005,
101,1234AB,1,,,
101,1234AB,1,,2020-13-01,
101,1234AB,1,,01-01-2006,2006-02-30
101,1234AB,1,,01-01-2008,01-01-2007
207,1234AB,1,,01-01-2000,
\.
SELECT source, row_no, person_id, field, reason FROM register_check('merge');

-- Too many bad rows: an error, and nothing changes.
SELECT count(*) AS persons_before FROM register_person;
SELECT load_id FROM register_load('register_test', 'merge');
SELECT load_id FROM register_load('register_test', 'merge', max_rejects => 25);
SELECT count(*) AS persons_after, count(*) FILTER (WHERE person_id = 201) AS has_201 FROM register_person;

-- Allowed bad rows are loaded around and recorded with their reasons.
\x on
SELECT mode, persons_staged, persons_rejected, persons_added, persons_changed, persons_removed,
       periods_staged, periods_rejected, periods_loaded, key_sets_built, register_persons, register_periods
FROM register_load('register_test', 'merge', max_rejects => 26);
\x off
SELECT source, count(DISTINCT row_no) AS rows, count(*) AS reasons
FROM register_reject WHERE load_id = 2 GROUP BY source ORDER BY source DESC;
SELECT * FROM register_address WHERE person_id = 201;

-- Merge: a corrected birth date, a new period history, a new person;
-- the others keep what they had.
COPY register_person_staging (person_id, birth_date, sex) FROM stdin WITH (FORMAT csv);
102,1950-03-08,2
301,1999-09-09,1
\.
COPY register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
FROM stdin WITH (FORMAT csv);
101,1234AB,12,,07-03-1950,
301,5611AA,1,,09-09-1999,
\.
\x on
SELECT mode, persons_staged, persons_rejected, persons_added, persons_changed, persons_removed,
       periods_staged, periods_rejected, periods_loaded, key_sets_built, register_persons, register_periods
FROM register_load('register_test', 'merge');
\x off
SELECT person_id, birth_date FROM register_person WHERE person_id IN (101, 102, 301) ORDER BY 1;
SELECT person_id, postcode, valid_from, valid_to FROM register_address WHERE person_id IN (101, 301) ORDER BY 1, 3;
-- The changed persons' key sets were rebuilt; all key sets are as built from scratch.
SELECT count(*) FILTER (WHERE k.keys::text = b.keys::text) AS as_built, count(*) AS key_sets
FROM register_keys k
     JOIN (SELECT p.person_id, blockkeys_agg(blocking_keys('register_test', r)) AS keys
           FROM register_person p LEFT JOIN register_address a USING (person_id),
                LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r
           GROUP BY p.person_id) b USING (person_id);

-- Replace: the staging holds the whole register; who is missing is removed.
INSERT INTO register_person_staging (person_id, birth_date, sex)
SELECT person_id::text, to_char(birth_date, 'DD-MM-YYYY'), coalesce(sex::text, '-1') FROM register_person
WHERE person_id <> 106;
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT person_id::text, postcode, house_number::text, house_suffix, to_char(valid_from, 'YYYY-MM-DD'),
       to_char(valid_to, 'YYYY-MM-DD')
FROM register_address WHERE person_id <> 106;
\x on
SELECT mode, persons_staged, persons_rejected, persons_added, persons_changed, persons_removed,
       periods_staged, periods_rejected, periods_loaded, key_sets_built, register_persons, register_periods
FROM register_load('register_test');
\x off
SELECT count(*) FILTER (WHERE person_id = 106) AS has_106, count(*) AS persons FROM register_person;
SELECT count(*) AS key_sets FROM register_keys;
-- After the rebuild the constraints carry their comments still.
SELECT conname, obj_description(oid, 'pg_constraint') IS NOT NULL AS commented
FROM pg_constraint WHERE conname IN ('register_person_pseudonym_key', 'register_address_person_fkey') ORDER BY 1;
SELECT obj_description('register_keys_gin'::regclass, 'pg_class') IS NOT NULL AS index_commented;

-- Errors of the load itself.
SELECT load_id FROM register_load('no_such_model');
SELECT load_id FROM register_load('register_test', 'append');
SELECT load_id FROM register_load('register_test', max_rejects => -1);
SELECT load_id FROM register_load('register_test');
SELECT load_id FROM register_load('register_test', 'merge');
SELECT count(*) FROM add_dutch_blocking_rules('register_other');
INSERT INTO register_address_staging (person_id, postcode, valid_from) VALUES ('101', '1234AB', '2030-01-01');
SELECT load_id FROM register_load('register_other', 'merge');
INSERT INTO register_address_staging (person_id, postcode, valid_from) VALUES ('101', '1234AB', '2031-01-01');
SELECT row_no FROM register_address_staging;
SELECT register_clear_staging();
INSERT INTO register_address_staging (person_id, postcode, valid_from) VALUES ('101', '1234AB', '2030-01-01');
SELECT row_no FROM register_address_staging;
SELECT register_clear_staging();

-- The constraints behind the load (even a superuser writing directly; the
-- error details, which show the row to a superuser, are left out).
\set VERBOSITY terse
INSERT INTO register_person (person_id, birth_date, sex, pseudonym)
VALUES (0, '1950-01-01', 1, pseudonymise('steward', 0));
INSERT INTO register_person (person_id, birth_date, sex, pseudonym)
VALUES (900, '1950-01-01', 3, pseudonymise('steward', 900));
INSERT INTO register_person (person_id, birth_date, sex, pseudonym)
VALUES (900, '1800-01-01', 1, pseudonymise('steward', 900));
INSERT INTO register_person (person_id, birth_date, sex, pseudonym)
VALUES (900, '1950-01-01', 1, pseudonymise('steward', 101));
INSERT INTO register_address (person_id, postcode, valid_from) VALUES (999999, '1234AB', '2000-01-01');
INSERT INTO register_address (person_id, postcode, valid_from, valid_to) VALUES (101, '1234AB', '2030-01-01', '2029-01-01');
INSERT INTO register_address (person_id, postcode, valid_from) VALUES (101, '1234 ab', '2030-01-01');
INSERT INTO register_address (person_id, postcode, valid_from) VALUES (101, '-1', '2030-01-01');
INSERT INTO register_address (person_id, house_number, valid_from) VALUES (101, 0, '2030-01-01');
INSERT INTO register_address (person_id, house_number, house_suffix, valid_from) VALUES (101, 1, 'a', '2030-01-01');
INSERT INTO register_address (person_id, house_suffix, valid_from) VALUES (101, 'A', '2030-01-01');
INSERT INTO register_address (person_id, postcode, valid_from) VALUES (101, '1234AB', '1950-03-07');
\set VERBOSITY default

-- The person id rule of the staging checks: digits with spaces around them,
-- at most 18, not all zeros.
SELECT v AS staged, register_person_id(v) AS person_id
FROM unnest(ARRAY['42', '  0042  ', '123456789012345678', '1234567890123456789',
                  '0', '000', '', '   ', '12a', '-5', '+5', '4 2', E'\t5', '999999999999999999']) AS v;
SELECT register_person_id(NULL) IS NULL AS null_is_null;

-- The overlap check compares a period with the good periods only, in order
-- of start whatever the staging order: the bad row 2 (its postcode) would
-- overlap row 4, which is loaded; row 1 starts inside the open row 4.
COPY register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
FROM stdin WITH (FORMAT csv);
101,1234AD,3,,01-06-2010,01-01-2011
101,1234 SS,1,,01-01-2009,
101,1234AB,1,,01-01-2000,01-01-2010
101,1234AC,2,,01-01-2010,
\.
SELECT source, row_no, person_id, field, reason FROM register_check('merge');
SELECT register_clear_staging();

-- Key sets built apart from the load: a replace load with build_keys =>
-- false leaves the four partitions of register_keys empty and unbuilt;
-- the link, the training of a model and a merge refuse to start until
-- register_build_keys() has built them, one partition at a time, and the
-- parent's indexes on theirs.  On 400 synthetic persons (the register above
-- is put back afterwards).
CREATE TEMP TABLE saved_person AS
SELECT person_id::text, to_char(birth_date, 'DD-MM-YYYY') AS birth_date, coalesce(sex::text, '-1') AS sex
FROM register_person;
CREATE TEMP TABLE saved_address AS
SELECT person_id::text, postcode, house_number::text, house_suffix, to_char(valid_from, 'YYYY-MM-DD') AS valid_from,
       to_char(valid_to, 'YYYY-MM-DD') AS valid_to
FROM register_address;
INSERT INTO register_person_staging (person_id, birth_date, sex)
SELECT person_id::text, to_char(birth_date, 'DD-MM-YYYY'), sex::text FROM synth_persons(5, 400);
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT person_id::text, postcode, house_number::text, house_suffix, to_char(valid_from, 'DD-MM-YYYY'),
       to_char(valid_to, 'DD-MM-YYYY')
FROM synth_addresses(5, 400);
SELECT mode, persons_added, persons_removed, key_sets_built, keys_built_at IS NULL AS keys_pending
FROM register_load('register_test', build_keys => false);
SELECT part, load_id = (SELECT max(load_id) FROM register_load) AS this_load, built_at IS NULL AS pending, built_by, key_sets
FROM register_keys_part ORDER BY part;
SELECT count(*) AS key_sets FROM register_keys;
SELECT count(*) AS indexes FROM pg_index
WHERE indrelid IN (SELECT relid FROM pg_partition_tree('register_keys'));
SELECT register_require_keys();
INSERT INTO register_address_staging (person_id, postcode, valid_from) VALUES ('1', '1234AB', '2030-01-01');
SELECT load_id FROM register_load('register_test', 'merge');
SELECT load_id FROM register_load('register_test', 'merge', build_keys => false);
SELECT load_id FROM register_load('register_test', build_keys => NULL);
SELECT register_clear_staging();
BEGIN;
CALL register_build_keys();
ROLLBACK;

-- One partition built by hand (what a session does before it is
-- interrupted), then the rest by the procedure.
SELECT register_keys_build_part() AS built;
SELECT register_require_keys();
CALL register_build_keys();
SELECT part, built_at IS NOT NULL AS built, built_by = session_user AS by_me, key_sets > 0 AS has_key_sets,
       keys_seconds >= 0 AND index_seconds >= 0 AS timed
FROM register_keys_part ORDER BY part;
SELECT key_sets_built, keys_built_at >= finished_at AS built_after_load, keys_seconds > 0 AS timed
FROM register_load ORDER BY load_id DESC LIMIT 1;
SELECT register_require_keys();
CALL register_build_keys();

-- Every person in the partition its id hashes to, with the key set that one
-- pass builds.
SELECT tableoid::regclass AS part,
       count(*) AS key_sets,
       count(*) FILTER (WHERE satisfies_hash_partition('register_keys'::regclass, register_keys_partitions(),
                                                       substr(tableoid::regclass::text, 16)::int, person_id)) AS rightly_placed
FROM register_keys GROUP BY 1 ORDER BY 1;
SELECT count(*) AS persons,
       count(*) FILTER (WHERE k.keys::text = (SELECT blockkeys_agg(blocking_keys('register_test', r))::text
                                             FROM register_address a RIGHT JOIN register_person p USING (person_id),
                                                  LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r
                                             WHERE p.person_id = k.person_id)) AS keys_as_one_pass
FROM register_keys k;
-- Beside each key set, the person's fields and address periods as the
-- register holds them (the periods in any order, the same in all arrays).
CREATE TEMP VIEW key_set_fields AS
SELECT count(*) AS persons,
       count(*) FILTER (WHERE (k.birth_date, k.sex, k.pseudonym::text)
                              IS NOT DISTINCT FROM (p.birth_date, p.sex, p.pseudonym::text)) AS fields_as_register,
       count(*) FILTER (WHERE (SELECT array_agg(row(u.pc, u.hn, u.hs, u.vf, u.vt)::text ORDER BY u.vf)
                               FROM unnest(k.postcodes, k.house_numbers, k.house_suffixes, k.valid_from, k.valid_to)
                                    AS u(pc, hn, hs, vf, vt))
                              IS NOT DISTINCT FROM
                              (SELECT array_agg(row(a.postcode, a.house_number, a.house_suffix, a.valid_from, a.valid_to)::text
                                                ORDER BY a.valid_from)
                               FROM register_address a WHERE a.person_id = k.person_id)) AS periods_as_register,
       count(*) FILTER (WHERE k.postcodes IS NULL) AS without_periods,
       count(*) FILTER (WHERE NOT EXISTS (SELECT FROM register_address a WHERE a.person_id = k.person_id)) AS persons_without_periods
FROM register_keys k JOIN register_person p USING (person_id);
SELECT * FROM key_set_fields;
-- The parent's indexes are valid, with the partitions' attached.
SELECT p.relid::regclass AS index, p.parentrelid::regclass AS part_of, i.indisvalid
FROM pg_partition_tree('register_keys_gin') p JOIN pg_index i ON i.indexrelid = p.relid
UNION ALL
SELECT p.relid::regclass, p.parentrelid::regclass, i.indisvalid
FROM pg_partition_tree('register_keys_pkey') p JOIN pg_index i ON i.indexrelid = p.relid
ORDER BY 1;
-- The index finds what a scan of the key sets finds.
CREATE TEMP TABLE probe_sample AS SELECT person_id, keys FROM register_keys ORDER BY person_id LIMIT 40;
SET enable_seqscan = off;
CREATE TEMP TABLE probe_index AS
SELECT q.person_id AS q, c.person_id AS c FROM probe_sample q JOIN register_keys c ON c.keys @@ shares(q.keys, 2);
RESET enable_seqscan;
SET enable_bitmapscan = off;
SET enable_indexscan = off;
CREATE TEMP TABLE probe_scan AS
SELECT q.person_id AS q, c.person_id AS c FROM probe_sample q JOIN register_keys c ON c.keys @@ shares(q.keys, 2);
RESET enable_bitmapscan;
RESET enable_indexscan;
SELECT (SELECT count(*) FROM probe_index) > 40 AS pairs_found,
       (SELECT count(*) FROM ((TABLE probe_index EXCEPT TABLE probe_scan)
                              UNION ALL (TABLE probe_scan EXCEPT TABLE probe_index)) d) AS differing;

-- A replace load over partitions half built: their indexes go, and the load
-- builds everything in one pass.
INSERT INTO register_person_staging (person_id, birth_date, sex)
SELECT person_id::text, to_char(birth_date, 'DD-MM-YYYY'), sex::text FROM synth_persons(5, 400);
SELECT key_sets_built FROM register_load('register_test', build_keys => false);
SELECT register_keys_build_part() AS built;
INSERT INTO register_person_staging (person_id, birth_date, sex) SELECT * FROM saved_person;
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT * FROM saved_address;
SELECT persons_added, persons_removed, key_sets_built, keys_built_at IS NOT NULL AS keys_built
FROM register_load('register_test');
SELECT part, built_at IS NOT NULL AS built, key_sets FROM register_keys_part ORDER BY part;
SELECT * FROM key_set_fields;
SELECT count(*) AS key_sets, count(DISTINCT tableoid) AS partitions FROM register_keys;
SELECT count(*) AS valid_indexes FROM pg_index
WHERE indrelid IN (SELECT relid FROM pg_partition_tree('register_keys')) AND indisvalid;
-- A person without periods, merged in: a key set without a history (NULL
-- arrays, as link_history_of() gives), and a changed person's history
-- follows the merge.
INSERT INTO register_person_staging (person_id, birth_date, sex) VALUES ('990001', '01-02-1950', '1');
INSERT INTO register_address_staging (person_id, postcode, house_number, valid_from)
SELECT person_id::text, '9999ZZ', 7, '2031-01-01' FROM register_person WHERE person_id <> 990001 ORDER BY person_id LIMIT 1;
SELECT persons_added, periods_loaded, key_sets_built FROM register_load('register_test', 'merge');
SELECT * FROM key_set_fields;
SELECT k.postcodes, k.house_numbers, k.house_suffixes, k.valid_from, k.valid_to
FROM register_keys k WHERE k.person_id = 990001;

-- Every object is commented.
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relname LIKE 'register%'
  AND obj_description(c.oid, 'pg_class') IS NULL AND c.relkind IN ('r', 'v', 'i', 'p', 'I')
  AND c.relname NOT LIKE '%_pkey' AND c.relname NOT LIKE '%_key';
SELECT p.oid::regprocedure FROM pg_proc p
WHERE p.pronamespace = 'pseudolink'::regnamespace AND p.proname LIKE 'register%'
  AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT con.conname FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
WHERE c.relnamespace = 'pseudolink'::regnamespace AND c.relname LIKE 'register%'
  AND obj_description(con.oid, 'pg_constraint') IS NULL;
RESET search_path;

-- The staging tables are unlogged (a crash empties them; the files are
-- COPYed again), and so are their row number sequences; the register itself
-- is logged.
SELECT c.relname, c.relpersistence FROM pg_class c
WHERE c.relnamespace = 'pseudolink'::regnamespace
  AND c.relname IN ('register_person_staging', 'register_address_staging',
                    'register_person_staging_row_no_seq', 'register_address_staging_row_no_seq',
                    'register_person', 'register_address', 'register_keys_p0')
ORDER BY c.relname;
