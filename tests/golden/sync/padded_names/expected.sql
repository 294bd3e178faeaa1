-- plan
-- note: user alice is a superuser or owns the object: grants to it change nothing and are skipped

-- model.toml:11:14 schemas.demo_ml.consumers
GRANT EXECUTE ON MODEL demo_ml.upsell_model TO GROUP bi_grp;
