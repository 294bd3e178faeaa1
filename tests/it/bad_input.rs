//! Every class of rejected input: each file under tests/bad/ carries its expected problems as
//! `# expect: LINE:COLUMN: message` lines. `mlgrant check` must exit 1, print nothing on stdout,
//! and report exactly those problems, each at its place, with no panic.

use crate::util::{files, mlgrant, rel, stderr};

#[test]
fn every_bad_file_is_rejected_with_its_messages_and_locations() {
    let cases = files("tests/bad", "toml");
    assert!(cases.len() >= 20, "the bad-input corpus is missing");
    let mut failures = Vec::new();
    for case in cases {
        let path = rel(&case);
        let bytes = std::fs::read(&case).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let expected: Vec<(String, String)> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .map(|e| {
                let mut parts = e.splitn(3, ": ");
                let loc = parts.next().unwrap().to_owned();
                let rest = e[loc.len() + 2..].to_owned();
                (loc, rest)
            })
            .collect();
        assert!(!expected.is_empty(), "{path} has no expectations");
        let out = mlgrant(&["check", "--config", &path]);
        let err = stderr(&out);
        if out.status.code() != Some(1) {
            failures.push(format!("{path}: exit code {:?}", out.status.code()));
        }
        if !out.stdout.is_empty() {
            failures.push(format!("{path}: printed on stdout"));
        }
        if err.contains("panicked") {
            failures.push(format!("{path}: panicked"));
        }
        for (loc, message) in &expected {
            // The location line of the report, then the message above it.
            let located = format!("{path}:{loc}\n");
            let found = err.split("error: ").any(|block| {
                block.contains(&located)
                    && block
                        .lines()
                        .next()
                        .unwrap_or("")
                        .contains(message.as_str())
            });
            if !found {
                failures.push(format!("{path}: no `{message}` at {loc} in:\n{err}"));
            }
        }
        let count = if expected.len() == 1 {
            "error: 1 problem in".to_owned()
        } else {
            format!("error: {} problems in", expected.len())
        };
        if !err.contains(&count) {
            failures.push(format!("{path}: expected `{count}` in:\n{err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn control_characters_in_a_bad_file_do_not_reach_the_terminal() {
    let out = mlgrant(&["check", "--config", "tests/bad/control_chars.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !out.stderr.contains(&0x1b),
        "an escape character reached stderr"
    );
    assert!(!out.stderr.contains(&0), "a NUL reached stderr");
}

#[test]
fn a_target_url_with_a_password_is_refused_and_never_shown() {
    for url in [
        "postgres://admin:Sup3rS3cret@prod.example.com/dev",
        "postgres://admin@prod.example.com/dev?%70assword=Sup3rS3cret",
    ] {
        let path = crate::util::scratch("target_password", "m.toml");
        std::fs::write(
            &path,
            format!("version = 1\n[targets.prod]\nurl = \"{url}\"\n"),
        )
        .unwrap();
        let out = crate::util::mlgrant(&["check", "--config", path.to_str().unwrap()]);
        let err = crate::util::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("must not hold a password"), "{err}");
        assert!(err.contains("m.toml:3:7"), "{err}");
        assert!(!err.contains("Sup3rS3cret"), "{err}");
    }
}
