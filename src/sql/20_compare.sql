-- String comparators on characters (C in src/compare.c): Jaro,
-- Jaro-Winkler, Levenshtein and the unrestricted Damerau-Levenshtein
-- distance, the distances also with an upper bound.  Strings are compared
-- as code points of the server encoding (é is one character), exactly (no
-- case or accent folding), and may have at most 1000 characters each.
--
-- Pure functions of their arguments: IMMUTABLE, STRICT, PARALLEL SAFE.
-- They see no data of their own, so every role that scores pairs may use
-- them: admin, steward and researcher (doc/scoring.md, Privileges).

CREATE FUNCTION pseudolink.jaro(a text, b text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'pseudolink_jaro'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.jaro(text, text) IS
    'Jaro similarity of two strings in [0, 1] (1: equal; two empty strings are equal, one empty string is 0), on characters';

CREATE FUNCTION pseudolink.jaro_winkler(a text, b text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'pseudolink_jaro_winkler'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.jaro_winkler(text, text) IS
    'Jaro-Winkler similarity in [0, 1], Winkler''s standard form: common prefix of up to 4 characters, scale 0.1, boost only when Jaro > 0.7';

CREATE FUNCTION pseudolink.levenshtein(a text, b text)
RETURNS integer
AS 'MODULE_PATHNAME', 'pseudolink_levenshtein'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.levenshtein(text, text) IS
    'Levenshtein distance in characters: the fewest insertions, deletions and substitutions that turn a into b';

CREATE FUNCTION pseudolink.levenshtein(a text, b text, max_distance integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'pseudolink_levenshtein_bounded'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.levenshtein(text, text, integer) IS
    'Levenshtein distance when at most max_distance, else max_distance + 1; stops as soon as the bound is certain';

CREATE FUNCTION pseudolink.damerau_levenshtein(a text, b text)
RETURNS integer
AS 'MODULE_PATHNAME', 'pseudolink_damerau_levenshtein'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.damerau_levenshtein(text, text) IS
    'unrestricted Damerau-Levenshtein distance in characters (adjacent transpositions count 1, later edits allowed: CA to ABC is 2)';

CREATE FUNCTION pseudolink.damerau_levenshtein(a text, b text, max_distance integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'pseudolink_damerau_levenshtein_bounded'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.damerau_levenshtein(text, text, integer) IS
    'unrestricted Damerau-Levenshtein distance when at most max_distance, else max_distance + 1; stops as soon as the bound is certain';

REVOKE ALL ON FUNCTION
    pseudolink.jaro(text, text), pseudolink.jaro_winkler(text, text),
    pseudolink.levenshtein(text, text), pseudolink.levenshtein(text, text, integer),
    pseudolink.damerau_levenshtein(text, text), pseudolink.damerau_levenshtein(text, text, integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.jaro(text, text), pseudolink.jaro_winkler(text, text),
    pseudolink.levenshtein(text, text), pseudolink.levenshtein(text, text, integer),
    pseudolink.damerau_levenshtein(text, text), pseudolink.damerau_levenshtein(text, text, integer)
TO pseudolink_admin, pseudolink_steward, pseudolink_researcher;
