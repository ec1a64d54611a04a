-- The link run: CALL pseudolink.link(upload_id) links a closed upload to
-- the population register in batches, committing each, so that another
-- session follows the progress (pseudolink.link_progress) and a crash, a
-- cancel or an error loses at most the batch in progress.  Run it again
-- and it goes on after the last committed batch: results are keyed by
-- record_id and written in the same transaction as the position the run
-- has reached, so no record is linked twice and none is skipped.
-- doc/linkage.md, "The link run", describes it for the steward.
--
-- A batch is set-based throughout (no loop over records or pairs):
--
--   1. records whose person key carries an objection are excluded;
--   2. first pass: candidates sharing at least two blocking keys with the
--      record (keys @@ shares(keys, 2) on register_keys_gin: about one
--      candidate per record, 98% of the true pairs), each scored with one
--      call of link_levels() against the person's address history and
--      match_weight();
--   3. second pass, only for the records the first left without a unique
--      or multiple outcome: the candidates sharing exactly one key
--      (keys && keys), which finds the true pairs with errors in several
--      fields at the price of many more candidates;
--   4. assignment (link_assign_status): unique, multiple, review or none,
--      by two thresholds on the best match weight and a margin over the
--      runner-up; a record whose best candidates include a person who
--      objected is excluded.
--
-- Several sessions may CALL link() on one upload at once: each claims the
-- next batch (a range of record ids) in a short transaction of its own,
-- links it in a second and releases the claim with the results, so that
-- the sessions share the job row only for a moment per batch.  A batch
-- claimed by a session that stopped is taken over by the next claim.
--
-- The procedure cannot be SECURITY DEFINER (PostgreSQL refuses transaction
-- control in one) and must be CALLed outside a transaction block.  It runs
-- as the steward and calls the SECURITY DEFINER functions below, which do
-- the work; they are granted to the steward only.

-- Runs -------------------------------------------------------------------

CREATE TABLE pseudolink.link_job (
    upload_id           bigint           NOT NULL,
    model               text             NOT NULL,
    upper_weight        double precision NOT NULL,
    lower_weight        double precision NOT NULL,
    margin              double precision NOT NULL,
    batch_size          integer          NOT NULL,
    state               text             NOT NULL DEFAULT 'running',
    source              text             NOT NULL,
    registry            text             NOT NULL,
    register_load_id    integer          NOT NULL,
    records             bigint           NOT NULL,
    done                bigint           NOT NULL DEFAULT 0,
    last_record_id      bigint           NOT NULL DEFAULT 0,
    batches             integer          NOT NULL DEFAULT 0,
    attempts            integer          NOT NULL DEFAULT 1,
    unique_records      bigint           NOT NULL DEFAULT 0,
    multiple_records    bigint           NOT NULL DEFAULT 0,
    review_records      bigint           NOT NULL DEFAULT 0,
    none_records        bigint           NOT NULL DEFAULT 0,
    objected_records    bigint           NOT NULL DEFAULT 0,
    second_pass_records bigint           NOT NULL DEFAULT 0,
    candidate_pairs     bigint           NOT NULL DEFAULT 0,
    first_pass_seconds  numeric          NOT NULL DEFAULT 0,
    second_pass_seconds numeric          NOT NULL DEFAULT 0,
    assign_seconds      numeric          NOT NULL DEFAULT 0,
    started_at          timestamptz      NOT NULL DEFAULT pg_catalog.now(),
    started_by          name             NOT NULL,
    attempt_started_at  timestamptz      NOT NULL DEFAULT pg_catalog.now(),
    attempt_done        bigint           NOT NULL DEFAULT 0,
    updated_at          timestamptz      NOT NULL DEFAULT pg_catalog.now(),
    finished_at         timestamptz,
    remap_load_id       integer,
    CONSTRAINT link_job_pkey PRIMARY KEY (upload_id),
    CONSTRAINT link_job_upload_fkey FOREIGN KEY (upload_id) REFERENCES pseudolink.upload (upload_id),
    CONSTRAINT link_job_model_fkey FOREIGN KEY (model) REFERENCES pseudolink.fs_model (model) ON UPDATE CASCADE,
    CONSTRAINT link_job_state_valid CHECK (state IN ('running', 'finished')),
    CONSTRAINT link_job_thresholds_valid CHECK (lower_weight <= upper_weight AND margin >= 0
                                                AND margin <= upper_weight - lower_weight),
    CONSTRAINT link_job_batch_size_valid CHECK (batch_size BETWEEN 1 AND 1000000),
    CONSTRAINT link_job_done_valid CHECK (done BETWEEN 0 AND records AND attempt_done <= done),
    CONSTRAINT link_job_counts_add_up CHECK (unique_records + multiple_records + review_records + none_records
                                             + objected_records = done),
    CONSTRAINT link_job_finished_when_done CHECK ((state = 'finished') = (finished_at IS NOT NULL)
                                                  AND (state <> 'finished' OR done = records))
);
COMMENT ON TABLE pseudolink.link_job IS
    'one link run per upload: its parameters, how far it got (committed after every batch), its counts and times';
COMMENT ON COLUMN pseudolink.link_job.upload_id IS 'the upload linked';
COMMENT ON COLUMN pseudolink.link_job.model IS 'the scoring model (pseudolink.fs_model)';
COMMENT ON COLUMN pseudolink.link_job.upper_weight IS 'a best candidate at or above this match weight is linked (unique), unless the runner-up is within the margin';
COMMENT ON COLUMN pseudolink.link_job.lower_weight IS 'a best candidate below this match weight is no link (none); between the two thresholds the record goes to review';
COMMENT ON COLUMN pseudolink.link_job.margin IS 'bits the best candidate must lead a runner-up at or above the lower threshold by; less is multiple';
COMMENT ON COLUMN pseudolink.link_job.batch_size IS 'records per batch (one transaction each); may change when a run is resumed';
COMMENT ON COLUMN pseudolink.link_job.state IS 'running (until every record has a result, also after a crash: pseudolink.link_progress says interrupted) or finished';
COMMENT ON COLUMN pseudolink.link_job.source IS 'the catalogue source of the records (pseudolink.link_source)';
COMMENT ON COLUMN pseudolink.link_job.registry IS 'the registry organisation whose objections apply';
COMMENT ON COLUMN pseudolink.link_job.register_load_id IS 'the register load the run links against; a new load stops the run';
COMMENT ON COLUMN pseudolink.link_job.records IS 'records of the upload';
COMMENT ON COLUMN pseudolink.link_job.done IS 'records with a result';
COMMENT ON COLUMN pseudolink.link_job.last_record_id IS 'the last record claimed by a batch: records are claimed in record_id order, and every record up to this one has a result or is in a batch claimed in pseudolink.link_session';
COMMENT ON COLUMN pseudolink.link_job.batches IS 'batches committed';
COMMENT ON COLUMN pseudolink.link_job.attempts IS 'how often the run was started (1 + resumptions)';
COMMENT ON COLUMN pseudolink.link_job.unique_records IS 'records linked to one person by the run';
COMMENT ON COLUMN pseudolink.link_job.multiple_records IS 'records with several indistinguishable candidates';
COMMENT ON COLUMN pseudolink.link_job.review_records IS 'records sent to clerical review';
COMMENT ON COLUMN pseudolink.link_job.none_records IS 'records without a link';
COMMENT ON COLUMN pseudolink.link_job.objected_records IS 'records excluded because of an objection';
COMMENT ON COLUMN pseudolink.link_job.second_pass_records IS 'records that needed the second pass (candidates sharing one key)';
COMMENT ON COLUMN pseudolink.link_job.candidate_pairs IS 'candidate pairs scored';
COMMENT ON COLUMN pseudolink.link_job.first_pass_seconds IS 'seconds spent on the first pass (candidates sharing two keys, scored)';
COMMENT ON COLUMN pseudolink.link_job.second_pass_seconds IS 'seconds spent on the second pass';
COMMENT ON COLUMN pseudolink.link_job.assign_seconds IS 'seconds spent on assignment and writing the results';
COMMENT ON COLUMN pseudolink.link_job.started_at IS 'when the run was first started';
COMMENT ON COLUMN pseudolink.link_job.started_by IS 'the role that started it';
COMMENT ON COLUMN pseudolink.link_job.attempt_started_at IS 'when the current attempt started';
COMMENT ON COLUMN pseudolink.link_job.attempt_done IS 'records done when the current attempt started (for its rate)';
COMMENT ON COLUMN pseudolink.link_job.updated_at IS 'when the last batch was committed';
COMMENT ON COLUMN pseudolink.link_job.finished_at IS 'when the last record was done';
COMMENT ON COLUMN pseudolink.link_job.remap_load_id IS 'the register load the unlinked records were last checked against by link_remap()';
COMMENT ON CONSTRAINT link_job_pkey ON pseudolink.link_job IS 'an upload is linked by one run';
COMMENT ON CONSTRAINT link_job_upload_fkey ON pseudolink.link_job IS 'of an upload';
COMMENT ON CONSTRAINT link_job_model_fkey ON pseudolink.link_job IS 'with a scoring model';
COMMENT ON CONSTRAINT link_job_state_valid ON pseudolink.link_job IS 'running or finished';
COMMENT ON CONSTRAINT link_job_thresholds_valid ON pseudolink.link_job IS 'lower threshold <= upper threshold, 0 <= margin <= their distance';
COMMENT ON CONSTRAINT link_job_batch_size_valid ON pseudolink.link_job IS '1 to 1,000,000 records per batch';
COMMENT ON CONSTRAINT link_job_done_valid ON pseudolink.link_job IS 'done counts records of the upload';
COMMENT ON CONSTRAINT link_job_counts_add_up ON pseudolink.link_job IS 'every record done has one status';
COMMENT ON CONSTRAINT link_job_finished_when_done ON pseudolink.link_job IS 'a run is finished when every record is done, and then only';

