-- mlgrant diff tests/golden/diff/assumerole.old.toml -> tests/golden/diff/assumerole.new.toml: 7 changes in 4 statements
-- WARNING: REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL: stops every COPY, UNLOAD and CREATE MODEL that relied on PUBLIC's default access to IAM roles; removing the policy line later restores nothing: GRANT ASSUMEROLE ON ALL TO PUBLIC FOR ALL does

-- asked for by tests/golden/diff/assumerole.new.toml:16:28 policy.revoke_public_assumerole
REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL;

-- no longer required by tests/golden/diff/assumerole.old.toml:8:14 schemas.churn_ml.iam_roles
REVOKE ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-old' FROM GROUP churn_creators FOR CREATE MODEL;

-- tests/golden/diff/assumerole.new.toml:9:14 schemas.churn_ml.iam_roles
GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-churn' TO GROUP churn_creators FOR CREATE MODEL;

-- tests/golden/diff/assumerole.new.toml:13:14 schemas.forecast_ml.iam_roles
-- tests/golden/diff/assumerole.new.toml:13:68 schemas.forecast_ml.iam_roles
GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-forecast', 'arn:aws:iam::123456789012:role/path/SharedRole' TO GROUP forecast_creators, ROLE ml_admin FOR CREATE MODEL;
