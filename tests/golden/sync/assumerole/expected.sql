-- plan
-- WARNING: REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL: stops every COPY, UNLOAD and CREATE MODEL that relied on PUBLIC's default access to IAM roles; removing the policy line later restores nothing: GRANT ASSUMEROLE ON ALL TO PUBLIC FOR ALL does

-- asked for by model.toml:22:28 policy.revoke_public_assumerole
REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL;

-- held by group forecast_grp on IAM role arn:aws:iam::123456789012:role/RedshiftML-churn; no rule requires it; group forecast_grp is managed: it is declared at model.toml:12:9
REVOKE ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-churn' FROM GROUP forecast_grp FOR CREATE MODEL;

-- held by group churn_creators on IAM role default; no rule requires it; group churn_creators is managed: it is declared at model.toml:11:9
REVOKE ASSUMEROLE ON default FROM GROUP churn_creators FOR CREATE MODEL;

-- model.toml:16:14 schemas.churn_ml.iam_roles
GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-churn' TO GROUP churn_creators FOR CREATE MODEL;
