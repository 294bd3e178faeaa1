-- plan
-- note: left alone, not managed by this model: user analyst (USAGE ON SCHEMA demo_ml); to manage them, declare them or add [policy] manage = ["user:analyst"]

-- declared at model.toml:6:9; the cluster lacks it
CREATE GROUP analyst;

-- model.toml:9:14 schemas.demo_ml.consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP analyst;
