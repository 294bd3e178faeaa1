-- plan

-- model.toml:16:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP marketing_grp;

-- model.toml:16:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_grp;

-- model.toml:13:14 schemas.demo_ml.consumers
GRANT EXECUTE ON MODEL demo_ml.ltv_model, demo_ml.upsell_model TO GROUP bi_grp;
