-- ASSUMEROLE on IAM roles, one row per command (DG r_SVV_IAM_PRIVILEGES).
SELECT iam_arn, command_type, identity_name, identity_type FROM svv_iam_privileges;
