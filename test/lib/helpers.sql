-- Helpers for the pgTAP files, loaded once into the test database (not part
-- of the extension).

-- run_as(role, statements): runs statements as the given role and returns to
-- the calling role.  Inside throws_ok() an error rolls the role switch back
-- with the subtransaction, so the next assertion runs as the caller again.
CREATE FUNCTION public.run_as(role_name name, statements text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    caller name := current_user;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', role_name);
    EXECUTE statements;
    EXECUTE format('SET LOCAL ROLE %I', caller);
END
$$;

-- query_as(role, query): the rows of a query run as the given role, as a
-- text array of row images, for results_eq/is against expected rows.
CREATE FUNCTION public.query_as(role_name name, query text)
RETURNS text[]
LANGUAGE plpgsql
AS $$
DECLARE
    caller name := current_user;
    result text[];
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', role_name);
    EXECUTE format('SELECT coalesce(array_agg(q::text), ''{}'') FROM (%s) q', query) INTO result;
    EXECUTE format('SET LOCAL ROLE %I', caller);
    RETURN result;
END
$$;
