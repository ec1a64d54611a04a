-- The comparisons of the link run and the default Dutch model 'nl'.
--
-- Also sets up what 66-69 link: a register of 3,000 synthetic persons plus
-- a few made by hand (a person who moved, same-sex twins at one address,
-- a person to review, a person who will object), and a CABG upload of 300
-- synthetic records with ground truth plus one record per case.
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

-- Comparing an address with a history ----------------------------------------

-- One period valid 2010-2020 at 1234AB 12, the next from 2020 at 9999ZZ 5.
CREATE TEMP TABLE hist AS
SELECT ARRAY['1234AB', '9999ZZ'] AS pc, ARRAY[12, 5] AS nr, ARRAY[NULL, NULL]::text[] AS sfx,
       ARRAY[date '2010-01-01', date '2020-06-01'] AS vf, ARRAY[date '2020-06-01', NULL] AS vt;
-- postcode 4 exact at the reference date, 3 exact at another period, 2 one
-- character wrong or letters swapped, 1 same four digits, 0 else; the house
-- number at the period whose postcode agreed best.
SELECT v.what, link_address_levels(v.pc, v.nr, v.sfx, v.ref, h.pc, h.nr, h.sfx, h.vf, h.vt) AS levels
FROM hist h, (VALUES
    ('current address on a recent date', '9999ZZ', 5, NULL, date '2022-01-01'),
    ('former address on a recent date', '1234 ab', 12, NULL, date '2022-01-01'),
    ('former address on its own date', '1234AB', 12, NULL, date '2015-01-01'),
    ('current address on an old date', '9999ZZ', 5, NULL, date '2015-01-01'),
    ('no reference date: every period counts', '1234AB', 12, NULL, NULL),
    ('letters swapped', '1234BA', 12, NULL, date '2015-01-01'),
    ('one letter wrong', '1234AC', 12, NULL, date '2015-01-01'),
    ('one digit wrong', '1244AB', 12, NULL, date '2015-01-01'),
    ('same four digits', '1234XY', 12, NULL, date '2015-01-01'),
    ('other postcode', '5611AA', 12, NULL, date '2015-01-01'),
    ('house number wrong', '9999ZZ', 6, NULL, date '2022-01-01'),
    ('suffix the person lacks', '9999ZZ', 5, 'a', date '2022-01-01'),
    ('no house number', '9999ZZ', NULL, NULL, date '2022-01-01'),
    ('abroad (0000): postcode missing', '0000', 5, NULL, date '2022-01-01'),
    ('unknown postcode (-1): missing', '-1', 12, NULL, date '2015-01-01'),
    ('no postcode', NULL, NULL, NULL, date '2022-01-01')) v(what, pc, nr, sfx, ref);
-- Suffixes compare as compare_house_numbers does: filler dropped, any case.
SELECT link_address_levels('3511AB', 7, ' -a', date '2022-01-01', ARRAY['3511AB'], ARRAY[7], ARRAY['A'],
                           ARRAY[date '2000-01-01'], ARRAY[NULL::date]) AS suffix_filler;
-- No periods at all: both missing.
SELECT link_address_levels('3511AB', 7, NULL, date '2022-01-01', '{}', '{}', '{}', '{}', '{}') AS no_history,
       link_address_levels('3511AB', 7, NULL, date '2022-01-01', NULL, NULL, NULL, NULL, NULL) AS null_history;
-- All four comparisons of model nl: birth date, sex, postcode, house number.
SELECT v.what, link_levels(v.bd, v.sex, '9999ZZ', 5, NULL, date '2022-01-01', date '1950-03-07', v.psex,
                           h.pc, h.nr, h.sfx, h.vf, h.vt) AS levels
FROM hist h, (VALUES
    ('all agree', date '1950-03-07', 1, 1),
    ('day and month swapped', date '1950-07-03', 1, 1),
    ('one digit wrong', date '1950-03-08', 1, 1),
    ('other sex', date '1950-03-07', 2, 1),
    ('unknown sex', date '1950-03-07', NULL, 1),
    ('sex 9 is no sex', date '1950-03-07', 9, 1),
    ('no birth date', NULL, 1, 1)) v(what, bd, sex, psex);
