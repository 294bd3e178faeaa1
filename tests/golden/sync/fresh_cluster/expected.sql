-- plan

-- declared at model.toml:12:9; the cluster lacks it
CREATE GROUP bi_grp;

-- declared at model.toml:9:9; the cluster lacks it
CREATE GROUP marketing_analyst_grp;

-- declared at model.toml:6:9; the cluster lacks it
CREATE GROUP retention_analyst_grp;

-- model.toml:10:12 groups.marketing_analyst_grp.members
ALTER GROUP marketing_analyst_grp ADD USER carol;

-- model.toml:7:12 groups.retention_analyst_grp.members
-- model.toml:7:21 groups.retention_analyst_grp.members
ALTER GROUP retention_analyst_grp ADD USER alice, bob;

-- model.toml:15:13 schemas.demo_ml.creators
GRANT CREATE MODEL TO GROUP retention_analyst_grp;

-- model.toml:15:13 schemas.demo_ml.creators
GRANT CREATE, USAGE ON SCHEMA demo_ml TO GROUP retention_analyst_grp;

-- model.toml:16:14 schemas.demo_ml.consumers (for GROUP bi_grp)
-- model.toml:19:14 models."demo_ml.customer_churn_auto_model".consumers (for GROUP marketing_analyst_grp)
GRANT USAGE ON SCHEMA demo_ml TO GROUP bi_grp, GROUP marketing_analyst_grp;

-- model.toml:16:14 schemas.demo_ml.consumers (for GROUP bi_grp)
-- model.toml:19:14 models."demo_ml.customer_churn_auto_model".consumers (for GROUP marketing_analyst_grp)
GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP bi_grp, GROUP marketing_analyst_grp;
