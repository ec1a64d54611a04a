-- Output control: helpers that suppress small cells in what researchers
-- export.  A cell counting fewer units than the minimum (10 unless the admin
-- sets another) comes out as null.  The minimum is a table row the admin
-- sets, not a session setting: a researcher can ask for a higher minimum,
-- never a lower one.
--
-- These help researchers prepare outputs; they do not replace the output
-- check of the statistics office, which looks at every export.
--
--   SELECT indication, pseudolink.safe_count(DISTINCT person) FROM ... GROUP BY indication;
--   SELECT pseudolink.suppress(count(*)) FROM ...;

CREATE TABLE pseudolink.output_control (
    singleton      boolean     NOT NULL DEFAULT true,
    min_cell_count integer     NOT NULL,
    set_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    set_by         name        NOT NULL DEFAULT session_user,
    CONSTRAINT output_control_pkey PRIMARY KEY (singleton),
    CONSTRAINT output_control_singleton CHECK (singleton),
    CONSTRAINT output_control_min_cell_count_positive CHECK (min_cell_count >= 1)
);

COMMENT ON TABLE pseudolink.output_control IS
    'the output control settings (at most one row; without it the minimum cell count is 10)';
COMMENT ON COLUMN pseudolink.output_control.singleton IS 'always true: the table has one row at most';
COMMENT ON COLUMN pseudolink.output_control.min_cell_count IS 'the smallest count a cell may show';
COMMENT ON COLUMN pseudolink.output_control.set_at IS 'when it was set';
COMMENT ON COLUMN pseudolink.output_control.set_by IS 'session user that set it';
COMMENT ON CONSTRAINT output_control_pkey ON pseudolink.output_control IS 'one row at most';
COMMENT ON CONSTRAINT output_control_singleton ON pseudolink.output_control IS 'one row at most';
COMMENT ON CONSTRAINT output_control_min_cell_count_positive ON pseudolink.output_control IS 'a minimum is at least 1';

SELECT pg_catalog.pg_extension_config_dump('pseudolink.output_control', '');

CREATE TRIGGER output_control_audit AFTER INSERT OR UPDATE OR DELETE ON pseudolink.output_control
    FOR EACH ROW EXECUTE FUNCTION pseudolink.audit_row('singleton');
COMMENT ON TRIGGER output_control_audit ON pseudolink.output_control IS 'logs every change of the minimum';

CREATE FUNCTION pseudolink.min_cell_count()
RETURNS integer
LANGUAGE sql
STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT o.min_cell_count FROM pseudolink.output_control o), 10)
$$;

COMMENT ON FUNCTION pseudolink.min_cell_count() IS 'the smallest count a cell may show (10 unless the admin set another)';

CREATE FUNCTION pseudolink.set_min_cell_count(minimum integer)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pseudolink.require_role('pseudolink_admin', 'set the minimum cell count');
    INSERT INTO pseudolink.output_control (min_cell_count) VALUES (set_min_cell_count.minimum)
    ON CONFLICT ON CONSTRAINT output_control_pkey DO UPDATE
    SET min_cell_count = EXCLUDED.min_cell_count, set_at = pg_catalog.now(), set_by = session_user;
END
$$;

COMMENT ON FUNCTION pseudolink.set_min_cell_count(integer) IS 'sets the smallest count a cell may show';

CREATE FUNCTION pseudolink.suppress(n bigint, minimum integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    floor_count integer := pseudolink.min_cell_count();
BEGIN
    IF minimum < floor_count THEN
        RAISE EXCEPTION 'the minimum cell count is %', floor_count
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('A minimum of %s was asked for; outputs may only be stricter.', minimum);
    END IF;
    IF n < GREATEST(floor_count, COALESCE(minimum, 0)) THEN
        RETURN NULL;
    END IF;
    RETURN n;
END
$$;

COMMENT ON FUNCTION pseudolink.suppress(bigint, integer) IS
    'a count as it may be shown: null when below the minimum cell count (or a higher minimum given)';

CREATE FUNCTION pseudolink.safe_count_final(n bigint)
RETURNS bigint
LANGUAGE sql
STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN pseudolink.suppress(n);

COMMENT ON FUNCTION pseudolink.safe_count_final(bigint) IS 'final function of safe_count: the count, suppressed when small';

CREATE AGGREGATE pseudolink.safe_count("any") (
    SFUNC = pg_catalog.int8inc_any,
    STYPE = bigint,
    INITCOND = '0',
    FINALFUNC = pseudolink.safe_count_final,
    COMBINEFUNC = pg_catalog.int8pl,
    PARALLEL = SAFE
);

CREATE AGGREGATE pseudolink.safe_count(*) (
    SFUNC = pg_catalog.int8inc,
    STYPE = bigint,
    INITCOND = '0',
    FINALFUNC = pseudolink.safe_count_final,
    COMBINEFUNC = pg_catalog.int8pl,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE pseudolink.safe_count("any") IS
    'count of non-null values (safe_count(DISTINCT person) for persons), null when below the minimum cell count';
COMMENT ON AGGREGATE pseudolink.safe_count(*) IS 'count of rows, null when below the minimum cell count';
