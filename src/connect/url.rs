//! The `--url` of a connection: `postgres[ql]://[user[:password]@][host][:port][/dbname][?key=value&...]`,
//! read as libpq reads it. Errors never quote the URL, which may hold a password.

use super::ConnectError;

#[derive(Default)]
pub(super) struct UrlParts {
    pub(super) user: Option<String>,
    pub(super) password: Option<String>,
    pub(super) host: Option<String>,
    pub(super) port: Option<String>,
    pub(super) dbname: Option<String>,
    pub(super) params: Vec<(String, String)>,
}

impl UrlParts {
    pub(super) fn param(&self, key: &str) -> Option<String> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
}

/// Percent-decoding as libpq does it (`+` stays `+`); a `%` not followed by two hex digits is
/// an error, as in libpq, rather than kept as text.
fn percent_decode(s: &str) -> Result<String, ConnectError> {
    let malformed = s.match_indices('%').any(|(i, _)| {
        !s.get(i + 1..i + 3)
            .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    if malformed {
        return Err(ConnectError::Settings(
            "invalid percent-encoding in --url".to_owned(),
        ));
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ConnectError::Settings("--url is not valid UTF-8 once decoded".to_owned()))
}

/// `postgres[ql]://[user[:password]@][host][:port][/dbname][?key=value&...]`. Errors never quote
/// the URL, which may hold a password.
pub(super) fn parse_url(url: &str) -> Result<UrlParts, ConnectError> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .ok_or_else(|| {
            ConnectError::Settings(
                "--url must start with postgres:// (postgres://user@host:5439/dev)".to_owned(),
            )
        })?;
    // The authority ends at the first `/` or `?`. An `@` after that point means a password (or
    // user) holds an unencoded `/` or `?`: refuse, by position, without echoing any of it.
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    if let Some(at) = rest[authority_end..].find('@') {
        let position = url.len() - rest.len() + authority_end + at;
        return Err(ConnectError::Settings(format!(
            "--url has an `@` at byte {position}, after the host: a user name or password that holds `/`, `?`, `@` or `:` must be percent-encoded (%2F, %3F, %40, %3A); the URL is not shown, as it may hold a password"
        )));
    }
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
    // Only what reads as an IPv6 address (hex digits, colons, dots) is taken for one; any other
    // colon in the host is a port that is not a number (`host:54x:39`).
    let looks_v6 = host_port
        .chars()
        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        && host_port.matches(':').count() >= 2;
    if host.contains(':') && !host_port.starts_with('[') && looks_v6 {
        return Err(ConnectError::Settings(
            "--url has an IPv6 address without brackets: write it as postgres://user@[::1]:5439/dev".to_owned(),
        ));
    }
    if !host.is_empty() {
        parts.host = Some(percent_decode(&host)?);
    }
    parts.port = port.filter(|p| !p.is_empty());
    if (host.contains(':') && !host_port.starts_with('['))
        || parts
            .port
            .as_ref()
            .is_some_and(|p| !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ConnectError::Settings(
            "the port in --url is not a number; if the password holds `:`, `/`, `?` or `@`, percent-encode them (%3A, %2F, %3F, %40)".to_owned(),
        ));
    }
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
            "sslmode" | "sslrootcert" | "connect_timeout" | "application_name" | "service" => {
                parts.params.push((k, v))
            }
            // Never echoed: an unencoded `&` in a password makes its tail look like a
            // parameter's name.
            _ => {
                return Err(ConnectError::Settings(
                    "--url has a parameter mlgrant does not know (supported: user, password, host, port, dbname, sslmode, sslrootcert, connect_timeout, application_name, service); a password holding `&`, `=` or `#` must be percent-encoded (%26, %3D, %23)".to_owned(),
                ));
            }
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(url: &str) -> String {
        match parse_url(url) {
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        }
    }

    #[test]
    fn a_port_that_is_not_a_number_is_called_so_and_only_an_address_is_called_ipv6() {
        for url in [
            "postgres://u@host:54x9/dev",
            "postgres://u@host:abc:5439/dev",
            "postgres://u@h.example.com:5439:1/dev",
        ] {
            assert!(
                refusal(url).contains("port in --url is not a number"),
                "{url}: {}",
                refusal(url)
            );
        }
        assert!(refusal("postgres://u@::1:5439/dev").contains("IPv6 address without brackets"));
        assert!(refusal("postgres://u@[::1]:5439/dev").is_empty());
    }
}
