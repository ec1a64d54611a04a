-- After the run: clerical review, persons new in the register, and
-- publication of the linked records for release.
--
-- Review.  A record whose best candidate lies between the thresholds
-- (review), or whose best candidates cannot be told apart (multiple), is
-- listed in pseudolink.link_review with its best candidates, the record's
-- identifiers and each candidate's address on the reference date.  The
-- steward records a decision with link_decide(record, person or NULL):
-- the record is linked to that candidate (unique) or to nobody (none), the
-- decision is kept in pseudolink.link_decision (append-only) and named by
-- the result.  A decision never links outside the record's candidates.
--
-- Persons new in the register.  An unlinked record keeps the S pseudonym
-- of its own identifiers (its person key).  link_remap() links the
-- unlinked records of finished runs again after the register was loaded
-- anew; a record that now finds its person uniquely is linked to it, and
-- pseudolink.link_remap_log keeps the pair (S pseudonym, R pseudonym), the
-- map from the record's old pseudonym to the person's.
--
-- Publication.  link_publish(upload, request) writes the records of a
-- linked upload into the source-data store (54_source_data.sql) as one load
-- of the upload's catalogue source for an approved request: person = the R
-- pseudonym of the person linked, or the record's person key (S) when not
-- linked; person_key = the record's person key; the event date, the age at
-- the event and the sex as the catalogue variables pseudolink.link_source
-- names, with the record's own variables that are catalogue variables of
-- the source.  Records of persons who objected are left out (and counted),
-- and so are records with neither a link nor a person key (unknown sex or
-- postcode, abroad), which have no pseudonym to be released under.

-- Decisions -------------------------------------------------------------------

CREATE TABLE pseudolink.link_decision (
    decision_id   bigint               GENERATED ALWAYS AS IDENTITY,
    record_id     bigint               NOT NULL,
    upload_id     bigint               NOT NULL,
    status_before text                 NOT NULL,
    status_after  text                 NOT NULL,
    person_id     bigint,
    person        pseudolink.pseudonym,
    match_weight  double precision,
    note          text,
    decided_at    timestamptz          NOT NULL DEFAULT pg_catalog.now(),
    decided_by    name                 NOT NULL,
    CONSTRAINT link_decision_pkey PRIMARY KEY (decision_id),
    CONSTRAINT link_decision_result_fkey FOREIGN KEY (record_id) REFERENCES pseudolink.link_result (record_id),
    CONSTRAINT link_decision_status_valid CHECK (status_before IN ('review', 'multiple', 'unique', 'none')
                                                 AND status_after IN ('unique', 'none', 'objected')),
    CONSTRAINT link_decision_person_when_linked CHECK ((person_id IS NULL) = (status_after = 'none')
                                                       AND (person_id IS NULL) = (person IS NULL))
);
CREATE INDEX link_decision_record ON pseudolink.link_decision (record_id);
CREATE INDEX link_decision_upload ON pseudolink.link_decision (upload_id);
COMMENT ON TABLE pseudolink.link_decision IS
    'the steward''s decisions on records in review or multiple, append-only: which candidate, or none';
