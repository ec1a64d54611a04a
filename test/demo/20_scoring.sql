\pset footer off
\echo 'Scoring: how likely is a candidate pair the same person?'
\echo 'A synthetic register of 20,000 persons and a PCI extract of 2,000 records with errors.'
\echo 'Each candidate pair gets one agreement level per field (birth date, sex, postcode, house'
\echo 'number), a Fellegi-Sunter model turns the levels into a match weight, and EM estimates the'
\echo 'model from the pairs themselves; the generator''s ground truth shows how well it works.'
\set QUIET on
SET search_path = pseudolink, public;
SET client_min_messages = warning;
CREATE SCHEMA demo_scoring;
-- The register: each person with the address valid on 2022-01-01.
CREATE TABLE demo_scoring.register AS
SELECT p.person_id, p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix
FROM synth_persons(seed => 2024, persons => 20000) p
JOIN synth_addresses(seed => 2024, persons => 20000) a USING (person_id)
WHERE a.valid_from <= date '2022-01-01' AND (a.valid_to IS NULL OR a.valid_to > date '2022-01-01');
-- The records, normalised; a value that does not normalise is missing.
CREATE TABLE demo_scoring.records AS
SELECT record_no, true_person_id,
       CASE WHEN birth_date_problem(birth_date) IS NULL THEN normalise_birth_date(birth_date) END AS birth_date,
       CASE WHEN sex_problem(sex) IS NULL THEN normalise_sex(sex) END AS sex,
       postcode, house_number, house_suffix
FROM synth_extract(seed => 2024, persons => 20000, registry => 'PCI', records => 2000,
                   event_from => '2022-01-01', event_to => '2022-01-01');
-- Candidates: same birth year and one more thing in common (a simple blocking).
CREATE TABLE demo_scoring.pairs AS
SELECT r.record_no, p.person_id, p.person_id = r.true_person_id AS is_match,
       ARRAY[compare_dates(r.birth_date, p.birth_date),
             (r.sex = p.sex)::int,
             compare_postcodes(r.postcode, p.postcode),
             compare_house_numbers(r.house_number, r.house_suffix, p.house_number, p.house_suffix)] AS levels
FROM demo_scoring.records r
JOIN demo_scoring.register p
  ON extract(year FROM p.birth_date) = extract(year FROM r.birth_date)
 AND (p.birth_date = r.birth_date OR left(p.postcode, 4) = left(normalise_postcode(r.postcode), 4));
\set QUIET off

\echo
\echo 'The model: four comparisons, levels from the level functions (level 0 else, highest exact).'
INSERT INTO fs_model (model, description) VALUES ('nl_demo', 'demo: birth date, sex, postcode, house number');
SELECT fs_add_comparison('nl_demo', 'birth_date', comparison_labels('compare_dates')) AS position
UNION ALL SELECT fs_add_comparison('nl_demo', 'sex', comparison_labels('exact'))
UNION ALL SELECT fs_add_comparison('nl_demo', 'postcode', comparison_labels('compare_postcodes'))
UNION ALL SELECT fs_add_comparison('nl_demo', 'house_number', comparison_labels('compare_house_numbers'));

\echo 'Candidate pairs and the agreement patterns EM works on:'
SELECT count(*) AS pairs, count(*) FILTER (WHERE is_match) AS true_matches, count(DISTINCT levels) AS patterns
FROM demo_scoring.pairs;

\echo 'u from 20,000 random pairs of record and register person (almost all non-matches):'
SELECT comparison, level, seen, round(u::numeric, 6) AS u
FROM fs_estimate_u_random('nl_demo', 'demo_scoring.records', 'demo_scoring.register',
    $$ARRAY[compare_dates(l.birth_date, r.birth_date), (l.sex = r.sex)::int,
            compare_postcodes(l.postcode, r.postcode),
            compare_house_numbers(l.house_number, l.house_suffix, r.house_number, r.house_suffix)]$$,
    sample_pairs => 20000, seed => 0.5)
WHERE level = 0 OR level = (SELECT max(x.level) FROM fs_level x WHERE x.model = 'nl_demo' AND x.comparison = fs_estimate_u_random.comparison);

