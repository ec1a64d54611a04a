-- The comparisons of the link run and the default Dutch scoring model
-- 'nl' (doc/linkage.md, "The model").
--
-- A registry record is compared with a register person in one C call
-- (src/linkrun_compare.c): birth date (compare_dates' levels), sex, the
-- record's postcode against the person's whole address history, with the
-- period valid on the record's event date (the reference date) set apart
-- from earlier and later periods, and the house number at the period whose
-- postcode agreed best.  link_register_history gives each register person
-- with the history as arrays, the form the comparison takes.
--
-- link_default_model() writes model 'nl' (or another name) into the
-- Fellegi-Sunter tables of 22_fsmodel.sql: m from an error rate per field
-- (DOMAIN.md: about 2%, split over the levels as registries err), u from
-- the loaded register (exact agreement from the frequencies of the values,
-- the other levels from random pairs of register persons), and the prior
-- from the register's size.  The model cannot be shipped as rows of the
-- install script: pg_dump keeps the model tables, and shipped rows would
-- collide with dumped ones on restore; the parameters depend on the
-- register besides.  link_train_em() re-estimates m and the prior by EM on
-- an upload's candidate pairs the way Splink trains (u fixed, one blocked
-- field left out per session), and link_model_report() sets the estimates
-- beside the defaults.

-- Comparing a record with a person -------------------------------------------

CREATE FUNCTION pseudolink.link_address_levels(
    postcode text, house_number integer, house_suffix text, reference_date date,
    postcodes text[], house_numbers integer[], house_suffixes text[], valid_from date[], valid_to date[])
RETURNS integer[]
AS 'MODULE_PATHNAME', 'pseudolink_link_address_levels'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.link_address_levels(text, integer, text, date, text[], integer[], text[], date[], date[]) IS
    'levels {postcode, house number} of an address against an address history (one array element per period): postcode 4 exact at the period valid on the reference date, 3 exact at another period, 2 one character wrong or letters swapped, 1 same four digits, 0 else; house number and suffix (compare_house_numbers'' levels) at the period whose postcode agreed best; NULL elements when a side is missing';

CREATE FUNCTION pseudolink.link_levels(
    birth_date date, sex integer, postcode text, house_number integer, house_suffix text, reference_date date,
    person_birth_date date, person_sex integer,
    postcodes text[], house_numbers integer[], house_suffixes text[], valid_from date[], valid_to date[])
RETURNS integer[]
AS 'MODULE_PATHNAME', 'pseudolink_link_levels'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pseudolink.link_levels(date, integer, text, integer, text, date, date, integer, text[], integer[], text[], date[], date[]) IS
    'levels of a record against a register person in the order of model nl: {birth date (compare_dates), sex (1 equal, 0 not), postcode against the address history, house number} (see link_address_levels); NULL elements when a side is missing';

-- Every register person with birth date, sex, root pseudonym and the
-- address history as arrays in date order (empty arrays: no period).  A
-- candidate joins it by person_id; the planner looks the person up by the
-- primary key and aggregates its few periods through the period index.
CREATE VIEW pseudolink.link_register_history WITH (security_invoker = true) AS
SELECT p.person_id, p.birth_date, p.sex, p.pseudonym,
       COALESCE(h.postcodes, '{}') AS postcodes, COALESCE(h.house_numbers, '{}') AS house_numbers,
       COALESCE(h.house_suffixes, '{}') AS house_suffixes, COALESCE(h.valid_from, '{}') AS valid_from,
       COALESCE(h.valid_to, '{}') AS valid_to
FROM pseudolink.register_person p
     LEFT JOIN LATERAL (
        SELECT pg_catalog.array_agg(a.postcode ORDER BY a.valid_from) AS postcodes,
               pg_catalog.array_agg(a.house_number ORDER BY a.valid_from) AS house_numbers,
               pg_catalog.array_agg(a.house_suffix ORDER BY a.valid_from) AS house_suffixes,
               pg_catalog.array_agg(a.valid_from ORDER BY a.valid_from) AS valid_from,
               pg_catalog.array_agg(a.valid_to ORDER BY a.valid_from) AS valid_to
        FROM pseudolink.register_address a
        WHERE a.person_id OPERATOR(pg_catalog.=) p.person_id) h ON true;
COMMENT ON VIEW pseudolink.link_register_history IS
    'register persons with their address history as arrays in date order (postcodes, house_numbers, house_suffixes, valid_from, valid_to), the form link_levels() compares';

