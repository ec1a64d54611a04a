-- Generic linkage, the model: a Fellegi-Sunter model (fs_model,
-- fs_comparison, fs_level) whose comparisons and blocking rules are SQL the
-- analyst writes, so that the same machinery links any two tables or
-- deduplicates one (doc/generic-linkage.md).
--
--   model_comparison_sql  per comparison of a model, the SQL expression over the
--                   two records l and r that gives its level (0 else,
--                   higher closer, the highest exact, NULL missing), and
--                   optionally an expression over one record whose value
--                   frequency (among the right table's records) adjusts
--                   the exact level (term frequency);
--   model_blocking_sql    blocking rules as lists of SQL expressions over one
--                   record: two records are candidates when they agree on
--                   every expression of a rule.  Each rule becomes a 64-bit
--                   key in a blockkeys set (the rule id in the top byte, as
--                   in pseudolink.blocking_rule), so the GIN operator class
--                   finds the pairs of every rule in one scan and can ask
--                   for pairs agreeing on at least k rules.  The transform
--                   rules of pseudolink.blocking_rule under the same model
--                   name join in.
--
-- The stored SQL runs inside link_tables() and dedupe_table() with the
-- privileges of whoever calls them (they are not SECURITY DEFINER).  SQL
-- written by one role and run by another would let the writer act with the
-- runner's privileges, so every row records its author (defined_by, set by
-- a trigger, not by the writer), and the run refuses SQL whose author
-- cannot already act as the caller.  A role takes over a model's SQL, after
-- reading it, with adopt_model_sql().
--
-- Both tables are configuration that pg_dump keeps.  Admin and steward
-- manage them (models are the admin's and the steward's); the generic API
-- reads identifiers, so it is theirs alone.

-- An edit-distance level function, the counterpart of compare_jaro_winkler
-- for codes and numbers (social security numbers, dates written as text,
-- postcodes of other countries): Splink's levenshtein_at_thresholds.
CREATE FUNCTION pseudolink.compare_damerau_levenshtein(a text, b text, thresholds integer[] DEFAULT ARRAY[1, 2])
RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    k integer := cardinality(thresholds);
    d integer;
    i integer;
