-- Every model, its owner and its state (DG r_SVV_ML_MODEL_INFO). Every column is char(128),
-- blank padded; cast to VARCHAR, the padding is removed on the server (DG r_Character_types,
-- "Significance of trailing blanks": trailing blanks are removed when a CHAR value is converted
-- to another string type), so 100,000 models cost about 3 MB on the wire instead of 51 MB. The
-- reader still strips trailing blanks (never leading ones), so a cluster that kept them would
-- read the same. A superuser sees every row; any other login only the models it owns, ACCESS
-- SYSTEM TABLE or not.
SELECT CAST(schema_name AS VARCHAR(128)), CAST(model_name AS VARCHAR(128)), CAST(user_name AS VARCHAR(128)), CAST(model_state AS VARCHAR(128)) FROM pg_catalog.svv_ml_model_info;
