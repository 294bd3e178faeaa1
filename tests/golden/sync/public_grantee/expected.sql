-- plan
-- WARNING: REVOKE EXECUTE ON MODEL demo_ml.upsell_model FROM PUBLIC: touches PUBLIC, every user
-- WARNING: GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO PUBLIC: touches PUBLIC, every user

-- held by PUBLIC on model demo_ml.upsell_model; no rule requires it; PUBLIC is managed: it is named at model.toml:13:14
REVOKE EXECUTE ON MODEL demo_ml.upsell_model FROM PUBLIC;

-- model.toml:13:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO PUBLIC;