BEGIN
    IF array_ndims(thresholds) IS DISTINCT FROM 1 OR k OPERATOR(pg_catalog.>) 8
       OR array_position(thresholds, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'thresholds must be a one-dimensional array of 1 to 8 distances without nulls'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example ARRAY[1, 2]: level 3 exact, 2 at most one edit, 1 at most two, 0 else.';
    END IF;
    FOR i IN 1 .. k LOOP
        IF thresholds[i] OPERATOR(pg_catalog.<) 1
           OR (i OPERATOR(pg_catalog.>) 1 AND thresholds[i] OPERATOR(pg_catalog.<=) thresholds[i - 1]) THEN
            RAISE EXCEPTION 'thresholds must rise from low to high, starting at 1 or more'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('The thresholds given are %s.', thresholds),
                      HINT = 'The first threshold is the closest level below exact, e.g. ARRAY[1, 2].';
        END IF;
    END LOOP;
    IF a OPERATOR(pg_catalog.=) b THEN
        RETURN k OPERATOR(pg_catalog.+) 1;
    END IF;
    d := pseudolink.damerau_levenshtein(a, b, thresholds[k]);
    FOR i IN 1 .. k LOOP
        IF d OPERATOR(pg_catalog.<=) thresholds[i] THEN
            RETURN k OPERATOR(pg_catalog.+) 1 OPERATOR(pg_catalog.-) i;
        END IF;
    END LOOP;
    RETURN 0;
END
$$;
COMMENT ON FUNCTION pseudolink.compare_damerau_levenshtein(text, text, integer[]) IS
    'agreement level of two strings by Damerau-Levenshtein distance thresholds (low to high): k + 1 equal, k within the first of k distances, ..., 1 within the last, 0 beyond; NULL when either is NULL';

-- The tables --------------------------------------------------------------

CREATE TABLE pseudolink.model_comparison_sql (
    model       text        NOT NULL,
    comparison  text        NOT NULL,
    level_sql   text        NOT NULL,
    tf_sql      text,
    defined_by  name        NOT NULL DEFAULT CURRENT_USER,
    defined_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT model_comparison_sql_pkey PRIMARY KEY (model, comparison),
    CONSTRAINT model_comparison_sql_comparison_fkey FOREIGN KEY (model, comparison)
        REFERENCES pseudolink.fs_comparison (model, comparison) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT model_comparison_sql_level_not_empty CHECK (btrim(level_sql) <> ''),
    CONSTRAINT model_comparison_sql_tf_not_empty CHECK (btrim(tf_sql) <> '')
);
COMMENT ON TABLE pseudolink.model_comparison_sql IS
    'generic linkage: the SQL that computes each comparison of a model from two records l and r';
COMMENT ON COLUMN pseudolink.model_comparison_sql.model IS 'the model (pseudolink.fs_model)';
COMMENT ON COLUMN pseudolink.model_comparison_sql.comparison IS 'the comparison (pseudolink.fs_comparison)';
COMMENT ON COLUMN pseudolink.model_comparison_sql.level_sql IS
    'SQL expression over l and r giving the level: 0 else, higher closer, the highest exact, NULL when a value is missing';
COMMENT ON COLUMN pseudolink.model_comparison_sql.tf_sql IS
    'SQL expression over a record of the right table (the table itself in a deduplication; columns unqualified, or t.column) whose frequency among that table''s records is the u of the exact level (term-frequency adjustment); NULL for none';
COMMENT ON COLUMN pseudolink.model_comparison_sql.defined_by IS
    'who wrote the SQL (set by a trigger): only a role that can act as this one runs it';
COMMENT ON COLUMN pseudolink.model_comparison_sql.defined_at IS 'when the SQL was written';
COMMENT ON CONSTRAINT model_comparison_sql_pkey ON pseudolink.model_comparison_sql IS 'a comparison has one SQL definition';
COMMENT ON CONSTRAINT model_comparison_sql_comparison_fkey ON pseudolink.model_comparison_sql IS 'the SQL belongs to a comparison of the model';
COMMENT ON CONSTRAINT model_comparison_sql_level_not_empty ON pseudolink.model_comparison_sql IS 'a comparison has a level expression';
COMMENT ON CONSTRAINT model_comparison_sql_tf_not_empty ON pseudolink.model_comparison_sql IS 'a term-frequency expression is NULL or not blank';

CREATE TABLE pseudolink.model_blocking_sql (
    model             text        NOT NULL,
    rule_id           smallint    NOT NULL,
    name              text        NOT NULL,
    expressions       text[]      NOT NULL,
    probe_expressions text[],
    max_block         integer,
    enabled           boolean     NOT NULL DEFAULT true,
    description       text,
    defined_by        name        NOT NULL DEFAULT CURRENT_USER,
    defined_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT model_blocking_sql_pkey PRIMARY KEY (model, rule_id),
    CONSTRAINT model_blocking_sql_name_key UNIQUE (model, name),
    CONSTRAINT model_blocking_sql_model_fkey FOREIGN KEY (model)
        REFERENCES pseudolink.fs_model (model) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT model_blocking_sql_id_range CHECK (rule_id BETWEEN 1 AND 255),
    CONSTRAINT model_blocking_sql_name_not_empty CHECK (name <> ''),
    CONSTRAINT model_blocking_sql_expressions_valid CHECK (
        array_ndims(expressions) = 1 AND cardinality(expressions) BETWEEN 1 AND 8
        AND array_position(expressions, NULL) IS NULL
        AND array_position(array_replace(expressions, '', NULL), NULL) IS NULL),
    CONSTRAINT model_blocking_sql_probe_expressions_valid CHECK (
        array_ndims(probe_expressions) = 1
        AND cardinality(probe_expressions) = cardinality(expressions)
        AND array_position(probe_expressions, NULL) IS NULL
        AND array_position(array_replace(probe_expressions, '', NULL), NULL) IS NULL),
    CONSTRAINT model_blocking_sql_max_block_positive CHECK (max_block >= 1)
);
COMMENT ON TABLE pseudolink.model_blocking_sql IS
    'generic linkage: blocking rules as SQL expressions over one record; records agreeing on every expression of a rule share its key';
COMMENT ON COLUMN pseudolink.model_blocking_sql.model IS 'the model (pseudolink.fs_model)';
COMMENT ON COLUMN pseudolink.model_blocking_sql.rule_id IS
    'rule id, 1-255: the top byte of the rule''s keys; not used by a rule of pseudolink.blocking_rule for the same model';
COMMENT ON COLUMN pseudolink.model_blocking_sql.name IS 'name of the rule, unique in its model';
COMMENT ON COLUMN pseudolink.model_blocking_sql.expressions IS
    'SQL expressions over one record (columns unqualified, or t.column), 1 to 8; the key of the records that are found (the right table)';
COMMENT ON COLUMN pseudolink.model_blocking_sql.probe_expressions IS
    'the same number of expressions for the records that search (the left table), when they differ (other column names, or an asymmetric rule such as swapped names); NULL: the expressions';
COMMENT ON COLUMN pseudolink.model_blocking_sql.max_block IS
    'cap: a key held by more records (of the right table) than this is left out; NULL for no cap';
COMMENT ON COLUMN pseudolink.model_blocking_sql.enabled IS 'whether runs use the rule';
COMMENT ON COLUMN pseudolink.model_blocking_sql.description IS 'what the rule is for';
COMMENT ON COLUMN pseudolink.model_blocking_sql.defined_by IS
    'who wrote the SQL (set by a trigger): only a role that can act as this one runs it';
COMMENT ON COLUMN pseudolink.model_blocking_sql.defined_at IS 'when the SQL was written';
COMMENT ON CONSTRAINT model_blocking_sql_pkey ON pseudolink.model_blocking_sql IS 'a rule id is used once per model';
COMMENT ON CONSTRAINT model_blocking_sql_name_key ON pseudolink.model_blocking_sql IS 'a rule name is used once per model';
COMMENT ON CONSTRAINT model_blocking_sql_model_fkey ON pseudolink.model_blocking_sql IS 'a rule belongs to a model';
COMMENT ON CONSTRAINT model_blocking_sql_id_range ON pseudolink.model_blocking_sql IS 'rule ids fit the top byte of a key';
COMMENT ON CONSTRAINT model_blocking_sql_name_not_empty ON pseudolink.model_blocking_sql IS 'a rule has a name';
COMMENT ON CONSTRAINT model_blocking_sql_expressions_valid ON pseudolink.model_blocking_sql IS '1 to 8 expressions, none NULL or empty';
COMMENT ON CONSTRAINT model_blocking_sql_probe_expressions_valid ON pseudolink.model_blocking_sql IS 'as many probe expressions as expressions, none NULL or empty';
COMMENT ON CONSTRAINT model_blocking_sql_max_block_positive ON pseudolink.model_blocking_sql IS 'a cap is at least 1';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.model_comparison_sql', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.model_blocking_sql', '');

