-- The connected login and whether it is a superuser.
SELECT usename, usesuper FROM pg_catalog.pg_user WHERE usename = current_user;
