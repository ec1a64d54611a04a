-- The population register: persons (internal id, birth date, sex, root
-- pseudonym), their address periods, and one blocking key set per person
-- with the GIN index that the link run searches.  doc/pipeline.md
-- describes the input formats and the load.
--
-- The steward COPYs the register into two staging tables whose columns are
-- all text, so that a bad value never aborts the COPY with an error that
-- quotes it (COPY's error context repeats the value, and errors go to the
-- server log).  register_load() then checks every staged row in one pass
-- per table, records each bad row with its row number and the rule it
-- breaks, and loads the good rows set-based: pseudonyms, key sets and the
-- index are built in bulk, never row by row, so that the same procedure
-- serves a register of 18 million persons.  Bad rows are never skipped
-- silently: unless max_rejects allows them, one bad row stops the load
-- with an error and nothing changes.
--
-- The register tables are written only by register_load() (SECURITY
-- DEFINER); the steward reads them.  Every table holding data is extension
-- configuration, so that pg_dump keeps it.  Function bodies pin search_path
-- to pg_catalog, pg_temp; operators are never looked up in pg_temp, so the
-- unqualified operators of the long set-based queries are pg_catalog's
-- (pseudonyms, whose operators live in pseudolink, are compared with
-- OPERATOR(pseudolink.<>)).

-- Staging ---------------------------------------------------------------
--
-- Unlogged: the staged rows are a copy of files the steward still has, on
-- their way into the register, and writing them to the WAL as well cost
-- about an eighth of the COPY (3 M persons and their 6.2 M periods: 4.3 to
-- 4.4 s unlogged against 4.9 to 5.0 s for the periods).  A crash empties
-- them (and restarts their row numbers); the load then refuses to run on
-- empty staging tables, and the steward COPYs the files again.  Standbys
-- do not get them, which no one needs: loads run on the primary.

CREATE UNLOGGED TABLE pseudolink.register_person_staging (
    row_no     bigint GENERATED ALWAYS AS IDENTITY,
    person_id  text,
    birth_date text,
    sex        text
);
COMMENT ON TABLE pseudolink.register_person_staging IS
    'register persons as delivered (CSV columns person_id, birth_date, sex, all text), until register_load() checks and loads them';
COMMENT ON COLUMN pseudolink.register_person_staging.row_no IS
    'the row''s number: rows are numbered from 1 in the order they arrive after each load (the data line of a single CSV file)';
COMMENT ON COLUMN pseudolink.register_person_staging.person_id IS
    'internal person id: a whole number from 1 to 999999999999999999';
COMMENT ON COLUMN pseudolink.register_person_staging.birth_date IS 'birth date, DD-MM-YYYY or YYYY-MM-DD';
COMMENT ON COLUMN pseudolink.register_person_staging.sex IS 'sex: 1 man, 2 woman, -1 unknown (or the words normalise_sex accepts)';

CREATE UNLOGGED TABLE pseudolink.register_address_staging (
    row_no       bigint GENERATED ALWAYS AS IDENTITY,
    person_id    text,
    postcode     text,
    house_number text,
    house_suffix text,
    valid_from   text,
    valid_to     text
);
COMMENT ON TABLE pseudolink.register_address_staging IS
    'address periods as delivered (CSV columns person_id, postcode, house_number, house_suffix, valid_from, valid_to, all text), until register_load() checks and loads them';
COMMENT ON COLUMN pseudolink.register_address_staging.row_no IS
    'the row''s number: rows are numbered from 1 in the order they arrive after each load';
COMMENT ON COLUMN pseudolink.register_address_staging.person_id IS 'the person living there';
COMMENT ON COLUMN pseudolink.register_address_staging.postcode IS 'postcode 1234 AB; 0000 abroad; -1 or empty unknown';
COMMENT ON COLUMN pseudolink.register_address_staging.house_number IS 'house number 1-99999; empty when none';
COMMENT ON COLUMN pseudolink.register_address_staging.house_suffix IS 'house number suffix (A, bis, 2hg); empty when none';
COMMENT ON COLUMN pseudolink.register_address_staging.valid_from IS 'first day of the period (inclusive), DD-MM-YYYY or YYYY-MM-DD';
COMMENT ON COLUMN pseudolink.register_address_staging.valid_to IS 'day the period ended (exclusive: the first day at the next address); empty while current';

-- The register ------------------------------------------------------------

CREATE TABLE pseudolink.register_person (
    person_id  bigint               NOT NULL,
    birth_date date                 NOT NULL,
    sex        smallint,
    pseudonym  pseudolink.pseudonym NOT NULL,
    CONSTRAINT register_person_pkey PRIMARY KEY (person_id),
    CONSTRAINT register_person_pseudonym_key UNIQUE (pseudonym),
    CONSTRAINT register_person_id_positive CHECK (person_id >= 1),
    CONSTRAINT register_person_sex_valid CHECK (sex IN (1, 2)),
    CONSTRAINT register_person_birth_date_valid CHECK (birth_date BETWEEN '1850-01-01' AND '2099-12-31')
);
COMMENT ON TABLE pseudolink.register_person IS
    'register persons: internal id, birth date, sex and root pseudonym; written by register_load() only';
COMMENT ON COLUMN pseudolink.register_person.person_id IS 'internal person id of the register';
COMMENT ON COLUMN pseudolink.register_person.birth_date IS 'birth date';
COMMENT ON COLUMN pseudolink.register_person.sex IS '1 man, 2 woman; NULL unknown';
COMMENT ON COLUMN pseudolink.register_person.pseudonym IS
    'root pseudonym (kind R): pseudonymise(''steward'', person_id) at the steward domain''s key version of the load';
COMMENT ON CONSTRAINT register_person_pkey ON pseudolink.register_person IS 'a person is in the register once';
COMMENT ON CONSTRAINT register_person_pseudonym_key ON pseudolink.register_person IS
    'a root pseudonym belongs to one person (and finds that person)';
COMMENT ON CONSTRAINT register_person_id_positive ON pseudolink.register_person IS 'person ids are positive';
COMMENT ON CONSTRAINT register_person_sex_valid ON pseudolink.register_person IS 'sex is 1, 2 or unknown';
COMMENT ON CONSTRAINT register_person_birth_date_valid ON pseudolink.register_person IS
    'birth years 1850-2099, as normalise_birth_date accepts';

CREATE TABLE pseudolink.register_address (
    person_id    bigint  NOT NULL,
    postcode     text,
    house_number integer,
    house_suffix text,
    valid_from   date    NOT NULL,
    valid_to     date,
    CONSTRAINT register_address_pkey PRIMARY KEY (person_id, valid_from),
    CONSTRAINT register_address_person_fkey FOREIGN KEY (person_id)
        REFERENCES pseudolink.register_person (person_id),
    CONSTRAINT register_address_period_valid CHECK (valid_to > valid_from),
    -- (C checks, not regular expressions: a row costs a tenth as much)
    CONSTRAINT register_address_postcode_valid
        CHECK (pseudolink.normalise_postcode(postcode) IS NOT DISTINCT FROM postcode),
    CONSTRAINT register_address_house_number_valid CHECK (house_number BETWEEN 1 AND 99999),
    CONSTRAINT register_address_house_suffix_valid
        CHECK (pseudolink.parse_house_suffix(house_suffix) IS NOT DISTINCT FROM house_suffix),
    CONSTRAINT register_address_suffix_needs_number CHECK (house_suffix IS NULL OR house_number IS NOT NULL)
);
COMMENT ON TABLE pseudolink.register_address IS
    'address periods of register persons, without overlaps per person; written by register_load() only';
