-- mlgrant diff tests/golden/diff/hostile.old.toml -> tests/golden/diff/hostile.new.toml: 4 changes in 2 statements
-- note: consumers of schema odd.schema get EXECUTE on every model in it; offline, only the models this file names are listed, plan resolves the rest from the cluster
-- note: user "IAM:alice" left the model and no [policy] manage pattern matches it: plan revokes what mlgrant's ledger shows it granted, and leaves its other grants alone (revoke them by hand, or add a manage pattern)
-- note: PUBLIC left the model and no [policy] manage pattern matches it: plan revokes what mlgrant's ledger shows it granted, and leaves its other grants alone (revoke them by hand, or add a manage pattern)
-- note: role "ml viewer" is newly managed: on a cluster, plan also revokes what it holds inside the fence that this file does not require, grants made by hand included (`mlgrant plan` lists them)
-- note: user "Zoë" is newly managed: on a cluster, plan also revokes what it holds inside the fence that this file does not require, grants made by hand included (`mlgrant plan` lists them)

-- tests/golden/diff/hostile.new.toml:7:14 schemas."odd.schema".consumers (for ROLE "ml viewer")
-- tests/golden/diff/hostile.new.toml:10:32 models.'"odd.schema"."we""ird"'.consumers (for "Zoë")
GRANT USAGE ON SCHEMA "odd.schema" TO ROLE "ml viewer", "Zoë";

-- tests/golden/diff/hostile.new.toml:7:14 schemas."odd.schema".consumers (for ROLE "ml viewer")
-- tests/golden/diff/hostile.new.toml:10:32 models.'"odd.schema"."we""ird"'.consumers (for "Zoë")
GRANT EXECUTE ON MODEL "odd.schema"."we""ird" TO ROLE "ml viewer", "Zoë";
