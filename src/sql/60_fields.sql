-- Validation of the other fields of register rows and registry records
-- (src/fields.c): dates of events and address periods, house numbers and
-- suffixes, and the clinical variables of a record.  Like the functions of
-- 10_normalise.sql, each parse_* function raises an error naming the
-- rule broken and each *_problem function returns that rule (NULL when the
-- value is fine); no message repeats the value.
--
-- Pure functions of their input: IMMUTABLE.  Granted to the roles that
-- handle identifiers: the steward, and the registry to check its uploads.

CREATE FUNCTION pseudolink.parse_date(value text)
RETURNS date
AS 'MODULE_PATHNAME', 'pseudolink_parse_date'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.parse_date(text) IS
    'a date written DD-MM-YYYY (NHR, also D-M-YYYY) or YYYY-MM-DD (ISO), year 1850-2099; an error naming the rule broken otherwise';

CREATE FUNCTION pseudolink.date_problem(value text)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_date_problem'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.date_problem(text) IS
    'the rule a date breaks, as a sentence, or NULL when parse_date accepts it';

CREATE FUNCTION pseudolink.parse_house_number(house_number text)
RETURNS integer
AS 'MODULE_PATHNAME', 'pseudolink_parse_house_number'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.parse_house_number(text) IS
    'a house number 1-99999 (blanks and leading zeros ignored); NULL when empty; an error otherwise';

CREATE FUNCTION pseudolink.house_number_problem(house_number text)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_house_number_problem'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.house_number_problem(text) IS
    'the rule a house number breaks, as a sentence, or NULL when parse_house_number accepts it';

CREATE FUNCTION pseudolink.parse_house_suffix(house_suffix text)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_parse_house_suffix'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.parse_house_suffix(text) IS
    'a house number suffix in upper case without blanks, ''-'', ''/'' and ''.'' (as the house_suffix blocking transform), at most 16 letters and digits; NULL when empty; an error otherwise';

CREATE FUNCTION pseudolink.house_suffix_problem(house_suffix text)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_house_suffix_problem'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.house_suffix_problem(text) IS
    'the rule a house number suffix breaks, as a sentence, or NULL when parse_house_suffix accepts it';

CREATE FUNCTION pseudolink.variables_problem(variables text)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_variables_problem'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.variables_problem(text) IS
    'why a text is not a JSON object that jsonb accepts (at most 65536 bytes), as a sentence, or NULL when it is one';

REVOKE ALL ON FUNCTION
    pseudolink.parse_date(text), pseudolink.date_problem(text),
    pseudolink.parse_house_number(text), pseudolink.house_number_problem(text),
    pseudolink.parse_house_suffix(text), pseudolink.house_suffix_problem(text),
    pseudolink.variables_problem(text)
FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
    pseudolink.parse_date(text), pseudolink.date_problem(text),
    pseudolink.parse_house_number(text), pseudolink.house_number_problem(text),
    pseudolink.parse_house_suffix(text), pseudolink.house_suffix_problem(text),
    pseudolink.variables_problem(text)
TO pseudolink_steward, pseudolink_registry;