-- Bad input.
SELECT pg_temp.fails($$SELECT link_address_levels('3511AB', 7, NULL, NULL, ARRAY['3511AB', '1234AB'], ARRAY[7], ARRAY[NULL::text],
                           ARRAY[date '2000-01-01'], ARRAY[NULL::date])$$);
SELECT pg_temp.fails($$SELECT link_address_levels('3511AB', 7, NULL, NULL, ARRAY[['3511AB']], ARRAY[[7]], ARRAY[[NULL::text]],
                           ARRAY[[date '2000-01-01']], ARRAY[[NULL::date]])$$);

-- The register --------------------------------------------------------------------

SELECT count(*) > 0 AS rules FROM add_dutch_blocking_rules('link_regress');
INSERT INTO register_person_staging (person_id, birth_date, sex)
SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM synth_persons(11, 3000);
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
SELECT person_id, postcode, house_number, house_suffix, to_char(valid_from, 'DD-MM-YYYY'), to_char(valid_to, 'DD-MM-YYYY')
FROM synth_addresses(11, 3000);
-- 900001 moved in 2020; 900002 and 900003 are twin sisters at one address;
-- 900004 is found with errors; 900006 objects.
INSERT INTO register_person_staging (person_id, birth_date, sex) VALUES
    ('900001', '07-03-1950', '1'), ('900002', '11-11-1961', '2'), ('900003', '11-11-1961', '2'),
    ('900004', '02-02-1972', '2'), ('900006', '02-01-1945', '1');
INSERT INTO register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to) VALUES
    ('900001', '1234AB', '12', NULL, '01-01-2010', '01-06-2020'),
    ('900001', '9999ZZ', '5', NULL, '01-06-2020', NULL),
    ('900002', '3511AB', '7', NULL, '01-01-1990', NULL),
    ('900003', '3511AB', '7', NULL, '01-01-1990', NULL),
    ('900004', '2500FI', '3', NULL, '01-01-2000', NULL),
    ('900006', '3000AA', '10', NULL, '01-01-2005', NULL);
SELECT persons_added, persons_rejected FROM register_load('link_regress');

-- The upload: 300 synthetic CABG records and one per case.
CREATE ROLE regress_link_cabg NOLOGIN IN ROLE pseudolink_registry;
INSERT INTO upload_registry (code, uploader, description) VALUES ('CABG', 'regress_link_cabg', 'CABG operations');
CREATE TABLE public.link_extract AS
SELECT record_no::text, event_date, birth_date, sex, postcode, house_number::text, house_suffix, true_person_id
FROM synth_extract(11, 3000, 'CABG', 300);
INSERT INTO public.link_extract VALUES
    ('h1', '01-05-2022', '07-03-1950', '1', '9999 ZZ', '5', NULL, 900001),   -- unique
    ('h2', '01-05-2022', '07-03-1950', '1', '1234AB', '12', NULL, 900001),   -- former address: unique, lower weight
    ('h3', '01-05-2022', '11-11-1961', '2', '3511AB', '7', NULL, 900002),    -- twins: multiple
    ('h4', '01-05-2022', '20-02-1972', '2', '2500FI', NULL, NULL, 900004),   -- errors: review
    ('h5', '01-05-2022', '08-08-1980', '1', '1011AA', '1', NULL, 900005),    -- not in the register yet: none
    ('h6', '01-05-2022', '02-01-1945', '1', '3000AA', '10', NULL, 900006);   -- objects
GRANT SELECT ON public.link_extract TO regress_link_cabg;
SET ROLE regress_link_cabg;
SELECT open_upload('CABG', '2022', 'CABG 2022') AS upload \gset
INSERT INTO upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)
SELECT :upload, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix FROM public.link_extract;
SELECT state, accepted, rejected FROM close_upload(:upload);
RESET ROLE;
SELECT field, reason, rows FROM upload_reject_summary WHERE upload_id = :upload ORDER BY field;

-- The default model ------------------------------------------------------------------