-- The same, one person at a time, for a candidate found by the index: a
-- LATERAL call per candidate, so that the planner looks the person up by
-- its primary key instead of aggregating every history of the register
-- for a hash join (the estimate of a GIN join is far too high to trust).
-- The OFFSET and the aggregate keep the inlined subqueries from being
-- pulled up into the join.  The periods come in no particular order:
-- link_levels() reads the dates, not the positions.
CREATE FUNCTION pseudolink.link_person_of(person_id bigint)
RETURNS TABLE (birth_date date, sex smallint, pseudonym pseudolink.pseudonym)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
    SELECT p.birth_date, p.sex, p.pseudonym FROM pseudolink.register_person p
    WHERE p.person_id OPERATOR(pg_catalog.=) $1
    OFFSET 0
$$;
COMMENT ON FUNCTION pseudolink.link_person_of(bigint) IS
    'a register person''s birth date, sex and root pseudonym, by id (for a LATERAL call per candidate)';

CREATE FUNCTION pseudolink.link_history_of(person_id bigint)
RETURNS TABLE (postcodes text[], house_numbers integer[], house_suffixes text[], valid_from date[], valid_to date[])
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
    SELECT pg_catalog.array_agg(a.postcode), pg_catalog.array_agg(a.house_number),
           pg_catalog.array_agg(a.house_suffix), pg_catalog.array_agg(a.valid_from),
           pg_catalog.array_agg(a.valid_to)
    FROM pseudolink.register_address a
    WHERE a.person_id OPERATOR(pg_catalog.=) $1
$$;
COMMENT ON FUNCTION pseudolink.link_history_of(bigint) IS
    'a register person''s address periods as five arrays of one element per period, in no particular order (NULL arrays when none), the form link_levels() takes; for a LATERAL call per candidate';

-- Defaults of the model ------------------------------------------------------------

