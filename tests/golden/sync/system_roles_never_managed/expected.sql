-- plan
-- WARNING: REVOKE CREATE MODEL FROM ROLE stale_role: takes away the right to create models
-- note: role stale_role is not named in the model but is managed through the pattern `role:*`: its grants are revoked
-- note: role "sys:superuser" is a system or data-sharing identity that no statement may change: never managed (although `role:*` matches it)

-- held by role stale_role on the database; no rule requires it; role stale_role is managed: it is matched by the pattern `role:*` at model.toml:13:11
REVOKE CREATE MODEL FROM ROLE stale_role;
