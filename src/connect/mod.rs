//! connect: where the cluster is and how to reach it. Reads `--url` and the libpq environment
//! (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT,
//! PGPASSFILE and ~/.pgpass, PGSERVICE with PGSERVICEFILE, ~/.pg_service.conf and PGSYSCONFDIR), opens one connection over TLS (postgres-native-tls), and turns
//! every failure into a message that says what to do.
//!
//! The parts: `url` (the `--url`), `pgpass`, `service` (pg_service.conf), `tls`, `error` (what a
//! failure means).
//!
//! Defaults: port 5439 (Redshift's), database `dev`, `sslmode=verify-full`, a 10 s connect
//! timeout. A password never appears in a message, a log or `Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::Client;

use crate::server::Notice;

mod aws;
mod error;
mod pgpass;
mod service;
mod tls;
mod url;

pub use aws::{IamLogin, login as iam_login};
pub use error::ConnectError;
pub use pgpass::pgpass_lookup;

use url::{UrlParts, parse_url};

/// How TLS is used and checked, as libpq's sslmode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, unverified.
    Prefer,
    /// TLS, certificate not verified.
    Require,
    /// TLS, certificate chain verified, host name not.
    VerifyCa,
    /// TLS, certificate chain and host name verified.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Result<SslMode, ConnectError> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(ConnectError::Settings(format!(
                    "unknown sslmode `{other}`: use disable, allow, prefer, require, verify-ca or verify-full"
                )));
            }
        })
    }
}

/// A password; shown as `***` everywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub(crate) String);

impl Password {
    pub fn new(s: impl Into<String>) -> Password {
        Password(s.into())
    }

    /// The secret itself, for the connection and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Everything needed to open a connection.
#[derive(Clone, Debug)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    pub sslmode: SslMode,
    pub sslrootcert: Option<PathBuf>,
    pub password: Option<Password>,
    /// How long to wait for the connection, TLS and authentication included; `None` waits
    /// forever (libpq's `connect_timeout=0`).
    pub connect_timeout: Option<Duration>,
    /// Things the user should hear about (an ignored pgpass file).
    pub warnings: Vec<String>,
    /// Whether the host was given (--url, a service file or PGHOST) rather than defaulted: an
    /// IAM login then keeps it instead of asking AWS for the endpoint.
    pub host_given: bool,
    /// How the login was obtained, for messages (`cluster ID`, `Serverless workgroup NAME`).
    pub via: Option<String>,
}

impl Target {
    /// `user@host:port/db` (`user@[::1]:5439/db` for an IPv6 address), for messages; never the
    /// password.
    pub fn describe(&self) -> String {
        let via = self
            .via
            .as_ref()
            .map(|v| format!(" ({v}, IAM login)"))
            .unwrap_or_default();
        format!(
            "{}@{}/{}{via}",
            self.user,
            host_port(&self.host, self.port),
            self.dbname
        )
    }
}

