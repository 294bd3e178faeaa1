-- plan
-- note: group ml_legacy_grp is not named in the model but is managed through the pattern `group:ml_*`: its grants are revoked
-- note: group analytics_grp holds privileges on managed objects but is not managed by this model: left alone

REVOKE CREATE MODEL FROM GROUP ml_legacy_grp;

REVOKE CREATE, USAGE ON SCHEMA demo_ml FROM GROUP ml_legacy_grp;

REVOKE EXECUTE ON MODEL demo_ml.customer_churn_auto_model FROM GROUP ml_legacy_grp;