-- Who wrote the SQL is recorded by the database, not claimed by the writer.
-- A superuser may keep the value given, so that pg_restore (as superuser)
-- keeps the authors of a dump.
CREATE FUNCTION pseudolink.sql_author_stamp()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
       OR NEW.defined_by IS NULL THEN
        NEW.defined_by := CURRENT_USER;
        NEW.defined_at := pg_catalog.now();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION pseudolink.sql_author_stamp() IS
    'trigger: records the role that writes a row of SQL as its author (a superuser may keep the author given, as pg_restore does)';

CREATE TRIGGER model_comparison_sql_author
    BEFORE INSERT OR UPDATE ON pseudolink.model_comparison_sql
    FOR EACH ROW EXECUTE FUNCTION pseudolink.sql_author_stamp();
COMMENT ON TRIGGER model_comparison_sql_author ON pseudolink.model_comparison_sql IS
    'whoever writes a comparison''s SQL becomes its author';
CREATE TRIGGER model_blocking_sql_author
    BEFORE INSERT OR UPDATE ON pseudolink.model_blocking_sql
    FOR EACH ROW EXECUTE FUNCTION pseudolink.sql_author_stamp();
COMMENT ON TRIGGER model_blocking_sql_author ON pseudolink.model_blocking_sql IS
    'whoever writes a blocking rule''s SQL becomes its author';

