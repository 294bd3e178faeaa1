//! libpq's connection service file: `PGSERVICE` (or `service=` in `--url`) names a section of
//! `pg_service.conf`, read as libpq reads it (PostgreSQL documentation, "The Connection Service
//! File"): the per-user file (`PGSERVICEFILE`, else `~/.pg_service.conf`) first, then the
//! system-wide `pg_service.conf` in `PGSYSCONFDIR`. A section is `[name]` followed by
//! `keyword=value` lines; `#` starts a comment line. Its values override the environment and are
//! overridden by `--url`.

use std::path::{Path, PathBuf};

use super::ConnectError;

/// The keywords mlgrant takes from a service section (the ones it takes from `--url`).
const KEYWORDS: &[&str] = &[
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "sslrootcert",
    "connect_timeout",
    "application_name",
];

/// A service file is small; a larger one is refused rather than read without bound.
const MAX_BYTES: u64 = 1 << 20;

/// The `keyword=value` pairs of service `name`, from the first file that defines it.
pub(super) fn lookup(
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Vec<(String, String)>, ConnectError> {
    let user_file = env("PGSERVICEFILE")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".pg_service.conf")));
    let system_file = env("PGSYSCONFDIR").map(|d| PathBuf::from(d).join("pg_service.conf"));
    let (mut looked, mut names) = (Vec::new(), Vec::<String>::new());
    if let Some(named) = env("PGSERVICEFILE").filter(|f| !Path::new(f).exists()) {
        return Err(ConnectError::Settings(format!(
            "PGSERVICEFILE names {}, which does not exist",
            crate::text::sanitize(&named)
        )));
    }
    for file in user_file.into_iter().chain(system_file) {
        if !file.exists() {
            continue;
        }
        looked.push(file.display().to_string());
        let bytes = crate::file::read_bounded(&file, MAX_BYTES)
            .map_err(|e| ConnectError::Settings(format!("cannot read the service file: {e}")))?;
        let text = String::from_utf8_lossy(&bytes);
        if let Some(pairs) = section(&text, name, &file)? {
            return Ok(pairs);
        }
        names.extend(text.lines().filter_map(|l| {
            let l = l.trim();
            l.strip_prefix('[')?.strip_suffix(']').map(str::to_owned)
        }));
    }
    let hint = crate::config::closest(name, names.iter().map(String::as_str))
        .map(|n| format!("; did you mean \"{}\"?", crate::text::sanitize(n)))
        .unwrap_or_default();
    Err(ConnectError::Settings(format!(
        "definition of service \"{}\" not found (PGSERVICE or service= in --url); looked in {}{hint}",
        crate::text::sanitize(name),
        if looked.is_empty() {
            "no file: set PGSERVICEFILE or write ~/.pg_service.conf".to_owned()
        } else {
            looked.join(", ")
        }
    )))
}

/// The pairs of section `name` in `text`, or `None` when the file has no such section.
fn section(
    text: &str,
    name: &str,
    file: &Path,
) -> Result<Option<Vec<(String, String)>>, ConnectError> {
    let mut inside = false;
    let mut found = false;
    let mut pairs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(section) = rest.strip_suffix(']') else {
                return Err(syntax(file, n + 1, "a section name must end with `]`"));
            };
            if found && inside {
                break;
            }
            inside = section == name;
            found |= inside;
            continue;
        }
        if !inside {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(syntax(file, n + 1, "expected keyword=value"));
        };
        let key = key.trim();
        if !KEYWORDS.contains(&key) {
            return Err(syntax(
                file,
                n + 1,
                &format!(
                    "keyword `{}` is not one mlgrant uses (supported: {})",
                    crate::text::sanitize(key),
                    KEYWORDS.join(", ")
                ),
            ));
        }
        pairs.push((key.to_owned(), value.trim().to_owned()));
    }
    Ok(found.then_some(pairs))
}

fn syntax(file: &Path, line: usize, what: &str) -> ConnectError {
    ConnectError::Settings(format!(
        "{}:{line}: {what} (the line is not shown, as it may hold a password)",
        file.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_read_as_libpq_reads_them() {
        let text = "# comment\n[prod]\nhost=prod.example.com\nport = 5439\n\n[staging]\nhost=staging\nuser=ci\n";
        let f = Path::new("x.conf");
        assert_eq!(
            section(text, "staging", f).unwrap().unwrap(),
            [
                ("host".into(), "staging".into()),
                ("user".into(), "ci".into())
            ]
        );
        assert_eq!(
            section(text, "prod", f).unwrap().unwrap(),
            [
                ("host".into(), "prod.example.com".into()),
                ("port".into(), "5439".into())
            ]
        );
        assert!(section(text, "none", f).unwrap().is_none());
        let e = section("[s]\npassword\n", "s", f).unwrap_err().to_string();
        assert!(e.contains("x.conf:2") && !e.contains("password\n"), "{e}");
        assert!(section("[s]\nbogus=1\n", "s", f).is_err());
    }
}
