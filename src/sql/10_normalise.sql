-- Normalisation of Dutch identifiers (src/normalise.c): postcode, sex and
-- birth date in the one form that linkage and pseudonyms agree on.  Each
-- normalise_* function raises an error naming the rule that the input
-- breaks; each *_problem function returns that rule instead (NULL when the
-- input is fine), for validating a whole upload without stopping at the
-- first bad row.  None of them ever repeats the input in a message.
--
-- Pure functions of their input: IMMUTABLE, so they fit generated columns
-- and index expressions.  Only the roles that handle identifiers get them.

CREATE FUNCTION pseudolink.normalise_postcode(postcode text)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_normalise_postcode'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.normalise_postcode(text) IS
    'Dutch postcode as 1234AB (case and spaces ignored); ''0000'' for the NHR code abroad; NULL for the NHR code -1 (unknown); an error naming the rule broken otherwise';

CREATE FUNCTION pseudolink.postcode_problem(postcode text)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_postcode_problem'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.postcode_problem(text) IS
    'the rule a postcode breaks, as a sentence, or NULL when normalise_postcode accepts it';

CREATE FUNCTION pseudolink.normalise_sex(sex text)
RETURNS smallint
AS 'MODULE_PATHNAME', 'pseudolink_normalise_sex'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.normalise_sex(text) IS
    'sex as the NHR/CBS code 1 (man) or 2 (woman) from 1/2, M/V/F, man/vrouw, male/female; NULL for unknown (-1, 0, 9, O, U, onbekend, unknown); an error otherwise';

CREATE FUNCTION pseudolink.sex_problem(sex text)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_sex_problem'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.sex_problem(text) IS
    'the rule a sex code breaks, as a sentence, or NULL when normalise_sex accepts it';

CREATE FUNCTION pseudolink.normalise_birth_date(birth_date text)
RETURNS date
AS 'MODULE_PATHNAME', 'pseudolink_normalise_birth_date'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.normalise_birth_date(text) IS
    'birth date written DD-MM-YYYY (NHR, also D-M-YYYY) or YYYY-MM-DD (ISO), year 1850-2099; an error naming the rule broken otherwise';

CREATE FUNCTION pseudolink.birth_date_problem(birth_date text)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_birth_date_problem'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.birth_date_problem(text) IS
    'the rule a birth date breaks, as a sentence, or NULL when normalise_birth_date accepts it';

REVOKE ALL ON FUNCTION
    pseudolink.normalise_postcode(text), pseudolink.postcode_problem(text),
    pseudolink.normalise_sex(text), pseudolink.sex_problem(text),
    pseudolink.normalise_birth_date(text), pseudolink.birth_date_problem(text)
FROM PUBLIC;

-- The steward handles identifiers; the registry validates its own uploads.
GRANT EXECUTE ON FUNCTION
    pseudolink.normalise_postcode(text), pseudolink.postcode_problem(text),
    pseudolink.normalise_sex(text), pseudolink.sex_problem(text),
    pseudolink.normalise_birth_date(text), pseudolink.birth_date_problem(text)
TO pseudolink_steward, pseudolink_registry;
