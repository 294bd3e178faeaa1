//! The pgpass file (`host:port:db:user:password`, `*` matching anything, `\:` and `\\`
//! escaped), as libpq reads it. Hand-written: libpq's rules are a few lines, and no crate in the
//! tree reads them; a file that others can read is ignored, as libpq ignores it.

use std::path::Path;

use super::Password;

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
    let text = match crate::file::read_bounded(file, 1024 * 1024) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(crate::file::FileError::Io(_)) => return Ok(None),
        Err(e) => return Err(format!("ignoring {}: {e}", file.display())),
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
