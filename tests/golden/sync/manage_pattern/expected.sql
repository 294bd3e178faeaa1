-- plan
-- WARNING: REVOKE CREATE MODEL FROM GROUP ml_legacy_grp: takes away the right to create models
-- note: group ml_legacy_grp is not named in the model but is managed through the pattern `group:ml_*`: its grants are revoked
-- note: left alone, not managed by this model: group analytics_grp (EXECUTE ON MODEL demo_ml.customer_churn_auto_model, USAGE ON SCHEMA demo_ml); to manage them, declare them or add [policy] manage = ["group:analytics_grp"]

-- held by group ml_legacy_grp on the database; no rule requires it; group ml_legacy_grp is managed: it is matched by the pattern `group:ml_*` at model.toml:13:11
REVOKE CREATE MODEL FROM GROUP ml_legacy_grp;

-- held by group ml_legacy_grp on schema demo_ml; no rule requires it; group ml_legacy_grp is managed: it is matched by the pattern `group:ml_*` at model.toml:13:11
REVOKE CREATE, USAGE ON SCHEMA demo_ml FROM GROUP ml_legacy_grp;

-- held by group ml_legacy_grp on model demo_ml.customer_churn_auto_model; no rule requires it; group ml_legacy_grp is managed: it is matched by the pattern `group:ml_*` at model.toml:13:11
REVOKE EXECUTE ON MODEL demo_ml.customer_churn_auto_model FROM GROUP ml_legacy_grp;
