-- plan
-- note: group ops_grp holds privileges on managed objects but is not managed by this model: left alone
-- note: user bob holds privileges on managed objects but is not managed by this model: left alone

REVOKE EXECUTE ON MODEL demo_ml.upsell_model FROM GROUP ds_grp;
