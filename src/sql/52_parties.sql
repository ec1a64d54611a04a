-- The parties: institutions with their CBS authorisations, researchers with
-- their employment or secondment agreements, projects with their term and
-- retention, and who sits on which board or speaks for which registry.
--
-- A person or service acts through a database role.  A researcher row names
-- the role a researcher logs in as (or a NOLOGIN role of that person that
-- their login is a member of); board and registry memberships name roles
-- the same way.  Whether the caller is that researcher or member is
-- pg_has_role(calling_role(), role, 'MEMBER'): the project a user works in
-- follows from role membership and the rows below, never from a setting.
--
-- Dates are inclusive.  An institution's authorisation lasts at most three
-- years and is renewed by recording a new one.  A project keeps its data
-- for 5 years after its term ends, 10 for university research, plus every
-- extension recorded (with its reason).

CREATE TABLE pseudolink.institution (
    institution_id bigint      GENERATED ALWAYS AS IDENTITY,
    name           text        NOT NULL,
    registered_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by  name        NOT NULL DEFAULT session_user,
    CONSTRAINT institution_pkey PRIMARY KEY (institution_id),
    CONSTRAINT institution_name_key UNIQUE (name),
    CONSTRAINT institution_name_not_empty CHECK (btrim(name) <> '')
);

COMMENT ON TABLE pseudolink.institution IS 'institutions whose researchers may work with microdata when authorised';
COMMENT ON COLUMN pseudolink.institution.institution_id IS 'institution number';
COMMENT ON COLUMN pseudolink.institution.name IS 'name of the institution';
COMMENT ON COLUMN pseudolink.institution.registered_at IS 'when it was registered';
COMMENT ON COLUMN pseudolink.institution.registered_by IS 'session user that registered it';
COMMENT ON CONSTRAINT institution_pkey ON pseudolink.institution IS 'institution numbers are unique';
COMMENT ON CONSTRAINT institution_name_key ON pseudolink.institution IS 'an institution is registered once';
COMMENT ON CONSTRAINT institution_name_not_empty ON pseudolink.institution IS 'an institution has a name';

CREATE TABLE pseudolink.institution_authorisation (
    authorisation_id bigint      GENERATED ALWAYS AS IDENTITY,
    institution_id   bigint      NOT NULL,
    valid_from       date        NOT NULL,
    valid_until      date        NOT NULL,
    reference        text        NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by      name        NOT NULL DEFAULT session_user,
    CONSTRAINT institution_authorisation_pkey PRIMARY KEY (authorisation_id),
    CONSTRAINT institution_authorisation_institution_fkey FOREIGN KEY (institution_id)
        REFERENCES pseudolink.institution (institution_id),
    CONSTRAINT institution_authorisation_period_valid CHECK (valid_until >= valid_from),
    CONSTRAINT institution_authorisation_at_most_3_years
        CHECK (valid_until < (valid_from + interval '3 years')::date),
    CONSTRAINT institution_authorisation_reference_not_empty CHECK (btrim(reference) <> '')
);

COMMENT ON TABLE pseudolink.institution_authorisation IS
    'CBS authorisations of institutions for microdata work, each at most three years; a renewal is a new row';
COMMENT ON COLUMN pseudolink.institution_authorisation.authorisation_id IS 'authorisation number';
COMMENT ON COLUMN pseudolink.institution_authorisation.institution_id IS 'the authorised institution';
COMMENT ON COLUMN pseudolink.institution_authorisation.valid_from IS 'first day of the authorisation';
COMMENT ON COLUMN pseudolink.institution_authorisation.valid_until IS 'last day of the authorisation';
COMMENT ON COLUMN pseudolink.institution_authorisation.reference IS 'reference of the authorisation decision';
COMMENT ON COLUMN pseudolink.institution_authorisation.recorded_at IS 'when it was recorded';
COMMENT ON COLUMN pseudolink.institution_authorisation.recorded_by IS 'session user that recorded it';
COMMENT ON CONSTRAINT institution_authorisation_pkey ON pseudolink.institution_authorisation IS 'authorisation numbers are unique';
COMMENT ON CONSTRAINT institution_authorisation_institution_fkey ON pseudolink.institution_authorisation IS 'of a registered institution';
COMMENT ON CONSTRAINT institution_authorisation_period_valid ON pseudolink.institution_authorisation IS 'a period does not end before it starts';
COMMENT ON CONSTRAINT institution_authorisation_at_most_3_years ON pseudolink.institution_authorisation IS
    'an authorisation lasts at most three years (renewable by a new authorisation)';
COMMENT ON CONSTRAINT institution_authorisation_reference_not_empty ON pseudolink.institution_authorisation IS
    'the decision is referenced';

CREATE TABLE pseudolink.researcher (
    researcher_id       bigint      GENERATED ALWAYS AS IDENTITY,
    role_name           name        NOT NULL,
    full_name           text        NOT NULL,
    institution_id      bigint      NOT NULL,
    relation            text        NOT NULL,
    home_organisation   text,
    agreement_reference text        NOT NULL,
    agreement_from      date        NOT NULL,
    agreement_until     date,
    registered_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by       name        NOT NULL DEFAULT session_user,
    CONSTRAINT researcher_pkey PRIMARY KEY (researcher_id),
    CONSTRAINT researcher_role_name_key UNIQUE (role_name),
    CONSTRAINT researcher_institution_fkey FOREIGN KEY (institution_id)
        REFERENCES pseudolink.institution (institution_id),
    CONSTRAINT researcher_full_name_not_empty CHECK (btrim(full_name) <> ''),
    CONSTRAINT researcher_relation_valid CHECK (relation IN ('employed', 'seconded')),
    CONSTRAINT researcher_seconded_from CHECK ((relation = 'seconded') = (home_organisation IS NOT NULL)),
    CONSTRAINT researcher_agreement_reference_not_empty CHECK (btrim(agreement_reference) <> ''),
    CONSTRAINT researcher_agreement_period_valid CHECK (agreement_until IS NULL OR agreement_until >= agreement_from)
);

