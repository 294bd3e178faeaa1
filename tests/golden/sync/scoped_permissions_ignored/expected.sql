-- plan

REVOKE CREATE ON SCHEMA demo_ml FROM ROLE analyst_role;