-- The sessions linking a run, and the batch each has claimed.
CREATE TABLE pseudolink.link_session (
    upload_id       bigint      NOT NULL,
    pid             integer     NOT NULL,
    backend_start   timestamptz NOT NULL,
    joined_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    after_record_id bigint,
    last_record_id  bigint,
    claimed_at      timestamptz,
    CONSTRAINT link_session_pkey PRIMARY KEY (upload_id, pid, backend_start),
    CONSTRAINT link_session_job_fkey FOREIGN KEY (upload_id) REFERENCES pseudolink.link_job (upload_id)
        ON DELETE CASCADE,
    CONSTRAINT link_session_batch_valid CHECK ((after_record_id IS NULL) = (last_record_id IS NULL)
                                               AND (claimed_at IS NULL) = (last_record_id IS NULL)
                                               AND after_record_id < last_record_id)
);
COMMENT ON TABLE pseudolink.link_session IS
    'the sessions that CALLed pseudolink.link() on a run, each with the batch it has claimed and not yet committed (if any); removed when the run finishes';
COMMENT ON COLUMN pseudolink.link_session.upload_id IS 'the run (its upload)';
COMMENT ON COLUMN pseudolink.link_session.pid IS 'backend process of the session';
COMMENT ON COLUMN pseudolink.link_session.backend_start IS 'start of that backend (a pid is reused)';
COMMENT ON COLUMN pseudolink.link_session.joined_at IS 'when the session started linking the run';
COMMENT ON COLUMN pseudolink.link_session.after_record_id IS 'the claimed batch holds the upload''s records after this record id ...';
COMMENT ON COLUMN pseudolink.link_session.last_record_id IS '... up to and including this one; NULL: no batch claimed';
COMMENT ON COLUMN pseudolink.link_session.claimed_at IS 'when the batch was claimed';
COMMENT ON CONSTRAINT link_session_pkey ON pseudolink.link_session IS 'a session joins a run once';
COMMENT ON CONSTRAINT link_session_job_fkey ON pseudolink.link_session IS 'of a link run';
COMMENT ON CONSTRAINT link_session_batch_valid ON pseudolink.link_session IS 'a claimed batch is a range of record ids with the time of its claim';

-- Results -------------------------------------------------------------------

CREATE TABLE pseudolink.link_result (
    record_id         bigint               NOT NULL,
    upload_id         bigint               NOT NULL,
    status            text                 NOT NULL,
    person_id         bigint,
    person            pseudolink.pseudonym,
    match_weight      double precision,
    match_probability double precision,
    runner_up_weight  double precision,
    candidates        integer              NOT NULL,
    levels            integer[],
    pass              smallint             NOT NULL,
    excluded_by       text,
    decision_id       bigint,
    linked_at         timestamptz          NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT link_result_pkey PRIMARY KEY (record_id),
    CONSTRAINT link_result_record_fkey FOREIGN KEY (record_id) REFERENCES pseudolink.upload_record (record_id),
    CONSTRAINT link_result_job_fkey FOREIGN KEY (upload_id) REFERENCES pseudolink.link_job (upload_id),
    CONSTRAINT link_result_status_valid CHECK (status IN ('unique', 'multiple', 'review', 'none', 'objected')),
    CONSTRAINT link_result_person_when_unique CHECK ((status = 'unique') = (person_id IS NOT NULL)
                                                     AND (person_id IS NULL) = (person IS NULL)),
    CONSTRAINT link_result_person_kind CHECK (pseudolink.pseudonym_kind(person) = 'R'),
    CONSTRAINT link_result_excluded_when_objected CHECK ((status = 'objected') = (excluded_by IS NOT NULL)
                                                         AND excluded_by IN ('person_key', 'person')),
    CONSTRAINT link_result_probability_range CHECK (match_probability BETWEEN 0 AND 1),
    CONSTRAINT link_result_pass_valid CHECK (pass BETWEEN 0 AND 2),
    CONSTRAINT link_result_candidates_valid CHECK (candidates >= 0
                                                   AND (candidates > 0) = (match_weight IS NOT NULL))
);
CREATE INDEX link_result_upload ON pseudolink.link_result (upload_id, status);
CREATE INDEX link_result_person ON pseudolink.link_result (person_id) WHERE person_id IS NOT NULL;
COMMENT ON TABLE pseudolink.link_result IS
    'one result per record linked: status, the person linked (unique), the best match weight and probability, the runner-up''s weight';
COMMENT ON COLUMN pseudolink.link_result.record_id IS 'the record (pseudolink.upload_record)';
COMMENT ON COLUMN pseudolink.link_result.upload_id IS 'its upload';
COMMENT ON COLUMN pseudolink.link_result.status IS
    'unique (linked to person), multiple (indistinguishable candidates, never linked), review (awaiting a decision), none (no link: the record keeps its person key, kind S), objected (excluded)';