COMMENT ON COLUMN pseudolink.link_decision.decision_id IS 'decision number';
COMMENT ON COLUMN pseudolink.link_decision.record_id IS 'the record decided on';
COMMENT ON COLUMN pseudolink.link_decision.upload_id IS 'its upload';
COMMENT ON COLUMN pseudolink.link_decision.status_before IS 'the record''s status before the decision';
COMMENT ON COLUMN pseudolink.link_decision.status_after IS 'unique (linked to person), none, or objected (the person chosen objected)';
COMMENT ON COLUMN pseudolink.link_decision.person_id IS 'the candidate chosen; null for none';
COMMENT ON COLUMN pseudolink.link_decision.person IS 'its root pseudonym';
COMMENT ON COLUMN pseudolink.link_decision.match_weight IS 'the match weight of the candidate chosen';
COMMENT ON COLUMN pseudolink.link_decision.note IS 'the reviewer''s reason';
COMMENT ON COLUMN pseudolink.link_decision.decided_at IS 'when';
COMMENT ON COLUMN pseudolink.link_decision.decided_by IS 'who (the calling role)';
COMMENT ON CONSTRAINT link_decision_pkey ON pseudolink.link_decision IS 'decision numbers are unique';
COMMENT ON CONSTRAINT link_decision_result_fkey ON pseudolink.link_decision IS 'on a result';
COMMENT ON CONSTRAINT link_decision_status_valid ON pseudolink.link_decision IS 'what a decision turns which status into';
COMMENT ON CONSTRAINT link_decision_person_when_linked ON pseudolink.link_decision IS 'a person exactly when the record is linked (or the person objected)';
COMMENT ON INDEX pseudolink.link_decision_record IS 'decisions of a record';
COMMENT ON INDEX pseudolink.link_decision_upload IS 'decisions of an upload';

CREATE TRIGGER link_decision_no_change BEFORE UPDATE OR DELETE ON pseudolink.link_decision
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('A decision is recorded once; record a new one to change it.');
CREATE TRIGGER link_decision_no_truncate BEFORE TRUNCATE ON pseudolink.link_decision
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change('A decision is recorded once.');
COMMENT ON TRIGGER link_decision_no_change ON pseudolink.link_decision IS 'decisions are append-only';
COMMENT ON TRIGGER link_decision_no_truncate ON pseudolink.link_decision IS 'decisions are never emptied';

-- The S-to-R map of records linked after their run.
CREATE TABLE pseudolink.link_remap_log (
    record_id        bigint               NOT NULL,
    upload_id        bigint               NOT NULL,
    person_key       pseudolink.pseudonym,
    person_id        bigint               NOT NULL,
    person           pseudolink.pseudonym NOT NULL,
    register_load_id integer              NOT NULL,
    remapped_at      timestamptz          NOT NULL DEFAULT pg_catalog.now(),
    remapped_by      name                 NOT NULL,
    CONSTRAINT link_remap_log_pkey PRIMARY KEY (record_id),
    CONSTRAINT link_remap_log_result_fkey FOREIGN KEY (record_id) REFERENCES pseudolink.link_result (record_id),
    CONSTRAINT link_remap_log_person_key_kind CHECK (pseudolink.pseudonym_kind(person_key) = 'S'),
    CONSTRAINT link_remap_log_person_kind CHECK (pseudolink.pseudonym_kind(person) = 'R')
);
COMMENT ON TABLE pseudolink.link_remap_log IS
    'records linked by link_remap() after their run, when their person appeared in the register: the record''s S pseudonym and the person''s R pseudonym';
COMMENT ON COLUMN pseudolink.link_remap_log.record_id IS 'the record';
COMMENT ON COLUMN pseudolink.link_remap_log.upload_id IS 'its upload';
COMMENT ON COLUMN pseudolink.link_remap_log.person_key IS 'the S pseudonym the record had (its person key; null when it had none)';
COMMENT ON COLUMN pseudolink.link_remap_log.person_id IS 'the register person it is linked to now';
COMMENT ON COLUMN pseudolink.link_remap_log.person IS 'that person''s R pseudonym';
COMMENT ON COLUMN pseudolink.link_remap_log.register_load_id IS 'the register load in which the person was found';
COMMENT ON COLUMN pseudolink.link_remap_log.remapped_at IS 'when';
COMMENT ON COLUMN pseudolink.link_remap_log.remapped_by IS 'who';
COMMENT ON CONSTRAINT link_remap_log_pkey ON pseudolink.link_remap_log IS 'a record is remapped once (it is linked from then on)';
COMMENT ON CONSTRAINT link_remap_log_result_fkey ON pseudolink.link_remap_log IS 'of a result';
COMMENT ON CONSTRAINT link_remap_log_person_key_kind ON pseudolink.link_remap_log IS 'the old pseudonym is a person key';
COMMENT ON CONSTRAINT link_remap_log_person_kind ON pseudolink.link_remap_log IS 'the new one a register person''s';

