-- mlgrant diff tests/golden/diff/group_left_by_pattern.old.toml -> tests/golden/diff/group_left_by_pattern.new.toml: 2 statements
-- note: group ml_viewers left the model but stays managed through the pattern `group:ml_*`: its grants are revoked

-- no longer required by tests/golden/diff/group_left_by_pattern.old.toml:8:14 schemas.demo_ml.consumers
REVOKE USAGE ON SCHEMA demo_ml FROM GROUP ml_viewers;

-- no longer required by tests/golden/diff/group_left_by_pattern.old.toml:8:14 schemas.demo_ml.consumers
REVOKE EXECUTE ON MODEL demo_ml.churn FROM GROUP ml_viewers;
