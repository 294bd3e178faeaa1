-- Every model and its owner (DG r_SVV_ML_MODEL_INFO).
SELECT trim(schema_name), trim(model_name), trim(user_name) FROM svv_ml_model_info;
