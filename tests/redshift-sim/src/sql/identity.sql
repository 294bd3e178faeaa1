-- Redshift's shape, part 2 of 4: users, groups, roles, system privileges, ASSUMEROLE and scoped
-- permissions, as procedures the front's CALLs run as the calling user.

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

-- DROP GROUP / DROP ROLE; the rows the identity held in mlsim's tables go with it.
CREATE PROCEDURE mlsim.drop_identity(kind text, identity_name text)
LANGUAGE plpgsql AS $$
DECLARE
    v_id oid;
BEGIN
    PERFORM mlsim.not_reserved(kind || ':' || identity_name, 'Dropping');
    v_id := mlsim.grantee_id(kind || ':' || identity_name);
    EXECUTE format('DROP ROLE %s', mlsim.grantee_sql(kind || ':' || identity_name));
    DELETE FROM mlsim.iam_privileges WHERE identity_id = v_id;
    DELETE FROM mlsim.system_privileges WHERE identity_id = v_id;
    DELETE FROM mlsim.scoped_privileges WHERE identity_id = v_id;
END
$$;

-- CREATE ROLE refuses `:`, `/` and newlines (DG r_role-usage-notes), except for a name in the
-- namespace of an identity provider: `CREATE ROLE "aad:ml_team"`, as AWS's IAM Identity Center
-- walkthroughs make the roles of directory groups ahead of their first login (MG
-- redshift-iam-access-control-idp-connect-console). A namespace no provider has is refused.
CREATE PROCEDURE mlsim.create_role(role_name text)
LANGUAGE plpgsql AS $$
BEGIN
    IF role_name LIKE 'sys:%' OR role_name LIKE 'ds:%'
       OR (role_name ~ '[:/\n]' AND NOT EXISTS (
               SELECT 1 FROM mlsim.identity_providers p
               WHERE role_name LIKE p.namespc || ':_%' AND role_name !~ '\n')) THEN
        RAISE EXCEPTION 'invalid role name "%"', role_name USING ERRCODE = '42602';
    END IF;
    EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
    EXECUTE format('COMMENT ON ROLE %I IS %L', role_name, 'redshift:role');
END
$$;

-- GRANT ROLE r TO { user | ROLE r2 }, REVOKE ROLE r FROM ...; a system role may be granted to a
-- user, but a reserved role is never a grantee.
CREATE PROCEDURE mlsim.grant_role(is_grant boolean, roles text[], grantees text[])
LANGUAGE plpgsql AS $$
DECLARE
    r text;
    g text;
BEGIN
    FOREACH r IN ARRAY roles LOOP
        FOREACH g IN ARRAY grantees LOOP
            PERFORM mlsim.not_reserved(g, mlsim.grant_action(is_grant));
            EXECUTE format('%s %s %s %s',
                           CASE WHEN is_grant THEN 'GRANT' ELSE 'REVOKE' END,
                           mlsim.grantee_sql('role:' || r),
                           CASE WHEN is_grant THEN 'TO' ELSE 'FROM' END,
                           mlsim.grantee_sql(g));
        END LOOP;
    END LOOP;
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
        PERFORM mlsim.not_reserved(g, mlsim.grant_action(is_grant));
        EXECUTE format('%s USAGE ON LANGUAGE mlfunc %s %s',
                       CASE WHEN is_grant THEN 'GRANT' ELSE 'REVOKE' END,
                       CASE WHEN is_grant THEN 'TO' ELSE 'FROM' END,
                       mlsim.grantee_sql(g));
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
        PERFORM mlsim.not_reserved(g, mlsim.grant_action(is_grant));
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

-- GRANT / REVOKE ASSUMEROLE ON arns TO|FROM grantees FOR commands. The front spells ON default
-- as 'default-aws-iam-role' and ON ALL as 'ALL'. FOR ALL is the four commands, FOR EXTERNAL
-- FUNCTION is EXFUNC, as svv_iam_privileges shows them (DG r_SVV_IAM_PRIVILEGES). A REVOKE for
-- one command after a grant FOR ALL removes that command's row only: the documentation is silent
-- (DG r_REVOKE-usage-notes); rows are per command, so that is what a per-command revoke can mean.
CREATE PROCEDURE mlsim.grant_assumerole(is_grant boolean, arns text[], grantees text[],
                                        commands text[])
LANGUAGE plpgsql AS $$
DECLARE
    a text;
    g text;
    c text;
    v_commands text[];
BEGIN
    PERFORM mlsim.require_superuser('grant or revoke ASSUMEROLE');
    SELECT array_agg(DISTINCT x) INTO v_commands
    FROM unnest(commands) AS c0,
         unnest(CASE c0
                    WHEN 'ALL' THEN ARRAY['COPY', 'UNLOAD', 'CREATE MODEL', 'EXFUNC']
                    WHEN 'EXTERNAL FUNCTION' THEN ARRAY['EXFUNC']
                    ELSE ARRAY[c0]
                END) AS x;
    FOREACH a IN ARRAY arns LOOP
        FOREACH g IN ARRAY grantees LOOP
            PERFORM mlsim.not_reserved(g, mlsim.grant_action(is_grant));
            FOREACH c IN ARRAY v_commands LOOP
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