\echo 'm by EM with u fixed, the way Splink trains: on pairs blocked on one field, with that'
\echo 'field left out (NULL, missing), so that the fixed u of the other fields still hold. First on'
\echo 'pairs sharing the birth date (trains sex, postcode, house number), then on pairs sharing the'
\echo 'postcode (trains birth date and sex; the house number is left out too, or EM would find the'
\echo 'households: people at one address agree on postcode and house number, not on birth date).'
\echo 'A comparison missing from every training pair keeps its m, so the sessions add up:'
\set QUIET on
CREATE TABLE demo_scoring.same_birth_date AS
SELECT ARRAY[NULL, (r.sex = p.sex)::int, compare_postcodes(r.postcode, p.postcode),
             compare_house_numbers(r.house_number, r.house_suffix, p.house_number, p.house_suffix)] AS levels
FROM demo_scoring.records r JOIN demo_scoring.register p ON p.birth_date = r.birth_date;
CREATE TABLE demo_scoring.same_postcode AS
SELECT ARRAY[compare_dates(r.birth_date, p.birth_date), (r.sex = p.sex)::int, NULL, NULL] AS levels
FROM demo_scoring.records r JOIN demo_scoring.register p ON p.postcode = normalise_postcode(r.postcode)
WHERE postcode_problem(r.postcode) IS NULL;
\set QUIET off
SELECT 'same birth date' AS training_pairs, t.pairs, t.iterations, t.converged, round(t.prior::numeric, 4) AS share_matching
FROM fs_train_em('nl_demo', 'SELECT levels FROM demo_scoring.same_birth_date', fix_u => true) t \gset first_
SELECT :'first_training_pairs' AS training_pairs, :first_pairs AS pairs, :first_iterations AS iterations,
       :'first_converged' AS converged, :first_share_matching AS share_matching
UNION ALL
SELECT 'same postcode', t.pairs, t.iterations, t.converged, round(t.prior::numeric, 4)
FROM fs_train_em('nl_demo', 'SELECT levels FROM demo_scoring.same_postcode', fix_u => true) t;

\echo 'The prior: the chance that a random record and a random register person match. The'
\echo 'pairs sharing the birth date hold a share of the matches (share_matching x pairs), which'
\echo 'is the share m(exact birth date) of all matches; all matches over all pairs is the prior.'
UPDATE fs_model SET prior = (:first_share_matching * :first_pairs
                             / (SELECT m FROM fs_level WHERE model = 'nl_demo' AND comparison = 'birth_date' AND level = 5))
                            / ((SELECT count(*) FROM demo_scoring.records) * (SELECT count(*) FROM demo_scoring.register))
WHERE model = 'nl_demo'
RETURNING round((prior * (SELECT count(*) FROM demo_scoring.records) * (SELECT count(*) FROM demo_scoring.register))::numeric)
          AS matches_expected, prior;
SELECT comparison, level, label, round(m::numeric, 4) AS m, round(u::numeric, 6) AS u,
       round((log(2, m::numeric) - log(2, u::numeric))::numeric, 2) AS weight
FROM fs_level l JOIN fs_comparison c USING (model, comparison)
WHERE model = 'nl_demo' ORDER BY c.position, level DESC;

\echo 'A record whose day and month of birth were swapped, against its true person: the waterfall.'
SELECT e.position, e.comparison, e.level, e.label, round(e.weight::numeric, 2) AS weight,
       round(e.cumulative_weight::numeric, 2) AS total, round(e.cumulative_probability::numeric, 4) AS probability
FROM demo_scoring.pairs p, explain_match('nl_demo', p.levels) e
WHERE p.is_match AND p.levels[1] = 4
  AND p.record_no = (SELECT min(record_no) FROM demo_scoring.pairs WHERE is_match AND levels[1] = 4);

\echo 'Each record''s best candidate, at match probability 0.9 and above, against the ground truth:'
WITH scored AS (
    SELECT p.*, match_weight('nl_demo', p.levels) AS w,
           row_number() OVER (PARTITION BY p.record_no ORDER BY match_weight('nl_demo', p.levels) DESC) AS rank
    FROM demo_scoring.pairs p)
SELECT count(*) AS records_linked,
       count(*) FILTER (WHERE is_match) AS correct,
       count(*) FILTER (WHERE NOT is_match) AS wrong,
       (SELECT count(DISTINCT record_no) FROM demo_scoring.pairs WHERE is_match) AS records_with_true_candidate
FROM scored WHERE rank = 1 AND match_probability(w) >= 0.9;

\set QUIET on
DROP SCHEMA demo_scoring CASCADE;
DELETE FROM fs_model WHERE model = 'nl_demo';
