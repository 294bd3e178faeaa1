-- plan
-- note: role sys:superuser holds privileges on managed objects but is not managed by this model: left alone

REVOKE CREATE MODEL FROM ROLE old_role;
