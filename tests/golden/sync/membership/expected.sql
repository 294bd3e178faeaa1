-- plan

-- model.toml:7:21 groups.retention_analyst_grp.members
ALTER GROUP retention_analyst_grp ADD USER carol;

-- not listed in model.toml:9:9 groups.marketing_grp.members
ALTER GROUP marketing_grp DROP USER bob, carol;

-- not listed in model.toml:6:9 groups.retention_analyst_grp.members
ALTER GROUP retention_analyst_grp DROP USER bob;
