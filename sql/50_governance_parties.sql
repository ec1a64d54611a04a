-- Governance parties: the roles, institutions, researchers, projects and
-- board memberships that the governance tests after this one use, and the
-- rules they obey.  Dates are relative to pseudolink.today() where a term
-- or authorisation must cover today, fixed where they appear in output.
\set SHOW_CONTEXT never

CREATE ROLE regress_gov_admin LOGIN IN ROLE pseudolink_admin;
CREATE ROLE regress_gov_steward LOGIN IN ROLE pseudolink_steward;
CREATE ROLE regress_gov_registry LOGIN IN ROLE pseudolink_registry;
CREATE ROLE regress_gov_council LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE regress_gov_chair LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE regress_gov_privacy LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE regress_gov_cbs LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE regress_gov_res1 LOGIN IN ROLE pseudolink_researcher;
CREATE ROLE regress_gov_res2 LOGIN IN ROLE pseudolink_researcher;
CREATE ROLE regress_gov_res3 LOGIN IN ROLE pseudolink_researcher;
CREATE ROLE regress_gov_outsider LOGIN;

-- Only the admin registers parties.
SET ROLE regress_gov_steward;
SELECT pseudolink.add_institution('Universiteit Testdam');
RESET ROLE;

SET ROLE regress_gov_admin;
SELECT pseudolink.add_institution('Universiteit Testdam') AS inst \gset
SELECT pseudolink.add_institution('Universiteit Testdam');
SELECT pseudolink.add_institution('Onderzoeksbureau Verlopen') AS inst_expired \gset

-- An authorisation lasts at most three years.
\set VERBOSITY terse
SELECT pseudolink.authorise_institution(:inst, '2020-01-01', '2023-01-01', 'CBS-AUT-1');
SELECT pseudolink.authorise_institution(:inst, '2020-01-01', '2019-12-31', 'CBS-AUT-1');
SELECT pseudolink.authorise_institution(:inst, '2020-01-01', '2022-12-31', ' ');
\set VERBOSITY default
SELECT pseudolink.authorise_institution(:inst, '2020-01-01', '2022-12-31', 'CBS-AUT-1') > 0 AS three_years_is_fine;
SELECT pseudolink.authorise_institution(:inst, pseudolink.today() - 100, pseudolink.today() + 900, 'CBS-AUT-2') > 0 AS renewed;
SELECT pseudolink.authorise_institution(:inst_expired, pseudolink.today() - 1000, pseudolink.today() - 1, 'CBS-AUT-3') > 0
    AS expired_yesterday;
SELECT pseudolink.institution_authorised(:inst, pseudolink.today()) AS authorised,
       pseudolink.institution_authorised(:inst_expired, pseudolink.today()) AS expired_one_authorised,
       pseudolink.institution_authorised(:inst, '2021-06-01') AS authorised_in_2021,
       pseudolink.institution_authorised(:inst, '2023-06-01') AS authorised_in_2023;

-- Researchers: employed or seconded (then from where), with an agreement,
-- acting as a role that is a member of pseudolink_researcher.
SELECT pseudolink.add_researcher('regress_gov_res1', 'A. Onderzoeker', :inst, 'employed', 'AO-001',
                                 pseudolink.today() - 365) AS res1 \gset
SELECT pseudolink.add_researcher('regress_gov_res2', 'B. Gedetacheerd', :inst, 'seconded', 'DET-003',
                                 pseudolink.today() - 30, NULL, 'Ziekenhuis Noord') AS res2 \gset
SELECT pseudolink.add_researcher('regress_gov_res3', 'C. Ander', :inst, 'employed', 'AO-002',
                                 pseudolink.today() - 30) AS res3 \gset
SELECT pseudolink.add_researcher('regress_gov_steward', 'S. Steward', :inst, 'employed', 'X', '2020-01-01');
SELECT pseudolink.add_researcher('regress_gov_nobody', 'N. Iemand', :inst, 'employed', 'X', '2020-01-01');
\set VERBOSITY terse
SELECT pseudolink.add_researcher('regress_gov_outsider', 'O. Buiten', :inst, 'seconded', 'X', '2020-01-01');
\set VERBOSITY default
RESET ROLE;
GRANT pseudolink_researcher TO regress_gov_outsider;
SET ROLE regress_gov_admin;
\set VERBOSITY terse
SELECT pseudolink.add_researcher('regress_gov_outsider', 'O. Buiten', :inst, 'seconded', 'X', '2020-01-01');
SELECT pseudolink.add_researcher('regress_gov_outsider', 'O. Buiten', :inst, 'employed', 'X', '2020-01-01', '2019-01-01');
SELECT pseudolink.add_researcher('regress_gov_outsider', 'O. Buiten', :inst_expired, 'freelance', 'X', '2020-01-01');
\set VERBOSITY default
SELECT pseudolink.add_researcher('regress_gov_outsider', 'O. Buiten', :inst_expired, 'employed', 'OB-1',
                                 '2020-01-01') AS res_expired \gset
RESET ROLE;
REVOKE pseudolink_researcher FROM regress_gov_outsider;
SET ROLE regress_gov_admin;
SELECT researcher_id, role_name, relation, home_organisation,
       pseudolink.researcher_active(researcher_id, pseudolink.today()) AS active_today
FROM pseudolink.researcher ORDER BY researcher_id;

-- Projects: a CBS number, a leader, at least one active researcher, a term;
-- a key domain of their own; 5 years of retention, 10 for universities.
SELECT pseudolink.register_project('8123', 'Survival after TAVI', :inst, :res1, true,
                                   '2020-01-01', pseudolink.today() + 700, '{}');
