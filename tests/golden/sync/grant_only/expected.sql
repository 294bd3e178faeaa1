-- plan
-- note: [policy] mode = "grant-only": 3 privileges the model does not require are left in place

-- model.toml:10:13 schemas.demo_ml.creators
GRANT CREATE MODEL TO GROUP ds_grp;

-- model.toml:11:14 schemas.demo_ml.consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP bi_grp;
