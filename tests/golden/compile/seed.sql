-- mlgrant compile tests/golden/compile/seed.toml: 4 statements, idempotent

-- tests/golden/compile/seed.toml:10:13 schemas.demo_ml.creators
GRANT CREATE MODEL TO GROUP retention_analyst_grp;

-- tests/golden/compile/seed.toml:10:13 schemas.demo_ml.creators
GRANT CREATE, USAGE ON SCHEMA demo_ml TO GROUP retention_analyst_grp;

-- tests/golden/compile/seed.toml:13:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP marketing_analyst_grp;

-- tests/golden/compile/seed.toml:13:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_analyst_grp;
