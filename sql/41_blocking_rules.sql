-- Blocking rules as data and the keys they make of records.
SET search_path = public, pseudolink;

-- The Dutch rule set, with the default field names.
SELECT rule_id, name, parts, max_block, enabled FROM add_dutch_blocking_rules('nl') ORDER BY rule_id;
-- ... and with other field names, for a table that calls them differently.
SELECT rule_id, parts FROM add_dutch_blocking_rules('nl_nhr', birth_date => 'geboortedatum',
    sex => 'geslacht', postcode => 'pc', house_number => 'huisnummer', house_suffix => 'toevoeging',
    max_block => 50)
ORDER BY rule_id;
-- Twice is an error: rule ids are unique per model.
SELECT count(*) FROM add_dutch_blocking_rules('nl');

-- Rule definitions are checked when written.
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 1, 'r', ARRAY['date birth_date']);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 1, 'r', ARRAY['date(1x)']);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 1, 'r', ARRAY['date(birth_date']);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 1, 'r', ARRAY['date(birth_date) x']);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 1, 'r', ARRAY['soundex(name)']);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 1, 'r', ARRAY[]::text[]);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 1, 'r', ARRAY['year(a)', NULL]);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 1, 'r', ARRAY[['year(a)'], ['year(b)']]);
INSERT INTO blocking_rule (model, rule_id, name, parts)
    VALUES ('t', 1, 'r', ARRAY['text(a)', 'text(b)', 'text(c)', 'text(d)', 'text(e)', 'text(f)', 'text(g)', 'text(h)', 'text(i)']);
INSERT INTO blocking_rule (model, rule_id, name, parts)
    VALUES ('t', 1, 'r', ARRAY['text(' || repeat('a', 64) || ')']);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 0, 'r', ARRAY['year(a)']);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 256, 'r', ARRAY['year(a)']);
INSERT INTO blocking_rule (model, rule_id, name, parts, max_block) VALUES ('t', 1, 'r', ARRAY['year(a)'], 0);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('', 1, 'r', ARRAY['year(a)']);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('t', 1, '', ARRAY['year(a)']);
INSERT INTO blocking_rule (model, rule_id, name, parts) VALUES ('nl', 7, 'birth_date_sex', ARRAY['year(a)']);
-- Transform names are case-insensitive and field names fold to lower case.
SELECT blocking_rule_parts_valid(ARRAY[' YEAR ( Birth_Date ) ', 'Sex(sex)']);

-- A rule's model, id and parts cannot change (built keys would stop matching);
-- its name, cap, enabled flag and description can.
UPDATE blocking_rule SET parts = ARRAY['year(birth_date)'] WHERE model = 'nl' AND rule_id = 1;
UPDATE blocking_rule SET rule_id = 9 WHERE model = 'nl' AND rule_id = 1;
UPDATE blocking_rule SET model = 'other' WHERE model = 'nl' AND rule_id = 1;
UPDATE blocking_rule SET max_block = 500, description = 'changed' WHERE model = 'nl' AND rule_id = 1
RETURNING name, max_block, description;
UPDATE blocking_rule SET max_block = 1000, description = NULL WHERE model = 'nl' AND rule_id = 1;

-- Records: NHR-style text dates and codes, and typed values.
CREATE TABLE rec (id int, birth_date text, sex int, postcode text, house_number text, house_suffix text);
INSERT INTO rec VALUES
  (1, '07-03-1950', 2, '1234 ab', '12', ' -a'),  -- NHR date form, postcode with a blank
  (2, '1950-03-07', 2, '1234AB', '0012', 'A'),   -- ISO date form, leading zeros
  (3, '03-07-1950', 2, '1234AB', NULL, NULL),    -- day and month of 1 swapped
  (4, '31-02-1950', -1, '0000', '-1', NULL),     -- no such date, sex unknown, abroad
  (5, '07/03/1950', 1, '1234 SA', 'a', NULL),    -- slashes; SA is never used; no number
  (6, NULL, NULL, NULL, NULL, NULL),             -- nothing
  (7, '13-03-1950', 2, '-1', '7', NULL),         -- a day that cannot be a month
  (8, '03-03-1950', 2, '9999ZZ', '1', NULL);     -- day equal to month: no swapped twin; no suffix

SELECT r.id, e.rule_id, e.normalised, e.outcome
FROM rec r, blocking_explain('nl', r) e ORDER BY r.id, e.rule_id;

-- Known answers: the key construction is fixed (SipHash-2-4 with a published
-- key), so these values are the same on every platform and every release.
SELECT blocking_keys('nl', r) FROM rec r WHERE id = 1;
SELECT blocking_keys('nl', r, probe => true) FROM rec r WHERE id = 1;

-- Equal normalised values give equal keys: 1 and 2 differ only in spelling.
SELECT (SELECT blocking_keys('nl', r) FROM rec r WHERE id = 1)::text
     = (SELECT blocking_keys('nl', r) FROM rec r WHERE id = 2)::text AS spelling_does_not_matter;
