-- Redshift's shape on PostgreSQL 15, run once by the bootstrap superuser in database dev.
--
-- How Redshift ML maps onto real PostgreSQL objects:
--   CREATE MODEL privilege  = USAGE on the trusted language mlfunc (as Redshift stores it);
--   a model                 = a function in language mlfunc, owned by its creator, no PUBLIC
--                             execute; mlsim.model_registry maps its name to the function and
--                             the CREATE MODEL clauses live in the function's comment (JSON);
--                             all of it transactional;
--   EXECUTE ON MODEL        = EXECUTE on that function;
--   groups and RBAC roles   = NOLOGIN roles marked by a role comment ('redshift:group' or
--                             'redshift:role'); users are LOGIN roles;
--   ASSUMEROLE, system privileges = rows in mlsim tables.
-- The ML statements are rewritten by the front into CALLs of the procedures below, which run as
-- the calling user: ownership and permission checks are PostgreSQL's own.

CREATE TRUSTED LANGUAGE mlfunc HANDLER plpgsql_call_handler VALIDATOR plpgsql_validator;
REVOKE USAGE ON LANGUAGE mlfunc FROM PUBLIC;

-- Redshift lets every user create in schema public.
GRANT CREATE, USAGE ON SCHEMA public TO PUBLIC;

CREATE SCHEMA mlsim;
CREATE SCHEMA rs_catalog;
GRANT USAGE ON SCHEMA mlsim, rs_catalog TO PUBLIC;

-- ASSUMEROLE grants; identity_id 0 is PUBLIC. A new cluster lets PUBLIC assume every role for
-- every command, as Redshift does until REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL.
CREATE TABLE mlsim.iam_privileges (
    iam_arn text NOT NULL,
    command_type text NOT NULL,
    identity_id oid NOT NULL,
    PRIMARY KEY (iam_arn, command_type, identity_id)
);
INSERT INTO mlsim.iam_privileges VALUES ('ALL', 'ALL', 0);
GRANT SELECT ON mlsim.iam_privileges TO PUBLIC;

-- System privileges other than CREATE MODEL (which is language USAGE), e.g. ACCESS SYSTEM TABLE.
CREATE TABLE mlsim.system_privileges (
    privilege text NOT NULL,
    identity_id oid NOT NULL,
    PRIMARY KEY (privilege, identity_id)
);
GRANT SELECT ON mlsim.system_privileges TO PUBLIC;

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