COMMENT ON COLUMN pseudolink.link_result.person_id IS 'the register person linked (unique)';
COMMENT ON COLUMN pseudolink.link_result.person IS 'that person''s root pseudonym (kind R) at the time of linking';
COMMENT ON COLUMN pseudolink.link_result.match_weight IS 'match weight of the best candidate (of the person decided on, after review); null without candidates';
COMMENT ON COLUMN pseudolink.link_result.match_probability IS 'its match probability';
COMMENT ON COLUMN pseudolink.link_result.runner_up_weight IS 'match weight of the second best candidate; null with fewer than two';
COMMENT ON COLUMN pseudolink.link_result.candidates IS 'candidates scored';
COMMENT ON COLUMN pseudolink.link_result.levels IS 'comparison levels of the best candidate (explain_match(model, levels) shows the sum)';
COMMENT ON COLUMN pseudolink.link_result.pass IS 'the pass that found the best candidate: 1 (two shared keys), 2 (one; also a record without candidates), 0 (not searched: excluded by person key, or no blocking keys)';
COMMENT ON COLUMN pseudolink.link_result.excluded_by IS 'objected: person_key (the record''s own key) or person (a best candidate who objected)';
COMMENT ON COLUMN pseudolink.link_result.decision_id IS 'the steward''s decision applied (pseudolink.link_decision), if any';
COMMENT ON COLUMN pseudolink.link_result.linked_at IS 'when the result was written';
COMMENT ON CONSTRAINT link_result_pkey ON pseudolink.link_result IS 'a record has one result: a resumed run never links it twice';
COMMENT ON CONSTRAINT link_result_record_fkey ON pseudolink.link_result IS 'of an accepted record';
COMMENT ON CONSTRAINT link_result_job_fkey ON pseudolink.link_result IS 'of a link run';
COMMENT ON CONSTRAINT link_result_status_valid ON pseudolink.link_result IS 'the statuses';
COMMENT ON CONSTRAINT link_result_person_when_unique ON pseudolink.link_result IS 'a person is named exactly for unique results';
COMMENT ON CONSTRAINT link_result_person_kind ON pseudolink.link_result IS 'the person is a register person''s pseudonym';
COMMENT ON CONSTRAINT link_result_excluded_when_objected ON pseudolink.link_result IS 'an excluded result says why';
COMMENT ON CONSTRAINT link_result_probability_range ON pseudolink.link_result IS 'a probability';
COMMENT ON CONSTRAINT link_result_pass_valid ON pseudolink.link_result IS 'pass 0, 1 or 2';
COMMENT ON CONSTRAINT link_result_candidates_valid ON pseudolink.link_result IS 'a weight exactly when there were candidates';
COMMENT ON INDEX pseudolink.link_result_upload IS 'results of an upload by status';
COMMENT ON INDEX pseudolink.link_result_person IS 'records linked to a person';

-- The best candidates of the records that a person has to look at: review
-- and multiple.
CREATE TABLE pseudolink.link_candidate (
    record_id    bigint               NOT NULL,
    rank         smallint             NOT NULL,
    person_id    bigint               NOT NULL,
    person       pseudolink.pseudonym NOT NULL,
    match_weight double precision     NOT NULL,
    levels       integer[]            NOT NULL,
    pass         smallint             NOT NULL,
    CONSTRAINT link_candidate_pkey PRIMARY KEY (record_id, rank),
    CONSTRAINT link_candidate_person_key UNIQUE (record_id, person_id),
    CONSTRAINT link_candidate_result_fkey FOREIGN KEY (record_id) REFERENCES pseudolink.link_result (record_id),
    CONSTRAINT link_candidate_rank_valid CHECK (rank BETWEEN 1 AND 10)
);
COMMENT ON TABLE pseudolink.link_candidate IS
    'the best candidates (up to 5) of records in review or multiple: what a reviewer chooses from';
COMMENT ON COLUMN pseudolink.link_candidate.record_id IS 'the record';
COMMENT ON COLUMN pseudolink.link_candidate.rank IS '1 = the best';
COMMENT ON COLUMN pseudolink.link_candidate.person_id IS 'the register person';
COMMENT ON COLUMN pseudolink.link_candidate.person IS 'its root pseudonym: the value a decision names';
COMMENT ON COLUMN pseudolink.link_candidate.match_weight IS 'match weight of the pair';
COMMENT ON COLUMN pseudolink.link_candidate.levels IS 'comparison levels of the pair';
COMMENT ON COLUMN pseudolink.link_candidate.pass IS 'the pass that found it';
COMMENT ON CONSTRAINT link_candidate_pkey ON pseudolink.link_candidate IS 'one candidate per rank';
COMMENT ON CONSTRAINT link_candidate_person_key ON pseudolink.link_candidate IS 'a person is a candidate of a record once';
COMMENT ON CONSTRAINT link_candidate_result_fkey ON pseudolink.link_candidate IS 'of a result';
COMMENT ON CONSTRAINT link_candidate_rank_valid ON pseudolink.link_candidate IS 'ranks 1-10';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_job', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_session', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_result', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_candidate', '');

-- Helpers ---------------------------------------------------------------------

-- The status of a record from its best and second best match weight: the
-- assignment rule, in one place (doc/linkage.md, "Assignment").
CREATE FUNCTION pseudolink.link_assign_status(best double precision, runner_up double precision,
                                              upper_weight double precision, lower_weight double precision,
                                              margin double precision)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN $1 IS NULL OR $1 < $4 THEN 'none'
        WHEN $2 IS NOT NULL AND $2 >= $4 AND $1 - $2 < $5 THEN 'multiple'
        WHEN $1 >= $3 THEN 'unique'
        ELSE 'review' END
$$;
COMMENT ON FUNCTION pseudolink.link_assign_status(double precision, double precision, double precision, double precision, double precision) IS
    'status of a record by its best and runner-up match weight: none below lower_weight (or no candidate); multiple when a runner-up at or above lower_weight is less than margin behind; unique at or above upper_weight; review between';

-- Whether the session that ran a link run is still running a statement.
CREATE FUNCTION pseudolink.link_session_active(pid integer, backend_start timestamptz)
RETURNS boolean
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_stat_activity a
                   WHERE a.pid OPERATOR(pg_catalog.=) $1
                     AND a.backend_start OPERATOR(pg_catalog.=) $2
                     AND a.state OPERATOR(pg_catalog.=) 'active')
$$;
COMMENT ON FUNCTION pseudolink.link_session_active(integer, timestamptz) IS
    'internal: whether the backend (pid and start time) is running a statement: a link run is going on, not interrupted';

CREATE FUNCTION pseudolink.link_in_transaction_block()
RETURNS boolean
AS 'MODULE_PATHNAME', 'pseudolink_link_in_transaction_block'
LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.link_in_transaction_block() IS
    'internal: whether the statement runs inside an explicit transaction block (where a procedure cannot commit)';

