-- Data requests and their review: the request a researcher submits to a
-- registry, the reviews of its boards, the decision with its conditions and
-- costs, and the state machine that orders them.
--
--   submitted --assign--> in_review --decide--> approved --release--> released --close--> closed
--       |                    |    \--decide--> rejected       |   \--close--> closed
--       +----withdraw--------+-------withdraw-----------------+--> withdrawn
--
-- The state machine lives in triggers on the tables, not only in the
-- procedures: every status change is checked against the allowed
-- transitions and their conditions (no approval while a review is pending
-- or negative, no release before approval, no purpose check before the
-- registry's own reviews, no council review before its meeting), whoever
-- makes it, the table owner included, and every change is recorded with who
-- and when.  A refused step raises one of these SQLSTATEs:
--
--   PL001  the transition is not allowed from the current status
--   PL002  an approval the step needs is missing
--   PL003  the step is not open yet (a review before its turn or meeting)
--   PL004  the project, agreement or authorisation is not active
--
-- Which reviews a request needs follows from what it asks for: the
-- registry's scientific council (at one of its meetings) always, the chair
-- of the registry committee of every registry source requested, the
-- privacy committee when an external dataset is linked, and the statistics
-- office's purpose check after all of those.

CREATE TABLE pseudolink.data_request (
    request_id        bigint      GENERATED ALWAYS AS IDENTITY,
    project_id        bigint      NOT NULL,
    registry          text        NOT NULL,
    title             text        NOT NULL,
    question          text        NOT NULL,
    protocol          text        NOT NULL,
    analyst_id        bigint      NOT NULL,
    legal_basis       text        NOT NULL,
    period_from       date        NOT NULL,
    period_to         date        NOT NULL,
    status            text        NOT NULL DEFAULT 'submitted',
    status_reason     text,
    submitted_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    submitted_by      name        NOT NULL,
    status_changed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT data_request_pkey PRIMARY KEY (request_id),
    CONSTRAINT data_request_project_fkey FOREIGN KEY (project_id) REFERENCES pseudolink.project (project_id),
    CONSTRAINT data_request_registry_fkey FOREIGN KEY (registry) REFERENCES pseudolink.registry (registry),
    CONSTRAINT data_request_analyst_fkey FOREIGN KEY (analyst_id) REFERENCES pseudolink.researcher (researcher_id),
    CONSTRAINT data_request_title_not_empty CHECK (btrim(title) <> ''),
    CONSTRAINT data_request_question_not_empty CHECK (btrim(question) <> ''),
    CONSTRAINT data_request_protocol_not_empty CHECK (btrim(protocol) <> ''),
    CONSTRAINT data_request_legal_basis_valid CHECK (legal_basis IN ('legitimate_interest', 'informed_consent')),
    CONSTRAINT data_request_period_valid CHECK (period_to >= period_from),
    CONSTRAINT data_request_status_valid CHECK (status IN ('submitted', 'in_review', 'approved', 'rejected',
                                                           'released', 'closed', 'withdrawn'))
);

COMMENT ON TABLE pseudolink.data_request IS
    'data requests of a project to a registry: question, protocol, analyst, legal basis, period and status';
COMMENT ON COLUMN pseudolink.data_request.request_id IS 'request number';
COMMENT ON COLUMN pseudolink.data_request.project_id IS 'the CBS project the data are for';
COMMENT ON COLUMN pseudolink.data_request.registry IS 'the registry asked';
COMMENT ON COLUMN pseudolink.data_request.title IS 'short title';
COMMENT ON COLUMN pseudolink.data_request.question IS 'the research question';
COMMENT ON COLUMN pseudolink.data_request.protocol IS 'the study protocol (text or a reference to the document)';
COMMENT ON COLUMN pseudolink.data_request.analyst_id IS 'the data analyst, an active researcher of the project';
COMMENT ON COLUMN pseudolink.data_request.legal_basis IS
    'legitimate_interest (Wkkgz article 7) or informed_consent (only records with recorded consent are released)';
COMMENT ON COLUMN pseudolink.data_request.period_from IS 'first date of the period the data should cover';
COMMENT ON COLUMN pseudolink.data_request.period_to IS 'last date of the period the data should cover';
COMMENT ON COLUMN pseudolink.data_request.status IS
    'submitted, in_review, approved, rejected, released, closed or withdrawn; changed only along the state machine';
COMMENT ON COLUMN pseudolink.data_request.status_reason IS 'reason given with the last status change (withdraw, close)';
COMMENT ON COLUMN pseudolink.data_request.submitted_at IS 'when the request was submitted';
COMMENT ON COLUMN pseudolink.data_request.submitted_by IS 'the role that submitted it';
COMMENT ON COLUMN pseudolink.data_request.status_changed_at IS 'when the status last changed';
COMMENT ON CONSTRAINT data_request_pkey ON pseudolink.data_request IS 'request numbers are unique';
COMMENT ON CONSTRAINT data_request_project_fkey ON pseudolink.data_request IS 'for a registered project';
COMMENT ON CONSTRAINT data_request_registry_fkey ON pseudolink.data_request IS 'to a known registry';
COMMENT ON CONSTRAINT data_request_analyst_fkey ON pseudolink.data_request IS 'the analyst is a registered researcher';
COMMENT ON CONSTRAINT data_request_title_not_empty ON pseudolink.data_request IS 'a request has a title';
COMMENT ON CONSTRAINT data_request_question_not_empty ON pseudolink.data_request IS 'a request states its question';
COMMENT ON CONSTRAINT data_request_protocol_not_empty ON pseudolink.data_request IS 'a request has a protocol';
COMMENT ON CONSTRAINT data_request_legal_basis_valid ON pseudolink.data_request IS 'legitimate interest or informed consent';
COMMENT ON CONSTRAINT data_request_period_valid ON pseudolink.data_request IS 'a period does not end before it starts';
COMMENT ON CONSTRAINT data_request_status_valid ON pseudolink.data_request IS 'the states of the state machine';

CREATE TABLE pseudolink.request_variable (
    request_id bigint  NOT NULL,
    source     text    NOT NULL,
    name       text    NOT NULL,
    version    integer NOT NULL,
    CONSTRAINT request_variable_pkey PRIMARY KEY (request_id, source, name),
    CONSTRAINT request_variable_request_fkey FOREIGN KEY (request_id) REFERENCES pseudolink.data_request (request_id),
    CONSTRAINT request_variable_catalogue_fkey FOREIGN KEY (source, name, version)
        REFERENCES pseudolink.catalogue_variable (source, name, version)
);

COMMENT ON TABLE pseudolink.request_variable IS
    'the catalogue variables a request asks for, at the version it asked for; the requested datasets are their sources';
COMMENT ON COLUMN pseudolink.request_variable.request_id IS 'the request';
COMMENT ON COLUMN pseudolink.request_variable.source IS 'source of the variable';
COMMENT ON COLUMN pseudolink.request_variable.name IS 'name of the variable';
COMMENT ON COLUMN pseudolink.request_variable.version IS 'version of the definition asked for';
COMMENT ON CONSTRAINT request_variable_pkey ON pseudolink.request_variable IS 'a variable is asked for once per request';
COMMENT ON CONSTRAINT request_variable_request_fkey ON pseudolink.request_variable IS 'of a registered request';
COMMENT ON CONSTRAINT request_variable_catalogue_fkey ON pseudolink.request_variable IS 'a catalogue entry';

CREATE TABLE pseudolink.review (
    review_id    bigint      GENERATED ALWAYS AS IDENTITY,
    request_id   bigint      NOT NULL,
    board        text        NOT NULL,
    meeting_date date,
    outcome      text,
    remarks      text,
    assigned_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    assigned_by  name        NOT NULL,
    reviewed_at  timestamptz,
    reviewed_by  name,
    CONSTRAINT review_pkey PRIMARY KEY (review_id),
    CONSTRAINT review_request_board_key UNIQUE (request_id, board),
    CONSTRAINT review_request_fkey FOREIGN KEY (request_id) REFERENCES pseudolink.data_request (request_id),
    CONSTRAINT review_board_fkey FOREIGN KEY (board) REFERENCES pseudolink.board (board),
    CONSTRAINT review_meeting_fkey FOREIGN KEY (board, meeting_date)
        REFERENCES pseudolink.council_meeting (board, meeting_date),
    CONSTRAINT review_outcome_valid CHECK (outcome IN ('approved', 'rejected')),
    CONSTRAINT review_outcome_recorded CHECK ((outcome IS NULL) = (reviewed_at IS NULL)
                                              AND (outcome IS NULL) = (reviewed_by IS NULL))
);

COMMENT ON TABLE pseudolink.review IS
    'the review of a request by one board: assigned with the request, recorded once by a member of the board';
COMMENT ON COLUMN pseudolink.review.review_id IS 'review number';
COMMENT ON COLUMN pseudolink.review.request_id IS 'the request reviewed';
COMMENT ON COLUMN pseudolink.review.board IS 'the reviewing board';
COMMENT ON COLUMN pseudolink.review.meeting_date IS 'for a scientific council, the meeting at which it reviews the request';
COMMENT ON COLUMN pseudolink.review.outcome IS 'approved or rejected; null while pending';
COMMENT ON COLUMN pseudolink.review.remarks IS 'the board''s remarks';
COMMENT ON COLUMN pseudolink.review.assigned_at IS 'when the review was assigned';
COMMENT ON COLUMN pseudolink.review.assigned_by IS 'the role that assigned it';
COMMENT ON COLUMN pseudolink.review.reviewed_at IS 'when the outcome was recorded';
COMMENT ON COLUMN pseudolink.review.reviewed_by IS 'the role that recorded it';
COMMENT ON CONSTRAINT review_pkey ON pseudolink.review IS 'review numbers are unique';
COMMENT ON CONSTRAINT review_request_board_key ON pseudolink.review IS 'a board reviews a request once';
COMMENT ON CONSTRAINT review_request_fkey ON pseudolink.review IS 'of a registered request';
COMMENT ON CONSTRAINT review_board_fkey ON pseudolink.review IS 'by a known board';
COMMENT ON CONSTRAINT review_meeting_fkey ON pseudolink.review IS 'a council reviews at one of its recorded meetings';
COMMENT ON CONSTRAINT review_outcome_valid ON pseudolink.review IS 'approved or rejected';
COMMENT ON CONSTRAINT review_outcome_recorded ON pseudolink.review IS 'an outcome is recorded with who and when';

CREATE TABLE pseudolink.decision (
    request_id       bigint      NOT NULL,
    outcome          text        NOT NULL,
    letter_reference text,
    decided_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    decided_by       name        NOT NULL,
    CONSTRAINT decision_pkey PRIMARY KEY (request_id),
    CONSTRAINT decision_request_fkey FOREIGN KEY (request_id) REFERENCES pseudolink.data_request (request_id),
    CONSTRAINT decision_outcome_valid CHECK (outcome IN ('approved', 'rejected'))
);

COMMENT ON TABLE pseudolink.decision IS
    'the decision on a request after its reviews: the approval (or rejection) letter, with conditions, costs and variables left out';
COMMENT ON COLUMN pseudolink.decision.request_id IS 'the request decided';
COMMENT ON COLUMN pseudolink.decision.outcome IS 'approved or rejected';
COMMENT ON COLUMN pseudolink.decision.letter_reference IS 'reference of the letter sent';
COMMENT ON COLUMN pseudolink.decision.decided_at IS 'when it was decided';
COMMENT ON COLUMN pseudolink.decision.decided_by IS 'the role that recorded the decision';
COMMENT ON CONSTRAINT decision_pkey ON pseudolink.decision IS 'one decision per request';
COMMENT ON CONSTRAINT decision_request_fkey ON pseudolink.decision IS 'of a registered request';
COMMENT ON CONSTRAINT decision_outcome_valid ON pseudolink.decision IS 'approved or rejected';

CREATE TABLE pseudolink.decision_condition (
    request_id bigint  NOT NULL,
    position   integer NOT NULL,
    condition  text    NOT NULL,
    CONSTRAINT decision_condition_pkey PRIMARY KEY (request_id, position),
    CONSTRAINT decision_condition_decision_fkey FOREIGN KEY (request_id) REFERENCES pseudolink.decision (request_id),
    CONSTRAINT decision_condition_not_empty CHECK (btrim(condition) <> '')
);

COMMENT ON TABLE pseudolink.decision_condition IS 'the conditions attached to a decision, in order';
COMMENT ON COLUMN pseudolink.decision_condition.request_id IS 'the request decided';
COMMENT ON COLUMN pseudolink.decision_condition.position IS 'position of the condition in the letter, from 1';
COMMENT ON COLUMN pseudolink.decision_condition.condition IS 'the condition';
COMMENT ON CONSTRAINT decision_condition_pkey ON pseudolink.decision_condition IS 'one condition per position';
COMMENT ON CONSTRAINT decision_condition_decision_fkey ON pseudolink.decision_condition IS 'of a recorded decision';
COMMENT ON CONSTRAINT decision_condition_not_empty ON pseudolink.decision_condition IS 'a condition says something';

CREATE TABLE pseudolink.decision_excluded_variable (
    request_id bigint NOT NULL,
    source     text   NOT NULL,
    name       text   NOT NULL,
    CONSTRAINT decision_excluded_variable_pkey PRIMARY KEY (request_id, source, name),
    CONSTRAINT decision_excluded_variable_decision_fkey FOREIGN KEY (request_id)
        REFERENCES pseudolink.decision (request_id),
    CONSTRAINT decision_excluded_variable_requested_fkey FOREIGN KEY (request_id, source, name)
        REFERENCES pseudolink.request_variable (request_id, source, name)
);

COMMENT ON TABLE pseudolink.decision_excluded_variable IS
    'requested variables the decision leaves out (data minimisation): they are never released for the request';
COMMENT ON COLUMN pseudolink.decision_excluded_variable.request_id IS 'the request decided';
COMMENT ON COLUMN pseudolink.decision_excluded_variable.source IS 'source of the variable left out';
COMMENT ON COLUMN pseudolink.decision_excluded_variable.name IS 'name of the variable left out';
COMMENT ON CONSTRAINT decision_excluded_variable_pkey ON pseudolink.decision_excluded_variable IS 'a variable is left out once';
COMMENT ON CONSTRAINT decision_excluded_variable_decision_fkey ON pseudolink.decision_excluded_variable IS 'of a recorded decision';
COMMENT ON CONSTRAINT decision_excluded_variable_requested_fkey ON pseudolink.decision_excluded_variable IS 'a requested variable';

CREATE TABLE pseudolink.request_cost (
    request_id bigint        NOT NULL,
    party      text          NOT NULL,
    amount_eur numeric(12,2) NOT NULL,
    CONSTRAINT request_cost_pkey PRIMARY KEY (request_id, party),
    CONSTRAINT request_cost_decision_fkey FOREIGN KEY (request_id) REFERENCES pseudolink.decision (request_id),
    CONSTRAINT request_cost_party_not_empty CHECK (btrim(party) <> ''),
    CONSTRAINT request_cost_amount_not_negative CHECK (amount_eur >= 0)
);

COMMENT ON TABLE pseudolink.request_cost IS 'costs of a request per charging party (the registry, CBS, other suppliers)';
COMMENT ON COLUMN pseudolink.request_cost.request_id IS 'the request';
COMMENT ON COLUMN pseudolink.request_cost.party IS 'who charges';
COMMENT ON COLUMN pseudolink.request_cost.amount_eur IS 'amount in euro';
COMMENT ON CONSTRAINT request_cost_pkey ON pseudolink.request_cost IS 'one amount per party';
COMMENT ON CONSTRAINT request_cost_decision_fkey ON pseudolink.request_cost IS 'set by a recorded decision';
COMMENT ON CONSTRAINT request_cost_party_not_empty ON pseudolink.request_cost IS 'a party is named';
COMMENT ON CONSTRAINT request_cost_amount_not_negative ON pseudolink.request_cost IS 'no negative costs';

CREATE TABLE pseudolink.request_transition (
    transition_id bigint      GENERATED ALWAYS AS IDENTITY,
    request_id    bigint      NOT NULL,
    from_status   text,
    to_status     text        NOT NULL,
    reason        text,
    changed_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    changed_by    name        NOT NULL,
    session_role  name        NOT NULL DEFAULT session_user,
    CONSTRAINT request_transition_pkey PRIMARY KEY (transition_id),
    CONSTRAINT request_transition_request_fkey FOREIGN KEY (request_id) REFERENCES pseudolink.data_request (request_id)
);

COMMENT ON TABLE pseudolink.request_transition IS 'every status change of every request, with who and when';
COMMENT ON COLUMN pseudolink.request_transition.transition_id IS 'transition number';
COMMENT ON COLUMN pseudolink.request_transition.request_id IS 'the request';
COMMENT ON COLUMN pseudolink.request_transition.from_status IS 'status before (null for the submission)';
COMMENT ON COLUMN pseudolink.request_transition.to_status IS 'status after';
COMMENT ON COLUMN pseudolink.request_transition.reason IS 'the reason given (withdraw, close)';
COMMENT ON COLUMN pseudolink.request_transition.changed_at IS 'when';
COMMENT ON COLUMN pseudolink.request_transition.changed_by IS 'the role that made the change (pseudolink.calling_role())';
COMMENT ON COLUMN pseudolink.request_transition.session_role IS 'the session user of the connection';
COMMENT ON CONSTRAINT request_transition_pkey ON pseudolink.request_transition IS 'transition numbers are unique';
COMMENT ON CONSTRAINT request_transition_request_fkey ON pseudolink.request_transition IS 'of a registered request';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.data_request', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.request_variable', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.review', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.decision', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.decision_condition', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.decision_excluded_variable', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.request_cost', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.request_transition', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.data_request', 'request_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.review', 'review_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.request_transition', 'transition_id'), '');

-- What a request needs ------------------------------------------------------

CREATE FUNCTION pseudolink.request_required_boards(request_id bigint)
RETURNS TABLE (board text, kind text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH req AS (SELECT r.request_id, r.registry FROM pseudolink.data_request r
                 WHERE r.request_id OPERATOR(pg_catalog.=) $1),
         sources AS (SELECT DISTINCT s.source, s.registry, s.committee
                     FROM pseudolink.request_variable v
                     JOIN pseudolink.catalogue_source s ON s.source OPERATOR(pg_catalog.=) v.source
                     WHERE v.request_id OPERATOR(pg_catalog.=) $1)
    SELECT b.board, b.kind FROM pseudolink.board b, req
    WHERE b.kind OPERATOR(pg_catalog.=) 'scientific_council' AND b.registry OPERATOR(pg_catalog.=) req.registry
    UNION
    SELECT s.committee, 'registry_committee' FROM sources s WHERE s.committee IS NOT NULL
    UNION
    SELECT b.board, b.kind FROM pseudolink.board b, req
    WHERE b.kind OPERATOR(pg_catalog.=) 'privacy_committee' AND b.registry OPERATOR(pg_catalog.=) req.registry
      AND EXISTS (SELECT FROM sources s WHERE s.registry IS NULL)
    UNION
    SELECT b.board, b.kind FROM pseudolink.board b, req
    WHERE b.kind OPERATOR(pg_catalog.=) 'purpose_check'
$$;

COMMENT ON FUNCTION pseudolink.request_required_boards(bigint) IS
    'the boards that must review a request: the registry''s scientific council, the committee of each registry source asked for, the privacy committee when an external dataset is linked, and the purpose check (internal: what the state machine checks)';

CREATE FUNCTION pseudolink.required_reviews(request_id bigint)
RETURNS TABLE (board text, kind text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT q.board, q.kind FROM pseudolink.request_required_boards($1) q
    WHERE pseudolink.acts_as('pseudolink_admin') OR pseudolink.acts_as('pseudolink_steward')
       OR $1 OPERATOR(pg_catalog.=) ANY (pseudolink.my_requests())
$$;

COMMENT ON FUNCTION pseudolink.required_reviews(bigint) IS
    'the boards that must review a request the caller may see: the registry''s scientific council, the committee of each registry source asked for, the privacy committee when an external dataset is linked, and the purpose check';

CREATE FUNCTION pseudolink.request_coverage(request_id bigint)
RETURNS TABLE (source text, name text, version integer, covered_from date, covered_to date, covered boolean)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT v.source, v.name, v.version, c.covered_from, c.covered_to,
           COALESCE(c.covered_from OPERATOR(pg_catalog.<=) r.period_from
                    AND c.covered_to OPERATOR(pg_catalog.>=) r.period_to, false)
    FROM pseudolink.data_request r
    JOIN pseudolink.request_variable v ON v.request_id OPERATOR(pg_catalog.=) r.request_id
    LEFT JOIN LATERAL (SELECT k.covered_from, k.covered_to FROM pseudolink.catalogue_coverage k
                       WHERE k.source OPERATOR(pg_catalog.=) v.source AND k.name OPERATOR(pg_catalog.=) v.name
                         AND k.version OPERATOR(pg_catalog.=) v.version
                       ORDER BY k.recorded_at DESC LIMIT 1) c ON true
    WHERE r.request_id OPERATOR(pg_catalog.=) $1
      AND (r.project_id OPERATOR(pg_catalog.=) ANY (pseudolink.my_projects())
           OR pseudolink.acts_as('pseudolink_admin') OR pseudolink.acts_as('pseudolink_steward')
           OR EXISTS (SELECT FROM pseudolink.review w
                      WHERE w.request_id OPERATOR(pg_catalog.=) r.request_id
                        AND w.board OPERATOR(pg_catalog.=) ANY (pseudolink.my_boards()))
           OR EXISTS (SELECT FROM pseudolink.board b
                      WHERE b.registry OPERATOR(pg_catalog.=) r.registry
                        AND b.kind OPERATOR(pg_catalog.=) 'scientific_council'
                        AND b.board OPERATOR(pg_catalog.=) ANY (pseudolink.my_boards())))
    ORDER BY v.source, v.name
$$;

COMMENT ON FUNCTION pseudolink.request_coverage(bigint) IS
    'per requested variable: its latest recorded coverage and whether that covers the requested period (rows only for a request the caller may see)';

CREATE FUNCTION pseudolink.request_status_rank(status text)
RETURNS integer
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN CASE status WHEN 'submitted' THEN 1 WHEN 'in_review' THEN 2 WHEN 'approved' THEN 3
                   WHEN 'released' THEN 4 ELSE 5 END;

COMMENT ON FUNCTION pseudolink.request_status_rank(text) IS
    'order of the statuses along the main path (submitted 1 ... released 4, the end states 5)';

-- The allowed transitions, as (from, to) pairs.
CREATE FUNCTION pseudolink.request_transition_allowed(from_status text, to_status text)
RETURNS boolean
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN (from_status, to_status) IN (('submitted', 'in_review'), ('submitted', 'withdrawn'),
                                     ('in_review', 'approved'), ('in_review', 'rejected'),
                                     ('in_review', 'withdrawn'),
                                     ('approved', 'released'), ('approved', 'withdrawn'),
                                     ('approved', 'closed'), ('released', 'closed'));

COMMENT ON FUNCTION pseudolink.request_transition_allowed(text, text) IS
    'whether the state machine allows a request to go from one status to another';

-- The state machine -----------------------------------------------------------

CREATE FUNCTION pseudolink.request_state_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    allowed text;
    missing text;
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'submitted' THEN
            RAISE EXCEPTION 'a data request starts as submitted, not as %', NEW.status
                USING ERRCODE = 'PL001',
                      HINT = 'Submit it with pseudolink.submit_request(); it then goes through review.';
        END IF;
        NEW.status_changed_at := now();
        RETURN NEW;
    END IF;
    IF (NEW.request_id, NEW.project_id, NEW.registry, NEW.title, NEW.question, NEW.protocol,
        NEW.analyst_id, NEW.legal_basis, NEW.period_from, NEW.period_to, NEW.submitted_at, NEW.submitted_by)
       IS DISTINCT FROM
       (OLD.request_id, OLD.project_id, OLD.registry, OLD.title, OLD.question, OLD.protocol,
        OLD.analyst_id, OLD.legal_basis, OLD.period_from, OLD.period_to, OLD.submitted_at, OLD.submitted_by) THEN
        RAISE EXCEPTION 'a submitted data request cannot be changed'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'The reviews and the decision apply to the request as submitted.',
                  HINT = 'Withdraw it and submit a new request.';
    END IF;
    IF NEW.status = OLD.status THEN
        IF NEW.status_reason IS DISTINCT FROM OLD.status_reason THEN
            RAISE EXCEPTION 'data request % is already %', OLD.request_id, OLD.status
                USING ERRCODE = 'PL001',
                      DETAIL = 'A reason is given with the status change it explains.';
        END IF;
        NEW.status_changed_at := OLD.status_changed_at;
        RETURN NEW;
    END IF;
    IF NOT pseudolink.request_transition_allowed(OLD.status, NEW.status) THEN
        SELECT string_agg(t, ', ') INTO allowed
        FROM unnest(ARRAY['in_review', 'approved', 'rejected', 'released', 'closed', 'withdrawn']) t
        WHERE pseudolink.request_transition_allowed(OLD.status, t);
        RAISE EXCEPTION 'data request % cannot go from % to %', OLD.request_id, OLD.status, NEW.status
            USING ERRCODE = 'PL001',
                  DETAIL = CASE WHEN allowed IS NULL THEN format('A %s request is final.', OLD.status)
                                ELSE format('From %s a request can go to: %s.', OLD.status, allowed) END;
    END IF;
    IF NEW.status = 'in_review' THEN
        SELECT string_agg(q.board, ', ' ORDER BY q.board) INTO missing
        FROM pseudolink.request_required_boards(NEW.request_id) q
        WHERE NOT EXISTS (SELECT FROM pseudolink.review w
                          WHERE w.request_id = NEW.request_id AND w.board = q.board);
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'data request % has no review assigned to %', NEW.request_id, missing
                USING ERRCODE = 'PL003',
                      HINT = 'Assign the request with pseudolink.assign_request().';
        END IF;
    ELSIF NEW.status = 'approved' THEN
        IF NOT EXISTS (SELECT FROM pseudolink.decision d
                       WHERE d.request_id = NEW.request_id AND d.outcome = 'approved') THEN
            RAISE EXCEPTION 'data request % has no approving decision', NEW.request_id
                USING ERRCODE = 'PL002',
                      HINT = 'Record the decision with pseudolink.decide_request().';
        END IF;
        SELECT string_agg(q.board, ', ' ORDER BY q.board) INTO missing
        FROM pseudolink.request_required_boards(NEW.request_id) q
        WHERE NOT EXISTS (SELECT FROM pseudolink.review w
                          WHERE w.request_id = NEW.request_id AND w.board = q.board
                            AND w.outcome = 'approved');
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'data request % is not approved by %', NEW.request_id, missing
                USING ERRCODE = 'PL002',
                      DETAIL = 'Every required review must approve the request before it is approved.';
        END IF;
    ELSIF NEW.status = 'rejected' THEN
        IF NOT EXISTS (SELECT FROM pseudolink.decision d
                       WHERE d.request_id = NEW.request_id AND d.outcome = 'rejected') THEN
            RAISE EXCEPTION 'data request % has no rejecting decision', NEW.request_id
                USING ERRCODE = 'PL003',
                      HINT = 'Record the decision with pseudolink.decide_request().';
        END IF;
    ELSIF NEW.status = 'released' THEN
        IF NOT EXISTS (SELECT FROM pseudolink.release x
                       WHERE x.request_id = NEW.request_id AND x.status = 'live') THEN
            RAISE EXCEPTION 'data request % has no release', NEW.request_id
                USING ERRCODE = 'PL002',
                      HINT = 'Release it with pseudolink.release_request().';
        END IF;
    END IF;
    NEW.status_changed_at := now();
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.request_state_guard() IS
    'trigger: a request starts as submitted, its contents never change, and its status moves only along the state machine when the step''s conditions hold';

CREATE FUNCTION pseudolink.request_state_log()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    from_status text;
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NULL;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF NEW.status OPERATOR(pg_catalog.=) OLD.status THEN
            RETURN NULL;
        END IF;
        from_status := OLD.status;
    END IF;
    INSERT INTO pseudolink.request_transition (request_id, from_status, to_status, reason, changed_by)
    VALUES (NEW.request_id, from_status, NEW.status,
            CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN NEW.status_reason END,
            pseudolink.calling_role());
    PERFORM pseudolink.audit_append(CASE WHEN from_status IS NULL THEN 'request.submit'
                                         ELSE 'request.transition' END,
                                    'data_request', NEW.request_id::text,
                                    pg_catalog.jsonb_build_object('from', from_status, 'to', NEW.status,
                                                                  'project_id', NEW.project_id));
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION pseudolink.request_state_log() IS
    'trigger: records every submission and status change of a request with who and when, and logs it';

CREATE TRIGGER data_request_state BEFORE INSERT OR UPDATE ON pseudolink.data_request
    FOR EACH ROW EXECUTE FUNCTION pseudolink.request_state_guard();
CREATE TRIGGER data_request_log AFTER INSERT OR UPDATE ON pseudolink.data_request
    FOR EACH ROW EXECUTE FUNCTION pseudolink.request_state_log();
CREATE TRIGGER data_request_no_delete BEFORE DELETE ON pseudolink.data_request
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Withdraw or close the request instead.');
COMMENT ON TRIGGER data_request_state ON pseudolink.data_request IS 'enforces the state machine';
COMMENT ON TRIGGER data_request_log ON pseudolink.data_request IS 'records every status change';
COMMENT ON TRIGGER data_request_no_delete ON pseudolink.data_request IS 'requests are never removed';

-- Requested variables are fixed with the submission.
CREATE FUNCTION pseudolink.request_variable_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NEW;
    END IF;
    -- The submission's transaction: the request's submission time is this
    -- transaction's start.
    IF NOT EXISTS (SELECT FROM pseudolink.data_request r
                   WHERE r.request_id = NEW.request_id AND r.status = 'submitted' AND r.submitted_at = now()) THEN
        RAISE EXCEPTION 'the variables of data request % are fixed', NEW.request_id
            USING ERRCODE = 'PL001',
                  DETAIL = 'Variables are asked for with the submission, in the same transaction.',
                  HINT = 'Withdraw the request and submit a new one.';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.request_variable_guard() IS
    'trigger: variables are added to a request only in the transaction that submits it';

CREATE TRIGGER request_variable_fixed BEFORE INSERT ON pseudolink.request_variable
    FOR EACH ROW EXECUTE FUNCTION pseudolink.request_variable_guard();
CREATE TRIGGER request_variable_append_only BEFORE UPDATE OR DELETE ON pseudolink.request_variable
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Withdraw the request and submit a new one.');
COMMENT ON TRIGGER request_variable_fixed ON pseudolink.request_variable IS 'variables come with the submission';
COMMENT ON TRIGGER request_variable_append_only ON pseudolink.request_variable IS 'requested variables never change';

CREATE FUNCTION pseudolink.review_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req record;
    board_kind text;
    pending text;
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NEW;
    END IF;
    SELECT r.* INTO req FROM pseudolink.data_request r WHERE r.request_id = NEW.request_id;
    SELECT b.kind INTO board_kind FROM pseudolink.board b WHERE b.board = NEW.board;
    IF TG_OP = 'INSERT' THEN
        IF req.status <> 'submitted' THEN
            RAISE EXCEPTION 'reviews are assigned to a submitted data request; request % is %',
                            NEW.request_id, req.status
                USING ERRCODE = 'PL001';
        END IF;
        IF NOT EXISTS (SELECT FROM pseudolink.request_required_boards(NEW.request_id) q WHERE q.board = NEW.board) THEN
            RAISE EXCEPTION 'board % does not review data request %', NEW.board, NEW.request_id
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'The boards that review a request follow from its registry and the sources it asks for.';
        END IF;
        IF NEW.outcome IS NOT NULL THEN
            RAISE EXCEPTION 'a review is assigned without an outcome'
                USING ERRCODE = 'PL003';
        END IF;
        IF (board_kind = 'scientific_council') <> (NEW.meeting_date IS NOT NULL) THEN
            RAISE EXCEPTION 'a scientific council, and only a council, reviews at a meeting'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NEW.meeting_date < (req.submitted_at AT TIME ZONE 'Europe/Amsterdam')::date THEN
            RAISE EXCEPTION 'the council meeting is before the request was submitted'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Assign the request to a later meeting.';
        END IF;
        RETURN NEW;
    END IF;
    -- UPDATE: a pending review gets its outcome once.
    IF OLD.outcome IS NOT NULL THEN
        RAISE EXCEPTION 'the review of data request % by % is already recorded', OLD.request_id, OLD.board
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'A recorded review never changes.';
    END IF;
    IF (NEW.review_id, NEW.request_id, NEW.board, NEW.meeting_date, NEW.assigned_at, NEW.assigned_by)
       IS DISTINCT FROM (OLD.review_id, OLD.request_id, OLD.board, OLD.meeting_date, OLD.assigned_at, OLD.assigned_by) THEN
        RAISE EXCEPTION 'only the outcome of a review is recorded'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    IF NEW.outcome IS NULL THEN
        RETURN NEW;
    END IF;
    IF req.status <> 'in_review' THEN
        RAISE EXCEPTION 'data request % is %, not in review', NEW.request_id, req.status
            USING ERRCODE = 'PL003';
    END IF;
    IF board_kind = 'scientific_council' AND pseudolink.today() < NEW.meeting_date THEN
        RAISE EXCEPTION 'the council reviews data request % at its meeting of %', NEW.request_id, NEW.meeting_date
            USING ERRCODE = 'PL003',
                  DETAIL = 'A council review is recorded on or after the meeting it was assigned to.';
    END IF;
    IF board_kind = 'purpose_check' THEN
        SELECT string_agg(w.board, ', ' ORDER BY w.board) INTO pending
        FROM pseudolink.review w
        WHERE w.request_id = NEW.request_id AND w.review_id <> NEW.review_id
          AND w.outcome IS DISTINCT FROM 'approved';
        IF pending IS NOT NULL THEN
            RAISE EXCEPTION 'the purpose check of data request % comes after the registry''s approvals', NEW.request_id
                USING ERRCODE = 'PL003',
                      DETAIL = format('Not approved yet: %s.', pending);
        END IF;
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.review_guard() IS
    'trigger: reviews are assigned to submitted requests by the required boards (a council at a meeting), and recorded once, in order: a council on or after its meeting, the purpose check after the registry''s approvals';

CREATE TRIGGER review_guard BEFORE INSERT OR UPDATE ON pseudolink.review
    FOR EACH ROW EXECUTE FUNCTION pseudolink.review_guard();
CREATE TRIGGER review_no_delete BEFORE DELETE ON pseudolink.review
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Reviews are records.');
COMMENT ON TRIGGER review_guard ON pseudolink.review IS 'orders the reviews and records each once';
COMMENT ON TRIGGER review_no_delete ON pseudolink.review IS 'reviews are never removed';

CREATE FUNCTION pseudolink.decision_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    status text;
    pending text;
    not_approved text;
    any_rejected boolean;
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NEW;
    END IF;
    SELECT r.status INTO status FROM pseudolink.data_request r WHERE r.request_id = NEW.request_id;
    IF status IS DISTINCT FROM 'in_review' THEN
        RAISE EXCEPTION 'data request % is %, not in review', NEW.request_id, status
            USING ERRCODE = 'PL001',
                  DETAIL = 'A decision is taken on a request in review.';
    END IF;
    SELECT string_agg(q.board, ', ' ORDER BY q.board) FILTER (WHERE w.outcome IS NULL),
           string_agg(q.board, ', ' ORDER BY q.board) FILTER (WHERE w.outcome IS DISTINCT FROM 'approved'),
           COALESCE(bool_or(w.outcome = 'rejected'), false)
    INTO pending, not_approved, any_rejected
    FROM pseudolink.request_required_boards(NEW.request_id) q
    LEFT JOIN pseudolink.review w ON w.request_id = NEW.request_id AND w.board = q.board;
    -- A rejection may come as soon as one board rejects (the purpose check
    -- never follows a rejection); an approval needs every review.
    IF pending IS NOT NULL AND NOT (NEW.outcome = 'rejected' AND any_rejected) THEN
        RAISE EXCEPTION 'data request % still awaits the review of %', NEW.request_id, pending
            USING ERRCODE = 'PL002',
                  DETAIL = 'A decision follows every required review, or a rejection by one of them.';
    END IF;
    IF NEW.outcome = 'approved' AND not_approved IS NOT NULL THEN
        RAISE EXCEPTION 'data request % cannot be approved: % did not approve it', NEW.request_id, not_approved
            USING ERRCODE = 'PL002';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.decision_guard() IS
    'trigger: a decision is taken on a request in review once every required review is recorded (a rejection as soon as one board rejected), and approves only what every board approved';

-- Conditions, costs and left-out variables belong to the decision and are
-- recorded with it, while the request is still in review.
CREATE FUNCTION pseudolink.decision_part_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT FROM pseudolink.data_request r
                   WHERE r.request_id = NEW.request_id AND r.status = 'in_review') THEN
        RAISE EXCEPTION 'the decision on data request % is final', NEW.request_id
            USING ERRCODE = 'PL001',
                  DETAIL = 'Conditions, costs and left-out variables are recorded with the decision.';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.decision_part_guard() IS
    'trigger: conditions, costs and left-out variables are recorded with the decision only';

CREATE TRIGGER decision_guard BEFORE INSERT ON pseudolink.decision
    FOR EACH ROW EXECUTE FUNCTION pseudolink.decision_guard();
COMMENT ON TRIGGER decision_guard ON pseudolink.decision IS 'decisions follow the reviews';

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('data_request', NULL), ('request_variable', NULL),
        ('review', 'review_id'), ('decision', 'request_id'),
        ('decision_condition', 'request_id, position'),
        ('decision_excluded_variable', 'request_id, source, name'),
        ('request_cost', 'request_id, party'), ('request_transition', NULL)) AS v(tab, keys)
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON pseudolink.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change()',
                       t.tab || '_no_truncate', t.tab);
        EXECUTE format('COMMENT ON TRIGGER %I ON pseudolink.%I IS %L',
                       t.tab || '_no_truncate', t.tab, 'the records are never emptied');
        IF t.tab IN ('decision', 'decision_condition', 'decision_excluded_variable', 'request_cost',
                     'request_transition') THEN
            EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON pseudolink.%I
                            FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change()',
                           t.tab || '_append_only', t.tab);
            EXECUTE format('COMMENT ON TRIGGER %I ON pseudolink.%I IS %L',
                           t.tab || '_append_only', t.tab, 'rows are never changed or removed');
        END IF;
        IF t.tab IN ('decision_condition', 'decision_excluded_variable', 'request_cost') THEN
            EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON pseudolink.%I
                            FOR EACH ROW EXECUTE FUNCTION pseudolink.decision_part_guard()',
                           t.tab || '_with_decision', t.tab);
            EXECUTE format('COMMENT ON TRIGGER %I ON pseudolink.%I IS %L',
                           t.tab || '_with_decision', t.tab, 'recorded with the decision only');
        END IF;
        IF t.keys IS NOT NULL THEN
            EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE ON pseudolink.%I
                            FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row(%s)',
                           t.tab || '_audit', t.tab,
                           (SELECT string_agg(quote_literal(btrim(k)), ', ')
                            FROM unnest(string_to_array(t.keys, ',')) k));
            EXECUTE format('COMMENT ON TRIGGER %I ON pseudolink.%I IS %L',
                           t.tab || '_audit', t.tab, 'logs every change, by key');
        END IF;
    END LOOP;
