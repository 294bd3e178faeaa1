//! Helpers shared by the integration tests: run the real binary, compare with golden files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root; tests run the binary from here so that paths in outputs are stable.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `mlgrant` with `args` from the crate root, with no terminal and no color.
pub fn mlgrant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the mlgrant binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// Compares `actual` with the golden file at `path` (relative to the crate root). With
/// `MLGRANT_BLESS=1` the file is written instead, to be reviewed before it is committed.
pub fn golden(path: &str, actual: &str) {
    let file = root().join(path);
    if std::env::var_os("MLGRANT_BLESS").is_some() {
        std::fs::write(&file, actual).expect("golden file written");
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!("golden file {path}: {e} (run with MLGRANT_BLESS=1 to create it)")
    });
    assert_eq!(
        expected, actual,
        "output differs from {path} (run with MLGRANT_BLESS=1 to update, then review the diff)"
    );
}

/// Files in a folder under the crate root with the given extension, sorted.
pub fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("test folder exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

/// A path relative to the crate root, as text.
pub fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// A file path in this test run's own folder under the system's temporary directory.
pub fn scratch(test: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlgrant-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder made");
    dir.join(name)
}

/// A file of an npm package installed under target/`dir` (with npm, from `spec`) when missing.
/// `.ci/run` installs them first, so that an unreachable registry fails there with npm's own
/// message.
pub fn npm_file(dir: &str, spec: &str, file: &str) -> PathBuf {
    // Two tests of this binary may ask for one tool at once on a fresh machine: one npm runs at
    // a time, or the second sees the first's half-installed tree (its link made, its package
    // not yet unpacked) and runs it.
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = INSTALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = root().join("target").join(dir);
    let path = dir.join("node_modules").join(file);
    if !path.exists() {
        let o = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(spec)
            .output()
            .expect("npm runs (this test needs Node.js and npm)");
        assert!(o.status.success(), "npm install {spec}: {}", stderr(&o));
    }
    path
}

/// A Python tool from its own virtualenv under target/ (`venv`), installed with pip from
/// `package` when `tool args` does not print `expect` first. `.ci/run` makes the virtualenvs
/// first, so that an unreachable PyPI fails there with pip's own message.
pub fn venv_tool(venv: &str, tool: &str, package: &str, args: &[&str], expect: &str) -> PathBuf {
    use std::process::Command;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let venv = target.join(venv);
    let bin = venv.join("bin").join(tool);
    let ready = || {
        Command::new(&bin)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success() && o.stdout.starts_with(expect.as_bytes()))
    };
    if ready() {
        return bin;
    }
    let out = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .output()
        .expect("python3 runs (this test needs Python 3 with venv)");
    assert!(out.status.success(), "python3 -m venv: {}", stderr(&out));
    let out = Command::new(venv.join("bin").join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            package,
        ])
        .output()
        .expect("the virtualenv's python runs");
    assert!(
        out.status.success(),
        "pip could not install {package} into {} (is PyPI reachable?):\n{}",
        venv.display(),
        stderr(&out)
    );
    assert!(
        ready(),
        "{tool} ({package}) does not run from {}",
        venv.display()
    );
    bin
}

/// The fields of a CSV document (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
pub fn csv_fields(text: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => fields.push(std::mem::take(&mut field)),
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() {
        fields.push(field);
    }
    fields
}

/// Markdown text as it renders: a backslash before ASCII punctuation is dropped.
pub fn rendered(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut chars = md.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(char::is_ascii_punctuation) {
            out.push(chars.next().unwrap_or('\\'));
        } else {
            out.push(c);
        }
    }
    out
}

/// The DOM of `url` after its scripts ran, as Debian's headless chromium dumps it (a fresh
/// profile in `profile`, no network beyond the page).
pub fn chromium_dom(url: &str, profile: &std::path::Path) -> std::process::Output {
    std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .expect("chromium runs (this test needs Debian's chromium)")
}
