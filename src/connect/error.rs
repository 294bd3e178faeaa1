//! Why a connection failed, worded for the user: refused, timed out, refused the password,
//! asked for a method the driver cannot answer, failed TLS. Failures are classified from the
//! error's type and its source chain (`downcast_ref`), not from its text.

use super::{SslMode, Target};

/// Why mlgrant could not connect, worded for the user.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Settings(String),
    #[error(
        "cannot connect to {host}:{port}: connection refused; check the host and port, that the cluster is running, and that its security group lets you in"
    )]
    Refused { host: String, port: u16 },
    #[error(
        "cannot connect to {host}:{port}: no answer within {seconds} s; check the host, the network path and the security group (PGCONNECT_TIMEOUT sets the limit)"
    )]
    Timeout {
        host: String,
        port: u16,
        seconds: u64,
    },
    #[error(
        "authentication failed for user {user} (SQLSTATE {sqlstate}): {message}; check the user name and the password (--url, PGPASSWORD or ~/.pgpass)"
    )]
    Auth {
        user: String,
        sqlstate: String,
        message: String,
    },
    #[error(
        "the server asked for authentication method 13 (a password stored as sha256), which this client cannot answer; set the user's password again with ALTER USER ... PASSWORD 'plain text' or an md5 hash, or connect with IAM temporary credentials"
    )]
    Method13,
    #[error("TLS to {host}:{port} failed: {detail}; {hint}")]
    Tls {
        host: String,
        port: u16,
        detail: String,
        hint: String,
    },
    #[error("the server refused the connection (SQLSTATE {sqlstate}): {message}")]
    Server { sqlstate: String, message: String },
    #[error("cannot connect to {target}: {detail}")]
    Other { target: String, detail: String },
}

/// Every message in an error's chain, joined.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The first error of type `T` in an error's source chain.
fn source<'e, T: std::error::Error + 'static>(
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = next {
        if let Some(t) = s.downcast_ref::<T>() {
            return Some(t);
        }
        next = s.source();
    }
    None
}

/// Whether the server asked for authentication method 13 (sha256 passwords). The protocol
/// crate reports an unknown method only as an `InvalidInput` I/O error whose text names the
/// tag, so that one error's own text is read; nothing else is classified by text.
fn method_13(e: &(dyn std::error::Error + 'static)) -> bool {
    source::<std::io::Error>(e).is_some_and(|io| {
        io.kind() == std::io::ErrorKind::InvalidInput
            && io.to_string().contains("authentication tag `13`")
    })
}

pub(super) fn explain(target: &Target, e: &tokio_postgres::Error) -> ConnectError {
    if let Some(db) = e.as_db_error() {
        let sqlstate = db.code().code().to_owned();
        return if sqlstate.starts_with("28") {
            ConnectError::Auth {
                user: target.user.clone(),
                sqlstate,
                message: db.message().to_owned(),
            }
        } else {
            ConnectError::Server {
                sqlstate,
                message: db.message().to_owned(),
            }
        };
    }
    let detail = chain(e);
    let (host, port) = (target.host.clone(), target.port);
    if method_13(e) {
        return ConnectError::Method13;
    }
    if source::<native_tls::Error>(e).is_some() {
        let hint = match target.sslmode {
            SslMode::VerifyFull | SslMode::VerifyCa => {
                "point PGSSLROOTCERT (or sslrootcert= in --url) at the CA bundle that signed the server's certificate (for Redshift, Amazon's published bundle); sslmode=require skips verification".to_owned()
            }
            _ => "check that the server speaks TLS".to_owned(),
        };
        return ConnectError::Tls {
            host,
            port,
            detail,
            hint,
        };
    }
    match source::<std::io::Error>(e).map(std::io::Error::kind) {
        Some(std::io::ErrorKind::ConnectionRefused) => ConnectError::Refused { host, port },
        Some(std::io::ErrorKind::TimedOut) => ConnectError::Timeout {
            host,
            port,
            seconds: target.connect_timeout.map_or(0, |t| t.as_secs()),
        },
        _ => ConnectError::Other {
            target: target.describe(),
            detail,
        },
    }
}