COMMENT ON TABLE pseudolink.researcher IS
    'researchers employed by or seconded to an institution, with the agreement that makes them so, and the database role they act as';
COMMENT ON COLUMN pseudolink.researcher.researcher_id IS 'researcher number';
COMMENT ON COLUMN pseudolink.researcher.role_name IS
    'database role of the researcher (a member of pseudolink_researcher); whoever is a member of it acts as this researcher';
COMMENT ON COLUMN pseudolink.researcher.full_name IS 'name of the researcher';
COMMENT ON COLUMN pseudolink.researcher.institution_id IS 'the institution the researcher works for';
COMMENT ON COLUMN pseudolink.researcher.relation IS 'employed by the institution, or seconded to it';
COMMENT ON COLUMN pseudolink.researcher.home_organisation IS 'for a secondment, the organisation the researcher is seconded from';
COMMENT ON COLUMN pseudolink.researcher.agreement_reference IS 'reference of the employment or secondment agreement';
COMMENT ON COLUMN pseudolink.researcher.agreement_from IS 'first day of the agreement';
COMMENT ON COLUMN pseudolink.researcher.agreement_until IS 'last day of the agreement; null while open-ended';
COMMENT ON COLUMN pseudolink.researcher.registered_at IS 'when the researcher was registered';
COMMENT ON COLUMN pseudolink.researcher.registered_by IS 'session user that registered the researcher';
COMMENT ON CONSTRAINT researcher_pkey ON pseudolink.researcher IS 'researcher numbers are unique';
COMMENT ON CONSTRAINT researcher_role_name_key ON pseudolink.researcher IS 'a role acts as one researcher';
COMMENT ON CONSTRAINT researcher_institution_fkey ON pseudolink.researcher IS 'of a registered institution';
COMMENT ON CONSTRAINT researcher_full_name_not_empty ON pseudolink.researcher IS 'a researcher has a name';
COMMENT ON CONSTRAINT researcher_relation_valid ON pseudolink.researcher IS 'employed or seconded';
COMMENT ON CONSTRAINT researcher_seconded_from ON pseudolink.researcher IS
    'a secondment names the organisation seconded from; employment names none';
COMMENT ON CONSTRAINT researcher_agreement_reference_not_empty ON pseudolink.researcher IS 'the agreement is referenced';
COMMENT ON CONSTRAINT researcher_agreement_period_valid ON pseudolink.researcher IS 'an agreement does not end before it starts';

CREATE TABLE pseudolink.project (
    project_id         bigint      GENERATED ALWAYS AS IDENTITY,
    cbs_project_number text        NOT NULL,
    title              text        NOT NULL,
    institution_id     bigint      NOT NULL,
    leader_id          bigint      NOT NULL,
    university         boolean     NOT NULL,
    starts_on          date        NOT NULL,
    ends_on            date        NOT NULL,
    retention_years    smallint    NOT NULL GENERATED ALWAYS AS (CASE WHEN university THEN 10 ELSE 5 END) STORED,
    key_domain         text        NOT NULL,
    registered_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by      name        NOT NULL DEFAULT session_user,
    CONSTRAINT project_pkey PRIMARY KEY (project_id),
    CONSTRAINT project_cbs_project_number_key UNIQUE (cbs_project_number),
    CONSTRAINT project_key_domain_key UNIQUE (key_domain),
    CONSTRAINT project_institution_fkey FOREIGN KEY (institution_id)
        REFERENCES pseudolink.institution (institution_id),
    CONSTRAINT project_leader_fkey FOREIGN KEY (leader_id) REFERENCES pseudolink.researcher (researcher_id),
    CONSTRAINT project_key_domain_fkey FOREIGN KEY (key_domain) REFERENCES pseudolink.key_domain (name),
    CONSTRAINT project_cbs_project_number_valid CHECK (cbs_project_number ~ '^[0-9A-Za-z][0-9A-Za-z-]{0,39}$'),
    CONSTRAINT project_title_not_empty CHECK (btrim(title) <> ''),
    CONSTRAINT project_term_valid CHECK (ends_on >= starts_on)
);

COMMENT ON TABLE pseudolink.project IS
    'CBS projects: number, leader, term and retention; each has a key domain of its own for its pseudonyms';
COMMENT ON COLUMN pseudolink.project.project_id IS 'project number in this database';
COMMENT ON COLUMN pseudolink.project.cbs_project_number IS 'the CBS project number';
COMMENT ON COLUMN pseudolink.project.title IS 'title of the project';
COMMENT ON COLUMN pseudolink.project.institution_id IS 'the institution that carries out the project';
COMMENT ON COLUMN pseudolink.project.leader_id IS 'the project leader';
COMMENT ON COLUMN pseudolink.project.university IS 'university research (10 years of retention instead of 5)';
COMMENT ON COLUMN pseudolink.project.starts_on IS 'first day of the term';
COMMENT ON COLUMN pseudolink.project.ends_on IS 'last day of the term (moved by pseudolink.extend_project)';
COMMENT ON COLUMN pseudolink.project.retention_years IS
    'years the data are kept after the term: 5, or 10 for university research; extensions come on top';
COMMENT ON COLUMN pseudolink.project.key_domain IS 'key domain of the project''s pseudonyms (cbs-<project number>)';
COMMENT ON COLUMN pseudolink.project.registered_at IS 'when the project was registered';
COMMENT ON COLUMN pseudolink.project.registered_by IS 'session user that registered it';
COMMENT ON CONSTRAINT project_pkey ON pseudolink.project IS 'project numbers are unique';
COMMENT ON CONSTRAINT project_cbs_project_number_key ON pseudolink.project IS 'a CBS project is registered once';
COMMENT ON CONSTRAINT project_key_domain_key ON pseudolink.project IS 'a key domain serves one project';
COMMENT ON CONSTRAINT project_institution_fkey ON pseudolink.project IS 'of a registered institution';
COMMENT ON CONSTRAINT project_leader_fkey ON pseudolink.project IS 'the leader is a registered researcher';
COMMENT ON CONSTRAINT project_key_domain_fkey ON pseudolink.project IS 'the key domain exists';
COMMENT ON CONSTRAINT project_cbs_project_number_valid ON pseudolink.project IS
    'CBS project numbers are letters, digits and hyphens (up to 40)';
