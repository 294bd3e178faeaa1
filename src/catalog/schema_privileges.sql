-- CREATE and USAGE on schemas (DG r_SVV_SCHEMA_PRIVILEGES).
SELECT namespace_name, privilege_type, identity_name, identity_type FROM svv_schema_privileges;
