-- plan
-- note: role "sys:superuser" is a system or data-sharing identity that no statement may change: never managed

REVOKE CREATE MODEL FROM ROLE old_role;
