//! server: what a server answered when it refused, as one type for every place that talks to a
//! cluster (connect, catalog, audit, apply): the SQLSTATE, the message and the detail, kept
//! apart so that callers decide by code, never by searching text. Redshift puts the substance of
//! some errors in DETAIL (error 1023 arrives as SQLSTATE XX000, message `1023`).

/// ` (SQLSTATE XXXXX)`, or nothing when there is no code (a connection that failed): never
/// an empty `(SQLSTATE )`.
pub fn sqlstate_note(sqlstate: &str) -> String {
    if sqlstate.is_empty() {
        String::new()
    } else {
        format!(" (SQLSTATE {sqlstate})")
    }
}

/// An error the server reported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", sqlstate_note(.sqlstate))]
pub struct ServerError {
    pub sqlstate: String,
    pub message: String,
    pub detail: Option<String>,
}

/// Why talking to the server failed: it refused (with an error of its own), or the connection
/// itself failed (closed, reset, unreadable).
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error(transparent)]
    Server(ServerError),
    #[error("{0}")]
    Connection(String),
}

impl From<&tokio_postgres::Error> for WireError {
    fn from(e: &tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => WireError::Server(ServerError {
                sqlstate: db.code().code().to_owned(),
                message: db.message().to_owned(),
                detail: db.detail().map(str::to_owned),
            }),
            None => WireError::Connection(e.to_string()),
        }
    }
}

impl From<tokio_postgres::Error> for WireError {
    fn from(e: tokio_postgres::Error) -> Self {
        WireError::from(&e)
    }
}

/// A notice or warning the server sent while a statement ran (PostgreSQL protocol
/// NoticeResponse): not an error, but not always success either.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    /// As the server spells it: WARNING, NOTICE, INFO, DEBUG, LOG.
    pub severity: String,
    pub sqlstate: String,
    pub message: String,
    pub detail: Option<String>,
}

impl Notice {
    /// A warning says something did not happen as asked (PostgreSQL's GRANT that granted
    /// nothing warns, SQLSTATE class 01): apply treats it as a failure. Notices and the rest
    /// only inform.
    pub fn is_warning(&self) -> bool {
        self.severity.eq_ignore_ascii_case("WARNING") || self.sqlstate.starts_with("01")
    }
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}{}",
            self.severity,
            self.message,
            sqlstate_note(&self.sqlstate)
        )?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// A notice the server raised while statements of a run ran. Within one message of several
/// statements, a notice is known to come from the statement it was first seen after or a later
/// one of the same message (the driver reads ahead): `first..=last`, the same number when exact.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Heard {
    /// The places in the run, from 1, of the statements it may come from.
    pub first: usize,
    pub last: usize,
    pub notice: Notice,
}

impl Heard {
    /// "statement 3" or "statements 3 to 5 (one message)".
    pub fn statements(&self) -> String {
        if self.first == self.last {
            format!("statement {}", self.first)
        } else {
            format!("statements {} to {} (one message)", self.first, self.last)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_without_a_code_says_no_empty_sqlstate() {
        let e = ServerError {
            sqlstate: String::new(),
            message: "connection reset".into(),
            detail: None,
        };
        assert_eq!(e.to_string(), "connection reset");
        let e = ServerError {
            sqlstate: "42704".into(),
            ..e
        };
        assert_eq!(e.to_string(), "connection reset (SQLSTATE 42704)");
    }
}
