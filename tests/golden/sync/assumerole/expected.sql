-- plan
-- note: PUBLIC holds privileges on managed objects but is not managed by this model: left alone

REVOKE ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-churn' FROM GROUP forecast_grp FOR CREATE MODEL;

REVOKE ASSUMEROLE ON 'default-aws-iam-role' FROM GROUP churn_creators FOR CREATE MODEL;

-- model.toml:18:14 schemas.churn_ml.iam_roles
GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-churn' TO GROUP churn_creators FOR CREATE MODEL;
