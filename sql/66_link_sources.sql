-- Where linked records go (link_source) and objections resolved against the
-- register: kept only as person keys (kind S) and, once resolved, as the
-- register person's pseudonym (kind R); each checked once per register load.
SET search_path = pseudolink, public;
-- Bad input is shown as its SQLSTATE and message.
CREATE FUNCTION pg_temp.fails(statement text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE c text; m text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS c = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
    RETURN c || ': ' || m;
END $f$;
SELECT upload_id AS upload FROM upload WHERE registry = 'CABG' AND batch_id = '2022' \gset

-- The shipped mapping of upload registries to catalogue sources.
SELECT registry, source, date_variable, age_variable, sex_variable, shipped FROM link_source ORDER BY registry;
SELECT * FROM link_source_of('CABG');

-- The registry records two objections: a person in the register (900006,
-- who has a record in the upload) and somebody who is not.
SELECT add_registry_member('nhr', 'regress_link_cabg');
SET ROLE regress_link_cabg;
SELECT record_objection('nhr', '1945-01-02', '1', '3000 AA') > 0 AS recorded;
SELECT record_objection('nhr', '1999-09-09', 'V', '9411AB') > 0 AS recorded;
RESET ROLE;
-- Only the person key is kept, and nothing is resolved yet.
SELECT pseudonym_kind(person_key) AS key_kind, person IS NULL AS unresolved FROM objection
WHERE registry = 'nhr' ORDER BY objection_id;

-- Resolving: one person found, one not; each checked once per register load.
SELECT objections, checked, resolved, ambiguous, not_found FROM link_resolve_objections('nhr');
SELECT outcome, persons FROM link_objection_check ORDER BY objection_id;
SELECT pseudonym_kind(o.person) AS person_kind,
       o.person = (SELECT pseudonym FROM register_person WHERE person_id = 900006) AS is_900006
FROM objection o WHERE o.person IS NOT NULL;
SELECT objections, checked, resolved FROM link_resolve_objections('nhr');
-- What a link run leaves out: both person keys, the one register person.
SELECT count(*) AS keys FROM link_objected_keys('nhr');
SELECT array_agg(person_id) AS persons FROM link_objected_person_ids('nhr');

-- Bad input.
SELECT pg_temp.fails($$SELECT * FROM link_resolve_objections('no_such_registry')$$);
SELECT pg_temp.fails($$SELECT * FROM link_source_of('XYZ')$$);
SELECT pg_temp.fails($$INSERT INTO link_source (registry, source, date_variable) VALUES ('cabg', 'nhr_cabg', 'surgery_date')$$);
SELECT pg_temp.fails($$INSERT INTO link_source (registry, source, date_variable) VALUES ('XYZ', 'no_such_source', 'd')$$);
SELECT pg_temp.fails($$INSERT INTO link_source (registry, source, date_variable, age_variable) VALUES ('XYZ', 'nhr_cabg', 'd', 'd')$$);