COMMENT ON CONSTRAINT project_title_not_empty ON pseudolink.project IS 'a project has a title';
COMMENT ON CONSTRAINT project_term_valid ON pseudolink.project IS 'a term does not end before it starts';

CREATE UNIQUE INDEX project_cbs_project_number_lower ON pseudolink.project (lower(cbs_project_number));
COMMENT ON INDEX pseudolink.project_cbs_project_number_lower IS
    'project numbers differing only in case would share a key domain';

CREATE TABLE pseudolink.project_researcher (
    project_id    bigint      NOT NULL,
    researcher_id bigint      NOT NULL,
    active        boolean     NOT NULL DEFAULT true,
    added_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    added_by      name        NOT NULL DEFAULT session_user,
    CONSTRAINT project_researcher_pkey PRIMARY KEY (project_id, researcher_id),
    CONSTRAINT project_researcher_project_fkey FOREIGN KEY (project_id) REFERENCES pseudolink.project (project_id),
    CONSTRAINT project_researcher_researcher_fkey FOREIGN KEY (researcher_id)
        REFERENCES pseudolink.researcher (researcher_id)
);

COMMENT ON TABLE pseudolink.project_researcher IS
    'researchers of a project; only active ones may act in it and read its releases';
COMMENT ON COLUMN pseudolink.project_researcher.project_id IS 'the project';
COMMENT ON COLUMN pseudolink.project_researcher.researcher_id IS 'the researcher';
COMMENT ON COLUMN pseudolink.project_researcher.active IS 'whether the researcher still works in the project';
COMMENT ON COLUMN pseudolink.project_researcher.added_at IS 'when the researcher was added';
COMMENT ON COLUMN pseudolink.project_researcher.added_by IS 'session user that added the researcher';
COMMENT ON CONSTRAINT project_researcher_pkey ON pseudolink.project_researcher IS 'a researcher is in a project once';
COMMENT ON CONSTRAINT project_researcher_project_fkey ON pseudolink.project_researcher IS 'of a registered project';
COMMENT ON CONSTRAINT project_researcher_researcher_fkey ON pseudolink.project_researcher IS 'a registered researcher';

CREATE TABLE pseudolink.project_extension (
    extension_id  bigint      GENERATED ALWAYS AS IDENTITY,
    project_id    bigint      NOT NULL,
    kind          text        NOT NULL,
    previous_end  date,
    new_end       date,
    extra_years   smallint,
    reason        text        NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by   name        NOT NULL DEFAULT session_user,
    CONSTRAINT project_extension_pkey PRIMARY KEY (extension_id),
    CONSTRAINT project_extension_project_fkey FOREIGN KEY (project_id) REFERENCES pseudolink.project (project_id),
    CONSTRAINT project_extension_kind_valid CHECK (kind IN ('term', 'retention')),
    CONSTRAINT project_extension_term CHECK (kind <> 'term'
        OR (new_end IS NOT NULL AND previous_end IS NOT NULL AND new_end > previous_end AND extra_years IS NULL)),
    CONSTRAINT project_extension_retention CHECK (kind <> 'retention'
        OR (extra_years IS NOT NULL AND extra_years BETWEEN 1 AND 50 AND previous_end IS NULL AND new_end IS NULL)),
    CONSTRAINT project_extension_reason_not_empty CHECK (btrim(reason) <> '')
);

COMMENT ON TABLE pseudolink.project_extension IS
    'extensions of a project''s term or of its retention, each with its reason';
COMMENT ON COLUMN pseudolink.project_extension.extension_id IS 'extension number';
COMMENT ON COLUMN pseudolink.project_extension.project_id IS 'the project';
COMMENT ON COLUMN pseudolink.project_extension.kind IS 'term (a later end date) or retention (extra years)';
COMMENT ON COLUMN pseudolink.project_extension.previous_end IS 'for a term: the end date before';
COMMENT ON COLUMN pseudolink.project_extension.new_end IS 'for a term: the new end date';
COMMENT ON COLUMN pseudolink.project_extension.extra_years IS 'for retention: years added';
COMMENT ON COLUMN pseudolink.project_extension.reason IS 'why the extension was granted';
COMMENT ON COLUMN pseudolink.project_extension.recorded_at IS 'when it was recorded';
COMMENT ON COLUMN pseudolink.project_extension.recorded_by IS 'session user that recorded it';
COMMENT ON CONSTRAINT project_extension_pkey ON pseudolink.project_extension IS 'extension numbers are unique';
COMMENT ON CONSTRAINT project_extension_project_fkey ON pseudolink.project_extension IS 'of a registered project';
COMMENT ON CONSTRAINT project_extension_kind_valid ON pseudolink.project_extension IS 'term or retention';
COMMENT ON CONSTRAINT project_extension_term ON pseudolink.project_extension IS 'a term extension moves the end later';
COMMENT ON CONSTRAINT project_extension_retention ON pseudolink.project_extension IS
    'a retention extension adds 1 to 50 years';
COMMENT ON CONSTRAINT project_extension_reason_not_empty ON pseudolink.project_extension IS 'every extension has a reason';

CREATE TABLE pseudolink.registry_member (
    registry  text        NOT NULL,
    role_name name        NOT NULL,
    added_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    added_by  name        NOT NULL DEFAULT session_user,
    CONSTRAINT registry_member_pkey PRIMARY KEY (registry, role_name),
    CONSTRAINT registry_member_registry_fkey FOREIGN KEY (registry) REFERENCES pseudolink.registry (registry)
);

COMMENT ON TABLE pseudolink.registry_member IS
    'roles (members of pseudolink_registry) that speak for a registry: record its objections, read its receipts';
