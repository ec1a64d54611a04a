-- Key domains and key versions (src/keys.c).
--
-- A key domain is a name ("steward" for the linkage unit's own pseudonyms,
-- a project number for each project) with its own subkey, so pseudonyms of
-- two domains cannot be joined.  Each domain has key versions; its current
-- version is its highest one.  Rotating a domain adds a version; the old
-- version stays usable (to map old pseudonyms to new ones) until it is
-- retired.  The root key itself lives outside the database
-- (pseudolink.key_file or pseudolink.key_command) and may hold a different
-- root key per version.
--
-- The three tables are append-only logs (rows are never changed or deleted:
-- a pseudonym made under a version must stay reproducible) and extension
-- configuration, so pg_dump keeps them.  The install script's own rows (the
-- steward domain at version 1) are left out of the dump, because the
-- restore's CREATE EXTENSION makes them again; that is why retirement is a
-- table of its own and not a column of key_version.

CREATE TABLE pseudolink.key_domain (
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name        NOT NULL DEFAULT session_user,
    CONSTRAINT key_domain_pkey PRIMARY KEY (name),
    CONSTRAINT key_domain_name_valid CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$')
);

COMMENT ON TABLE pseudolink.key_domain IS
    'key domains: each name has its own subkey, so pseudonyms of two domains cannot be joined';
COMMENT ON COLUMN pseudolink.key_domain.name IS
    'domain name: 1-63 characters a-z, 0-9, _ . - (starting with a letter or digit)';
COMMENT ON COLUMN pseudolink.key_domain.description IS 'what the domain is for';
COMMENT ON COLUMN pseudolink.key_domain.created_at IS 'when the domain was created';
COMMENT ON COLUMN pseudolink.key_domain.created_by IS 'session user that created the domain';

CREATE TABLE pseudolink.key_version (
    domain     text        NOT NULL,
    version    integer     NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by name        NOT NULL DEFAULT session_user,
    CONSTRAINT key_version_pkey PRIMARY KEY (domain, version),
    CONSTRAINT key_version_domain_fkey FOREIGN KEY (domain) REFERENCES pseudolink.key_domain (name),
    CONSTRAINT key_version_positive CHECK (version >= 1)
);

COMMENT ON TABLE pseudolink.key_version IS
    'key versions of each domain; the highest is the current one, used when no version is given';
COMMENT ON COLUMN pseudolink.key_version.domain IS 'key domain';
COMMENT ON COLUMN pseudolink.key_version.version IS
    'key version: enters the subkey, and selects the root key when the key source has one per version';
COMMENT ON COLUMN pseudolink.key_version.created_at IS 'when the version was added';
COMMENT ON COLUMN pseudolink.key_version.created_by IS 'session user that added the version';

CREATE TABLE pseudolink.key_version_retired (
    domain     text        NOT NULL,
    version    integer     NOT NULL,
    retired_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    retired_by name        NOT NULL DEFAULT session_user,
    CONSTRAINT key_version_retired_pkey PRIMARY KEY (domain, version),
    CONSTRAINT key_version_retired_version_fkey FOREIGN KEY (domain, version)
        REFERENCES pseudolink.key_version (domain, version)
);

COMMENT ON TABLE pseudolink.key_version_retired IS
    'retired key versions: pseudonyms can no longer be made with them';
COMMENT ON COLUMN pseudolink.key_version_retired.domain IS 'key domain';
COMMENT ON COLUMN pseudolink.key_version_retired.version IS 'retired key version';
COMMENT ON COLUMN pseudolink.key_version_retired.retired_at IS 'when the version was retired';
COMMENT ON COLUMN pseudolink.key_version_retired.retired_by IS 'session user that retired it';

INSERT INTO pseudolink.key_domain (name, description, created_by)
VALUES ('steward', 'the linkage unit''s own pseudonyms: register persons (R) and person keys (S)',
        'pseudolink');
INSERT INTO pseudolink.key_version (domain, version, created_by)
VALUES ('steward', 1, 'pseudolink');

SELECT pg_catalog.pg_extension_config_dump('pseudolink.key_domain',
    'WHERE name OPERATOR(pg_catalog.<>) ''steward''');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.key_version',
    'WHERE NOT (domain OPERATOR(pg_catalog.=) ''steward'' AND version OPERATOR(pg_catalog.=) 1)');
SELECT pg_catalog.pg_extension_config_dump('pseudolink.key_version_retired', '');

-- Append-only: a changed or deleted version would silently change or lose
-- pseudonyms.  Only a domain's description may be edited.
CREATE FUNCTION pseudolink.key_tables_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Nested: plpgsql does not promise to stop at the first false AND term,
    -- and only key_domain rows have a name.
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
       AND TG_TABLE_NAME OPERATOR(pg_catalog.=) 'key_domain' THEN
        IF NEW.name OPERATOR(pg_catalog.=) OLD.name
           AND NEW.created_at OPERATOR(pg_catalog.=) OLD.created_at
           AND NEW.created_by OPERATOR(pg_catalog.=) OLD.created_by THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'pseudolink.% is append-only', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported',
              DETAIL = 'Changing or deleting key domains and versions would make existing pseudonyms irreproducible.',
              HINT = 'Use pseudolink.rotate_domain() and pseudolink.retire_key_version().';
