-- Comparison levels (C in src/levels.c): how well two values of a field
-- agree, as a small integer.  The convention, shared with the model tables
-- (pseudolink.fs_level): level 0 is "else" (no agreement worth a level), a
-- higher level is a closer agreement, the highest is exact agreement, and
-- NULL means a value is missing (it then adds nothing to the match weight).
-- comparison_labels() gives each function's level table.
--
-- IMMUTABLE and PARALLEL SAFE; compare_house_numbers is not STRICT because
-- a missing suffix is the empty one.  Granted like the string comparators.

CREATE FUNCTION pseudolink.compare_dates(a date, b date)
RETURNS integer
AS 'MODULE_PATHNAME', 'pseudolink_compare_dates'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.compare_dates(date, date) IS
    'agreement level of two dates: 5 exact, 4 day and month swapped, 3 one digit of YYYYMMDD wrong, 2 same year and month, 1 at most 365 days apart, 0 else; NULL when either is NULL';

CREATE FUNCTION pseudolink.compare_postcodes(a text, b text)
RETURNS integer
AS 'MODULE_PATHNAME', 'pseudolink_compare_postcodes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.compare_postcodes(text, text) IS
    'agreement level of two Dutch postcodes (1234AB or 1234 ab; four digits alone compare as the area): 4 exact, 3 letters swapped, 2 one character wrong, 1 same four digits, 0 else; NULL when either is NULL or not a Dutch postcode (0000 abroad, -1 unknown included)';

CREATE FUNCTION pseudolink.compare_house_numbers(number_a integer, suffix_a text, number_b integer, suffix_b text)
RETURNS integer
AS 'MODULE_PATHNAME', 'pseudolink_compare_house_numbers'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.compare_house_numbers(integer, text, integer, text) IS
    'agreement level of two house numbers with suffix: 2 number and suffix equal, 1 same number with another suffix, 0 else; NULL when a number is NULL or below 1. A NULL suffix is the empty one; blanks, -, /, . and letter case in suffixes do not count';

CREATE FUNCTION pseudolink.compare_jaro_winkler(a text, b text, thresholds double precision[] DEFAULT ARRAY[0.92, 0.88])
RETURNS integer
AS 'MODULE_PATHNAME', 'pseudolink_compare_jaro_winkler'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.compare_jaro_winkler(text, text, double precision[]) IS
    'agreement level of two strings by Jaro-Winkler thresholds (high to low): k + 1 equal, k at or above the first of k thresholds, ..., 1 at or above the last, 0 below; NULL when either is NULL';

CREATE FUNCTION pseudolink.comparison_labels(comparator text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE comparator
        WHEN 'compare_dates' THEN ARRAY['else', 'within a year', 'same year and month',
                                        'one digit wrong', 'day and month swapped', 'exact']
        WHEN 'compare_postcodes' THEN ARRAY['else', 'same four digits', 'one character wrong',
                                            'letters swapped', 'exact']
        WHEN 'compare_house_numbers' THEN ARRAY['else', 'same number, other suffix', 'exact']
        WHEN 'compare_jaro_winkler' THEN ARRAY['else', 'Jaro-Winkler >= 0.88', 'Jaro-Winkler >= 0.92', 'exact']
        WHEN 'exact' THEN ARRAY['else', 'exact']
    END
$$;
COMMENT ON FUNCTION pseudolink.comparison_labels(text) IS
    'labels of the levels of a level function, level 0 first: compare_dates, compare_postcodes, compare_house_numbers, compare_jaro_winkler (default thresholds), exact; NULL for another name';

REVOKE ALL ON FUNCTION
    pseudolink.compare_dates(date, date), pseudolink.compare_postcodes(text, text),
    pseudolink.compare_house_numbers(integer, text, integer, text),
    pseudolink.compare_jaro_winkler(text, text, double precision[]),
    pseudolink.comparison_labels(text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.compare_dates(date, date), pseudolink.compare_postcodes(text, text),
    pseudolink.compare_house_numbers(integer, text, integer, text),
    pseudolink.compare_jaro_winkler(text, text, double precision[]),
    pseudolink.comparison_labels(text)
TO pseudolink_admin, pseudolink_steward, pseudolink_researcher;
