-- mlgrant diff tests/golden/diff/remove_consumer.old.toml -> tests/golden/diff/remove_consumer.new.toml: 2 statements

-- no longer required by tests/golden/diff/remove_consumer.old.toml:13:39 models."demo_ml.customer_churn_auto_model".consumers
REVOKE USAGE ON SCHEMA demo_ml FROM GROUP finance_grp;

-- no longer required by tests/golden/diff/remove_consumer.old.toml:13:39 models."demo_ml.customer_churn_auto_model".consumers
REVOKE EXECUTE ON MODEL demo_ml.customer_churn_auto_model FROM GROUP finance_grp;