COMMENT ON COLUMN pseudolink.register_address.person_id IS 'the person living there';
COMMENT ON COLUMN pseudolink.register_address.postcode IS 'postcode 1234AB; 0000 abroad; NULL unknown';
COMMENT ON COLUMN pseudolink.register_address.house_number IS 'house number; NULL when none';
COMMENT ON COLUMN pseudolink.register_address.house_suffix IS 'house number suffix, upper case without separators; NULL when none';
COMMENT ON COLUMN pseudolink.register_address.valid_from IS 'first day of the period (inclusive)';
COMMENT ON COLUMN pseudolink.register_address.valid_to IS 'first day after the period (exclusive); NULL while current';
COMMENT ON CONSTRAINT register_address_pkey ON pseudolink.register_address IS 'a person''s periods start on different days';
COMMENT ON CONSTRAINT register_address_person_fkey ON pseudolink.register_address IS 'a period belongs to a register person';
COMMENT ON CONSTRAINT register_address_period_valid ON pseudolink.register_address IS 'a period ends after it starts';
COMMENT ON CONSTRAINT register_address_postcode_valid ON pseudolink.register_address IS 'normalised postcode 1234AB or 0000 (abroad)';
COMMENT ON CONSTRAINT register_address_house_number_valid ON pseudolink.register_address IS 'house numbers 1-99999';
COMMENT ON CONSTRAINT register_address_house_suffix_valid ON pseudolink.register_address IS 'normalised suffix: 1-16 letters and digits';
COMMENT ON CONSTRAINT register_address_suffix_needs_number ON pseudolink.register_address IS 'a suffix belongs to a house number';

-- One key set per person, the union over all periods, stored in birth date
-- order (neighbouring candidates share pages, doc/blocking.md), with what
-- the link run compares of the person: birth date, sex, root pseudonym and
-- the address history as arrays (link_levels() takes them so).  A candidate
-- found in the GIN index is then scored from the row the index points to,
-- beside the other candidates of its birth date: looking each one up in
-- register_person and register_address instead (two index probes into
-- tables in person order) cost 7.8 times as much for 2,000 records'
-- second-pass candidates at 3 M persons, and at 18 M persons, where those
-- tables no longer fit in memory, most of the link run.  Derived data,
-- rebuilt by every load; no foreign key, since register_load() is its only
-- writer and checks every key in one pass instead of one per row.
--
-- Hash-partitioned by person so that a replace load can build the key sets
-- and their GIN indexes in several sessions at once, one partition each
-- (register_build_keys): PostgreSQL 15 builds a GIN index in one process,
-- and the build is the largest step of a national load.  Four partitions:
-- every link probe searches one index per partition (at 3 M persons a
-- first-pass probe cost 53 µs against one table, 78 µs against two
-- partitions and 120 µs against four), but at 18 M persons a partition of
-- a quarter builds within the sessions' memory and two of its GIN indexes
-- within the shared buffers, and two sessions built four in 329 s against
-- 497 s for two (doc/national-scale.md).  register_keys_partitions() is the
-- count every function below goes by.
-- Its indexes (register_keys_pkey, register_keys_gin, and those of the
-- partitions they are made of) are built the way every load builds them,
-- at the end of 61_register_keys.sql.
CREATE FUNCTION pseudolink.register_keys_partitions()
RETURNS integer
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
RETURN 4;
COMMENT ON FUNCTION pseudolink.register_keys_partitions() IS
    'the number of hash partitions of register_keys (register_keys_p0, register_keys_p1, ...)';

CREATE TABLE pseudolink.register_keys (
    person_id      bigint               NOT NULL,
    keys           pseudolink.blockkeys NOT NULL,
    birth_date     date                 NOT NULL,
    sex            smallint,
    pseudonym      pseudolink.pseudonym NOT NULL,
    postcodes      text[],
    house_numbers  integer[],
    house_suffixes text[],
    valid_from     date[],
    valid_to       date[]
) PARTITION BY HASH (person_id);
COMMENT ON TABLE pseudolink.register_keys IS
    'blocking key set of every register person (target side) under the model of the last load, with the person''s birth date, sex, root pseudonym and address history, in register_keys_partitions() hash partitions; the link run searches register_keys_gin';
COMMENT ON COLUMN pseudolink.register_keys.person_id IS 'register person';
COMMENT ON COLUMN pseudolink.register_keys.keys IS
    'union of blocking_keys(model, ...) over the person''s address periods (the person alone when there are none)';
COMMENT ON COLUMN pseudolink.register_keys.birth_date IS 'the person''s birth date (register_person)';
COMMENT ON COLUMN pseudolink.register_keys.sex IS 'the person''s sex (register_person)';
COMMENT ON COLUMN pseudolink.register_keys.pseudonym IS 'the person''s root pseudonym (register_person)';
COMMENT ON COLUMN pseudolink.register_keys.postcodes IS
    'postcode of each address period (register_address), one element per period in the same order in all five arrays; NULL when the person has none';
COMMENT ON COLUMN pseudolink.register_keys.house_numbers IS 'house number of each address period';
COMMENT ON COLUMN pseudolink.register_keys.house_suffixes IS 'house number suffix of each address period';
COMMENT ON COLUMN pseudolink.register_keys.valid_from IS 'first day of each address period';
COMMENT ON COLUMN pseudolink.register_keys.valid_to IS 'first day at the next address of each period (NULL: current)';

DO $$
BEGIN
    FOR part IN 0..pseudolink.register_keys_partitions() - 1 LOOP
        EXECUTE format('CREATE TABLE pseudolink.register_keys_p%s PARTITION OF pseudolink.register_keys '
                       'FOR VALUES WITH (MODULUS %s, REMAINDER %s)', part, pseudolink.register_keys_partitions(), part);
        EXECUTE format('COMMENT ON TABLE pseudolink.register_keys_p%s IS %L', part,
                       format('partition %s of register_keys (a hash of the person id, modulus %s)',
                              part, pseudolink.register_keys_partitions()));
        PERFORM pg_catalog.pg_extension_config_dump(format('pseudolink.register_keys_p%s', part)::regclass, '');
    END LOOP;
END
$$;