-- The m and u a model had when link_default_model() wrote it, to set EM's
-- estimates beside them.
CREATE TABLE pseudolink.link_model_default (
    model      text             NOT NULL,
    comparison text             NOT NULL,
    level      smallint         NOT NULL,
    m          double precision NOT NULL,
    u          double precision NOT NULL,
    prior      double precision NOT NULL,
    made_at    timestamptz      NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT link_model_default_pkey PRIMARY KEY (model, comparison, level),
    CONSTRAINT link_model_default_level_fkey FOREIGN KEY (model, comparison, level)
        REFERENCES pseudolink.fs_level (model, comparison, level) ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE pseudolink.link_model_default IS
    'the parameters link_default_model() gave each level of a model, before any estimation';
COMMENT ON COLUMN pseudolink.link_model_default.model IS 'the model';
COMMENT ON COLUMN pseudolink.link_model_default.comparison IS 'the comparison';
COMMENT ON COLUMN pseudolink.link_model_default.level IS 'the level';
COMMENT ON COLUMN pseudolink.link_model_default.m IS 'default m: from the error rate per field';
COMMENT ON COLUMN pseudolink.link_model_default.u IS 'default u: from the register';
COMMENT ON COLUMN pseudolink.link_model_default.prior IS 'default prior of the model: linkable share / register persons';
COMMENT ON COLUMN pseudolink.link_model_default.made_at IS 'when the defaults were written';
COMMENT ON CONSTRAINT link_model_default_pkey ON pseudolink.link_model_default IS 'one default per level';
COMMENT ON CONSTRAINT link_model_default_level_fkey ON pseudolink.link_model_default IS 'of a level of the model';
SELECT pg_catalog.pg_extension_config_dump('pseudolink.link_model_default', '');

-- The share of a field's errors that lands on each level below exact,
-- level 0 first (the exact level gets 1 - error_rate times the sum).  From
-- the error mix of NHR-style extracts (DOMAIN.md, doc/synthetic-data.md):
-- birth dates mostly mistyped by one digit or with day and month swapped,
-- postcodes of the previous address or mistyped, house numbers mistyped;
-- missing values are no error here (they give no level).
CREATE FUNCTION pseudolink.link_default_error_split(comparison text)
RETURNS double precision[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE $1
        WHEN 'birth_date' THEN ARRAY[0.10, 0.05, 0.10, 0.55, 0.20]::double precision[]
        WHEN 'sex' THEN ARRAY[0.5]::double precision[]
        WHEN 'postcode' THEN ARRAY[0.05, 0.05, 0.30, 0.40]::double precision[]
        WHEN 'house_number' THEN ARRAY[0.70, 0.05]::double precision[]
    END
$$;
COMMENT ON FUNCTION pseudolink.link_default_error_split(text) IS
    'model nl: the share of a field''s error rate at each level below exact, level 0 first (birth_date, sex, postcode, house_number)';

CREATE FUNCTION pseudolink.link_default_model(
    model text DEFAULT 'nl',
    error_rate double precision DEFAULT 0.02,
    linkable double precision DEFAULT 0.98,
    sample_pairs integer DEFAULT 200000,
    seed double precision DEFAULT 0.5)
RETURNS TABLE (comparison text, level integer, label text, m double precision, u double precision,
               weight double precision)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET max_parallel_workers_per_gather = 0
SET synchronize_seqscans = off
SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
    v_model text := link_default_model.model;
    n_persons bigint;
    n_pairs bigint;
    pct double precision;
    v_prior double precision;
    c record;
BEGIN
    IF v_model IS NULL OR v_model OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'a model needs a name'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF error_rate IS NULL OR NOT (error_rate > 0 AND error_rate < 0.5) THEN
        RAISE EXCEPTION 'error_rate must be greater than 0 and less than 0.5'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'It is the share of records whose value of a field is wrong, e.g. 0.02 (DOMAIN.md: about 2% per register).';
    END IF;
    IF linkable IS NULL OR NOT (linkable > 0 AND linkable <= 1) THEN
        RAISE EXCEPTION 'linkable must be greater than 0 and at most 1'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'It is the share of records whose person is in the register, e.g. 0.98.';
    END IF;
    IF sample_pairs IS NULL OR sample_pairs < 100 THEN
        RAISE EXCEPTION 'sample_pairs must be at least 100'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF seed IS NULL OR seed < -1 OR seed > 1 THEN
        RAISE EXCEPTION 'seed must be between -1 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM pseudolink.link_job j
               WHERE j.model OPERATOR(pg_catalog.=) v_model AND j.state OPERATOR(pg_catalog.=) 'running') THEN
        RAISE EXCEPTION 'scoring model "%" is used by a link run that has not finished', v_model
            USING ERRCODE = 'object_in_use',
                  DETAIL = 'Changing the model would score the rest of the upload differently from its first batches.',
                  HINT = 'Finish the run first (CALL pseudolink.link(...) again), or abandon it with pseudolink.link_abandon().';
    END IF;
    SELECT pg_catalog.count(*) INTO n_persons FROM pseudolink.register_person;
    IF n_persons < 2 THEN
        RAISE EXCEPTION 'the register has fewer than two persons'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The u probabilities of the default model come from the register.',
                  HINT = 'Load the register with pseudolink.register_load() first.';
    END IF;
    v_prior := linkable / n_persons::double precision;
    IF v_prior >= 1 THEN
        v_prior := 0.5;
    END IF;

    -- The model's structure, replacing an older one of the same name (its
    -- row stays: finished link runs name it).
    INSERT INTO pseudolink.fs_model AS f (model, prior, description)
    VALUES (v_model, v_prior, 'Dutch registry records against the population register: birth date, sex, postcode with address history, house number')
    ON CONFLICT ON CONSTRAINT fs_model_pkey DO UPDATE SET prior = EXCLUDED.prior, description = EXCLUDED.description;
    DELETE FROM pseudolink.fs_comparison c WHERE c.model OPERATOR(pg_catalog.=) v_model;
    PERFORM pseudolink.fs_add_comparison(v_model, 'birth_date', pseudolink.comparison_labels('compare_dates'),
                                         'compare_dates(record birth date, person birth date)');
    PERFORM pseudolink.fs_add_comparison(v_model, 'sex', ARRAY['else', 'exact'], 'record sex = person sex');
    PERFORM pseudolink.fs_add_comparison(v_model, 'postcode',
        ARRAY['else', 'same four digits', 'one character wrong or letters swapped',
              'exact at another period', 'exact at the reference date'],
        'record postcode against the person''s address periods, the period valid on the event date apart (link_address_levels)');
    PERFORM pseudolink.fs_add_comparison(v_model, 'house_number', pseudolink.comparison_labels('compare_house_numbers'),
                                         'house number and suffix at the period whose postcode agreed best');

    -- m: exact 1 - error_rate x the shares, the rest as the split says.
    UPDATE pseudolink.fs_level l
    SET m = CASE WHEN l.level OPERATOR(pg_catalog.=) pg_catalog.array_length(s.split, 1)
                 THEN 1 - error_rate * (SELECT pg_catalog.sum(x) FROM pg_catalog.unnest(s.split) x)
                 ELSE error_rate * s.split[l.level + 1] END
    FROM (SELECT c.comparison, pseudolink.link_default_error_split(c.comparison) AS split
          FROM pseudolink.fs_comparison c WHERE c.model OPERATOR(pg_catalog.=) v_model) s
    WHERE l.model OPERATOR(pg_catalog.=) v_model AND l.comparison OPERATOR(pg_catalog.=) s.comparison;

    -- u, part 1: random pairs of register persons, the "record" being one
    -- person's current address (at the day it started) and its birth date
    -- and sex, the other person compared with its whole history.
    -- The seed fixes the order in which random() is drawn only if the
    -- sample comes out in the same order every time: synchronised scans
    -- (off by the function's SET) start a large table's scan wherever
    -- another scan of it last was, which paired other persons on every load
    -- of the same 18 M register.
    pct := LEAST(100.0, 100.0 * sample_pairs / n_persons);
    PERFORM pg_catalog.setseed(seed);
    CREATE TEMP TABLE pl_link_u_pairs ON COMMIT DROP AS
    WITH a AS (SELECT s.person_id, pg_catalog.row_number() OVER (ORDER BY pg_catalog.random()) AS i
               FROM pseudolink.register_person s TABLESAMPLE BERNOULLI (pct) REPEATABLE (1)),
         b AS (SELECT s.person_id, pg_catalog.row_number() OVER (ORDER BY pg_catalog.random()) AS i
               FROM pseudolink.register_person s TABLESAMPLE BERNOULLI (pct) REPEATABLE (2))
    SELECT pseudolink.link_levels(pa.birth_date, pa.sex, ca.postcode, ca.house_number, ca.house_suffix, ca.valid_from,
                                  pb.birth_date, pb.sex, hb.postcodes, hb.house_numbers, hb.house_suffixes,
                                  hb.valid_from, hb.valid_to) AS levels
    FROM a JOIN b ON b.i = a.i AND b.person_id <> a.person_id
         CROSS JOIN LATERAL pseudolink.link_person_of(a.person_id) pa
         CROSS JOIN LATERAL pseudolink.link_person_of(b.person_id) pb
         CROSS JOIN LATERAL pseudolink.link_history_of(b.person_id) hb
         LEFT JOIN pseudolink.register_address ca ON ca.person_id = a.person_id AND ca.valid_to IS NULL;
    SELECT pg_catalog.count(*) INTO n_pairs FROM pg_temp.pl_link_u_pairs;
    IF n_pairs OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'the register gave no random pairs'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Raise sample_pairs.';
    END IF;
    -- Shares per level among the pairs with the level present; a level
    -- never seen counts as half a pair.
    CREATE TEMP TABLE pl_link_u_share ON COMMIT DROP AS
    SELECT c.comparison, l.level::integer AS level,
           COALESCE(k.n, 0.5) / GREATEST(t.n, 1)::double precision AS share
    FROM pseudolink.fs_comparison c
         JOIN pseudolink.fs_level l ON l.model = c.model AND l.comparison = c.comparison
         LEFT JOIN (SELECT x.position, pg_catalog.count(*)::double precision AS n
                    FROM pg_temp.pl_link_u_pairs p,
                         LATERAL pg_catalog.unnest(p.levels) WITH ORDINALITY AS x(level, position)
                    WHERE x.level IS NOT NULL GROUP BY x.position) t ON t.position = c.position
         LEFT JOIN (SELECT x.position, x.level, pg_catalog.count(*)::double precision AS n
                    FROM pg_temp.pl_link_u_pairs p,
                         LATERAL pg_catalog.unnest(p.levels) WITH ORDINALITY AS x(level, position)
                    WHERE x.level IS NOT NULL GROUP BY x.position, x.level) k
                ON k.position = c.position AND k.level = l.level
    WHERE c.model OPERATOR(pg_catalog.=) v_model;

    -- u, part 2: the exact levels from the frequencies of the values (two
    -- persons drawn at random agree with probability sum of p^2), which a
    -- sample of pairs would hardly ever see.  Each sum adds its terms in the
    -- order of the values, not in the order a plan happens to produce the
    -- groups (hashed or sorted, as the statistics of the moment suggest):
    -- floating-point addition depends on the order, and the same register
    -- must give the same model, to the last bit, on every run.
    CREATE TEMP TABLE pl_link_u_exact (comparison text, level integer, u double precision) ON COMMIT DROP;
    INSERT INTO pg_temp.pl_link_u_exact
    SELECT 'birth_date', 5, pg_catalog.sum((f.n / n_persons::double precision) ^ 2 ORDER BY f.birth_date)
    FROM (SELECT birth_date, pg_catalog.count(*) AS n FROM pseudolink.register_person GROUP BY birth_date) f;
    INSERT INTO pg_temp.pl_link_u_exact
    SELECT 'sex', 1, pg_catalog.sum((f.n / t.n) ^ 2 ORDER BY f.sex)
    FROM (SELECT sex, pg_catalog.count(*)::double precision AS n FROM pseudolink.register_person
          WHERE sex IS NOT NULL GROUP BY sex) f,
         (SELECT pg_catalog.count(*)::double precision AS n FROM pseudolink.register_person WHERE sex IS NOT NULL) t
    HAVING pg_catalog.count(*) > 0;
    -- The postcode on the reference date: the current addresses; at another
    -- period: a person's other periods elsewhere than the current address.
    CREATE TEMP TABLE pl_link_u_current ON COMMIT DROP AS
    SELECT a.postcode, pg_catalog.count(*)::double precision AS n
    FROM pseudolink.register_address a
    WHERE a.valid_to IS NULL AND a.postcode IS NOT NULL AND a.postcode <> '0000'
    GROUP BY a.postcode;
    INSERT INTO pg_temp.pl_link_u_exact
    SELECT 'postcode', 4, pg_catalog.sum((c.n / t.n) ^ 2 ORDER BY c.postcode)
    FROM pg_temp.pl_link_u_current c, (SELECT pg_catalog.sum(n ORDER BY postcode) AS n FROM pg_temp.pl_link_u_current) t
    HAVING pg_catalog.count(*) > 0;
    INSERT INTO pg_temp.pl_link_u_exact
    SELECT 'postcode', 3, pg_catalog.sum(c.n / t.n * o.n / n_persons::double precision ORDER BY c.postcode)
    FROM pg_temp.pl_link_u_current c
         JOIN (SELECT a.postcode, pg_catalog.count(DISTINCT a.person_id)::double precision AS n
               FROM pseudolink.register_address a
                    LEFT JOIN pseudolink.register_address cur
                           ON cur.person_id = a.person_id AND cur.valid_to IS NULL
               WHERE a.valid_to IS NOT NULL AND a.postcode IS NOT NULL
                 AND a.postcode IS DISTINCT FROM cur.postcode
               GROUP BY a.postcode) o USING (postcode),
         (SELECT pg_catalog.sum(n ORDER BY postcode) AS n FROM pg_temp.pl_link_u_current) t
    HAVING pg_catalog.count(*) > 0;
    -- A level that no pair of values reaches still needs a u above 0.
    UPDATE pg_temp.pl_link_u_exact x SET u = GREATEST(x.u, 0.5 / n_persons::double precision);

    -- The other levels share what the exact ones leave, in the sample's proportions.
    UPDATE pseudolink.fs_level l
    SET u = CASE WHEN x.u IS NOT NULL THEN x.u
                 ELSE s.share * (1 - r.exact_u) / NULLIF(r.other_share, 0) END
    FROM pg_temp.pl_link_u_share s
         LEFT JOIN pg_temp.pl_link_u_exact x ON x.comparison = s.comparison AND x.level = s.level
         JOIN (SELECT s2.comparison,
                      COALESCE(pg_catalog.sum(x2.u ORDER BY s2.level), 0) AS exact_u,
                      pg_catalog.sum(s2.share ORDER BY s2.level) FILTER (WHERE x2.u IS NULL) AS other_share
               FROM pg_temp.pl_link_u_share s2
                    LEFT JOIN pg_temp.pl_link_u_exact x2 ON x2.comparison = s2.comparison AND x2.level = s2.level
               GROUP BY s2.comparison) r ON r.comparison = s.comparison
    WHERE l.model OPERATOR(pg_catalog.=) v_model AND l.comparison = s.comparison AND l.level = s.level;

    UPDATE pseudolink.fs_model f
    SET estimated_at = pg_catalog.now(), estimated_by = CURRENT_USER,
        estimation = pg_catalog.format(
            'default Dutch parameters: m from an error rate of %s per field; u from the register of %s persons '
            '(exact levels from value frequencies, the others from %s random pairs); prior %s linkable / %s persons',
            error_rate, n_persons, n_pairs, linkable, n_persons)
    WHERE f.model OPERATOR(pg_catalog.=) v_model;
    INSERT INTO pseudolink.link_model_default (model, comparison, level, m, u, prior)
    SELECT l.model, l.comparison, l.level, l.m, l.u, v_prior
    FROM pseudolink.fs_level l WHERE l.model OPERATOR(pg_catalog.=) v_model;

    DROP TABLE pg_temp.pl_link_u_pairs, pg_temp.pl_link_u_share, pg_temp.pl_link_u_exact, pg_temp.pl_link_u_current;
    FOR c IN SELECT * FROM pseudolink.fs_model_problems(v_model) LOOP
        RAISE EXCEPTION 'the default model cannot score: %', concat_ws(': ', c.comparison, c.problem)
            USING ERRCODE = 'internal_error';
    END LOOP;
    RETURN QUERY
    SELECT l.comparison, l.level::integer, l.label, l.m, l.u, pg_catalog.log(2, (l.m / l.u)::numeric)::double precision
    FROM pseudolink.fs_level l JOIN pseudolink.fs_comparison k USING (model, comparison)
    WHERE l.model OPERATOR(pg_catalog.=) v_model
    ORDER BY k.position, l.level;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_default_model(text, double precision, double precision, integer, double precision) IS
    'writes the default Dutch model (birth date, sex, postcode with address history, house number): m from error_rate per field split over the levels as registries err, u from the loaded register (exact levels from value frequencies, others from sample_pairs random pairs, seeded), prior linkable / register persons; replaces a model of that name; returns the levels with m, u and weight';

-- The parameters of a model next to its defaults --------------------------------

CREATE FUNCTION pseudolink.link_model_report(model text DEFAULT 'nl')
RETURNS TABLE ("position" integer, comparison text, level integer, label text,
               m double precision, u double precision, weight double precision,
               m_default double precision, u_default double precision, weight_default double precision)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT FROM pseudolink.fs_model f WHERE f.model OPERATOR(pg_catalog.=) link_model_report.model) THEN
        RAISE EXCEPTION 'scoring model "%" does not exist', link_model_report.model
            USING ERRCODE = 'undefined_object',
                  HINT = 'Write the default Dutch model with SELECT * FROM pseudolink.link_default_model(''nl'').';
    END IF;
    RETURN QUERY
    SELECT c.position::integer, l.comparison, l.level::integer, l.label, l.m, l.u,
           CASE WHEN l.m > 0 AND l.u > 0 THEN pg_catalog.log(2, (l.m / l.u)::numeric)::double precision END,
           d.m, d.u, CASE WHEN d.m > 0 AND d.u > 0 THEN pg_catalog.log(2, (d.m / d.u)::numeric)::double precision END
    FROM pseudolink.fs_level l
         JOIN pseudolink.fs_comparison c ON c.model = l.model AND c.comparison = l.comparison
         LEFT JOIN pseudolink.link_model_default d
                ON d.model = l.model AND d.comparison = l.comparison AND d.level = l.level
    WHERE l.model OPERATOR(pg_catalog.=) link_model_report.model
    ORDER BY c.position, l.level DESC;
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_model_report(text) IS
    'the parameters of a model per comparison and level (m, u, weight = log2(m/u)), beside the defaults link_default_model() wrote; fs_model.estimation says how they were estimated';

