-- Blocking rules as data: one row per rule of a model, the stop list of
-- oversized blocks, and the functions that turn a record into its blocking
-- keys under a model (C in src/blocking.c).
--
-- Rules are keyed by the model's name; the model tables of the scoring
-- engine will reference the same names.  Both tables are configuration
-- that pg_dump must keep, so they are registered with
-- pg_extension_config_dump.

CREATE FUNCTION pseudolink.blocking_rule_parts_valid(parts text[])
RETURNS boolean
AS 'MODULE_PATHNAME', 'blocking_rule_parts_valid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blocking_rule_parts_valid(text[]) IS
    'true when every part of a blocking rule is transform(field) with a known transform; raises what is wrong otherwise';

CREATE TABLE pseudolink.blocking_rule (
    model       text     NOT NULL,
    rule_id     smallint NOT NULL,
    name        text     NOT NULL,
    parts       text[]   NOT NULL,
    max_block   integer  DEFAULT 1000,
    enabled     boolean  NOT NULL DEFAULT true,
    description text,
    CONSTRAINT blocking_rule_pkey PRIMARY KEY (model, rule_id),
    CONSTRAINT blocking_rule_name_key UNIQUE (model, name),
    CONSTRAINT blocking_rule_model_not_empty CHECK (model <> ''),
    CONSTRAINT blocking_rule_name_not_empty CHECK (name <> ''),
    CONSTRAINT blocking_rule_id_range CHECK (rule_id BETWEEN 1 AND 255),
    CONSTRAINT blocking_rule_parts_valid CHECK (pseudolink.blocking_rule_parts_valid(parts)),
    CONSTRAINT blocking_rule_max_block_positive CHECK (max_block >= 1)
);
COMMENT ON TABLE pseudolink.blocking_rule IS
    'blocking rules per model: each enabled rule gives a record one key made of its parts'' normalised values';
COMMENT ON COLUMN pseudolink.blocking_rule.model IS 'name of the model the rule belongs to';
COMMENT ON COLUMN pseudolink.blocking_rule.rule_id IS
    'rule id, 1-255; the top byte of every key of the rule, so keys of different rules never collide';
COMMENT ON COLUMN pseudolink.blocking_rule.name IS 'name of the rule, unique in its model';
COMMENT ON COLUMN pseudolink.blocking_rule.parts IS
    'the parts, each transform(field): text, date, year, month_day, day_month_swapped, postcode, postcode4, sex, house_number, house_suffix';
COMMENT ON COLUMN pseudolink.blocking_rule.max_block IS
    'cap: a key shared by more target records than this is oversized (blocking_stop_oversized stops it); null for no cap';
COMMENT ON COLUMN pseudolink.blocking_rule.enabled IS 'whether blocking_keys uses the rule';
COMMENT ON COLUMN pseudolink.blocking_rule.description IS 'what the rule is for';
COMMENT ON CONSTRAINT blocking_rule_pkey ON pseudolink.blocking_rule IS 'a rule id is used once per model';
COMMENT ON CONSTRAINT blocking_rule_name_key ON pseudolink.blocking_rule IS 'a rule name is used once per model';
COMMENT ON CONSTRAINT blocking_rule_model_not_empty ON pseudolink.blocking_rule IS 'a model has a name';
COMMENT ON CONSTRAINT blocking_rule_name_not_empty ON pseudolink.blocking_rule IS 'a rule has a name';
COMMENT ON CONSTRAINT blocking_rule_id_range ON pseudolink.blocking_rule IS 'rule ids fit the top byte of a key';
COMMENT ON CONSTRAINT blocking_rule_parts_valid ON pseudolink.blocking_rule IS 'every part is transform(field) with a known transform';
COMMENT ON CONSTRAINT blocking_rule_max_block_positive ON pseudolink.blocking_rule IS 'a cap is at least 1';

-- Keys already built (and indexed) from a rule must keep meaning the same
-- thing: changing a rule's model, id or parts would make new keys silently
-- miss old ones.  Name, cap, enabled and description may change.
CREATE FUNCTION pseudolink.blocking_rule_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.model IS DISTINCT FROM OLD.model OR NEW.rule_id IS DISTINCT FROM OLD.rule_id
       OR NEW.parts IS DISTINCT FROM OLD.parts THEN
        RAISE EXCEPTION 'the model, id and parts of blocking rule "%" cannot be changed', OLD.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Key sets built from the rule would no longer match keys built after the change.',
                  HINT = 'Add a rule with a new id and disable this one, then rebuild the key sets.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION pseudolink.blocking_rule_guard() IS
    'trigger: refuses changes to a blocking rule''s model, id or parts';

CREATE TRIGGER blocking_rule_guard
    BEFORE UPDATE ON pseudolink.blocking_rule
    FOR EACH ROW EXECUTE FUNCTION pseudolink.blocking_rule_guard();
COMMENT ON TRIGGER blocking_rule_guard ON pseudolink.blocking_rule IS
    'keeps a rule''s keys stable: model, id and parts are fixed once written';

CREATE TABLE pseudolink.blocking_stop_key (
    model       text        NOT NULL,
    key         bigint      NOT NULL,
    rule_id     smallint    NOT NULL GENERATED ALWAYS AS (((key >> 56) & 255)::smallint) STORED,
    block_size  bigint      NOT NULL,
    stopped_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    stopped_by  name        NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT blocking_stop_key_pkey PRIMARY KEY (model, key),
    CONSTRAINT blocking_stop_key_block_size_positive CHECK (block_size >= 1)
);
COMMENT ON TABLE pseudolink.blocking_stop_key IS
    'stop list: keys of oversized blocks, left out of every key set blocking_keys builds for the model';
