-- Which user holds which role (to tell whether the login holds ACCESS SYSTEM TABLE).
SELECT user_name, role_name FROM pg_catalog.svv_user_grants;
