-- plan
-- WARNING: model demo_ml.m3 is held back: svv_ml_model_info shows this name padded with blanks, and SHOW MODEL demo_ml.m3 finds no model by it (model "demo_ml.m3" does not exist (SQLSTATE 42704)); its real name most likely ends in blanks: it is neither granted on nor revoked from; drop it and create it again under a name without trailing blanks

-- model.toml:9:14 schemas.demo_ml.consumers
GRANT EXECUTE ON MODEL demo_ml.churn TO GROUP bi_grp;
