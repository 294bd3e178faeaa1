-- Redshift's shape, part 4 of 4: the catalog, with Redshift's names, columns and types.
--
-- Redshift's catalog views live in pg_catalog, which every search path searches first, so that
-- `svv_ml_model_privileges` and `pg_catalog.svv_ml_model_privileges` both name them and a user's
-- public.svv_ml_model_privileges can never stand in for them. PostgreSQL 15 lets a superuser
-- create there in a session that turns allow_system_table_mods on.
--
-- The svv_*_privileges views list privileges "explicitly granted" (DG r_SVV_ML_MODEL_PRIVILEGES,
-- r_SVV_SCHEMA_PRIVILEGES, r_SVV_LANUGAGE_PRIVILEGES): an object owner's implicit rights are not
-- rows, though PostgreSQL's ACL lists them (grantee and grantor both the owner). A grant to the
-- owner made by the owner or by a superuser is recorded by PostgreSQL in that same entry (a
-- superuser grants "as though it were issued by the owner"), so it cannot be told apart and is
-- not shown either; a grant to the owner from anyone else holding the grant option is shown.

SET allow_system_table_mods = on;

-- version() stays PostgreSQL's builtin (PostgreSQL calls builtin functions by their OID, so a
-- replacement in pg_catalog would never run): the front rewrites calls of version() to this one.
CREATE FUNCTION mlsim.version() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 '
           '(Red Hat 3.4.2-6.fc3), Redshift 1.0.77467 (redshift-sim on PostgreSQL 15)'
$$;

-- current_setting of a parameter outside the configuration reference (DG r_CURRENT_SETTING,
-- cm_chap_ConfigurationRef): an ordinary user is told "must be superuser to examine"
-- (duckdb/duckdb-postgres issue 245); a superuser gets PostgreSQL's value (what Redshift shows a
-- superuser is not documented). The front rewrites such calls to this one
-- (rewrite/strict.rs, redshift/parameters.rs).
CREATE FUNCTION mlsim.restricted_setting(setting_name text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT mlsim.is_superuser() THEN
        RAISE EXCEPTION 'must be superuser to examine "%"', lower(setting_name)
            USING ERRCODE = '42501';
    END IF;
    RETURN pg_catalog.current_setting(setting_name);
END
$$;

-- has_assumerole_privilege([user,] iam_role_arn, cmd_type) (DG r_HAS_ASSUMEROLE_PRIVILEGE):
-- whether the user (the current one when not named) may use the IAM role for the command,
-- through a grant to it, to a group or role it is in, or to PUBLIC. A superuser may use every
-- role. 'default' is the cluster's default role; ON ALL grants (iam_arn 'ALL' here, how the
-- simulator shows the new-cluster default of PUBLIC) cover every role.
CREATE FUNCTION mlsim.has_assumerole_privilege(user_name text, iam_role_arn text, cmd_type text)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_user oid := (SELECT oid FROM pg_roles WHERE rolname = user_name);
    v_arn text := CASE lower(iam_role_arn) WHEN 'default' THEN 'default-aws-iam-role'
                                           ELSE iam_role_arn END;
    v_cmd text := CASE upper(cmd_type) WHEN 'EXTERNAL FUNCTION' THEN 'EXFUNC'
                                       ELSE upper(cmd_type) END;
BEGIN
    IF v_user IS NULL THEN
        RAISE EXCEPTION 'user "%" does not exist', user_name USING ERRCODE = '42704';
    END IF;
    IF v_cmd NOT IN ('COPY', 'UNLOAD', 'CREATE MODEL', 'EXFUNC') THEN
        RAISE EXCEPTION 'invalid command type "%"', cmd_type USING ERRCODE = '22023';
    END IF;
    IF (SELECT rolsuper FROM pg_roles WHERE oid = v_user) THEN
        RETURN true;
    END IF;
    RETURN EXISTS (
        SELECT 1 FROM mlsim.iam_privileges p
        WHERE p.iam_arn IN (v_arn, 'ALL') AND p.command_type = v_cmd
          AND (p.identity_id = 0 OR p.identity_id = v_user
               OR pg_has_role(v_user, p.identity_id, 'MEMBER')));