END
$$;

-- The requests a caller may see: of the projects it works in, assigned to a
-- board it sits on, or (for a council) sent to its registry.
CREATE FUNCTION pseudolink.my_requests()
RETURNS bigint[]
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH boards AS (SELECT pseudolink.my_boards() AS b),
         projects AS (SELECT pseudolink.my_projects() AS p)
    SELECT COALESCE(pg_catalog.array_agg(r.request_id), '{}')
    FROM pseudolink.data_request r, boards, projects
    WHERE r.project_id OPERATOR(pg_catalog.=) ANY (projects.p)
       OR EXISTS (SELECT FROM pseudolink.review w
                  WHERE w.request_id OPERATOR(pg_catalog.=) r.request_id
                    AND w.board OPERATOR(pg_catalog.=) ANY (boards.b))
       OR EXISTS (SELECT FROM pseudolink.board c
                  WHERE c.registry OPERATOR(pg_catalog.=) r.registry
                    AND c.kind OPERATOR(pg_catalog.=) 'scientific_council'
                    AND c.board OPERATOR(pg_catalog.=) ANY (boards.b))
$$;

COMMENT ON FUNCTION pseudolink.my_requests() IS
    'the requests the calling role may see: of its active projects, assigned to its boards, or sent to the registry of its council';

