-- Usage: who ran which model's prediction function, and who created which model, as
-- `mlgrant usage collect` finds them in the cluster's query history (SYS_QUERY_HISTORY keeps
-- days; this keeps the first and last use and a count). One row per user, kind and model:
-- kind is execute (a call of the model's prediction function) or create_model (CREATE
-- [EXTERNAL] MODEL). Its size is bounded by users times models.
CREATE TABLE mlgrant.usage (
    user_name varchar(128) NOT NULL,
    kind varchar(16) NOT NULL,
    object_schema varchar(128) NOT NULL,
    object_name varchar(128) NOT NULL,
    first_used timestamp NOT NULL,
    last_used timestamp NOT NULL,
    uses bigint NOT NULL
);
-- One row per collection (the newest 1,000 are kept): the last query_id of SYS_QUERY_HISTORY
-- it read, where the next one goes on from.
CREATE TABLE mlgrant.usage_collections (
    collected_at timestamp NOT NULL,
    collected_by varchar(128) NOT NULL,
    last_query_id bigint NOT NULL,
    queries_read bigint NOT NULL,
    uses_found bigint NOT NULL,
    ambiguous_calls bigint NOT NULL
);
