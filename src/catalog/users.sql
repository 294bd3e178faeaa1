-- Every user, its id (for group members) and whether it is a superuser.
SELECT usename, usesysid, usesuper FROM pg_catalog.pg_user;
