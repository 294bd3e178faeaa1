-- plan

REVOKE EXECUTE ON MODEL demo_ml.customer_churn_auto_model FROM GROUP bi_grp;

-- model.toml:13:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP marketing_analyst_grp;
