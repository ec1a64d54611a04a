-- Who may read what, and call what, in the governance tables: row-level
-- security (ENABLE and FORCE on every table) and the grants, per role.
--
-- Nobody writes these tables directly except the steward, who INSERTs (or
-- COPYs) source rows into open loads; every other change goes through the
-- procedures, which check who the caller acts as.  What a role reads:
--
--   admin       the governance records (parties, requests, reviews, releases,
--               retention, objection receipts); no source data or releases
--   steward     the governance records, the source-data store, objections
--   registry    its own registry's memberships and objection receipts
--   reviewer    requests assigned to its boards (and, for a council, sent to
--               its registry), with their projects, teams and reviews
--   researcher  its active projects, their teams and requests, and the
--               release tables of their live releases (pseudolink.release_*)
--
-- Policies call SECURITY DEFINER helpers (my_projects(), my_requests(), ...)
-- in a scalar subquery, so they are evaluated once per query, from the
-- calling role's memberships: the project a user works in comes from the
-- roles it is a member of, and a custom setting cannot change it.

CREATE FUNCTION pseudolink.visible_projects()
RETURNS bigint[]
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT p), '{}') FROM (
        SELECT pg_catalog.unnest(pseudolink.my_projects()) AS p
        UNION ALL
        SELECT r.project_id FROM pseudolink.data_request r
        WHERE r.request_id OPERATOR(pg_catalog.=) ANY (pseudolink.my_requests())) v
$$;

COMMENT ON FUNCTION pseudolink.visible_projects() IS
    'the projects the calling role may see: its active projects and the projects of the requests it may see';

CREATE FUNCTION pseudolink.visible_researchers()
RETURNS bigint[]
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT r), '{}') FROM (
        SELECT pr.researcher_id AS r FROM pseudolink.project_researcher pr
        WHERE pr.project_id OPERATOR(pg_catalog.=) ANY (pseudolink.visible_projects())
        UNION ALL
        SELECT x.researcher_id FROM pseudolink.researcher x WHERE pseudolink.acts_as(x.role_name)) v
$$;

