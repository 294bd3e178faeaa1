-- plan
-- note: left alone, not managed by this model: group "dup " (USAGE ON SCHEMA demo_ml); to manage them, declare them or add [policy] manage = ["group:dup "]

-- declared at model.toml:6:9; the cluster lacks it
CREATE GROUP dup;

-- model.toml:9:14 schemas.demo_ml.consumers
GRANT USAGE ON SCHEMA demo_ml TO GROUP dup;
