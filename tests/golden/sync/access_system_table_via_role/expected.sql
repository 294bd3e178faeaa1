-- plan

REVOKE CREATE ON SCHEMA demo_ml FROM GROUP marketing_grp;

-- model.toml:14:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_grp;
