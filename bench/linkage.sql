-- Linkage benchmark (bench/linkage.sh): a synthetic register with address
-- history and a PCI extract with ground truth; CALL pseudolink.link() end to
-- end, and a Splink-style linkage of the same records in plain SQL (equality
-- joins on blocking columns, CASE levels with the same m and u, current
-- address only), both measured against the truth.
-- Variables: seed, persons, records, batch.
\set ON_ERROR_STOP on
SET search_path = pseudolink, public;
CREATE SCHEMA bench;
CREATE TABLE bench.timing (step text PRIMARY KEY, ms double precision);
CREATE TABLE bench.fact (name text PRIMARY KEY, value text);
CREATE EXTENSION fuzzystrmatch SCHEMA bench;

-- Data --------------------------------------------------------------------------
SELECT count(*) FROM add_dutch_blocking_rules('nl') \g /dev/null
INSERT INTO register_person_staging (person_id, birth_date, sex)
SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM synth_persons(:seed, :persons);
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT person_id, postcode, house_number, house_suffix, to_char(valid_from, 'DD-MM-YYYY'), to_char(valid_to, 'DD-MM-YYYY')
FROM synth_addresses(:seed, :persons);
SELECT load_id FROM register_load('nl') \g /dev/null
CREATE TABLE bench.truth AS
SELECT record_no::text, true_person_id, errors, event_date
FROM synth_extract(:seed, :persons, 'PCI', :records);
CREATE ROLE bench_pci NOLOGIN IN ROLE pseudolink_registry;
INSERT INTO upload_registry (code, uploader) VALUES ('PCI', 'bench_pci');
SET ROLE bench_pci;
SELECT open_upload('PCI', 'bench') AS upload \gset
RESET ROLE;
INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)
SELECT :upload, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix
FROM synth_extract(:seed, :persons, 'PCI', :records);
SET ROLE bench_pci;
SELECT state FROM close_upload(:upload) \g /dev/null
RESET ROLE;
INSERT INTO bench.fact SELECT 'accepted', count(*)::text FROM upload_record WHERE upload_id = :upload;

-- Records that the key cannot tell apart from another register person:
-- the true person shares birth date, sex and address on the event date
-- with somebody else (same-sex twins at one address, mostly).
CREATE TABLE bench.twin_records AS
SELECT DISTINCT t.record_no
FROM bench.truth t
     JOIN register_person p ON p.person_id = t.true_person_id
     JOIN register_address a ON a.person_id = p.person_id AND a.valid_from <= to_date(t.event_date, 'DD-MM-YYYY')
                              AND (a.valid_to IS NULL OR to_date(t.event_date, 'DD-MM-YYYY') < a.valid_to)
     JOIN register_person q ON q.birth_date = p.birth_date AND q.sex = p.sex AND q.person_id <> p.person_id
     JOIN register_address b ON b.person_id = q.person_id AND b.valid_from <= to_date(t.event_date, 'DD-MM-YYYY')
                              AND (b.valid_to IS NULL OR to_date(t.event_date, 'DD-MM-YYYY') < b.valid_to)
WHERE a.postcode IS NOT DISTINCT FROM b.postcode AND a.house_number IS NOT DISTINCT FROM b.house_number
  AND a.house_suffix IS NOT DISTINCT FROM b.house_suffix;

-- pseudolink: model and link run --------------------------------------------------
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t0 \gset
SELECT count(*) FROM link_default_model('nl') \g /dev/null
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t1 \gset
CALL link(:upload, batch_size => :batch);
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t2 \gset
INSERT INTO bench.timing VALUES ('default model', :t1 - :t0), ('link run', :t2 - :t1);

CREATE TABLE bench.pl AS
SELECT r.record_id, d.record_no, r.status, r.person_id,
       coalesce(r.person_id, (SELECT c.person_id FROM link_candidate c WHERE c.record_id = r.record_id AND c.rank = 1))
           AS best_person, r.match_weight, r.runner_up_weight, t.true_person_id,
       t.errors, p.person_id IS NOT NULL AS linkable, w.record_no IS NOT NULL AS twin_at_one_address
FROM link_result r JOIN upload_record d USING (record_id) JOIN bench.truth t USING (record_no)
     LEFT JOIN register_person p ON p.person_id = t.true_person_id
     LEFT JOIN bench.twin_records w USING (record_no)
WHERE r.upload_id = :upload;