SELECT pseudolink.register_project('81 23', 'Survival after TAVI', :inst, :res1, true,
                                   '2020-01-01', pseudolink.today() + 700, ARRAY[:res1]);
SELECT pseudolink.register_project('8123', 'Survival after TAVI', :inst, :res1, true,
                                   '2020-01-01', pseudolink.today() + 700, ARRAY[:res_expired]);
SELECT pseudolink.register_project('8123', 'Survival after TAVI', :inst, :res1, true,
                                   '2020-01-01', pseudolink.today() + 700, ARRAY[:res1, :res2]) AS p1 \gset
SELECT pseudolink.register_project('8123', 'Again', :inst, :res1, false, '2020-01-01', '2030-01-01', ARRAY[:res1]);
SELECT pseudolink.register_project('9001', 'Medication after PCI', :inst, :res3, false,
                                   '2020-01-01', pseudolink.today() + 700, ARRAY[:res3]) AS p2 \gset
SELECT pseudolink.register_project('7007', 'Finished study', :inst, :res1, false,
                                   '2018-01-01', '2021-12-31', ARRAY[:res1]) AS p3 \gset
SELECT cbs_project_number, university, retention_years, key_domain,
       pseudolink.project_retention_until(project_id) - ends_on AS days_kept_after_term,
       pseudolink.project_active(project_id, pseudolink.today()) AS active
FROM pseudolink.project ORDER BY project_id;
SELECT name, description FROM pseudolink.key_domains WHERE name LIKE 'cbs-%' ORDER BY name;

-- Extensions need a reason; the term only grows; retention grows by years.
SELECT pseudolink.extend_project(:p3, '2021-06-30', 'shorter');
\set VERBOSITY terse
SELECT pseudolink.extend_project(:p3, '2022-12-31', '');
\set VERBOSITY default
SELECT pseudolink.extend_project(:p3, '2022-12-31', 'data arrived late');
SELECT pseudolink.extend_retention(:p3, 2, 'follow-up study') AS retention_until;
\set VERBOSITY terse
SELECT pseudolink.extend_retention(:p3, 0, 'nothing');
\set VERBOSITY default
SELECT kind, previous_end, new_end, extra_years, reason FROM pseudolink.project_extension ORDER BY extension_id;
SELECT ends_on, retention_years, pseudolink.project_retention_until(project_id) AS retention_until
FROM pseudolink.project WHERE project_id = :p3;
RESET ROLE;

-- A term never shortens and changes only through an extension, whoever
-- updates it; the fixed fields stay fixed.
UPDATE pseudolink.project SET ends_on = '2022-01-31' WHERE project_id = :p3;
UPDATE pseudolink.project SET ends_on = '2023-12-31' WHERE project_id = :p3;
UPDATE pseudolink.project SET university = true WHERE project_id = :p3;
DELETE FROM pseudolink.project WHERE project_id = :p3;
TRUNCATE pseudolink.project_extension;

-- A project keeps an active researcher (checked at commit).
SET ROLE regress_gov_admin;
SELECT pseudolink.remove_project_researcher(:p3, :res1);
SELECT pseudolink.add_project_researcher(:p3, :res_expired);
SELECT pseudolink.add_project_researcher(:p3, :res2);
SELECT pseudolink.remove_project_researcher(:p3, :res1);
SELECT pseudolink.remove_project_researcher(:p3, :res1);
SELECT pseudolink.add_project_researcher(:p3, :res1);
SELECT r.role_name, pr.active FROM pseudolink.project_researcher pr
JOIN pseudolink.researcher r USING (researcher_id) WHERE pr.project_id = :p3 ORDER BY 1;

-- Boards, registries and council meetings.
SELECT pseudolink.add_board_member('nhr_scientific_council', 'regress_gov_council');
SELECT pseudolink.add_board_member('nhr_committee_tavi', 'regress_gov_chair');
SELECT pseudolink.add_board_member('nhr_committee_pci', 'regress_gov_chair');
SELECT pseudolink.add_board_member('nhr_privacy_committee', 'regress_gov_privacy');
SELECT pseudolink.add_board_member('cbs_purpose_check', 'regress_gov_cbs');
SELECT pseudolink.add_board_member('cbs_purpose_check', 'regress_gov_res1');
SELECT pseudolink.add_board_member('no_such_board', 'regress_gov_cbs');
SELECT pseudolink.add_registry_member('nhr', 'regress_gov_registry');
SELECT pseudolink.add_registry_member('nhr', 'regress_gov_council');
SELECT pseudolink.add_council_meeting('nhr_scientific_council', pseudolink.today());
SELECT pseudolink.add_council_meeting('nhr_scientific_council', '2999-06-01');
SELECT pseudolink.add_council_meeting('nhr_privacy_committee', '2999-06-01');
RESET ROLE;

-- Who acts as whom: role membership, not a setting.
SET ROLE regress_gov_res1;
SELECT pseudolink.my_projects() = ARRAY[:p1]::bigint[] AS res1_works_in_p1, pseudolink.my_boards(),
       pseudolink.my_registries();
RESET ROLE;
SET ROLE regress_gov_council;
SELECT pseudolink.my_projects(), pseudolink.my_boards(), pseudolink.my_registries();
RESET ROLE;
SET ROLE regress_gov_chair;
SELECT pseudolink.my_boards();
RESET ROLE;