CREATE TABLE pseudolink.link_publication (
    upload_id          bigint      NOT NULL,
    request_id         bigint      NOT NULL,
    load_id            bigint      NOT NULL,
    published          bigint      NOT NULL,
    excluded_objection bigint      NOT NULL,
    without_pseudonym  bigint      NOT NULL,
    awaiting_review    bigint      NOT NULL,
    dropped_variables  text[]      NOT NULL,
    published_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    published_by       name        NOT NULL,
    CONSTRAINT link_publication_pkey PRIMARY KEY (upload_id, request_id),
    CONSTRAINT link_publication_job_fkey FOREIGN KEY (upload_id) REFERENCES pseudolink.link_job (upload_id),
    CONSTRAINT link_publication_load_fkey FOREIGN KEY (load_id) REFERENCES pseudolink.source_load (load_id),
    CONSTRAINT link_publication_counts_valid CHECK (published >= 0 AND excluded_objection >= 0
                                                    AND without_pseudonym >= 0 AND awaiting_review >= 0)
);
COMMENT ON TABLE pseudolink.link_publication IS
    'linked uploads published into the source-data store, per request: the load and what was left out';
COMMENT ON COLUMN pseudolink.link_publication.upload_id IS 'the upload';
COMMENT ON COLUMN pseudolink.link_publication.request_id IS 'the approved request it was published for';
COMMENT ON COLUMN pseudolink.link_publication.load_id IS 'the source load (pseudolink.source_load)';
COMMENT ON COLUMN pseudolink.link_publication.published IS 'source rows written';
COMMENT ON COLUMN pseudolink.link_publication.excluded_objection IS 'records left out because of an objection';
COMMENT ON COLUMN pseudolink.link_publication.without_pseudonym IS 'records left out with neither a link nor a person key';
COMMENT ON COLUMN pseudolink.link_publication.awaiting_review IS 'records still in review, published unlinked (under their person key)';
COMMENT ON COLUMN pseudolink.link_publication.dropped_variables IS 'names of record variables that are not catalogue variables of the source (not published)';
COMMENT ON COLUMN pseudolink.link_publication.published_at IS 'when';
COMMENT ON COLUMN pseudolink.link_publication.published_by IS 'who';
COMMENT ON CONSTRAINT link_publication_pkey ON pseudolink.link_publication IS 'an upload is published once per request';
COMMENT ON CONSTRAINT link_publication_job_fkey ON pseudolink.link_publication IS 'of a link run';
COMMENT ON CONSTRAINT link_publication_load_fkey ON pseudolink.link_publication IS 'as a source load';
COMMENT ON CONSTRAINT link_publication_counts_valid ON pseudolink.link_publication IS 'counts are counts';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_decision', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.link_decision', 'decision_id'), '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_remap_log', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_publication', '');

-- The review queue ------------------------------------------------------------------

CREATE VIEW pseudolink.link_review WITH (security_invoker = true) AS
SELECT r.record_id, r.upload_id, r.status, c.rank, c.person AS candidate, c.match_weight,
       pseudolink.match_probability(c.match_weight) AS match_probability, c.levels,
       d.record_no, d.event_date, d.birth_date, d.sex, d.postcode, d.house_number, d.house_suffix,
       p.birth_date AS candidate_birth_date, p.sex AS candidate_sex,
       a.postcode AS candidate_postcode, a.house_number AS candidate_house_number,
       a.house_suffix AS candidate_house_suffix
