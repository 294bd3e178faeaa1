-- mlgrant compile tests/golden/compile/seed.toml: 4 statements, idempotent
-- note: this script runs on its own (psql -f) once the cluster has: groups marketing_analyst_grp, retention_analyst_grp; schemas demo_ml; models demo_ml.customer_churn_auto_model; Redshift has no CREATE GROUP IF NOT EXISTS, so `mlgrant apply` creates missing groups itself

-- tests/golden/compile/seed.toml:10:13 schemas.demo_ml.creators
GRANT CREATE MODEL TO GROUP retention_analyst_grp;

-- tests/golden/compile/seed.toml:10:13 schemas.demo_ml.creators
GRANT CREATE, USAGE ON SCHEMA demo_ml TO GROUP retention_analyst_grp;

-- tests/golden/compile/seed.toml:13:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP marketing_analyst_grp;

-- tests/golden/compile/seed.toml:13:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_analyst_grp;
