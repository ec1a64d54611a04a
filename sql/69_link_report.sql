-- The quality report: counts per status beside De Bruin et al. 2004, the
-- match-weight histogram, precision/recall/F1 against ground truth, and the
-- SVG picture of both.
SET search_path = pseudolink, public;
-- Bad input is shown as its SQLSTATE and message.
CREATE FUNCTION pg_temp.fails(statement text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE c text; m text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS c = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
    RETURN c || ': ' || m;
END $f$;
SELECT upload_id AS upload FROM upload WHERE registry = 'CABG' AND batch_id = '2022' \gset

SELECT * FROM link_report(:upload);
SELECT weight_from, weight_to, records, "unique", multiple, review, "none", bar FROM link_histogram(:upload, 5, 20);
SELECT records, linkable, linked, linked_right, linked_wrong, round("precision"::numeric, 3) AS "precision",
       round(recall::numeric, 3) AS recall, round(f1::numeric, 3) AS f1
FROM link_quality(:upload, $$SELECT record_no, true_person_id FROM public.link_extract$$);
-- The picture: one SVG document, a bar per status and bin, the thresholds marked, no identifiers.
CREATE TEMP TABLE svg AS SELECT link_report_svg(:upload) AS doc;
SELECT doc LIKE '<svg xmlns="http://www.w3.org/2000/svg"%</svg>' AS is_svg,
       doc LIKE '%upper 0%' AND doc LIKE '%lower -5%' AS thresholds,
       doc LIKE '%De Bruin 2004%' AS compared,
       (SELECT count(*) FROM regexp_matches(doc, '<rect', 'g')) > 10 AS bars,
       doc NOT LIKE '%1950%' AND doc NOT LIKE '%9999ZZ%' AS no_identifiers
FROM svg;
SELECT xml_is_well_formed_document(doc) AS well_formed FROM svg;

-- Bad input.
SELECT pg_temp.fails('SELECT * FROM pseudolink.link_report(-1)');
SELECT pg_temp.fails(format($$SELECT * FROM pseudolink.link_histogram(%s, 0)$$, :upload));
SELECT pg_temp.fails(format($$SELECT * FROM pseudolink.link_histogram(%s, 1, 500)$$, :upload));
SELECT pg_temp.fails(format($$SELECT * FROM pseudolink.link_quality(%s, NULL)$$, :upload));
SELECT pg_temp.fails($$SELECT * FROM pseudolink.link_quality(-1, 'SELECT 1, 1')$$);
SELECT pg_temp.fails(format($$SELECT pseudolink.link_report_svg(%s, -1)$$, :upload));
DROP TABLE public.link_extract;
