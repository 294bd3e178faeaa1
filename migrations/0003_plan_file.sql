-- The SHA-256 of the saved plan file a run applied (apply --plan), when it applied one.
ALTER TABLE mlgrant.apply_log ADD COLUMN plan_file_digest char(64);
