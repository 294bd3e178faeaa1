-- CREATE MODEL as a system privilege, and who holds ACCESS SYSTEM TABLE (DG r_SVV_SYSTEM_PRIVILEGES).
SELECT system_privilege, identity_name, identity_type FROM pg_catalog.svv_system_privileges WHERE system_privilege IN ('CREATE MODEL', 'ACCESS SYSTEM TABLE');
