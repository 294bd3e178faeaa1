-- CREATE and USAGE on schemas (DG r_SVV_SCHEMA_PRIVILEGES). privilege_scope tells schema
-- privileges (SCHEMA) from scoped permissions (TABLES, FUNCTIONS), which the reader skips.
SELECT namespace_name, privilege_type, identity_name, identity_type, privilege_scope FROM pg_catalog.svv_schema_privileges;
