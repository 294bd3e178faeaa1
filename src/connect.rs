//! connect: where the cluster is and how to reach it. Reads `--url` and the libpq environment
//! (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT,
//! PGPASSFILE and ~/.pgpass), opens one connection over TLS (postgres-native-tls), and turns
//! every failure into a message that says what to do.
//!
//! Defaults: port 5439 (Redshift's), database `dev`, `sslmode=verify-full`, a 10 s connect
//! timeout. A password never appears in a message, a log or `Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::Client;

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
                    "unknown sslmode `{other}`: use disable, require, verify-ca or verify-full"
                )));
            }
        })
    }
}

/// A password; shown as `***` everywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

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
    pub connect_timeout: Duration,
    /// Things the user should hear about (an ignored pgpass file).
    pub warnings: Vec<String>,
}

impl Target {
    /// `user@host:port/db`, for messages; never the password.
    pub fn describe(&self) -> String {
        format!("{}@{}:{}/{}", self.user, self.host, self.port, self.dbname)
    }
}

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
    let host = parts
        .host
        .take()
        .or_else(|| from_env("PGHOST"))
        .unwrap_or_else(|| "localhost".to_owned());
    let port = match parts.port.take().or_else(|| from_env("PGPORT")) {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| ConnectError::Settings(format!("invalid port `{p}`")))?,
        None => 5439,
    };
    let user = parts
        .user
        .take()
        .or_else(|| from_env("PGUSER"))
        .or_else(|| from_env("USER"))
        .ok_or_else(|| {
            ConnectError::Settings("no user: put one in --url or set PGUSER".to_owned())
        })?;
    let dbname = parts
        .dbname
        .take()
        .or_else(|| from_env("PGDATABASE"))
        .unwrap_or_else(|| "dev".to_owned());
    let sslmode = SslMode::parse(
        &parts
            .param("sslmode")
            .or_else(|| from_env("PGSSLMODE"))
            .unwrap_or_else(|| "verify-full".to_owned()),
    )?;
    let sslrootcert = parts
        .param("sslrootcert")
        .or_else(|| from_env("PGSSLROOTCERT"))
        .map(PathBuf::from);
    let connect_timeout = match parts
        .param("connect_timeout")
        .or_else(|| from_env("PGCONNECT_TIMEOUT"))
    {
        Some(s) => Duration::from_secs(
            s.parse::<u64>()
                .map_err(|_| ConnectError::Settings(format!("invalid connect_timeout `{s}`")))?,
        ),
        None => Duration::from_secs(10),
    };
    let mut warnings = Vec::new();
    let password = match parts.password.take().or_else(|| from_env("PGPASSWORD")) {
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
    })
}

#[derive(Default)]
struct UrlParts {
    user: Option<String>,
    password: Option<String>,
    host: Option<String>,
    port: Option<String>,
    dbname: Option<String>,
    params: Vec<(String, String)>,
}

impl UrlParts {
    fn param(&self, key: &str) -> Option<String> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
}

fn percent_decode(s: &str) -> Result<String, ConnectError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => out.push(b),
                None => {
                    return Err(ConnectError::Settings(
                        "invalid percent-encoding in --url".to_owned(),
                    ));
                }
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| ConnectError::Settings("--url is not valid UTF-8 once decoded".to_owned()))
}

/// `postgres[ql]://[user[:password]@][host][:port][/dbname][?key=value&...]`. Errors never quote
/// the URL, which may hold a password.
fn parse_url(url: &str) -> Result<UrlParts, ConnectError> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .ok_or_else(|| {
            ConnectError::Settings(
                "--url must start with postgres:// (postgres://user@host:5439/dev)".to_owned(),
            )
        })?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut parts = UrlParts::default();
    let host_port = match authority.rsplit_once('@') {
        Some((userinfo, hp)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            if !user.is_empty() {
                parts.user = Some(percent_decode(user)?);
            }
            parts.password = password.map(percent_decode).transpose()?;
            hp
        }
        None => authority,
    };
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| ConnectError::Settings("unclosed [ in the host of --url".to_owned()))?;
        (h.to_owned(), after.strip_prefix(':').map(str::to_owned))
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p.to_owned())),
            None => (host_port.to_owned(), None),
        }
    };
    if !host.is_empty() {
        parts.host = Some(percent_decode(&host)?);
    }
    parts.port = port.filter(|p| !p.is_empty());
    if !path.is_empty() {
        parts.dbname = Some(percent_decode(path)?);
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k)?, percent_decode(v)?);
        match k.as_str() {
            "user" => parts.user = Some(v),
            "password" => parts.password = Some(v),
            "host" => parts.host = Some(v),
            "port" => parts.port = Some(v),
            "dbname" => parts.dbname = Some(v),
            "sslmode" | "sslrootcert" | "connect_timeout" | "application_name" => {
                parts.params.push((k, v))
            }
            other => {
                return Err(ConnectError::Settings(format!(
                    "unsupported parameter `{other}` in --url"
                )));
            }
        }
    }
    Ok(parts)
}

