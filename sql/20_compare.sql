-- String comparators: known answers, properties over generated strings,
-- an independent implementation (fuzzystrmatch) as a cross-check, UTF-8,
-- limits and bad input.
--
-- The reference values come from test/kat/compare_reference.py, written
-- from the published definitions; the C code must agree to the last bit.
SET search_path = pseudolink, public;

-- Winkler's name pairs.  ref_*: the standard definitions (the script);
-- pub_*: Table 2.1 of Winkler's report RR94/05, rounded to three digits.
-- The rows where the published Jaro-Winkler differs (MASSEY/MASSIE,
-- DWAYNE/DUANE, JON/JAN) come from the extra adjustments of Winkler's
-- program (similar characters such as I/Y and W/U) and a table error
-- (J and N of JON/JAN agree in place); doc/scoring.md discusses them.
CREATE TEMP TABLE winkler (a text, b text, ref_jaro float8, ref_jw float8, pub_jaro numeric, pub_jw numeric);
INSERT INTO winkler VALUES
    ('SHACKLEFORD', 'SHACKELFORD', 0.9696969696969697, 0.9818181818181818, 0.970, 0.982),
    ('DUNNINGHAM', 'CUNNIGHAM', 0.8962962962962964, 0.8962962962962964, 0.896, 0.896),
    ('NICHLESON', 'NICHULSON', 0.9259259259259259, 0.9555555555555556, 0.926, 0.956),
    ('JONES', 'JOHNSON', 0.7904761904761904, 0.8323809523809523, 0.790, 0.832),
    ('MASSEY', 'MASSIE', 0.888888888888889, 0.9333333333333333, 0.889, 0.944),
    ('ABROMS', 'ABRAMS', 0.888888888888889, 0.9222222222222223, 0.889, 0.922),
    ('HARDIN', 'MARTINEZ', 0.7222222222222222, 0.7222222222222222, 0.722, 0.722),
    ('ITMAN', 'SMITH', 0.4666666666666666, 0.4666666666666666, 0.467, 0.467),
    ('JERALDINE', 'GERALDINE', 0.9259259259259259, 0.9259259259259259, 0.926, 0.926),
    ('MARHTA', 'MARTHA', 0.9444444444444445, 0.9611111111111111, 0.944, 0.961),
    ('MICHELLE', 'MICHAEL', 0.8690476190476191, 0.9214285714285715, 0.869, 0.921),
    ('JULIES', 'JULIUS', 0.888888888888889, 0.9333333333333333, 0.889, 0.933),
    ('TANYA', 'TONYA', 0.8666666666666667, 0.88, 0.867, 0.880),
    ('DWAYNE', 'DUANE', 0.8222222222222223, 0.8400000000000001, 0.822, 0.858),
    ('SEAN', 'SUSAN', 0.7833333333333333, 0.8049999999999999, 0.783, 0.805),
    ('JON', 'JOHN', 0.9166666666666666, 0.9333333333333333, 0.917, 0.933),
    ('JON', 'JAN', 0.7777777777777777, 0.7999999999999999, 0.000, 0.000);
SELECT a, b, round(jaro(a, b)::numeric, 3) AS jaro, round(jaro_winkler(a, b)::numeric, 3) AS jaro_winkler,
       jaro(a, b) = ref_jaro AND jaro_winkler(a, b) = ref_jw AS standard,
       pub_jaro, pub_jw,
       round(jaro(a, b)::numeric, 3) = pub_jaro AND round(jaro_winkler(a, b)::numeric, 3) = pub_jw AS as_published
FROM winkler;
-- Symmetric: the same values with the names exchanged.
SELECT count(*) AS pairs, count(*) FILTER (WHERE jaro(b, a) = ref_jaro AND jaro_winkler(b, a) = ref_jw) AS same_reversed
FROM winkler;