END
$$;

COMMENT ON FUNCTION pseudolink.key_tables_append_only() IS
    'trigger: refuses UPDATE (except of a domain''s description), DELETE and TRUNCATE on the key domain tables';

CREATE TRIGGER key_domain_append_only
    BEFORE UPDATE OR DELETE ON pseudolink.key_domain
    FOR EACH ROW EXECUTE FUNCTION pseudolink.key_tables_append_only();
CREATE TRIGGER key_domain_no_truncate
    BEFORE TRUNCATE ON pseudolink.key_domain
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.key_tables_append_only();
CREATE TRIGGER key_version_append_only
    BEFORE UPDATE OR DELETE ON pseudolink.key_version
    FOR EACH ROW EXECUTE FUNCTION pseudolink.key_tables_append_only();
CREATE TRIGGER key_version_no_truncate
    BEFORE TRUNCATE ON pseudolink.key_version
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.key_tables_append_only();
CREATE TRIGGER key_version_retired_append_only
    BEFORE UPDATE OR DELETE ON pseudolink.key_version_retired
    FOR EACH ROW EXECUTE FUNCTION pseudolink.key_tables_append_only();
CREATE TRIGGER key_version_retired_no_truncate
    BEFORE TRUNCATE ON pseudolink.key_version_retired
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.key_tables_append_only();

-- A change made in this session reaches its cached subkeys at once.
CREATE FUNCTION pseudolink.key_domains_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'pseudolink_key_domains_changed'
LANGUAGE C;

COMMENT ON FUNCTION pseudolink.key_domains_changed() IS
    'trigger: makes this session''s cached domain subkeys resolve key versions again';

CREATE TRIGGER key_domain_changed
    AFTER INSERT OR UPDATE ON pseudolink.key_domain
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.key_domains_changed();
CREATE TRIGGER key_version_changed
    AFTER INSERT ON pseudolink.key_version
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.key_domains_changed();
CREATE TRIGGER key_version_retired_changed
    AFTER INSERT ON pseudolink.key_version_retired
    FOR EACH STATEMENT EXECUTE FUNCTION pseudolink.key_domains_changed();

CREATE VIEW pseudolink.key_domains AS
SELECT d.name,
       d.description,
       (SELECT pg_catalog.max(v.version) FROM pseudolink.key_version v
        WHERE v.domain OPERATOR(pg_catalog.=) d.name) AS current_version,
       ARRAY(SELECT v.version FROM pseudolink.key_version v
             WHERE v.domain OPERATOR(pg_catalog.=) d.name
               AND NOT EXISTS (SELECT FROM pseudolink.key_version_retired r
                               WHERE r.domain OPERATOR(pg_catalog.=) v.domain
                                 AND r.version OPERATOR(pg_catalog.=) v.version)
             ORDER BY v.version) AS usable_versions,
       ARRAY(SELECT r.version FROM pseudolink.key_version_retired r
             WHERE r.domain OPERATOR(pg_catalog.=) d.name
             ORDER BY r.version) AS retired_versions,
       d.created_at,
       d.created_by
FROM pseudolink.key_domain d;

COMMENT ON VIEW pseudolink.key_domains IS
    'each key domain with its current key version, the versions still usable and the retired ones';

CREATE FUNCTION pseudolink.root_key_fingerprint(key_version integer)
RETURNS text
AS 'MODULE_PATHNAME', 'pseudolink_root_key_fingerprint'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pseudolink.root_key_fingerprint(integer) IS
    '16 hexadecimal characters identifying the root key of a key version (equal on two servers exactly when their keys are); reveals nothing about the key; an error when the key source has no key for that version';

CREATE FUNCTION pseudolink.create_domain(domain text, description text DEFAULT '',
                                         key_version integer DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v integer := create_domain.key_version;
BEGIN
    IF create_domain.domain IS NULL
       OR create_domain.domain OPERATOR(pg_catalog.!~) '^[a-z0-9][a-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid key domain name'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A key domain name has 1 to 63 characters: lower-case letters a-z, digits, ''_'', ''.'' and ''-'', and starts with a letter or digit.';
    END IF;
    IF v IS NULL THEN
        -- New domains start on the newest key version in use.
        SELECT COALESCE(pg_catalog.max(kv.version), 1) INTO v
        FROM pseudolink.key_version kv;
    ELSIF v OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'key version must be a positive integer'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM pseudolink.key_domain d
               WHERE d.name OPERATOR(pg_catalog.=) create_domain.domain) THEN
        RAISE EXCEPTION 'key domain "%" already exists', create_domain.domain
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Use the existing domain, or pseudolink.rotate_domain() for new pseudonyms.';
    END IF;
    -- A domain whose root key is missing would be unusable: fail now.
    PERFORM pseudolink.root_key_fingerprint(v);
    INSERT INTO pseudolink.key_domain (name, description)
    VALUES (create_domain.domain, COALESCE(create_domain.description, ''));
    INSERT INTO pseudolink.key_version (domain, version)
    VALUES (create_domain.domain, v);
    RETURN v;