-- Which partitions of register_keys the last load has built (one row per
-- partition, written by every load).  A replace load with build_keys =>
-- false leaves them all unbuilt; every register_build_keys() session claims
-- one at a time (a row lock, held while it builds, so that a session that
-- dies gives its partition back; 61_register_keys.sql).
CREATE TABLE pseudolink.register_keys_part (
    part          integer     NOT NULL,
    load_id       integer     NOT NULL,
    built_at      timestamptz,
    built_by      name,
    key_sets      bigint,
    keys_seconds  numeric,
    index_seconds numeric,
    CONSTRAINT register_keys_part_pkey PRIMARY KEY (part),
    CONSTRAINT register_keys_part_valid CHECK (part >= 0 AND part < pseudolink.register_keys_partitions())
);
COMMENT ON TABLE pseudolink.register_keys_part IS
    'the partitions of register_keys: whether the key sets of the last load are built in each, when, by whom and how long it took';
COMMENT ON COLUMN pseudolink.register_keys_part.part IS 'partition number (register_keys_p0, register_keys_p1, ...; fewer than register_keys_partitions())';
COMMENT ON COLUMN pseudolink.register_keys_part.load_id IS 'the register load whose key sets the partition holds or waits for';
COMMENT ON COLUMN pseudolink.register_keys_part.built_at IS 'when its key sets and indexes were built; NULL while they are not';
COMMENT ON COLUMN pseudolink.register_keys_part.built_by IS 'session user that built them';
COMMENT ON COLUMN pseudolink.register_keys_part.key_sets IS
    'key sets in the partition, as built by register_build_keys(); NULL when register_load() built every partition in one pass';
COMMENT ON COLUMN pseudolink.register_keys_part.keys_seconds IS
    'seconds register_build_keys() spent on its key sets and primary key (NULL when register_load() built them)';
COMMENT ON COLUMN pseudolink.register_keys_part.index_seconds IS
    'seconds register_build_keys() spent on its GIN index (NULL when register_load() built it)';
COMMENT ON CONSTRAINT register_keys_part_pkey ON pseudolink.register_keys_part IS 'one row per partition';
COMMENT ON CONSTRAINT register_keys_part_valid ON pseudolink.register_keys_part IS 'one of the register_keys_partitions() partitions';

-- Loads and rejects ------------------------------------------------------

CREATE TABLE pseudolink.register_load (
    load_id          integer     GENERATED ALWAYS AS IDENTITY,
    mode             text        NOT NULL,
    model            text        NOT NULL,
    key_version      integer     NOT NULL,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL,
    loaded_by        name        NOT NULL DEFAULT session_user,
    persons_staged   bigint      NOT NULL,
    persons_rejected bigint      NOT NULL,
    persons_added    bigint      NOT NULL,
    persons_changed  bigint      NOT NULL,
    persons_removed  bigint      NOT NULL,
    periods_staged   bigint      NOT NULL,
    periods_rejected bigint      NOT NULL,
    periods_loaded   bigint      NOT NULL,
    key_sets_built   bigint      NOT NULL,
    register_persons bigint      NOT NULL,
    register_periods bigint      NOT NULL,
    check_seconds    numeric     NOT NULL,
    persons_seconds  numeric     NOT NULL,
    periods_seconds  numeric     NOT NULL,
    keys_seconds     numeric     NOT NULL,
    index_seconds    numeric     NOT NULL,
    keys_built_at    timestamptz,
    CONSTRAINT register_load_pkey PRIMARY KEY (load_id),
    CONSTRAINT register_load_mode_valid CHECK (mode IN ('replace', 'merge')),
    CONSTRAINT register_load_persons_add_up CHECK (persons_rejected <= persons_staged
        AND persons_added + persons_changed <= persons_staged - persons_rejected),
    CONSTRAINT register_load_periods_add_up CHECK (periods_loaded + periods_rejected = periods_staged)
);
COMMENT ON TABLE pseudolink.register_load IS
    'one row per successful register load: what was staged, rejected, added, changed and removed, and how long each step took';
COMMENT ON COLUMN pseudolink.register_load.load_id IS 'load number';
COMMENT ON COLUMN pseudolink.register_load.mode IS 'replace (the staging held the whole register) or merge (changes only)';
COMMENT ON COLUMN pseudolink.register_load.model IS 'blocking model whose rules built register_keys';
COMMENT ON COLUMN pseudolink.register_load.key_version IS 'key version of the steward domain that made the root pseudonyms';
COMMENT ON COLUMN pseudolink.register_load.started_at IS 'start of the load';
COMMENT ON COLUMN pseudolink.register_load.finished_at IS 'end of the load (before commit)';
COMMENT ON COLUMN pseudolink.register_load.loaded_by IS 'session user that ran the load';
COMMENT ON COLUMN pseudolink.register_load.persons_staged IS 'person rows staged';
COMMENT ON COLUMN pseudolink.register_load.persons_rejected IS 'person rows rejected (see register_reject)';
COMMENT ON COLUMN pseudolink.register_load.persons_added IS 'persons new to the register';
COMMENT ON COLUMN pseudolink.register_load.persons_changed IS 'persons whose birth date, sex or pseudonym changed';
COMMENT ON COLUMN pseudolink.register_load.persons_removed IS 'persons removed (replace mode: not staged)';
COMMENT ON COLUMN pseudolink.register_load.periods_staged IS 'address rows staged';
COMMENT ON COLUMN pseudolink.register_load.periods_rejected IS 'address rows rejected (see register_reject)';
COMMENT ON COLUMN pseudolink.register_load.periods_loaded IS 'address periods written';
COMMENT ON COLUMN pseudolink.register_load.key_sets_built IS 'key sets (re)built (0 until register_build_keys() has built them)';
COMMENT ON COLUMN pseudolink.register_load.register_persons IS 'persons in the register after the load';
COMMENT ON COLUMN pseudolink.register_load.register_periods IS 'address periods in the register after the load';
COMMENT ON COLUMN pseudolink.register_load.check_seconds IS 'seconds spent checking the staged rows';
COMMENT ON COLUMN pseudolink.register_load.persons_seconds IS 'seconds spent writing persons and their root pseudonyms';
COMMENT ON COLUMN pseudolink.register_load.periods_seconds IS 'seconds spent writing address periods';
COMMENT ON COLUMN pseudolink.register_load.keys_seconds IS
    'seconds spent building key sets and their primary key (by register_build_keys(): summed over the partitions, which sessions build at once)';
COMMENT ON COLUMN pseudolink.register_load.index_seconds IS
    'seconds spent (re)building the GIN index and the statistics (by register_build_keys(): summed over the partitions)';
COMMENT ON COLUMN pseudolink.register_load.keys_built_at IS
    'when the key sets were built; NULL while a replace load with build_keys => false waits for register_build_keys()';
COMMENT ON CONSTRAINT register_load_pkey ON pseudolink.register_load IS 'load numbers are unique';
COMMENT ON CONSTRAINT register_load_mode_valid ON pseudolink.register_load IS 'the two load modes';
COMMENT ON CONSTRAINT register_load_persons_add_up ON pseudolink.register_load IS
    'persons added or changed come from the accepted person rows';
COMMENT ON CONSTRAINT register_load_periods_add_up ON pseudolink.register_load IS
    'every staged address row was loaded or rejected';

