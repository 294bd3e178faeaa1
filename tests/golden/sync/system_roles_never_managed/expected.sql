-- plan
-- note: role stale_role is not named in the model but is managed through the pattern `role:*`: its grants are revoked
-- note: role sys:superuser is not named in the model but is managed through the pattern `role:*`: its grants are revoked

REVOKE CREATE MODEL FROM ROLE stale_role;

REVOKE CREATE MODEL FROM ROLE "sys:superuser";
