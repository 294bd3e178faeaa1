-- plan

-- model.toml:9:14 schemas.fresh_ml.consumers
GRANT USAGE ON SCHEMA fresh_ml TO GROUP bi_grp;
