\pset footer off
\echo 'Synthetic data: a register of 20,000 persons with address history, and a PCI extract'
\echo 'of 2,000 records with realistic errors and ground truth, all from seed 2024.'
\set QUIET on
CREATE SCHEMA demo_synth;
CREATE TABLE demo_synth.person AS
    SELECT * FROM pseudolink.synth_persons(seed => 2024, persons => 20000);
CREATE TABLE demo_synth.address AS
    SELECT * FROM pseudolink.synth_addresses(seed => 2024, persons => 20000);
CREATE TABLE demo_synth.pci AS
    SELECT * FROM pseudolink.synth_extract(seed => 2024, persons => 20000, registry => 'PCI', records => 2000);

\set QUIET off
\echo 'The register:'
SELECT (SELECT count(*) FROM demo_synth.person) AS persons,
       (SELECT count(*) FROM demo_synth.address) AS address_periods,
       (SELECT count(*) FROM demo_synth.person WHERE twin_person_id IS NOT NULL) AS twins,
       (SELECT count(DISTINCT postcode) FROM demo_synth.address WHERE valid_to IS NULL) AS postcodes_in_use,
       (SELECT count(*) FROM demo_synth.address WHERE valid_to IS NULL AND kind = 'care_home') AS in_care_homes;

\echo 'One person''s address history (a move, and a postcode that changed under the same house):'
SELECT a.person_id, a.postcode, a.house_number, a.house_suffix, a.valid_from, a.valid_to, a.reason
FROM demo_synth.address a
WHERE a.person_id = (SELECT person_id FROM demo_synth.address WHERE reason = 'postcode_change'
                     AND person_id IN (SELECT person_id FROM demo_synth.address WHERE reason = 'move'
                                       AND valid_from > '2014-01-01')
                     ORDER BY person_id LIMIT 1)
ORDER BY a.valid_from;

\echo 'The PCI extract as the registry uploads it, with the ground truth on the right:'
SELECT record_no, event_date, birth_date, sex, postcode, house_number AS nr, house_suffix AS sfx,
       true_person_id, errors
FROM demo_synth.pci WHERE record_no <= 4 OR errors <> '{}' OR true_person_id IS NULL
ORDER BY record_no LIMIT 10;

\echo 'Errors per field (about 2% each) and patients not in the register:'
SELECT split_part(e, '_', 1) || CASE WHEN e LIKE 'birth%' THEN '_date' WHEN e LIKE 'house%' THEN '_number' ELSE '' END AS field,
       count(*) AS records, round(100.0 * count(*) / 2000, 1) AS pct
FROM demo_synth.pci, unnest(errors) e GROUP BY 1
UNION ALL
SELECT 'not in register', count(*), round(100.0 * count(*) / 2000, 1)
FROM demo_synth.pci WHERE true_person_id IS NULL
ORDER BY 1;

\set QUIET on
SET client_min_messages = warning;
DROP SCHEMA demo_synth CASCADE;
