-- Every schema and its owner.
SELECT n.nspname, u.usename FROM pg_namespace n LEFT JOIN pg_user u ON u.usesysid = n.nspowner;
