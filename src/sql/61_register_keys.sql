-- Building the register's key sets ----------------------------------------
--
-- register_keys is hash-partitioned by person into
-- register_keys_partitions() partitions (61_register.sql).  A replace load
-- empties it and then either builds every partition itself, in one pass
-- (build_keys => true, the default), or
-- leaves the partitions to register_build_keys(), which one session per
-- core CALLs at the same time: PostgreSQL 15 builds a GIN index in one
-- process, and the key sets with their index are the largest step of a
-- national load.  Each partition is built with its own primary key and GIN
-- index; when the last one is done, the parent's indexes (register_keys_pkey,
-- register_keys_gin) are created ON ONLY the parent and the partitions'
-- indexes attached to them, which costs no index build.  Until then the link
-- run and the training of a model refuse to start (register_require_keys).

-- Drops the primary key and GIN index of one partition, if it has them.
CREATE FUNCTION pseudolink.register_keys_drop_part_indexes(part integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pg_catalog.to_regclass(pg_catalog.format('pseudolink.register_keys_p%s_gin', part)) IS NOT NULL THEN
        EXECUTE pg_catalog.format('DROP INDEX pseudolink.register_keys_p%s_gin', part);
    END IF;
    IF pg_catalog.to_regclass(pg_catalog.format('pseudolink.register_keys_p%s_pkey', part)) IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER TABLE pseudolink.register_keys_p%s DROP CONSTRAINT register_keys_p%s_pkey',
                                  part, part);
    END IF;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_keys_drop_part_indexes(integer) IS
    'internal: drops the primary key and GIN index of one partition of register_keys';

-- Drops every index of register_keys: the parent's (which drops the
-- partitions' attached to them) and any partition's left unattached by a
-- build that had not finished.
CREATE FUNCTION pseudolink.register_keys_drop_indexes()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pg_catalog.to_regclass('pseudolink.register_keys_gin') IS NOT NULL THEN
        DROP INDEX pseudolink.register_keys_gin;
    END IF;
    IF pg_catalog.to_regclass('pseudolink.register_keys_pkey') IS NOT NULL THEN
        ALTER TABLE pseudolink.register_keys DROP CONSTRAINT register_keys_pkey;
    END IF;
    FOR part IN 0..pseudolink.register_keys_partitions() OPERATOR(pg_catalog.-) 1 LOOP
        PERFORM pseudolink.register_keys_drop_part_indexes(part);
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_keys_drop_indexes() IS
    'internal: drops the indexes of register_keys and of its partitions';