-- Training by EM ------------------------------------------------------------------

-- Splink's way: u stays (from the register), m and the prior come from EM
-- on candidate pairs of the data, in two sessions, each on pairs blocked on
-- one field with that field left out, so that the blocking does not fake
-- agreement: pairs of the same birth date and sex train the postcode and
-- the house number; pairs of the same birth year and postcode train the
-- birth date and the sex (the house number is left out too, or EM would
-- take the households at one address for the matches).
CREATE FUNCTION pseudolink.link_train_em(
    model text,
    upload_id bigint,
    records integer DEFAULT 10000,
    seed double precision DEFAULT 0.5,
    max_iterations integer DEFAULT 200)
RETURNS TABLE (session text, pairs bigint, patterns integer, iterations integer, converged boolean,
               share_matching double precision, prior double precision)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET max_parallel_workers_per_gather = 0
SET synchronize_seqscans = off
SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
    v_model text := link_train_em.model;
    v_upload bigint := link_train_em.upload_id;
    v_blocking text := pseudolink.register_model();
    rule_date integer;
    rule_postcode integer;
    n_records bigint;
    n_persons bigint;
    a record;
    b record;
    m_date double precision;
    m_sex double precision;
    v_prior double precision;
BEGIN
    IF NOT EXISTS (SELECT FROM pseudolink.fs_model f WHERE f.model OPERATOR(pg_catalog.=) v_model) THEN
        RAISE EXCEPTION 'scoring model "%" does not exist', v_model
            USING ERRCODE = 'undefined_object',
                  HINT = 'Write the default Dutch model first: SELECT * FROM pseudolink.link_default_model(''nl'').';
    END IF;
    IF (SELECT pg_catalog.array_agg(c.comparison::text ORDER BY c.position) FROM pseudolink.fs_comparison c
        WHERE c.model OPERATOR(pg_catalog.=) v_model)
       IS DISTINCT FROM ARRAY['birth_date', 'sex', 'postcode', 'house_number'] THEN
        RAISE EXCEPTION 'scoring model "%" does not have the comparisons of the link run', v_model
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'EM is trained on the levels of link_levels(): birth_date, sex, postcode, house_number, in that order.';
    END IF;
    IF records IS NULL OR records < 1 THEN
        RAISE EXCEPTION 'records must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF seed IS NULL OR seed < -1 OR seed > 1 THEN
        RAISE EXCEPTION 'seed must be between -1 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_blocking IS NULL THEN
        RAISE EXCEPTION 'no register has been loaded'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the register with pseudolink.register_load() first.';
    END IF;
    -- Training pairs come from register_keys.
    PERFORM pseudolink.register_require_keys();
    SELECT r.rule_id INTO rule_date FROM pseudolink.blocking_rule r
    WHERE r.model OPERATOR(pg_catalog.=) v_blocking AND r.name OPERATOR(pg_catalog.=) 'birth_date_sex' AND r.enabled;
    SELECT r.rule_id INTO rule_postcode FROM pseudolink.blocking_rule r
    WHERE r.model OPERATOR(pg_catalog.=) v_blocking AND r.name OPERATOR(pg_catalog.=) 'birth_year_postcode' AND r.enabled;
    IF rule_date IS NULL OR rule_postcode IS NULL THEN
        RAISE EXCEPTION 'blocking model "%" lacks the rules birth_date_sex and birth_year_postcode', v_blocking
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'The training sessions take their pairs from these two rules of the Dutch rule set.',
                  HINT = 'pseudolink.add_dutch_blocking_rules() adds them.';
    END IF;
    SELECT pg_catalog.count(*) INTO n_persons FROM pseudolink.register_person;

    -- The sample: the records first in the order of a hash of their id
    -- seeded by seed, so that the same upload and seed give the same
    -- records whatever plan reads them (random() would be drawn in the
    -- order of the scan, which an index scan, a sequential scan or a
    -- synchronised one each make different).
    CREATE TEMP TABLE pl_link_em_records ON COMMIT DROP AS
    SELECT r.record_id, r.birth_date, r.sex, r.postcode, r.house_number, r.house_suffix, r.event_date, r.keys
    FROM pseudolink.upload_record r
    WHERE r.upload_id OPERATOR(pg_catalog.=) v_upload AND r.keys IS NOT NULL
    ORDER BY pg_catalog.hashint8extended(r.record_id, pg_catalog.hashfloat8extended(seed, 0)), r.record_id
    LIMIT records;
    SELECT pg_catalog.count(*) INTO n_records FROM pg_temp.pl_link_em_records;
    IF n_records OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'upload % has no records to train on', COALESCE(v_upload::text, 'null')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Train on a closed upload whose records have blocking keys.';
    END IF;
    CREATE TEMP TABLE pl_link_em_pairs ON COMMIT DROP AS
    SELECT x.session, pseudolink.link_levels(d.birth_date, d.sex, d.postcode, d.house_number, d.house_suffix,
                                             d.event_date, k.birth_date, k.sex, k.postcodes, k.house_numbers,
                                             k.house_suffixes, k.valid_from, k.valid_to) AS levels
    FROM pg_temp.pl_link_em_records d
         CROSS JOIN LATERAL (VALUES ('birth date and sex', rule_date), ('birth year and postcode', rule_postcode)) x(session, rule_id)
         JOIN pseudolink.register_keys k
           ON k.keys OPERATOR(pseudolink.&&) pseudolink.keys_of_rules(d.keys, ARRAY[x.rule_id]);

    SELECT * INTO a FROM pseudolink.fs_train_em(v_model,
        $q$SELECT ARRAY[NULL, NULL, p.levels[3], p.levels[4]] FROM pg_temp.pl_link_em_pairs p WHERE p.session = 'birth date and sex'$q$,
        max_iterations => max_iterations, fix_u => true);
    SELECT * INTO b FROM pseudolink.fs_train_em(v_model,
        $q$SELECT ARRAY[p.levels[1], p.levels[2], NULL, NULL] FROM pg_temp.pl_link_em_pairs p WHERE p.session = 'birth year and postcode'$q$,
        max_iterations => max_iterations, fix_u => true);

    -- The prior: the pairs of the first session hold the matches whose birth
    -- date and sex agree exactly, a share m(exact) x m(exact) of all matches;
    -- all matches over all pairs of the records with the register.
    SELECT l.m INTO m_date FROM pseudolink.fs_level l
    WHERE l.model OPERATOR(pg_catalog.=) v_model AND l.comparison = 'birth_date' AND l.level = 5;
    SELECT l.m INTO m_sex FROM pseudolink.fs_level l
    WHERE l.model OPERATOR(pg_catalog.=) v_model AND l.comparison = 'sex' AND l.level = 1;
    v_prior := LEAST(0.5, a.prior * a.pairs / (m_date * m_sex) / (n_records * n_persons::double precision));
    UPDATE pseudolink.fs_model f
    SET prior = v_prior,
        estimation = pg_catalog.format('EM with u fixed on %s records of upload %s: %s pairs of the same birth date and sex '
                                       '(%s iterations, %s), %s pairs of the same birth year and postcode (%s iterations, %s); '
                                       'prior %s from the matches found', n_records, v_upload, a.pairs, a.iterations,
                                       CASE WHEN a.converged THEN 'converged' ELSE 'not converged' END, b.pairs,
                                       b.iterations, CASE WHEN b.converged THEN 'converged' ELSE 'not converged' END,
                                       v_prior)
    WHERE f.model OPERATOR(pg_catalog.=) v_model;
    DROP TABLE pg_temp.pl_link_em_records, pg_temp.pl_link_em_pairs;
    RETURN QUERY VALUES ('birth date and sex', a.pairs, a.patterns, a.iterations, a.converged, a.prior, v_prior),
                        ('birth year and postcode', b.pairs, b.patterns, b.iterations, b.converged, b.prior, v_prior);
