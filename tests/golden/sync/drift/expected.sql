-- plan

-- held by group bi_grp on model demo_ml.customer_churn_auto_model; no rule requires it; group bi_grp is managed: it is declared at model.toml:7:9
REVOKE EXECUTE ON MODEL demo_ml.customer_churn_auto_model FROM GROUP bi_grp;

-- model.toml:13:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP marketing_analyst_grp;
