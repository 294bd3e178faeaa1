-- plan
-- note: user carol holds EXECUTE ON MODEL demo_ml.churn but is protected by `user:carol`: left alone
-- note: left alone, not managed by this model: user eve (EXECUTE ON MODEL demo_ml.churn); user grace (EXECUTE ON MODEL demo_ml.churn); to manage them, declare them or add [policy] manage = ["user:eve", "user:grace"]

-- granted by run r1 at 2026-12-01 10:00:00 for old.toml:14:13 schemas.demo_ml.iam_roles, no longer required
REVOKE ASSUMEROLE ON 'arn:aws:iam::123456789012:role/gone' FROM GROUP bi FOR CREATE MODEL;

-- granted by run r1 at 2026-12-01 10:00:00 for old.toml:9:24 models."demo_ml.churn".consumers, no longer required
REVOKE USAGE ON SCHEMA demo_ml FROM frank;

-- granted by run r1 at 2026-12-01 10:00:00 for old.toml:9:24 models."demo_ml.churn".consumers, no longer required
REVOKE EXECUTE ON MODEL demo_ml.churn FROM frank;