-- The error of a procedure that commits as it goes (link, register_build_keys)
-- when it is CALLed inside a transaction block.
CREATE FUNCTION pseudolink.require_autocommit(procedure_name text, commits_after text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pseudolink.link_in_transaction_block() THEN
        RAISE EXCEPTION '% commits after every % and cannot run inside a transaction block', procedure_name, commits_after
            USING ERRCODE = 'active_sql_transaction',
                  HINT = 'CALL it on its own, in autocommit mode (psql''s default), not between BEGIN and COMMIT.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION pseudolink.require_autocommit(text, text) IS
    'internal: raises an error when a procedure that commits as it goes runs inside a transaction block';

-- The start of this session's backend: with the pid it names the session
-- (a pid is reused).
CREATE FUNCTION pseudolink.link_backend_start()
RETURNS timestamptz
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.backend_start FROM pg_catalog.pg_stat_activity a
    WHERE a.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
$$;
COMMENT ON FUNCTION pseudolink.link_backend_start() IS
    'internal: the start of this session''s backend, which with its pid names the session';

-- A run links against the register load it started with: every step
-- refuses to go on after another load.
CREATE FUNCTION pseudolink.link_require_register(upload_id bigint, register_load_id integer)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_load integer;
BEGIN
    SELECT pg_catalog.max(l.load_id) INTO v_load FROM pseudolink.register_load l;
    IF v_load IS DISTINCT FROM register_load_id THEN
        RAISE EXCEPTION 'the register was loaded again since the link run of upload % started', upload_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('The run links against register load %s; the register is now load %s.',
                                             register_load_id, v_load),
                  HINT = pg_catalog.format('Start over against the new register: pseudolink.link_abandon(%s), then link again.', upload_id);
    END IF;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_require_register(bigint, integer) IS
    'internal: raises 55000 when the register was loaded again since the run of the upload started (against the given load)';

-- Scoring a set of records ----------------------------------------------------------

-- Scores the records of pg_temp.pl_link_batch_records (record_id, identifiers,
-- event_date, person_key, keys) against the register and assigns each a
-- status, into pg_temp.pl_link_outcome (one row per record) and
-- pg_temp.pl_link_ranked (the candidates, ranked).  Internal: used by
-- link_batch() and link_remap(), which run as the extension's owner.
CREATE FUNCTION pseudolink.link_score(model text, upper_weight double precision, lower_weight double precision,
                                      margin double precision, registry text,
                                      OUT first_pass_seconds double precision,
                                      OUT second_pass_seconds double precision,
                                      OUT second_pass_records bigint, OUT candidate_pairs bigint)
RETURNS record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    t timestamptz := pg_catalog.clock_timestamp();
BEGIN
    -- Objections by person key: not compared at all.
    CREATE TEMP TABLE pl_link_objected_key ON COMMIT DROP AS
    SELECT DISTINCT k.person_key FROM pseudolink.link_objected_keys(registry) k;
    CREATE TEMP TABLE pl_link_objected_person ON COMMIT DROP AS
    SELECT DISTINCT k.person_id FROM pseudolink.link_objected_person_ids(registry) k;
    UPDATE pg_temp.pl_link_batch_records d SET objected = true
    WHERE d.person_key OPERATOR(pseudolink.=) ANY (SELECT k.person_key FROM pg_temp.pl_link_objected_key k);
    ANALYZE pg_temp.pl_link_batch_records;

    -- First pass: at least two shared keys.  The records are read in birth
    -- date order, as the register's key sets are stored, so that
    -- neighbouring probes read the same index and heap pages.  The index
    -- probe is a LATERAL subquery behind OFFSET 0 so that it stays one probe
    -- per record: the operators' fixed selectivity (0.1% of the register per
    -- record, where the truth is about one person) makes a plain join look
    -- dearer than scanning the whole register once, and from a register of
    -- about 10 M persons and a batch of 5,000 records on the planner picks
    -- that scan, which tests every register person against every record.
    CREATE TEMP TABLE pl_link_pair ON COMMIT DROP AS
    SELECT c.record_id, c.person_id, c.pseudonym, c.levels, 1::smallint AS pass,
           pseudolink.match_weight(model, c.levels) AS match_weight
    FROM (SELECT d.record_id, k.person_id, k.pseudonym,
                 pseudolink.link_levels(d.birth_date, d.sex, d.postcode, d.house_number, d.house_suffix,
                                        d.event_date, k.birth_date, k.sex, k.postcodes, k.house_numbers,
                                        k.house_suffixes, k.valid_from, k.valid_to) AS levels
          FROM (SELECT * FROM pg_temp.pl_link_batch_records x WHERE NOT x.objected AND x.keys IS NOT NULL
                ORDER BY x.birth_date, x.sex) d
               CROSS JOIN LATERAL (SELECT k.person_id, k.birth_date, k.sex, k.pseudonym, k.postcodes,
                                          k.house_numbers, k.house_suffixes, k.valid_from, k.valid_to
                                   FROM pseudolink.register_keys k
                                   WHERE k.keys OPERATOR(pseudolink.@@) pseudolink.shares(d.keys, 2)
                                   OFFSET 0) k
          OFFSET 0) c;
    first_pass_seconds := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t);

    -- Second pass for the records without a unique or multiple outcome.
    t := pg_catalog.clock_timestamp();
    CREATE TEMP TABLE pl_link_second ON COMMIT DROP AS
    SELECT d.record_id FROM pg_temp.pl_link_batch_records d
         LEFT JOIN (SELECT p.record_id, pg_catalog.max(p.match_weight) AS best,
                           (pg_catalog.array_agg(p.match_weight ORDER BY p.match_weight DESC))[2] AS second
                    FROM pg_temp.pl_link_pair p GROUP BY p.record_id) b ON b.record_id = d.record_id
    WHERE NOT d.objected AND d.keys IS NOT NULL
      AND pseudolink.link_assign_status(b.best, b.second, upper_weight, lower_weight, margin)
          NOT IN ('unique', 'multiple');
    SELECT pg_catalog.count(*) INTO second_pass_records FROM pg_temp.pl_link_second;
    IF second_pass_records > 0 THEN
        INSERT INTO pg_temp.pl_link_pair (record_id, person_id, pseudonym, levels, pass, match_weight)
        SELECT c.record_id, c.person_id, c.pseudonym, c.levels, 2, pseudolink.match_weight(model, c.levels)
        FROM (SELECT d.record_id, k.person_id, k.pseudonym,
                     pseudolink.link_levels(d.birth_date, d.sex, d.postcode, d.house_number, d.house_suffix,
                                            d.event_date, k.birth_date, k.sex, k.postcodes, k.house_numbers,
                                            k.house_suffixes, k.valid_from, k.valid_to) AS levels
              FROM (SELECT x.* FROM pg_temp.pl_link_batch_records x JOIN pg_temp.pl_link_second s ON s.record_id = x.record_id
                    ORDER BY x.birth_date, x.sex) d
                   CROSS JOIN LATERAL (SELECT k.person_id, k.birth_date, k.sex, k.pseudonym, k.postcodes,
                                              k.house_numbers, k.house_suffixes, k.valid_from, k.valid_to
                                       FROM pseudolink.register_keys k
                                       WHERE k.keys OPERATOR(pseudolink.&&) d.keys
                                         AND pseudolink.shared_keys(d.keys, k.keys) < 2
                                       OFFSET 0) k
              OFFSET 0) c;
    END IF;
    second_pass_seconds := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t);
    SELECT pg_catalog.count(*) INTO candidate_pairs FROM pg_temp.pl_link_pair;

    -- Ranks (ties broken by person id, so that a rerun ranks alike), and
    -- each record's outcome.
    CREATE TEMP TABLE pl_link_ranked ON COMMIT DROP AS
    SELECT p.*, pg_catalog.row_number() OVER (PARTITION BY p.record_id
                                              ORDER BY p.match_weight DESC, p.person_id) AS rank
    FROM pg_temp.pl_link_pair p;
    CREATE TEMP TABLE pl_link_outcome ON COMMIT DROP AS
    SELECT d.record_id, s.status, s.excluded_by,
           CASE WHEN s.status = 'unique' THEN b.person_id END AS person_id,
           CASE WHEN s.status = 'unique' THEN b.pseudonym END AS person,
           b.match_weight, pseudolink.match_probability(b.match_weight) AS match_probability,
           r.match_weight AS runner_up_weight, COALESCE(n.candidates, 0)::integer AS candidates,
           b.levels, CASE WHEN d.objected OR d.keys IS NULL THEN 0 ELSE COALESCE(b.pass, 2) END::smallint AS pass
    FROM pg_temp.pl_link_batch_records d
         LEFT JOIN pg_temp.pl_link_ranked b ON b.record_id = d.record_id AND b.rank = 1
         LEFT JOIN pg_temp.pl_link_ranked r ON r.record_id = d.record_id AND r.rank = 2
         LEFT JOIN (SELECT p.record_id, pg_catalog.count(*) AS candidates FROM pg_temp.pl_link_pair p
                    GROUP BY p.record_id) n ON n.record_id = d.record_id,
         LATERAL (SELECT CASE WHEN d.objected THEN 'objected'
                              WHEN EXISTS (SELECT FROM pg_temp.pl_link_ranked o
                                           JOIN pg_temp.pl_link_objected_person j ON j.person_id = o.person_id
                                           WHERE o.record_id = d.record_id AND o.match_weight >= lower_weight
                                             AND o.match_weight >= b.match_weight - margin) THEN 'objected'
                              ELSE pseudolink.link_assign_status(b.match_weight, r.match_weight,
                                                                 upper_weight, lower_weight, margin) END AS status) s0,
         LATERAL (SELECT s0.status,
                         CASE WHEN s0.status <> 'objected' THEN NULL
                              WHEN d.objected THEN 'person_key' ELSE 'person' END AS excluded_by) s;
    DROP TABLE pg_temp.pl_link_objected_key, pg_temp.pl_link_objected_person, pg_temp.pl_link_second;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_score(text, double precision, double precision, double precision, text) IS
    'internal: scores the records of pg_temp.pl_link_batch_records in two passes and assigns their status, into pg_temp.pl_link_outcome and pg_temp.pl_link_ranked';