-- A rule id names the rule in every key (top byte), across both rule tables.
CREATE FUNCTION pseudolink.blocking_sql_id_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT FROM pseudolink.blocking_rule b
               WHERE b.model OPERATOR(pg_catalog.=) NEW.model AND b.rule_id OPERATOR(pg_catalog.=) NEW.rule_id) THEN
        RAISE EXCEPTION 'rule id % of model "%" is taken by a rule of pseudolink.blocking_rule', NEW.rule_id, NEW.model
            USING ERRCODE = 'unique_violation',
                  DETAIL = 'Both kinds of rule put their id in the top byte of their keys.',
                  HINT = 'Leave rule_id out with pseudolink.add_blocking_sql(), which takes the next free id.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION pseudolink.blocking_sql_id_guard() IS
    'trigger: refuses a model_blocking_sql rule id that a transform rule of the same model uses';
CREATE TRIGGER blocking_sql_id_guard
    BEFORE INSERT OR UPDATE OF model, rule_id ON pseudolink.model_blocking_sql
    FOR EACH ROW EXECUTE FUNCTION pseudolink.blocking_sql_id_guard();
COMMENT ON TRIGGER blocking_sql_id_guard ON pseudolink.model_blocking_sql IS
    'keeps rule ids unique across pseudolink.blocking_rule and pseudolink.model_blocking_sql within a model';

-- Building a model ---------------------------------------------------------

CREATE FUNCTION pseudolink.model_must_exist(model text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF model IS NULL THEN
        RAISE EXCEPTION 'model must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM pseudolink.fs_model f WHERE f.model OPERATOR(pg_catalog.=) model_must_exist.model) THEN
        RAISE EXCEPTION 'scoring model "%" does not exist', model
            USING ERRCODE = 'undefined_object',
                  HINT = 'Create it first: INSERT INTO pseudolink.fs_model (model, description) VALUES (...).';
    END IF;
END
$$;
COMMENT ON FUNCTION pseudolink.model_must_exist(text) IS
    'raises undefined_object when a scoring model does not exist (null_value_not_allowed for NULL)';

CREATE FUNCTION pseudolink.add_comparison_sql(
    model text,
    comparison text,
    level_sql text,
    labels text[],
    tf_sql text DEFAULT NULL,
    description text DEFAULT NULL)
RETURNS smallint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    pos smallint;
BEGIN
    PERFORM pseudolink.model_must_exist(model);
    IF comparison IS NULL OR comparison OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'a comparison needs a name'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF level_sql IS NULL OR btrim(level_sql) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'comparison "%" needs a level expression', comparison
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'An SQL expression over l and r, e.g. ''pseudolink.compare_jaro_winkler(l.surname, r.surname)''.';
    END IF;
    IF EXISTS (SELECT FROM pseudolink.fs_comparison c
               WHERE c.model OPERATOR(pg_catalog.=) add_comparison_sql.model
                 AND c.comparison OPERATOR(pg_catalog.=) add_comparison_sql.comparison) THEN
        RAISE EXCEPTION 'scoring model "%" already has a comparison "%"', model, comparison
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Change its SQL with UPDATE pseudolink.model_comparison_sql, or delete it from pseudolink.fs_comparison first.';
    END IF;
    pos := pseudolink.fs_add_comparison(model, comparison, labels, coalesce(description, level_sql));
    INSERT INTO pseudolink.model_comparison_sql (model, comparison, level_sql, tf_sql)
    VALUES (add_comparison_sql.model, add_comparison_sql.comparison, level_sql, tf_sql);
    IF tf_sql IS NOT NULL THEN
        UPDATE pseudolink.fs_level l SET tf_adjust = true
        WHERE l.model OPERATOR(pg_catalog.=) add_comparison_sql.model
          AND l.comparison OPERATOR(pg_catalog.=) add_comparison_sql.comparison
          AND l.level OPERATOR(pg_catalog.=) cardinality(labels) - 1;
    END IF;
    RETURN pos;
END
$$;
COMMENT ON FUNCTION pseudolink.add_comparison_sql(text, text, text, text[], text, text) IS
    'adds a comparison to a model with the SQL that computes its level from two records l and r (labels level 0 first); tf_sql (an expression over a record of the right table) turns on term-frequency adjustment of the exact level; returns its position';

CREATE FUNCTION pseudolink.add_blocking_sql(
    model text,
    name text,
    expressions text[],
    probe_expressions text[] DEFAULT NULL,
    max_block integer DEFAULT NULL,
    description text DEFAULT NULL)
RETURNS smallint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id smallint;
BEGIN
    PERFORM pseudolink.model_must_exist(model);
    IF name IS NULL OR name OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'a blocking rule needs a name'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF expressions IS NULL OR array_ndims(expressions) IS DISTINCT FROM 1
       OR cardinality(expressions) NOT BETWEEN 1 AND 8
       OR EXISTS (SELECT FROM unnest(expressions) e WHERE e IS NULL OR btrim(e) OPERATOR(pg_catalog.=) '') THEN
        RAISE EXCEPTION 'a blocking rule needs 1 to 8 expressions, none NULL or empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example ARRAY[''surname'', ''substr(given_name, 1, 1)''].';
    END IF;
    IF probe_expressions IS NOT NULL AND (array_ndims(probe_expressions) IS DISTINCT FROM 1
       OR cardinality(probe_expressions) IS DISTINCT FROM cardinality(expressions)
       OR EXISTS (SELECT FROM unnest(probe_expressions) e WHERE e IS NULL OR btrim(e) OPERATOR(pg_catalog.=) '')) THEN
        RAISE EXCEPTION 'probe_expressions needs one expression per expression (%), none NULL or empty', cardinality(expressions)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_block IS NOT NULL AND max_block OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'max_block must be at least 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given is %s.', max_block),
                  HINT = 'NULL leaves the blocks uncapped.';
    END IF;
    SELECT min(g)::smallint INTO id
    FROM generate_series(1, 255) g
    WHERE NOT EXISTS (SELECT FROM pseudolink.model_blocking_sql b
                      WHERE b.model OPERATOR(pg_catalog.=) add_blocking_sql.model
                        AND b.rule_id OPERATOR(pg_catalog.=) g)
      AND NOT EXISTS (SELECT FROM pseudolink.blocking_rule b
                      WHERE b.model OPERATOR(pg_catalog.=) add_blocking_sql.model
                        AND b.rule_id OPERATOR(pg_catalog.=) g);
    IF id IS NULL THEN
        RAISE EXCEPTION 'scoring model "%" has 255 blocking rules already', model
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    INSERT INTO pseudolink.model_blocking_sql (model, rule_id, name, expressions, probe_expressions, max_block, description)
    VALUES (add_blocking_sql.model, id, add_blocking_sql.name, expressions, probe_expressions, max_block, description);
    RETURN id;