END
$fn$;
COMMENT ON FUNCTION pseudolink.link_train_em(text, bigint, integer, double precision, integer) IS
    'estimates m and the prior of a link model by EM on candidate pairs of a sample of an upload''s records, u fixed, the way Splink trains: pairs of the same birth date and sex train postcode and house number, pairs of the same birth year and postcode train birth date and sex; the prior follows from the matches found; returns both sessions';

-- Privileges -------------------------------------------------------------

REVOKE ALL ON TABLE pseudolink.link_register_history, pseudolink.link_model_default FROM PUBLIC;
GRANT SELECT ON TABLE pseudolink.link_register_history TO pseudolink_steward;
GRANT SELECT ON TABLE pseudolink.link_model_default TO pseudolink_admin, pseudolink_steward, pseudolink_researcher;
-- link_default_model() runs as the steward and records the defaults it wrote.
GRANT INSERT ON TABLE pseudolink.link_model_default TO pseudolink_steward;

REVOKE ALL ON FUNCTION
    pseudolink.link_person_of(bigint), pseudolink.link_history_of(bigint),
    pseudolink.link_address_levels(text, integer, text, date, text[], integer[], text[], date[], date[]),
    pseudolink.link_levels(date, integer, text, integer, text, date, date, integer, text[], integer[], text[], date[], date[]),
    pseudolink.link_default_error_split(text),
    pseudolink.link_default_model(text, double precision, double precision, integer, double precision),
    pseudolink.link_model_report(text),
    pseudolink.link_train_em(text, bigint, integer, double precision, integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    pseudolink.link_address_levels(text, integer, text, date, text[], integer[], text[], date[], date[]),
    pseudolink.link_levels(date, integer, text, integer, text, date, date, integer, text[], integer[], text[], date[], date[]),
    pseudolink.link_default_error_split(text),
    pseudolink.link_model_report(text)
TO pseudolink_admin, pseudolink_steward, pseudolink_researcher;
GRANT EXECUTE ON FUNCTION
    pseudolink.link_person_of(bigint), pseudolink.link_history_of(bigint),
    pseudolink.link_default_model(text, double precision, double precision, integer, double precision),
    pseudolink.link_train_em(text, bigint, integer, double precision, integer)
TO pseudolink_steward;
