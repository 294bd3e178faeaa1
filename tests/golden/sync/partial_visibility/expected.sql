-- plan
-- note: model demo_ml.customer_churn_auto_model is not visible to mlgrant_svc: svv_ml_model_info shows a login that is not a superuser only its own models, so whether it exists is unknown and its EXECUTE grants are not planned; connect as a superuser
-- note: no revokes planned: mlgrant_svc is not a superuser and lacks ACCESS SYSTEM TABLE, so the catalog shows it only its own grants (1 visible privilege is not required); grants to others cannot be confirmed and are listed apart; connect as a superuser, or GRANT ACCESS SYSTEM TABLE TO ROLE ... and grant that role to mlgrant_svc
-- nothing to change

-- not confirmed: this login sees only its own grants, so these grants the model requires
-- may already exist; connect as a superuser (or with ACCESS SYSTEM TABLE) to plan them
-- GRANT USAGE ON SCHEMA demo_ml TO GROUP bi_grp;
