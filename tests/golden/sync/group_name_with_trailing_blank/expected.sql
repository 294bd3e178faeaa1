-- plan
-- note: group "dup " holds privileges on managed objects but is not managed by this model: left alone

-- declared at model.toml:5:9; the cluster lacks it
CREATE GROUP dup;

-- model.toml:8:14 schemas.demo_ml.consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP dup;