COMMENT ON FUNCTION pseudolink.visible_researchers() IS
    'the researchers the calling role may see: itself and the teams of the projects it may see';

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['institution', 'institution_authorisation', 'researcher', 'project',
                             'project_researcher', 'project_extension', 'registry_member', 'board_member',
                             'council_meeting', 'data_request', 'request_variable', 'review', 'decision',
                             'decision_condition', 'decision_excluded_variable', 'request_cost',
                             'request_transition', 'source_load', 'source_row', 'release', 'release_table',
                             'objection', 'identifier_retention', 'retention_log', 'output_control'] LOOP
        EXECUTE format('ALTER TABLE pseudolink.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE pseudolink.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('REVOKE ALL ON TABLE pseudolink.%I FROM PUBLIC', t);
    END LOOP;
END
$$;

-- A policy per table and audience: (tables, policy suffix, roles, condition, comment).
DO $$
DECLARE
    p record;
    t text;
BEGIN
    FOR p IN SELECT * FROM (VALUES
        (ARRAY['institution', 'institution_authorisation', 'researcher', 'project', 'project_researcher',
               'project_extension', 'registry_member', 'board_member', 'council_meeting', 'data_request',
               'request_variable', 'review', 'decision', 'decision_condition', 'decision_excluded_variable',
               'request_cost', 'request_transition', 'source_load', 'release', 'release_table',
               'objection', 'identifier_retention', 'retention_log'],
         'read_all', 'pseudolink_admin, pseudolink_steward', 'true',
         'the admin and the steward read every row'),
        (ARRAY['institution', 'institution_authorisation', 'council_meeting'],
         'read', 'pseudolink_reviewer, pseudolink_researcher', 'true',
         'reviewers and researchers read every row'),
        (ARRAY['researcher'],
         'read_visible', 'pseudolink_reviewer, pseudolink_researcher',
         'researcher_id = ANY ((SELECT pseudolink.visible_researchers())::bigint[])',
         'reviewers and researchers read themselves and the teams of the projects they may see'),
        (ARRAY['project', 'project_researcher', 'project_extension'],
         'read_visible', 'pseudolink_reviewer, pseudolink_researcher',
         'project_id = ANY ((SELECT pseudolink.visible_projects())::bigint[])',
         'reviewers and researchers read the projects they may see: their active projects, and those of the requests assigned to their boards'),
        (ARRAY['data_request', 'request_variable', 'review', 'decision', 'decision_condition',
               'decision_excluded_variable', 'request_cost', 'request_transition'],
         'read_visible', 'pseudolink_reviewer, pseudolink_researcher',
         'request_id = ANY ((SELECT pseudolink.my_requests())::bigint[])',
         'reviewers and researchers read the requests they may see: of their active projects, or assigned to their boards'),
        (ARRAY['release'],
         'read_own', 'pseudolink_researcher', 'project_id = ANY ((SELECT pseudolink.my_projects())::bigint[])',
         'researchers read the releases of their active projects'),
        (ARRAY['release_table'],
         'read_own', 'pseudolink_researcher', 'release_id IN (SELECT x.release_id FROM pseudolink.release x)',
         'researchers read the tables of the releases they may read'),
        (ARRAY['registry_member', 'objection'],
         'read_own', 'pseudolink_registry', 'registry = ANY ((SELECT pseudolink.my_registries())::text[])',
         'a registry''s roles read their registry''s rows'),
        (ARRAY['board_member'],
         'read_own', 'pseudolink_reviewer', 'board = ANY ((SELECT pseudolink.my_boards())::text[])',
         'reviewers read the memberships of their boards'),
        (ARRAY['output_control'],
         'read', 'pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher',
         'true', 'every pseudolink role reads the minimum cell count'),
        (ARRAY['source_row'],
         'read', 'pseudolink_steward', 'true', 'the steward reads the store')
        ) AS v(tabs, suffix, roles, cond, note)
    LOOP
        FOREACH t IN ARRAY p.tabs LOOP
            EXECUTE format('CREATE POLICY %I ON pseudolink.%I FOR SELECT TO %s USING (%s)',
                           t || '_' || p.suffix, t, p.roles, p.cond);
            EXECUTE format('COMMENT ON POLICY %I ON pseudolink.%I IS %L', t || '_' || p.suffix, t, p.note);
        END LOOP;
    END LOOP;
END
$$;

CREATE POLICY source_row_load ON pseudolink.source_row FOR INSERT TO pseudolink_steward WITH CHECK (true);
COMMENT ON POLICY source_row_load ON pseudolink.source_row IS
    'the steward loads rows (the trigger source_row_check decides which)';

-- Table privileges -----------------------------------------------------------

GRANT SELECT ON TABLE pseudolink.institution, pseudolink.institution_authorisation, pseudolink.researcher,
    pseudolink.project, pseudolink.project_researcher, pseudolink.project_extension, pseudolink.council_meeting,
    pseudolink.data_request, pseudolink.request_variable, pseudolink.review, pseudolink.decision,
    pseudolink.decision_condition, pseudolink.decision_excluded_variable, pseudolink.request_cost,
    pseudolink.request_transition, pseudolink.project_status
TO pseudolink_admin, pseudolink_steward, pseudolink_reviewer, pseudolink_researcher;
GRANT SELECT ON TABLE pseudolink.registry_member TO pseudolink_admin, pseudolink_steward, pseudolink_registry;
GRANT SELECT ON TABLE pseudolink.board_member TO pseudolink_admin, pseudolink_steward, pseudolink_reviewer;
GRANT SELECT ON TABLE pseudolink.source_load, pseudolink.identifier_retention, pseudolink.retention_log
TO pseudolink_admin, pseudolink_steward;
GRANT SELECT, INSERT ON TABLE pseudolink.source_row TO pseudolink_steward;
GRANT SELECT ON TABLE pseudolink.release, pseudolink.release_table
TO pseudolink_admin, pseudolink_steward, pseudolink_researcher;
GRANT SELECT ON TABLE pseudolink.objection TO pseudolink_steward;
GRANT SELECT (objection_id, registry, recorded_at, recorded_by, resolved_at, removed_source_rows,
              removed_release_rows, releases_affected)
ON TABLE pseudolink.objection TO pseudolink_admin, pseudolink_registry;
GRANT SELECT ON TABLE pseudolink.output_control
TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher;
REVOKE ALL ON TABLE pseudolink.project_status FROM PUBLIC;

-- Function privileges ----------------------------------------------------------

REVOKE ALL ON FUNCTION
    pseudolink.project_guard(), pseudolink.project_has_researcher(), pseudolink.project_researcher_guard(),
    pseudolink.researcher_guard(), pseudolink.acts_as(name), pseudolink.institution_authorised(bigint, date),
    pseudolink.researcher_active(bigint, date), pseudolink.project_active(bigint, date),
    pseudolink.acting_researcher(bigint), pseudolink.my_projects(), pseudolink.my_boards(),
    pseudolink.my_registries(), pseudolink.project_retention_until(bigint), pseudolink.require_role(name, text),
    pseudolink.require_member_role(name, name), pseudolink.add_institution(text),
    pseudolink.authorise_institution(bigint, date, date, text),
    pseudolink.add_researcher(name, text, bigint, text, text, date, date, text),
    pseudolink.end_researcher_agreement(bigint, date),
    pseudolink.register_project(text, text, bigint, bigint, boolean, date, date, bigint[]),
    pseudolink.add_project_researcher(bigint, bigint), pseudolink.remove_project_researcher(bigint, bigint),
    pseudolink.add_registry_member(text, name), pseudolink.remove_registry_member(text, name),
    pseudolink.add_board_member(text, name), pseudolink.remove_board_member(text, name),
    pseudolink.add_council_meeting(text, date), pseudolink.extend_project(bigint, date, text),
    pseudolink.extend_retention(bigint, integer, text),
    pseudolink.required_reviews(bigint), pseudolink.request_required_boards(bigint), pseudolink.request_coverage(bigint),
    pseudolink.request_status_rank(text), pseudolink.request_transition_allowed(text, text),
    pseudolink.request_state_guard(), pseudolink.request_state_log(), pseudolink.request_variable_guard(),
    pseudolink.review_guard(), pseudolink.decision_guard(), pseudolink.decision_part_guard(),
    pseudolink.my_requests(),
    pseudolink.submit_request(bigint, text, text, text, text, bigint, text, date, date, text[]),
    pseudolink.assign_request(bigint, date), pseudolink.review_request(bigint, text, boolean, text),
    pseudolink.decide_request(bigint, boolean, text[], jsonb, text[], text),
    pseudolink.withdraw_request(bigint, text),
    pseudolink.source_row_check(), pseudolink.source_load_guard(), pseudolink.open_source_load(text, bigint, text),
    pseudolink.close_source_load(bigint), pseudolink.discard_source_load(bigint),
    pseudolink.release_guard(), pseudolink.release_table_guard(), pseudolink.release_readable(bigint),
    pseudolink.release_request(bigint), pseudolink.close_request(bigint, text), pseudolink.my_releases(),
    pseudolink.objection_guard(), pseudolink.objected_persons(text), pseudolink.apply_objection(bigint),
    pseudolink.record_objection(text, date, text, text),
    pseudolink.register_identifier_table(regclass, name, name[], interval, boolean),
    pseudolink.retention_due(date),
    pseudolink.identifier_due_condition(text, name, regtype, name[], interval, date),
    pseudolink.enforce_retention(boolean),
    pseudolink.min_cell_count(), pseudolink.set_min_cell_count(integer), pseudolink.suppress(bigint, integer),
    pseudolink.safe_count_final(bigint), pseudolink.safe_count("any"), pseudolink.safe_count(),
    pseudolink.visible_projects(), pseudolink.visible_researchers()
FROM PUBLIC;

-- The helpers the policies and views call run as the reader.
GRANT EXECUTE ON FUNCTION
    pseudolink.my_projects(), pseudolink.my_boards(), pseudolink.my_registries(), pseudolink.my_requests(),
    pseudolink.visible_projects(), pseudolink.visible_researchers(), pseudolink.release_readable(bigint),
    pseudolink.request_status_rank(text), pseudolink.request_transition_allowed(text, text),
    pseudolink.min_cell_count(), pseudolink.suppress(bigint, integer), pseudolink.safe_count_final(bigint),
    pseudolink.safe_count("any"), pseudolink.safe_count()
TO pseudolink_admin, pseudolink_steward, pseudolink_registry, pseudolink_reviewer, pseudolink_researcher;
GRANT EXECUTE ON FUNCTION pseudolink.required_reviews(bigint), pseudolink.request_coverage(bigint)
TO pseudolink_admin, pseudolink_steward, pseudolink_reviewer, pseudolink_researcher;
GRANT EXECUTE ON FUNCTION pseudolink.institution_authorised(bigint, date), pseudolink.researcher_active(bigint, date),
    pseudolink.project_active(bigint, date), pseudolink.project_retention_until(bigint)
TO pseudolink_admin, pseudolink_steward;

-- Administration.
GRANT EXECUTE ON FUNCTION
    pseudolink.add_institution(text), pseudolink.authorise_institution(bigint, date, date, text),
    pseudolink.add_researcher(name, text, bigint, text, text, date, date, text),
    pseudolink.end_researcher_agreement(bigint, date),
    pseudolink.register_project(text, text, bigint, bigint, boolean, date, date, bigint[]),
    pseudolink.add_project_researcher(bigint, bigint), pseudolink.remove_project_researcher(bigint, bigint),
    pseudolink.add_registry_member(text, name), pseudolink.remove_registry_member(text, name),
    pseudolink.add_board_member(text, name), pseudolink.remove_board_member(text, name),
    pseudolink.add_council_meeting(text, date), pseudolink.extend_project(bigint, date, text),
    pseudolink.extend_retention(bigint, integer, text), pseudolink.set_min_cell_count(integer)
TO pseudolink_admin;

-- The steps of a request.
GRANT EXECUTE ON FUNCTION
    pseudolink.submit_request(bigint, text, text, text, text, bigint, text, date, date, text[]),
    pseudolink.withdraw_request(bigint, text), pseudolink.my_releases()
TO pseudolink_researcher;
GRANT EXECUTE ON FUNCTION pseudolink.withdraw_request(bigint, text) TO pseudolink_admin;
GRANT EXECUTE ON FUNCTION
    pseudolink.assign_request(bigint, date), pseudolink.review_request(bigint, text, boolean, text),
    pseudolink.decide_request(bigint, boolean, text[], jsonb, text[], text)
TO pseudolink_reviewer;
GRANT EXECUTE ON FUNCTION
    pseudolink.open_source_load(text, bigint, text), pseudolink.close_source_load(bigint),
    pseudolink.discard_source_load(bigint), pseudolink.release_request(bigint),
    pseudolink.enforce_retention(boolean)
TO pseudolink_steward;
GRANT EXECUTE ON FUNCTION pseudolink.close_request(bigint, text) TO pseudolink_steward, pseudolink_admin;
GRANT EXECUTE ON FUNCTION pseudolink.record_objection(text, date, text, text) TO pseudolink_registry;
GRANT EXECUTE ON FUNCTION
    pseudolink.register_identifier_table(regclass, name, name[], interval, boolean),
    pseudolink.retention_due(date)
TO pseudolink_admin, pseudolink_steward;
