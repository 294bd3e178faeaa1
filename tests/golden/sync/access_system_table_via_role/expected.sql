-- plan
-- note: no EXECUTE revokes planned: mlgrant_svc is not a superuser, so svv_ml_model_info shows it only its own models and the models of every managed schema may be incomplete; EXECUTE is granted only on models it can see; connect as a superuser for a complete plan

-- held by group marketing_grp on schema demo_ml; no rule requires it; group marketing_grp is managed: it is declared at model.toml:8:9
REVOKE CREATE ON SCHEMA demo_ml FROM GROUP marketing_grp;

-- model.toml:14:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_grp;
