-- Each migration's SHA-256, recorded when it runs, so that a changed released file is refused.
ALTER TABLE mlgrant.schema_version ADD COLUMN checksum char(64);
UPDATE mlgrant.schema_version SET checksum = '1a3de35319d72c8c6cb0bc339f6ec09ada0fc40adaa85bdc223281e1de057be0' WHERE version = 1;
