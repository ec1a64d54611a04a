-- Synthetic data: a seeded, deterministic Dutch population register (persons,
-- address periods, postcodes) and NHR-style registry extracts with ground
-- truth, generated row by row in C (src/synth*.c).  Every row is a pure
-- function of the arguments and its number, so the functions are IMMUTABLE
-- and PARALLEL SAFE, and chunks (first, count) generated anywhere concatenate
-- to the whole.  Synthetic persons look like real ones to everything
-- downstream, so only the steward (who loads registers) and the admin may
-- generate them.  doc/synthetic-data.md documents every parameter.

CREATE FUNCTION pseudolink.synth_persons(
    seed bigint,
    persons bigint,
    first bigint DEFAULT 1,
    count bigint DEFAULT NULL,
    register_date date DEFAULT '2024-01-01')
RETURNS TABLE (person_id bigint, birth_date date, sex smallint, twin_person_id bigint)
AS 'MODULE_PATHNAME', 'pseudolink_synth_persons'
LANGUAGE C IMMUTABLE PARALLEL SAFE
ROWS 1000;

COMMENT ON FUNCTION pseudolink.synth_persons(bigint, bigint, bigint, bigint, date) IS
    'synthetic population register: persons first .. first+count-1 of a register of the given size (internal id, birth date, sex 1 man / 2 woman, the co-twin''s id); deterministic in seed';

CREATE FUNCTION pseudolink.synth_addresses(
    seed bigint,
    persons bigint,
    first bigint DEFAULT 1,
    count bigint DEFAULT NULL,
    register_date date DEFAULT '2024-01-01',
    history_from date DEFAULT '2014-01-01')
RETURNS TABLE (person_id bigint, postcode text, house_number integer, house_suffix text,
               valid_from date, valid_to date, kind text, reason text)
AS 'MODULE_PATHNAME', 'pseudolink_synth_addresses'
LANGUAGE C IMMUTABLE PARALLEL SAFE
ROWS 2000;

COMMENT ON FUNCTION pseudolink.synth_addresses(bigint, bigint, bigint, bigint, date, date) IS
    'synthetic population register: the address periods (valid_from inclusive, valid_to exclusive, NULL while current) of persons first .. first+count-1, with the kind of address and why each period starts';

CREATE FUNCTION pseudolink.synth_postcodes(
    seed bigint,
    persons bigint,
    register_date date DEFAULT '2024-01-01',
    history_from date DEFAULT '2014-01-01')
RETURNS TABLE (postcode text, kind text, addresses integer, valid_from date, valid_to date,
               successor text)
AS 'MODULE_PATHNAME', 'pseudolink_synth_postcodes'
LANGUAGE C IMMUTABLE PARALLEL SAFE
ROWS 1000;

COMMENT ON FUNCTION pseudolink.synth_postcodes(bigint, bigint, date, date) IS
    'synthetic population register: every postcode in use, its kind and number of addresses; a changed postcode has a row for its old code (valid_to, successor) and one for its new code (valid_from)';

CREATE FUNCTION pseudolink.synth_extract(
    seed bigint,
    persons bigint,
    registry text,
    records bigint,
    first bigint DEFAULT 1,
    count bigint DEFAULT NULL,
    batch bigint DEFAULT 1,
    event_from date DEFAULT '2020-01-01',
    event_to date DEFAULT '2023-12-31',
    error_rate double precision DEFAULT 0.02,
    not_in_register double precision DEFAULT 0.02,
    register_date date DEFAULT '2024-01-01',
    history_from date DEFAULT '2014-01-01')
RETURNS TABLE (record_no bigint, registry text, event_date text, birth_date text, sex text,
               postcode text, house_number integer, house_suffix text,
               true_person_id bigint, errors text[])
AS 'MODULE_PATHNAME', 'pseudolink_synth_extract'
LANGUAGE C IMMUTABLE PARALLEL SAFE
ROWS 1000;

COMMENT ON FUNCTION pseudolink.synth_extract(bigint, bigint, text, bigint, bigint, bigint, bigint, date, date, double precision, double precision, date, date) IS
    'synthetic NHR registry extract (PCI, CABG or TAVI) drawn from the synthetic register of the same seed and size: records first .. first+count-1 as uploaded (DD-MM-YYYY dates, sex 1/2/-1, postcode with 0000 abroad and -1 unknown) with realistic errors, and the ground truth (true person id or NULL, errors applied)';

REVOKE ALL ON FUNCTION pseudolink.synth_persons(bigint, bigint, bigint, bigint, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION pseudolink.synth_addresses(bigint, bigint, bigint, bigint, date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION pseudolink.synth_postcodes(bigint, bigint, date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION pseudolink.synth_extract(bigint, bigint, text, bigint, bigint, bigint, bigint, date, date, double precision, double precision, date, date) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION pseudolink.synth_persons(bigint, bigint, bigint, bigint, date)
    TO pseudolink_steward, pseudolink_admin;
GRANT EXECUTE ON FUNCTION pseudolink.synth_addresses(bigint, bigint, bigint, bigint, date, date)
    TO pseudolink_steward, pseudolink_admin;
GRANT EXECUTE ON FUNCTION pseudolink.synth_postcodes(bigint, bigint, date, date)
    TO pseudolink_steward, pseudolink_admin;
GRANT EXECUTE ON FUNCTION pseudolink.synth_extract(bigint, bigint, text, bigint, bigint, bigint, bigint, date, date, double precision, double precision, date, date)
    TO pseudolink_steward, pseudolink_admin;