-- Inserts the key sets of one partition, or of all of them
-- through the parent (part NULL: one pass over persons and periods), in
-- birth date order: neighbouring candidates share pages (doc/blocking.md).
-- Each with the person's fields and address history, which the link run
-- compares (the five arrays come from one aggregate node, so their
-- elements are the same periods in the same order; FILTER leaves them NULL
-- for a person without periods, as link_history_of() does).
-- With changed_only, of the persons in pg_temp.register_changed alone (a
-- merge load).  Returns the key sets written.  The load has gathered the
-- statistics of persons and periods for the join.
--
-- Over the whole register, a merge join of persons and periods in person
-- order (both tables are written in that order, so their primary keys
-- read them nearly sequentially) feeds the per-person aggregate without a
-- sort, and 1GB of work_mem at least keeps the sort of the wide rows into
-- birth date order in memory as far as it goes: at 3 M persons, half of
-- them took 18.0 s by the hash join the planner prefers (and a sort by
-- person), 18.1 s by the merge join with 256MB and 14.9 s with 1GB.
CREATE FUNCTION pseudolink.register_keys_fill(model text, part integer, changed_only boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n bigint;
    v_hashjoin text := pg_catalog.current_setting('enable_hashjoin');
    v_work_mem text := pg_catalog.current_setting('work_mem');
BEGIN
    IF NOT changed_only THEN
        PERFORM pg_catalog.set_config('enable_hashjoin', 'off', true);
        IF pg_catalog.pg_size_bytes(v_work_mem) < pg_catalog.pg_size_bytes('1GB') THEN
            PERFORM pg_catalog.set_config('work_mem', '1GB', true);
        END IF;
    END IF;
    EXECUTE pg_catalog.format(
        'INSERT INTO pseudolink.%I (person_id, keys, birth_date, sex, pseudonym, '
        '                           postcodes, house_numbers, house_suffixes, valid_from, valid_to) '
        'SELECT p.person_id, pseudolink.blockkeys_agg(pseudolink.blocking_keys($1, r)), '
        '       p.birth_date, p.sex, p.pseudonym, '
        '       pg_catalog.array_agg(a.postcode) FILTER (WHERE a.person_id IS NOT NULL), '
        '       pg_catalog.array_agg(a.house_number) FILTER (WHERE a.person_id IS NOT NULL), '
        '       pg_catalog.array_agg(a.house_suffix) FILTER (WHERE a.person_id IS NOT NULL), '
        '       pg_catalog.array_agg(a.valid_from) FILTER (WHERE a.person_id IS NOT NULL), '
        '       pg_catalog.array_agg(a.valid_to) FILTER (WHERE a.person_id IS NOT NULL) '
        'FROM pseudolink.register_person p '
        '%s'
        '     LEFT JOIN pseudolink.register_address a ON a.person_id OPERATOR(pg_catalog.=) p.person_id, '
        '     LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r '
        '%s'
        'GROUP BY p.person_id '
        'ORDER BY p.birth_date, p.sex, p.person_id',
        CASE WHEN part IS NULL THEN 'register_keys' ELSE pg_catalog.format('register_keys_p%s', part) END,
        CASE WHEN changed_only THEN '     JOIN pg_temp.register_changed c ON c.pid OPERATOR(pg_catalog.=) p.person_id ' ELSE '' END,
        CASE WHEN part IS NULL THEN ''
             ELSE pg_catalog.format('WHERE pg_catalog.satisfies_hash_partition(''pseudolink.register_keys''::regclass, %s, %s, p.person_id) ',
                                    pseudolink.register_keys_partitions(), part)
        END)
    USING model;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_catalog.set_config('enable_hashjoin', v_hashjoin, true);
    PERFORM pg_catalog.set_config('work_mem', v_work_mem, true);
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_keys_fill(text, integer, boolean) IS
    'internal: writes the key sets of one partition of register_keys (or of all, part NULL; of the changed persons only, changed_only) under a blocking model';

-- The primary key of one partition (seconds returned in keys_seconds) and
-- its GIN index (index_seconds).
CREATE FUNCTION pseudolink.register_keys_index_part(part integer, OUT keys_seconds numeric, OUT index_seconds numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t timestamptz := pg_catalog.clock_timestamp();
    v_mwm text;
BEGIN
    -- Built once, sorted, after the rows: they arrive in birth date order,
    -- so that every person id would go to a random leaf of the btree (one
    -- sorted build took 1.5 s on 3 M key sets; keeping the key during the
    -- insert made it 31 s instead of 20).
    EXECUTE pg_catalog.format('ALTER TABLE pseudolink.register_keys_p%s ADD CONSTRAINT register_keys_p%s_pkey PRIMARY KEY (person_id)',
                              part, part);
    EXECUTE pg_catalog.format('COMMENT ON CONSTRAINT register_keys_p%s_pkey ON pseudolink.register_keys_p%s IS %L',
                              part, part, 'one key set per person (part of register_keys_pkey)');
    keys_seconds := pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t)::numeric, 3);

    t := pg_catalog.clock_timestamp();
    -- The GIN build collects entries in a red-black tree of at most
    -- maintenance_work_mem before writing them out.  The register's keys
    -- are nearly all distinct, so a large tree is one cache miss after
    -- another: on 3 M persons' key sets the build took 55 s with 16MB or
    -- 64MB and 70 s with 512MB (80 s with 1MB, which writes out too
    -- often).  64MB for the build, whatever the setting.
    v_mwm := pg_catalog.current_setting('maintenance_work_mem');
    PERFORM pg_catalog.set_config('maintenance_work_mem', '64MB', true);
    EXECUTE pg_catalog.format('CREATE INDEX register_keys_p%s_gin ON pseudolink.register_keys_p%s USING gin (keys)',
                              part, part);
    PERFORM pg_catalog.set_config('maintenance_work_mem', v_mwm, true);
    EXECUTE pg_catalog.format('COMMENT ON INDEX pseudolink.register_keys_p%s_gin IS %L',
                              part, pg_catalog.format('GIN index of partition %s (part of register_keys_gin)', part));
    index_seconds := pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t)::numeric, 3);
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_keys_index_part(integer) IS
    'internal: builds the primary key and the GIN index of one partition of register_keys';