/// `host:port`, with an IPv6 address in brackets (`[::1]:5439`), as URLs write it.
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Builds the target from `--url` (when given) over the libpq environment. `env` reads a
/// variable; `home` is the user's home folder (for ~/.pgpass).
pub fn resolve(
    url: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Target, ConnectError> {
    let mut parts = match url {
        Some(u) => parse_url(u)?,
        None => UrlParts::default(),
    };
    let from_env = |k: &str| env(k).filter(|v| !v.is_empty());
    // A service section (libpq's pg_service.conf) sits between --url and the environment.
    let service = match parts.param("service").or_else(|| from_env("PGSERVICE")) {
        Some(name) => service::lookup(&name, &from_env, home)?,
        None => Vec::new(),
    };
    // As libpq: the first value of a keyword in the section counts.
    let svc = |k: &str| {
        service
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let setting = |url: Option<String>, key: &str, var: &str| {
        url.or_else(|| svc(key)).or_else(|| from_env(var))
    };
    let host = setting(parts.host.take(), "host", "PGHOST");
    let host_given = host.is_some();
    let host = host.unwrap_or_else(|| "localhost".to_owned());
    let port = match setting(parts.port.take(), "port", "PGPORT") {
        Some(p) => p.parse::<u16>().map_err(|_| {
            ConnectError::Settings(
                "the port (--url, the service file or PGPORT) is not a number from 1 to 65535"
                    .to_owned(),
            )
        })?,
        None => 5439,
    };
    let user = setting(parts.user.take(), "user", "PGUSER")
        .or_else(|| from_env("USER"))
        .ok_or_else(|| {
            ConnectError::Settings("no user: put one in --url or set PGUSER".to_owned())
        })?;
    let dbname =
        setting(parts.dbname.take(), "dbname", "PGDATABASE").unwrap_or_else(|| "dev".to_owned());
    let sslmode = SslMode::parse(
        &setting(parts.param("sslmode"), "sslmode", "PGSSLMODE")
            .unwrap_or_else(|| "verify-full".to_owned()),
    )?;
    let sslrootcert =
        setting(parts.param("sslrootcert"), "sslrootcert", "PGSSLROOTCERT").map(PathBuf::from);
    let connect_timeout = match setting(
        parts.param("connect_timeout"),
        "connect_timeout",
        "PGCONNECT_TIMEOUT",
    ) {
        // libpq: 0 (or a negative number) waits forever.
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n <= 0 => None,
            Ok(n) => Some(Duration::from_secs(n as u64)),
            Err(_) => {
                return Err(ConnectError::Settings(
                    "connect_timeout (--url, the service file or PGCONNECT_TIMEOUT) is not a whole number of seconds"
                        .to_owned(),
                ));
            }
        },
        None => Some(Duration::from_secs(10)),
    };
    let mut warnings = Vec::new();
    let password = match setting(parts.password.take(), "password", "PGPASSWORD") {
        Some(p) => Some(Password(p)),
        None => {
            let file = from_env("PGPASSFILE")
                .map(PathBuf::from)
                .or_else(|| home.map(|h| h.join(".pgpass")));
            match file.map(|f| pgpass_lookup(&f, &host, port, &dbname, &user)) {
                Some(Ok(p)) => p,
                Some(Err(warning)) => {
                    warnings.push(warning);
                    None
                }
                None => None,
            }
        }
    };
    Ok(Target {
        host,
        port,
        user,
        dbname,
        sslmode,
        sslrootcert,
        password,
        connect_timeout,
        warnings,
        host_given,
        via: None,
    })
}

/// Notices and warnings the server sent on a connection (a GRANT that granted nothing warns).
pub type Notices = std::sync::mpsc::Receiver<Notice>;

/// Opens one connection; its driver runs on the current tokio runtime.
pub async fn connect(target: &Target) -> Result<Client, ConnectError> {
    connect_with_notices(target).await.map(|(client, _)| client)
}

/// Opens one connection and hands back the server's notices and warnings as they arrive.
pub async fn connect_with_notices(target: &Target) -> Result<(Client, Notices), ConnectError> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(&target.host)
        .port(target.port)
        .user(&target.user)
        .dbname(&target.dbname)
        .application_name("mlgrant")
        // A peer that vanishes without a word is noticed by the kernel, not waited on forever.
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .ssl_mode(match target.sslmode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
    if let Some(t) = target.connect_timeout {
        config.connect_timeout(t);
    }
    if let Some(p) = &target.password {
        config.password(p.expose());
    }
    let tls = postgres_native_tls::MakeTlsConnector::new(tls::tls_connector(target)?);
    // The driver's timeout covers the TCP connect only; a server that accepts and then says
    // nothing must not hang mlgrant either.
    let attempt = match target.connect_timeout {
        Some(t) => match tokio::time::timeout(t, config.connect(tls)).await {
            Ok(attempt) => attempt,
            Err(_) => return Err(silent(target, t).await),
        },
        None => config.connect(tls).await,
    };
    match attempt {
        Ok((client, mut connection)) => {
            let (tx, rx) = std::sync::mpsc::channel();
            tokio::spawn(async move {
                let messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                futures_util::pin_mut!(messages);
                while let Some(message) = futures_util::StreamExt::next(&mut messages).await {
                    match message {
                        Ok(tokio_postgres::AsyncMessage::Notice(n)) => {
                            let _ = tx.send(Notice {
                                severity: n.severity().to_owned(),
                                sqlstate: n.code().code().to_owned(),
                                message: n.message().to_owned(),
                                detail: n.detail().map(str::to_owned),
                            });
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            });
            Ok((client, rx))
        }
        Err(e) => Err(error::explain(target, &e)),
    }
}

/// Why a connection attempt got no answer in `waited`: when a plain TCP connection to the port
/// opens at once, something listens there but did not speak the Postgres protocol; otherwise
/// the network did not answer.
async fn silent(target: &Target, waited: Duration) -> ConnectError {
    let at = host_port(&target.host, target.port);
    let probe = tokio::time::timeout(
        Duration::from_secs(3),
        tokio::net::TcpStream::connect((target.host.as_str(), target.port)),
    )
    .await;
    if matches!(probe, Ok(Ok(_))) {
        ConnectError::NotPostgres {
            at,
            seconds: waited.as_secs(),
        }
    } else {
        ConnectError::Timeout {
            at,
            seconds: waited.as_secs(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_section_sits_between_the_url_and_the_environment() {
        let dir = std::env::temp_dir().join(format!("mlgrant-service-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(".pg_service.conf"),
            "[prod]\nhost=prod.example.com\nport=5440\ndbname=analytics\nuser=svc\n",
        )
        .unwrap();
        let e = env(&[
            ("PGSERVICE", "prod"),
            ("PGHOST", "envhost"),
            ("PGUSER", "envuser"),
        ]);
        let t = resolve(None, &e, Some(&dir)).unwrap();
        assert_eq!(t.describe(), "svc@prod.example.com:5440/analytics");
        let t = resolve(Some("postgres://alice@urlhost/db"), &e, Some(&dir)).unwrap();
        assert_eq!(t.describe(), "alice@urlhost:5440/db");
        let t = resolve(Some("postgres://u@/?service=prod"), &env(&[]), Some(&dir)).unwrap();
        assert_eq!(t.host, "prod.example.com");
        let missing = resolve(None, &env(&[("PGSERVICE", "nope")]), Some(&dir))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("\"nope\" not found"), "{missing}");
        let typo = resolve(None, &env(&[("PGSERVICE", "prd")]), Some(&dir))
            .unwrap_err()
            .to_string();
        assert!(typo.contains("did you mean \"prod\"?"), "{typo}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ipv6_hosts_are_written_in_brackets() {
        assert_eq!(host_port("::1", 25439), "[::1]:25439");
        assert_eq!(host_port("example.com", 5439), "example.com:5439");
        let t = resolve(Some("postgres://u@[::1]:25439/db"), &env(&[]), None).unwrap();
        assert_eq!(t.describe(), "u@[::1]:25439/db");
        let e = resolve(Some("postgres://u@::1/db"), &env(&[]), None).unwrap_err();
        assert!(e.to_string().contains("[::1]"), "{e}");
    }

    #[test]
    fn every_accepted_sslmode_is_named_when_one_is_refused() {
        let e = resolve(Some("postgres://u@h/db?sslmode=bogus"), &env(&[]), None)
            .unwrap_err()
            .to_string();
        for mode in [
            "disable",
            "allow",
            "prefer",
            "require",
            "verify-ca",
            "verify-full",
        ] {
            assert!(e.contains(mode), "{e}");
            assert!(
                resolve(
                    Some(&format!("postgres://u@h/db?sslmode={mode}")),
                    &env(&[]),
                    None
                )
                .is_ok()
            );
        }
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn url_wins_over_environment_and_defaults_fill_the_rest() {
        let t = resolve(
            Some("postgres://alice:s%40cret@example.com/analytics?sslmode=require"),
            &env(&[("PGHOST", "other"), ("PGPORT", "6000"), ("PGUSER", "bob")]),
            None,
        )
        .unwrap();
        assert_eq!(t.host, "example.com");
        assert_eq!(t.port, 6000);
        assert_eq!(t.user, "alice");
        assert_eq!(t.dbname, "analytics");
        assert_eq!(t.sslmode, SslMode::Require);
        assert_eq!(t.password.as_ref().map(Password::expose), Some("s@cret"));
        assert!(!format!("{t:?}").contains("s@cret"));

        let t = resolve(None, &env(&[("PGUSER", "bob")]), None).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.dbname.as_str()),
            ("localhost", 5439, "dev")
        );
        assert_eq!(t.sslmode, SslMode::VerifyFull);
    }

    #[test]
    fn connect_timeout_zero_waits_forever_as_in_libpq() {
        let t = resolve(Some("postgres://u@h/db?connect_timeout=0"), &env(&[]), None).unwrap();
        assert_eq!(t.connect_timeout, None);
        let t = resolve(
            None,
            &env(&[("PGUSER", "u"), ("PGCONNECT_TIMEOUT", "3")]),
            None,
        )
        .unwrap();
        assert_eq!(t.connect_timeout, Some(Duration::from_secs(3)));
        let t = resolve(None, &env(&[("PGUSER", "u")]), None).unwrap();
        assert_eq!(t.connect_timeout, Some(Duration::from_secs(10)));
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        for url in [
            "mysql://a@b",
            "postgres://u:pw@h:notaport/db",
            "postgres://u:pw@h/db?bogus=1",
            "postgres://u@h/db?password=pw&pwtail",
        ] {
            let e = resolve(Some(url), &env(&[]), None).unwrap_err().to_string();
            assert!(!e.contains("pw"), "{e}");
        }
    }

    #[test]
    fn pgpass_lines_match_with_wildcards_and_escapes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("mlgrant-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:*:*:*:nope\n*:5439:dev:alice:a\\:b\\\\c\n",
        )
        .unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let p = pgpass_lookup(&file, "h", 5439, "dev", "alice").unwrap();
        assert_eq!(p.as_ref().map(Password::expose), Some("a:b\\c"));
        assert!(
            pgpass_lookup(&file, "h", 5439, "dev", "bob")
                .unwrap()
                .is_none()
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(pgpass_lookup(&file, "h", 5439, "dev", "alice").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
