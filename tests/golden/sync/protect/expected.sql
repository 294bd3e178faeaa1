-- plan
-- note: group bi_grp holds EXECUTE ON MODEL demo_ml.upsell_model but is protected by `group:bi_*`: left alone
-- note: user admin holds CREATE MODEL but is protected by `user:admin`: left alone

-- held by group marketing_grp on model demo_ml.upsell_model; no rule requires it; group marketing_grp is managed: it is declared at model.toml:7:9
REVOKE EXECUTE ON MODEL demo_ml.upsell_model FROM GROUP marketing_grp;

-- model.toml:12:14 models."demo_ml.customer_churn_auto_model".consumers
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP bi_grp;
