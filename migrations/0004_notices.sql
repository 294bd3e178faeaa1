-- What the server said while the statements of a run ran (notices: a re-grant or a revoke of
-- what is not held may raise one; a warning aborts a run and so is never recorded). Statements go
-- to the server in batches, one message each, and a notice cannot be told apart from the
-- statements after it in its message: it came while statements first_seq to last_seq ran (their
-- seq in mlgrant.apply_statements); the same number twice when it is known exactly.
CREATE TABLE mlgrant.apply_notices (
    run_id varchar(64) NOT NULL,
    first_seq integer NOT NULL,
    last_seq integer NOT NULL,
    severity varchar(16) NOT NULL,
    sqlstate char(5) NOT NULL,
    message varchar(65535) NOT NULL
);
