-- Every schema and its owner.
SELECT n.nspname, u.usename FROM pg_catalog.pg_namespace n LEFT JOIN pg_catalog.pg_user u ON u.usesysid = n.nspowner;
