-- The privileges mlgrant's grant of which stands (mlgrant's own ledger, migration 5): the latest
-- row of each privilege, where that row is a grant. A plan reads these, not the whole history,
-- so that it costs the same however many runs the ledger records (revert reads the history:
-- ledger.sql). ROW_NUMBER is Redshift's window function (DG r_WF_ROW_NUMBER); a partition's NULL
-- schema or name (the database, an IAM role) is one value. Sent last, and only where the ledger
-- may be missing outside a transaction: on a cluster mlgrant never applied to it fails (42P01 or
-- 3F000) and the ledger is empty.
SELECT run_id, applied_at, action, privilege, object_kind, object_schema, object_name, grantee_kind, grantee_name, source FROM (SELECT run_id, applied_at, action, privilege, object_kind, object_schema, object_name, grantee_kind, grantee_name, source, ROW_NUMBER() OVER (PARTITION BY privilege, object_kind, object_schema, object_name, grantee_kind, grantee_name ORDER BY applied_at DESC, run_id DESC) AS latest FROM mlgrant.ledger) AS standing WHERE latest = 1 AND action = 'grant';
