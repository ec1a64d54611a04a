-- What a link run gave: counts per status beside the published figures of
-- De Bruin et al. 2004 (DOMAIN.md: 87.6% unique, 8.7% multiple, 3.6%
-- none), a histogram of the best match weights, and, with labelled data
-- (the synthetic generator's ground truth), precision, recall and F1.
-- People look rather than read: link_report_svg() draws the histogram
-- and the status breakdown as one SVG document (counts only, no
-- identifiers), which the demo writes to a file.
--
-- The functions read the results with the caller's privileges: the
-- steward's.  link_quality() runs the caller's query of the truth.

CREATE FUNCTION pseudolink.link_report(upload_id bigint)
RETURNS TABLE (status text, records bigint, percent numeric, decided bigint, de_bruin_2004_percent numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT FROM pseudolink.link_job j WHERE j.upload_id OPERATOR(pg_catalog.=) link_report.upload_id) THEN
        RAISE EXCEPTION 'upload % has no link run', COALESCE(link_report.upload_id::text, 'null')
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN QUERY
    WITH s(status, ord, de_bruin) AS (
        VALUES ('unique', 1, 87.6), ('multiple', 2, 8.7), ('review', 3, NULL), ('none', 4, 3.6),
               ('objected', 5, NULL)),
    c AS (SELECT r.status, pg_catalog.count(*) AS n, pg_catalog.count(r.decision_id) AS decided
          FROM pseudolink.link_result r WHERE r.upload_id OPERATOR(pg_catalog.=) link_report.upload_id
          GROUP BY r.status),
    t AS (SELECT COALESCE(pg_catalog.sum(c.n), 0) AS n FROM c)
    SELECT s.status, COALESCE(c.n, 0), pg_catalog.round(100.0 * COALESCE(c.n, 0) / NULLIF(t.n, 0), 1),
           COALESCE(c.decided, 0), s.de_bruin::numeric
    FROM s CROSS JOIN t LEFT JOIN c ON c.status = s.status
    ORDER BY s.ord;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_report(bigint) IS
    'records per status of an upload''s link run (as far as linked), their share, how many a steward decided, and the share De Bruin et al. 2004 report for the same key (87.6% unique, 8.7% multiple, 3.6% none)';

CREATE FUNCTION pseudolink.link_histogram(upload_id bigint, bin_width double precision DEFAULT 2, bar_width integer DEFAULT 40)
RETURNS TABLE (weight_from double precision, weight_to double precision, records bigint, "unique" bigint,
               multiple bigint, review bigint, "none" bigint, bar text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    IF bin_width IS NULL OR NOT (bin_width > 0 AND bin_width < 'Infinity') THEN
        RAISE EXCEPTION 'bin_width must be a positive number'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF bar_width IS NULL OR bar_width < 0 OR bar_width > 200 THEN
        RAISE EXCEPTION 'bar_width must be between 0 and 200'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH b AS (
        SELECT pg_catalog.floor(r.match_weight / bin_width) AS bin, r.status
        FROM pseudolink.link_result r
        WHERE r.upload_id OPERATOR(pg_catalog.=) link_histogram.upload_id AND r.match_weight IS NOT NULL
          AND r.status OPERATOR(pg_catalog.<>) 'objected'),
    g AS (SELECT b.bin, pg_catalog.count(*) AS n,
                 pg_catalog.count(*) FILTER (WHERE b.status = 'unique') AS n_unique,
                 pg_catalog.count(*) FILTER (WHERE b.status = 'multiple') AS n_multiple,
                 pg_catalog.count(*) FILTER (WHERE b.status = 'review') AS n_review,
                 pg_catalog.count(*) FILTER (WHERE b.status = 'none') AS n_none
          FROM b GROUP BY b.bin),
    m AS (SELECT pg_catalog.max(g.n) AS top FROM g)
    SELECT g.bin * bin_width, (g.bin + 1) * bin_width, g.n, g.n_unique, g.n_multiple, g.n_review, g.n_none,
           pg_catalog.repeat('#', CEIL(bar_width * g.n::double precision / m.top)::integer)
    FROM g CROSS JOIN m
    ORDER BY g.bin;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_histogram(bigint, double precision, integer) IS
    'histogram of the best match weight of an upload''s records (objected ones left out): bins of bin_width bits, records per status, and a text bar scaled to bar_width characters';

CREATE FUNCTION pseudolink.link_quality(upload_id bigint, truth_query text)
RETURNS TABLE (records bigint, linkable bigint, linked bigint, linked_right bigint, linked_wrong bigint,
               linkable_multiple bigint, linkable_review bigint, linkable_none bigint, objected bigint,
               "precision" double precision, recall double precision, f1 double precision,
               wrong_share double precision)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT FROM pseudolink.link_job j WHERE j.upload_id OPERATOR(pg_catalog.=) link_quality.upload_id) THEN
        RAISE EXCEPTION 'upload % has no link run', COALESCE(link_quality.upload_id::text, 'null')
            USING ERRCODE = 'undefined_object';
    END IF;
    IF truth_query IS NULL THEN
        RAISE EXCEPTION 'truth_query must be a query of (record_no, true_person_id)'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For synthetic data: SELECT record_no::text, true_person_id FROM pseudolink.synth_extract(...).';
    END IF;
    EXECUTE pg_catalog.format(
        'CREATE TEMP TABLE pl_link_truth ON COMMIT DROP AS SELECT q.record_no::text AS record_no, q.true_person_id::bigint AS true_person_id FROM (%s) AS q(record_no, true_person_id)',
        truth_query);
    ANALYZE pg_temp.pl_link_truth;
    RETURN QUERY
    WITH x AS (
        SELECT r.status, r.person_id, t.true_person_id, p.person_id IS NOT NULL AS in_register
        FROM pseudolink.link_result r
             JOIN pseudolink.upload_record d ON d.record_id = r.record_id
             LEFT JOIN pg_temp.pl_link_truth t ON t.record_no = d.record_no
             LEFT JOIN pseudolink.register_person p ON p.person_id = t.true_person_id
        WHERE r.upload_id OPERATOR(pg_catalog.=) link_quality.upload_id),
    c AS (
        SELECT pg_catalog.count(*) AS n,
               pg_catalog.count(*) FILTER (WHERE x.in_register AND x.status <> 'objected') AS n_linkable,
               pg_catalog.count(*) FILTER (WHERE x.status = 'unique') AS n_linked,
               pg_catalog.count(*) FILTER (WHERE x.status = 'unique' AND x.person_id = x.true_person_id) AS n_right,
               pg_catalog.count(*) FILTER (WHERE x.status = 'unique' AND x.person_id IS DISTINCT FROM x.true_person_id) AS n_wrong,
               pg_catalog.count(*) FILTER (WHERE x.in_register AND x.status = 'multiple') AS n_multiple,
               pg_catalog.count(*) FILTER (WHERE x.in_register AND x.status = 'review') AS n_review,
               pg_catalog.count(*) FILTER (WHERE x.in_register AND x.status = 'none') AS n_none,
               pg_catalog.count(*) FILTER (WHERE x.status = 'objected') AS n_objected
        FROM x)
    SELECT c.n, c.n_linkable, c.n_linked, c.n_right, c.n_wrong, c.n_multiple, c.n_review, c.n_none, c.n_objected,
           c.n_right::double precision / NULLIF(c.n_linked, 0),
           c.n_right::double precision / NULLIF(c.n_linkable, 0),
           2.0::double precision * c.n_right / NULLIF(c.n_linked + c.n_linkable, 0),
           c.n_wrong::double precision / NULLIF(c.n_linked, 0)
    FROM c;
    DROP TABLE pg_temp.pl_link_truth;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_quality(bigint, text) IS
    'an upload''s links against labelled data: truth_query yields (record_no, true_person_id or null); linkable = the true person is in the register (objected left out); precision = linked right / linked, recall = linked right / linkable, F1, and the share of links to a wrong person; the query runs with the caller''s privileges';

-- The picture ----------------------------------------------------------------------

CREATE FUNCTION pseudolink.link_svg_text(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT replace(replace(replace(replace($1, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;')
$$;
COMMENT ON FUNCTION pseudolink.link_svg_text(text) IS 'internal: text escaped for an SVG document';

CREATE FUNCTION pseudolink.link_report_svg(upload_id bigint, bin_width double precision DEFAULT 1)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := link_report_svg.upload_id;
    j pseudolink.link_job;
    u record;
    lo double precision;
    hi double precision;
    top bigint;
    nbins integer;
    -- plot area
    x0 constant integer := 110;
    y0 constant integer := 90;
    w constant integer := 760;
    h constant integer := 300;
    bw double precision;
    svg text;
    bars text;
    ticks text;
    status_bar text;
    legend text;
BEGIN
    SELECT x.* INTO j FROM pseudolink.link_job x WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'upload % has no link run', COALESCE(id::text, 'null')
            USING ERRCODE = 'undefined_object';
    END IF;
    IF bin_width IS NULL OR NOT (bin_width > 0 AND bin_width < 'Infinity') THEN
        RAISE EXCEPTION 'bin_width must be a positive number'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT x.registry, x.batch_id INTO u FROM pseudolink.upload x WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    CREATE TEMP TABLE pl_link_svg_bins ON COMMIT DROP AS
    SELECT hb.weight_from, hb.weight_to, hb.records, hb."unique", hb.multiple, hb.review, hb."none"
    FROM pseudolink.link_histogram(id, bin_width, 0) hb;
    SELECT pg_catalog.min(b.weight_from), pg_catalog.max(b.weight_to), pg_catalog.max(b.records)
    INTO lo, hi, top FROM pg_temp.pl_link_svg_bins b;
    -- The axis shows the thresholds too.
    lo := LEAST(COALESCE(lo, j.lower_weight), pg_catalog.floor(j.lower_weight / bin_width) * bin_width) - bin_width;
    hi := GREATEST(COALESCE(hi, j.upper_weight), pg_catalog.ceil(j.upper_weight / bin_width) * bin_width) + bin_width;
    top := GREATEST(COALESCE(top, 1), 1);
    nbins := GREATEST(1, pg_catalog.round((hi - lo) / bin_width)::integer);
    bw := w::double precision / nbins;

    -- Stacked bars: none, review, multiple, unique from the bottom.
    SELECT COALESCE(pg_catalog.string_agg(pg_catalog.format(
               '<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s to %s bits: %s %s</title></rect>',
               pg_catalog.round((x0 + (s.weight_from - lo) / bin_width * bw)::numeric, 1),
               pg_catalog.round((y0 + h - h * (s.below + s.n)::double precision / top)::numeric, 1),
               pg_catalog.round(GREATEST(bw - 1, 1)::numeric, 1),
               pg_catalog.round((h * s.n::double precision / top)::numeric, 1),
               s.colour, s.weight_from, s.weight_to, s.n, s.status), '' ORDER BY s.weight_from, s.ord), '')
    INTO bars
    FROM (SELECT b.weight_from, b.weight_to, v.ord, v.status, v.colour, v.n,
                 COALESCE(pg_catalog.sum(v.n) OVER (PARTITION BY b.weight_from ORDER BY v.ord
                                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS below
          FROM pg_temp.pl_link_svg_bins b,
               LATERAL (VALUES (1, 'none', '#9e9e9e', b."none"), (2, 'review', '#ffb300', b.review),
                               (3, 'multiple', '#e53935', b.multiple), (4, 'unique', '#43a047', b."unique"))
                   AS v(ord, status, colour, n)
          WHERE v.n > 0) s;

    -- Axis ticks every few bins, and the two thresholds.
    SELECT pg_catalog.string_agg(pg_catalog.format(
               '<line x1="%1$s" y1="%2$s" x2="%1$s" y2="%3$s" stroke="#555"/><text x="%1$s" y="%4$s" text-anchor="middle">%5$s</text>',
               pg_catalog.round((x0 + (t.v - lo) / bin_width * bw)::numeric, 1), y0 + h, y0 + h + 5, y0 + h + 20, t.v), '')
    INTO ticks
    FROM (SELECT lo + k * bin_width * GREATEST(1, nbins / 12) AS v
          FROM pg_catalog.generate_series(0, nbins / GREATEST(1, nbins / 12)) k) t
    WHERE t.v <= hi;
    ticks := ticks || pg_catalog.format(
        '<line x1="%1$s" y1="%3$s" x2="%1$s" y2="%4$s" stroke="#1e88e5" stroke-width="2" stroke-dasharray="6,4"/>'
        '<text x="%1$s" y="%5$s" fill="#1e88e5" text-anchor="middle">upper %6$s</text>'
        '<line x1="%2$s" y1="%3$s" x2="%2$s" y2="%4$s" stroke="#1e88e5" stroke-width="2" stroke-dasharray="2,3"/>'
        '<text x="%2$s" y="%5$s" fill="#1e88e5" text-anchor="middle">lower %7$s</text>',
        pg_catalog.round((x0 + (j.upper_weight - lo) / bin_width * bw)::numeric, 1),
        pg_catalog.round((x0 + (j.lower_weight - lo) / bin_width * bw)::numeric, 1),
        y0 - 5, y0 + h, y0 - 10, j.upper_weight, j.lower_weight);

    -- Status breakdown beside De Bruin et al. 2004, as two 100% bars.
    WITH p AS (
        SELECT 'this run' AS label, y0 + h + 60 AS y, r.status, r.percent AS pct
        FROM pseudolink.link_report(id) r
        UNION ALL
        SELECT 'De Bruin 2004', y0 + h + 95, v.status, v.pct
        FROM (VALUES ('unique', 87.6), ('multiple', 8.7), ('none', 3.6)) v(status, pct)),
    q AS (
        SELECT p.label, p.y, p.status, p.pct, s.ord, s.colour,
               COALESCE(pg_catalog.sum(p.pct) OVER (PARTITION BY p.label ORDER BY s.ord
                                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
        FROM p JOIN (VALUES (1, 'unique', '#43a047'), (2, 'multiple', '#e53935'), (3, 'review', '#ffb300'),
                            (4, 'none', '#9e9e9e'), (5, 'objected', '#6d4c41')) s(ord, status, colour)
               ON s.status = p.status
        WHERE p.pct > 0)
    SELECT pg_catalog.string_agg(z.part, '' ORDER BY z.y)
    INTO status_bar
    FROM (SELECT q.y, pg_catalog.format('<text x="%s" y="%s" text-anchor="end">%s</text>', x0 - 8, q.y + 18, q.label)
                      || pg_catalog.string_agg(pg_catalog.format(
                         '<rect x="%s" y="%s" width="%s" height="26" fill="%s"><title>%s: %s%%</title></rect>%s',
                         pg_catalog.round((x0 + w * q.before / 100.0)::numeric, 1), q.y,
                         pg_catalog.round((w * q.pct / 100.0)::numeric, 1), q.colour, q.status, q.pct,
                         CASE WHEN q.pct >= 6 THEN pg_catalog.format(
                             '<text x="%s" y="%s" text-anchor="middle" fill="#fff">%s %s%%</text>',
                             pg_catalog.round((x0 + w * (q.before + q.pct / 2) / 100.0)::numeric, 1), q.y + 18,
                             q.status, q.pct) ELSE '' END), '' ORDER BY q.ord) AS part
          FROM q GROUP BY q.label, q.y) z;

    legend := pg_catalog.format(
        '<g font-size="12"><rect x="%1$s" y="%2$s" width="12" height="12" fill="#43a047"/><text x="%3$s" y="%4$s">unique</text>'
        '<rect x="%5$s" y="%2$s" width="12" height="12" fill="#e53935"/><text x="%6$s" y="%4$s">multiple</text>'
        '<rect x="%7$s" y="%2$s" width="12" height="12" fill="#ffb300"/><text x="%8$s" y="%4$s">review</text>'
        '<rect x="%9$s" y="%2$s" width="12" height="12" fill="#9e9e9e"/><text x="%10$s" y="%4$s">none</text></g>',
        x0 + w - 330, y0 - 40, x0 + w - 314, y0 - 30, x0 + w - 250, x0 + w - 234, x0 + w - 160, x0 + w - 144,
        x0 + w - 85, x0 + w - 69);

    svg := pg_catalog.format(
        '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" font-family="sans-serif" font-size="13">'
        '<rect width="100%%" height="100%%" fill="#fff"/>'
        '<text x="%s" y="24" font-size="17" font-weight="bold">%s</text>'
        '<text x="%s" y="44" fill="#444">%s</text>%s'
        '<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#555"/>'
        '<text x="%s" y="%s" text-anchor="middle">match weight of the best candidate (bits; bins of %s)</text>'
        '<text x="%s" y="%s" text-anchor="end">%s</text><text x="%s" y="%s" text-anchor="end">0</text>'
        '%s%s'
        '<text x="%s" y="%s" font-weight="bold">records per status</text>%s</svg>',
        x0 + w + 30, y0 + h + 140,
        x0, pseudolink.link_svg_text(pg_catalog.format('Link run of upload %s (%s, batch %s)', id, u.registry, u.batch_id)),
        x0, pseudolink.link_svg_text(pg_catalog.format('%s records; model %s; unique at >= %s bits, review from %s bits, margin %s bits',
                                                       j.done, j.model, j.upper_weight, j.lower_weight, j.margin)),
        legend,
        x0, y0 + h, x0 + w, y0 + h,
        x0 + w / 2, y0 + h + 38, bin_width,
        x0 - 6, y0 + 10, top, x0 - 6, y0 + h,
        COALESCE(bars, ''), COALESCE(ticks, ''),
        x0, y0 + h + 52, COALESCE(status_bar, ''));
    DROP TABLE pg_temp.pl_link_svg_bins;
    RETURN svg;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_report_svg(bigint, double precision) IS
    'an SVG picture of an upload''s link run: the histogram of best match weights stacked by status with the two thresholds, and the records per status beside De Bruin et al. 2004; counts only, no identifiers';

-- Privileges -------------------------------------------------------------

REVOKE ALL ON FUNCTION pseudolink.link_report(bigint), pseudolink.link_histogram(bigint, double precision, integer),
    pseudolink.link_quality(bigint, text), pseudolink.link_svg_text(text),
    pseudolink.link_report_svg(bigint, double precision)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pseudolink.link_report(bigint), pseudolink.link_histogram(bigint, double precision, integer),
    pseudolink.link_quality(bigint, text), pseudolink.link_svg_text(text),
    pseudolink.link_report_svg(bigint, double precision)
TO pseudolink_steward;
