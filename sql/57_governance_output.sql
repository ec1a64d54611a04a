-- Output control: cells below the minimum count come out as null.
\set SHOW_CONTEXT never

SELECT pseudolink.min_cell_count();
SELECT n, pseudolink.suppress(n) AS shown, pseudolink.suppress(n, 15) AS stricter
FROM unnest(ARRAY[0, 1, 9, 10, 14, 15, 1000]::bigint[]) n;
SELECT pseudolink.suppress(NULL), pseudolink.suppress(12, NULL);
SELECT pseudolink.suppress(50, 5);

-- The aggregate: rows, non-null values or (with DISTINCT) units per cell.
SELECT g % 3 AS cell, count(*) AS n, pseudolink.safe_count(*) AS rows,
       pseudolink.safe_count(DISTINCT g % 7) AS distinct_values
FROM generate_series(1, 40) g GROUP BY 1 ORDER BY 1;
SELECT pseudolink.safe_count(x) FROM (VALUES (1), (NULL), (2)) v(x);
SELECT pseudolink.safe_count(x) FROM generate_series(1, 0) x;

-- Only the admin sets the minimum; a researcher cannot lower it.
SET ROLE regress_gov_res1;
SELECT pseudolink.set_min_cell_count(1);
SELECT pseudolink.suppress(3, 1);
SELECT pseudolink.suppress(30);
RESET ROLE;
SET ROLE regress_gov_admin;
\set VERBOSITY terse
SELECT pseudolink.set_min_cell_count(0);
\set VERBOSITY default
SELECT pseudolink.set_min_cell_count(5);
SELECT pseudolink.suppress(7) AS seven_shown, pseudolink.min_cell_count();
SELECT pseudolink.set_min_cell_count(10);
RESET ROLE;
-- Session settings do not change it.
SET pseudolink.min_cell_count = 1;
SELECT pseudolink.suppress(9);