-- The application API: one procedure per step ---------------------------------

CREATE FUNCTION pseudolink.submit_request(project_id bigint, registry text, title text, question text,
                                          protocol text, analyst_id bigint, legal_basis text,
                                          period_from date, period_to date, variables text[])
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
    ref text;
    e record;
    src record;
    c record;
BEGIN
    IF pseudolink.acting_researcher(submit_request.project_id) IS NULL THEN
        RAISE EXCEPTION 'permission denied to submit a data request for project %', submit_request.project_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only an active researcher of an active project, with a current agreement at an authorised institution, submits for it.';
    END IF;
    IF NOT EXISTS (SELECT FROM pseudolink.project_researcher pr
                   WHERE pr.project_id OPERATOR(pg_catalog.=) submit_request.project_id
                     AND pr.researcher_id OPERATOR(pg_catalog.=) submit_request.analyst_id
                     AND pr.active)
       OR NOT pseudolink.researcher_active(submit_request.analyst_id, pseudolink.today()) THEN
        RAISE EXCEPTION 'the analyst must be an active researcher of project %', submit_request.project_id
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('Researcher %s is not an active researcher of the project with a current agreement.',
                                             submit_request.analyst_id);
    END IF;
    IF COALESCE(pg_catalog.cardinality(submit_request.variables), 0) OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'a data request asks for at least one variable'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name catalogue variables as source.name, as listed in pseudolink.catalogue.';
    END IF;
    INSERT INTO pseudolink.data_request (project_id, registry, title, question, protocol, analyst_id,
                                         legal_basis, period_from, period_to, submitted_by)
    VALUES (submit_request.project_id, submit_request.registry, submit_request.title,
            submit_request.question, submit_request.protocol, submit_request.analyst_id,
            submit_request.legal_basis, submit_request.period_from, submit_request.period_to,
            pseudolink.calling_role())
    RETURNING request_id INTO id;
    FOREACH ref IN ARRAY submit_request.variables LOOP
        SELECT * INTO e FROM pseudolink.catalogue_entry(ref);
        SELECT s.* INTO src FROM pseudolink.catalogue_source s WHERE s.source OPERATOR(pg_catalog.=) e.source;
        IF src.registry IS NOT NULL AND src.registry OPERATOR(pg_catalog.<>) submit_request.registry THEN
            RAISE EXCEPTION 'variable % belongs to registry %, not to %', ref, src.registry, submit_request.registry
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A request to a registry asks for that registry''s sources and external datasets.';
        END IF;
        IF EXISTS (SELECT FROM pseudolink.request_variable v
                   WHERE v.request_id OPERATOR(pg_catalog.=) id AND v.source OPERATOR(pg_catalog.=) e.source
                     AND v.name OPERATOR(pg_catalog.=) e.name) THEN
            RAISE EXCEPTION 'variable %.% is asked for twice', e.source, e.name
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        INSERT INTO pseudolink.request_variable (request_id, source, name, version)
        VALUES (id, e.source, e.name, e.version);
    END LOOP;
    -- Data usually arrive a year or so after the period they describe.
    FOR c IN SELECT * FROM pseudolink.request_coverage(id) k WHERE NOT k.covered LOOP
        IF c.covered_to IS NULL THEN
            RAISE WARNING 'the coverage of %.% is not recorded yet', c.source, c.name
                USING DETAIL = pg_catalog.format('The request asks for %s to %s.', submit_request.period_from,
                                                 submit_request.period_to),
                      HINT = 'The steward records coverage with pseudolink.record_coverage() when data arrive.';
        ELSE
            RAISE WARNING '%.% does not cover the requested period yet', c.source, c.name
                USING DETAIL = pg_catalog.format('Its data cover %s to %s; the request asks for %s to %s.',
                                                 c.covered_from, c.covered_to, submit_request.period_from,
                                                 submit_request.period_to),
                      HINT = 'Data usually arrive about a year after the period they describe; a release holds what is there.';
        END IF;
    END LOOP;
    RETURN id;
