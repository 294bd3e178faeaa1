-- plan
-- note: user alice owns model demo_ml.customer_churn_auto_model, model demo_ml.upsell_model: the grants to it there change nothing and are skipped

-- model.toml:11:14 schemas.demo_ml.consumers
GRANT EXECUTE ON MODEL demo_ml.upsell_model TO GROUP bi_grp;
