-- plan
-- note: user analyst holds privileges on managed objects but is not managed by this model: left alone

-- declared at model.toml:6:9; the cluster lacks it
CREATE GROUP analyst;

-- model.toml:9:14 schemas.demo_ml.consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP analyst;
