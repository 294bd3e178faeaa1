-- plan
-- note: role "sys:superuser" is a system or data-sharing identity that no statement may change: never managed

-- held by role old_role on the database; no rule requires it; role old_role is managed: it is named at model.toml:11:14
REVOKE CREATE MODEL FROM ROLE old_role;