-- Creates the parent's indexes on the built partitions' (attached, not
-- built) and gathers the statistics.  Returns the seconds it took.
CREATE FUNCTION pseudolink.register_keys_attach()
RETURNS numeric
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t timestamptz := pg_catalog.clock_timestamp();
BEGIN
    -- Every partition first, in one statement (LOCK TABLE recurses into
    -- them), strongly enough for the attachments and the ANALYZE below.
    -- Autovacuum may be vacuuming a partition that another session built:
    -- it holds the table and then takes the partition's indexes, which the
    -- attachments lock the other way round (the two deadlocked once at 18 M
    -- persons).  Waiting for the table lock cancels the autovacuum instead.
    LOCK TABLE pseudolink.register_keys IN SHARE UPDATE EXCLUSIVE MODE;
    CREATE INDEX register_keys_gin ON ONLY pseudolink.register_keys USING gin (keys);
    ALTER TABLE ONLY pseudolink.register_keys ADD CONSTRAINT register_keys_pkey PRIMARY KEY (person_id);
    FOR part IN 0..pseudolink.register_keys_partitions() OPERATOR(pg_catalog.-) 1 LOOP
        EXECUTE pg_catalog.format('ALTER INDEX pseudolink.register_keys_gin ATTACH PARTITION pseudolink.register_keys_p%s_gin', part);
        EXECUTE pg_catalog.format('ALTER INDEX pseudolink.register_keys_pkey ATTACH PARTITION pseudolink.register_keys_p%s_pkey', part);
    END LOOP;
    COMMENT ON INDEX pseudolink.register_keys_gin IS
        'GIN index (blockkeys_ops): the register persons sharing keys with a record';
    COMMENT ON CONSTRAINT register_keys_pkey ON pseudolink.register_keys IS 'one key set per person';
    -- The parent's statistics and, in PostgreSQL 15, every partition's.
    ANALYZE pseudolink.register_keys;
    RETURN pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t)::numeric, 3);
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_keys_attach() IS
    'internal: creates the indexes of register_keys on those of its built partitions and gathers its statistics';

-- One step of register_build_keys(): claims a partition whose key sets the
-- last load left unbuilt, builds them with the partition's indexes, and, if
-- it was the last one, finishes the parent.  Returns the partition, or NULL
-- when none is left to claim.  The claim is a row lock held until commit: a
-- session that dies gives its partition back, and other sessions skip it
-- meanwhile.
CREATE FUNCTION pseudolink.register_keys_build_part()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $fn$
DECLARE
    v_part integer;
    v_load integer;
    v_model text;
    v_keys bigint;
    t timestamptz;
    s_fill numeric;
    s numeric;
    s_attach numeric;
    i record;
BEGIN
    -- Restored from a dump taken while the key sets were unbuilt: the
    -- extension's script has given the empty partitions their indexes
    -- again.  Dropped first, under a lock that holds other builders off.
    IF pg_catalog.to_regclass('pseudolink.register_keys_gin') IS NOT NULL
       AND EXISTS (SELECT FROM pseudolink.register_keys_part k WHERE k.built_at IS NULL AND k.load_id IS NOT NULL) THEN
        LOCK TABLE pseudolink.register_keys IN ACCESS EXCLUSIVE MODE;
        IF pg_catalog.to_regclass('pseudolink.register_keys_gin') IS NOT NULL THEN
            PERFORM pseudolink.register_keys_drop_indexes();
        END IF;
    END IF;

    SELECT k.part, k.load_id INTO v_part, v_load
    FROM pseudolink.register_keys_part k
    WHERE k.built_at IS NULL AND k.load_id IS NOT NULL
    ORDER BY k.part
    LIMIT 1
    FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- A replace load that starts meanwhile waits for this build (it locks
    -- the parent first, then the partitions).
    LOCK TABLE ONLY pseudolink.register_keys IN ROW EXCLUSIVE MODE;
    -- The memory of the load: with the default work_mem the key sets' join,
    -- aggregate and sort spill to disk.
    PERFORM pseudolink.register_raise_memory();
    SELECT l.model INTO v_model FROM pseudolink.register_load l WHERE l.load_id OPERATOR(pg_catalog.=) v_load;

    t := pg_catalog.clock_timestamp();
    EXECUTE pg_catalog.format('TRUNCATE pseudolink.register_keys_p%s', v_part);
    PERFORM pseudolink.register_keys_drop_part_indexes(v_part);
    v_keys := pseudolink.register_keys_fill(v_model, v_part);
    s_fill := pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t)::numeric, 3);
    SELECT * INTO i FROM pseudolink.register_keys_index_part(v_part);
    UPDATE pseudolink.register_keys_part k
    SET built_at = pg_catalog.clock_timestamp(), built_by = session_user, key_sets = v_keys,
        keys_seconds = s_fill OPERATOR(pg_catalog.+) i.keys_seconds, index_seconds = i.index_seconds
    WHERE k.part OPERATOR(pg_catalog.=) v_part;

    -- The last partition finishes the parent.  The load's row serialises
    -- the sessions that get here at once: the later one sees the earlier
    -- one's partition committed.
    PERFORM FROM pseudolink.register_load l WHERE l.load_id OPERATOR(pg_catalog.=) v_load FOR UPDATE;
    IF NOT EXISTS (SELECT FROM pseudolink.register_keys_part k WHERE k.built_at IS NULL) THEN
        s_attach := pseudolink.register_keys_attach();
        UPDATE pseudolink.register_load l
        SET keys_built_at = pg_catalog.clock_timestamp(),
            key_sets_built = (SELECT pg_catalog.sum(k.key_sets) FROM pseudolink.register_keys_part k),
            keys_seconds = (SELECT pg_catalog.sum(k.keys_seconds) FROM pseudolink.register_keys_part k),
            index_seconds = (SELECT pg_catalog.sum(k.index_seconds) FROM pseudolink.register_keys_part k)
                            OPERATOR(pg_catalog.+) s_attach
        WHERE l.load_id OPERATOR(pg_catalog.=) v_load;
    END IF;
    RETURN v_part;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_keys_build_part() IS
    'internal: builds the key sets and indexes of one unbuilt partition of register_keys (the parent''s too after the last); returns the partition or NULL';

