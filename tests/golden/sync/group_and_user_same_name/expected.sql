-- plan
-- note: user analyst holds privileges on managed objects but is not managed by this model: left alone

CREATE GROUP analyst;

-- model.toml:9:14 schemas.demo_ml.consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP analyst;
