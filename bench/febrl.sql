-- The FEBRL dataset 3 deduplication with the generic linkage API
-- (doc/generic-linkage.md): load, a model in SQL like Splink's FEBRL
-- example, u from random pairs, EM sessions for m, the prior from
-- deterministic rules, deduplication,
-- clusters, and precision, recall and F1 against the rec_id ground truth.
-- Run by bench/febrl.sh with -v seed=... and the CSV file on psql's
-- standard input; every step's time goes into febrl.timing.
\set ON_ERROR_STOP 1
SET max_parallel_workers_per_gather = 0;   -- random() in workers ignores setseed()
CREATE SCHEMA febrl;
SET search_path = febrl, public;
CREATE TABLE febrl.timing (step text PRIMARY KEY, seconds float8, ord serial);
CREATE TABLE febrl.clock (t timestamptz);
INSERT INTO febrl.clock VALUES (clock_timestamp());
CREATE FUNCTION febrl.lap(step text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO febrl.timing (step, seconds)
    SELECT step, extract(epoch FROM clock_timestamp() - t) FROM febrl.clock;
    UPDATE febrl.clock SET t = clock_timestamp();
$$;

-- The file: a space after every comma, text throughout (postcodes and
-- dates keep their leading zeros), empty fields become NULL.
CREATE TABLE febrl.raw (rec_id text, given_name text, surname text, street_number text, address_1 text,
                        address_2 text, suburb text, postcode text, state text, date_of_birth text, soc_sec_id text);
\copy febrl.raw FROM pstdin WITH (FORMAT csv, HEADER true)
CREATE TABLE febrl.records AS
SELECT nullif(btrim(rec_id), '') AS rec_id, nullif(btrim(given_name), '') AS given_name,
       nullif(btrim(surname), '') AS surname, nullif(btrim(street_number), '') AS street_number,
       nullif(btrim(address_1), '') AS address_1, nullif(btrim(address_2), '') AS address_2,
       nullif(btrim(suburb), '') AS suburb, nullif(btrim(postcode), '') AS postcode,
       nullif(btrim(state), '') AS state, nullif(btrim(date_of_birth), '') AS date_of_birth,
       nullif(btrim(soc_sec_id), '') AS soc_sec_id
FROM febrl.raw;
ALTER TABLE febrl.records ADD PRIMARY KEY (rec_id);
ANALYZE febrl.records;
SELECT febrl.lap('load');

-- The model: Splink's FEBRL comparisons.  Names by Jaro-Winkler at 0.92,
-- 0.88 and 0.7 with term frequencies; date of birth (YYYYMMDD as text) and
-- social security number by Damerau-Levenshtein at 1 and 2 edits; street
-- number and postcode exact with term frequencies.
INSERT INTO pseudolink.fs_model (model, description) VALUES ('febrl', 'FEBRL dataset 3, deduplication');
SELECT pseudolink.add_comparison_sql('febrl', 'given_name',
    'pseudolink.compare_jaro_winkler(l.given_name, r.given_name, ARRAY[0.92, 0.88, 0.7])',
    ARRAY['else', 'Jaro-Winkler >= 0.7', 'Jaro-Winkler >= 0.88', 'Jaro-Winkler >= 0.92', 'exact'], tf_sql => 'given_name');
SELECT pseudolink.add_comparison_sql('febrl', 'surname',
    'pseudolink.compare_jaro_winkler(l.surname, r.surname, ARRAY[0.92, 0.88, 0.7])',
    ARRAY['else', 'Jaro-Winkler >= 0.7', 'Jaro-Winkler >= 0.88', 'Jaro-Winkler >= 0.92', 'exact'], tf_sql => 'surname');
SELECT pseudolink.add_comparison_sql('febrl', 'date_of_birth',
    'pseudolink.compare_damerau_levenshtein(l.date_of_birth, r.date_of_birth, ARRAY[1, 2])',
    ARRAY['else', 'two edits', 'one edit', 'exact']);
SELECT pseudolink.add_comparison_sql('febrl', 'soc_sec_id',
    'pseudolink.compare_damerau_levenshtein(l.soc_sec_id, r.soc_sec_id, ARRAY[1, 2])',
    ARRAY['else', 'two edits', 'one edit', 'exact']);
SELECT pseudolink.add_comparison_sql('febrl', 'street_number',
    '(l.street_number = r.street_number)::integer', ARRAY['else', 'exact'], tf_sql => 'street_number');
SELECT pseudolink.add_comparison_sql('febrl', 'postcode',
    '(l.postcode = r.postcode)::integer', ARRAY['else', 'exact'], tf_sql => 'postcode');

-- Splink's blocking rules for the example, the swapped names included.
SELECT pseudolink.add_blocking_sql('febrl', 'names', ARRAY['given_name', 'surname']);
SELECT pseudolink.add_blocking_sql('febrl', 'swapped_names', ARRAY['given_name', 'surname'],
                                   probe_expressions => ARRAY['surname', 'given_name']);
SELECT pseudolink.add_blocking_sql('febrl', 'date_of_birth', ARRAY['date_of_birth']);
SELECT pseudolink.add_blocking_sql('febrl', 'soc_sec_id', ARRAY['soc_sec_id']);
SELECT pseudolink.add_blocking_sql('febrl', 'state_address', ARRAY['state', 'address_1']);
SELECT pseudolink.add_blocking_sql('febrl', 'street_address', ARRAY['street_number', 'address_1']);
SELECT pseudolink.add_blocking_sql('febrl', 'postcode', ARRAY['postcode']);
SELECT febrl.lap('model');

-- u from random pairs: two random samples of 1,000 records crossed, about
-- a million pairs (Splink's max_pairs=1e6); the few true pairs among them
-- (6,538 in 12.5 M) do not matter.
SELECT setseed(:seed);
SELECT count(*) AS u_levels FROM pseudolink.fs_estimate_u('febrl', format(
    'SELECT %s FROM (SELECT * FROM febrl.records ORDER BY random() LIMIT 1000) l
                    CROSS JOIN (SELECT * FROM febrl.records ORDER BY random() LIMIT 1000) r
     WHERE l.rec_id <> r.rec_id', pseudolink.model_levels_sql('febrl')));
SELECT febrl.lap('u from random pairs');

-- m by EM as Splink trains it: in sessions over the pairs agreeing on one
-- field, with that field's comparison left out (every pair agrees on it
-- there), u kept from the random pairs.  A comparison left out keeps its
-- m, so the second session estimates date of birth, the first postcode,
-- and the others take the second session's values.
SELECT 'blocked on date_of_birth' AS session, *
FROM pseudolink.dedupe_em_session('febrl', 'febrl.records', 'rec_id', ARRAY['date_of_birth'], ARRAY['date_of_birth']);
SELECT 'blocked on postcode' AS session, *
FROM pseudolink.dedupe_em_session('febrl', 'febrl.records', 'rec_id', ARRAY['postcode'], ARRAY['postcode']);
SELECT febrl.lap('m by EM, two sessions');

-- The prior of two random records (u is that of random pairs, so the
-- prior must be too): Splink's estimate from deterministic rules with an
-- assumed recall of 0.9, over the n (n - 1) / 2 pairs of the file.
SELECT * FROM pseudolink.dedupe_estimate_prior('febrl', 'febrl.records', 'rec_id', ARRAY[
    'l.soc_sec_id = r.soc_sec_id',
    'l.given_name = r.given_name AND l.surname = r.surname AND l.date_of_birth = r.date_of_birth',
    'l.given_name = r.surname AND l.surname = r.given_name AND l.date_of_birth = r.date_of_birth'], recall => 0.9);
SELECT febrl.lap('prior from deterministic rules');

-- Deduplicate with the model as estimated: candidates of the seven rules,
-- every candidate pair scored (for the sweep), clusters at 0.5.
CREATE TABLE febrl.run AS
SELECT * FROM pseudolink.dedupe_table('febrl', 'febrl.records', 'rec_id', 'febrl.pairs', 'febrl.clusters',
                                      threshold => 0.5, training => 'none', keep_all => true);
SELECT febrl.lap('dedupe: candidates, scores, clusters');

-- Accuracy against the truth: the N of rec-N-org / rec-N-dup-k.
CREATE TABLE febrl.accuracy AS
SELECT t.* FROM (VALUES (0.5::float8)) v(p),
     LATERAL pseudolink.dedupe_table_accuracy('febrl.pairs', 'febrl.records', 'rec_id',
                                              'split_part(rec_id, ''-'', 2)', v.p) t;
SELECT febrl.lap('accuracy at 0.5');
CREATE TABLE febrl.cluster_accuracy AS
SELECT * FROM pseudolink.dedupe_clusters_accuracy('febrl.clusters', 'febrl.records', 'rec_id',
                                                  'split_part(rec_id, ''-'', 2)');
-- the threshold sweep: every 0.05 of match probability, and weights
CREATE TABLE febrl.sweep AS
SELECT t.* FROM (SELECT pseudolink.match_probability(w) AS p FROM generate_series(-10, 20) w
                 UNION SELECT g / 20.0 FROM generate_series(1, 19) g) v,
     LATERAL pseudolink.dedupe_table_accuracy('febrl.pairs', 'febrl.records', 'rec_id',
                                              'split_part(rec_id, ''-'', 2)', v.p) t;
