//! TLS for a connection: native-tls configured from the sslmode (libpq's meanings) and the
//! root certificates of sslrootcert. Certificates are verified unless the sslmode says not to.

use super::{ConnectError, SslMode, Target};

/// Connectors made in this process, by sslmode and root certificates: making one costs OpenSSL
/// a load of the system's CA bundle (tens of ms of CPU, measured), which a run on many targets
/// must not pay per target. The certificates are read again each time, so a changed file makes
/// a new connector; the cache holds at most a few.
static MADE: std::sync::Mutex<Vec<(Key, native_tls::TlsConnector)>> =
    std::sync::Mutex::new(Vec::new());

type Key = (SslMode, Option<Vec<u8>>);

const KEPT: usize = 8;

pub(super) fn tls_connector(target: &Target) -> Result<native_tls::TlsConnector, ConnectError> {
    let pem = match &target.sslrootcert {
        // A CA bundle is a few hundred KiB at most (Amazon's is about 100 KiB).
        Some(path) => Some(
            crate::file::read_bounded(path, 16 * 1024 * 1024).map_err(|e| {
                ConnectError::Settings(format!(
                    "cannot read the root certificate {} (sslrootcert / PGSSLROOTCERT): {e}",
                    path.display()
                ))
            })?,
        ),
        None => None,
    };
    let key = (target.sslmode, pem);
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, c)) = made.iter().find(|(k, _)| *k == key) {
        return Ok(c.clone());
    }
    let connector = build(target, key.1.as_deref())?;
    if made.len() >= KEPT {
        made.remove(0);
    }
    made.push((key, connector.clone()));
    Ok(connector)
}

fn build(target: &Target, pem: Option<&[u8]>) -> Result<native_tls::TlsConnector, ConnectError> {
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
    if let (Some(path), Some(pem)) = (&target.sslrootcert, pem) {
        let text = String::from_utf8_lossy(pem);
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
