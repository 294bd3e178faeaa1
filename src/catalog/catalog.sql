-- What mlgrant reads from the cluster, in one simple-query message (one round trip).
-- Each statement is read on its own; pg_* catalog tables and svv_* views are never mixed in one
-- query (leader-node-only catalog queries fail when joined with the views). Text results only.

-- whoami
SELECT usename, usesuper FROM pg_user WHERE usename = current_user;
-- users
SELECT usename, usesysid, usesuper FROM pg_user;
-- groups
SELECT groname, grolist FROM pg_group;
-- schemas
SELECT n.nspname, u.usename FROM pg_namespace n LEFT JOIN pg_user u ON u.usesysid = n.nspowner;
-- roles
SELECT role_name FROM svv_roles;
-- user_roles
SELECT user_name, role_name FROM svv_user_grants;
-- models
SELECT trim(schema_name), trim(model_name), trim(user_name) FROM svv_ml_model_info;
-- model_privileges
SELECT namespace_name, model_name, privilege_type, identity_name, identity_type FROM svv_ml_model_privileges;
-- schema_privileges
SELECT namespace_name, privilege_type, identity_name, identity_type FROM svv_schema_privileges;
-- language_privileges
SELECT privilege_type, identity_name, identity_type FROM svv_language_privileges WHERE language_name = 'mlfunc';
-- system_privileges
SELECT system_privilege, identity_name, identity_type FROM svv_system_privileges WHERE system_privilege IN ('CREATE MODEL', 'ACCESS SYSTEM TABLE');
-- iam_privileges
SELECT iam_arn, command_type, identity_name, identity_type FROM svv_iam_privileges;