-- The swapped record finds its original through rule 4 only (and the rules
-- without day and month), and the original is found by the swapped probe.
SELECT shared_keys(p.k, t.k) AS shared, (SELECT array_agg(DISTINCT blocking_key_rule(x))
                                          FROM unnest((p.k)::bigint[]) x
                                          WHERE x = ANY ((t.k)::bigint[])) AS rules
FROM (SELECT blocking_keys('nl', r, true) AS k FROM rec r WHERE id = 3) p,
     (SELECT blocking_keys('nl', r) AS k FROM rec r WHERE id = 1) t;
-- Keys of one rule start with its id; keys of different rules never meet.
SELECT array_agg(blocking_key_rule(k) ORDER BY k) FROM rec r, unnest(blocking_keys('nl', r)::bigint[]) k
WHERE r.id = 1;
-- The high 16 bits after the rule id sort like the rule's first part.
SELECT (k >> 40) & 65535 AS days_since_1900, to_char(date '1900-01-01' + ((k >> 40) & 65535)::int, 'YYYY-MM-DD') AS birth_date
FROM rec r, unnest(blocking_keys('nl', r)::bigint[]) k WHERE r.id = 1 AND blocking_key_rule(k) = 1;
-- Records without values have an empty key set, not NULL.
SELECT id, blocking_keys('nl', r) FROM rec r WHERE id IN (4, 6) ORDER BY id;
SELECT blocking_keys('nl', NULL::rec) IS NULL AS null_record;

-- Typed fields: date, timestamp, integer house numbers, varchar postcodes;
-- the same values give the same keys as the text forms.
CREATE TABLE rec_typed (birth_date date, sex smallint, postcode varchar(7), house_number int, house_suffix char(1));
INSERT INTO rec_typed VALUES ('1950-03-07', 2, '1234AB', 12, 'A');
SELECT (SELECT blocking_keys('nl', t) FROM rec_typed t)::text
     = (SELECT blocking_keys('nl', r) FROM rec r WHERE id = 1)::text AS typed_equals_text;
SELECT blocking_keys('nl', x)::text = (SELECT blocking_keys('nl', r) FROM rec r WHERE id = 1)::text AS timestamp_field
FROM (SELECT timestamp '1950-03-07 13:45' AS birth_date, 'V'::text AS sex, '1234ab'::text AS postcode,
             ' 12 '::text AS house_number, 'A'::text AS house_suffix) x;
SELECT blocking_keys('nl', x) FROM (SELECT date 'infinity' AS birth_date, 1 AS sex,
                                           NULL::text AS postcode, NULL::text AS house_number,
                                           NULL::text AS house_suffix) x;
-- Sex codes.
SELECT s, (SELECT normalised FROM blocking_explain('nl', x) WHERE rule_id = 1)
FROM unnest(ARRAY['1', 'M', 'man', 'male', '2', 'v', 'F', 'vrouw', 'female', '-1', '0', 'X', '']) s,
     LATERAL (SELECT date '1950-01-01' AS birth_date, s AS sex, NULL::text AS postcode,
                     NULL::text AS house_number, NULL::text AS house_suffix) x;

-- House number suffixes: case, blanks and separators do not matter, and a
-- missing suffix is the empty one (a house without a suffix has its key).
SELECT v.house_number, v.house_suffix, e.normalised, e.outcome
FROM (VALUES ('12', 'a'), ('12', ' - A '), ('12', 'H'), ('12', '2 hoog'), ('12', NULL), ('12', ''),
             ('12', 'abcdefghijklmnopq'), (NULL, 'A')) v(house_number, house_suffix),
     LATERAL (SELECT date '1950-01-01' AS birth_date, 1 AS sex, '1234AB'::text AS postcode,
                     v.house_number, v.house_suffix) r,
     blocking_explain('nl', r) e
WHERE e.rule_id = 6;
-- Without a suffix field, the rule set leaves the suffix out.
SELECT rule_id, parts FROM add_dutch_blocking_rules('nl_nosuffix', house_suffix => NULL) WHERE rule_id = 6;

-- Other transforms: text, postcode4 of a four-digit postcode.
INSERT INTO blocking_rule (model, rule_id, name, parts)
VALUES ('names', 1, 'surname_postcode4', ARRAY['text(surname)', 'postcode4(pc)']);
SELECT e.normalised, e.outcome
FROM (VALUES ('  de   Vries ', '1234'), ('DE VRIES', '1234 AB'), ('', '1234'), ('x', '0123'), ('x', '12345')) v(surname, pc),
     blocking_explain('names', v) e;
SELECT blocking_keys('names', v1)::text = blocking_keys('names', v2)::text AS same_key
FROM (SELECT '  de   Vries '::text AS surname, '1234'::text AS pc) v1,
     (SELECT 'DE VRIES'::text AS surname, '1234 AB'::text AS pc) v2;

