-- Query history as Redshift shows it (DG SYS_QUERY_HISTORY, SYS_QUERY_TEXT). The front (proxy/
-- history.rs) writes one row per statement a client ran, simple query or Execute, with the
-- statement's own text as the client sent it (never the simulator's rewriting of it), once the
-- server has answered it: 'success' for a statement that completed, 'failed' for the one that
-- raised an error. The rows reach this table before the client can send its next message that
-- reads the views, so a test reads what it just ran.
--
-- "SYS_QUERY_HISTORY is visible to all users. Superusers can see all rows; regular users can see
-- only their own data." user_id is the user's id (pg_user.usesysid); session_id the process id of
-- the session's backend. Not modelled: transaction_id (NULL), queue and execution time (0),
-- result cache (false), returned rows and bytes (0), running statements (a statement is written
-- when it ends). query_type is SELECT, INSERT, UPDATE, DELETE, COPY, UNLOAD, CTAS (CREATE TABLE
-- ... AS), DDL (CREATE, ALTER, DROP), else UTILITY: the page lists the values, not which
-- statement gets which, so mlgrant never relies on query_type.
CREATE TABLE mlsim.query_log (
    user_id int,
    query_id bigserial,
    session_id int,
    database_name text,
    query_type text,
    status text,
    start_time timestamp,
    end_time timestamp,
    query_text text
);
REVOKE ALL ON mlsim.query_log FROM PUBLIC;

-- Views in pg_catalog, as catalog.sql makes them.
SET allow_system_table_mods = on;

CREATE VIEW pg_catalog.sys_query_history AS
SELECT q.user_id,
       q.query_id,
       ''::char(320) AS query_label,
       NULL::bigint AS transaction_id,
       q.session_id,
       q.database_name::char(128) AS database_name,
       q.query_type::char(32) AS query_type,
       q.status::char(10) AS status,
       false AS result_cache_hit,
       q.start_time,
       q.end_time,
       (extract(epoch FROM q.end_time - q.start_time) * 1000000)::bigint AS elapsed_time,
       0::bigint AS queue_time,
       (extract(epoch FROM q.end_time - q.start_time) * 1000000)::bigint AS execution_time,
       ''::char(512) AS error_message,
       0::bigint AS returned_rows,
       0::bigint AS returned_bytes,
       left(q.query_text, 4000)::char(4000) AS query_text,
       mlsim.version()::char(256) AS redshift_version
FROM mlsim.query_log q
WHERE (SELECT mlsim.is_superuser())
   OR q.user_id = (SELECT oid FROM pg_roles WHERE rolname = current_user);

-- The full text in 4,000-character rows numbered from 0 (DG SYS_QUERY_TEXT).
CREATE VIEW pg_catalog.sys_query_text AS
SELECT q.user_id,
       q.query_id,
       NULL::bigint AS transaction_id,
       q.session_id,
       q.start_time,
       s.n AS sequence,
       substr(q.query_text, s.n * 4000 + 1, 4000)::char(4000) AS text
FROM mlsim.query_log q
CROSS JOIN LATERAL generate_series(0, greatest(0, (length(q.query_text) - 1) / 4000)) AS s(n)
WHERE (SELECT mlsim.is_superuser())
   OR q.user_id = (SELECT oid FROM pg_roles WHERE rolname = current_user);

GRANT SELECT ON pg_catalog.sys_query_history, pg_catalog.sys_query_text TO PUBLIC;
RESET allow_system_table_mods;

-- The front's door: rows in, as arrays (one statement each); times in microseconds since 1970.
CREATE PROCEDURE mlsim.log_queries(users text[], sessions int[], types text[], statuses text[],
                                   starts bigint[], ends bigint[], texts text[])
LANGUAGE sql AS $$
    INSERT INTO mlsim.query_log (user_id, session_id, database_name, query_type, status,
                                 start_time, end_time, query_text)
    SELECT (SELECT oid FROM pg_roles WHERE rolname = u), s, current_database(), t, st,
           to_timestamp(b / 1000000.0) AT TIME ZONE 'UTC',
           to_timestamp(e / 1000000.0) AT TIME ZONE 'UTC', x
    FROM unnest(users, sessions, types, statuses, starts, ends, texts) AS r(u, s, t, st, b, e, x)
$$;
REVOKE ALL ON PROCEDURE mlsim.log_queries FROM PUBLIC;