COMMENT ON COLUMN pseudolink.registry_member.registry IS 'the registry';
COMMENT ON COLUMN pseudolink.registry_member.role_name IS 'the role; its members act for the registry';
COMMENT ON COLUMN pseudolink.registry_member.added_at IS 'when the membership was recorded';
COMMENT ON COLUMN pseudolink.registry_member.added_by IS 'session user that recorded it';
COMMENT ON CONSTRAINT registry_member_pkey ON pseudolink.registry_member IS 'a role is a member once';
COMMENT ON CONSTRAINT registry_member_registry_fkey ON pseudolink.registry_member IS 'of a known registry';

CREATE TABLE pseudolink.board_member (
    board     text        NOT NULL,
    role_name name        NOT NULL,
    added_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    added_by  name        NOT NULL DEFAULT session_user,
    CONSTRAINT board_member_pkey PRIMARY KEY (board, role_name),
    CONSTRAINT board_member_board_fkey FOREIGN KEY (board) REFERENCES pseudolink.board (board)
);

COMMENT ON TABLE pseudolink.board_member IS
    'roles (members of pseudolink_reviewer) that review for a board';
COMMENT ON COLUMN pseudolink.board_member.board IS 'the board';
COMMENT ON COLUMN pseudolink.board_member.role_name IS 'the role; its members act for the board';
COMMENT ON COLUMN pseudolink.board_member.added_at IS 'when the membership was recorded';
COMMENT ON COLUMN pseudolink.board_member.added_by IS 'session user that recorded it';
COMMENT ON CONSTRAINT board_member_pkey ON pseudolink.board_member IS 'a role is a member once';
COMMENT ON CONSTRAINT board_member_board_fkey ON pseudolink.board_member IS 'of a known board';

CREATE TABLE pseudolink.council_meeting (
    board        text        NOT NULL,
    meeting_date date        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by  name        NOT NULL DEFAULT session_user,
    CONSTRAINT council_meeting_pkey PRIMARY KEY (board, meeting_date),
    CONSTRAINT council_meeting_board_fkey FOREIGN KEY (board) REFERENCES pseudolink.board (board)
);

COMMENT ON TABLE pseudolink.council_meeting IS
    'meeting dates of the scientific councils (about six a year): a council reviews a request at a meeting';
COMMENT ON COLUMN pseudolink.council_meeting.board IS 'the council';
COMMENT ON COLUMN pseudolink.council_meeting.meeting_date IS 'date of the meeting';
COMMENT ON COLUMN pseudolink.council_meeting.recorded_at IS 'when the date was recorded';
COMMENT ON COLUMN pseudolink.council_meeting.recorded_by IS 'session user that recorded it';
COMMENT ON CONSTRAINT council_meeting_pkey ON pseudolink.council_meeting IS 'a council meets once a day at most';
COMMENT ON CONSTRAINT council_meeting_board_fkey ON pseudolink.council_meeting IS 'of a known board';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.institution', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.institution_authorisation', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.researcher', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.project', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.project_researcher', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.project_extension', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.registry_member', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.board_member', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.council_meeting', '');
-- Identity sequences: a restored database continues the numbering.
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.institution', 'institution_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.institution_authorisation', 'authorisation_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.researcher', 'researcher_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.project', 'project_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('pseudolink.project_extension', 'extension_id'), '');

-- Record-keeping rules --------------------------------------------------------

-- A project's number, institution, kind and key domain are fixed; its term
-- only moves later, through extend_project (which records the reason).
CREATE FUNCTION pseudolink.project_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (NEW.project_id, NEW.cbs_project_number, NEW.institution_id, NEW.university, NEW.starts_on,
        NEW.key_domain, NEW.registered_at, NEW.registered_by)
       IS DISTINCT FROM
       (OLD.project_id, OLD.cbs_project_number, OLD.institution_id, OLD.university, OLD.starts_on,
        OLD.key_domain, OLD.registered_at, OLD.registered_by) THEN
        RAISE EXCEPTION 'only the title, leader and end of a project can change'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'The project number, institution, kind, start and key domain are fixed when the project is registered.';
    END IF;
    IF NEW.ends_on < OLD.ends_on THEN
        RAISE EXCEPTION 'the term of a project cannot be shortened'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Retention is counted from the end of the term; close the requests instead.';
    END IF;
    IF NEW.ends_on <> OLD.ends_on AND NOT EXISTS (
           SELECT FROM pseudolink.project_extension e
           WHERE e.project_id = NEW.project_id AND e.kind = 'term' AND e.new_end = NEW.ends_on) THEN
        RAISE EXCEPTION 'a term extension needs a recorded reason'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Use pseudolink.extend_project().';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.project_guard() IS
    'trigger: keeps a project''s fixed fields fixed and lets its term only grow through a recorded extension';

-- A project has at least one active researcher, checked at commit so that
-- a project and its researchers can be registered in one transaction.
CREATE FUNCTION pseudolink.project_has_researcher()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pseudolink.restoring(TG_RELID) THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT FROM pseudolink.project p WHERE p.project_id = NEW.project_id)
       AND NOT EXISTS (SELECT FROM pseudolink.project_researcher pr
                       WHERE pr.project_id = NEW.project_id AND pr.active) THEN
        RAISE EXCEPTION 'project % has no active researcher', NEW.project_id
            USING ERRCODE = 'integrity_constraint_violation',
                  DETAIL = 'A project needs a leader and at least one active researcher.',
                  HINT = 'Add a researcher before removing the last one.';
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION pseudolink.project_has_researcher() IS
    'constraint trigger: a project has at least one active researcher at commit';

CREATE FUNCTION pseudolink.project_researcher_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (NEW.project_id, NEW.researcher_id, NEW.added_at, NEW.added_by)
       IS DISTINCT FROM (OLD.project_id, OLD.researcher_id, OLD.added_at, OLD.added_by) THEN
        RAISE EXCEPTION 'only whether a project researcher is active can change'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.project_researcher_guard() IS
    'trigger: of a project researcher only the active flag changes';

CREATE FUNCTION pseudolink.researcher_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (NEW.researcher_id, NEW.role_name, NEW.registered_at, NEW.registered_by)
       IS DISTINCT FROM (OLD.researcher_id, OLD.role_name, OLD.registered_at, OLD.registered_by) THEN
        RAISE EXCEPTION 'the number and role of a researcher cannot change'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Register the new role as a researcher of its own.';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION pseudolink.researcher_guard() IS
    'trigger: a researcher''s number and role are fixed; the agreement and institution may be updated';

