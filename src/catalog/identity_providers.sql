-- The namespaces of the cluster's identity providers (DG r_SVV_IDENTITY_PROVIDERS; superusers
-- only). Only namespc is read: the params column holds client secrets, and mlgrant never reads
-- or prints it.
SELECT namespc FROM pg_catalog.svv_identity_providers;
