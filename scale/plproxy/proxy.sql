-- The proxy side of the PL/Proxy set-up (doc/scale.md): the clusters and
-- the PL/Proxy functions that route register rows to their shard and fan a
-- batch of registry records out to every shard.  Each function has the name
-- of the shard function it calls (shard.sql) and a first argument naming
-- the cluster: 'register' (the shards), 'single' (one node holding the
-- whole register, for the comparison) or 'single_sessions' (that node again,
-- one partition per session).  The proxy itself holds no register.
--
-- psql variables: register_nodes, single_node, single_sessions (the SQL/MED
-- options naming each cluster's partitions, p0 'host=... port=...
-- dbname=...', ...).
-- Run as a superuser in the proxy database.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE EXTENSION plproxy;

-- modular_mapping: partition = abs(hash % partitions), so that any number of
-- nodes works (without it the number must be a power of two).
SELECT format('CREATE SERVER register FOREIGN DATA WRAPPER plproxy OPTIONS (modular_mapping %L, %s)', '1', :'register_nodes') \gexec
SELECT format('CREATE SERVER single FOREIGN DATA WRAPPER plproxy OPTIONS (modular_mapping %L, %s)', '1', :'single_node') \gexec
SELECT format('CREATE SERVER single_sessions FOREIGN DATA WRAPPER plproxy OPTIONS (modular_mapping %L, %s)', '1', :'single_sessions') \gexec
COMMENT ON SERVER register IS 'the shards: the population register split by hashint8(person_id)';
COMMENT ON SERVER single IS 'one node with the whole register (the reference for the sharded run)';
COMMENT ON SERVER single_sessions IS 'the single node again, as one partition per session (connection strings that differ only in application_name)';
-- PL/Proxy connects as the calling role (no user= in the options): the
-- steward's login role must exist on every node.
CREATE USER MAPPING FOR PUBLIC SERVER register;
CREATE USER MAPPING FOR PUBLIC SERVER single;
CREATE USER MAPPING FOR PUBLIC SERVER single_sessions;
GRANT USAGE ON FOREIGN SERVER register, single, single_sessions TO pseudolink_steward;

CREATE SCHEMA scale;
COMMENT ON SCHEMA scale IS 'PL/Proxy functions that route to the register shards (doc/scale.md)';
GRANT USAGE ON SCHEMA scale TO pseudolink_steward;

CREATE FUNCTION scale.cluster(name text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$ SELECT name $fn$;
COMMENT ON FUNCTION scale.cluster(text) IS 'the cluster a PL/Proxy function runs on, from its first argument';

-- Each register row goes to the shard of its person: SPLIT cuts the arrays
-- into one array per shard by hashint8(person_id), so a person and every
-- one of its address periods land on the same shard.
CREATE FUNCTION scale.stage_persons(cluster text, person_ids bigint[], birth_dates date[], sexes smallint[])
RETURNS SETOF bigint
LANGUAGE plproxy
AS $fn$
    CLUSTER scale.cluster(cluster);
    SPLIT person_ids, birth_dates, sexes;
    RUN ON hashint8(person_ids);
    SELECT scale.stage_persons(person_ids, birth_dates, sexes);
$fn$;
COMMENT ON FUNCTION scale.stage_persons(text, bigint[], date[], smallint[]) IS
    'stages register persons, each on the shard of hashint8(person_id); one row per shard with the rows it staged';

CREATE FUNCTION scale.stage_addresses(cluster text, person_ids bigint[], postcodes text[], house_numbers integer[],
                                      house_suffixes text[], valid_froms date[], valid_tos date[])
RETURNS SETOF bigint
LANGUAGE plproxy
AS $fn$
    CLUSTER scale.cluster(cluster);
    SPLIT person_ids, postcodes, house_numbers, house_suffixes, valid_froms, valid_tos;
    RUN ON hashint8(person_ids);
    SELECT scale.stage_addresses(person_ids, postcodes, house_numbers, house_suffixes, valid_froms, valid_tos);
$fn$;
COMMENT ON FUNCTION scale.stage_addresses(text, bigint[], text[], integer[], text[], date[], date[]) IS
    'stages address periods, each on the shard of its person; one row per shard with the rows it staged';

-- Every shard loads its part at the same time.
CREATE FUNCTION scale.load_register(cluster text, model text)
RETURNS TABLE (node text, persons bigint, periods bigint, key_sets bigint, rejected bigint, seconds numeric)
LANGUAGE plproxy
AS $fn$
    CLUSTER scale.cluster(cluster);
    RUN ON ALL;
    SELECT * FROM scale.load_register(model);
$fn$;
COMMENT ON FUNCTION scale.load_register(text, text) IS 'register_load(model) on every node of the cluster, in parallel';

CREATE FUNCTION scale.node_info(cluster text)
RETURNS TABLE (node text, fingerprint text, persons bigint, periods bigint, model text)
LANGUAGE plproxy
AS $fn$
    CLUSTER scale.cluster(cluster);
    RUN ON ALL;
    SELECT * FROM scale.node_info();
$fn$;
COMMENT ON FUNCTION scale.node_info(text) IS 'every node''s name, root key fingerprint, register size and blocking model';

-- The fan-out: every shard gets the whole batch and answers for its part of
-- the register; scale.best() merges the answers.
CREATE FUNCTION scale.candidates(cluster text, record_nos bigint[], event_dates date[], birth_dates date[],
                                 sexes smallint[], postcodes text[], house_numbers integer[], house_suffixes text[],
                                 blocking_model text, score_model text, keep integer)
RETURNS TABLE (record_no bigint, rank integer, person_id bigint, pseudonym text, weight double precision,
               candidates bigint)
LANGUAGE plproxy
AS $fn$
    CLUSTER scale.cluster(cluster);
    RUN ON ALL;
    SELECT * FROM scale.candidates(record_nos, event_dates, birth_dates, sexes, postcodes, house_numbers,
                                   house_suffixes, blocking_model, score_model, keep);
$fn$;
COMMENT ON FUNCTION scale.candidates(text, bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer) IS
    'the best keep candidates of each record of a batch on every node of the cluster (RUN ON ALL), unmerged';

-- One node on several cores: SPLIT the batch by record, so that each
-- partition of the cluster gets its own records (run it on a cluster whose
-- partitions are sessions on one node holding the whole register).  Each
-- record is answered by one partition, so its rows need no merge.
CREATE FUNCTION scale.candidates_split(cluster text, record_nos bigint[], event_dates date[], birth_dates date[],
                                       sexes smallint[], postcodes text[], house_numbers integer[],
                                       house_suffixes text[], blocking_model text, score_model text, keep integer)
RETURNS TABLE (record_no bigint, rank integer, person_id bigint, pseudonym text, weight double precision,
               candidates bigint)
LANGUAGE plproxy
AS $fn$
    CLUSTER scale.cluster(cluster);
    SPLIT record_nos, event_dates, birth_dates, sexes, postcodes, house_numbers, house_suffixes;
    RUN ON hashint8(record_nos);
    SELECT * FROM scale.candidates(record_nos, event_dates, birth_dates, sexes, postcodes, house_numbers,
                                   house_suffixes, blocking_model, score_model, keep);
$fn$;
COMMENT ON FUNCTION scale.candidates_split(text, bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer) IS
    'the best keep candidates of each record of a batch, each record sent to one partition of the cluster (SPLIT by hashint8(record_no))';

-- The merge at the proxy: the best keep candidates of each record over all
-- nodes, ranked as each node ranks them (weight, then pseudonym in byte
-- order), and the record's candidates over all nodes (each node reports its
-- count on every row it returns; its best row carries it once).
CREATE FUNCTION scale.best(cluster text, record_nos bigint[], event_dates date[], birth_dates date[],
                           sexes smallint[], postcodes text[], house_numbers integer[], house_suffixes text[],
                           blocking_model text, score_model text, keep integer)
RETURNS TABLE (record_no bigint, rank integer, person_id bigint, pseudonym text, weight double precision,
               candidates bigint)
LANGUAGE sql VOLATILE
AS $fn$
    SELECT record_no, rank::integer, person_id, pseudonym, weight, total
    FROM (SELECT c.record_no, c.person_id, c.pseudonym, c.weight,
                 pg_catalog.row_number() OVER (PARTITION BY c.record_no
                                               ORDER BY c.weight DESC, c.pseudonym COLLATE "C") AS rank,
                 pg_catalog.sum(c.candidates) FILTER (WHERE c.rank OPERATOR(pg_catalog.=) 1)
                     OVER (PARTITION BY c.record_no)::bigint AS total
          FROM scale.candidates(cluster, record_nos, event_dates, birth_dates, sexes, postcodes, house_numbers,
                                house_suffixes, blocking_model, score_model, keep) AS c) m
    WHERE rank OPERATOR(pg_catalog.<=) keep
$fn$;
COMMENT ON FUNCTION scale.best(text, bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer) IS
    'the best keep candidates of each record of a batch over all nodes of the cluster, with its candidates over all nodes';

REVOKE ALL ON FUNCTION scale.stage_persons(text, bigint[], date[], smallint[]),
    scale.stage_addresses(text, bigint[], text[], integer[], text[], date[], date[]),
    scale.load_register(text, text), scale.node_info(text),
    scale.candidates(text, bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer),
    scale.candidates_split(text, bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer),
    scale.best(text, bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scale.stage_persons(text, bigint[], date[], smallint[]),
    scale.stage_addresses(text, bigint[], text[], integer[], text[], date[], date[]),
    scale.load_register(text, text), scale.node_info(text),
    scale.candidates(text, bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer),
    scale.candidates_split(text, bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer),
    scale.best(text, bigint[], date[], date[], smallint[], text[], integer[], text[], text, text, integer)
TO pseudolink_steward;
