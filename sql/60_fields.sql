-- Fields of register rows and registry records besides the identifiers:
-- dates, house numbers and suffixes, the clinical variables.
SET search_path = pseudolink, public;
SET datestyle = 'ISO, DMY';

-- Dates: DD-MM-YYYY as the NHR writes them, D-M-YYYY, ISO.
SELECT input, parse_date(input), date_problem(input)
FROM (VALUES ('03-05-2022'), ('3-5-2022'), ('2022-05-03'), (' 29-02-2024 '), ('01-01-1850'),
             ('2099-12-31')) AS t(input);
-- Every rule a date can break, as a sentence, never with the value.
SELECT input, date_problem(input)
FROM (VALUES (''), ('  '), ('03/05/2022'), ('03-05-22'), ('2022-5-3'), ('003-05-2022'), ('20220503'),
             ('03-13-2022'), ('00-05-2022'), ('31-04-2022'), ('29-02-2023'), ('31-12-1849'),
             ('2100-01-01'), ('03-05-2022x')) AS t(input);
SELECT parse_date('');
SELECT parse_date('03/05/2022');
SELECT parse_date('31-04-2022');
SELECT parse_date('03-13-2022');
SELECT parse_date('01-01-1800');
SELECT parse_date(NULL) IS NULL AS null_gives_null;

-- House numbers: 1-99999, blanks and leading zeros ignored, empty is none.
SELECT input, parse_house_number(input), house_number_problem(input)
FROM (VALUES ('12'), (' 7 '), ('0012'), ('99999'), ('000000001'), (''), ('   ')) AS t(input);
SELECT input, house_number_problem(input)
FROM (VALUES ('0'), ('100000'), ('12a'), ('12-14'), ('-3'), ('1 2'), ('twaalf')) AS t(input);
SELECT parse_house_number('12a');
SELECT parse_house_number(NULL) IS NULL AS null_gives_null;

-- Suffixes: upper case, without blanks, '-', '/' and '.', as the
-- house_suffix blocking transform writes them; empty is none.
SELECT input, parse_house_suffix(input), house_suffix_problem(input)
FROM (VALUES ('a'), (' -A '), ('bis'), ('2 hg'), ('II'), ('a/b'), ('1234567890123456'), (''),
             (' - ')) AS t(input);
SELECT input, house_suffix_problem(input)
FROM (VALUES ('12345678901234567'), ('ä'), ('a+b'), ('#1')) AS t(input);
SELECT parse_house_suffix('ä');
SELECT parse_house_suffix('12345678901234567');
SELECT parse_house_suffix(NULL) IS NULL AS null_gives_null;

-- The suffix agrees with the blocking transform: the keys of a suffix as
-- given and as parsed are the same.
SELECT count(*) FROM add_dutch_blocking_rules('fields_check');
SELECT s, blocking_keys('fields_check', r)::text = blocking_keys('fields_check', q)::text AS same_keys
FROM (VALUES (' -a '), ('2 hg'), ('b.i.s')) AS v(s),
     LATERAL (SELECT date '1950-03-07' AS birth_date, 1 AS sex, '1234AB'::text AS postcode,
                     12 AS house_number, v.s AS house_suffix) r,
     LATERAL (SELECT date '1950-03-07' AS birth_date, 1 AS sex, '1234AB'::text AS postcode,
                     12 AS house_number, parse_house_suffix(v.s) AS house_suffix) q;
DELETE FROM blocking_rule WHERE model = 'fields_check';

-- Variables: a JSON object that jsonb accepts, at most 65536 bytes.
SELECT input, variables_problem(input)
FROM (VALUES ('{}'), ('{"stent": 2, "lesions": ["LAD"]}'), ('  {"a": {"b": null}}  '),
             ('[1, 2]'), ('"text"'), ('12'), ('null'), (''), ('{"a": 1'), ('{a: 1}'),
             ('{"a": "\u0000"}'), ('{"a": "\ud800"}'), ('{"a": 1} x')) AS t(input);
SELECT variables_problem('{"a": "' || repeat('x', 65530) || '"}') AS too_long;
SELECT variables_problem('{"a": "' || repeat('x', 65520) || '"}') IS NULL AS long_enough;
SELECT variables_problem(NULL) IS NULL AS null_gives_null;

-- Pure functions: IMMUTABLE, STRICT, PARALLEL SAFE.
SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p WHERE p.pronamespace = 'pseudolink'::regnamespace
  AND p.proname IN ('parse_date', 'date_problem', 'parse_house_number', 'house_number_problem',
                    'parse_house_suffix', 'house_suffix_problem', 'variables_problem')
ORDER BY 1;
RESET datestyle;
RESET search_path;
