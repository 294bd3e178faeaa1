//! `mlgrant check`, `compile` and `diff`, run as the real binary, against golden files.

use crate::util::{files, golden, mlgrant, rel, stderr, stdout};

/// The statements of a script, comment lines and blank lines aside.
fn statements(sql: &str) -> Vec<String> {
    sql.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
        .map(str::to_owned)
        .collect()
}

/// The seed scenario and the statements it must compile to, kept in tests/examples (copies of
/// the project's shared examples, checked against them when they are beside the repository).
fn seed_sql() -> String {
    let root = crate::util::root();
    let ours = std::fs::read_to_string(root.join("tests/examples/seed.sql")).expect("seed.sql");
    for file in ["seed.sql", "seed.toml"] {
        if let Ok(shared) = std::fs::read_to_string(root.join("../shared/examples").join(file)) {
            let copy = std::fs::read_to_string(root.join("tests/examples").join(file)).unwrap();
            assert_eq!(
                copy, shared,
                "tests/examples/{file} differs from the shared example"
            );
        }
    }
    ours
}

#[test]
fn seed_compiles_to_exactly_the_statements_of_the_guide() {
    let out = mlgrant(&["compile", "--config", "tests/examples/seed.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(statements(&stdout(&out)), statements(&seed_sql()));
}

#[test]
fn bundled_example_compiles_to_the_seed_statements() {
    let out = mlgrant(&["compile", "--config", "config.example.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(statements(&stdout(&out)), statements(&seed_sql()));
}

#[test]
fn two_compile_runs_print_identical_bytes() {
    for format in ["sql", "text", "json"] {
        let args = [
            "compile",
            "--config",
            "tests/golden/compile/hostile.toml",
            "--format",
            format,
        ];
        let a = mlgrant(&args);
        let b = mlgrant(&args);
        assert!(a.status.success(), "{}", stderr(&a));
        assert_eq!(a.stdout, b.stdout, "format {format}");
    }
}

#[test]
fn compile_matches_golden_files_in_every_format() {
    let models = files("tests/golden/compile", "toml");
    assert!(models.len() >= 4, "golden models are missing");
    for model in models {
        let path = rel(&model);
        let stem = path.trim_end_matches(".toml");
        for (format, ext) in [
            ("sql", "sql"),
            ("text", "txt"),
            ("json", "json"),
            ("markdown", "md"),
        ] {
            let out = mlgrant(&["compile", "--config", &path, "--format", format]);
            assert!(out.status.success(), "{path}: {}", stderr(&out));
            assert!(out.stderr.is_empty(), "{path}: {}", stderr(&out));
            golden(&format!("{stem}.{ext}"), &stdout(&out));
        }
    }
}

#[test]
fn json_output_is_the_documented_schema() {
    let out = mlgrant(&[
        "compile",
        "--config",
        "config.example.toml",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["format"], "mlgrant.plan");
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["changes"], 4);
    let first = &doc["statements"][0];
    assert_eq!(first["action"], "grant");
    assert_eq!(first["privileges"], serde_json::json!(["CREATE MODEL"]));
    assert_eq!(first["objects"], serde_json::json!([{"type": "database"}]));
    assert_eq!(
        first["grantees"],
        serde_json::json!([{"type": "group", "name": "retention_analyst_grp"}])
    );
    assert_eq!(
        first["sql"],
        "GRANT CREATE MODEL TO GROUP retention_analyst_grp;"
    );
    assert_eq!(first["sources"][0]["file"], "config.example.toml");
    let part = &first["parts"][0];
    assert_eq!(part["object"], serde_json::json!({"type": "database"}));
    assert_eq!(part["sql"], first["sql"]);
    assert_eq!(part["sources"], first["sources"]);
    assert!(part["sources"][0]["line"].as_u64().is_some());
}

#[test]
fn diff_matches_golden_files() {
    let cases = files("tests/golden/diff", "toml")
        .into_iter()
        .filter_map(|p| rel(&p).strip_suffix(".old.toml").map(str::to_owned))
        .collect::<Vec<_>>();
    assert!(cases.len() >= 5, "golden diff cases are missing");
    for case in cases {
        let (old, new) = (format!("{case}.old.toml"), format!("{case}.new.toml"));
        for (format, ext) in [
            ("sql", "sql"),
            ("text", "txt"),
            ("json", "json"),
            ("markdown", "md"),
        ] {
            let out = mlgrant(&["diff", &old, &new, "--format", format]);
            assert!(out.status.success(), "{case}: {}", stderr(&out));
            golden(&format!("{case}.{ext}"), &stdout(&out));
        }
    }
}

#[test]
fn check_reports_a_valid_model() {
    let out = mlgrant(&["check", "--config", "config.example.toml"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "config.example.toml: ok: 2 groups, 1 schema, 1 model; 5 privileges in 4 statements\n"
    );
}

#[test]
fn config_defaults_to_mlgrant_toml() {
    let dir = std::env::temp_dir().join(format!("mlgrant-default-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        crate::util::root().join("config.example.toml"),
        dir.join("mlgrant.toml"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .arg("check")
        .current_dir(&dir)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("mlgrant.toml: ok"));
}

#[test]
fn a_missing_file_is_an_error_with_exit_code_1() {
    let out = mlgrant(&["compile", "--config", "tests/no-such-file.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: there is no model file tests/no-such-file.toml\n"),
        "{err}"
    );
    // The hint names the three ways forward.
    for way in [
        "--config FILE",
        "`mlgrant init`",
        "--config config.example.toml",
    ] {
        assert!(err.contains(way), "{way}: {err}");
    }
    assert!(out.stdout.is_empty());
}

#[test]
fn usage_errors_exit_with_code_1() {
    for args in [
        &["bogus"][..],
        &["diff", "only-one.toml"],
        &["compile", "--format", "yaml"],
    ] {
        let out = mlgrant(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains("error:"), "{args:?}");
    }
    let help = mlgrant(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
}

#[test]
fn diff_reports_the_problems_of_both_files() {
    let out = mlgrant(&[
        "diff",
        "tests/bad/unknown_key_in_schema.toml",
        "tests/bad/version_unsupported.toml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("tests/bad/unknown_key_in_schema.toml:"),
        "{err}"
    );
    assert!(err.contains("tests/bad/version_unsupported.toml:"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn offline_explain_follows_a_user_through_the_groups_the_file_lists_and_refuses_an_undeclared_name()
{
    let model = crate::util::scratch("explain", "members.toml");
    std::fs::write(
        &model,
        "version = 1\n[groups.bi_grp]\nmembers = [\"dave\"]\n[schemas.demo_ml]\nconsumers = [\"bi_grp\"]\n",
    )
    .unwrap();
    let m = model.to_str().unwrap();
    let o = crate::util::mlgrant(&["explain", "grantee", "user:dave", "--config", m]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        crate::util::stdout(&o)
            .contains("user:dave: USAGE ON SCHEMA demo_ml (member of group bi_grp"),
        "{}",
        crate::util::stdout(&o)
    );
    let o = crate::util::mlgrant(&["explain", "grantee", "bi_gr", "--config", m]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        crate::util::stderr(&o).contains("did you mean `bi_grp`?")
            && crate::util::stderr(&o).contains("a user is `user:bi_gr`"),
        "{}",
        crate::util::stderr(&o)
    );
}

#[test]
fn report_outputs_are_inert_whatever_the_names() {
    let model = crate::util::scratch("report", "hostile.toml");
    std::fs::write(
        &model,
        "version = 1\n[groups.bi]\n[models.'demo_ml.\"=hyperlink(\"\"http://evil.example/\"\",\"\"open\"\")\"']\nconsumers = [\"bi\"]\n[models.'demo_ml.\"x`<img src=x>@org/team\"']\nconsumers = [\"bi\"]\n",
    )
    .unwrap();
    let m = model.to_str().unwrap();
    let csv = crate::util::mlgrant(&["report", "--config", m, "--format", "csv"]);
    assert_eq!(csv.status.code(), Some(0), "{}", crate::util::stderr(&csv));
    let text = crate::util::stdout(&csv);
    // No field starts a formula: the name's field begins with an apostrophe.
    for line in text.lines().skip(1) {
        for field in line.split("\",\"") {
            let f = field.trim_start_matches('"');
            assert!(!f.starts_with(['=', '+', '-', '@']), "{line}");
        }
    }
    assert!(text.contains("\"'=hyperlink("), "{text}");
    let md = crate::util::stdout(&crate::util::mlgrant(&["report", "--config", m]));
    // Every character Markdown would act on is escaped: no image, HTML, code span or mention.
    // The Mermaid picture's names are entities (outputs.rs checks its every line), and its
    // fence is mlgrant's own.
    assert!(
        md.contains("#96;#60;img src#61;x#62;#64;org#47;team"),
        "{md}"
    );
    let md: String = md
        .split("```mermaid\n")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once("```\n").unwrap().1
            }
        })
        .collect();
    let chars: Vec<char> = md.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if ['<', '>', '@', '`', '[', ']'].contains(c) {
            assert!(i > 0 && chars[i - 1] == '\\', "unescaped {c} in {md}");
        }
    }
    assert!(md.contains("\\<img"), "{md}");
}

/// compile and diff write their JSON document to stdout as it is made (as plan does); a stdout
/// that refuses it (here a full disk, /dev/full) fails the run with exit code 1.
#[test]
fn json_is_written_as_it_is_made_and_a_full_disk_fails_the_run() {
    let compile = [
        "compile",
        "--config",
        "config.example.toml",
        "--format",
        "json",
    ];
    let diff = [
        "diff",
        "tests/golden/diff/add_consumer.old.toml",
        "tests/golden/diff/add_consumer.new.toml",
        "--format",
        "json",
    ];
    for (args, command) in [(&compile[..], "compile"), (&diff[..], "diff")] {
        let out = mlgrant(args);
        assert!(out.status.success(), "{}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(doc["format"], "mlgrant.plan");
        assert_eq!(doc["command"], command);
        assert!(doc["changes"].as_u64().unwrap() > 0, "{doc}");
        let full = std::process::Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(args)
            .current_dir(crate::util::root())
            .stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap();
        assert_eq!(full.status.code(), Some(1), "{command}: {}", stderr(&full));
    }
}