-- Starting and resuming -----------------------------------------------------------

CREATE FUNCTION pseudolink.link_start(upload_id bigint, batch_size integer DEFAULT NULL, model text DEFAULT NULL,
                                      upper_weight double precision DEFAULT NULL,
                                      lower_weight double precision DEFAULT NULL,
                                      margin double precision DEFAULT NULL)
RETURNS pseudolink.link_job
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := link_start.upload_id;
    u record;
    j pseudolink.link_job;
    src record;
    v_load integer;
    v_model text := COALESCE(link_start.model, 'nl');
    v_upper double precision := link_start.upper_weight;
    v_lower double precision := link_start.lower_weight;
    v_margin double precision := link_start.margin;
    v_batch integer := link_start.batch_size;
    problem record;
    n bigint;
    v_backend_start timestamptz := pseudolink.link_backend_start();
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'link uploads');
    IF v_batch IS NOT NULL AND (v_batch < 1 OR v_batch > 1000000) THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 1000000'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A batch is one transaction; 5000 records is the default.';
    END IF;
    SELECT x.* INTO u FROM pseudolink.upload x WHERE x.upload_id OPERATOR(pg_catalog.=) id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'upload % does not exist', COALESCE(id::text, 'null')
            USING ERRCODE = 'undefined_object';
    END IF;
    SELECT x.* INTO j FROM pseudolink.link_job x WHERE x.upload_id OPERATOR(pg_catalog.=) id FOR UPDATE;

    IF u.state OPERATOR(pg_catalog.=) 'linking' AND FOUND THEN
        -- Resuming: the parameters are the run's; what is passed must agree.
        IF (link_start.model IS NOT NULL AND link_start.model OPERATOR(pg_catalog.<>) j.model)
           OR (v_upper IS NOT NULL AND v_upper OPERATOR(pg_catalog.<>) j.upper_weight)
           OR (v_lower IS NOT NULL AND v_lower OPERATOR(pg_catalog.<>) j.lower_weight)
           OR (v_margin IS NOT NULL AND v_margin OPERATOR(pg_catalog.<>) j.margin) THEN
            RAISE EXCEPTION 'upload % is being linked with other parameters', id
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = pg_catalog.format('The run started with model %s, upper_weight %s, lower_weight %s, margin %s; '
                                                 'resuming it with others would link its records by two rules.',
                                                 j.model, j.upper_weight, j.lower_weight, j.margin),
                      HINT = pg_catalog.format('Resume with the same parameters (or none), or start over after pseudolink.link_abandon(%s).', id);
        END IF;
        PERFORM pseudolink.link_require_register(id, j.register_load_id);
        IF EXISTS (SELECT FROM pseudolink.link_session s
                   WHERE s.upload_id OPERATOR(pg_catalog.=) id
                     AND (s.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
                          OR s.backend_start OPERATOR(pg_catalog.<>) v_backend_start)
                     AND pseudolink.link_session_active(s.pid, s.backend_start)) THEN
            -- Joining sessions that are linking the run: the attempt (and its
            -- rate) goes on; a new batch size applies to the next claims.
            UPDATE pseudolink.link_job x SET batch_size = COALESCE(v_batch, x.batch_size)
            WHERE x.upload_id OPERATOR(pg_catalog.=) id
            RETURNING * INTO j;
        ELSE
            UPDATE pseudolink.link_job x
            SET attempts = x.attempts + 1, attempt_started_at = pg_catalog.clock_timestamp(),
                attempt_done = x.done,
                batch_size = COALESCE(v_batch, x.batch_size), updated_at = pg_catalog.clock_timestamp()
            WHERE x.upload_id OPERATOR(pg_catalog.=) id
            RETURNING * INTO j;
        END IF;
        PERFORM pseudolink.link_session_join(id, v_backend_start);
        RETURN j;
    ELSIF u.state OPERATOR(pg_catalog.=) 'linked' THEN
        RAISE EXCEPTION 'upload % is linked already', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Its results are in pseudolink.link_result; a record is linked once.',
                  HINT = 'Records without a link are linked to persons new in the register by pseudolink.link_remap().';
    ELSIF u.state OPERATOR(pg_catalog.<>) ALL (ARRAY['closed', 'linking']) THEN
        RAISE EXCEPTION 'upload % is %', id, u.state
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only a closed upload is linked.';
    ELSIF j.upload_id IS NOT NULL THEN
        -- The upload was moved back to closed by hand, under a run's results.
        RAISE EXCEPTION 'upload % has the results of an unfinished link run', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Discard them with pseudolink.link_abandon(%s), then link again.', id);
    END IF;

    -- A new run.
    -- Upper 0 bits: the best candidate is more likely the person than not
    -- (match probability 0.5), and leads every runner-up by the margin.
    IF v_upper IS NULL THEN v_upper := 0; END IF;
    IF v_lower IS NULL THEN v_lower := -5; END IF;
    IF v_margin IS NULL THEN v_margin := 5; END IF;
    IF v_batch IS NULL THEN v_batch := 5000; END IF;
    IF v_upper = 'NaN'::double precision OR v_lower = 'NaN'::double precision OR v_margin = 'NaN'::double precision
       OR v_upper IN ('Infinity', '-Infinity') OR v_lower IN ('Infinity', '-Infinity') OR v_margin = 'Infinity'
       OR v_lower > v_upper OR v_margin < 0 OR v_margin > v_upper - v_lower THEN
        RAISE EXCEPTION 'the thresholds must satisfy lower_weight <= upper_weight and 0 <= margin <= upper_weight - lower_weight'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('upper_weight %s, lower_weight %s, margin %s.', v_upper, v_lower, v_margin),
                  HINT = 'The defaults are upper_weight 0, lower_weight -5, margin 5 (match weights in bits).';
    END IF;
    SELECT * INTO src FROM pseudolink.link_source_of(u.registry);
    IF pseudolink.register_model() IS NULL THEN
        RAISE EXCEPTION 'no register has been loaded'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the register with pseudolink.register_load() first.';
    END IF;
    PERFORM pseudolink.register_require_keys();
    SELECT pg_catalog.max(l.load_id) INTO v_load FROM pseudolink.register_load l;
    IF NOT EXISTS (SELECT FROM pseudolink.fs_model f WHERE f.model OPERATOR(pg_catalog.=) v_model) THEN
        IF v_model OPERATOR(pg_catalog.<>) 'nl' THEN
            RAISE EXCEPTION 'scoring model "%" does not exist', v_model
                USING ERRCODE = 'undefined_object',
                      HINT = 'Write the default Dutch model with SELECT * FROM pseudolink.link_default_model(''nl''), or name another.';
        END IF;
        PERFORM pseudolink.link_default_model('nl');
        RAISE NOTICE 'scoring model "nl" did not exist: written with the default Dutch parameters'
            USING HINT = 'SELECT * FROM pseudolink.link_model_report(''nl'') shows them.';
    END IF;
    SELECT * INTO problem FROM pseudolink.fs_model_problems(v_model) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'scoring model "%" cannot score: %', v_model, concat_ws(': ', problem.comparison, problem.problem)
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'SELECT * FROM pseudolink.fs_model_problems(model) lists every problem.';
    END IF;
    SELECT pg_catalog.count(*) INTO n FROM pseudolink.fs_comparison c WHERE c.model OPERATOR(pg_catalog.=) v_model;
    IF n OPERATOR(pg_catalog.<>) 4 THEN
        RAISE EXCEPTION 'scoring model "%" has % comparisons, not the 4 of the link run', v_model, n
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The link run gives each pair the levels {birth_date, sex, postcode, house_number} of link_levels().',
                  HINT = 'Use the default Dutch model (pseudolink.link_default_model) or one with the same four comparisons.';
    END IF;

    -- Records keyed under another model than the register's are keyed again.
    IF u.keys_model IS DISTINCT FROM pseudolink.register_model() THEN
        PERFORM pseudolink.upload_build_keys(id);
    END IF;
    -- Objections new since the last check, or against a new register.
    PERFORM pseudolink.link_resolve_objections(src.registry);

    UPDATE pseudolink.upload x SET state = 'linking'
    WHERE x.upload_id OPERATOR(pg_catalog.=) id AND x.state OPERATOR(pg_catalog.=) 'closed';
    INSERT INTO pseudolink.link_job (upload_id, model, upper_weight, lower_weight, margin, batch_size, source,
                                     registry, register_load_id, records, started_by)
    SELECT id, v_model, v_upper, v_lower, v_margin, v_batch, src.source, src.registry, v_load,
           (SELECT pg_catalog.count(*) FROM pseudolink.upload_record r WHERE r.upload_id OPERATOR(pg_catalog.=) id),
           pseudolink.calling_role()
    RETURNING * INTO j;
    PERFORM pseudolink.link_session_join(id, v_backend_start);
    RETURN j;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_start(bigint, integer, text, double precision, double precision, double precision) IS
    'internal step of pseudolink.link(): takes a closed upload to linking and records the run''s parameters, or resumes a run (same parameters, the session''s claim); returns the run';

