-- The shard side of the PL/Proxy set-up (doc/scale.md): what every node
-- that holds a part of the population register runs, and the single node
-- that holds all of it for comparison.  Plain SQL functions on pseudolink's
-- primitives (register_load, blocking keys and the GIN index, the level
-- functions, match_weight of a model); the proxy's functions of the same
-- names (proxy.sql) call them through PL/Proxy.
--
-- Every node gets the same blocking model and the same Fellegi-Sunter model
-- from this file: candidates and weights agree across nodes only when the
-- rules, the stop list and m and u are the same rows everywhere.  The stop
-- list stays empty here: a cap computed per shard would stop other keys on
-- every shard than one computed over the whole register.
--
-- Run as a superuser in the node's database, after CREATE EXTENSION
-- pseudolink; the functions run with the caller's rights (the steward).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE SCHEMA scale;
COMMENT ON SCHEMA scale IS 'functions that the PL/Proxy proxy calls on this node (doc/scale.md)';
GRANT USAGE ON SCHEMA scale TO pseudolink_steward;

SELECT count(*) AS dutch_rules FROM pseudolink.add_dutch_blocking_rules('nl');

-- The scoring model: birth date, sex, postcode, house number with fixed m
-- and u (estimated once, then copied: a model trained on each shard's part
-- of the register would differ from shard to shard).
INSERT INTO pseudolink.fs_model (model, prior, description)
VALUES ('scale', 0.0005, 'sharded linkage check: birth date, sex, postcode, house number, fixed m and u');
SELECT pseudolink.fs_add_comparison('scale', 'birth_date', pseudolink.comparison_labels('compare_dates'));
SELECT pseudolink.fs_add_comparison('scale', 'sex', pseudolink.comparison_labels('exact'));
SELECT pseudolink.fs_add_comparison('scale', 'postcode', pseudolink.comparison_labels('compare_postcodes'));
SELECT pseudolink.fs_add_comparison('scale', 'house_number', pseudolink.comparison_labels('compare_house_numbers'));
UPDATE pseudolink.fs_level l SET m = v.m, u = v.u
FROM (VALUES ('birth_date', 5, 0.95, 0.00005), ('birth_date', 4, 0.005, 0.00005), ('birth_date', 3, 0.02, 0.0008),
             ('birth_date', 2, 0.01, 0.0024), ('birth_date', 1, 0.005, 0.026), ('birth_date', 0, 0.01, 0.9707),
             ('sex', 1, 0.98, 0.5), ('sex', 0, 0.02, 0.5),
             ('postcode', 4, 0.85, 0.000003), ('postcode', 3, 0.005, 0.000003), ('postcode', 2, 0.03, 0.00005),
             ('postcode', 1, 0.06, 0.0009), ('postcode', 0, 0.055, 0.999044),
             ('house_number', 2, 0.9, 0.02), ('house_number', 1, 0.03, 0.002), ('house_number', 0, 0.07, 0.978))
     AS v(comparison, level, m, u)
WHERE l.model = 'scale' AND l.comparison = v.comparison AND l.level = v.level;

-- Staging: a batch of register rows, as the proxy split them by the hash
-- of the person id.  Returns the number of rows staged.
CREATE FUNCTION scale.stage_persons(person_ids bigint[], birth_dates date[], sexes smallint[])
RETURNS bigint
LANGUAGE sql VOLATILE
AS $fn$
    WITH staged AS (
        INSERT INTO pseudolink.register_person_staging (person_id, birth_date, sex)
        SELECT p::text, to_char(b, 'YYYY-MM-DD'), s::text
        FROM unnest(person_ids, birth_dates, sexes) AS u(p, b, s)
        RETURNING 1)
    SELECT count(*) FROM staged
$fn$;
COMMENT ON FUNCTION scale.stage_persons(bigint[], date[], smallint[]) IS
    'stages a batch of register persons on this node (register_person_staging); returns the rows staged';

CREATE FUNCTION scale.stage_addresses(person_ids bigint[], postcodes text[], house_numbers integer[],
                                      house_suffixes text[], valid_froms date[], valid_tos date[])
RETURNS bigint
LANGUAGE sql VOLATILE
AS $fn$
    WITH staged AS (
        INSERT INTO pseudolink.register_address_staging
               (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
        SELECT p::text, pc, hn::text, hs, to_char(vf, 'YYYY-MM-DD'), to_char(vt, 'YYYY-MM-DD')
        FROM unnest(person_ids, postcodes, house_numbers, house_suffixes, valid_froms, valid_tos)
             AS u(p, pc, hn, hs, vf, vt)
        RETURNING 1)
    SELECT count(*) FROM staged
$fn$;
COMMENT ON FUNCTION scale.stage_addresses(bigint[], text[], integer[], text[], date[], date[]) IS
    'stages a batch of address periods on this node (register_address_staging); returns the rows staged';

-- The load: pseudolink's own register_load on this node's part.
CREATE FUNCTION scale.load_register(model text)
RETURNS TABLE (node text, persons bigint, periods bigint, key_sets bigint, rejected bigint, seconds numeric)
LANGUAGE sql VOLATILE
AS $fn$
    SELECT pg_catalog.current_setting('cluster_name') OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) pg_catalog.current_database(),
           l.register_persons, l.register_periods, l.key_sets_built,
           l.persons_rejected + l.periods_rejected,
           pg_catalog.round(EXTRACT(epoch FROM l.finished_at - l.started_at), 1)
    FROM pseudolink.register_load(model) AS l