CREATE TRIGGER institution_append_only BEFORE UPDATE OR DELETE ON pseudolink.institution
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Institutions are records; authorisations are added with pseudolink.authorise_institution().');
CREATE TRIGGER institution_authorisation_append_only BEFORE UPDATE OR DELETE ON pseudolink.institution_authorisation
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Record a new authorisation instead.');
CREATE TRIGGER researcher_no_delete BEFORE DELETE ON pseudolink.researcher
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('End the agreement with pseudolink.end_researcher_agreement() instead.');
CREATE TRIGGER researcher_guard BEFORE UPDATE ON pseudolink.researcher
    FOR EACH ROW EXECUTE FUNCTION pseudolink.researcher_guard();
CREATE TRIGGER project_no_delete BEFORE DELETE ON pseudolink.project
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Projects are records; retention removes their data, not the project.');
CREATE TRIGGER project_guard BEFORE UPDATE ON pseudolink.project
    FOR EACH ROW EXECUTE FUNCTION pseudolink.project_guard();
CREATE CONSTRAINT TRIGGER project_has_researcher AFTER INSERT ON pseudolink.project
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pseudolink.project_has_researcher();
CREATE CONSTRAINT TRIGGER project_keeps_researcher AFTER UPDATE ON pseudolink.project_researcher
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pseudolink.project_has_researcher();
CREATE TRIGGER project_researcher_no_delete BEFORE DELETE ON pseudolink.project_researcher
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Set active to false with pseudolink.remove_project_researcher() instead.');
CREATE TRIGGER project_researcher_guard BEFORE UPDATE ON pseudolink.project_researcher
    FOR EACH ROW EXECUTE FUNCTION pseudolink.project_researcher_guard();
CREATE TRIGGER project_extension_append_only BEFORE UPDATE OR DELETE ON pseudolink.project_extension
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change();
CREATE TRIGGER council_meeting_append_only BEFORE UPDATE OR DELETE ON pseudolink.council_meeting
    FOR EACH ROW EXECUTE FUNCTION pseudolink.refuse_change('Meeting dates are records; add the new date.');

COMMENT ON TRIGGER institution_append_only ON pseudolink.institution IS 'institutions are never changed or removed';
COMMENT ON TRIGGER institution_authorisation_append_only ON pseudolink.institution_authorisation IS 'authorisations are never changed or removed';
COMMENT ON TRIGGER researcher_no_delete ON pseudolink.researcher IS 'researchers are never removed';
COMMENT ON TRIGGER researcher_guard ON pseudolink.researcher IS 'a researcher''s number and role are fixed';
COMMENT ON TRIGGER project_no_delete ON pseudolink.project IS 'projects are never removed';
COMMENT ON TRIGGER project_guard ON pseudolink.project IS 'fixed project fields stay fixed; the term only grows by a recorded extension';
COMMENT ON TRIGGER project_has_researcher ON pseudolink.project IS 'a new project has an active researcher at commit';
COMMENT ON TRIGGER project_keeps_researcher ON pseudolink.project_researcher IS 'a project keeps an active researcher at commit';
COMMENT ON TRIGGER project_researcher_no_delete ON pseudolink.project_researcher IS 'project researchers are deactivated, never removed';
COMMENT ON TRIGGER project_researcher_guard ON pseudolink.project_researcher IS 'only the active flag changes';
COMMENT ON TRIGGER project_extension_append_only ON pseudolink.project_extension IS 'extensions are never changed or removed';
COMMENT ON TRIGGER council_meeting_append_only ON pseudolink.council_meeting IS 'meeting dates are never changed or removed';

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('institution', 'institution_id'), ('institution_authorisation', 'authorisation_id'),
        ('researcher', 'researcher_id'), ('project', 'project_id'),
        ('project_researcher', 'project_id, researcher_id'), ('project_extension', 'extension_id'),
        ('registry_member', 'registry, role_name'), ('board_member', 'board, role_name'),
        ('council_meeting', 'board, meeting_date')) AS v(tab, keys)
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON pseudolink.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.refuse_change()',
                       t.tab || '_no_truncate', t.tab);
        EXECUTE format('COMMENT ON TRIGGER %I ON pseudolink.%I IS %L',
                       t.tab || '_no_truncate', t.tab, 'the records are never emptied');
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON pseudolink.%I
                        FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row(%s)',
                       t.tab || '_audit', t.tab,
                       (SELECT string_agg(quote_literal(btrim(k)), ', ') FROM unnest(string_to_array(t.keys, ',')) k));
        EXECUTE format('COMMENT ON TRIGGER %I ON pseudolink.%I IS %L',
                       t.tab || '_audit', t.tab, 'logs every change, by key');
    END LOOP;
END
$$;

-- Who the caller is -------------------------------------------------------

-- Whether the calling role is (a member of) the given role; false for a
-- role that no longer exists.
CREATE FUNCTION pseudolink.acts_as(role_name name)
RETURNS boolean
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    role_oid oid;
BEGIN
    SELECT r.oid INTO role_oid FROM pg_catalog.pg_roles r
    WHERE r.rolname OPERATOR(pg_catalog.=) acts_as.role_name;
    IF role_oid IS NULL THEN
        RETURN false;
    END IF;
    RETURN pg_catalog.pg_has_role(pseudolink.calling_role(), role_oid, 'MEMBER');
END
$$;

COMMENT ON FUNCTION pseudolink.acts_as(name) IS
    'whether the calling role is the given role or a member of it (false when it does not exist)';

CREATE FUNCTION pseudolink.institution_authorised(institution_id bigint, on_date date)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM pseudolink.institution_authorisation a
                   WHERE a.institution_id OPERATOR(pg_catalog.=) $1
                     AND a.valid_from OPERATOR(pg_catalog.<=) $2
                     AND a.valid_until OPERATOR(pg_catalog.>=) $2)