-- Sessions and their batches --------------------------------------------------------

-- Records this session as linking the run.  The rows of sessions that
-- stopped without a batch claimed are cleared on the way.
CREATE FUNCTION pseudolink.link_session_join(upload_id bigint, backend_start timestamptz)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM pseudolink.link_session s
    WHERE s.upload_id OPERATOR(pg_catalog.=) $1 AND s.last_record_id IS NULL
      AND NOT pseudolink.link_session_active(s.pid, s.backend_start);
    INSERT INTO pseudolink.link_session (upload_id, pid, backend_start)
    VALUES ($1, pg_catalog.pg_backend_pid(), $2)
    ON CONFLICT ON CONSTRAINT link_session_pkey DO NOTHING;
$$;
COMMENT ON FUNCTION pseudolink.link_session_join(bigint, timestamptz) IS
    'internal: records the session (its backend start given) as linking the run of the upload';

-- Claims the session's next batch, in a transaction of its own: the batch
-- this session claimed in an earlier CALL and did not commit, else one a
-- stopped session left, else the next batch_size records after the last
-- claimed.  Returns false when nothing is left to claim.
CREATE FUNCTION pseudolink.link_claim(upload_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := link_claim.upload_id;
    j pseudolink.link_job;
    mine pseudolink.link_session;
    left_over pseudolink.link_session;
    v_last bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'link uploads');
    -- Claims are made one at a time.
    SELECT x.* INTO j FROM pseudolink.link_job x WHERE x.upload_id OPERATOR(pg_catalog.=) id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'upload % has no link run', COALESCE(id::text, 'null')
            USING ERRCODE = 'undefined_object',
                  HINT = pg_catalog.format('Link it with CALL pseudolink.link(%s).', COALESCE(id::text, 'upload_id'));
    ELSIF j.state OPERATOR(pg_catalog.<>) 'running' THEN
        RETURN false;
    END IF;
    PERFORM pseudolink.link_require_register(id, j.register_load_id);
    SELECT s.* INTO mine FROM pseudolink.link_session s
    WHERE s.upload_id OPERATOR(pg_catalog.=) id AND s.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
      AND s.backend_start OPERATOR(pg_catalog.=) pseudolink.link_backend_start();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this session is not linking upload %', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Link it with CALL pseudolink.link(%s).', id);
    ELSIF mine.last_record_id IS NOT NULL THEN
        RETURN true;
    END IF;

    SELECT s.* INTO left_over FROM pseudolink.link_session s
    WHERE s.upload_id OPERATOR(pg_catalog.=) id AND s.last_record_id IS NOT NULL
      AND NOT pseudolink.link_session_active(s.pid, s.backend_start)
    ORDER BY s.last_record_id
    LIMIT 1;
    IF FOUND THEN
        DELETE FROM pseudolink.link_session s
        WHERE s.upload_id OPERATOR(pg_catalog.=) id AND s.pid OPERATOR(pg_catalog.=) left_over.pid
          AND s.backend_start OPERATOR(pg_catalog.=) left_over.backend_start;
    ELSE
        SELECT pg_catalog.max(r.record_id) INTO v_last
        FROM (SELECT r.record_id FROM pseudolink.upload_record r
              WHERE r.upload_id OPERATOR(pg_catalog.=) id AND r.record_id OPERATOR(pg_catalog.>) j.last_record_id
              ORDER BY r.record_id
              LIMIT j.batch_size) r;
        IF v_last IS NULL THEN
            RETURN false;
        END IF;
        left_over.after_record_id := j.last_record_id;
        left_over.last_record_id := v_last;
        UPDATE pseudolink.link_job x SET last_record_id = v_last WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    END IF;
    UPDATE pseudolink.link_session s
    SET after_record_id = left_over.after_record_id, last_record_id = left_over.last_record_id,
        claimed_at = pg_catalog.clock_timestamp()
    WHERE s.upload_id OPERATOR(pg_catalog.=) id AND s.pid OPERATOR(pg_catalog.=) mine.pid
      AND s.backend_start OPERATOR(pg_catalog.=) mine.backend_start;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_claim(bigint) IS
    'internal step of pseudolink.link(): claims the session''s next batch of the upload''s records (its own unfinished one, one a stopped session left, or the next records); false when none is left';

-- One batch ---------------------------------------------------------------------