CREATE TABLE pseudolink.register_reject (
    load_id   integer NOT NULL,
    source    text    NOT NULL,
    row_no    bigint  NOT NULL,
    person_id text,
    field     text    NOT NULL,
    reason    text    NOT NULL,
    CONSTRAINT register_reject_pkey PRIMARY KEY (load_id, source, row_no, field),
    CONSTRAINT register_reject_load_fkey FOREIGN KEY (load_id) REFERENCES pseudolink.register_load (load_id),
    CONSTRAINT register_reject_source_valid CHECK (source IN ('person', 'address'))
);
COMMENT ON TABLE pseudolink.register_reject IS
    'staged register rows that a load rejected: one row per rule broken';
COMMENT ON COLUMN pseudolink.register_reject.load_id IS 'the load';
COMMENT ON COLUMN pseudolink.register_reject.source IS 'person (register_person_staging) or address (register_address_staging)';
COMMENT ON COLUMN pseudolink.register_reject.row_no IS 'row number in the staging table';
COMMENT ON COLUMN pseudolink.register_reject.person_id IS 'the person id as staged (its first 32 characters)';
COMMENT ON COLUMN pseudolink.register_reject.field IS 'the column at fault';
COMMENT ON COLUMN pseudolink.register_reject.reason IS 'the rule it breaks, as a sentence';
COMMENT ON CONSTRAINT register_reject_pkey ON pseudolink.register_reject IS 'one reason per row and column';
COMMENT ON CONSTRAINT register_reject_load_fkey ON pseudolink.register_reject IS 'a reject belongs to a load';
COMMENT ON CONSTRAINT register_reject_source_valid ON pseudolink.register_reject IS 'the two staging tables';

ALTER TABLE pseudolink.register_keys_part ADD CONSTRAINT register_keys_part_load_fkey
    FOREIGN KEY (load_id) REFERENCES pseudolink.register_load (load_id);
COMMENT ON CONSTRAINT register_keys_part_load_fkey ON pseudolink.register_keys_part IS 'a partition holds the key sets of a load';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_person_staging', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_address_staging', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_person', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_address', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_keys_part', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_load', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_reject', '');
-- The identity sequences too, so that a restored database goes on numbering
-- where the dumped one stopped.
SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_person_staging_row_no_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_address_staging_row_no_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.register_load_load_id_seq', '');

-- Checking the staged rows ------------------------------------------------

-- A staged person id as a bigint: 1 to 18 digits (blanks around them
-- ignored), not 0; NULL otherwise (fields.c).
CREATE FUNCTION pseudolink.register_person_id(person_id text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'pseudolink_register_person_id'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.register_person_id(text) IS
    'a staged person id as a number (1 to 18 digits, not 0), or NULL when it is not one';

-- Drops the temporary tables of a check or load earlier in this
-- transaction (quietly: DROP TABLE IF EXISTS would send notices).
CREATE FUNCTION pseudolink.register_drop_temp()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['register_person_checked', 'register_person_duplicate', 'register_person_ok',
                             'register_address_checked', 'register_problem', 'register_changed'] LOOP
        IF pg_catalog.to_regclass('pg_temp.' || t) IS NOT NULL THEN
            EXECUTE pg_catalog.format('DROP TABLE pg_temp.%I', t);
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_drop_temp() IS
    'internal: drops the temporary tables of an earlier register check in this transaction';

-- Sorting and hashing millions of rows: at least 256MB of work_mem and
-- 512MB of maintenance_work_mem for the rest of the transaction (a larger
-- setting is kept).  For the load and for every register_build_keys()
-- session.
CREATE FUNCTION pseudolink.register_raise_memory()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) < pg_catalog.pg_size_bytes('256MB') THEN
        PERFORM pg_catalog.set_config('work_mem', '256MB', true);
    END IF;
    IF pg_catalog.pg_size_bytes(pg_catalog.current_setting('maintenance_work_mem')) < pg_catalog.pg_size_bytes('512MB') THEN
        PERFORM pg_catalog.set_config('maintenance_work_mem', '512MB', true);
    END IF;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_raise_memory() IS
    'internal: raises work_mem to 256MB and maintenance_work_mem to 512MB for the rest of the transaction when they are lower';