-- Others see their own identities: themselves, their groups and roles, and PUBLIC.
CREATE FUNCTION mlsim.sees(identity oid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT identity = 0 OR mlsim.sees_all() OR pg_has_role(current_user, identity, 'MEMBER')
$$;

-- Which function is which model: written by create_model and drop_model, in the caller's
-- transaction, so that looking a model up by name is an index probe. Rows whose function is
-- gone (dropped by hand) are ignored by the join with pg_proc.
CREATE TABLE mlsim.model_registry (
    schema_name text NOT NULL,
    model_name text NOT NULL,
    fn oid NOT NULL,
    PRIMARY KEY (schema_name, model_name)
);
GRANT SELECT, INSERT, DELETE ON mlsim.model_registry TO PUBLIC;

CREATE VIEW mlsim.models AS
SELECT r.fn,
       n.nspname::text AS schema_name,
       r.model_name,
       p.proowner AS owner,
       coalesce(obj_description(r.fn, 'pg_proc')::jsonb, '{}'::jsonb) AS info
FROM mlsim.model_registry r
JOIN pg_proc p ON p.oid = r.fn
JOIN pg_namespace n ON n.oid = p.pronamespace;

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

-- GRANT / REVOKE CREATE MODEL TO|FROM grantees.
CREATE PROCEDURE mlsim.grant_create_model(is_grant boolean, grantees text[])
LANGUAGE plpgsql AS $$
DECLARE
    g text;
BEGIN
    PERFORM mlsim.require_superuser('grant or revoke CREATE MODEL');
    FOREACH g IN ARRAY grantees LOOP
        EXECUTE format('%s USAGE ON LANGUAGE mlfunc %s %s',
                       CASE WHEN is_grant THEN 'GRANT' ELSE 'REVOKE' END,
                       CASE WHEN is_grant THEN 'TO' ELSE 'FROM' END,
                       mlsim.grantee_sql(g));
    END LOOP;
END
$$;

CREATE FUNCTION mlsim.model_fn(schema_name text, model_name text) RETURNS regprocedure
LANGUAGE plpgsql STABLE AS $$
DECLARE
    f oid;
BEGIN
    SELECT r.fn INTO f FROM mlsim.model_registry r JOIN pg_proc p ON p.oid = r.fn
    WHERE r.schema_name = coalesce(model_fn.schema_name, current_schema())
      AND r.model_name = model_fn.model_name;
    IF f IS NULL THEN
        RAISE EXCEPTION 'model "%" does not exist',
            coalesce(model_fn.schema_name || '.', '') || model_fn.model_name
            USING ERRCODE = '42704';
    END IF;
    RETURN f::regprocedure;
END
$$;

-- GRANT / REVOKE { EXECUTE | ALL } ON MODEL s.m, ... TO|FROM grantees.
CREATE PROCEDURE mlsim.grant_model(is_grant boolean, schemas text[], models text[],
                                   grantees text[], grant_option boolean)
LANGUAGE plpgsql AS $$
DECLARE
    i int;
    f regprocedure;
    g text;
BEGIN
    FOR i IN 1 .. coalesce(array_length(models, 1), 0) LOOP
        f := mlsim.model_fn(schemas[i], models[i]);
        IF NOT (mlsim.is_superuser()
                OR pg_has_role(current_user, (SELECT proowner FROM pg_proc WHERE oid = f), 'USAGE')
                OR has_function_privilege(current_user, f, 'EXECUTE WITH GRANT OPTION')) THEN
            RAISE EXCEPTION 'permission denied for model %',
                coalesce(schemas[i] || '.', '') || models[i] USING ERRCODE = '42501';
        END IF;
        FOREACH g IN ARRAY grantees LOOP
            IF is_grant THEN
                EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s%s', f, mlsim.grantee_sql(g),
                               CASE WHEN grant_option THEN ' WITH GRANT OPTION' ELSE '' END);
            ELSE
                EXECUTE format('REVOKE %sEXECUTE ON FUNCTION %s FROM %s',
                               CASE WHEN grant_option THEN 'GRANT OPTION FOR ' ELSE '' END,
                               f, mlsim.grantee_sql(g));
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- CREATE MODEL: the prediction function, created as the calling user (so CREATE MODEL, that is
-- USAGE on mlfunc, and CREATE on the schema are checked by PostgreSQL), with no PUBLIC execute.
CREATE PROCEDURE mlsim.create_model(schema_name text, model_name text, function_name text,
                                    arg_types text[], returns text, iam_role text, info jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    s text := coalesce(schema_name, current_schema());
    args text;
    signature text;
BEGIN
    IF EXISTS (SELECT 1 FROM mlsim.model_registry r JOIN pg_proc p ON p.oid = r.fn
               WHERE r.schema_name = s AND r.model_name = create_model.model_name) THEN
        RAISE EXCEPTION 'model "%.%" already exists', s, model_name USING ERRCODE = '42710';
    END IF;
    IF NOT mlsim.is_superuser() AND NOT EXISTS (
        SELECT 1 FROM mlsim.iam_privileges p
        WHERE p.iam_arn IN (iam_role, 'ALL')
          AND p.command_type IN ('CREATE MODEL', 'ALL')
          AND (p.identity_id = 0 OR pg_has_role(current_user, p.identity_id, 'MEMBER'))) THEN
        RAISE EXCEPTION 'permission denied: % may not assume IAM role % for CREATE MODEL',
            current_user, iam_role USING ERRCODE = '42501';
    END IF;
    SELECT coalesce(string_agg(t::regtype::text, ', ' ORDER BY n), '') INTO args
    FROM unnest(arg_types) WITH ORDINALITY AS a(t, n);
    signature := format('%I.%I(%s)', s, function_name, args);
    EXECUTE format('CREATE FUNCTION %s RETURNS %s LANGUAGE mlfunc AS %L',
                   signature, returns::regtype, 'BEGIN RETURN NULL; END');
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', signature);
    EXECUTE format('COMMENT ON FUNCTION %s IS %L', signature,
                   (info || jsonb_build_object('model', model_name, 'function', function_name,
                                               'iam_role', iam_role,
                                               'state', 'Model is Ready'))::text);
    DELETE FROM mlsim.model_registry r
    WHERE r.schema_name = s AND r.model_name = create_model.model_name;
    INSERT INTO mlsim.model_registry VALUES (s, model_name, signature::regprocedure::oid);
END
$$;

CREATE PROCEDURE mlsim.drop_model(schema_name text, model_name text, if_exists boolean)
LANGUAGE plpgsql AS $$
DECLARE
    f oid;
BEGIN
    SELECT r.fn INTO f FROM mlsim.model_registry r JOIN pg_proc p ON p.oid = r.fn
    WHERE r.schema_name = coalesce(drop_model.schema_name, current_schema())
      AND r.model_name = drop_model.model_name;
    IF f IS NULL AND if_exists THEN
        RAISE NOTICE 'model "%" does not exist, skipping', model_name;
        RETURN;
    END IF;
    EXECUTE format('DROP FUNCTION %s', mlsim.model_fn(schema_name, model_name));
    DELETE FROM mlsim.model_registry r
    WHERE r.schema_name = coalesce(drop_model.schema_name, current_schema())
      AND r.model_name = drop_model.model_name;
END
$$;

CREATE PROCEDURE mlsim.create_group(group_name text, users text[])
LANGUAGE plpgsql AS $$
DECLARE
    u text;
BEGIN
    IF group_name LIKE '\_\_%' THEN
        RAISE EXCEPTION 'group name "%" is reserved: names starting with __ are', group_name
            USING ERRCODE = '42939';
    END IF;
    EXECUTE format('CREATE ROLE %I NOLOGIN', group_name);
    EXECUTE format('COMMENT ON ROLE %I IS %L', group_name, 'redshift:group');
    FOREACH u IN ARRAY users LOOP
        EXECUTE format('GRANT %I TO %s', group_name, mlsim.grantee_sql('user:' || u));
    END LOOP;
END
$$;

CREATE PROCEDURE mlsim.alter_group(group_name text, is_add boolean, users text[])
LANGUAGE plpgsql AS $$
DECLARE
    u text;
BEGIN
    PERFORM mlsim.grantee_sql('group:' || group_name);
    FOREACH u IN ARRAY users LOOP
        IF is_add THEN
            EXECUTE format('GRANT %I TO %s', group_name, mlsim.grantee_sql('user:' || u));
        ELSE
            EXECUTE format('REVOKE %I FROM %s', group_name, mlsim.grantee_sql('user:' || u));
        END IF;
    END LOOP;
END
$$;

CREATE PROCEDURE mlsim.drop_identity(kind text, identity_name text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP ROLE %s', mlsim.grantee_sql(kind || ':' || identity_name));
END
$$;

CREATE PROCEDURE mlsim.create_role(role_name text)
LANGUAGE plpgsql AS $$
BEGIN
    IF role_name LIKE 'sys:%' OR role_name ~ '[:/\n]' THEN
        RAISE EXCEPTION 'invalid role name "%"', role_name USING ERRCODE = '42602';
    END IF;
    EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
    EXECUTE format('COMMENT ON ROLE %I IS %L', role_name, 'redshift:role');
END
$$;

-- GRANT ROLE r TO { user | ROLE r2 }, REVOKE ROLE r FROM ...
CREATE PROCEDURE mlsim.grant_role(is_grant boolean, roles text[], grantees text[])
LANGUAGE plpgsql AS $$
DECLARE
    r text;
    g text;
BEGIN
    FOREACH r IN ARRAY roles LOOP
        FOREACH g IN ARRAY grantees LOOP
            EXECUTE format('%s %s %s %s',
                           CASE WHEN is_grant THEN 'GRANT' ELSE 'REVOKE' END,
                           mlsim.grantee_sql('role:' || r),
                           CASE WHEN is_grant THEN 'TO' ELSE 'FROM' END,
                           mlsim.grantee_sql(g));
        END LOOP;
    END LOOP;
END
$$;

-- GRANT / REVOKE a system privilege other than CREATE MODEL (ACCESS SYSTEM TABLE).
CREATE PROCEDURE mlsim.grant_system(is_grant boolean, privilege text, grantees text[])
LANGUAGE plpgsql AS $$
DECLARE
    g text;
BEGIN
    PERFORM mlsim.require_superuser('grant or revoke ' || privilege);
    FOREACH g IN ARRAY grantees LOOP
        IF is_grant THEN
            INSERT INTO mlsim.system_privileges VALUES (privilege, mlsim.grantee_id(g))
            ON CONFLICT DO NOTHING;
        ELSE
            DELETE FROM mlsim.system_privileges s
            WHERE s.privilege = grant_system.privilege AND s.identity_id = mlsim.grantee_id(g);
        END IF;
    END LOOP;
END
$$;

-- GRANT / REVOKE ASSUMEROLE ON arns TO|FROM grantees FOR commands.
CREATE PROCEDURE mlsim.grant_assumerole(is_grant boolean, arns text[], grantees text[],
                                        commands text[])
LANGUAGE plpgsql AS $$
DECLARE
    a text;
    g text;
    c text;
BEGIN
    PERFORM mlsim.require_superuser('grant or revoke ASSUMEROLE');
    FOREACH a IN ARRAY arns LOOP
        FOREACH g IN ARRAY grantees LOOP
            FOREACH c IN ARRAY commands LOOP
                IF is_grant THEN
                    INSERT INTO mlsim.iam_privileges VALUES (a, c, mlsim.grantee_id(g))
                    ON CONFLICT DO NOTHING;
                ELSE
                    DELETE FROM mlsim.iam_privileges p
                    WHERE p.iam_arn = a AND p.command_type = c
                      AND p.identity_id = mlsim.grantee_id(g);
                END IF;
            END LOOP;
        END LOOP;
    END LOOP;
END
$$;

-- The catalog, with Redshift's names, columns and types.

CREATE FUNCTION rs_catalog.version() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 '
           '(Red Hat 3.4.2-6.fc3), Redshift 1.0.77467 (redshift-sim on PostgreSQL 15)'
$$;

CREATE VIEW rs_catalog.pg_group AS
SELECT r.rolname AS groname,
       r.oid::int AS grosysid,
       ARRAY(SELECT m.member::int FROM pg_auth_members m
             WHERE m.roleid = r.oid ORDER BY m.member) AS grolist
FROM pg_roles r
JOIN mlsim.identities i ON i.id = r.oid AND i.type = 'group';

CREATE VIEW rs_catalog.svv_ml_model_info AS
SELECT current_database()::char(128) AS database_name,
       m.schema_name::char(128) AS schema_name,
       pg_get_userbyid(m.owner)::char(128) AS user_name,
       m.model_name::char(128) AS model_name,
       'ACTIVE'::char(20) AS life_cycle,
       1 AS is_refreshable,
       (m.info ->> 'state')::char(128) AS model_state
FROM mlsim.models m
WHERE mlsim.is_superuser() OR pg_has_role(current_user, m.owner, 'USAGE');

CREATE VIEW rs_catalog.svv_ml_model_privileges AS
SELECT m.schema_name AS namespace_name,
       m.model_name,
       1 AS model_version,
       a.privilege_type::text AS privilege_type,
       a.grantee::int AS identity_id,
       i.name AS identity_name,
       i.type AS identity_type,
       a.is_grantable AS admin_option
FROM mlsim.models m
JOIN pg_proc p ON p.oid = m.fn
CROSS JOIN LATERAL aclexplode(p.proacl) a
JOIN mlsim.identities i ON i.id = a.grantee
WHERE mlsim.sees(a.grantee);

CREATE VIEW rs_catalog.svv_schema_privileges AS
SELECT n.nspname::text AS namespace_name,
       a.privilege_type::text AS privilege_type,
       a.grantee::int AS identity_id,
       i.name AS identity_name,
       i.type AS identity_type,
       a.is_grantable AS admin_option,
       NULL::text AS privilege_scope
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(n.nspacl) a
JOIN mlsim.identities i ON i.id = a.grantee
WHERE n.nspname NOT LIKE 'pg\_%'
  AND n.nspname NOT IN ('information_schema', 'mlsim', 'rs_catalog')
  AND mlsim.sees(a.grantee);

CREATE VIEW rs_catalog.svv_language_privileges AS
SELECT l.lanname::text AS language_name,
       a.privilege_type::text AS privilege_type,
       a.grantee::int AS identity_id,
       i.name AS identity_name,
       i.type AS identity_type,
       a.is_grantable AS admin_option
FROM pg_language l
CROSS JOIN LATERAL aclexplode(l.lanacl) a
JOIN mlsim.identities i ON i.id = a.grantee
WHERE mlsim.sees(a.grantee);

CREATE VIEW rs_catalog.svv_system_privileges AS
SELECT 'CREATE MODEL'::text AS system_privilege,
       i.id::int AS identity_id,
       i.name AS identity_name,
       i.type AS identity_type,
       a.is_grantable AS admin_option
FROM pg_language l
CROSS JOIN LATERAL aclexplode(l.lanacl) a
JOIN mlsim.identities i ON i.id = a.grantee
WHERE l.lanname = 'mlfunc' AND i.type IN ('user', 'role') AND mlsim.sees(i.id)
UNION ALL
SELECT s.privilege, i.id::int, i.name, i.type, false
FROM mlsim.system_privileges s
JOIN mlsim.identities i ON i.id = s.identity_id
WHERE mlsim.sees(i.id);

CREATE VIEW rs_catalog.svv_iam_privileges AS
SELECT p.iam_arn,
       p.command_type,
       p.identity_id::int AS identity_id,
       i.name AS identity_name,
       i.type AS identity_type
FROM mlsim.iam_privileges p
JOIN mlsim.identities i ON i.id = p.identity_id
WHERE mlsim.sees(p.identity_id);

CREATE VIEW rs_catalog.svv_roles AS
SELECT i.id::int AS role_id,
       i.name AS role_name,
       NULL::text AS role_owner,
       NULL::text AS external_id
FROM mlsim.identities i
WHERE i.type = 'role';

CREATE VIEW rs_catalog.svv_user_grants AS
SELECT u.id::int AS user_id,
       u.name AS user_name,
       r.id::int AS role_id,
       r.name AS role_name,
       m.admin_option
FROM pg_auth_members m
JOIN mlsim.identities u ON u.id = m.member AND u.type = 'user'
JOIN mlsim.identities r ON r.id = m.roleid AND r.type = 'role'
WHERE mlsim.sees(u.id);

CREATE VIEW rs_catalog.svv_role_grants AS
SELECT r.id::int AS role_id,
       r.name AS role_name,
       g.id::int AS granted_role_id,
       g.name AS granted_role_name
FROM pg_auth_members m
JOIN mlsim.identities r ON r.id = m.member AND r.type = 'role'
JOIN mlsim.identities g ON g.id = m.roleid AND g.type = 'role'
WHERE mlsim.sees(r.id);

GRANT SELECT ON ALL TABLES IN SCHEMA rs_catalog TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA mlsim TO PUBLIC;