$fn$;
COMMENT ON FUNCTION scale.load_register(text) IS
    'register_load(model) of the persons and periods staged on this node; returns the node''s counts';

-- What the node holds and which root key it uses (the fingerprint, never
-- the key).
CREATE FUNCTION scale.node_info()
RETURNS TABLE (node text, fingerprint text, persons bigint, periods bigint, model text)
LANGUAGE sql STABLE
AS $fn$
    SELECT pg_catalog.current_setting('cluster_name') OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) pg_catalog.current_database(),
           pseudolink.root_key_fingerprint(1)::text,
           (SELECT pg_catalog.count(*) FROM pseudolink.register_person),
           (SELECT pg_catalog.count(*) FROM pseudolink.register_address),
           pseudolink.register_model()
$fn$;
COMMENT ON FUNCTION scale.node_info() IS
    'this node''s name (cluster/database), root key fingerprint (version 1), register size and blocking model';

-- Candidates and scores of a batch of registry records against this node's
-- part of the register: the probe keys of each record, the register
-- persons sharing a key (the GIN index register_keys_gin), the person's
-- address on the record's event date, the four levels and the match weight.
-- Returns the best `keep` candidates of each record that has any, ranked by
-- weight, then by pseudonym in byte order, and the number of candidates on
-- this node; the proxy merges the nodes' lists the same way.  Because a
-- pair's weight depends on the pair alone (no term frequencies, no
-- per-node statistics), the best two over all nodes are the best two of
-- the nodes' best twos.
CREATE FUNCTION scale.candidates(record_nos bigint[], event_dates date[], birth_dates date[], sexes smallint[],
                                 postcodes text[], house_numbers integer[], house_suffixes text[],
                                 blocking_model text, score_model text, keep integer)
RETURNS TABLE (record_no bigint, rank integer, person_id bigint, pseudonym text, weight double precision,
               candidates bigint)
LANGUAGE sql STABLE
AS $fn$
    WITH r AS (
        SELECT *
        FROM unnest(record_nos, event_dates, birth_dates, sexes, postcodes, house_numbers, house_suffixes)
             AS u(record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)),
    probe AS (
        SELECT r.*, pseudolink.blocking_keys(blocking_model, r, probe => true) AS keys FROM r),
    scored AS (
        SELECT q.record_no, p.person_id, p.pseudonym::text COLLATE "C" AS pseudonym,
               pseudolink.match_weight(score_model, ARRAY[
                   pseudolink.compare_dates(q.birth_date, p.birth_date),
                   (q.sex OPERATOR(pg_catalog.=) p.sex)::integer,
                   pseudolink.compare_postcodes(q.postcode, a.postcode),
                   pseudolink.compare_house_numbers(q.house_number, q.house_suffix, a.house_number, a.house_suffix)])
                   AS weight
        FROM probe q
             -- one index probe per record, whatever the planner estimates
             -- (doc/national-scale.md, "one index probe per record")
             CROSS JOIN LATERAL (SELECT k.person_id FROM pseudolink.register_keys k
                                 WHERE k.keys OPERATOR(pseudolink.&&) q.keys OFFSET 0) k
             JOIN pseudolink.register_person p ON p.person_id OPERATOR(pg_catalog.=) k.person_id
             LEFT JOIN pseudolink.register_address a
                    ON a.person_id OPERATOR(pg_catalog.=) p.person_id
                   AND a.valid_from OPERATOR(pg_catalog.<=) q.event_date
                   AND (a.valid_to IS NULL OR q.event_date OPERATOR(pg_catalog.<) a.valid_to)),
    ranked AS (
        SELECT s.*, pg_catalog.row_number() OVER w AS rank, pg_catalog.count(*) OVER (PARTITION BY s.record_no) AS n
        FROM scored s
        WINDOW w AS (PARTITION BY s.record_no ORDER BY s.weight DESC, s.pseudonym))
    SELECT record_no, rank::integer, person_id, pseudonym, weight, n
    FROM ranked
    WHERE rank OPERATOR(pg_catalog.<=) keep
$fn$;
COMMENT ON FUNCTION scale.candidates(bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer) IS
    'the best keep candidates on this node of each record of a batch (blocking keys, levels, match weight), ranked by weight then pseudonym, with the record''s number of candidates here';

REVOKE ALL ON FUNCTION scale.stage_persons(bigint[], date[], smallint[]),
    scale.stage_addresses(bigint[], text[], integer[], text[], date[], date[]),
    scale.load_register(text), scale.node_info(),
    scale.candidates(bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scale.stage_persons(bigint[], date[], smallint[]),
    scale.stage_addresses(bigint[], text[], integer[], text[], date[], date[]),
    scale.load_register(text), scale.node_info(),
    scale.candidates(bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer)
TO pseudolink_steward;
