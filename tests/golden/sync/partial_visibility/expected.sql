-- plan
-- note: model demo_ml.customer_churn_auto_model does not exist on the cluster: its EXECUTE grants wait until it does
-- note: no revokes planned: mlgrant_svc is not a superuser and lacks ACCESS SYSTEM TABLE, so the catalog shows it only its own grants (1 visible privileges are not required); connect as a superuser, or GRANT ACCESS SYSTEM TABLE TO ROLE ... and grant that role to mlgrant_svc

-- model.toml:14:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP bi_grp;
