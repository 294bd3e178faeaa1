-- Every model, its owner and its state (DG r_SVV_ML_MODEL_INFO). Every column is char(128),
-- blank padded: the reader strips the padding, never leading blanks. A superuser sees every row;
-- any other login only the models it owns, ACCESS SYSTEM TABLE or not.
SELECT schema_name, model_name, user_name, model_state FROM pg_catalog.svv_ml_model_info;
