//! Why a connection failed, worded for the user: refused, timed out, refused the password,
//! asked for a method the driver cannot answer, failed TLS. Failures are classified from the
//! error's type and its source chain (`downcast_ref`), not from its text.

use super::{SslMode, Target, host_port};

/// Why mlgrant could not connect, worded for the user.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Settings(String),
    #[error(
        "cannot connect to {at}: connection refused; check the host and port (a Redshift cluster listens on 5439 unless set otherwise; Serverless on 5431-5455 or 8191-8215), that the cluster is running, and that its security group lets you in"
    )]
    Refused { at: String },
    #[error(
        "cannot connect to {at}: no answer within {seconds} s; check the host, the network path and the security group (PGCONNECT_TIMEOUT sets the limit)"
    )]
    Timeout { at: String, seconds: u64 },
    #[error(
        "{at} accepted the connection but gave no Postgres answer within {seconds} s: check that this is the cluster's port (a Redshift cluster listens on 5439 unless set otherwise; Serverless on 5431-5455 or 8191-8215), not another service; a very busy cluster can also be this slow (PGCONNECT_TIMEOUT sets the limit)"
    )]
    NotPostgres { at: String, seconds: u64 },
    #[error(
        "cannot find the host {host}: check its name (for Redshift, the endpoint the console shows, NAME.ID.REGION.redshift.amazonaws.com), and your DNS or VPN"
    )]
    UnknownHost { host: String },
    #[error(
        "the server asks for a password for user {user} and none was given: set PGPASSWORD, add a line for it to ~/.pgpass (or the file PGPASSFILE names), put it in --url or a service section (PGSERVICE), or log in with IAM temporary credentials (--aws-cluster or --aws-workgroup)"
    )]
    NoPassword { user: String },
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
    #[error("TLS to {at} failed: {what}: {detail}; {hint}")]
    Tls {
        at: String,
        /// What went wrong, in words: the certificate does not name the host, its CA is not
        /// trusted, the server does not speak TLS, or another TLS failure.
        what: String,
        detail: String,
        hint: String,
    },
    #[error("the server refused the connection (SQLSTATE {sqlstate}): {message}")]
    Server { sqlstate: String, message: String },
    #[error("cannot connect to {target}: {detail}")]
    Other { target: String, detail: String },
}

/// Every message in an error's chain, joined; a message already contained in what came before
/// is left out (TLS libraries repeat their text at each level).
pub(super) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
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
    let at = host_port(&target.host, target.port);
    if method_13(e) {
        return ConnectError::Method13;
    }
    // The driver reports a missing password and a server without TLS only as text of its own
    // error (tokio-postgres has no public kind for them); those two texts are read here.
    if detail.contains("password missing") {
        return ConnectError::NoPassword {
            user: target.user.clone(),
        };
    }
    if detail.contains("failed to lookup address information") {
        return ConnectError::UnknownHost {
            host: target.host.clone(),
        };
    }
    if detail.contains("server does not support TLS") {
        return ConnectError::Tls {
            at,
            what: "the server does not speak TLS".to_owned(),
            detail,
            hint: "a Redshift endpoint always does, so check the host and port (is this a proxy or another service?); sslmode=disable turns TLS off, never do that across a network you do not control".to_owned(),
        };
    }
    if source::<native_tls::Error>(e).is_some() {
        return tls_failure(target, at, detail);
    }
    match source::<std::io::Error>(e).map(std::io::Error::kind) {
        Some(std::io::ErrorKind::ConnectionRefused) => ConnectError::Refused { at },
        Some(std::io::ErrorKind::TimedOut) => ConnectError::Timeout {
            at,
            seconds: target.connect_timeout.map_or(0, |t| t.as_secs()),
        },
        _ => ConnectError::Other {
            target: target.describe(),
            detail,
        },
    }
}

/// A failed TLS handshake, told apart by OpenSSL's verify result, which native-tls gives only
/// in its text: a certificate that does not name the host, one whose CA is not trusted, or
/// something else.
fn tls_failure(target: &Target, at: String, detail: String) -> ConnectError {
    let lower = detail.to_ascii_lowercase();
    let verify = matches!(target.sslmode, SslMode::VerifyFull | SslMode::VerifyCa);
    let (what, hint) = if lower.contains("hostname mismatch")
        || lower.contains("ip address mismatch")
    {
        (
            format!("the server's certificate does not name {}", target.host),
            "connect with the name the certificate was issued for (for Redshift, the endpoint the console shows, NAME.ID.REGION.redshift.amazonaws.com, not an IP address or an alias); sslmode=verify-ca checks the certificate but not the name".to_owned(),
        )
    } else if verify
        && (lower.contains("self-signed")
            || lower.contains("self signed")
            || lower.contains("unable to get local issuer")
            || lower.contains("unable to get issuer")
            || lower.contains("certificate verify failed"))
    {
        (
            "the server's certificate is signed by a CA this machine does not trust".to_owned(),
            "point PGSSLROOTCERT (or sslrootcert= in --url) at the CA bundle that signed it (for Redshift, Amazon's amazon-trust-ca-bundle.crt, see docs/connecting.md); sslmode=require skips verification".to_owned(),
        )
    } else {
        (
            "the TLS handshake failed".to_owned(),
            "check that this is the cluster's address and port, and the sslmode".to_owned(),
        )
    };
    ConnectError::Tls {
        at,
        what,
        detail,
        hint,
    }
}