-- m from an error rate of 2% per field split over the levels, u from the
-- register (exact levels from value frequencies, others from random pairs),
-- prior 0.98 / persons.  Weights in bits.
SELECT comparison, level, label, round(m::numeric, 4) AS m, round(weight::numeric, 1) AS weight
FROM link_default_model('nl');
SELECT round(log(2, prior::numeric / (1 - prior::numeric)), 2) AS prior_bits, estimation LIKE 'default Dutch parameters%' AS described
FROM fs_model WHERE model = 'nl';
-- The report sets the parameters beside the defaults: the same, before training.
SELECT position, comparison, level, round(weight::numeric, 1) AS weight, weight = weight_default AS as_default
FROM link_model_report('nl') WHERE comparison IN ('sex', 'postcode');
-- The functions that draw seeded random samples from the register and the
-- uploads scan them from the first page, never synchronised with another
-- scan (which, on tables larger than a quarter of shared_buffers, drew
-- another sample of the same 18 M register on every load; 23_estimate
-- shows the effect on a smaller table).
SELECT p.proname, 'synchronize_seqscans=off' = ANY (p.proconfig) AS scans_from_the_start
FROM pg_proc p WHERE p.pronamespace = 'pseudolink'::regnamespace
  AND p.proname IN ('link_default_model', 'link_train_em', 'fs_estimate_u_random') ORDER BY 1;
-- Bad input.
SELECT pg_temp.fails($$SELECT * FROM link_default_model('nl', error_rate => 0.7)$$);
SELECT pg_temp.fails($$SELECT * FROM link_default_model('nl', linkable => 0)$$);
SELECT pg_temp.fails($$SELECT * FROM link_default_model('', 0.02)$$);
SELECT pg_temp.fails($$SELECT * FROM link_default_model('nl', sample_pairs => 10)$$);
SELECT pg_temp.fails($$SELECT * FROM link_model_report('no_such_model')$$);
SELECT pg_temp.fails(format('SELECT * FROM link_train_em(%L, %s)', 'no_such_model', :upload));
SELECT pg_temp.fails(format('SELECT * FROM link_train_em(%L, %s, records => 0)', 'nl', :upload));
SELECT pg_temp.fails($$SELECT * FROM link_train_em('nl', -1)$$);

-- Trained by EM on the upload (u fixed): m moves, the prior is re-estimated.
CREATE TEMP TABLE em AS SELECT * FROM link_train_em('nl', :upload, seed => 0.25);
SELECT session, pairs > 300 AS enough_pairs, converged, prior > 0 AND prior < 0.01 AS prior_plausible FROM em;
SELECT comparison, round(sum(m)::numeric, 6) AS m_sum, bool_and(u = u_default) AS u_kept,
       bool_or(m <> m_default) AS m_moved
FROM link_model_report('nl') GROUP BY comparison, position ORDER BY position;
SELECT estimation LIKE 'EM with u fixed on 304 records of upload%' AS trained FROM fs_model WHERE model = 'nl';
-- A sample of the upload, the same whatever plan reads the records: here
-- once as planned and once by the index on (upload, record number), whose
-- text order ('1', '10', '100', ...) is not the order the rows were written.
SELECT count(*) FROM link_default_model('nl');
CREATE TEMP TABLE em_sample AS SELECT * FROM link_train_em('nl', :upload, records => 100, seed => 0.25);
CREATE TEMP TABLE m_sample AS SELECT comparison, level, m FROM fs_level WHERE model = 'nl';
SELECT count(*) FROM link_default_model('nl');
SET enable_seqscan = off;
SET enable_bitmapscan = off;
CREATE TEMP TABLE em_by_index AS SELECT * FROM link_train_em('nl', :upload, records => 100, seed => 0.25);
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT (SELECT array_agg(pairs ORDER BY session) FROM em_sample) = (SELECT array_agg(pairs ORDER BY session) FROM em_by_index)
       AS same_pairs,
       bool_and(a.m = b.m) AS same_m
FROM m_sample a JOIN fs_level b ON b.model = 'nl' AND b.comparison = a.comparison AND b.level = a.level;
-- Back to the defaults for the runs of the next tests.
SELECT count(*) AS levels FROM link_default_model('nl');