CREATE FUNCTION pseudolink.link_batch(upload_id bigint)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := link_batch.upload_id;
    j pseudolink.link_job;
    mine pseudolink.link_session;
    n integer;
    sc record;
    t timestamptz;
    s_assign double precision;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'link uploads');
    -- Not locked: other sessions link their batches meanwhile.  The batch
    -- is the range this session claimed (link_claim), which no other
    -- session takes while this one runs.
    SELECT x.* INTO j FROM pseudolink.link_job x WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'upload % has no link run', COALESCE(id::text, 'null')
            USING ERRCODE = 'undefined_object',
                  HINT = pg_catalog.format('Link it with CALL pseudolink.link(%s).', COALESCE(id::text, 'upload_id'));
    ELSIF j.state OPERATOR(pg_catalog.<>) 'running' THEN
        RAISE EXCEPTION 'the link run of upload % is %', id, j.state
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT s.* INTO mine FROM pseudolink.link_session s
    WHERE s.upload_id OPERATOR(pg_catalog.=) id AND s.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
      AND s.backend_start OPERATOR(pg_catalog.=) pseudolink.link_backend_start()
      AND s.last_record_id IS NOT NULL
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this session has no batch of upload % claimed', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Another session took it over while this one was not running a statement.',
                  HINT = pg_catalog.format('Link with CALL pseudolink.link(%s).', id);
    END IF;
    PERFORM pseudolink.link_require_register(id, j.register_load_id);

    CREATE TEMP TABLE pl_link_batch_records ON COMMIT DROP AS
    SELECT r.record_id, r.birth_date, r.sex, r.postcode, r.house_number, r.house_suffix, r.event_date,
           r.person_key, r.keys, false AS objected
    FROM pseudolink.upload_record r
    WHERE r.upload_id OPERATOR(pg_catalog.=) id AND r.record_id OPERATOR(pg_catalog.>) mine.after_record_id
      AND r.record_id OPERATOR(pg_catalog.<=) mine.last_record_id
    ORDER BY r.record_id;
    GET DIAGNOSTICS n = ROW_COUNT;

    SELECT * INTO sc FROM pseudolink.link_score(j.model, j.upper_weight, j.lower_weight, j.margin, j.registry);

    t := pg_catalog.clock_timestamp();
    INSERT INTO pseudolink.link_result (record_id, upload_id, status, person_id, person, match_weight,
                                        match_probability, runner_up_weight, candidates, levels, pass, excluded_by)
    SELECT o.record_id, id, o.status, o.person_id, o.person, o.match_weight, o.match_probability,
           o.runner_up_weight, o.candidates, o.levels, o.pass, o.excluded_by
    FROM pg_temp.pl_link_outcome o ORDER BY o.record_id;
    INSERT INTO pseudolink.link_candidate (record_id, rank, person_id, person, match_weight, levels, pass)
    SELECT c.record_id, c.rank, c.person_id, c.pseudonym, c.match_weight, c.levels, c.pass
    FROM pg_temp.pl_link_ranked c JOIN pg_temp.pl_link_outcome o ON o.record_id = c.record_id
    WHERE o.status IN ('review', 'multiple') AND c.rank <= 5;
    s_assign := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t);

    UPDATE pseudolink.link_session s SET after_record_id = NULL, last_record_id = NULL, claimed_at = NULL
    WHERE s.upload_id OPERATOR(pg_catalog.=) id AND s.pid OPERATOR(pg_catalog.=) mine.pid
      AND s.backend_start OPERATOR(pg_catalog.=) mine.backend_start;
    UPDATE pseudolink.link_job x
    SET done = x.done + n,
        batches = x.batches + 1,
        unique_records = x.unique_records + (SELECT pg_catalog.count(*) FROM pg_temp.pl_link_outcome o WHERE o.status = 'unique'),
        multiple_records = x.multiple_records + (SELECT pg_catalog.count(*) FROM pg_temp.pl_link_outcome o WHERE o.status = 'multiple'),
        review_records = x.review_records + (SELECT pg_catalog.count(*) FROM pg_temp.pl_link_outcome o WHERE o.status = 'review'),
        none_records = x.none_records + (SELECT pg_catalog.count(*) FROM pg_temp.pl_link_outcome o WHERE o.status = 'none'),
        objected_records = x.objected_records + (SELECT pg_catalog.count(*) FROM pg_temp.pl_link_outcome o WHERE o.status = 'objected'),
        second_pass_records = x.second_pass_records + sc.second_pass_records,
        candidate_pairs = x.candidate_pairs + sc.candidate_pairs,
        first_pass_seconds = x.first_pass_seconds + pg_catalog.round(sc.first_pass_seconds::numeric, 3),
        second_pass_seconds = x.second_pass_seconds + pg_catalog.round(sc.second_pass_seconds::numeric, 3),
        assign_seconds = x.assign_seconds + pg_catalog.round(s_assign::numeric, 3),
        updated_at = pg_catalog.clock_timestamp()
    WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    DROP TABLE pg_temp.pl_link_batch_records, pg_temp.pl_link_pair, pg_temp.pl_link_ranked, pg_temp.pl_link_outcome;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_batch(bigint) IS
    'internal step of pseudolink.link(): links the batch of the upload''s records that the session claimed, writes their results, releases the claim and counts them in the run, in one transaction; returns the records linked';

CREATE FUNCTION pseudolink.link_finish(upload_id bigint)
RETURNS pseudolink.link_job
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := link_finish.upload_id;
    j pseudolink.link_job;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'link uploads');
    SELECT x.* INTO j FROM pseudolink.link_job x WHERE x.upload_id OPERATOR(pg_catalog.=) id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'upload % has no link run', COALESCE(id::text, 'null')
            USING ERRCODE = 'undefined_object';
    ELSIF j.state OPERATOR(pg_catalog.=) 'finished' THEN
        RETURN j;
    ELSIF j.done OPERATOR(pg_catalog.<) j.records
          AND EXISTS (SELECT FROM pseudolink.link_session s
                      WHERE s.upload_id OPERATOR(pg_catalog.=) id AND s.last_record_id IS NOT NULL) THEN
        -- Other sessions are linking the last batches; the last of them finishes.
        RETURN j;
    ELSIF j.done OPERATOR(pg_catalog.<) j.records THEN
        RAISE EXCEPTION 'the link run of upload % has % of % records done', id, j.done, j.records
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Go on with CALL pseudolink.link(%s).', id);
    END IF;
    UPDATE pseudolink.link_job x SET state = 'finished', finished_at = pg_catalog.clock_timestamp()
    WHERE x.upload_id OPERATOR(pg_catalog.=) id RETURNING * INTO j;
    DELETE FROM pseudolink.link_session s WHERE s.upload_id OPERATOR(pg_catalog.=) id;
    UPDATE pseudolink.upload x SET state = 'linked' WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    RETURN j;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_finish(bigint) IS
    'internal step of pseudolink.link(): marks a run whose records are all done finished and its upload linked; returns it unfinished while other sessions still link batches of it';

CREATE FUNCTION pseudolink.link_abandon(upload_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := link_abandon.upload_id;
    j pseudolink.link_job;
    n bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'link uploads');
    SELECT x.* INTO j FROM pseudolink.link_job x WHERE x.upload_id OPERATOR(pg_catalog.=) id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'upload % has no link run', COALESCE(id::text, 'null')
            USING ERRCODE = 'undefined_object';
    ELSIF j.state OPERATOR(pg_catalog.=) 'finished' THEN
        RAISE EXCEPTION 'the link run of upload % is finished', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A linked upload keeps its results.';
    ELSIF EXISTS (SELECT FROM pseudolink.link_session s
                  WHERE s.upload_id OPERATOR(pg_catalog.=) id
                    AND s.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
                    AND pseudolink.link_session_active(s.pid, s.backend_start)) THEN
        RAISE EXCEPTION 'upload % is being linked by another session', id
            USING ERRCODE = 'object_in_use',
                  DETAIL = pg_catalog.format('Backends linking it: %s.',
                               (SELECT pg_catalog.string_agg(s.pid::text, ', ' ORDER BY s.pid)
                                FROM pseudolink.link_session s
                                WHERE s.upload_id OPERATOR(pg_catalog.=) id
                                  AND pseudolink.link_session_active(s.pid, s.backend_start))),
                  HINT = 'Cancel them first (pg_cancel_backend), then abandon.';
    ELSIF EXISTS (SELECT FROM pseudolink.link_decision d WHERE d.upload_id OPERATOR(pg_catalog.=) id) THEN
        RAISE EXCEPTION 'the link run of upload % has recorded review decisions', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Abandoning the run would discard the decisions applied to its results.',
                  HINT = 'Finish the run instead: CALL pseudolink.link(...) goes on where it stopped.';
    END IF;
    DELETE FROM pseudolink.link_candidate c USING pseudolink.link_result r
    WHERE r.record_id = c.record_id AND r.upload_id OPERATOR(pg_catalog.=) id;
    DELETE FROM pseudolink.link_result r WHERE r.upload_id OPERATOR(pg_catalog.=) id;
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM pseudolink.link_job x WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    UPDATE pseudolink.upload x SET state = 'closed' WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_abandon(bigint) IS
    'abandons an unfinished link run: its results are discarded (returns how many) and the upload is closed again, to be linked afresh (with other parameters, or against a new register)';

