-- Redshift's shape on PostgreSQL 15, run once by the bootstrap superuser in database dev; part 1
-- of 4 (shape, identity, model, catalog: postgres.rs runs them in that order).
--
-- How Redshift ML maps onto real PostgreSQL objects:
--   CREATE MODEL privilege  = USAGE on the trusted language mlfunc (as Redshift stores it);
--   a model                 = a function in language mlfunc, owned by its creator, no PUBLIC
--                             execute; mlsim.model_registry maps its name to the function and
--                             the CREATE MODEL clauses and the model's state live in the
--                             function's comment (JSON); all of it transactional;
--   EXECUTE ON MODEL        = EXECUTE on that function;
--   groups and RBAC roles   = NOLOGIN roles marked by a role comment ('redshift:group' or
--                             'redshift:role'); users are LOGIN roles; the system roles sys:*
--                             are roles made here;
--   ASSUMEROLE, system privileges, scoped permissions = rows in mlsim tables.
-- The ML statements are rewritten by the front into CALLs of the procedures in identity.sql and
-- model.sql, which run as the calling user: ownership and permission checks are PostgreSQL's own.

CREATE TRUSTED LANGUAGE mlfunc HANDLER plpgsql_call_handler VALIDATOR plpgsql_validator;
REVOKE USAGE ON LANGUAGE mlfunc FROM PUBLIC;

-- Redshift lets every user create in schema public.
GRANT CREATE, USAGE ON SCHEMA public TO PUBLIC;

CREATE SCHEMA mlsim;
GRANT USAGE ON SCHEMA mlsim TO PUBLIC;

-- ASSUMEROLE grants in the shapes AWS documents (DG r_SVV_IAM_PRIVILEGES): one row per IAM role,
-- command and identity; command_type is COPY, UNLOAD, CREATE MODEL or EXFUNC (EXTERNAL FUNCTION);
-- the cluster's default role (ON default) is 'default-aws-iam-role'; identity_id 0 is PUBLIC.
-- A new cluster lets PUBLIC assume every role for every command until
-- REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL (DG r_GRANT-usage-notes). How Redshift shows that,
-- and a grant ON ALL, is undocumented: here iam_arn 'ALL', one row per command.
CREATE TABLE mlsim.iam_privileges (
    iam_arn text NOT NULL,
    command_type text NOT NULL
        CHECK (command_type IN ('COPY', 'UNLOAD', 'CREATE MODEL', 'EXFUNC')),
    identity_id oid NOT NULL,
    PRIMARY KEY (iam_arn, command_type, identity_id)
);
INSERT INTO mlsim.iam_privileges
SELECT 'ALL', c, 0 FROM unnest(ARRAY['COPY', 'UNLOAD', 'CREATE MODEL', 'EXFUNC']) AS c;

-- Identity providers (DG r_CREATE_IDENTITY_PROVIDER, r_SVV_IDENTITY_PROVIDERS), and which
-- memberships came from a directory at login (mlsim.idp_login): those are session roles.
CREATE TABLE mlsim.identity_providers (
    uid serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    type text NOT NULL,
    namespc text NOT NULL UNIQUE,
    params text,
    enabled boolean NOT NULL DEFAULT true
);
GRANT INSERT ON mlsim.identity_providers TO PUBLIC;
GRANT USAGE ON SEQUENCE mlsim.identity_providers_uid_seq TO PUBLIC;
CREATE TABLE mlsim.directory_members (
    roleid oid NOT NULL,
    member oid NOT NULL,
    PRIMARY KEY (roleid, member)
);
GRANT INSERT ON mlsim.directory_members TO PUBLIC;

-- System privileges other than CREATE MODEL granted by GRANT CREATE MODEL (which is language
-- USAGE): ACCESS SYSTEM TABLE, and what the system roles hold.
CREATE TABLE mlsim.system_privileges (
    privilege text NOT NULL,
    identity_id oid NOT NULL,
    PRIMARY KEY (privilege, identity_id)
);

