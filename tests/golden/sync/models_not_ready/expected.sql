-- plan
-- note: model demo_ml.failed_model failed (model_state: Model Failed): its grants and revokes wait until it is retrained or dropped
-- note: model demo_ml.training_model is not ready (model_state: Train Model On SageMaker In Progress): its grants and revokes wait until it is

-- model.toml:13:14 schemas.demo_ml.consumers
GRANT EXECUTE ON MODEL demo_ml.ready_model TO GROUP bi_grp;