END
$$;
COMMENT ON FUNCTION pseudolink.add_blocking_sql(text, text, text[], text[], integer, text) IS
    'adds a blocking rule to a model: records agreeing on every expression (SQL over one record) are candidates; probe_expressions for the searching side when it differs; max_block caps a key''s block; returns the rule id';

CREATE FUNCTION pseudolink.adopt_model_sql(model text)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer;
    m integer;
BEGIN
    PERFORM pseudolink.model_must_exist(model);
    UPDATE pseudolink.model_comparison_sql c SET defined_by = CURRENT_USER
    WHERE c.model OPERATOR(pg_catalog.=) adopt_model_sql.model;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE pseudolink.model_blocking_sql b SET defined_by = CURRENT_USER
    WHERE b.model OPERATOR(pg_catalog.=) adopt_model_sql.model;
    GET DIAGNOSTICS m = ROW_COUNT;
    RETURN n OPERATOR(pg_catalog.+) m;
END
$$;
COMMENT ON FUNCTION pseudolink.adopt_model_sql(text) IS
    'makes the calling role the author of every comparison and blocking rule SQL of a model (read them first: they will run with your privileges); returns the number of rows adopted';

-- The SQL of a model, checked for a run: every comparison has its SQL, and
-- the caller may run every piece of it.
CREATE FUNCTION pseudolink.model_sql_check(model text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
    author name;
BEGIN
    PERFORM pseudolink.model_must_exist(model);
    IF NOT EXISTS (SELECT FROM pseudolink.fs_comparison c WHERE c.model OPERATOR(pg_catalog.=) model_sql_check.model) THEN
        RAISE EXCEPTION 'scoring model "%" has no comparisons', model
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add them with pseudolink.add_comparison_sql().';
    END IF;
    SELECT string_agg(format('"%s"', c.comparison), ', ' ORDER BY c.position) INTO missing
    FROM pseudolink.fs_comparison c
    WHERE c.model OPERATOR(pg_catalog.=) model_sql_check.model
      AND NOT EXISTS (SELECT FROM pseudolink.model_comparison_sql s
                      WHERE s.model OPERATOR(pg_catalog.=) c.model
                        AND s.comparison OPERATOR(pg_catalog.=) c.comparison);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'comparison % of scoring model "%" has no SQL', missing, model
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Give every comparison a level expression in pseudolink.model_comparison_sql (pseudolink.add_comparison_sql() does both).';
    END IF;
    SELECT x.defined_by INTO author
    FROM (SELECT s.defined_by FROM pseudolink.model_comparison_sql s WHERE s.model OPERATOR(pg_catalog.=) model_sql_check.model
          UNION
          SELECT b.defined_by FROM pseudolink.model_blocking_sql b
          WHERE b.model OPERATOR(pg_catalog.=) model_sql_check.model AND b.enabled) x
    WHERE CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) x.defined_by)
               THEN NOT pg_catalog.pg_has_role(x.defined_by, CURRENT_USER, 'USAGE')
               ELSE true END
    ORDER BY 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'scoring model "%" holds SQL written by role "%", which cannot act as role "%"',
                        model, author, CURRENT_USER
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The SQL of a model runs with the privileges of the role that runs it.',
                  HINT = 'Read the model''s SQL in pseudolink.model_comparison_sql and pseudolink.model_blocking_sql, then take it over with pseudolink.adopt_model_sql(model).';
    END IF;