$$;

COMMENT ON FUNCTION pseudolink.institution_authorised(bigint, date) IS
    'whether an authorisation of the institution covers the date';

CREATE FUNCTION pseudolink.researcher_active(researcher_id bigint, on_date date)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM pseudolink.researcher r
                   WHERE r.researcher_id OPERATOR(pg_catalog.=) $1
                     AND r.agreement_from OPERATOR(pg_catalog.<=) $2
                     AND (r.agreement_until IS NULL OR r.agreement_until OPERATOR(pg_catalog.>=) $2)
                     AND pseudolink.institution_authorised(r.institution_id, $2))
$$;

COMMENT ON FUNCTION pseudolink.researcher_active(bigint, date) IS
    'whether the researcher''s agreement covers the date and their institution is authorised then';

CREATE FUNCTION pseudolink.project_active(project_id bigint, on_date date)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM pseudolink.project p
                   WHERE p.project_id OPERATOR(pg_catalog.=) $1
                     AND p.starts_on OPERATOR(pg_catalog.<=) $2
                     AND p.ends_on OPERATOR(pg_catalog.>=) $2
                     AND pseudolink.institution_authorised(p.institution_id, $2))
$$;

COMMENT ON FUNCTION pseudolink.project_active(bigint, date) IS
    'whether the date is in the project''s term and the project''s institution is authorised then';

-- The researcher the caller acts as in a project: active in it, with a
-- current agreement and an authorised institution, in an active project.
-- Null when there is none.
CREATE FUNCTION pseudolink.acting_researcher(project_id bigint)
RETURNS bigint
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.researcher_id
    FROM pseudolink.project_researcher pr
    JOIN pseudolink.researcher r ON r.researcher_id OPERATOR(pg_catalog.=) pr.researcher_id
    WHERE pr.project_id OPERATOR(pg_catalog.=) $1
      AND pr.active
      AND pseudolink.acts_as(r.role_name)
      AND pseudolink.researcher_active(r.researcher_id, pseudolink.today())
      AND pseudolink.project_active($1, pseudolink.today())
    ORDER BY r.researcher_id
    LIMIT 1
$$;

COMMENT ON FUNCTION pseudolink.acting_researcher(bigint) IS
    'the active researcher of an active project the calling role acts as, or null';

-- Projects the caller works in now: what researchers may see.
CREATE FUNCTION pseudolink.my_projects()
RETURNS bigint[]
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT pr.project_id), '{}')
    FROM pseudolink.project_researcher pr
    JOIN pseudolink.researcher r ON r.researcher_id OPERATOR(pg_catalog.=) pr.researcher_id
    WHERE pr.active
      AND pseudolink.acts_as(r.role_name)
      AND pseudolink.researcher_active(r.researcher_id, pseudolink.today())
      AND pseudolink.project_active(pr.project_id, pseudolink.today())
$$;

COMMENT ON FUNCTION pseudolink.my_projects() IS
    'the active projects in which the calling role acts as an active researcher (empty when its authorisation, agreement or project has expired)';

CREATE FUNCTION pseudolink.my_boards()
RETURNS text[]
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT m.board), '{}')
    FROM pseudolink.board_member m
    WHERE pseudolink.acts_as(m.role_name)
      AND pseudolink.acts_as('pseudolink_reviewer')
$$;

COMMENT ON FUNCTION pseudolink.my_boards() IS 'the boards the calling role reviews for';

CREATE FUNCTION pseudolink.my_registries()
RETURNS text[]
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT m.registry), '{}')
    FROM pseudolink.registry_member m
    WHERE pseudolink.acts_as(m.role_name)
      AND pseudolink.acts_as('pseudolink_registry')
$$;

COMMENT ON FUNCTION pseudolink.my_registries() IS 'the registries the calling role acts for';

CREATE FUNCTION pseudolink.project_retention_until(project_id bigint)
RETURNS date
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (p.ends_on OPERATOR(pg_catalog.+) pg_catalog.make_interval(years =>
               p.retention_years OPERATOR(pg_catalog.+)
               COALESCE((SELECT pg_catalog.sum(e.extra_years)::integer FROM pseudolink.project_extension e
                         WHERE e.project_id OPERATOR(pg_catalog.=) p.project_id
                           AND e.kind OPERATOR(pg_catalog.=) 'retention'), 0)))::date
    FROM pseudolink.project p
    WHERE p.project_id OPERATOR(pg_catalog.=) $1
$$;

COMMENT ON FUNCTION pseudolink.project_retention_until(bigint) IS
    'last day a project''s data are kept: end of term plus 5 (university: 10) years plus every retention extension';

CREATE VIEW pseudolink.project_status WITH (security_invoker = true) AS
SELECT p.project_id,
       p.cbs_project_number,
       p.title,
       p.starts_on,
       p.ends_on,
       (p.starts_on <= pseudolink.today() AND p.ends_on >= pseudolink.today()
        AND EXISTS (SELECT FROM pseudolink.institution_authorisation a
                    WHERE a.institution_id = p.institution_id
                      AND a.valid_from <= pseudolink.today() AND a.valid_until >= pseudolink.today())) AS active,
       (p.ends_on + make_interval(years => p.retention_years
            + COALESCE((SELECT sum(e.extra_years)::integer FROM pseudolink.project_extension e
                        WHERE e.project_id = p.project_id AND e.kind = 'retention'), 0)))::date AS retention_until,
       p.key_domain
FROM pseudolink.project p;

COMMENT ON VIEW pseudolink.project_status IS
    'each project the reader may see with whether it is active today and the last day its data are kept';

-- Administration (pseudolink_admin) ----------------------------------------

-- Refuses unless the caller is a member of the given pseudolink role; the
-- EXECUTE grants already say so, this keeps a later grant from widening it.
CREATE FUNCTION pseudolink.require_role(role_name name, step text)
RETURNS void
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pseudolink.acts_as(require_role.role_name) THEN
        RAISE EXCEPTION 'permission denied to %', step
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('Only members of %s may do this.', require_role.role_name);
    END IF;
END
$$;

