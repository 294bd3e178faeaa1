-- Every RBAC role.
SELECT role_name FROM pg_catalog.svv_roles;
