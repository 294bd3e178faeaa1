//! TLS for a connection: native-tls configured from the sslmode (libpq's meanings) and the
//! root certificates of sslrootcert. Certificates are verified unless the sslmode says not to.

use super::{ConnectError, SslMode, Target};

pub(super) fn tls_connector(target: &Target) -> Result<native_tls::TlsConnector, ConnectError> {
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
        // A CA bundle is a few hundred KiB at most (Amazon's is about 100 KiB).
        let pem = crate::file::read_bounded(path, 16 * 1024 * 1024).map_err(|e| {
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