END
$$;

CREATE FUNCTION mlsim.has_assumerole_privilege(iam_role_arn text, cmd_type text)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT mlsim.has_assumerole_privilege(current_user::text, iam_role_arn, cmd_type)
$$;

-- PostgreSQL's pg_group lists every NOLOGIN role; Redshift's lists groups.
DROP VIEW pg_catalog.pg_group;
CREATE VIEW pg_catalog.pg_group AS
SELECT r.rolname AS groname,
       r.oid::int AS grosysid,
       ARRAY(SELECT m.member::int FROM pg_auth_members m
             WHERE m.roleid = r.oid ORDER BY m.member) AS grolist
FROM pg_roles r
JOIN mlsim.identities i ON i.id = r.oid AND i.type = 'group';

CREATE VIEW pg_catalog.svv_ml_model_info AS
SELECT current_database()::char(128) AS database_name,
       m.schema_name::char(128) AS schema_name,
       pg_get_userbyid(m.owner)::char(128) AS user_name,
       m.model_name::char(128) AS model_name,
       'ACTIVE'::char(20) AS life_cycle,
       1 AS is_refreshable,
       (m.info ->> 'state')::char(128) AS model_state
FROM mlsim.models m
-- (SELECT ...): asked once per query, not once per model.
WHERE (SELECT mlsim.is_superuser()) OR pg_has_role(current_user, m.owner, 'USAGE');

CREATE VIEW pg_catalog.svv_ml_model_privileges AS
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
WHERE NOT (a.grantee = p.proowner AND a.grantor = p.proowner)
  AND mlsim.sees(a.grantee, (SELECT mlsim.sees_all()));

-- privilege_scope is SCHEMA for schema privileges, TABLES or FUNCTIONS for scoped permissions,
-- whose privilege_type is the scoped permission (DG r_SVV_SCHEMA_PRIVILEGES).
CREATE VIEW pg_catalog.svv_schema_privileges AS
SELECT n.nspname::text AS namespace_name,
       a.privilege_type::text AS privilege_type,
       a.grantee::int AS identity_id,
       i.name AS identity_name,
       i.type AS identity_type,
       a.is_grantable AS admin_option,
       'SCHEMA'::text AS privilege_scope
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(n.nspacl) a
JOIN mlsim.identities i ON i.id = a.grantee
WHERE n.nspname NOT LIKE 'pg\_%'
  AND n.nspname NOT IN ('information_schema', 'mlsim')
  AND NOT (a.grantee = n.nspowner AND a.grantor = n.nspowner)
  AND mlsim.sees(a.grantee, (SELECT mlsim.sees_all()))
UNION ALL
SELECT n.nspname::text, s.privilege, s.identity_id::int, i.name, i.type, s.admin_option, s.scope
FROM mlsim.scoped_privileges s
JOIN pg_namespace n ON n.oid = s.namespace
JOIN mlsim.identities i ON i.id = s.identity_id
WHERE mlsim.sees(s.identity_id, (SELECT mlsim.sees_all()));

CREATE VIEW pg_catalog.svv_language_privileges AS
SELECT l.lanname::text AS language_name,
       a.privilege_type::text AS privilege_type,
       a.grantee::int AS identity_id,
       i.name AS identity_name,
       i.type AS identity_type,
       a.is_grantable AS admin_option
FROM pg_language l
CROSS JOIN LATERAL aclexplode(l.lanacl) a
JOIN mlsim.identities i ON i.id = a.grantee
WHERE NOT (a.grantee = l.lanowner AND a.grantor = l.lanowner)
  AND mlsim.sees(a.grantee, (SELECT mlsim.sees_all()));

