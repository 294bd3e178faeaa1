-- mlgrant diff tests/golden/diff/members.old.toml -> tests/golden/diff/members.new.toml: 4 changes in 3 statements
-- note: group new_grp is newly managed: on a cluster, plan also revokes what it holds inside the fence that this file does not require, grants made by hand included (`mlgrant plan` lists them)
-- note: members of group bi_grp become managed: plan also drops members the file does not list
-- note: group new_grp is newly declared: plan and apply create it where the cluster lacks it

-- tests/golden/diff/members.new.toml:7:12 groups.bi_grp.members
ALTER GROUP bi_grp ADD USER erin;

-- tests/golden/diff/members.new.toml:4:30 groups.ml_team.members
-- tests/golden/diff/members.new.toml:4:21 groups.ml_team.members
ALTER GROUP ml_team ADD USER "IAM:Dan", carol;

-- not listed in tests/golden/diff/members.new.toml:3:9 groups.ml_team.members
ALTER GROUP ml_team DROP USER bob;