FROM pseudolink.link_result r
     JOIN pseudolink.link_candidate c ON c.record_id = r.record_id
     JOIN pseudolink.upload_record d ON d.record_id = r.record_id
     JOIN pseudolink.register_person p ON p.person_id = c.person_id
     LEFT JOIN pseudolink.register_address a
            ON a.person_id = c.person_id AND a.valid_from <= d.event_date
           AND (a.valid_to IS NULL OR d.event_date < a.valid_to)
WHERE r.status IN ('review', 'multiple') AND r.decision_id IS NULL;
COMMENT ON VIEW pseudolink.link_review IS
    'the clerical-review queue: undecided records in review or multiple, each with its best candidates (rank, pseudonym, weight, probability, levels), the record''s identifiers and the candidate''s on the reference date';

CREATE FUNCTION pseudolink.link_decide(record_id bigint, person pseudolink.pseudonym, note text DEFAULT NULL)
RETURNS pseudolink.link_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := link_decide.record_id;
    p pseudolink.pseudonym := link_decide.person;
    r pseudolink.link_result;
    j pseudolink.link_job;
    c pseudolink.link_candidate;
    v_status text;
    v_decision bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'decide on link results');
    SELECT x.* INTO r FROM pseudolink.link_result x WHERE x.record_id OPERATOR(pg_catalog.=) id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'record % has no link result', COALESCE(id::text, 'null')
            USING ERRCODE = 'undefined_object',
                  HINT = 'The records to decide on are listed in pseudolink.link_review.';
    END IF;
    IF r.status OPERATOR(pg_catalog.<>) ALL (ARRAY['review', 'multiple']) AND r.decision_id IS NULL THEN
        RAISE EXCEPTION 'record % is %: only records in review or multiple are decided on', id, r.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF r.status OPERATOR(pg_catalog.=) 'objected' THEN
        RAISE EXCEPTION 'record % is excluded because of an objection', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'An objection is permanent.';
    END IF;
    SELECT x.* INTO j FROM pseudolink.link_job x WHERE x.upload_id OPERATOR(pg_catalog.=) r.upload_id FOR UPDATE;
    IF p IS NOT NULL THEN
        SELECT x.* INTO c FROM pseudolink.link_candidate x
        WHERE x.record_id OPERATOR(pg_catalog.=) id AND x.person OPERATOR(pseudolink.=) p;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'the person is not a candidate of record %', id
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('SELECT rank, candidate FROM pseudolink.link_review WHERE record_id = %s lists them.', id);
        END IF;
        IF c.person_id IN (SELECT k.person_id FROM pseudolink.link_objected_person_ids(j.registry) k) THEN
            v_status := 'objected';
        ELSE
            v_status := 'unique';
        END IF;
    ELSE
        v_status := 'none';
    END IF;

    INSERT INTO pseudolink.link_decision (record_id, upload_id, status_before, status_after, person_id, person,
                                          match_weight, note, decided_by)
    VALUES (id, r.upload_id, r.status, v_status, c.person_id, c.person, c.match_weight, link_decide.note,
            pseudolink.calling_role())
    RETURNING decision_id INTO v_decision;
    UPDATE pseudolink.link_result x
    SET status = v_status,
        person_id = CASE WHEN v_status = 'unique' THEN c.person_id END,
        person = CASE WHEN v_status = 'unique' THEN c.person END,
        match_weight = CASE WHEN p IS NOT NULL THEN c.match_weight ELSE x.match_weight END,
        match_probability = CASE WHEN p IS NOT NULL THEN pseudolink.match_probability(c.match_weight)
                                 ELSE x.match_probability END,
        levels = CASE WHEN p IS NOT NULL THEN c.levels ELSE x.levels END,
        excluded_by = CASE WHEN v_status = 'objected' THEN 'person' END,
        decision_id = v_decision
    WHERE x.record_id OPERATOR(pg_catalog.=) id
    RETURNING * INTO r;
    PERFORM pseudolink.link_recount(r.upload_id);
    RETURN r;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_decide(bigint, pseudolink.pseudonym, text) IS
    'records the steward''s decision on a record in review or multiple: linked to the candidate with that root pseudonym (unique), or to nobody (person null: none); a candidate who objected excludes the record; returns the result';

