//! Inputs built to hurt: a 50 MB model, deep nesting, arbitrary bytes. None may panic, hang or
//! crash; each gets a located message and exit code 1.

use std::io::Write;
use std::path::PathBuf;

use crate::util::{mlgrant, stderr};
use proptest::prelude::*;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlgrant-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn a_50_mb_model_is_read_and_its_problem_located() {
    let path = scratch("big.toml");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(f, "version = 1").unwrap();
    let line = format!("# {}\n", "x".repeat(97));
    let lines = 50 * 1024 * 1024 / line.len();
    for _ in 0..lines {
        f.write_all(line.as_bytes()).unwrap();
    }
    writeln!(f, "[groups.Bad_Name]").unwrap();
    drop(f);
    let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("big.toml:{}:9", lines + 2)),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(err.contains("uppercase letters"));
}

#[test]
fn a_model_over_64_mib_is_refused_before_it_is_read() {
    let path = scratch("huge.toml");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(65 * 1024 * 1024).unwrap();
    drop(f);
    let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("larger than 64 MiB"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let cases = [
        (
            "arrays.toml",
            format!(
                "version = 1\nx = {}{}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        ),
        (
            "inline.toml",
            format!(
                "version = 1\nx = {}1{}\n",
                "{a = ".repeat(depth),
                "}".repeat(depth)
            ),
        ),
        (
            "dotted.toml",
            format!("version = 1\n[{}]\n", vec!["a"; depth].join(".")),
        ),
        (
            "dotted-groups.toml",
            format!("version = 1\n[groups.{}]\n", vec!["g"; 20_000].join(".")),
        ),
    ];
    for (name, text) in cases {
        let path = scratch(name);
        std::fs::write(&path, text).unwrap();
        let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
        std::fs::remove_file(&path).unwrap();
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}",
            &err[..err.len().min(500)]
        );
        assert!(
            !err.contains("panicked") && !err.contains("overflow"),
            "{name}: {err}"
        );
        assert!(
            err.contains(&format!("{name}:")),
            "{name}: no location in {}",
            &err[..err.len().min(500)]
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any text: parsing and, when it parses, compiling and rendering never panic.
    #[test]
    fn any_text_never_panics(text in "(version = 1\n)?[\\[\\]{}=\".a-zA-Z0-9_:;' \n\t\\\\-]{0,200}") {
        match mlgrant::config::parse("fuzz.toml", &text) {
            Ok(model) => {
                let compiled = mlgrant::compile::compile(&model);
                let plan = mlgrant::plan::Plan::grant_all(&compiled);
                let _ = mlgrant::render::sql(&plan, "h");
            }
            Err(mlgrant::config::ConfigError::Invalid(d)) => {
                let _ = d.render(false);
            }
            Err(_) => {}
        }
    }

    /// Structured TOML with hostile strings in every place a name goes.
    #[test]
    fn hostile_names_anywhere_never_panic(
        a in "\\PC{0,12}", b in "\\PC{0,12}", c in "\\PC{0,12}"
    ) {
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let text = format!(
            "version = 1\n[groups.{ga}]\nmembers = [{b}]\n[schemas.{sa}]\ncreators = [{a}, {uc}]\n[models.{mk}]\nconsumers = [{ra}]\n[policy]\nmanage = [{c}]\n",
            ga = q(&a), b = q(&b), sa = q(&c), a = q(&a), uc = q(&format!("user:{b}")),
            mk = q(&format!("{c}.{a}")), ra = q(&format!("role:{c}")), c = q(&c),
        );
        match mlgrant::config::parse("fuzz.toml", &text) {
            Ok(model) => {
                let compiled = mlgrant::compile::compile(&model);
                let plan = mlgrant::plan::Plan::grant_all(&compiled);
                let sql = mlgrant::render::sql(&plan, "h");
                // No line of the script may start outside a statement or a comment.
                for line in sql.lines().filter(|l| !l.is_empty()) {
                    prop_assert!(line.starts_with("--") || line.starts_with("GRANT ") || line.starts_with("REVOKE ") || line.starts_with("ALTER GROUP "), "{line}");
                }
            }
            Err(e) => {
                let mlgrant::config::ConfigError::Invalid(d) = e else { panic!("not a diagnostic") };
                prop_assert!(!d.items.is_empty());
                let rendered = d.render(false);
                prop_assert!(!rendered.chars().any(|ch| ch.is_control() && ch != '\n' && ch != '\t'));
            }
        }
    }
}

#[path = "../../benches/sync/bad_files.rs"]
mod bad_files;

#[test]
fn check_of_a_megabyte_of_bad_input_prints_a_bounded_report_in_every_format() {
    for (kind, text) in bad_files::bad_files(1 << 20) {
        let path = scratch(&format!("{}.toml", kind.replace(' ', "_")));
        std::fs::write(&path, &text).unwrap();
        for format in ["text", "json"] {
            let out = mlgrant(&[
                "check",
                "--config",
                path.to_str().unwrap(),
                "--format",
                format,
            ]);
            assert_eq!(out.status.code(), Some(1), "{kind} {format}");
            let shown = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
            let shown = String::from_utf8_lossy(&shown);
            if format == "text" {
                // 50 problems in full, each with a window of its line, then a count by kind.
                assert!(shown.len() < 64 * 1024, "{kind}: {} bytes", shown.len());
                assert!(shown.contains("more problems not shown"), "{kind}");
            } else {
                let doc: serde_json::Value = serde_json::from_str(&shown).unwrap();
                let problems = doc["problems"].as_array().unwrap();
                // The first 1,000 are listed, with the total.
                assert_eq!(problems.len(), 1000, "{kind}");
                assert!(doc["problems_total"].as_u64().unwrap() > 10_000, "{kind}");
                assert!(shown.len() < 1 << 20, "{kind}: {} bytes", shown.len());
                // did-you-mean only for the first problems of the file.
                let suggested = problems
                    .iter()
                    .filter(|p| {
                        p["hint"]
                            .as_str()
                            .is_some_and(|h| h.contains("did you mean"))
                    })
                    .count();
                assert!(suggested <= 64, "{kind}: {suggested}");
            }
        }
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_problem_in_a_very_long_line_shows_a_window_of_it_with_the_true_column() {
    let line = format!(
        "consumers = [\"ml_team\",{}\"Bad Name\"]",
        " ".repeat(200_000)
    );
    let text = format!("version = 1\n[groups.ml_team]\n[schemas.s]\n{line}\n");
    let path = scratch("long_line.toml");
    std::fs::write(&path, &text).unwrap();
    let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    let err = stderr(&out);
    let column = line.find("\"Bad Name\"").unwrap() + 1;
    assert!(err.contains(&format!("long_line.toml:4:{column}")), "{err}");
    assert!(err.len() < 4096, "{} bytes", err.len());
    assert!(err.contains("\"Bad Name\""), "{err}");
}