-- CREATE MODEL held as USAGE on mlfunc by users and roles (never groups), and the rows of
-- mlsim.system_privileges (ACCESS SYSTEM TABLE, the system roles').
CREATE VIEW pg_catalog.svv_system_privileges AS
SELECT 'CREATE MODEL'::text AS system_privilege,
       i.id::int AS identity_id,
       i.name AS identity_name,
       i.type AS identity_type,
       a.is_grantable AS admin_option
FROM pg_language l
CROSS JOIN LATERAL aclexplode(l.lanacl) a
JOIN mlsim.identities i ON i.id = a.grantee
WHERE l.lanname = 'mlfunc' AND i.type IN ('user', 'role')
  AND NOT (a.grantee = l.lanowner AND a.grantor = l.lanowner)
  AND mlsim.sees(i.id, (SELECT mlsim.sees_all()))
UNION ALL
SELECT s.privilege, i.id::int, i.name, i.type, false
FROM mlsim.system_privileges s
JOIN mlsim.identities i ON i.id = s.identity_id
WHERE mlsim.sees(i.id, (SELECT mlsim.sees_all()));

CREATE VIEW pg_catalog.svv_iam_privileges AS
SELECT p.iam_arn,
       p.command_type,
       p.identity_id::int AS identity_id,
       i.name AS identity_name,
       i.type AS identity_type
FROM mlsim.iam_privileges p
JOIN mlsim.identities i ON i.id = p.identity_id
WHERE mlsim.sees(p.identity_id, (SELECT mlsim.sees_all()));

-- Every role, the system roles sys:* included (DG r_SVV_ROLES, r_roles-default).
CREATE VIEW pg_catalog.svv_roles AS
SELECT i.id::int AS role_id,
       i.name AS role_name,
       NULL::text AS role_owner,
       NULL::text AS external_id
FROM mlsim.identities i
WHERE i.type = 'role';

CREATE VIEW pg_catalog.svv_user_grants AS
SELECT u.id::int AS user_id,
       u.name AS user_name,
       r.id::int AS role_id,
       r.name AS role_name,
       m.admin_option
FROM pg_auth_members m
JOIN mlsim.identities u ON u.id = m.member AND u.type = 'user'
JOIN mlsim.identities r ON r.id = m.roleid AND r.type = 'role'
WHERE mlsim.sees(u.id, (SELECT mlsim.sees_all()))
  AND NOT EXISTS (SELECT 1 FROM mlsim.directory_members d
                  WHERE d.roleid = m.roleid AND d.member = m.member);

CREATE VIEW pg_catalog.svv_role_grants AS
SELECT r.id::int AS role_id,
       r.name AS role_name,
       g.id::int AS granted_role_id,
       g.name AS granted_role_name
FROM pg_auth_members m
JOIN mlsim.identities r ON r.id = m.member AND r.type = 'role'
JOIN mlsim.identities g ON g.id = m.roleid AND g.type = 'role'
WHERE mlsim.sees(r.id, (SELECT mlsim.sees_all()));

-- Transactions and the locks they hold or wait for (DG r_SVV_TRANSACTIONS), read from pg_locks
-- and pg_stat_activity over every client session of the server, with the documented columns and
-- types. Rows:
--   a table lock: lockable_object_type 'relation', relation the table's oid, lock_mode
--     PostgreSQL's name for it (AccessShareLock, AccessExclusiveLock ...), granted false while
--     the session waits; the locks any query takes for a moment on the catalogs
--     (pg_catalog, information_schema, mlsim, pg_toast; oids below 16384 in other databases) are
--     left out;
--   an open transaction: ExclusiveLock on 'transactionid', granted, relation NULL ("If lock_mode
--     is ExclusiveLock and granted is true (t), then this transaction ID is an open
--     transaction"), from the lock each PostgreSQL transaction holds on its own virtual id;
--   a wait for another transaction (PostgreSQL's row-level waits): 'transactionid', not granted.
-- xid is PostgreSQL's transaction id, NULL until the transaction first writes (PostgreSQL assigns
-- one then, Redshift at the start); txn_start is the transaction's start in UTC.
-- "SVV_TRANSACTIONS is visible to all users. Superusers can see all rows; regular users can see
-- only their own data": a regular user sees the rows of sessions logged in as that user. The
-- SYSLOG ACCESS UNRESTRICTED that lets others see more in Redshift is not modelled.
CREATE VIEW pg_catalog.svv_transactions AS
SELECT a.usename::text AS txn_owner,
       a.datname::text AS txn_db,
       a.backend_xid::text::bigint AS xid,
       l.pid,
       (a.xact_start AT TIME ZONE 'UTC')::timestamp AS txn_start,
       l.mode::text AS lock_mode,
       CASE WHEN l.locktype = 'relation' THEN 'relation' ELSE 'transactionid' END
           AS lockable_object_type,
       CASE WHEN l.locktype = 'relation' THEN l.relation::int END AS relation,
       l.granted
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid AND a.backend_type = 'client backend'
WHERE (mlsim.is_superuser() OR a.usename = current_user)
  AND CASE l.locktype
          WHEN 'relation' THEN
              l.relation >= 16384 AND NOT EXISTS (
                  SELECT 1 FROM pg_class c
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = l.relation
                    AND l.database = (SELECT d.oid FROM pg_database d
                                      WHERE d.datname = current_database())
                    AND n.nspname IN ('pg_catalog', 'information_schema', 'mlsim', 'pg_toast'))
          WHEN 'virtualxid' THEN
              l.virtualxid = l.virtualtransaction AND l.mode = 'ExclusiveLock' AND l.granted
          WHEN 'transactionid' THEN NOT l.granted
          ELSE false
      END;

RESET allow_system_table_mods;

GRANT SELECT ON pg_catalog.pg_group, pg_catalog.svv_ml_model_info,
    pg_catalog.svv_ml_model_privileges, pg_catalog.svv_schema_privileges,
    pg_catalog.svv_language_privileges, pg_catalog.svv_system_privileges,
    pg_catalog.svv_iam_privileges, pg_catalog.svv_roles, pg_catalog.svv_user_grants,
    pg_catalog.svv_role_grants, pg_catalog.svv_transactions TO PUBLIC;

-- Raw ACL text as Redshift writes it: a group's entry is `group NAME=U/owner`, a user's
-- `NAME=U/owner`, PUBLIC's `=U/owner` (redshift-facts; AWS's own sample queries parse it so:
-- aws-samples/redshift-roles query_create_model_group_grants.sql reads pg_language.lanacl of
-- mlfunc, query_schema_group_grants.sql pg_namespace.nspacl, each keeping the items LIKE
-- 'group %'). DG r_PG_DEFAULT_ACL's example prints a group's item in double quotes, which those
-- samples would never match; the samples are followed here. How a role's item reads is not
-- documented: as a user's. The column is text[] where Redshift's is aclitem[]: array_to_string,
-- array_upper and subscripts, which the samples use, read them alike. The front reads
-- pg_namespace and pg_language (qualified by pg_catalog or not) from these views
-- (redshift/catalog.rs).
CREATE FUNCTION mlsim.redshift_acl(acl aclitem[]) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN acl IS NULL THEN NULL ELSE ARRAY(
        SELECT CASE
                   WHEN (SELECT i.type FROM mlsim.identities i
                         WHERE i.id = (SELECT e.grantee FROM aclexplode(ARRAY[a]) e LIMIT 1)
                           AND i.id <> 0) = 'group'
                   THEN 'group ' || a::text
                   ELSE a::text
               END
        FROM unnest(acl) WITH ORDINALITY AS u(a, n)
        ORDER BY n) END
$$;

CREATE VIEW mlsim.pg_namespace AS
SELECT oid, nspname, nspowner, mlsim.redshift_acl(nspacl) AS nspacl
FROM pg_catalog.pg_namespace;

CREATE VIEW mlsim.pg_language AS
SELECT oid, lanname, lanowner, lanispl, lanpltrusted, lanplcallfoid, laninline, lanvalidator,
       mlsim.redshift_acl(lanacl) AS lanacl
FROM pg_catalog.pg_language;

GRANT SELECT ON mlsim.pg_namespace, mlsim.pg_language TO PUBLIC;

-- Identity providers (DG r_SVV_IDENTITY_PROVIDERS): superusers only; here others see no rows.
-- instanceid is shown as empty (the simulator has no IAM Identity Center instance).
SET allow_system_table_mods = on;
CREATE VIEW pg_catalog.svv_identity_providers AS
SELECT p.uid, p.name, p.type, ''::text AS instanceid, p.namespc, p.params, p.enabled
FROM mlsim.identity_providers p
WHERE mlsim.is_superuser();
RESET allow_system_table_mods;
GRANT SELECT ON pg_catalog.svv_identity_providers TO PUBLIC;
