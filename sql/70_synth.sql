-- Synthetic data generator: sample output, determinism, chunking, formats,
-- ground truth, and every error message.
SET search_path = pseudolink, public;
SET DateStyle = ISO;

-- A small register: persons, their address periods, the postcodes in use.
SELECT * FROM synth_persons(seed => 7, persons => 10000, first => 1, count => 6);
SELECT * FROM synth_addresses(7, 10000, first => 1, count => 3);
SELECT * FROM synth_postcodes(7, 10000) WHERE successor IS NOT NULL OR kind <> 'home' ORDER BY kind, postcode LIMIT 6;
SELECT * FROM synth_extract(7, 10000, 'TAVI', records => 5);
SELECT registry, record_no FROM synth_extract(7, 10000, 'cabg', records => 1);

-- The same seed gives the same rows, another seed other rows.
SELECT count(*) AS differing_persons FROM (
    SELECT * FROM synth_persons(7, 10000) EXCEPT ALL SELECT * FROM synth_persons(7, 10000)) d;
SELECT count(*) AS differing_periods FROM (
    SELECT * FROM synth_addresses(7, 10000) EXCEPT ALL SELECT * FROM synth_addresses(7, 10000)) d;
SELECT count(*) AS shared_persons
FROM synth_persons(7, 10000) a JOIN synth_persons(8, 10000) b USING (person_id, birth_date, sex);

-- Chunks concatenate to the whole.
WITH whole AS (SELECT * FROM synth_addresses(7, 10000)),
     chunks AS (SELECT * FROM synth_addresses(7, 10000, 1, 3000)
                UNION ALL SELECT * FROM synth_addresses(7, 10000, 3001, 6999)
                UNION ALL SELECT * FROM synth_addresses(7, 10000, 10000))
SELECT (SELECT count(*) FROM whole) AS periods,
       (SELECT count(*) FROM (SELECT * FROM whole EXCEPT ALL SELECT * FROM chunks) d) AS missing,
       (SELECT count(*) FROM (SELECT * FROM chunks EXCEPT ALL SELECT * FROM whole) d) AS extra;
SELECT (SELECT array_agg(r ORDER BY r.record_no) FROM synth_extract(7, 10000, 'PCI', 2000, 1, 777) r) ||
       (SELECT array_agg(r ORDER BY r.record_no) FROM synth_extract(7, 10000, 'PCI', 2000, 778, 1223) r)
     = (SELECT array_agg(r ORDER BY r.record_no) FROM synth_extract(7, 10000, 'PCI', 2000) r) AS record_chunks_concatenate;

-- A smaller register is the start of a larger one (persons only: postcodes
-- scale with the register).
SELECT count(*) AS same_first_persons
FROM synth_persons(7, 1000) a JOIN synth_persons(7, 10000, 1, 1000) b USING (person_id, birth_date, sex);

-- Streaming in the SELECT list gives the same rows as the FROM clause.
SELECT count(*) AS streamed, count(DISTINCT (p).person_id) AS distinct_ids
FROM (SELECT synth_persons(7, 10000) AS p) s;

-- Empty chunks are allowed.
SELECT count(*) FROM synth_persons(7, 10000, first => 10000, count => 0);

-- Error messages.
SELECT * FROM synth_persons(NULL, 10);
SELECT * FROM synth_persons(1, NULL);
SELECT * FROM synth_persons(1, 0);
SELECT * FROM synth_persons(1, -5);
SELECT * FROM synth_persons(1, 50000001);
SELECT * FROM synth_persons(1, 100, first => 0);
SELECT * FROM synth_persons(1, 100, first => 101);
SELECT * FROM synth_persons(1, 100, first => NULL);
SELECT * FROM synth_persons(1, 100, count => -1);
SELECT * FROM synth_persons(1, 100, first => 90, count => 12);
SELECT * FROM synth_persons(1, 100, register_date => 'infinity');
SELECT * FROM synth_persons(1, 100, register_date => '1850-01-01');
SELECT * FROM synth_addresses(1, 100, register_date => '2024-01-01', history_from => '2024-01-01');
SELECT * FROM synth_addresses(1, 100, history_from => '1920-01-01');
SELECT * FROM synth_postcodes(1, 100, history_from => NULL);
SELECT * FROM synth_extract(1, 100, 'ICD', 10);
SELECT * FROM synth_extract(1, 100, NULL, 10);
SELECT * FROM synth_extract(1, 100, 'PCI', 0);
SELECT * FROM synth_extract(1, 100, 'PCI', 10, first => 11);
SELECT * FROM synth_extract(1, 100, 'PCI', 10, batch => 0);
SELECT * FROM synth_extract(1, 100, 'PCI', 10, event_from => '2023-01-01', event_to => '2022-01-01');
SELECT * FROM synth_extract(1, 100, 'PCI', 10, event_from => '2010-01-01');
SELECT * FROM synth_extract(1, 100, 'PCI', 10, event_to => '2024-01-01');
SELECT * FROM synth_extract(1, 100, 'PCI', 10, error_rate => 0.6);
SELECT * FROM synth_extract(1, 100, 'PCI', 10, error_rate => 'NaN');
SELECT * FROM synth_extract(1, 100, 'PCI', 10, not_in_register => -0.1);
