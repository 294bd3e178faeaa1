-- plan
-- WARNING: REVOKE CREATE MODEL FROM ROLE old_role: takes away the right to create models

-- held by role old_role on the database; no rule requires it; role old_role is managed: it is named at model.toml:12:14
REVOKE CREATE MODEL FROM ROLE old_role;
