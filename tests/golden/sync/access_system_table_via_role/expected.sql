-- plan
-- note: no EXECUTE revokes planned: mlgrant_svc is not a superuser, so svv_ml_model_info shows it only its own models and the models of every managed schema may be incomplete; EXECUTE is granted only on models it can see; connect as a superuser for a complete plan

REVOKE CREATE ON SCHEMA demo_ml FROM GROUP marketing_grp;

-- model.toml:14:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_grp;