-- Builds, in temporary tables of this transaction, the accepted persons
-- (pg_temp.register_person_ok), every staged period checked
-- (pg_temp.register_address_checked: loads marks those to load) and every
-- problem found (pg_temp.register_problem).
-- Set-based and narrow: one scan of each staging table with C checks (no
-- regular expressions: at millions of rows they cost more than everything
-- else), duplicates by hashing, and one sort of the periods for the overlap
-- check, whose order the load keeps.  Returns the rows staged and the
-- persons accepted, counted on the way (a count of its own is one more scan
-- of each).  Internal: called by the SECURITY DEFINER functions below only.
--
-- The person checks read the staging table alone, so parallel workers can
-- run them; at the default costs the planner keeps them in one process,
-- pricing the C checks at one operator each and every row that a worker
-- sends at 0.1 (at 3 M persons and periods the checks took 47 to 52 s with
-- the costs below against 57 s serial).  The other statements read
-- temporary tables, which workers cannot, so the costs change nothing there.
CREATE FUNCTION pseudolink.register_check_staging(mode text, OUT persons_staged bigint,
                                                  OUT periods_staged bigint, OUT persons_ok bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET parallel_tuple_cost = 0.001
SET parallel_setup_cost = 0
AS $fn$
BEGIN
    IF mode IS NULL OR mode NOT IN ('replace', 'merge') THEN
        RAISE EXCEPTION 'unknown register load mode'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The mode is replace (the staging tables hold the whole register) or merge (they hold changes).';
    END IF;
    PERFORM pseudolink.register_drop_temp();
    PERFORM pseudolink.register_raise_memory();
    -- Fresh statistics of what was just copied: the planner then scans the
    -- staging tables with parallel workers.
    ANALYZE pseudolink.register_person_staging, pseudolink.register_address_staging;

    -- OFFSET 0 keeps the planner from copying each check into every
    -- expression that uses its result: every check runs once per row.
    CREATE TEMP TABLE register_person_checked ON COMMIT DROP AS
    SELECT c.row_no, c.person_id_text, c.pid,
           CASE WHEN c.pid IS NOT NULL THEN NULL
                WHEN pg_catalog.btrim(COALESCE(c.person_id_text, '')) = '' THEN 'The person id is empty.'
                ELSE 'A person id is a whole number of 1 to 18 digits, not 0.' END AS p_id,
           c.p_birth_date, c.p_sex, c.birth_date, c.sex
    FROM (SELECT s.row_no,
                 pg_catalog.left(s.person_id, 32) AS person_id_text,
                 pseudolink.register_person_id(s.person_id) AS pid,
                 pseudolink.birth_date_problem(COALESCE(s.birth_date, '')) AS p_birth_date,
                 pseudolink.sex_problem(COALESCE(s.sex, '')) AS p_sex,
                 s.birth_date, s.sex
          FROM pseudolink.register_person_staging s
          OFFSET 0) c;
    GET DIAGNOSTICS persons_staged = ROW_COUNT;
    ANALYZE pg_temp.register_person_checked;

    CREATE TEMP TABLE register_person_duplicate ON COMMIT DROP AS
    SELECT c.pid, pg_catalog.count(*) AS n
    FROM pg_temp.register_person_checked c
    WHERE c.pid IS NOT NULL
    GROUP BY c.pid HAVING pg_catalog.count(*) > 1;
    ANALYZE pg_temp.register_person_duplicate;

    CREATE TEMP TABLE register_person_ok ON COMMIT DROP AS
    SELECT c.pid, pseudolink.normalise_birth_date(c.birth_date) AS birth_date,
           pseudolink.normalise_sex(c.sex) AS sex
    FROM pg_temp.register_person_checked c
    WHERE c.p_id IS NULL AND c.p_birth_date IS NULL AND c.p_sex IS NULL
      AND c.pid NOT IN (SELECT d.pid FROM pg_temp.register_person_duplicate d);
    GET DIAGNOSTICS persons_ok = ROW_COUNT;
    ANALYZE pg_temp.register_person_ok;

    -- Every staged period with its problems, in one statement: the checks
    -- of each column (on parallel workers: they read the staging table
    -- alone), the period's person, the rules across columns on the typed
    -- values, and the overlap check.  Periods of one person must not
    -- overlap: a good period that starts before the latest end of the
    -- person's earlier good periods is refused (a running maximum over the
    -- good periods only, so a long open period is not forgotten and a bad
    -- row refuses nothing).  loads: good and overlapping none of them.  The rows are written in the window's order, by
    -- person and start, the order the register keeps them in: the load reads
    -- them back in that order (one process scans a temporary table from its
    -- first page) and inserts them without sorting them again.  (At 3 M
    -- persons and 6.2 M periods one statement took 17.7 s where a table of
    -- the checks, an update for the rules across columns and a second table
    -- for the window took 20.4 s.)
    CREATE TEMP TABLE register_address_checked ON COMMIT DROP AS
    SELECT g.*,
           g.good AND NOT COALESCE(g.valid_from < pg_catalog.max(COALESCE(g.valid_to, 'infinity'::date)) FILTER (WHERE g.good)
                                       OVER (PARTITION BY g.pid ORDER BY g.valid_from, g.row_no
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS loads
    FROM (SELECT r.*,
                 (r.p_id IS NULL AND r.p_person IS NULL AND r.p_postcode IS NULL AND r.p_house_number IS NULL
                  AND r.p_house_suffix IS NULL AND r.p_suffix_alone IS NULL AND r.p_valid_from IS NULL
                  AND r.p_valid_to IS NULL AND r.p_period IS NULL) AS good
          FROM (SELECT t.*,
                       -- A merge may change the periods of persons already in the register.
                       CASE WHEN t.pid IS NOT NULL AND ok.pid IS NULL
                                 AND NOT (mode = 'merge' AND EXISTS (SELECT FROM pseudolink.register_person p
                                                                     WHERE p.person_id = t.pid))
                            THEN 'The person of the period is neither among the accepted person rows nor in the register.'
                       END AS p_person,
                       CASE WHEN t.house_suffix IS NOT NULL AND t.house_number IS NULL AND t.p_house_number IS NULL
                            THEN 'A house number suffix needs a house number.' END AS p_suffix_alone,
                       CASE WHEN t.valid_to <= t.valid_from
                            THEN 'The period ends on or before the day it starts (valid_to is the first day at the next address).'
                       END AS p_period
                FROM (SELECT v.row_no, v.person_id_text, v.pid,
                             CASE WHEN v.pid IS NOT NULL THEN NULL
                                  WHEN pg_catalog.btrim(COALESCE(v.person_id_text, '')) = '' THEN 'The person id is empty.'
                                  ELSE 'A person id is a whole number of 1 to 18 digits, not 0.' END AS p_id,
                             CASE WHEN v.p_postcode IS NULL AND v.has_postcode THEN pseudolink.normalise_postcode(v.postcode) END AS postcode,
                             CASE WHEN v.p_house_number IS NULL THEN pseudolink.parse_house_number(v.house_number) END AS house_number,
                             CASE WHEN v.p_house_suffix IS NULL THEN pseudolink.parse_house_suffix(v.house_suffix) END AS house_suffix,
                             CASE WHEN v.p_valid_from IS NULL THEN pseudolink.parse_date(v.valid_from) END AS valid_from,
                             CASE WHEN v.p_valid_to IS NULL AND v.has_valid_to THEN pseudolink.parse_date(v.valid_to) END AS valid_to,
                             v.p_postcode, v.p_house_number, v.p_house_suffix, v.p_valid_from, v.p_valid_to
                      FROM (SELECT s.row_no,
                                   pg_catalog.left(s.person_id, 32) AS person_id_text,
                                   pseudolink.register_person_id(s.person_id) AS pid,
                                   s.postcode, COALESCE(s.house_number, '') AS house_number,
                                   COALESCE(s.house_suffix, '') AS house_suffix, COALESCE(s.valid_from, '') AS valid_from,
                                   s.valid_to,
                                   -- an empty postcode is the register's way of saying unknown
                                   pg_catalog.btrim(COALESCE(s.postcode, '')) <> '' AS has_postcode,
                                   pg_catalog.btrim(COALESCE(s.valid_to, '')) <> '' AS has_valid_to,
                                   CASE WHEN pg_catalog.btrim(COALESCE(s.postcode, '')) <> ''
                                        THEN pseudolink.postcode_problem(s.postcode) END AS p_postcode,
                                   pseudolink.house_number_problem(COALESCE(s.house_number, '')) AS p_house_number,
                                   pseudolink.house_suffix_problem(COALESCE(s.house_suffix, '')) AS p_house_suffix,
                                   pseudolink.date_problem(COALESCE(s.valid_from, '')) AS p_valid_from,
                                   CASE WHEN pg_catalog.btrim(COALESCE(s.valid_to, '')) <> ''
                                        THEN pseudolink.date_problem(s.valid_to) END AS p_valid_to
                            FROM pseudolink.register_address_staging s
                            OFFSET 0) v
                      OFFSET 0) t
                     LEFT JOIN pg_temp.register_person_ok ok ON ok.pid = t.pid
                OFFSET 0) r) g;
    GET DIAGNOSTICS periods_staged = ROW_COUNT;
    ANALYZE pg_temp.register_address_checked;

    CREATE TEMP TABLE register_problem ON COMMIT DROP AS
    SELECT 'person'::text AS source, c.row_no, c.person_id_text AS person_id, f.field, f.reason
    FROM pg_temp.register_person_checked c
         LEFT JOIN pg_temp.register_person_duplicate d ON d.pid = c.pid,
         LATERAL (VALUES ('person_id', COALESCE(c.p_id, CASE WHEN d.pid IS NOT NULL THEN pg_catalog.format(
                              'The person id occurs on %s rows of the staging table.', d.n) END)),
                         ('birth_date', c.p_birth_date), ('sex', c.p_sex)) AS f(field, reason)
    WHERE c.p_id IS NOT NULL OR c.p_birth_date IS NOT NULL OR c.p_sex IS NOT NULL OR d.pid IS NOT NULL
    UNION ALL
    SELECT 'address', a.row_no, a.person_id_text, f.field, f.reason
    FROM pg_temp.register_address_checked a,
         LATERAL (VALUES ('person_id', COALESCE(a.p_id, a.p_person)), ('postcode', a.p_postcode),
                         ('house_number', a.p_house_number),
                         ('house_suffix', COALESCE(a.p_house_suffix, a.p_suffix_alone)),
                         ('valid_from', COALESCE(a.p_valid_from, CASE WHEN a.good AND NOT a.loads THEN
                              'The period overlaps an earlier period of the same person.' END)),
                         ('valid_to', COALESCE(a.p_valid_to, a.p_period))) AS f(field, reason)
    WHERE NOT a.loads;
    DELETE FROM pg_temp.register_problem p WHERE p.reason IS NULL;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_check_staging(text) IS
    'internal: checks the staged register rows into temporary tables (accepted persons, good periods, problems); returns the rows staged and the persons accepted';

-- The problems of the staged rows, without loading anything.
CREATE FUNCTION pseudolink.register_check(mode text DEFAULT 'replace')
RETURNS TABLE (source text, row_no bigint, person_id text, field text, reason text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $fn$
BEGIN
    PERFORM pseudolink.register_check_staging(register_check.mode);
    RETURN QUERY
    SELECT p.source, p.row_no, p.person_id, p.field, p.reason
    FROM pg_temp.register_problem p
    ORDER BY p.source DESC, p.row_no, p.field;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_check(text) IS
    'every rule the staged register rows break (source person or address, row number, person id as staged, column, reason), without loading';

-- The blocking model of the register's key sets: that of the last load.
CREATE FUNCTION pseudolink.register_model()
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.model FROM pseudolink.register_load l ORDER BY l.load_id DESC LIMIT 1
$$;
COMMENT ON FUNCTION pseudolink.register_model() IS
    'the blocking model whose rules built register_keys (that of the last load); NULL before the first load';

-- Loading -----------------------------------------------------------------

CREATE FUNCTION pseudolink.register_load(
    model text DEFAULT 'nl',
    mode text DEFAULT 'replace',
    max_rejects bigint DEFAULT 0,
    build_keys boolean DEFAULT true)
RETURNS pseudolink.register_load
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Compiling the checks' expressions costs more than it saves.
SET jit = off
AS $fn$
#variable_conflict use_variable
DECLARE
    t_start timestamptz := pg_catalog.clock_timestamp();
    t timestamptz;
    n_person_staged bigint;
    n_person_rejected bigint;
    n_address_staged bigint;
    n_address_rejected bigint;
    n_person_ok bigint;
    n_added bigint := 0;
    n_changed bigint := 0;
    n_removed bigint := 0;
    n_periods bigint := 0;
    n_keys bigint := 0;
    s_check numeric;
    s_persons numeric;
    s_periods numeric;
    s_keys numeric;
    s_index numeric;
    v_version integer;
    v_previous text;
    v_rebuild boolean;
    v_empty boolean;
    s_part record;
    result pseudolink.register_load;
BEGIN
    IF model IS NULL OR NOT EXISTS (SELECT FROM pseudolink.blocking_rule r
                                    WHERE r.model OPERATOR(pg_catalog.=) model AND r.enabled) THEN
        RAISE EXCEPTION 'blocking model "%" has no enabled rules', model
            USING ERRCODE = 'undefined_object',
                  HINT = 'Add rules first, for instance SELECT * FROM pseudolink.add_dutch_blocking_rules(''nl'').';
    END IF;
    IF mode IS NULL OR mode OPERATOR(pg_catalog.<>) ALL (ARRAY['replace', 'merge']) THEN
        RAISE EXCEPTION 'unknown register load mode'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The mode is replace (the staging tables hold the whole register) or merge (they hold changes).';
    END IF;
    IF max_rejects IS NULL OR max_rejects OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'max_rejects must be zero or more'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF build_keys IS NULL THEN
        RAISE EXCEPTION 'build_keys must be true or false'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF mode OPERATOR(pg_catalog.=) 'merge' THEN
        IF NOT build_keys THEN
            RAISE EXCEPTION 'a merge load builds the key sets of the changed persons itself'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'build_keys => false is for replace loads, whose key sets register_build_keys() builds in several sessions.';
        END IF;
        -- The changed persons' key sets go into an index that is not there yet.
        PERFORM pseudolink.register_require_keys();
    END IF;
    v_previous := pseudolink.register_model();
    IF mode OPERATOR(pg_catalog.=) 'merge' AND v_previous IS NOT NULL
       AND v_previous OPERATOR(pg_catalog.<>) model THEN
        RAISE EXCEPTION 'the register''s key sets were built with blocking model "%"', v_previous
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A merge rebuilds the key sets of the changed persons only, so it must use the same model.',
                  HINT = 'Load the whole register in replace mode to build every key set with another model.';
    END IF;

    -- Rows being copied into staging must not arrive after the check and be
    -- truncated unseen: wait for running COPYs and hold new ones off.  Reads
    -- of the register go on during a merge; a replace truncates the periods
    -- and key sets, and so locks readers out until it commits.
    LOCK TABLE pseudolink.register_person_staging, pseudolink.register_address_staging IN EXCLUSIVE MODE;
    -- register_keys_part before register_keys: a register_build_keys()
    -- session that has claimed a partition finishes it first.
    LOCK TABLE pseudolink.register_person, pseudolink.register_address, pseudolink.register_keys_part,
        pseudolink.register_keys IN EXCLUSIVE MODE;


    IF mode OPERATOR(pg_catalog.=) 'replace' AND NOT EXISTS (SELECT FROM pseudolink.register_person_staging) THEN
        RAISE EXCEPTION 'the person staging table is empty'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A replace load takes the staged persons as the whole register; it would remove every person.',
                  HINT = 'COPY the register into pseudolink.register_person_staging and pseudolink.register_address_staging first.';
    ELSIF NOT EXISTS (SELECT FROM pseudolink.register_person_staging)
          AND NOT EXISTS (SELECT FROM pseudolink.register_address_staging) THEN
        RAISE EXCEPTION 'the register staging tables are empty'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'COPY the changes into pseudolink.register_person_staging and pseudolink.register_address_staging first.';
    END IF;

    SELECT c.persons_staged, c.periods_staged, c.persons_ok INTO n_person_staged, n_address_staged, n_person_ok
    FROM pseudolink.register_check_staging(mode) c;
    SELECT pg_catalog.count(DISTINCT p.row_no) FILTER (WHERE p.source OPERATOR(pg_catalog.=) 'person'),
           pg_catalog.count(DISTINCT p.row_no) FILTER (WHERE p.source OPERATOR(pg_catalog.=) 'address')
    INTO n_person_rejected, n_address_rejected
    FROM pg_temp.register_problem p;
    IF n_person_rejected OPERATOR(pg_catalog.+) n_address_rejected OPERATOR(pg_catalog.>) max_rejects THEN
        RAISE EXCEPTION 'the staged register has more bad rows than max_rejects allows'
            USING ERRCODE = 'data_exception',
                  DETAIL = pg_catalog.format('Person rows with a problem: %s; address rows with a problem: %s; max_rejects: %s. Nothing was loaded.',
                                             n_person_rejected, n_address_rejected, max_rejects),
                  HINT = 'SELECT * FROM pseudolink.register_check() lists every problem; fix the rows, or allow them with max_rejects.';
    END IF;
    s_check := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t_start);

    SELECT COALESCE(pg_catalog.max(v.version), 1) INTO v_version
    FROM pseudolink.key_version v WHERE v.domain OPERATOR(pg_catalog.=) 'steward';

    -- Persons and their root pseudonyms.
    t := pg_catalog.clock_timestamp();
    SELECT NOT EXISTS (SELECT FROM pseudolink.register_person) INTO v_empty;
    IF mode OPERATOR(pg_catalog.=) 'replace' THEN
        -- Every period is rewritten; the key sets are rebuilt from scratch.
        -- The periods' foreign key is checked by one join after they are
        -- written (below), not by one lookup per row.
        TRUNCATE pseudolink.register_address, pseudolink.register_keys;
        ALTER TABLE pseudolink.register_address DROP CONSTRAINT register_address_person_fkey;
        IF NOT v_empty THEN
            DELETE FROM pseudolink.register_person p
            WHERE NOT EXISTS (SELECT FROM pg_temp.register_person_ok o
                              WHERE o.pid OPERATOR(pg_catalog.=) p.person_id);
            GET DIAGNOSTICS n_removed = ROW_COUNT;
        END IF;
    END IF;
    IF v_empty THEN
        -- A first load: the unique index on the (random) pseudonyms is built
        -- once, sorted, after the rows instead of row by row, and so is the
        -- primary key when no foreign key needs it meanwhile (a replace: at
        -- 3 M persons 5.2 s for the rows and 1.0 s for the key against 7.2 s
        -- with the key).
        ALTER TABLE pseudolink.register_person DROP CONSTRAINT register_person_pseudonym_key;
        IF mode OPERATOR(pg_catalog.=) 'replace' THEN
            ALTER TABLE pseudolink.register_person DROP CONSTRAINT register_person_pkey;
        END IF;
        -- In person order, so that the primary key grows at its right
        -- edge; sorted before the pseudonyms are computed, which keeps the
        -- sorted rows narrow (with them the sort spilled 120 MB to disk at
        -- 3 M persons).
        INSERT INTO pseudolink.register_person (person_id, birth_date, sex, pseudonym)
        SELECT o.pid, o.birth_date, o.sex, pseudolink.pseudonymise('steward', o.pid)
        FROM (SELECT k.pid, k.birth_date, k.sex FROM pg_temp.register_person_ok k ORDER BY k.pid OFFSET 0) o;
        GET DIAGNOSTICS n_added = ROW_COUNT;
        IF mode OPERATOR(pg_catalog.=) 'replace' THEN
            ALTER TABLE pseudolink.register_person ADD CONSTRAINT register_person_pkey PRIMARY KEY (person_id);
            COMMENT ON CONSTRAINT register_person_pkey ON pseudolink.register_person IS 'a person is in the register once';
        END IF;
        ALTER TABLE pseudolink.register_person
            ADD CONSTRAINT register_person_pseudonym_key UNIQUE (pseudonym);
        COMMENT ON CONSTRAINT register_person_pseudonym_key ON pseudolink.register_person IS
            'a root pseudonym belongs to one person (and finds that person)';
    ELSE
        WITH written AS (
            INSERT INTO pseudolink.register_person AS p (person_id, birth_date, sex, pseudonym)
            SELECT o.pid, o.birth_date, o.sex, pseudolink.pseudonymise('steward', o.pid)
            FROM (SELECT k.pid, k.birth_date, k.sex FROM pg_temp.register_person_ok k ORDER BY k.pid OFFSET 0) o
            ON CONFLICT ON CONSTRAINT register_person_pkey DO UPDATE
            SET birth_date = EXCLUDED.birth_date, sex = EXCLUDED.sex, pseudonym = EXCLUDED.pseudonym
            WHERE p.birth_date OPERATOR(pg_catalog.<>) EXCLUDED.birth_date
               OR p.sex IS DISTINCT FROM EXCLUDED.sex
               OR p.pseudonym OPERATOR(pseudolink.<>) EXCLUDED.pseudonym
            RETURNING p.xmax::text OPERATOR(pg_catalog.=) '0' AS added)
        SELECT pg_catalog.count(*) FILTER (WHERE w.added), pg_catalog.count(*) FILTER (WHERE NOT w.added)
        INTO n_added, n_changed
        FROM written w;
    END IF;
    s_persons := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t);

    -- Address periods: a staged person's periods replace the old ones.
    -- register_address_checked holds them by person and start (the overlap
    -- check's order), which the inserts keep.
    t := pg_catalog.clock_timestamp();
    IF mode OPERATOR(pg_catalog.=) 'merge' THEN
        DELETE FROM pseudolink.register_address a
        WHERE a.person_id IN (SELECT o.pid FROM pg_temp.register_address_checked o WHERE o.loads);
        INSERT INTO pseudolink.register_address (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
        SELECT o.pid, o.postcode, o.house_number, o.house_suffix, o.valid_from, o.valid_to
        FROM pg_temp.register_address_checked o
        WHERE o.loads;
        GET DIAGNOSTICS n_periods = ROW_COUNT;
    ELSE
        -- Every period is new: the foreign key (dropped above) is checked by
        -- one join after the insert, not by one lookup per row, and the
        -- primary key is built once, sorted (on 3 M persons' 6.2 M periods
        -- the insert took 15.2 s with the key and 7.7 s + 3.6 s for the
        -- build without).
        ALTER TABLE pseudolink.register_address DROP CONSTRAINT register_address_pkey;
        INSERT INTO pseudolink.register_address (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
        SELECT o.pid, o.postcode, o.house_number, o.house_suffix, o.valid_from, o.valid_to
        FROM pg_temp.register_address_checked o
        WHERE o.loads;
        GET DIAGNOSTICS n_periods = ROW_COUNT;
        ALTER TABLE pseudolink.register_address ADD CONSTRAINT register_address_pkey PRIMARY KEY (person_id, valid_from);
        COMMENT ON CONSTRAINT register_address_pkey ON pseudolink.register_address IS 'a person''s periods start on different days';
        ALTER TABLE pseudolink.register_address ADD CONSTRAINT register_address_person_fkey
            FOREIGN KEY (person_id) REFERENCES pseudolink.register_person (person_id);
        COMMENT ON CONSTRAINT register_address_person_fkey ON pseudolink.register_address IS
            'a period belongs to a register person';
    END IF;
    s_periods := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t);

    -- Key sets.  A replace builds every index after the inserts: one sorted
    -- build is far cheaper than millions of inserts.
    t := pg_catalog.clock_timestamp();
    -- The key sets join persons and periods: plan it with their statistics.
    ANALYZE pseudolink.register_person, pseudolink.register_address;
    v_rebuild := mode OPERATOR(pg_catalog.=) 'replace';
    s_index := 0;
    IF v_rebuild THEN
        PERFORM pseudolink.register_keys_drop_indexes();
        IF build_keys THEN
            -- All partitions in one pass over persons and periods; then
            -- each partition's indexes, and the parent's on theirs.
            n_keys := pseudolink.register_keys_fill(model, NULL);
            s_keys := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t);
            FOR part IN 0..pseudolink.register_keys_partitions() OPERATOR(pg_catalog.-) 1 LOOP
                SELECT * INTO s_part FROM pseudolink.register_keys_index_part(part);
                s_keys := s_keys OPERATOR(pg_catalog.+) s_part.keys_seconds;
                s_index := s_index OPERATOR(pg_catalog.+) s_part.index_seconds;
            END LOOP;
            s_index := s_index OPERATOR(pg_catalog.+) pseudolink.register_keys_attach();
        ELSE
            s_keys := 0;
        END IF;
    ELSE
        CREATE TEMP TABLE register_changed ON COMMIT DROP AS
        SELECT o.pid FROM pg_temp.register_person_ok o
        UNION
        SELECT o.pid FROM pg_temp.register_address_checked o WHERE o.loads;
        DELETE FROM pseudolink.register_keys k
        WHERE k.person_id IN (SELECT c.pid FROM pg_temp.register_changed c);
        n_keys := pseudolink.register_keys_fill(model, NULL, changed_only => true);
        s_keys := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t);
        t := pg_catalog.clock_timestamp();
        ANALYZE pseudolink.register_keys;
        s_index := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t);
    END IF;

    INSERT INTO pseudolink.register_load (
        mode, model, key_version, started_at, finished_at,
        persons_staged, persons_rejected, persons_added, persons_changed, persons_removed,
        periods_staged, periods_rejected, periods_loaded, key_sets_built,
        register_persons, register_periods,
        check_seconds, persons_seconds, periods_seconds, keys_seconds, index_seconds, keys_built_at)
    VALUES (mode, model, v_version, t_start, pg_catalog.clock_timestamp(),
            n_person_staged, n_person_rejected, n_added, n_changed, n_removed,
            n_address_staged, n_address_rejected, n_periods, n_keys,
            -- A replace leaves the accepted persons and periods alone: their
            -- counts are known without scanning the register again.
            CASE WHEN v_rebuild THEN n_person_ok ELSE (SELECT pg_catalog.count(*) FROM pseudolink.register_person) END,
            CASE WHEN v_rebuild THEN n_periods ELSE (SELECT pg_catalog.count(*) FROM pseudolink.register_address) END,
            pg_catalog.round(s_check, 3), pg_catalog.round(s_persons, 3), pg_catalog.round(s_periods, 3),
            pg_catalog.round(s_keys, 3), pg_catalog.round(s_index, 3),
            CASE WHEN build_keys THEN pg_catalog.clock_timestamp() END)
    RETURNING * INTO result;
    IF v_rebuild THEN
        -- Which load the partitions hold: built, or waiting for
        -- register_build_keys().
        INSERT INTO pseudolink.register_keys_part AS k (part, load_id, built_at, built_by)
        SELECT g, result.load_id, CASE WHEN build_keys THEN result.keys_built_at END,
               CASE WHEN build_keys THEN session_user END
        FROM pg_catalog.generate_series(0, pseudolink.register_keys_partitions() OPERATOR(pg_catalog.-) 1) g
        ON CONFLICT ON CONSTRAINT register_keys_part_pkey DO UPDATE
        SET load_id = EXCLUDED.load_id, built_at = EXCLUDED.built_at, built_by = EXCLUDED.built_by,
            key_sets = NULL, keys_seconds = NULL, index_seconds = NULL;
    ELSE
        UPDATE pseudolink.register_keys_part k SET load_id = result.load_id;
    END IF;

    INSERT INTO pseudolink.register_reject (load_id, source, row_no, person_id, field, reason)
    SELECT result.load_id, p.source, p.row_no, p.person_id, p.field, p.reason
    FROM pg_temp.register_problem p;

    TRUNCATE pseudolink.register_person_staging, pseudolink.register_address_staging RESTART IDENTITY;
    PERFORM pseudolink.register_drop_temp();
    RETURN result;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_load(text, text, bigint, boolean) IS
    'checks the staged register rows, records bad ones in register_reject (an error when more than max_rejects), '
    'writes persons with their root pseudonyms and address periods (replace: the staging holds the whole register; '
    'merge: changes), builds the key sets under the blocking model and the GIN index (replace with build_keys => false: '
    'leaves them to register_build_keys()), empties the staging tables; returns the load''s register_load row';

