-- mlgrant compile tests/golden/compile/assumerole.toml: 12 changes in 6 statements, idempotent
-- WARNING: REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL: stops every COPY, UNLOAD and CREATE MODEL that relied on PUBLIC's default access to IAM roles; removing the policy line later restores nothing: GRANT ASSUMEROLE ON ALL TO PUBLIC FOR ALL does
-- note: this script runs on its own (psql -f) once the cluster has: groups churn_creators, forecast_creators; roles ml_admin; schemas churn_ml, forecast_ml; Redshift has no CREATE GROUP IF NOT EXISTS, so `mlgrant apply` creates missing groups itself

-- asked for by tests/golden/compile/assumerole.toml:16:28 policy.revoke_public_assumerole
REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL;

-- tests/golden/compile/assumerole.toml:8:13 schemas.churn_ml.creators (for GROUP churn_creators)
-- tests/golden/compile/assumerole.toml:12:13 schemas.forecast_ml.creators (for GROUP forecast_creators)
-- tests/golden/compile/assumerole.toml:12:34 schemas.forecast_ml.creators (for ROLE ml_admin)
GRANT CREATE MODEL TO GROUP churn_creators, GROUP forecast_creators, ROLE ml_admin;

-- tests/golden/compile/assumerole.toml:9:14 schemas.churn_ml.iam_roles
GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-churn' TO GROUP churn_creators FOR CREATE MODEL;

-- tests/golden/compile/assumerole.toml:13:14 schemas.forecast_ml.iam_roles
-- tests/golden/compile/assumerole.toml:13:68 schemas.forecast_ml.iam_roles
GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-forecast', 'arn:aws:iam::123456789012:role/path/SharedRole' TO GROUP forecast_creators, ROLE ml_admin FOR CREATE MODEL;

-- tests/golden/compile/assumerole.toml:8:13 schemas.churn_ml.creators
GRANT CREATE, USAGE ON SCHEMA churn_ml TO GROUP churn_creators;

-- tests/golden/compile/assumerole.toml:12:13 schemas.forecast_ml.creators (for GROUP forecast_creators)
-- tests/golden/compile/assumerole.toml:12:34 schemas.forecast_ml.creators (for ROLE ml_admin)
GRANT CREATE, USAGE ON SCHEMA forecast_ml TO GROUP forecast_creators, ROLE ml_admin;
