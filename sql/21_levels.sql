-- Comparison levels: every level of every level function, missing values,
-- lenient reading of postcodes and suffixes, symmetry, and bad input.
SET search_path = pseudolink, public;

-- The level tables, level 0 first.
SELECT f, comparison_labels(f) FROM (VALUES ('compare_dates'), ('compare_postcodes'),
    ('compare_house_numbers'), ('compare_jaro_winkler'), ('exact'), ('no_such_function')) AS t(f);

-- Dates: the first level that holds, from the top.
SELECT a, b, compare_dates(a, b) AS level, (comparison_labels('compare_dates'))[compare_dates(a, b) + 1] AS label
FROM (VALUES
    (date '1950-03-07', date '1950-03-07'),   -- exact
    ('1950-03-07', '1950-07-03'),             -- day and month swapped
    ('1950-12-01', '1950-01-12'),             -- swapped, and 11 months apart
    ('1950-03-07', '1950-03-01'),             -- one digit of the day
    ('1950-03-07', '1950-08-07'),             -- one digit of the month
    ('1950-03-07', '1960-03-07'),             -- one digit of the year: ten years apart
    ('1950-03-07', '1850-03-07'),             -- the century
    ('1950-03-07', '1950-03-28'),             -- same year and month, two digits
    ('1950-03-07', '1950-11-17'),             -- within a year
    ('1950-03-07', '1951-03-07'),             -- 365 days: one digit, too
    ('1950-12-31', '1951-12-31'),             -- 365 days apart, one digit
    ('1951-06-15', '1952-06-14'),             -- 365 days (1952 is a leap year): within a year
    ('1951-06-15', '1952-06-15'),             -- 366 days, one digit wrong
    ('1951-06-15', '1952-06-16'),             -- 367 days: else
    ('1950-03-07', '1970-07-03'),             -- swapped, other year: else
    ('1950-03-07', 'infinity'),               -- not a birth date
    ('infinity', 'infinity')) AS t(a, b);
SELECT compare_dates(NULL, '1950-03-07') IS NULL AS missing_gives_null;
-- Symmetric, and always a level 0-5.
SELECT setseed(0.5);
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE compare_dates(a, b) <> compare_dates(b, a)) AS not_symmetric,
       count(*) FILTER (WHERE compare_dates(a, b) NOT BETWEEN 0 AND 5) AS out_of_range,
       count(DISTINCT compare_dates(a, b)) AS levels_seen
FROM (SELECT d, CASE WHEN random() < 0.5 THEN d + (random() * 800 - 400)::int
                     ELSE make_date(extract(year FROM d)::int, extract(day FROM d)::int % 12 + 1,
                                    extract(month FROM d)::int) END
      FROM (SELECT date '1920-01-01' + (random() * 30000)::int AS d FROM generate_series(1, 5000)) s) AS t(a, b);

-- Postcodes: normalised or not; four digits alone compare as the area.
SELECT a, b, compare_postcodes(a, b) AS level,
       (comparison_labels('compare_postcodes'))[compare_postcodes(a, b) + 1] AS label
FROM (VALUES
    ('1234AB', '1234AB'), ('1234 ab', ' 1234AB '),   -- exact
    ('1234AB', '1234BA'),                             -- letters swapped
    ('1234AB', '1234AC'), ('1234AB', '1235AB'),       -- one character wrong
    ('1234AB', '2234AB'),
    ('1234AB', '1234CD'),                             -- same four digits
    ('1234AB', '1234'), ('1234', '1234'),
    ('1234AB', '1243AB'),                             -- digits swapped: two characters
    ('1234AB', '9999ZZ'), ('1234', '1235')) AS t(a, b);
-- Not a Dutch postcode: missing, not an error (the NHR codes included).
SELECT a, b, compare_postcodes(a, b) IS NULL AS missing
FROM (VALUES ('1234AB', '0000'), ('1234AB', '-1'), ('1234AB', ''), ('1234AB', '0123AB'),
             ('1234AB', '1234 SA'), ('1234AB', 'ABCDEF'), ('1234AB', '123'), ('1234AB', '12345'),
             (NULL, '1234AB')) AS t(a, b);

-- House numbers with suffix; a NULL suffix is the empty one.
SELECT n1, s1, n2, s2, compare_house_numbers(n1, s1, n2, s2) AS level
FROM (VALUES
    (12, NULL, 12, NULL), (12, 'A', 12, 'a'), (12, '-a', 12, ' A'), (12, 'bis', 12, 'BIS'),
    (12, '', 12, NULL), (12, '2 hoog', 12, '2HOOG'),      -- exact
    (12, 'A', 12, 'B'), (12, NULL, 12, 'A'),               -- same number, other suffix
    (12, 'A', 21, 'A'), (12, NULL, 13, NULL)) AS t(n1, s1, n2, s2);
SELECT compare_house_numbers(NULL, 'A', 12, 'A') IS NULL AS missing_number,
       compare_house_numbers(0, NULL, 0, NULL) IS NULL AS zero_is_missing,
       compare_house_numbers(-1, NULL, 12, NULL) IS NULL AS negative_is_missing;

-- Names by Jaro-Winkler thresholds.
SELECT a, b, round(jaro_winkler(a, b)::numeric, 3) AS jw, compare_jaro_winkler(a, b) AS default_levels,
       compare_jaro_winkler(a, b, ARRAY[0.95, 0.9, 0.8]) AS three_thresholds
FROM (VALUES ('Jansen', 'Jansen'), ('Jansen', 'Janssen'), ('MARTHA', 'MARHTA'), ('DWAYNE', 'DUANE'),
             ('JONES', 'JOHNSON'), ('de Vries', 'Visser')) AS t(a, b);
SELECT compare_jaro_winkler(NULL, 'a') IS NULL AS missing;
SELECT compare_jaro_winkler('a', 'b', ARRAY[0.8, 0.9]);
SELECT compare_jaro_winkler('a', 'b', ARRAY[1.5]);
SELECT compare_jaro_winkler('a', 'b', ARRAY[0.9, NULL]);
SELECT compare_jaro_winkler('a', 'b', '{}');
SELECT compare_jaro_winkler(repeat('a', 1001), 'b');

-- Every level function may run in parallel workers, and is immutable.
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p WHERE p.pronamespace = 'pseudolink'::regnamespace
  AND p.proname IN ('compare_dates', 'compare_postcodes', 'compare_house_numbers', 'compare_jaro_winkler',
                    'jaro', 'jaro_winkler', 'levenshtein', 'damerau_levenshtein')
ORDER BY 1, p.pronargs;