-- The run's counts from its results, after decisions and remaps.
CREATE FUNCTION pseudolink.link_recount(upload_id bigint)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE pseudolink.link_job j
    SET unique_records = c.n_unique, multiple_records = c.n_multiple, review_records = c.n_review,
        none_records = c.n_none, objected_records = c.n_objected
    FROM (SELECT pg_catalog.count(*) FILTER (WHERE r.status = 'unique') AS n_unique,
                 pg_catalog.count(*) FILTER (WHERE r.status = 'multiple') AS n_multiple,
                 pg_catalog.count(*) FILTER (WHERE r.status = 'review') AS n_review,
                 pg_catalog.count(*) FILTER (WHERE r.status = 'none') AS n_none,
                 pg_catalog.count(*) FILTER (WHERE r.status = 'objected') AS n_objected
          FROM pseudolink.link_result r WHERE r.upload_id OPERATOR(pg_catalog.=) $1) c
    WHERE j.upload_id OPERATOR(pg_catalog.=) $1
$$;
COMMENT ON FUNCTION pseudolink.link_recount(bigint) IS
    'internal: sets a run''s counts per status from its results';

-- Persons new in the register ---------------------------------------------------------

CREATE FUNCTION pseudolink.link_remap(upload_id bigint DEFAULT NULL)
RETURNS TABLE (upload bigint, checked bigint, remapped bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
    v_upload bigint := link_remap.upload_id;
    v_load integer;
    j pseudolink.link_job;
    n_checked bigint;
    n_remapped bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'link uploads');
    IF v_upload IS NOT NULL AND NOT EXISTS (SELECT FROM pseudolink.link_job x
                                            WHERE x.upload_id OPERATOR(pg_catalog.=) v_upload
                                              AND x.state OPERATOR(pg_catalog.=) 'finished') THEN
        RAISE EXCEPTION 'upload % has no finished link run', v_upload
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Records are remapped after their upload was linked.';
    END IF;
    SELECT pg_catalog.max(l.load_id) INTO v_load FROM pseudolink.register_load l;
    FOR j IN SELECT x.* FROM pseudolink.link_job x
             WHERE x.state OPERATOR(pg_catalog.=) 'finished'
               AND (v_upload IS NULL OR x.upload_id OPERATOR(pg_catalog.=) v_upload)
             ORDER BY x.upload_id FOR UPDATE LOOP
        IF v_load IS NOT DISTINCT FROM j.register_load_id OR v_load IS NOT DISTINCT FROM j.remap_load_id THEN
            -- Nothing new in the register since these records were linked.
            upload := j.upload_id;
            checked := 0;
            remapped := 0;
            RETURN NEXT;
            CONTINUE;
        END IF;
        CREATE TEMP TABLE pl_link_batch_records ON COMMIT DROP AS
        SELECT d.record_id, d.birth_date, d.sex, d.postcode, d.house_number, d.house_suffix, d.event_date,
               d.person_key, d.keys, false AS objected
        FROM pseudolink.link_result r JOIN pseudolink.upload_record d ON d.record_id = r.record_id
        WHERE r.upload_id OPERATOR(pg_catalog.=) j.upload_id AND r.status OPERATOR(pg_catalog.=) 'none'
          AND r.decision_id IS NULL;
        GET DIAGNOSTICS n_checked = ROW_COUNT;
        IF n_checked > 0 THEN
            -- The keys of the records as the register is keyed now.
            UPDATE pg_temp.pl_link_batch_records d
            SET keys = pseudolink.blocking_keys(pseudolink.register_model(),
                           (SELECT x FROM (SELECT d.birth_date, d.sex, d.postcode, d.house_number, d.house_suffix) x),
                           true);
            PERFORM pseudolink.link_score(j.model, j.upper_weight, j.lower_weight, j.margin, j.registry);
            INSERT INTO pseudolink.link_remap_log (record_id, upload_id, person_key, person_id, person,
                                                   register_load_id, remapped_by)
            SELECT o.record_id, j.upload_id, d.person_key, o.person_id, o.person, v_load, pseudolink.calling_role()
            FROM pg_temp.pl_link_outcome o JOIN pg_temp.pl_link_batch_records d ON d.record_id = o.record_id
            WHERE o.status = 'unique';
            GET DIAGNOSTICS n_remapped = ROW_COUNT;
            UPDATE pseudolink.link_result x
            SET status = o.status, person_id = o.person_id, person = o.person, match_weight = o.match_weight,
                match_probability = o.match_probability, runner_up_weight = o.runner_up_weight,
                candidates = o.candidates, levels = o.levels, pass = o.pass, linked_at = pg_catalog.now()
            FROM pg_temp.pl_link_outcome o
            WHERE x.record_id = o.record_id AND o.status = 'unique';
            DROP TABLE pg_temp.pl_link_pair, pg_temp.pl_link_ranked, pg_temp.pl_link_outcome;
        ELSE
            n_remapped := 0;
        END IF;
        DROP TABLE pg_temp.pl_link_batch_records;
        UPDATE pseudolink.link_job x SET remap_load_id = v_load WHERE x.upload_id = j.upload_id;
        PERFORM pseudolink.link_recount(j.upload_id);
        upload := j.upload_id;
        checked := n_checked;
        remapped := n_remapped;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_remap(bigint) IS
    'after a new register load: links the unlinked records (status none, not decided) of finished runs (of one upload, or all) again with their run''s model and thresholds; a record that now finds its person uniquely is linked, its S pseudonym and the person''s R pseudonym kept in pseudolink.link_remap_log; returns per upload the records checked and remapped';

