-- mlgrant diff tests/golden/diff/protect.old.toml -> tests/golden/diff/protect.new.toml: 2 statements
-- WARNING: REVOKE CREATE MODEL FROM etl: takes away the right to create models
-- note: user admin is protected by `user:admin`: its grants are never revoked
-- note: user etl left the model but stays managed through the pattern `user:*`: its grants are revoked

-- no longer required by tests/golden/diff/protect.old.toml:6:42 schemas.demo_ml.creators
REVOKE CREATE MODEL FROM etl;

-- no longer required by tests/golden/diff/protect.old.toml:6:42 schemas.demo_ml.creators
REVOKE CREATE, USAGE ON SCHEMA demo_ml FROM etl;
