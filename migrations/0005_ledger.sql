-- The ledger: each privilege a run granted or revoked, one row each, written in the same
-- transaction as the change. plan reads it: a privilege mlgrant granted that the model no longer
-- requires is revoked even when its grantee is no longer named. privilege is CREATE MODEL,
-- CREATE, USAGE, EXECUTE or ASSUMEROLE FOR <command>; object_kind is database, schema, model or
-- iam_role (object_name: the model, or the role's ARN, default or ALL); grantee_kind is group,
-- user, role or public; source is the model file's line that required a grant.
CREATE TABLE mlgrant.ledger (
    run_id varchar(64) NOT NULL,
    applied_at timestamp NOT NULL,
    action varchar(8) NOT NULL,
    privilege varchar(32) NOT NULL,
    object_kind varchar(16) NOT NULL,
    object_schema varchar(128),
    object_name varchar(2048),
    grantee_kind varchar(8) NOT NULL,
    grantee_name varchar(128),
    source varchar(1024)
);