-- Publication -------------------------------------------------------------------------

CREATE FUNCTION pseudolink.link_publish(upload_id bigint, request_id bigint, note text DEFAULT NULL,
                                        include_review boolean DEFAULT false)
RETURNS pseudolink.link_publication
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    id bigint := link_publish.upload_id;
    req bigint := link_publish.request_id;
    j pseudolink.link_job;
    m pseudolink.link_source;
    v_load bigint;
    v_pending bigint;
    v_missing text;
    v_published bigint;
    v_objected bigint;
    v_without bigint;
    v_dropped text[];
    pub pseudolink.link_publication;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_steward', 'publish linked records');
    SELECT x.* INTO j FROM pseudolink.link_job x WHERE x.upload_id OPERATOR(pg_catalog.=) id;
    IF NOT FOUND OR j.state OPERATOR(pg_catalog.<>) 'finished' THEN
        RAISE EXCEPTION 'upload % is not linked', COALESCE(id::text, 'null')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Link it first: CALL pseudolink.link(upload_id).';
    END IF;
    SELECT x.load_id INTO v_load FROM pseudolink.link_publication x
    WHERE x.upload_id OPERATOR(pg_catalog.=) id AND x.request_id OPERATOR(pg_catalog.=) req;
    IF FOUND THEN
        RAISE EXCEPTION 'upload % was published for request % already', id, req
            USING ERRCODE = 'unique_violation',
                  DETAIL = pg_catalog.format('Source load %s holds its records.', v_load);
    END IF;
    SELECT pg_catalog.count(*) INTO v_pending FROM pseudolink.link_result r
    WHERE r.upload_id OPERATOR(pg_catalog.=) id AND r.status OPERATOR(pg_catalog.=) 'review';
    IF v_pending > 0 AND NOT COALESCE(include_review, false) THEN
        RAISE EXCEPTION 'upload % has records awaiting review: %', id, v_pending
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Decide on them (pseudolink.link_review, pseudolink.link_decide), or publish them unlinked with include_review => true.';
    END IF;
    SELECT s.* INTO m FROM pseudolink.link_source s
    WHERE s.registry OPERATOR(pg_catalog.=) (SELECT u.registry FROM pseudolink.upload u
                                            WHERE u.upload_id OPERATOR(pg_catalog.=) id)
      AND s.source OPERATOR(pg_catalog.=) j.source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the catalogue source of upload % is no longer mapped', id
            USING ERRCODE = 'undefined_object',
                  HINT = 'pseudolink.link_source maps the upload registry to its source.';
    END IF;
    SELECT pg_catalog.string_agg(v.name, ', ') INTO v_missing
    FROM (VALUES (m.date_variable), (m.age_variable), (m.sex_variable)) v(name)
    WHERE v.name IS NOT NULL
      AND NOT EXISTS (SELECT FROM pseudolink.catalogue_variable c
                      WHERE c.source OPERATOR(pg_catalog.=) m.source AND c.name OPERATOR(pg_catalog.=) v.name);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'source % has no catalogue variable %', m.source, v_missing
            USING ERRCODE = 'undefined_object',
                  HINT = 'Correct the variable names in pseudolink.link_source.';
    END IF;

    v_load := pseudolink.open_source_load(m.source, req, COALESCE(link_publish.note,
                                          pg_catalog.format('linked upload %s', id)));

    -- Who is left out: the person keys and the persons of the objections.
    CREATE TEMP TABLE pl_link_publish_rows ON COMMIT DROP AS
    SELECT d.record_id, d.event_date, d.birth_date, d.sex, d.person_key, d.variables,
           COALESCE(r.person, d.person_key) AS person,
           r.status OPERATOR(pg_catalog.=) 'objected'
           OR d.person_key OPERATOR(pseudolink.=) ANY (SELECT k.person_key FROM pseudolink.link_objected_keys(j.registry) k)
           OR COALESCE(r.person, d.person_key) OPERATOR(pseudolink.=) ANY
              (SELECT o.person FROM pseudolink.objected_persons(j.registry) o) AS objected
    FROM pseudolink.link_result r JOIN pseudolink.upload_record d ON d.record_id = r.record_id
    WHERE r.upload_id OPERATOR(pg_catalog.=) id;
    SELECT pg_catalog.count(*) FILTER (WHERE x.objected IS TRUE),
           pg_catalog.count(*) FILTER (WHERE x.objected IS NOT TRUE AND x.person IS NULL)
    INTO v_objected, v_without
    FROM pg_temp.pl_link_publish_rows x;
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT e.key ORDER BY e.key), '{}') INTO v_dropped
    FROM pg_temp.pl_link_publish_rows x, pg_catalog.jsonb_object_keys(x.variables) e(key)
    WHERE x.objected IS NOT TRUE AND x.person IS NOT NULL AND e.key OPERATOR(pg_catalog.<>) 'consent'
      AND NOT EXISTS (SELECT FROM pseudolink.catalogue_variable c
                      WHERE c.source OPERATOR(pg_catalog.=) m.source AND c.name OPERATOR(pg_catalog.=) e.key);

    INSERT INTO pseudolink.source_row (load_id, source, person, person_key, reference_date, consent, variables)
    SELECT v_load, m.source, x.person, x.person_key, x.event_date,
           CASE WHEN pg_catalog.jsonb_typeof(x.variables -> 'consent') = 'boolean'
                THEN (x.variables ->> 'consent')::boolean END,
           COALESCE((SELECT pg_catalog.jsonb_object_agg(e.key, e.value)
                     FROM pg_catalog.jsonb_each(x.variables) e
                     WHERE e.key IN (SELECT c.name FROM pseudolink.catalogue_variable c WHERE c.source = m.source)
                       AND e.key IS DISTINCT FROM m.date_variable AND e.key IS DISTINCT FROM m.age_variable
                       AND e.key IS DISTINCT FROM m.sex_variable), '{}')
           || pg_catalog.jsonb_build_object(m.date_variable, x.event_date)
           || CASE WHEN m.age_variable IS NOT NULL
                   THEN pg_catalog.jsonb_build_object(m.age_variable,
                            pg_catalog.date_part('year', pg_catalog.age(x.event_date, x.birth_date))::integer)
                   ELSE '{}' END
           || CASE WHEN m.sex_variable IS NOT NULL AND x.sex IS NOT NULL
                   THEN pg_catalog.jsonb_build_object(m.sex_variable, x.sex) ELSE '{}' END
    FROM pg_temp.pl_link_publish_rows x
    WHERE x.objected IS NOT TRUE AND x.person IS NOT NULL
    ORDER BY x.record_id;
    v_published := pseudolink.close_source_load(v_load);
    DROP TABLE pg_temp.pl_link_publish_rows;

    INSERT INTO pseudolink.link_publication (upload_id, request_id, load_id, published, excluded_objection,
                                             without_pseudonym, awaiting_review, dropped_variables, published_by)
    VALUES (id, req, v_load, v_published, v_objected, v_without, v_pending, v_dropped, pseudolink.calling_role())
    RETURNING * INTO pub;
    PERFORM pseudolink.audit_append('link.publish', 'upload', id::text,
        pg_catalog.jsonb_build_object('request_id', req, 'load_id', v_load, 'published', v_published,
                                      'excluded_objection', v_objected, 'without_pseudonym', v_without));
    RETURN pub;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_publish(bigint, bigint, text, boolean) IS
    'publishes a linked upload into the source-data store for an approved request: one closed load of its catalogue source, person = R pseudonym of the person linked or the record''s person key, the event date, age and sex as catalogue variables with the record''s catalogue variables; objections and records without a pseudonym are left out and counted';

