-- plan
-- note: left alone, not managed by this model: group ops_grp (EXECUTE ON MODEL demo_ml.customer_churn_auto_model, USAGE ON SCHEMA demo_ml); user bob (EXECUTE ON MODEL demo_ml.upsell_model, USAGE ON SCHEMA demo_ml); to manage them, declare them or add [policy] manage = ["group:ops_grp", "user:bob"]

-- held by group ds_grp on model demo_ml.upsell_model; no rule requires it; group ds_grp is managed: it is declared at model.toml:6:9
REVOKE EXECUTE ON MODEL demo_ml.upsell_model FROM GROUP ds_grp;
