-- EXECUTE on models (DG r_SVV_ML_MODEL_PRIVILEGES).
SELECT namespace_name, model_name, privilege_type, identity_name, identity_type FROM pg_catalog.svv_ml_model_privileges;
