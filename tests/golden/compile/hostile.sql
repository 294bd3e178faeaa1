-- mlgrant compile tests/golden/compile/hostile.toml: 25 changes in 9 statements, idempotent
-- WARNING: GRANT USAGE ON SCHEMA "odd.schema" TO PUBLIC: touches PUBLIC, every user
-- WARNING: GRANT EXECUTE ON MODEL "odd.schema"."we""ird model" TO PUBLIC: touches PUBLIC, every user
-- note: this script runs on its own (psql -f) once the cluster has: groups "grp.with.dots", "odd""grp", plain_grp, "select", "semi;colon -- not a comment", "ünïcödé_grp"; users "Bobby""Tables", "IAM:alice", "MixedCase", "o'neil"; roles "ml viewer"; schemas "group", "odd.schema", analytics; models analytics."x;drop table y", "group".model, "odd.schema"."we""ird model"; Redshift has no CREATE GROUP IF NOT EXISTS, so `mlgrant apply` creates missing groups itself
-- note: consumers of schema odd.schema get EXECUTE on every model in it; offline, only the models this file names are listed, plan resolves the rest from the cluster

-- tests/golden/compile/hostile.toml:13:13 schemas."odd.schema".creators (for GROUP "odd""grp")
-- tests/golden/compile/hostile.toml:17:13 schemas.group.creators (for ROLE "ml viewer")
-- tests/golden/compile/hostile.toml:13:24 schemas."odd.schema".creators (for "IAM:alice")
-- tests/golden/compile/hostile.toml:17:31 schemas.group.creators (for "o'neil")
GRANT CREATE MODEL TO GROUP "odd""grp", ROLE "ml viewer", "IAM:alice", "o'neil";

-- tests/golden/compile/hostile.toml:26:14 models.'analytics."x;drop table y"'.consumers
GRANT USAGE ON SCHEMA analytics TO "Bobby""Tables";

-- tests/golden/compile/hostile.toml:26:14 models.'analytics."x;drop table y"'.consumers
GRANT EXECUTE ON MODEL analytics."x;drop table y" TO "Bobby""Tables";

-- tests/golden/compile/hostile.toml:17:13 schemas.group.creators (for ROLE "ml viewer")
-- tests/golden/compile/hostile.toml:23:58 models.'"group".model'.consumers (for ROLE "ml viewer")
-- tests/golden/compile/hostile.toml:17:31 schemas.group.creators (for "o'neil")
GRANT CREATE, USAGE ON SCHEMA "group" TO ROLE "ml viewer", "o'neil";

-- tests/golden/compile/hostile.toml:23:45 models.'"group".model'.consumers (for GROUP plain_grp)
-- tests/golden/compile/hostile.toml:23:14 models.'"group".model'.consumers (for GROUP "semi;colon -- not a comment")
GRANT USAGE ON SCHEMA "group" TO GROUP plain_grp, GROUP "semi;colon -- not a comment";

-- tests/golden/compile/hostile.toml:23:45 models.'"group".model'.consumers (for GROUP plain_grp)
-- tests/golden/compile/hostile.toml:23:14 models.'"group".model'.consumers (for GROUP "semi;colon -- not a comment")
-- tests/golden/compile/hostile.toml:23:58 models.'"group".model'.consumers (for ROLE "ml viewer")
GRANT EXECUTE ON MODEL "group".model TO GROUP plain_grp, GROUP "semi;colon -- not a comment", ROLE "ml viewer";

-- tests/golden/compile/hostile.toml:13:13 schemas."odd.schema".creators (for GROUP "odd""grp")
-- tests/golden/compile/hostile.toml:13:24 schemas."odd.schema".creators (for "IAM:alice")
GRANT CREATE, USAGE ON SCHEMA "odd.schema" TO GROUP "odd""grp", "IAM:alice";

-- tests/golden/compile/hostile.toml:20:14 models.'"odd.schema"."we""ird model"'.consumers (for GROUP "grp.with.dots")
-- tests/golden/compile/hostile.toml:14:14 schemas."odd.schema".consumers (for GROUP "select")
-- tests/golden/compile/hostile.toml:20:31 models.'"odd.schema"."we""ird model"'.consumers (for GROUP "ünïcödé_grp")
-- tests/golden/compile/hostile.toml:14:24 schemas."odd.schema".consumers (for "MixedCase")
-- tests/golden/compile/hostile.toml:14:42 schemas."odd.schema".consumers (for PUBLIC)
GRANT USAGE ON SCHEMA "odd.schema" TO GROUP "grp.with.dots", GROUP "select", GROUP "ünïcödé_grp", "MixedCase", PUBLIC;

-- tests/golden/compile/hostile.toml:20:14 models.'"odd.schema"."we""ird model"'.consumers (for GROUP "grp.with.dots")
-- tests/golden/compile/hostile.toml:14:14 schemas."odd.schema".consumers (for GROUP "select")
-- tests/golden/compile/hostile.toml:20:31 models.'"odd.schema"."we""ird model"'.consumers (for GROUP "ünïcödé_grp")
-- tests/golden/compile/hostile.toml:14:24 schemas."odd.schema".consumers (for "MixedCase")
-- tests/golden/compile/hostile.toml:14:42 schemas."odd.schema".consumers (for PUBLIC)
GRANT EXECUTE ON MODEL "odd.schema"."we""ird model" TO GROUP "grp.with.dots", GROUP "select", GROUP "ünïcödé_grp", "MixedCase", PUBLIC;
