-- plan

REVOKE EXECUTE ON MODEL demo_ml.customer_churn_auto_model FROM GROUP bi_grp;

REVOKE EXECUTE ON MODEL demo_ml.upsell_model FROM GROUP bi_grp;