-- Scoped permissions: GRANT ... FOR { TABLES | FUNCTIONS } IN SCHEMA s TO { user | ROLE r }
-- (DG r_GRANT, t_scoped-permissions). Recorded and shown in svv_schema_privileges with their
-- scope; the simulator does not extend them to the schema's tables and functions.
CREATE TABLE mlsim.scoped_privileges (
    namespace oid NOT NULL,
    scope text NOT NULL CHECK (scope IN ('TABLES', 'FUNCTIONS')),
    privilege text NOT NULL,
    identity_id oid NOT NULL,
    admin_option boolean NOT NULL,
    PRIMARY KEY (namespace, scope, privilege, identity_id)
);

-- Which function is which model: written by create_model and drop_model, in the caller's
-- transaction, so that looking a model up by name is an index probe. Rows whose function is
-- gone (dropped by hand) are ignored by the join with pg_proc.
CREATE TABLE mlsim.model_registry (
    schema_name text NOT NULL,
    model_name text NOT NULL,
    fn oid NOT NULL,
    PRIMARY KEY (schema_name, model_name)
);
GRANT INSERT, DELETE ON mlsim.model_registry TO PUBLIC;

CREATE VIEW mlsim.models AS
SELECT r.fn,
       n.nspname::text AS schema_name,
       r.model_name,
       p.proowner AS owner,
       coalesce(obj_description(r.fn, 'pg_proc')::jsonb, '{}'::jsonb) AS info
FROM mlsim.model_registry r
JOIN pg_proc p ON p.oid = r.fn
JOIN pg_namespace n ON n.oid = p.pronamespace;

-- Every identity with its Redshift kind; PostgreSQL's own pg_* roles are left out.
CREATE VIEW mlsim.identities AS
SELECT r.oid AS id,
       r.rolname::text AS name,
       CASE d.description
           WHEN 'redshift:group' THEN 'group'
           WHEN 'redshift:role' THEN 'role'
           ELSE 'user'
       END AS type,
       r.rolsuper AS superuser
FROM pg_roles r
LEFT JOIN pg_shdescription d
       ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass
WHERE r.rolname NOT LIKE 'pg\_%'
UNION ALL
SELECT 0::oid, 'public', 'public', false;