COMMENT ON FUNCTION pseudolink.require_role(name, text) IS
    'raises insufficient_privilege unless the calling role is a member of the role';

-- Raises unless a role exists and is a member of the given group role.
CREATE FUNCTION pseudolink.require_member_role(role_name name, group_role name)
RETURNS void
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r
                   WHERE r.rolname OPERATOR(pg_catalog.=) require_member_role.role_name) THEN
        RAISE EXCEPTION 'role "%" does not exist', require_member_role.role_name
            USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT pg_catalog.pg_has_role(require_member_role.role_name, require_member_role.group_role, 'MEMBER') THEN
        RAISE EXCEPTION 'role "%" is not a member of %', require_member_role.role_name,
                        require_member_role.group_role
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('GRANT %s TO %I first.', require_member_role.group_role,
                                           require_member_role.role_name);
    END IF;
END
$$;

COMMENT ON FUNCTION pseudolink.require_member_role(name, name) IS
    'raises unless the role exists and is a member of the group role';

CREATE FUNCTION pseudolink.add_institution(name text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'register institutions');
    INSERT INTO pseudolink.institution (name) VALUES (add_institution.name)
    RETURNING institution_id INTO id;
    RETURN id;
END
$$;

COMMENT ON FUNCTION pseudolink.add_institution(text) IS 'registers an institution; returns its number';

CREATE FUNCTION pseudolink.authorise_institution(institution_id bigint, valid_from date, valid_until date,
                                                 reference text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'record authorisations');
    INSERT INTO pseudolink.institution_authorisation (institution_id, valid_from, valid_until, reference)
    VALUES (authorise_institution.institution_id, authorise_institution.valid_from,
            authorise_institution.valid_until, authorise_institution.reference)
    RETURNING authorisation_id INTO id;
    RETURN id;
END
$$;

COMMENT ON FUNCTION pseudolink.authorise_institution(bigint, date, date, text) IS
    'records a CBS authorisation of an institution (at most three years; renew by recording another); returns its number';

CREATE FUNCTION pseudolink.add_researcher(role_name name, full_name text, institution_id bigint,
                                          relation text, agreement_reference text, agreement_from date,
                                          agreement_until date DEFAULT NULL,
                                          home_organisation text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'register researchers');
    PERFORM pseudolink.require_member_role(add_researcher.role_name, 'pseudolink_researcher');
    INSERT INTO pseudolink.researcher (role_name, full_name, institution_id, relation, home_organisation,
                                       agreement_reference, agreement_from, agreement_until)
    VALUES (add_researcher.role_name, add_researcher.full_name, add_researcher.institution_id,
            add_researcher.relation, add_researcher.home_organisation,
            add_researcher.agreement_reference, add_researcher.agreement_from,
            add_researcher.agreement_until)
    RETURNING researcher_id INTO id;
    RETURN id;
END
$$;

COMMENT ON FUNCTION pseudolink.add_researcher(name, text, bigint, text, text, date, date, text) IS
    'registers a researcher: the role they act as (a member of pseudolink_researcher), their institution, employed or seconded (then from where), and the agreement; returns the researcher number';

CREATE FUNCTION pseudolink.end_researcher_agreement(researcher_id bigint, last_day date)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'end agreements');
    UPDATE pseudolink.researcher r SET agreement_until = end_researcher_agreement.last_day
    WHERE r.researcher_id OPERATOR(pg_catalog.=) end_researcher_agreement.researcher_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'researcher % does not exist', end_researcher_agreement.researcher_id
            USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

COMMENT ON FUNCTION pseudolink.end_researcher_agreement(bigint, date) IS
    'records the last day of a researcher''s agreement; from the day after, the researcher reads nothing';

CREATE FUNCTION pseudolink.register_project(cbs_project_number text, title text, institution_id bigint,
                                            leader_id bigint, university boolean, starts_on date,
                                            ends_on date, researchers bigint[])
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
    domain_name text;
    r bigint;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'register projects');
    IF COALESCE(pg_catalog.cardinality(register_project.researchers), 0) OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'a project needs at least one active researcher'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF register_project.cbs_project_number IS NULL
       OR register_project.cbs_project_number OPERATOR(pg_catalog.!~) '^[0-9A-Za-z][0-9A-Za-z-]{0,39}$' THEN
        RAISE EXCEPTION 'invalid CBS project number'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A CBS project number has 1 to 40 letters, digits and hyphens, starting with a letter or digit.';
    END IF;
    domain_name := 'cbs-' OPERATOR(pg_catalog.||) pg_catalog.lower(register_project.cbs_project_number);
    PERFORM pseudolink.create_domain(domain_name, 'pseudonyms of CBS project '
                                     OPERATOR(pg_catalog.||) register_project.cbs_project_number);
    INSERT INTO pseudolink.project (cbs_project_number, title, institution_id, leader_id, university,
                                    starts_on, ends_on, key_domain)
    VALUES (register_project.cbs_project_number, register_project.title, register_project.institution_id,
            register_project.leader_id, register_project.university, register_project.starts_on,
            register_project.ends_on, domain_name)
    RETURNING project_id INTO id;
    FOREACH r IN ARRAY register_project.researchers LOOP
        PERFORM pseudolink.add_project_researcher(id, r);
    END LOOP;
    RETURN id;
END
$$;

COMMENT ON FUNCTION pseudolink.register_project(text, text, bigint, bigint, boolean, date, date, bigint[]) IS
    'registers a CBS project with its leader, term, kind (university or not) and researchers, and creates its key domain cbs-<number>; returns the project number';

CREATE FUNCTION pseudolink.add_project_researcher(project_id bigint, researcher_id bigint)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'add project researchers');
    IF NOT pseudolink.researcher_active(add_project_researcher.researcher_id, pseudolink.today()) THEN
        RAISE EXCEPTION 'researcher % may not work with microdata today', add_project_researcher.researcher_id
            USING ERRCODE = 'PL004',
                  DETAIL = 'The researcher''s agreement does not cover today, or their institution holds no authorisation covering today.',
                  HINT = 'Record the agreement or the institution''s authorisation first.';
    END IF;
    INSERT INTO pseudolink.project_researcher (project_id, researcher_id)
    VALUES (add_project_researcher.project_id, add_project_researcher.researcher_id)
    ON CONFLICT ON CONSTRAINT project_researcher_pkey DO UPDATE SET active = true
    WHERE NOT pseudolink.project_researcher.active;