END
$$;

COMMENT ON FUNCTION pseudolink.submit_request(bigint, text, text, text, text, bigint, text, date, date, text[]) IS
    'step 1, by an active researcher of the project: submits a data request to a registry for catalogue variables (source.name or source.name@version); warns when the requested period is not covered yet; returns the request number';

CREATE FUNCTION pseudolink.assign_request(request_id bigint, meeting_date date)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req record;
    council text;
    n integer;
BEGIN
    SELECT r.* INTO req FROM pseudolink.data_request r
    WHERE r.request_id OPERATOR(pg_catalog.=) assign_request.request_id FOR UPDATE;
    SELECT b.board INTO council FROM pseudolink.board b
    WHERE b.registry OPERATOR(pg_catalog.=) req.registry AND b.kind OPERATOR(pg_catalog.=) 'scientific_council';
    IF NOT FOUND OR council IS NULL
       OR NOT council OPERATOR(pg_catalog.=) ANY (pseudolink.my_boards()) THEN
        RAISE EXCEPTION 'permission denied to assign data request %', assign_request.request_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Members of the scientific council of the request''s registry assign it.';
    END IF;
    IF req.status OPERATOR(pg_catalog.<>) 'submitted' THEN
        RAISE EXCEPTION 'data request % is %, not submitted', assign_request.request_id, req.status
            USING ERRCODE = 'PL001',
                  DETAIL = 'A request is assigned for review once, after its submission.';
    END IF;
    IF NOT EXISTS (SELECT FROM pseudolink.council_meeting m
                   WHERE m.board OPERATOR(pg_catalog.=) council
                     AND m.meeting_date OPERATOR(pg_catalog.=) assign_request.meeting_date) THEN
        RAISE EXCEPTION 'scientific council % does not meet on %', council, assign_request.meeting_date
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The meeting dates are listed in pseudolink.council_meeting.';
    END IF;
    INSERT INTO pseudolink.review (request_id, board, meeting_date, assigned_by)
    SELECT assign_request.request_id, q.board,
           CASE WHEN q.kind OPERATOR(pg_catalog.=) 'scientific_council' THEN assign_request.meeting_date END,
           pseudolink.calling_role()
    FROM pseudolink.request_required_boards(assign_request.request_id) q
    ORDER BY q.board;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE pseudolink.data_request r SET status = 'in_review'
    WHERE r.request_id OPERATOR(pg_catalog.=) assign_request.request_id;
    RETURN n;