-- Empties the staging tables and restarts their row numbers (after a
-- failed COPY, say).
CREATE FUNCTION pseudolink.register_clear_staging()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    TRUNCATE pseudolink.register_person_staging, pseudolink.register_address_staging RESTART IDENTITY;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_clear_staging() IS
    'empties the register staging tables and numbers the next rows from 1 again';

-- Privileges -------------------------------------------------------------

REVOKE ALL ON TABLE pseudolink.register_person_staging, pseudolink.register_address_staging,
    pseudolink.register_person, pseudolink.register_address, pseudolink.register_keys,
    pseudolink.register_load, pseudolink.register_reject FROM PUBLIC;

-- The steward fills the staging tables (COPY) and reads everything; only
-- register_load() writes the register.
GRANT SELECT, DELETE ON TABLE pseudolink.register_person_staging, pseudolink.register_address_staging
    TO pseudolink_steward;
GRANT INSERT (person_id, birth_date, sex) ON TABLE pseudolink.register_person_staging TO pseudolink_steward;
GRANT INSERT (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
    ON TABLE pseudolink.register_address_staging TO pseudolink_steward;
GRANT SELECT ON TABLE pseudolink.register_person, pseudolink.register_address, pseudolink.register_keys,
    pseudolink.register_load, pseudolink.register_reject TO pseudolink_steward;
-- The admin sees that loads happened, and their counts, not the register.
GRANT SELECT ON TABLE pseudolink.register_load TO pseudolink_admin;

REVOKE ALL ON FUNCTION pseudolink.register_keys_partitions(), pseudolink.register_person_id(text), pseudolink.register_drop_temp(), pseudolink.register_raise_memory(), pseudolink.register_check_staging(text), pseudolink.register_check(text),
    pseudolink.register_model(), pseudolink.register_load(text, text, bigint, boolean),
    pseudolink.register_clear_staging()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pseudolink.register_keys_partitions() TO pseudolink_steward, pseudolink_admin;
GRANT EXECUTE ON FUNCTION pseudolink.register_check(text), pseudolink.register_model(),
    pseudolink.register_load(text, text, bigint, boolean), pseudolink.register_clear_staging()
TO pseudolink_steward;
