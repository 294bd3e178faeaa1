-- plan
-- note: user alice is a superuser or owns the object: grants to it change nothing and are skipped
-- note: user bob is a superuser or owns the object: grants to it change nothing and are skipped

REVOKE EXECUTE ON MODEL demo_ml.churn FROM carol;

-- model.toml:11:28 models."demo_ml.upsell_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO bob;

-- model.toml:11:14 models."demo_ml.upsell_model".consumers
GRANT EXECUTE ON MODEL demo_ml.upsell_model TO alice;