-- Row-level security and privileges ----------------------------------------------------

ALTER TABLE pseudolink.link_decision ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_decision FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_remap_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_remap_log FORCE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_publication ENABLE ROW LEVEL SECURITY;
ALTER TABLE pseudolink.link_publication FORCE ROW LEVEL SECURITY;
CREATE POLICY link_decision_read ON pseudolink.link_decision FOR SELECT TO pseudolink_steward USING (true);
CREATE POLICY link_remap_log_read ON pseudolink.link_remap_log FOR SELECT TO pseudolink_steward USING (true);
CREATE POLICY link_publication_read ON pseudolink.link_publication FOR SELECT
    TO pseudolink_steward, pseudolink_admin USING (true);
COMMENT ON POLICY link_decision_read ON pseudolink.link_decision IS 'only the steward reads decisions';
COMMENT ON POLICY link_remap_log_read ON pseudolink.link_remap_log IS 'only the steward reads the map of pseudonyms';
COMMENT ON POLICY link_publication_read ON pseudolink.link_publication IS 'the steward and the admin see what was published (counts)';

REVOKE ALL ON TABLE pseudolink.link_decision, pseudolink.link_remap_log, pseudolink.link_publication,
    pseudolink.link_review FROM PUBLIC;
GRANT SELECT ON TABLE pseudolink.link_decision, pseudolink.link_remap_log, pseudolink.link_review
    TO pseudolink_steward;
GRANT SELECT ON TABLE pseudolink.link_publication TO pseudolink_steward, pseudolink_admin;

REVOKE ALL ON FUNCTION pseudolink.link_decide(bigint, pseudolink.pseudonym, text),
    pseudolink.link_recount(bigint), pseudolink.link_remap(bigint),
    pseudolink.link_publish(bigint, bigint, text, boolean)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pseudolink.link_decide(bigint, pseudolink.pseudonym, text),
    pseudolink.link_remap(bigint), pseudolink.link_publish(bigint, bigint, text, boolean)
TO pseudolink_steward;
