-- Every RBAC role.
SELECT role_name FROM svv_roles;