-- Disabled rules make no keys.
UPDATE blocking_rule SET enabled = false WHERE model = 'names';
SELECT blocking_keys('names', v) FROM (SELECT 'x'::text AS surname, '1234'::text AS pc) v;
UPDATE blocking_rule SET enabled = true WHERE model = 'names';

-- Known answers (test/kat/blocking_reference.py, written from the key
-- layout in blocking.c): the register's stored key sets stay valid only
-- while every record gets exactly these keys.  Typed fields with a missing
-- suffix and one to normalise; text fields on the probe side, which swaps
-- day and month.
SELECT r.house_suffix, blocking_keys('nl', r)::text = e.expected AS known_answer
FROM (VALUES (date '1950-03-07', 2, '1234 ab', 12, NULL::text,
              '{014797430bff5ee0,02475611a15010d2,0347970288f3ab64,044797fcb195b51f,05004442eaf6e2dc,061cec37d75831fb}'),
             (date '1961-11-05', 1, '9711bc', 300, 'a',
              '{01583cb1d2ca1b3e,025708d0a0e550e7,03583c1b75f3cce7,04583ce7402a381c,05013a5b9ba211a2,06e39af264935e63}'))
         e(birth_date, sex, postcode, house_number, house_suffix, expected),
     LATERAL (SELECT e.birth_date, e.sex, e.postcode, e.house_number, e.house_suffix) r;
SELECT blocking_keys('nl', r, true)::text =
       '{01583cb1d2ca1b3e,025708d0a0e550e7,03583c1b75f3cce7,04578a516e23e106,05013a5b9ba211a2,06e39af264935e63}'
       AS known_answer_probe
FROM (SELECT '05-11-1961'::text AS birth_date, '1'::text AS sex, '9711 BC'::text AS postcode,
             '0300'::text AS house_number, ' -A'::text AS house_suffix) r;

-- Errors.
SELECT blocking_keys('nope', r) FROM rec r WHERE id = 1;
SELECT blocking_keys('nl', x) FROM (SELECT date '1950-01-01' AS dob, 1 AS sex) x;
SELECT blocking_keys('nl', x) FROM (SELECT 19500101 AS birth_date, 1 AS sex, 'x'::text AS postcode,
                                           'x'::text AS house_number) x;
SELECT blocking_keys('nl', x) FROM (SELECT timestamptz '1950-01-01' AS birth_date, 1 AS sex,
                                           'x'::text AS postcode, 'x'::text AS house_number) x;

-- The model can change from row to row, and rule changes are seen by the
-- next statement of the same transaction.
SELECT m, key_count(blocking_keys(m, r)) FROM rec r, unnest(ARRAY['nl', 'nl_nhr']) m
WHERE r.id = 1 AND m = 'nl'
UNION ALL
SELECT m, key_count(blocking_keys(m, x)) FROM unnest(ARRAY['nl_nhr']) m,
    (SELECT '07-03-1950'::text AS geboortedatum, 2 AS geslacht, '1234AB'::text AS pc, '12'::text AS huisnummer,
            NULL::text AS toevoeging) x;
CREATE FUNCTION count_keys_twice() RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
    r rec;
    a int;
    b int;
BEGIN
    SELECT * INTO r FROM rec WHERE id = 1;
    a := key_count(blocking_keys('nl', r));
    UPDATE blocking_rule SET enabled = false WHERE model = 'nl' AND rule_id = 6;
    b := key_count(blocking_keys('nl', r));
    UPDATE blocking_rule SET enabled = true WHERE model = 'nl' AND rule_id = 6;
    RETURN ARRAY[a, b];
END
$$;
SELECT count_keys_twice();
DROP FUNCTION count_keys_twice();

-- The stop list: a stopped key is left out of every key set built afterwards.
INSERT INTO blocking_stop_key (model, key, block_size)
SELECT 'nl', k, 1234 FROM rec r, unnest(blocking_keys('nl', r)::bigint[]) k
WHERE r.id = 1 AND blocking_key_rule(k) = 2;
SELECT rule_id, block_size FROM blocking_stop_key;
SELECT rule_id, outcome FROM rec r, blocking_explain('nl', r) e WHERE r.id = 1 AND e.rule_id IN (1, 2);
SELECT key_count(blocking_keys('nl', r)) FROM rec r WHERE id = 1;
DELETE FROM blocking_stop_key;
INSERT INTO blocking_stop_key (model, key, block_size, stopped_at, stopped_by)
VALUES ('nl', 1, 0, '2024-01-01 00:00+00', 'someone');

-- The tables are configuration that pg_dump keeps.
SELECT array_agg(c ORDER BY c::text) FROM pg_extension, unnest(extconfig::regclass[]) AS c
WHERE extname = 'pseudolink' AND c::text LIKE 'blocking%';

DROP TABLE rec, rec_typed;
DELETE FROM blocking_rule WHERE model IN ('nl_nhr', 'nl_nosuffix', 'names');