-- The procedure -------------------------------------------------------------------

-- No SET clause and no SECURITY DEFINER: either would forbid the COMMITs.
-- Every name is schema-qualified instead.
CREATE PROCEDURE pseudolink.link(upload_id bigint, batch_size integer DEFAULT NULL, model text DEFAULT NULL,
                                 upper_weight double precision DEFAULT NULL,
                                 lower_weight double precision DEFAULT NULL,
                                 margin double precision DEFAULT NULL)
LANGUAGE plpgsql
AS $proc$
DECLARE
    j pseudolink.link_job;
BEGIN
    PERFORM pseudolink.require_autocommit('pseudolink.link', 'batch');
    PERFORM pseudolink.link_start(link.upload_id, link.batch_size, link.model, link.upper_weight,
                                  link.lower_weight, link.margin);
    COMMIT;
    -- A claim and its batch are two transactions: the claim holds the run's
    -- row for a moment only, so that other sessions can claim meanwhile.
    WHILE pseudolink.link_claim(link.upload_id) LOOP
        COMMIT;
        PERFORM pseudolink.link_batch(link.upload_id);
        COMMIT;
    END LOOP;
    COMMIT;
    j := pseudolink.link_finish(link.upload_id);
    COMMIT;
    IF j.state OPERATOR(pg_catalog.<>) 'finished' THEN
        RAISE NOTICE 'this session linked its share of upload %; other sessions link the last batches and finish the run', link.upload_id
            USING HINT = 'Follow them in pseudolink.link_progress.';
    END IF;
END
$proc$;
COMMENT ON PROCEDURE pseudolink.link(bigint, integer, text, double precision, double precision, double precision) IS
    'links a closed upload to the register in batches of batch_size records (default 5000), committing each; CALL it in several sessions at once to link on several cores; run it again to resume after a crash, cancel or error; the thresholds (match weights in bits: upper_weight 0, lower_weight -5, margin 5) and the model (nl) are fixed when the run starts';

-- Progress ----------------------------------------------------------------------

CREATE VIEW pseudolink.link_progress WITH (security_invoker = true) AS
SELECT j.upload_id, u.registry, u.batch_id,
       -- The session reading this is not running a CALL, even if it ran the last attempt.
       CASE WHEN j.state = 'running' AND a.sessions = 0 THEN 'interrupted' ELSE j.state END AS state,
       j.records AS total, j.done, j.records - j.done AS remaining,
       pg_catalog.round(100.0 * j.done / NULLIF(j.records, 0), 1) AS percent,
       j.batches, j.attempts,
       pg_catalog.round((j.done - j.attempt_done)
                        / NULLIF(pg_catalog.date_part('epoch', j.updated_at - j.attempt_started_at), 0)::numeric, 1)
           AS records_per_second,
       CASE WHEN j.state = 'running' AND j.done > j.attempt_done
            THEN pg_catalog.make_interval(secs => ((j.records - j.done)
                     * pg_catalog.date_part('epoch', j.updated_at - j.attempt_started_at)
                     / (j.done - j.attempt_done))::double precision) END AS time_left,
       j.unique_records, j.multiple_records, j.review_records, j.none_records, j.objected_records,
       j.second_pass_records, j.candidate_pairs,
       j.first_pass_seconds, j.second_pass_seconds, j.assign_seconds,
       j.started_at, j.updated_at, j.finished_at, a.sessions
FROM pseudolink.link_job j JOIN pseudolink.upload u ON u.upload_id = j.upload_id,
     LATERAL (SELECT pg_catalog.count(*) AS sessions FROM pseudolink.link_session s
              WHERE s.upload_id = j.upload_id AND s.pid <> pg_catalog.pg_backend_pid()
                AND COALESCE(pseudolink.link_session_active(s.pid, s.backend_start), false)) a;
COMMENT ON VIEW pseudolink.link_progress IS
    'every link run as far as committed: state (running, interrupted, finished), records done of total, rate of the current attempt, estimated time left, counts per status, time per step, and the sessions linking it (other than the one reading)';

-- Row-level security and privileges ------------------------------------------------

ALTER TABLE pseudolink.link_job ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_job FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_session ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_session FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_result ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_result FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_candidate ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_candidate FORCE ROW LEVEL SECURITY;
CREATE POLICY link_job_read ON pseudolink.link_job FOR SELECT TO pseudolink_steward, pseudolink_admin USING (true);
CREATE POLICY link_session_read ON pseudolink.link_session FOR SELECT TO pseudolink_steward, pseudolink_admin USING (true);
CREATE POLICY link_result_read ON pseudolink.link_result FOR SELECT TO pseudolink_steward USING (true);
CREATE POLICY link_candidate_read ON pseudolink.link_candidate FOR SELECT TO pseudolink_steward USING (true);
COMMENT ON POLICY link_job_read ON pseudolink.link_job IS 'the steward and the admin follow the runs (counts, no identifiers)';
COMMENT ON POLICY link_session_read ON pseudolink.link_session IS 'the steward and the admin see which sessions link a run';
COMMENT ON POLICY link_result_read ON pseudolink.link_result IS 'only the steward reads results; a wrong grant to another role still shows nothing';
COMMENT ON POLICY link_candidate_read ON pseudolink.link_candidate IS 'only the steward reads candidates';

REVOKE ALL ON TABLE pseudolink.link_job, pseudolink.link_session, pseudolink.link_result, pseudolink.link_candidate,
    pseudolink.link_progress FROM PUBLIC;
GRANT SELECT ON TABLE pseudolink.link_job, pseudolink.link_session, pseudolink.link_progress
TO pseudolink_steward, pseudolink_admin;
GRANT SELECT ON TABLE pseudolink.link_result, pseudolink.link_candidate TO pseudolink_steward;

REVOKE ALL ON FUNCTION
    pseudolink.link_assign_status(double precision, double precision, double precision, double precision, double precision),
    pseudolink.link_session_active(integer, timestamptz),
    pseudolink.link_in_transaction_block(), pseudolink.require_autocommit(text, text),
    pseudolink.link_score(text, double precision, double precision, double precision, text),
    pseudolink.link_start(bigint, integer, text, double precision, double precision, double precision),
    pseudolink.link_backend_start(), pseudolink.link_require_register(bigint, integer),
    pseudolink.link_session_join(bigint, timestamptz), pseudolink.link_claim(bigint),
    pseudolink.link_batch(bigint), pseudolink.link_finish(bigint), pseudolink.link_abandon(bigint)
FROM PUBLIC;
REVOKE ALL ON PROCEDURE pseudolink.link(bigint, integer, text, double precision, double precision, double precision)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.link_assign_status(double precision, double precision, double precision, double precision, double precision),
    pseudolink.link_session_active(integer, timestamptz)
TO pseudolink_steward, pseudolink_admin;
GRANT EXECUTE ON FUNCTION
    pseudolink.link_in_transaction_block(), pseudolink.require_autocommit(text, text),
    pseudolink.link_start(bigint, integer, text, double precision, double precision, double precision),
    pseudolink.link_claim(bigint),
    pseudolink.link_batch(bigint), pseudolink.link_finish(bigint), pseudolink.link_abandon(bigint)
TO pseudolink_steward;
GRANT EXECUTE ON PROCEDURE pseudolink.link(bigint, integer, text, double precision, double precision, double precision)
TO pseudolink_steward;
