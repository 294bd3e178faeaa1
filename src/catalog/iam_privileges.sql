-- ASSUMEROLE on IAM roles (DG r_SVV_IAM_PRIVILEGES): one row per command (COPY, UNLOAD,
-- CREATE MODEL, EXFUNC), so a grant FOR ALL reads as four rows; the default role reads as
-- 'default-aws-iam-role'.
SELECT iam_arn, command_type, identity_name, identity_type FROM pg_catalog.svv_iam_privileges;
