-- plan

-- asked for by model.toml:22:28 policy.revoke_public_assumerole
REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL;

REVOKE ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-churn' FROM GROUP forecast_grp FOR CREATE MODEL;

REVOKE ASSUMEROLE ON default FROM GROUP churn_creators FOR CREATE MODEL;

-- model.toml:16:14 schemas.churn_ml.iam_roles
GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-churn' TO GROUP churn_creators FOR CREATE MODEL;