END
$$;

COMMENT ON FUNCTION pseudolink.assign_request(bigint, date) IS
    'step 2, by a member of the registry''s scientific council: schedules the request for a council meeting and assigns it to every board that must review it; returns the number of reviews';

CREATE FUNCTION pseudolink.review_request(request_id bigint, board text, approve boolean,
                                          remarks text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    IF NOT review_request.board OPERATOR(pg_catalog.=) ANY (pseudolink.my_boards()) THEN
        RAISE EXCEPTION 'permission denied to review for %', review_request.board
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only members of a board record its reviews.';
    END IF;
    IF review_request.approve IS NULL THEN
        RAISE EXCEPTION 'a review approves or rejects'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE pseudolink.review w
    SET outcome = CASE WHEN review_request.approve THEN 'approved' ELSE 'rejected' END,
        remarks = review_request.remarks,
        reviewed_at = pg_catalog.now(),
        reviewed_by = pseudolink.calling_role()
    WHERE w.request_id OPERATOR(pg_catalog.=) review_request.request_id
      AND w.board OPERATOR(pg_catalog.=) review_request.board
    RETURNING w.review_id INTO id;
    IF id IS NULL THEN
        RAISE EXCEPTION 'data request % is not assigned to %', review_request.request_id, review_request.board
            USING ERRCODE = 'PL003',
                  HINT = 'A request is reviewed after the council assigned it with pseudolink.assign_request().';
    END IF;
    RETURN id;
END
$$;

COMMENT ON FUNCTION pseudolink.review_request(bigint, text, boolean, text) IS
    'step 3, by a member of the board: records the board''s review (approve or reject, with remarks); a council on or after its meeting, the purpose check after the registry''s approvals; returns the review number';

CREATE FUNCTION pseudolink.decide_request(request_id bigint, approve boolean,
                                          conditions text[] DEFAULT '{}', costs jsonb DEFAULT '{}',
                                          excluded_variables text[] DEFAULT '{}',
                                          letter_reference text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req record;
    council text;
    party record;
    ref text;
    e record;
    new_status text;
BEGIN
    SELECT r.* INTO req FROM pseudolink.data_request r
    WHERE r.request_id OPERATOR(pg_catalog.=) decide_request.request_id FOR UPDATE;
    SELECT b.board INTO council FROM pseudolink.board b
    WHERE b.registry OPERATOR(pg_catalog.=) req.registry AND b.kind OPERATOR(pg_catalog.=) 'scientific_council';
    IF council IS NULL OR NOT council OPERATOR(pg_catalog.=) ANY (pseudolink.my_boards()) THEN
        RAISE EXCEPTION 'permission denied to decide on data request %', decide_request.request_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Members of the scientific council of the request''s registry record the decision.';
    END IF;
    IF decide_request.approve IS NULL THEN
        RAISE EXCEPTION 'a decision approves or rejects'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF decide_request.costs IS NULL OR pg_catalog.jsonb_typeof(decide_request.costs) OPERATOR(pg_catalog.<>) 'object'
       OR EXISTS (SELECT FROM pg_catalog.jsonb_each(decide_request.costs) j
                  WHERE pg_catalog.jsonb_typeof(j.value) OPERATOR(pg_catalog.<>) 'number'
                     OR (j.value OPERATOR(pg_catalog.#>>) '{}')::numeric OPERATOR(pg_catalog.<) 0) THEN
        RAISE EXCEPTION 'costs are a JSON object of non-negative amounts per party'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example {"NHR": 3000, "CBS": 8500}.';
    END IF;
    INSERT INTO pseudolink.decision (request_id, outcome, letter_reference, decided_by)
    VALUES (decide_request.request_id, CASE WHEN decide_request.approve THEN 'approved' ELSE 'rejected' END,
            decide_request.letter_reference, pseudolink.calling_role());
    INSERT INTO pseudolink.decision_condition (request_id, position, condition)
    SELECT decide_request.request_id, c.n, c.condition
    FROM pg_catalog.unnest(COALESCE(decide_request.conditions, '{}')) WITH ORDINALITY AS c(condition, n);
    FOR party IN SELECT j.key, (j.value OPERATOR(pg_catalog.#>>) '{}')::numeric AS amount
                 FROM pg_catalog.jsonb_each(decide_request.costs) j LOOP
        INSERT INTO pseudolink.request_cost (request_id, party, amount_eur)
        VALUES (decide_request.request_id, party.key, party.amount);
    END LOOP;
    FOREACH ref IN ARRAY COALESCE(decide_request.excluded_variables, '{}') LOOP
        SELECT * INTO e FROM pseudolink.catalogue_entry(ref);
        IF NOT EXISTS (SELECT FROM pseudolink.request_variable v
                       WHERE v.request_id OPERATOR(pg_catalog.=) decide_request.request_id
                         AND v.source OPERATOR(pg_catalog.=) e.source AND v.name OPERATOR(pg_catalog.=) e.name) THEN
            RAISE EXCEPTION 'variable % was not asked for', ref
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        INSERT INTO pseudolink.decision_excluded_variable (request_id, source, name)
        VALUES (decide_request.request_id, e.source, e.name);
    END LOOP;
    IF decide_request.approve AND NOT EXISTS (
           SELECT FROM pseudolink.request_variable v
           WHERE v.request_id OPERATOR(pg_catalog.=) decide_request.request_id
             AND NOT EXISTS (SELECT FROM pseudolink.decision_excluded_variable x
                             WHERE x.request_id OPERATOR(pg_catalog.=) v.request_id
                               AND x.source OPERATOR(pg_catalog.=) v.source
                               AND x.name OPERATOR(pg_catalog.=) v.name)) THEN
        RAISE EXCEPTION 'an approval leaves at least one variable in'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Reject the request instead.';
    END IF;
    new_status := CASE WHEN decide_request.approve THEN 'approved' ELSE 'rejected' END;
    UPDATE pseudolink.data_request r SET status = new_status
    WHERE r.request_id OPERATOR(pg_catalog.=) decide_request.request_id;
    RETURN new_status;
END
$$;

COMMENT ON FUNCTION pseudolink.decide_request(bigint, boolean, text[], jsonb, text[], text) IS
    'step 4, by a member of the registry''s scientific council, after every review: approves (only if every board approved) or rejects, with conditions, costs per party ({"NHR": 3000}) and requested variables left out; returns the new status';

CREATE FUNCTION pseudolink.withdraw_request(request_id bigint, reason text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req record;
BEGIN
    SELECT r.* INTO req FROM pseudolink.data_request r
    WHERE r.request_id OPERATOR(pg_catalog.=) withdraw_request.request_id FOR UPDATE;
    IF req.request_id IS NULL
       OR (pseudolink.acting_researcher(req.project_id) IS NULL AND NOT pseudolink.acts_as('pseudolink_admin')) THEN
        RAISE EXCEPTION 'permission denied to withdraw data request %', withdraw_request.request_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'An active researcher of the project, or the admin, withdraws a request.';
    END IF;
    IF withdraw_request.reason IS NULL OR pg_catalog.btrim(withdraw_request.reason) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'a withdrawal gives its reason'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE pseudolink.data_request r SET status = 'withdrawn', status_reason = withdraw_request.reason
    WHERE r.request_id OPERATOR(pg_catalog.=) withdraw_request.request_id;
END
$$;

COMMENT ON FUNCTION pseudolink.withdraw_request(bigint, text) IS
    'withdraws a request before its release, by an active researcher of the project or the admin, with the reason';
