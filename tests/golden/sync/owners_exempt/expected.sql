-- plan
-- note: user alice owns schema demo_ml: the grants to it there change nothing and are skipped
-- note: user bob owns model demo_ml.upsell_model: the grants to it there change nothing and are skipped

-- held by user carol on model demo_ml.churn; no rule requires it; user carol is managed: it is named at model.toml:11:40
REVOKE EXECUTE ON MODEL demo_ml.churn FROM carol;

-- model.toml:11:28 models."demo_ml.upsell_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO bob;

-- model.toml:11:14 models."demo_ml.upsell_model".consumers
GRANT EXECUTE ON MODEL demo_ml.upsell_model TO alice;