/// The password for this connection in a pgpass file (`host:port:db:user:password`, `*`
/// matching anything, `\:` and `\\` escaped), as libpq reads it. A file that others can read
/// is ignored, as libpq ignores it, and said so in the error.
pub fn pgpass_lookup(
    file: &Path,
    host: &str,
    port: u16,
    db: &str,
    user: &str,
) -> Result<Option<Password>, String> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(file) else {
        return Ok(None);
    };
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "ignoring {}: it is readable by others (chmod 0600 it)",
            file.display()
        ));
    }
    let Ok(text) = std::fs::read_to_string(file) else {
        return Ok(None);
    };
    let port = port.to_string();
    Ok(text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .find_map(|line| {
            let fields = split_pgpass(line);
            if fields.len() != 5 {
                return None;
            }
            let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
            (matches(&fields[0], host)
                && matches(&fields[1], &port)
                && matches(&fields[2], db)
                && matches(&fields[3], user))
            .then(|| Password(fields[4].clone()))
        }))
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c)
                }
            }
        }
    }
    fields
}

fn tls_connector(target: &Target) -> Result<native_tls::TlsConnector, ConnectError> {
    let mut builder = native_tls::TlsConnector::builder();
    match target.sslmode {
        SslMode::Disable => {}
        SslMode::Prefer | SslMode::Require => {
            builder
                .danger_accept_invalid_certs(true)
                .danger_accept_invalid_hostnames(true);
        }
        SslMode::VerifyCa => {
            builder.danger_accept_invalid_hostnames(true);
        }
        SslMode::VerifyFull => {}
    }
    if let Some(path) = &target.sslrootcert {
        let pem = std::fs::read(path).map_err(|e| {
            ConnectError::Settings(format!(
                "cannot read the root certificate {} (sslrootcert / PGSSLROOTCERT): {e}",
                path.display()
            ))
        })?;
        let text = String::from_utf8_lossy(&pem);
        let mut found = 0;
        for block in text.split_inclusive("-----END CERTIFICATE-----") {
            if !block.contains("-----BEGIN CERTIFICATE-----") {
                continue;
            }
            let cert = native_tls::Certificate::from_pem(block.trim().as_bytes()).map_err(|e| {
                ConnectError::Settings(format!(
                    "{} holds a certificate that cannot be read: {e}",
                    path.display()
                ))
            })?;
            builder.add_root_certificate(cert);
            found += 1;
        }
        if found == 0 {
            return Err(ConnectError::Settings(format!(
                "{} holds no PEM certificate (sslrootcert / PGSSLROOTCERT)",
                path.display()
            )));
        }
        builder.disable_built_in_roots(true);
    }
    builder
        .build()
        .map_err(|e| ConnectError::Settings(format!("cannot set up TLS: {e}")))
}

/// Opens one connection; its driver runs on the current tokio runtime.
pub async fn connect(target: &Target) -> Result<Client, ConnectError> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(&target.host)
        .port(target.port)
        .user(&target.user)
        .dbname(&target.dbname)
        .application_name("mlgrant")
        .connect_timeout(target.connect_timeout)
        .ssl_mode(match target.sslmode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
    if let Some(p) = &target.password {
        config.password(p.expose());
    }
    let tls = postgres_native_tls::MakeTlsConnector::new(tls_connector(target)?);
    // The driver's timeout covers the TCP connect only; a server that accepts and then says
    // nothing must not hang mlgrant either.
    let attempt = tokio::time::timeout(target.connect_timeout, config.connect(tls)).await;
    let Ok(attempt) = attempt else {
        return Err(ConnectError::Timeout {
            host: target.host.clone(),
            port: target.port,
            seconds: target.connect_timeout.as_secs(),
        });
    };
    match attempt {
        Ok((client, connection)) => {
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Ok(client)
        }
        Err(e) => Err(explain(target, &e)),
    }
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

fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = s.source();
    }
    None
}

fn explain(target: &Target, e: &tokio_postgres::Error) -> ConnectError {
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
    if detail.contains("authentication tag `13`") {
        return ConnectError::Method13;
    }
    if detail.to_lowercase().contains("tls")
        || detail.contains("certificate")
        || detail.contains("ssl")
    {
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
    match io_kind(e) {
        Some(std::io::ErrorKind::ConnectionRefused) => ConnectError::Refused { host, port },
        Some(std::io::ErrorKind::TimedOut) => ConnectError::Timeout {
            host,
            port,
            seconds: target.connect_timeout.as_secs(),
        },
        _ if detail.contains("timed out") || detail.contains("timeout") => ConnectError::Timeout {
            host,
            port,
            seconds: target.connect_timeout.as_secs(),
        },
        _ => ConnectError::Other {
            target: target.describe(),
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn bad_urls_are_refused_without_echoing_them() {
        for url in [
            "mysql://a@b",
            "postgres://u:pw@h:notaport/db",
            "postgres://u:pw@h/db?bogus=1",
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