-- Splink-style: plain SQL ----------------------------------------------------------
-- The register's current address per person and btree indexes on the
-- blocking columns (prepared once, timed apart).
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t0 \gset
CREATE TABLE bench.cur AS
SELECT p.person_id, p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix,
       extract(year FROM p.birth_date)::integer AS birth_year
FROM register_person p LEFT JOIN register_address a ON a.person_id = p.person_id AND a.valid_to IS NULL;
CREATE INDEX ON bench.cur (birth_date, sex);
CREATE INDEX ON bench.cur (postcode, house_number);
CREATE INDEX ON bench.cur (birth_year, postcode);
ANALYZE bench.cur;
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t1 \gset
INSERT INTO bench.timing VALUES ('SQL: current addresses and indexes', :t1 - :t0);

-- The weights of model nl as a lookup (comparison, level) -> log2(m/u).
CREATE TABLE bench.w AS
SELECT comparison, level, log(2, (m / u)::numeric)::double precision AS w FROM fs_level WHERE model = 'nl';
SELECT log(2, (prior / (1 - prior))::numeric)::double precision AS prior_bits FROM fs_model WHERE model = 'nl' \gset

SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t0 \gset
CREATE TABLE bench.sql_pairs AS
WITH r AS (SELECT record_id, birth_date, sex, postcode, house_number, house_suffix,
                  extract(year FROM birth_date)::integer AS birth_year
           FROM upload_record WHERE upload_id = :upload),
c AS (SELECT r.record_id, c.person_id FROM r JOIN bench.cur c ON c.birth_date = r.birth_date AND c.sex = r.sex
      UNION
      SELECT r.record_id, c.person_id FROM r JOIN bench.cur c ON c.postcode = r.postcode AND c.house_number = r.house_number
      UNION
      SELECT r.record_id, c.person_id FROM r JOIN bench.cur c ON c.birth_year = r.birth_year AND c.postcode = r.postcode),
l AS (SELECT c.record_id, c.person_id,
             CASE WHEN r.birth_date IS NULL OR p.birth_date IS NULL THEN NULL
                  WHEN r.birth_date = p.birth_date THEN 5
                  WHEN extract(year FROM r.birth_date) = extract(year FROM p.birth_date)
                       AND extract(month FROM r.birth_date) = extract(day FROM p.birth_date)
                       AND extract(day FROM r.birth_date) = extract(month FROM p.birth_date) THEN 4
                  WHEN bench.levenshtein(to_char(r.birth_date, 'YYYYMMDD'), to_char(p.birth_date, 'YYYYMMDD')) = 1 THEN 3
                  WHEN date_trunc('month', r.birth_date) = date_trunc('month', p.birth_date) THEN 2
                  WHEN abs(r.birth_date - p.birth_date) <= 365 THEN 1 ELSE 0 END AS bd,
             CASE WHEN r.sex IS NULL OR p.sex IS NULL THEN NULL WHEN r.sex = p.sex THEN 1 ELSE 0 END AS sx,
             CASE WHEN r.postcode IS NULL OR r.postcode = '0000' OR p.postcode IS NULL OR p.postcode = '0000' THEN NULL
                  WHEN r.postcode = p.postcode THEN 4
                  WHEN left(r.postcode, 4) = left(p.postcode, 4) AND bench.levenshtein(r.postcode, p.postcode) = 1 THEN 2
                  WHEN left(r.postcode, 4) = left(p.postcode, 4) THEN 1 ELSE 0 END AS pc,
             CASE WHEN r.house_number IS NULL OR p.house_number IS NULL THEN NULL
                  WHEN r.house_number = p.house_number AND coalesce(r.house_suffix, '') = coalesce(p.house_suffix, '') THEN 2
                  WHEN r.house_number = p.house_number THEN 1 ELSE 0 END AS hn
      FROM c JOIN r USING (record_id) JOIN bench.cur p USING (person_id))
SELECT l.record_id, l.person_id,
       :prior_bits + coalesce(wb.w, 0) + coalesce(ws.w, 0) + coalesce(wp.w, 0) + coalesce(wh.w, 0) AS weight
FROM l LEFT JOIN bench.w wb ON wb.comparison = 'birth_date' AND wb.level = l.bd
       LEFT JOIN bench.w ws ON ws.comparison = 'sex' AND ws.level = l.sx
       LEFT JOIN bench.w wp ON wp.comparison = 'postcode' AND wp.level = l.pc
       LEFT JOIN bench.w wh ON wh.comparison = 'house_number' AND wh.level = l.hn;
