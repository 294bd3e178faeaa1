-- Whether identifiers keep their case (DG r_enable_case_sensitive_identifier): when on, the
-- model's lowercase names no longer say what the catalog stores, and nothing is revoked.
SHOW enable_case_sensitive_identifier;
