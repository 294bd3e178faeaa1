-- plan
-- note: group ops_grp holds privileges on managed objects but is not managed by this model: left alone
-- note: user bob holds privileges on managed objects but is not managed by this model: left alone

-- held by group ds_grp on model demo_ml.upsell_model; no rule requires it; group ds_grp is managed: it is declared at model.toml:6:9
REVOKE EXECUTE ON MODEL demo_ml.upsell_model FROM GROUP ds_grp;