-- GRANT / REVOKE privileges FOR { TABLES | FUNCTIONS } IN SCHEMA s TO|FROM { user | ROLE r }.
-- Scoped permissions go to users and roles only, never to groups or PUBLIC
-- (DG t_scoped-permissions-considerations). Who may grant them beyond superusers is not
-- modelled: a superuser only.
CREATE PROCEDURE mlsim.grant_scoped(is_grant boolean, privileges text[], scope text,
                                    schema_name text, grantees text[], grant_option boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_ns oid;
    v_allowed text[] := CASE scope
        WHEN 'TABLES' THEN ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'ALTER',
                                 'TRUNCATE', 'REFERENCES']
        ELSE ARRAY['EXECUTE']
    END;
    v_privileges text[];
    p text;
    g text;
BEGIN
    PERFORM mlsim.require_superuser('grant or revoke scoped permissions');
    SELECT oid INTO v_ns FROM pg_namespace WHERE nspname = schema_name;
    IF v_ns IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    IF privileges && ARRAY['ALL', 'ALL PRIVILEGES'] THEN
        v_privileges := v_allowed;
    ELSE
        v_privileges := privileges;
    END IF;
    FOREACH p IN ARRAY v_privileges LOOP
        IF NOT p = ANY (v_allowed) THEN
            RAISE EXCEPTION 'invalid privilege type % for scoped permissions on %', p, lower(scope)
                USING ERRCODE = '42601';
        END IF;
    END LOOP;
    FOREACH g IN ARRAY grantees LOOP
        IF g = 'public' OR g LIKE 'group:%' THEN
            RAISE EXCEPTION 'scoped permissions can be granted to users and roles only, not to %',
                CASE WHEN g = 'public' THEN 'PUBLIC' ELSE 'groups' END USING ERRCODE = '0A000';
        END IF;
        PERFORM mlsim.not_reserved(g, mlsim.grant_action(is_grant));
        FOREACH p IN ARRAY v_privileges LOOP
            IF is_grant THEN
                INSERT INTO mlsim.scoped_privileges
                VALUES (v_ns, scope, p, mlsim.grantee_id(g), grant_option)
                ON CONFLICT ON CONSTRAINT scoped_privileges_pkey DO UPDATE
                SET admin_option = mlsim.scoped_privileges.admin_option OR excluded.admin_option;
            ELSIF grant_option THEN
                UPDATE mlsim.scoped_privileges s SET admin_option = false
                WHERE s.namespace = v_ns AND s.scope = grant_scoped.scope AND s.privilege = p
                  AND s.identity_id = mlsim.grantee_id(g);
            ELSE
                DELETE FROM mlsim.scoped_privileges s
                WHERE s.namespace = v_ns AND s.scope = grant_scoped.scope AND s.privilege = p
                  AND s.identity_id = mlsim.grantee_id(g);
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- Identity providers (DG r_CREATE_IDENTITY_PROVIDER): recorded, superuser only. params is kept
-- as given (it holds client secrets on Redshift; svv_identity_providers shows it to superusers).
CREATE PROCEDURE mlsim.create_identity_provider(provider_name text, provider_type text,
                                                namespace text, params text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM mlsim.require_superuser('create an identity provider');
    IF lower(provider_type) NOT IN ('azure', 'awsidc') THEN
        RAISE EXCEPTION 'invalid identity provider type "%"', provider_type USING ERRCODE = '22023';
    END IF;
    IF namespace !~ '^[A-Za-z0-9_]+$' THEN
        RAISE EXCEPTION 'invalid namespace "%"', namespace USING ERRCODE = '22023';
    END IF;
    INSERT INTO mlsim.identity_providers (name, type, namespc, params)
    VALUES (provider_name, lower(provider_type), namespace, params);
END
$$;

-- Simulator only, for tests: a directory user's first login through an identity provider. As
-- AUTO_CREATE_ROLES does (MG redshift-iam-access-control-native-idp-autocreate), the user
-- `namespace:user` and a role `namespace:group` per directory group are created when missing,
-- and the user holds those roles for its sessions. Session roles are not rows of svv_user_grants
-- (DG PG_GET_SESSION_ROLES): the membership is recorded in mlsim.directory_members, which that
-- view leaves out. Superuser only.
CREATE PROCEDURE mlsim.idp_login(namespace text, user_name text, directory_groups text[])
LANGUAGE plpgsql AS $$
DECLARE
    g text;
    v_user text := namespace || ':' || user_name;
    v_role text;
BEGIN
    PERFORM mlsim.require_superuser('simulate a directory login');
    IF NOT EXISTS (SELECT 1 FROM mlsim.identity_providers WHERE namespc = namespace) THEN
        RAISE EXCEPTION 'no identity provider has namespace "%"', namespace
            USING ERRCODE = '42704';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_user) THEN
        EXECUTE format('CREATE ROLE %I LOGIN', v_user);
    END IF;
    FOREACH g IN ARRAY directory_groups LOOP
        v_role := namespace || ':' || g;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
            EXECUTE format('COMMENT ON ROLE %I IS %L', v_role, 'redshift:role');
        END IF;
        EXECUTE format('GRANT %I TO %I', v_role, v_user);
        INSERT INTO mlsim.directory_members VALUES (
            (SELECT oid FROM pg_roles WHERE rolname = v_role),
            (SELECT oid FROM pg_roles WHERE rolname = v_user))
        ON CONFLICT DO NOTHING;
    END LOOP;
END
$$;
