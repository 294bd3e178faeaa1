-- mlgrant compile tests/golden/compile/kinds.toml: 21 changes in 8 statements, idempotent
-- WARNING: GRANT USAGE ON SCHEMA forecasts TO PUBLIC: touches PUBLIC, every user
-- WARNING: GRANT EXECUTE ON MODEL forecasts.demand_v1 TO PUBLIC: touches PUBLIC, every user
-- WARNING: GRANT EXECUTE ON MODEL forecasts.demand_v2 TO PUBLIC: touches PUBLIC, every user
-- note: this script runs on its own (psql -f) once the cluster has: groups bi_grp, data_science_grp; users carol, dave; roles auditor, ml_engineer; schemas forecasts, scoring; models forecasts.demand_v1, forecasts.demand_v2, scoring.fraud; Redshift has no CREATE GROUP IF NOT EXISTS, so `mlgrant apply` creates missing groups itself
-- note: consumers of schema forecasts get EXECUTE on every model in it; offline, only the models this file names are listed, plan resolves the rest from the cluster

-- tests/golden/compile/kinds.toml:5:12 groups.bi_grp.members
-- tests/golden/compile/kinds.toml:5:21 groups.bi_grp.members
ALTER GROUP bi_grp ADD USER alice, bob;

-- tests/golden/compile/kinds.toml:10:13 schemas.forecasts.creators (for GROUP data_science_grp)
-- tests/golden/compile/kinds.toml:10:33 schemas.forecasts.creators (for ROLE ml_engineer)
GRANT CREATE MODEL TO GROUP data_science_grp, ROLE ml_engineer;

-- tests/golden/compile/kinds.toml:10:13 schemas.forecasts.creators (for GROUP data_science_grp)
-- tests/golden/compile/kinds.toml:10:33 schemas.forecasts.creators (for ROLE ml_engineer)
GRANT CREATE, USAGE ON SCHEMA forecasts TO GROUP data_science_grp, ROLE ml_engineer;

-- tests/golden/compile/kinds.toml:11:14 schemas.forecasts.consumers (for GROUP bi_grp)
-- tests/golden/compile/kinds.toml:11:24 schemas.forecasts.consumers (for carol)
-- tests/golden/compile/kinds.toml:14:14 models."forecasts.demand_v1".consumers (for dave)
-- tests/golden/compile/kinds.toml:11:38 schemas.forecasts.consumers (for PUBLIC)
GRANT USAGE ON SCHEMA forecasts TO GROUP bi_grp, carol, dave, PUBLIC;

-- tests/golden/compile/kinds.toml:11:14 schemas.forecasts.consumers (for GROUP bi_grp)
-- tests/golden/compile/kinds.toml:11:24 schemas.forecasts.consumers (for carol)
-- tests/golden/compile/kinds.toml:14:14 models."forecasts.demand_v1".consumers (for dave)
-- tests/golden/compile/kinds.toml:11:38 schemas.forecasts.consumers (for PUBLIC)
GRANT EXECUTE ON MODEL forecasts.demand_v1 TO GROUP bi_grp, carol, dave, PUBLIC;

-- tests/golden/compile/kinds.toml:11:14 schemas.forecasts.consumers (for GROUP bi_grp)
-- tests/golden/compile/kinds.toml:11:24 schemas.forecasts.consumers (for carol)
-- tests/golden/compile/kinds.toml:11:38 schemas.forecasts.consumers (for PUBLIC)
GRANT EXECUTE ON MODEL forecasts.demand_v2 TO GROUP bi_grp, carol, PUBLIC;

-- tests/golden/compile/kinds.toml:19:14 models."scoring.fraud".consumers (for GROUP bi_grp)
-- tests/golden/compile/kinds.toml:19:24 models."scoring.fraud".consumers (for ROLE auditor)
GRANT USAGE ON SCHEMA scoring TO GROUP bi_grp, ROLE auditor;

-- tests/golden/compile/kinds.toml:19:14 models."scoring.fraud".consumers (for GROUP bi_grp)
-- tests/golden/compile/kinds.toml:19:24 models."scoring.fraud".consumers (for ROLE auditor)
GRANT EXECUTE ON MODEL scoring.fraud TO GROUP bi_grp, ROLE auditor;
