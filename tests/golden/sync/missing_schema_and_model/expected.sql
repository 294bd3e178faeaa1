-- plan
-- note: model demo_ml.not_yet_trained_model does not exist on the cluster: its EXECUTE grants wait until it does
-- note: schema future_ml does not exist on the cluster: its grants wait until it does

-- model.toml:12:13 schemas.future_ml.creators
GRANT CREATE MODEL TO GROUP ds_grp;

-- model.toml:16:14 models."demo_ml.not_yet_trained_model".consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP marketing_grp;
