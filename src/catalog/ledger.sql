-- What mlgrant granted and revoked (mlgrant's own ledger, migration 5), oldest first: the latest
-- row of a privilege says whether mlgrant's grant of it stands. Sent last, and only where the
-- ledger may be missing outside a transaction: on a cluster mlgrant never applied to it fails
-- (42P01 or 3F000) and the ledger is empty.
SELECT run_id, applied_at, action, privilege, object_kind, object_schema, object_name, grantee_kind, grantee_name, source FROM mlgrant.ledger ORDER BY applied_at, run_id;
