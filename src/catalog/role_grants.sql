-- Which role is granted to which role (nested roles), for explain (DG r_SVV_ROLE_GRANTS).
SELECT role_name, granted_role_name FROM pg_catalog.svv_role_grants;
