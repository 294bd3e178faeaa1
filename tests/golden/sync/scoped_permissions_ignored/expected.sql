-- plan

-- held by role analyst_role on schema demo_ml; no rule requires it; role analyst_role is managed: it is named at model.toml:8:14
REVOKE CREATE ON SCHEMA demo_ml FROM ROLE analyst_role;
