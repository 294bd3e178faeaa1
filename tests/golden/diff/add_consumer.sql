-- mlgrant diff tests/golden/diff/add_consumer.old.toml -> tests/golden/diff/add_consumer.new.toml: 2 statements
-- note: group finance_grp is newly managed: on a cluster, plan also revokes what it holds inside the fence that this file does not require, grants made by hand included (`mlgrant plan` lists them)
-- note: group finance_grp is newly declared: plan and apply create it where the cluster lacks it

-- tests/golden/diff/add_consumer.new.toml:13:39 models."demo_ml.customer_churn_auto_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP finance_grp;

-- tests/golden/diff/add_consumer.new.toml:13:39 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP finance_grp;