-- Textbook edit distances, the unrestricted Damerau distance against the
-- optimal string alignment (OSA, restricted) distance, and UTF-8 cases:
-- a character with a diacritic is one character; the ligature ĳ is one
-- character, not the two of ij.
CREATE TEMP TABLE edits (a text, b text, lev int, dl int, osa int, ref_jaro float8, ref_jw float8);
INSERT INTO edits VALUES
    ('kitten', 'sitting', 3, 3, 3, 0.746031746031746, 0.746031746031746),
    ('flaw', 'lawn', 2, 2, 2, 0.8333333333333334, 0.8333333333333334),
    ('saturday', 'sunday', 3, 3, 3, 0.7527777777777779, 0.7775000000000001),
    ('sunday', 'saturday', 3, 3, 3, 0.7527777777777779, 0.7775000000000001),
    ('book', 'back', 2, 2, 2, 0.6666666666666666, 0.6666666666666666),
    ('intention', 'execution', 5, 5, 5, 0.6370370370370371, 0.6370370370370371),
    ('gumbo', 'gambol', 2, 2, 2, 0.8222222222222223, 0.8400000000000001),
    ('', 'abc', 3, 3, 3, 0.0, 0.0),
    ('abc', '', 3, 3, 3, 0.0, 0.0),
    ('', '', 0, 0, 0, 1.0, 1.0),
    ('CA', 'ABC', 3, 2, 3, 0.0, 0.0),
    ('ABC', 'CA', 3, 2, 3, 0.0, 0.0),
    ('ab', 'ba', 2, 1, 1, 0.0, 0.0),
    ('abcdef', 'badcfe', 4, 3, 3, 0.8333333333333334, 0.8333333333333334),
    ('a cat', 'an act', 3, 2, 2, 0.8777777777777779, 0.8900000000000001),
    ('Jansen', 'Janssen', 1, 1, 1, 0.9523809523809524, 0.9714285714285714),
    ('de Vries', 'de Vires', 2, 1, 1, 0.9583333333333334, 0.975),
    ('Müller', 'Muller', 1, 1, 1, 0.888888888888889, 0.9),
    ('café', 'cafe', 1, 1, 1, 0.8333333333333334, 0.8833333333333334),
    ('Gödel', 'Goedel', 2, 2, 2, 0.7388888888888889, 0.765),
    ('ĳzer', 'ijzer', 2, 2, 2, 0.7833333333333333, 0.7833333333333333),
    ('Ĳsselmeer', 'IJsselmeer', 2, 2, 2, 0.8962962962962964, 0.8962962962962964),
    ('Zoë', 'Zoe', 1, 1, 1, 0.7777777777777777, 0.8222222222222222),
    ('Çelik', 'Celik', 1, 1, 1, 0.8666666666666667, 0.8666666666666667),
    ('éé', 'ee', 2, 2, 2, 0.0, 0.0);
SELECT a, b, levenshtein(a, b) AS levenshtein, damerau_levenshtein(a, b) AS damerau, osa,
       levenshtein(a, b) = lev AND damerau_levenshtein(a, b) = dl AS distances_agree,
       jaro(a, b) = ref_jaro AND jaro_winkler(a, b) = ref_jw AS similarities_agree
FROM edits;

-- Bounded distances: the distance up to the bound, the bound + 1 beyond it.
SELECT a, b, levenshtein(a, b, 0) AS l0, levenshtein(a, b, 1) AS l1, levenshtein(a, b, 2) AS l2,
       damerau_levenshtein(a, b, 0) AS d0, damerau_levenshtein(a, b, 1) AS d1, damerau_levenshtein(a, b, 2) AS d2
FROM edits WHERE a IN ('kitten', 'CA', 'ab', '', 'Müller');

-- Properties over generated strings.  Short strings over a four-letter
-- alphabet, with é in two triples of three and ASCII only in the third (so
-- that transpositions and repeats are common and both the byte and the
-- character paths run), and longer ones (up to 150 characters) for the
-- paths beyond one 64-bit word.
SELECT setseed(0.2024);
CREATE TEMP TABLE gen AS
SELECT i,
       (SELECT string_agg(substr(x.alphabet, 1 + floor(random() * 4)::int, 1), '')
        FROM generate_series(1, n1), LATERAL (SELECT g.alphabet) x WHERE i > 0) AS a,
       (SELECT string_agg(substr(x.alphabet, 1 + floor(random() * 4)::int, 1), '')
        FROM generate_series(1, n2), LATERAL (SELECT g.alphabet) x WHERE i > 0) AS b,
       (SELECT string_agg(substr(x.alphabet, 1 + floor(random() * 4)::int, 1), '')
        FROM generate_series(1, n3), LATERAL (SELECT g.alphabet) x WHERE i > 0) AS c
FROM (SELECT i, CASE WHEN i % 3 = 0 THEN 'abcd' ELSE 'abcé' END AS alphabet,
             CASE WHEN i % 10 = 0 THEN 60 + floor(random() * 90)::int ELSE floor(random() * 10)::int END AS n1,
             CASE WHEN i % 10 = 0 THEN 60 + floor(random() * 90)::int ELSE floor(random() * 10)::int END AS n2,
             CASE WHEN i % 10 = 0 THEN 60 + floor(random() * 90)::int ELSE floor(random() * 10)::int END AS n3
      FROM generate_series(1, 3000) i) g;
UPDATE gen SET a = coalesce(a, ''), b = coalesce(b, ''), c = coalesce(c, '');
SELECT count(*) AS triples, count(*) FILTER (WHERE length(a) > 64) AS long_strings,
       count(*) FILTER (WHERE length(a) > 64 AND a !~ 'é') AS long_ascii,
       count(*) FILTER (WHERE a ~ 'é') AS with_e_acute FROM gen;
