-- plan
-- note: user admin is a superuser: grants to it change nothing and are skipped
-- note: user awsuser is a superuser: grants to it change nothing and are skipped

-- model.toml:11:30 models."demo_ml.customer_churn_auto_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO carol;

-- model.toml:11:30 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO carol;