COMMENT ON COLUMN pseudolink.blocking_stop_key.model IS 'the model whose key sets leave the key out';
COMMENT ON COLUMN pseudolink.blocking_stop_key.key IS 'the stopped key';
COMMENT ON COLUMN pseudolink.blocking_stop_key.rule_id IS 'the rule that made the key (its top byte)';
COMMENT ON COLUMN pseudolink.blocking_stop_key.block_size IS 'number of target records that held the key when it was stopped';
COMMENT ON COLUMN pseudolink.blocking_stop_key.stopped_at IS 'when the key was stopped';
COMMENT ON COLUMN pseudolink.blocking_stop_key.stopped_by IS 'who stopped the key';
COMMENT ON CONSTRAINT blocking_stop_key_pkey ON pseudolink.blocking_stop_key IS 'a key is stopped once per model';
COMMENT ON CONSTRAINT blocking_stop_key_block_size_positive ON pseudolink.blocking_stop_key IS 'a stopped block had records';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.blocking_rule', '');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.blocking_stop_key', '');

-- Keys of a record -------------------------------------------------------

CREATE FUNCTION pseudolink.blocking_keys(model text, rec record, probe boolean DEFAULT false)
RETURNS pseudolink.blockkeys
AS 'MODULE_PATHNAME', 'blocking_keys'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.blocking_keys(text, record, boolean) IS
    'the blocking keys of a record under the model''s enabled rules (fields by column name); '
    'probe => true for the keys a record searches with, false for the keys it is found by';

CREATE FUNCTION pseudolink.blocking_explain(model text, rec record, probe boolean DEFAULT false)
RETURNS TABLE (rule_id integer, rule_name text, parts text, normalised text, key bigint, outcome text)
AS 'MODULE_PATHNAME', 'blocking_explain'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION pseudolink.blocking_explain(text, record, boolean) IS
    'per rule of the model: the record''s normalised values, its key, or why it has none (shows identifiers)';

-- The Dutch rule set -------------------------------------------------------

CREATE FUNCTION pseudolink.add_dutch_blocking_rules(
    model text,
    birth_date text DEFAULT 'birth_date',
    sex text DEFAULT 'sex',
    postcode text DEFAULT 'postcode',
    house_number text DEFAULT 'house_number',
    house_suffix text DEFAULT 'house_suffix',
    max_block integer DEFAULT 1000,
    house_number_max_block integer DEFAULT 50)
RETURNS SETOF pseudolink.blocking_rule
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO pseudolink.blocking_rule (model, rule_id, name, parts, max_block, description)
    VALUES
      ($1, 1, 'birth_date_sex',
       ARRAY[format('date(%s)', $2), format('sex(%s)', $3)], $7,
       'birth date and sex: survives any postcode or house number error and every move'),
      ($1, 2, 'birth_year_postcode',
       ARRAY[format('year(%s)', $2), format('postcode(%s)', $4)], $7,
       'birth year and full postcode: survives a wrong day or month of birth and a wrong sex'),
      ($1, 3, 'birth_date_postcode4',
       ARRAY[format('date(%s)', $2), format('postcode4(%s)', $4)], $7,
       'birth date and four-digit postcode: survives a wrong postcode letter, a move within the area and a wrong sex'),
      ($1, 4, 'swapped_birth_date_sex',
       ARRAY[format('day_month_swapped(%s)', $2), format('sex(%s)', $3)], $7,
       'birth date with day and month exchanged, and sex: finds the record whose day and month were swapped'),
      ($1, 5, 'birth_day_postcode_sex',
       ARRAY[format('month_day(%s)', $2), format('postcode(%s)', $4), format('sex(%s)', $3)], $7,
       'day and month of birth, full postcode and sex: survives a wrong birth year'),
      ($1, 6, 'postcode_house_number',
       ARRAY[format('postcode(%s)', $4), format('house_number(%s)', $5)]
         || CASE WHEN $6 IS NOT NULL THEN ARRAY[format('house_suffix(%s)', $6)] ELSE '{}' END, $8,
       'full postcode, house number and suffix, when a house number is present: survives any birth date '
       'or sex error; a block larger than a household is a care home or student housing')
    RETURNING *
$$;
COMMENT ON FUNCTION pseudolink.add_dutch_blocking_rules(text, text, text, text, text, text, integer, integer) IS
    'adds the six Dutch blocking rules (birth date, sex, postcode, house number and suffix) to a model, with the given field names (house_suffix => null: no suffix) and caps';

-- Privileges -------------------------------------------------------------

REVOKE ALL ON TABLE pseudolink.blocking_rule, pseudolink.blocking_stop_key FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE pseudolink.blocking_rule, pseudolink.blocking_stop_key
    TO pseudolink_admin, pseudolink_steward;

REVOKE ALL ON FUNCTION
    pseudolink.blocking_rule_parts_valid(text[]),
    pseudolink.blocking_rule_guard(),
    pseudolink.blocking_keys(text, record, boolean),
    pseudolink.blocking_explain(text, record, boolean),
    pseudolink.add_dutch_blocking_rules(text, text, text, text, text, text, integer, integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.blocking_rule_parts_valid(text[]),
    pseudolink.blocking_keys(text, record, boolean),
    pseudolink.blocking_explain(text, record, boolean),
    pseudolink.add_dutch_blocking_rules(text, text, text, text, text, text, integer, integer)
TO pseudolink_admin, pseudolink_steward;
