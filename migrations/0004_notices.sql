-- What the server said to each statement of a run (notices: a re-grant or a revoke of what is
-- not held may raise one; warnings abort a run and so are never recorded). seq is the
-- statement's place in mlgrant.apply_statements.
CREATE TABLE mlgrant.apply_notices (
    run_id varchar(64) NOT NULL,
    seq integer NOT NULL,
    severity varchar(16) NOT NULL,
    sqlstate char(5) NOT NULL,
    message varchar(65535) NOT NULL
);
