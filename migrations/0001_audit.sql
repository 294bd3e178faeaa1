-- mlgrant's own schema: the migration version and the append-only log of applied runs.
-- Types are those Redshift and PostgreSQL share; times come from the client, in UTC.
CREATE SCHEMA mlgrant;

CREATE TABLE mlgrant.schema_version (
    version integer NOT NULL,
    applied_at timestamp NOT NULL
);

CREATE TABLE mlgrant.apply_log (
    run_id varchar(64) NOT NULL,
    applied_at timestamp NOT NULL,
    db_user varchar(128) NOT NULL,
    mlgrant_version varchar(32) NOT NULL,
    model_file varchar(1024) NOT NULL,
    model_digest char(64) NOT NULL,
    plan_digest char(64) NOT NULL,
    statements integer NOT NULL,
    grants integer NOT NULL,
    revokes integer NOT NULL,
    groups_created integer NOT NULL,
    members_added integer NOT NULL,
    members_dropped integer NOT NULL,
    outcome varchar(16) NOT NULL
);

-- The statements of each run, one row each (a Redshift varchar holds at most 65535 bytes).
CREATE TABLE mlgrant.apply_statements (
    run_id varchar(64) NOT NULL,
    seq integer NOT NULL,
    statement varchar(65535) NOT NULL
);