CREATE TABLE bench.sql_result AS
SELECT d.record_id, d.record_no, b.person_id, b.weight AS best, s.weight AS runner_up,
       link_assign_status(b.weight, s.weight, j.upper_weight, j.lower_weight, j.margin) AS status
FROM upload_record d
     CROSS JOIN (SELECT upper_weight, lower_weight, margin FROM link_job WHERE upload_id = :upload) j
     LEFT JOIN LATERAL (SELECT p.person_id, p.weight FROM bench.sql_pairs p WHERE p.record_id = d.record_id
                        ORDER BY p.weight DESC, p.person_id LIMIT 1) b ON true
     LEFT JOIN LATERAL (SELECT p.weight FROM bench.sql_pairs p WHERE p.record_id = d.record_id
                        ORDER BY p.weight DESC, p.person_id OFFSET 1 LIMIT 1) s ON true
WHERE d.upload_id = :upload;
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t1 \gset
INSERT INTO bench.timing VALUES ('SQL: pairs, weights, assignment', :t1 - :t0);
INSERT INTO bench.fact SELECT 'sql pairs', count(*)::text FROM bench.sql_pairs;

CREATE TABLE bench.sq AS
SELECT r.record_id, r.record_no, r.status, CASE WHEN r.status = 'unique' THEN r.person_id END AS person_id,
       r.best AS match_weight, r.runner_up AS runner_up_weight, t.true_person_id, t.errors,
       p.person_id IS NOT NULL AS linkable, w.record_no IS NOT NULL AS twin_at_one_address
FROM bench.sql_result r JOIN bench.truth t USING (record_no)
     LEFT JOIN register_person p ON p.person_id = t.true_person_id
     LEFT JOIN bench.twin_records w USING (record_no);

-- Quality of both, and a threshold sweep over pseudolink's stored best and
-- runner-up weights.
CREATE TABLE bench.quality AS
SELECT m.method, count(*) AS records, count(*) FILTER (WHERE x.linkable) AS linkable,
       count(*) FILTER (WHERE x.status = 'unique' AND x.person_id = x.true_person_id) AS right,
       count(*) FILTER (WHERE x.status = 'unique' AND x.person_id IS DISTINCT FROM x.true_person_id) AS wrong,
       count(*) FILTER (WHERE x.status = 'multiple') AS multiple,
       count(*) FILTER (WHERE x.status = 'review') AS review,
       count(*) FILTER (WHERE x.status = 'none') AS "none",
       count(*) FILTER (WHERE x.status = 'unique') AS "unique",
       count(*) FILTER (WHERE x.twin_at_one_address) AS twins,
       count(*) FILTER (WHERE x.twin_at_one_address AND x.status = 'multiple') AS twins_multiple
FROM (SELECT 'pseudolink' AS method, pl.status, pl.person_id, pl.true_person_id, pl.linkable, pl.twin_at_one_address FROM bench.pl
      UNION ALL
      SELECT 'SQL', sq.status, sq.person_id, sq.true_person_id, sq.linkable, sq.twin_at_one_address FROM bench.sq) x
     JOIN (VALUES ('pseudolink'), ('SQL')) m(method) ON m.method = x.method
GROUP BY m.method;

CREATE TABLE bench.sweep AS
SELECT u, lo, mg,
       count(*) FILTER (WHERE s = 'unique' AND best_person = true_person_id) AS right,
       count(*) FILTER (WHERE s = 'unique' AND best_person IS DISTINCT FROM true_person_id) AS wrong,
       count(*) FILTER (WHERE s = 'multiple') AS multiple, count(*) FILTER (WHERE s = 'review') AS review,
       count(*) FILTER (WHERE linkable) AS linkable
FROM (SELECT pl.*, x.u, x.lo, x.mg,
             link_assign_status(pl.match_weight, pl.runner_up_weight, x.u, x.lo, x.mg) AS s
      FROM bench.pl
           CROSS JOIN (VALUES (5.0, -5.0, 5.0), (2.0, -5.0, 5.0), (0.0, -5.0, 5.0), (-2.0, -5.0, 3.0),
                              (-2.0, -10.0, 3.0)) x(u, lo, mg)
      WHERE pl.status <> 'objected') y
GROUP BY u, lo, mg;