END
$$;

COMMENT ON FUNCTION pseudolink.create_domain(text, text, integer) IS
    'creates a key domain at a key version (default: the newest version of any domain) and returns that version';

CREATE FUNCTION pseudolink.rotate_domain(domain text, key_version integer DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    current_v integer;
    new_v integer;
BEGIN
    PERFORM FROM pseudolink.key_domain d
    WHERE d.name OPERATOR(pg_catalog.=) rotate_domain.domain
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'key domain "%" does not exist', rotate_domain.domain
            USING ERRCODE = 'undefined_object',
                  HINT = 'The key domains are listed in pseudolink.key_domains.';
    END IF;
    SELECT pg_catalog.max(kv.version) INTO current_v
    FROM pseudolink.key_version kv
    WHERE kv.domain OPERATOR(pg_catalog.=) rotate_domain.domain;
    new_v := COALESCE(rotate_domain.key_version, current_v OPERATOR(pg_catalog.+) 1);
    IF new_v OPERATOR(pg_catalog.<=) current_v THEN
        RAISE EXCEPTION 'new key version % is not above the current key version %', new_v, current_v
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pseudolink.root_key_fingerprint(new_v);
    INSERT INTO pseudolink.key_version (domain, version)
    VALUES (rotate_domain.domain, new_v);
    RETURN new_v;
END
$$;

COMMENT ON FUNCTION pseudolink.rotate_domain(text, integer) IS
    'adds a key version to a domain (default: current + 1) and makes it current; pseudonyms made from then on differ from the old ones; returns the new version';

CREATE FUNCTION pseudolink.retire_key_version(domain text, key_version integer)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    current_v integer;
BEGIN
    PERFORM FROM pseudolink.key_domain d
    WHERE d.name OPERATOR(pg_catalog.=) retire_key_version.domain
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'key domain "%" does not exist', retire_key_version.domain
            USING ERRCODE = 'undefined_object',
                  HINT = 'The key domains are listed in pseudolink.key_domains.';
    END IF;
    IF NOT EXISTS (SELECT FROM pseudolink.key_version kv
                   WHERE kv.domain OPERATOR(pg_catalog.=) retire_key_version.domain
                     AND kv.version OPERATOR(pg_catalog.=) retire_key_version.key_version) THEN
        RAISE EXCEPTION 'key domain "%" has no key version %',
                        retire_key_version.domain, retire_key_version.key_version
            USING ERRCODE = 'undefined_object';
    END IF;
    SELECT pg_catalog.max(kv.version) INTO current_v
    FROM pseudolink.key_version kv
    WHERE kv.domain OPERATOR(pg_catalog.=) retire_key_version.domain;
    IF retire_key_version.key_version OPERATOR(pg_catalog.=) current_v THEN
        RAISE EXCEPTION 'cannot retire the current key version of a domain'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Rotate the domain first with pseudolink.rotate_domain().';
    END IF;
    IF EXISTS (SELECT FROM pseudolink.key_version_retired r
               WHERE r.domain OPERATOR(pg_catalog.=) retire_key_version.domain
                 AND r.version OPERATOR(pg_catalog.=) retire_key_version.key_version) THEN
        RAISE EXCEPTION 'key version % of domain "%" is already retired',
                        retire_key_version.key_version, retire_key_version.domain
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    INSERT INTO pseudolink.key_version_retired (domain, version)
    VALUES (retire_key_version.domain, retire_key_version.key_version);
END
$$;

COMMENT ON FUNCTION pseudolink.retire_key_version(text, integer) IS
    'retires an old key version of a domain: pseudonyms can no longer be made with it (remove its root key from the key source too)';

REVOKE ALL ON TABLE pseudolink.key_domain, pseudolink.key_version,
    pseudolink.key_version_retired, pseudolink.key_domains FROM PUBLIC;
GRANT SELECT ON TABLE pseudolink.key_domain, pseudolink.key_version,
    pseudolink.key_version_retired, pseudolink.key_domains
TO pseudolink_admin, pseudolink_steward;

REVOKE ALL ON FUNCTION pseudolink.key_tables_append_only(), pseudolink.key_domains_changed(),
    pseudolink.root_key_fingerprint(integer), pseudolink.create_domain(text, text, integer),
    pseudolink.rotate_domain(text, integer), pseudolink.retire_key_version(text, integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pseudolink.root_key_fingerprint(integer),
    pseudolink.create_domain(text, text, integer)
TO pseudolink_admin, pseudolink_steward;
GRANT EXECUTE ON FUNCTION pseudolink.rotate_domain(text, integer),
    pseudolink.retire_key_version(text, integer)
TO pseudolink_admin;