CREATE PROCEDURE pseudolink.register_build_keys()
LANGUAGE plpgsql
AS $proc$
DECLARE
    v_part integer;
    v_built integer := 0;
    v_load pseudolink.register_load;
BEGIN
    PERFORM pseudolink.require_autocommit('pseudolink.register_build_keys', 'partition');
    LOOP
        v_part := pseudolink.register_keys_build_part();
        COMMIT;
        EXIT WHEN v_part IS NULL;
        v_built := v_built OPERATOR(pg_catalog.+) 1;
    END LOOP;
    SELECT * INTO v_load FROM pseudolink.register_load l ORDER BY l.load_id DESC LIMIT 1;
    IF v_load.load_id IS NULL THEN
        RAISE EXCEPTION 'no register has been loaded'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the register with pseudolink.register_load(build_keys => false) first.';
    ELSIF v_load.keys_built_at IS NULL THEN
        RAISE NOTICE 'this session built % of the % partitions of register load %; other sessions are building the rest',
                     v_built, pseudolink.register_keys_partitions(), v_load.load_id
            USING HINT = 'SELECT * FROM pseudolink.register_keys_part shows them; the link can start when every one is built.';
    ELSIF v_built OPERATOR(pg_catalog.=) 0 THEN
        RAISE NOTICE 'the key sets of register load % were already built', v_load.load_id;
    END IF;
END
$proc$;
COMMENT ON PROCEDURE pseudolink.register_build_keys() IS
    'builds the key sets and GIN indexes that a replace load with build_keys => false left unbuilt, one partition of register_keys at a time, '
    'committing each; CALL it in one session per core at once to build them in parallel; CALL it again after a crash or cancel';

-- Refuses to go on while the last load's key sets are unbuilt: a link or
-- a training against a partly built register would miss candidates.
CREATE FUNCTION pseudolink.register_require_keys()
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_load integer;
    v_built timestamptz;
BEGIN
    SELECT l.load_id, l.keys_built_at INTO v_load, v_built
    FROM pseudolink.register_load l ORDER BY l.load_id DESC LIMIT 1;
    IF FOUND AND v_built IS NULL THEN
        RAISE EXCEPTION 'the key sets of register load % are not built yet', v_load
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('%s of the %s partitions of register_keys are built.',
                                             (SELECT pg_catalog.count(*) FROM pseudolink.register_keys_part k
                                              WHERE k.built_at IS NOT NULL),
                                             pseudolink.register_keys_partitions()),
                  HINT = 'CALL pseudolink.register_build_keys(), in one session per core to build them in parallel.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION pseudolink.register_require_keys() IS
    'internal: raises an error when the key sets of the last register load are not built yet';

-- The empty partitions of the new extension get their indexes as every
-- load builds them.
SELECT pseudolink.register_keys_index_part(part) FROM pg_catalog.generate_series(0, pseudolink.register_keys_partitions() - 1) part;
SELECT pseudolink.register_keys_attach();

REVOKE ALL ON TABLE pseudolink.register_keys_part FROM PUBLIC;
GRANT SELECT ON TABLE pseudolink.register_keys_part TO pseudolink_steward, pseudolink_admin;
REVOKE ALL ON FUNCTION pseudolink.register_keys_drop_part_indexes(integer), pseudolink.register_keys_drop_indexes(),
    pseudolink.register_keys_fill(text, integer, boolean), pseudolink.register_keys_index_part(integer),
    pseudolink.register_keys_attach(), pseudolink.register_keys_build_part(),
    pseudolink.register_require_keys()
FROM PUBLIC;
REVOKE ALL ON PROCEDURE pseudolink.register_build_keys() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pseudolink.register_keys_build_part(), pseudolink.register_require_keys() TO pseudolink_steward;
GRANT EXECUTE ON PROCEDURE pseudolink.register_build_keys() TO pseudolink_steward;