END
$$;
COMMENT ON FUNCTION pseudolink.model_sql_check(text) IS
    'raises unless every comparison of a model has its SQL and every author of the model''s SQL can act as the calling role';

-- The level array of a model as one SQL expression over l and r: what
-- link_tables computes per pair, and what fs_estimate_u_random() takes.
CREATE FUNCTION pseudolink.model_levels_sql(model text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    expr text;
BEGIN
    PERFORM pseudolink.model_sql_check(model);
    SELECT 'ARRAY[' || string_agg(format('(%s)::integer', s.level_sql), ', ' ORDER BY c.position) || ']'
    INTO expr
    FROM pseudolink.fs_comparison c
    JOIN pseudolink.model_comparison_sql s ON s.model OPERATOR(pg_catalog.=) c.model
                                    AND s.comparison OPERATOR(pg_catalog.=) c.comparison
    WHERE c.model OPERATOR(pg_catalog.=) model_levels_sql.model;
    RETURN expr;
END
$$;
COMMENT ON FUNCTION pseudolink.model_levels_sql(text) IS
    'the level array of a model as one SQL expression over l and r, in position order, e.g. for pseudolink.fs_estimate_u_random()';

-- Privileges ---------------------------------------------------------------

REVOKE ALL ON TABLE pseudolink.model_comparison_sql, pseudolink.model_blocking_sql FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE pseudolink.model_comparison_sql, pseudolink.model_blocking_sql
    TO pseudolink_admin, pseudolink_steward;

REVOKE ALL ON FUNCTION
    pseudolink.compare_damerau_levenshtein(text, text, integer[]),
    pseudolink.sql_author_stamp(),
    pseudolink.blocking_sql_id_guard(),
    pseudolink.model_must_exist(text),
    pseudolink.add_comparison_sql(text, text, text, text[], text, text),
    pseudolink.add_blocking_sql(text, text, text[], text[], integer, text),
    pseudolink.adopt_model_sql(text),
    pseudolink.model_sql_check(text),
    pseudolink.model_levels_sql(text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pseudolink.compare_damerau_levenshtein(text, text, integer[])
    TO pseudolink_admin, pseudolink_steward, pseudolink_researcher;
GRANT EXECUTE ON FUNCTION
    pseudolink.model_must_exist(text),
    pseudolink.add_comparison_sql(text, text, text, text[], text, text),
    pseudolink.add_blocking_sql(text, text, text[], text[], integer, text),
    pseudolink.adopt_model_sql(text),
    pseudolink.model_sql_check(text),
    pseudolink.model_levels_sql(text)
TO pseudolink_admin, pseudolink_steward;
