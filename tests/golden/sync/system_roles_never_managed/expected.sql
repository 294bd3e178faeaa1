-- plan
-- note: role stale_role is not named in the model but is managed through the pattern `role:*`: its grants are revoked
-- note: role "sys:superuser" is a system or data-sharing identity that no statement may change: never managed (although `role:*` matches it)

REVOKE CREATE MODEL FROM ROLE stale_role;
