-- Normalisation of Dutch identifiers: postcode, sex, birth date.
SET search_path = pseudolink, public;
SET datestyle = 'ISO, DMY';

-- Postcodes: spaces and case do not matter; the NHR codes for no postcode.
SELECT input, normalise_postcode(input), postcode_problem(input)
FROM (VALUES ('1234AB'), ('1234 ab'), ('  1234   Ab '), (E'\t9999zz\n'), ('1011 AA'),
             ('1000 AP'), ('2500 FI'), ('0000'), (' -1 ')) AS t(input);

-- Every rule that a postcode can break, as a sentence, without the value.
SELECT input, postcode_problem(input)
FROM (VALUES (''), ('   '), ('1234'), ('1234A'), ('1234 ABC'), ('123 AB'), ('12345AB'),
             ('1234-AB'), ('AB 1234'), ('1234 A1'), ('1234 ÄB'), ('0123 AB'), ('0000 AB'),
             ('1234 SA'), ('1234 sd'), ('1234SS'), ('-2'), ('00000')) AS t(input);

-- The same rules as errors.
SELECT normalise_postcode('');
SELECT normalise_postcode('1234');
SELECT normalise_postcode('0123 AB');
SELECT normalise_postcode('1234 SS');
SELECT normalise_postcode(NULL) IS NULL AS null_gives_null;

-- Sex: NHR codes, Dutch and English words, any case.
SELECT input, normalise_sex(input), sex_problem(input)
FROM (VALUES ('1'), ('2'), ('-1'), ('M'), ('m'), ('V'), ('F'), ('Man'), ('VROUW'),
             ('male'), ('female'), ('woman'), (' 2 '), ('0'), ('9'), ('O'), ('U'),
             ('onbekend'), ('Unknown')) AS t(input);
SELECT input, sex_problem(input)
FROM (VALUES (''), ('3'), ('X'), ('mannen'), ('ma'), ('-'), ('1 2')) AS t(input);
SELECT normalise_sex('');
SELECT normalise_sex('X');
SELECT normalise_sex(NULL) IS NULL AS null_gives_null;

-- Birth dates: DD-MM-YYYY as the NHR writes them, D-M-YYYY, ISO.
SELECT input, normalise_birth_date(input), birth_date_problem(input)
FROM (VALUES ('07-03-1950'), ('7-3-1950'), ('1950-03-07'), (' 31-12-2001 '),
             ('29-02-2000'), ('01-01-1850'), ('2099-12-31')) AS t(input);
SELECT input, birth_date_problem(input)
FROM (VALUES (''), ('07/03/1950'), ('07-03-50'), ('1950-3-7'), ('007-03-1950'),
             ('07-03-1950x'), ('19500307'), ('07-13-1950'), ('00-03-1950'), ('31-04-1950'),
             ('29-02-1900'), ('31-12-1849'), ('2100-01-01'), ('07-00-1950')) AS t(input);
SELECT normalise_birth_date('');
SELECT normalise_birth_date('07/03/1950');
SELECT normalise_birth_date('31-04-1950');
SELECT normalise_birth_date('07-13-1950');
SELECT normalise_birth_date('01-01-1800');
SELECT normalise_birth_date(NULL) IS NULL AS null_gives_null;

-- Normalisation is pure: IMMUTABLE, so it fits generated columns.
CREATE TABLE normalise_upload (
    postcode_raw text,
    postcode text GENERATED ALWAYS AS (pseudolink.normalise_postcode(postcode_raw)) STORED
);
INSERT INTO normalise_upload (postcode_raw) VALUES ('1234 ab'), ('0000'), ('-1');
SELECT * FROM normalise_upload ORDER BY postcode_raw;
DROP TABLE normalise_upload;
RESET datestyle;
RESET search_path;