SELECT
    count(*) FILTER (WHERE jaro(a, b) <> jaro(b, a) OR jaro_winkler(a, b) <> jaro_winkler(b, a)
                        OR levenshtein(a, b) <> levenshtein(b, a)
                        OR damerau_levenshtein(a, b) <> damerau_levenshtein(b, a)) AS not_symmetric,
    count(*) FILTER (WHERE jaro(a, a) <> 1 OR jaro_winkler(a, a) <> 1
                        OR levenshtein(a, a) <> 0 OR damerau_levenshtein(a, a) <> 0) AS not_identity,
    count(*) FILTER (WHERE NOT (0 <= jaro(a, b) AND jaro(a, b) <= jaro_winkler(a, b) AND jaro_winkler(a, b) <= 1))
        AS outside_bounds,
    count(*) FILTER (WHERE (a <> b) <> (levenshtein(a, b) > 0) OR (a <> b) <> (jaro_winkler(a, b) < 1))
        AS zero_not_equal,
    count(*) FILTER (WHERE NOT (abs(length(a) - length(b)) <= damerau_levenshtein(a, b)
                               AND damerau_levenshtein(a, b) <= levenshtein(a, b)
                               AND levenshtein(a, b) <= greatest(length(a), length(b))))
        AS distance_bounds,
    count(*) FILTER (WHERE levenshtein(a, c) > levenshtein(a, b) + levenshtein(b, c)
                        OR damerau_levenshtein(a, c) > damerau_levenshtein(a, b) + damerau_levenshtein(b, c))
        AS not_triangle
FROM gen;
-- The bounded forms are the full distance capped at max + 1, for every bound.
SELECT count(*) AS checks,
       count(*) FILTER (WHERE levenshtein(a, b, k) <> least(levenshtein(a, b), k + 1)) AS levenshtein_differs,
       count(*) FILTER (WHERE damerau_levenshtein(a, b, k) <> least(damerau_levenshtein(a, b), k + 1)) AS damerau_differs
FROM gen, generate_series(0, 6) k;
-- Jaro-Winkler from Jaro by Winkler's formula (prefix <= 4, scale 0.1, boost above 0.7).
SELECT count(*) FILTER (WHERE jaro_winkler(a, b) <> CASE WHEN jaro(a, b) > 0.7
           THEN jaro(a, b) + p::float8 * 0.1::float8 * (1::float8 - jaro(a, b)) ELSE jaro(a, b) END) AS winkler_formula_differs
FROM gen, LATERAL (SELECT count(*) AS p FROM generate_series(1, least(4, length(a), length(b))) k
                   WHERE left(a, k) = left(b, k)) pre;

-- An independent implementation: fuzzystrmatch's levenshtein (multibyte
-- aware, at most 255 characters) on the same strings.
CREATE SCHEMA fsm;
CREATE EXTENSION fuzzystrmatch SCHEMA fsm;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE pseudolink.levenshtein(a, b) <> fsm.levenshtein(a, b)) AS differs_from_fuzzystrmatch,
       count(*) FILTER (WHERE pseudolink.levenshtein(a, b, 3) <> least(fsm.levenshtein_less_equal(a, b, 3), 4))
           AS bounded_differs
FROM gen;
DROP SCHEMA fsm CASCADE;

-- NULL in, NULL out; empty strings are strings.
SELECT jaro(NULL, 'a') IS NULL AS jaro_null, jaro_winkler('a', NULL) IS NULL AS jw_null,
       levenshtein(NULL, 'a') IS NULL AS lev_null, levenshtein('a', 'b', NULL) IS NULL AS bounded_null,
       damerau_levenshtein(NULL, NULL) IS NULL AS dl_null;
SELECT jaro('', '') AS both_empty, jaro('', 'a') AS one_empty, levenshtein('', 'abc') AS lev_empty,
       damerau_levenshtein('abc', '', 1) AS bounded_empty;

-- The length limit: 1000 characters per string, counted in characters.
SELECT levenshtein(repeat('é', 1000), repeat('e', 1000), 5) AS limit_in_characters,
       jaro(repeat('ab', 500), repeat('ba', 500)) > 0 AS at_the_limit;
SELECT jaro(repeat('a', 1001), 'a');
SELECT jaro_winkler('a', repeat('é', 1001));
SELECT levenshtein(repeat('é', 5000), 'a');
SELECT damerau_levenshtein(repeat('x', 2000), repeat('x', 2000));
SELECT levenshtein('a', 'b', -1);
SELECT damerau_levenshtein('a', 'b', -5);
-- A bound above the limit is no bound.
SELECT levenshtein('abc', 'xyz', 2147483647) AS huge_bound;

-- The error codes.
CREATE FUNCTION pg_temp.error_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
SELECT q, pg_temp.error_of(q) FROM (VALUES
    ('SELECT pseudolink.jaro(repeat(''a'', 1001), ''a'')'),
    ('SELECT pseudolink.levenshtein(repeat(''é'', 5000), ''a'')'),
    ('SELECT pseudolink.levenshtein(''a'', ''b'', -1)')) AS t(q);