END
$$;

COMMENT ON FUNCTION pseudolink.add_project_researcher(bigint, bigint) IS
    'adds a researcher (with a current agreement at an authorised institution) to a project, or makes them active again';

CREATE FUNCTION pseudolink.remove_project_researcher(project_id bigint, researcher_id bigint)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'remove project researchers');
    UPDATE pseudolink.project_researcher pr SET active = false
    WHERE pr.project_id OPERATOR(pg_catalog.=) remove_project_researcher.project_id
      AND pr.researcher_id OPERATOR(pg_catalog.=) remove_project_researcher.researcher_id
      AND pr.active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'researcher % is not an active researcher of project %',
                        remove_project_researcher.researcher_id, remove_project_researcher.project_id
            USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

COMMENT ON FUNCTION pseudolink.remove_project_researcher(bigint, bigint) IS
    'makes a project researcher inactive (the last active one cannot go)';

CREATE FUNCTION pseudolink.add_registry_member(registry text, role_name name)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'manage registry members');
    PERFORM pseudolink.require_member_role(add_registry_member.role_name, 'pseudolink_registry');
    INSERT INTO pseudolink.registry_member (registry, role_name)
    VALUES (add_registry_member.registry, add_registry_member.role_name);
END
$$;

COMMENT ON FUNCTION pseudolink.add_registry_member(text, name) IS
    'lets a role (a member of pseudolink_registry) act for a registry';

CREATE FUNCTION pseudolink.remove_registry_member(registry text, role_name name)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'manage registry members');
    DELETE FROM pseudolink.registry_member m
    WHERE m.registry OPERATOR(pg_catalog.=) remove_registry_member.registry
      AND m.role_name OPERATOR(pg_catalog.=) remove_registry_member.role_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" is not a member of registry "%"', remove_registry_member.role_name,
                        remove_registry_member.registry
            USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

COMMENT ON FUNCTION pseudolink.remove_registry_member(text, name) IS 'ends a role''s membership of a registry';

CREATE FUNCTION pseudolink.add_board_member(board text, role_name name)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'manage board members');
    PERFORM pseudolink.require_member_role(add_board_member.role_name, 'pseudolink_reviewer');
    INSERT INTO pseudolink.board_member (board, role_name)
    VALUES (add_board_member.board, add_board_member.role_name);
END
$$;

COMMENT ON FUNCTION pseudolink.add_board_member(text, name) IS
    'lets a role (a member of pseudolink_reviewer) review for a board';

CREATE FUNCTION pseudolink.remove_board_member(board text, role_name name)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'manage board members');
    DELETE FROM pseudolink.board_member m
    WHERE m.board OPERATOR(pg_catalog.=) remove_board_member.board
      AND m.role_name OPERATOR(pg_catalog.=) remove_board_member.role_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" is not a member of board "%"', remove_board_member.role_name,
                        remove_board_member.board
            USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

COMMENT ON FUNCTION pseudolink.remove_board_member(text, name) IS 'ends a role''s membership of a board';

CREATE FUNCTION pseudolink.add_council_meeting(board text, meeting_date date)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'schedule council meetings');
    IF NOT EXISTS (SELECT FROM pseudolink.board b
                   WHERE b.board OPERATOR(pg_catalog.=) add_council_meeting.board
                     AND b.kind OPERATOR(pg_catalog.=) 'scientific_council') THEN
        RAISE EXCEPTION 'board "%" is not a scientific council', add_council_meeting.board
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Only scientific councils review at meetings.';
    END IF;
    INSERT INTO pseudolink.council_meeting (board, meeting_date)
    VALUES (add_council_meeting.board, add_council_meeting.meeting_date);
END
$$;

COMMENT ON FUNCTION pseudolink.add_council_meeting(text, date) IS 'records a meeting date of a scientific council';

CREATE FUNCTION pseudolink.extend_project(project_id bigint, new_end date, reason text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    old_end date;
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'extend projects');
    SELECT p.ends_on INTO old_end FROM pseudolink.project p
    WHERE p.project_id OPERATOR(pg_catalog.=) extend_project.project_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'project % does not exist', extend_project.project_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF extend_project.new_end IS NULL OR extend_project.new_end OPERATOR(pg_catalog.<=) old_end THEN
        RAISE EXCEPTION 'an extension must move the end of the term later'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('The term now ends on %s.', old_end);
    END IF;
    INSERT INTO pseudolink.project_extension (project_id, kind, previous_end, new_end, reason)
    VALUES (extend_project.project_id, 'term', old_end, extend_project.new_end, extend_project.reason);
    UPDATE pseudolink.project p SET ends_on = extend_project.new_end
    WHERE p.project_id OPERATOR(pg_catalog.=) extend_project.project_id;
END
$$;

COMMENT ON FUNCTION pseudolink.extend_project(bigint, date, text) IS
    'extends the term of a project to a later end date, recording the reason (retention then counts from the new end)';

CREATE FUNCTION pseudolink.extend_retention(project_id bigint, extra_years integer, reason text)
RETURNS date
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'extend retention');
    PERFORM FROM pseudolink.project p
    WHERE p.project_id OPERATOR(pg_catalog.=) extend_retention.project_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'project % does not exist', extend_retention.project_id
            USING ERRCODE = 'undefined_object';
    END IF;
    INSERT INTO pseudolink.project_extension (project_id, kind, extra_years, reason)
    VALUES (extend_retention.project_id, 'retention', extend_retention.extra_years, extend_retention.reason);
    RETURN pseudolink.project_retention_until(extend_retention.project_id);
END
$$;

COMMENT ON FUNCTION pseudolink.extend_retention(bigint, integer, text) IS
    'extends how long a project''s data are kept by whole years, recording the reason; returns the new last day';