-- The system roles (DG r_roles-default). Roles belong to the whole server, so a second database
-- shaped on a server given with --pg finds them made. What they hold, as far as the simulator
-- models system permissions: sys:superuser every one (CREATE MODEL, ACCESS SYSTEM TABLE); the
-- roles that may "access catalog or system tables" ACCESS SYSTEM TABLE. Holding sys:superuser
-- does not make a user a superuser here, and its CREATE MODEL is a row, not language USAGE.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['sys:monitor', 'sys:operator', 'sys:dba', 'sys:superuser',
                             'sys:secadmin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXECUTE format('COMMENT ON ROLE %I IS %L', r, 'redshift:role');
        END IF;
    END LOOP;
END
$$;
INSERT INTO mlsim.system_privileges
SELECT p.privilege, r.oid
FROM (VALUES ('sys:superuser', 'CREATE MODEL'), ('sys:superuser', 'ACCESS SYSTEM TABLE'),
             ('sys:dba', 'ACCESS SYSTEM TABLE'), ('sys:operator', 'ACCESS SYSTEM TABLE'),
             ('sys:monitor', 'ACCESS SYSTEM TABLE')) AS p(role_name, privilege)
JOIN pg_roles r ON r.rolname = p.role_name;

CREATE FUNCTION mlsim.is_superuser() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
$$;

-- Superusers and holders of ACCESS SYSTEM TABLE see every identity in the svv views.
CREATE FUNCTION mlsim.sees_all() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT mlsim.is_superuser() OR EXISTS (
        SELECT 1 FROM mlsim.system_privileges s
        WHERE s.privilege = 'ACCESS SYSTEM TABLE'
          AND (s.identity_id = 0 OR pg_has_role(current_user, s.identity_id, 'MEMBER')))
$$;

-- Others see their own identities: themselves, their groups and roles, and PUBLIC. `all` is
-- mlsim.sees_all(), which the views pass as `(SELECT mlsim.sees_all())`: asked once per query,
-- not once per row (asked per row, svv_ml_model_privileges took a second for 10,000 grants).
CREATE FUNCTION mlsim.sees(identity oid, all_identities boolean) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT identity = 0 OR all_identities OR pg_has_role(current_user, identity, 'MEMBER')
$$;

-- A grantee written by the front as 'group:g', 'role:r', 'user:u' or 'public', checked against
-- the catalog and returned as SQL.
CREATE FUNCTION mlsim.grantee_sql(grantee text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_kind text := split_part(grantee, ':', 1);
    v_name text := substr(grantee, length(split_part(grantee, ':', 1)) + 2);
    v_type text;
BEGIN
    IF grantee = 'public' THEN
        RETURN 'PUBLIC';
    END IF;
    SELECT i.type INTO v_type FROM mlsim.identities i WHERE i.name = v_name;
    IF v_type IS DISTINCT FROM v_kind THEN
        RAISE EXCEPTION '% "%" does not exist', v_kind, v_name USING ERRCODE = '42704';
    END IF;
    RETURN format('%I', v_name);
END
$$;

CREATE FUNCTION mlsim.grantee_id(grantee text) RETURNS oid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF grantee = 'public' THEN
        RETURN 0;
    END IF;
    PERFORM mlsim.grantee_sql(grantee);
    RETURN (SELECT i.id FROM mlsim.identities i
            WHERE i.name = substr(grantee, length(split_part(grantee, ':', 1)) + 2));
END
$$;

-- The system roles sys:* and the data-sharing identities ds:* are reserved: nothing is granted
-- to or revoked from them, and they are not dropped (DG r_roles-default). The wording is the one
-- Redshift gives for ds: roles, "Granting permissions to reserved role ds:x is not supported."
-- (dbt-labs/dbt-adapters issue 1808); its SQLSTATE is undocumented: 0A000 here.
-- `action` is 'Granting permissions to', 'Revoking permissions from' or 'Dropping'.
CREATE FUNCTION mlsim.not_reserved(grantee text, action text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v_name text := substr(grantee, length(split_part(grantee, ':', 1)) + 2);
BEGIN
    IF grantee <> 'public' AND (v_name LIKE 'sys:%' OR v_name LIKE 'ds:%') THEN
        RAISE EXCEPTION '% reserved role % is not supported.', action, v_name
            USING ERRCODE = '0A000';
    END IF;
END
$$;

CREATE FUNCTION mlsim.grant_action(is_grant boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN is_grant THEN 'Granting permissions to' ELSE 'Revoking permissions from' END
$$;

CREATE FUNCTION mlsim.require_superuser(what text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT mlsim.is_superuser() THEN
        RAISE EXCEPTION 'permission denied: only a superuser can %', what
            USING ERRCODE = '42501';
    END IF;
END
$$;

CREATE PROCEDURE mlsim.refuse(message text, code text)
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', message USING ERRCODE = code;
END
$$;

-- Redshift's serialization error (error 1023), as it reaches a client: SQLSTATE XX000, message
-- '1023', the conflict in DETAIL (aws-sdk-pandas issue 665, estuary/connectors issue 5218). The
-- numbers in DETAIL are fixed. The front calls this in place of the statement that
-- --serialization-error-at names, so PostgreSQL aborts the client's transaction as a real error
-- aborts it.
CREATE PROCEDURE mlsim.serialization_error()
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '1023' USING ERRCODE = 'XX000',
        DETAIL = 'Serializable isolation violation on table - 100123, transactions forming the '
                 'cycle are: 1001, 1002 (pid:4242)';
END
$$;

GRANT SELECT ON ALL TABLES IN SCHEMA mlsim TO PUBLIC;
