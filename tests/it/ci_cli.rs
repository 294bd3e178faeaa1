//! What CI and a pull request see: `check --format json|github`, `diff --exit-code`, a model read
//! from stdin, options a command does not use refused, and long lists of problems cut short.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::util::{mlgrant, root, stderr, stdout};

#[test]
fn check_speaks_json_and_github_annotations() {
    let bad = "tests/bad/unknown_key_in_schema.toml";
    let json = mlgrant(&["check", "--config", bad, "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON on stdout");
    assert_eq!(doc["format"], "mlgrant.check");
    assert_eq!(doc["ok"], false);
    let first = &doc["problems"][0];
    assert!(first["line"].as_u64().unwrap() >= 1 && first["column"].as_u64().unwrap() >= 1);
    assert!(first["message"].as_str().unwrap().contains("unknown key"));

    let github = mlgrant(&["check", "--config", bad, "--format", "github"]);
    assert_eq!(github.status.code(), Some(1));
    let line = stdout(&github);
    assert!(
        line.starts_with(&format!("::error file={bad},line="))
            && line.contains(",col=")
            && line.contains("title=mlgrant::unknown key"),
        "{line}"
    );

    let ok = mlgrant(&[
        "check",
        "--config",
        "config.example.toml",
        "--format",
        "json",
    ]);
    assert_eq!(ok.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&ok)).unwrap();
    assert_eq!(doc["ok"], true);
}

#[test]
fn offline_commands_print_only_their_product_on_stdout_and_nothing_on_stderr() {
    for args in [
        vec![
            "compile",
            "--config",
            "config.example.toml",
            "--format",
            "sql",
        ],
        vec![
            "diff",
            "tests/golden/diff/add_consumer.old.toml",
            "tests/golden/diff/add_consumer.new.toml",
        ],
        vec!["iam", "trust", "--config", "tests/golden/iam/full.toml"],
        vec!["check", "--config", "config.example.toml"],
        vec![
            "explain",
            "model",
            "demo_ml.customer_churn_auto_model",
            "--config",
            "config.example.toml",
        ],
    ] {
        let o = mlgrant(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(
            !stdout(&o).is_empty() && stderr(&o).is_empty(),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn diff_exit_code_says_whether_two_models_differ() {
    let a = "tests/golden/diff/add_consumer.old.toml";
    let b = "tests/golden/diff/add_consumer.new.toml";
    assert_eq!(
        mlgrant(&["diff", a, b, "--exit-code"]).status.code(),
        Some(2)
    );
    assert_eq!(
        mlgrant(&["diff", a, a, "--exit-code"]).status.code(),
        Some(0)
    );
    assert_eq!(mlgrant(&["diff", a, b]).status.code(), Some(0));
}

#[test]
fn a_model_is_read_from_stdin_with_config_dash() {
    let text = std::fs::read_to_string(root().join("config.example.toml")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(["compile", "--config", "-", "--format", "sql"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sql = stdout(&o);
    assert!(
        sql.contains("-- <stdin>:") && sql.contains("GRANT CREATE MODEL TO GROUP"),
        "{sql}"
    );
}

#[test]
fn options_a_command_does_not_use_are_refused() {
    for args in [
        vec!["check", "--url", "postgres://a@b/c"],
        vec!["compile", "--url", "postgres://a@b/c"],
        vec!["diff", "a.toml", "b.toml", "--config", "x.toml"],
        vec!["apply", "--yes", "--batch-size", "0"],
        vec!["history", "--limit", "0"],
        vec!["apply", "--ask"],
        vec!["apply", "--plan", "plan.json", "--ask"],
    ] {
        let o = mlgrant(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
}

#[test]
fn thousands_of_problems_show_the_first_fifty_and_count_the_rest() {
    let dir = std::env::temp_dir().join(format!("mlgrant-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("many.toml");
    let mut text = String::from("version = 1\n[schemas.s]\nconsumers = [");
    for i in 0..2000 {
        text.push_str(&format!("\"grp_{i}\", "));
    }
    text.push_str("]\n");
    std::fs::write(&path, text).unwrap();
    let o = mlgrant(&["check", "--config", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.matches("^^^^ undeclared group").count(), 50);
    assert!(
        e.contains("... and 1950 more problems not shown; by kind: 2000 x \"`...` is not a declared group\"")
            && e.contains("2000 problems"),
        "{}",
        &e[e.len().saturating_sub(300)..]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_git_compares_a_model_with_its_version_in_git() {
    let dir = std::env::temp_dir().join(format!("mlgrant-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    let model = "version = 1\n[groups.a]\n[schemas.s]\nconsumers = [\"a\"]\n";
    std::fs::write(dir.join("mlgrant.toml"), model).unwrap();
    git(&["add", "mlgrant.toml"]);
    git(&["commit", "-qm", "model"]);
    std::fs::write(
        dir.join("mlgrant.toml"),
        format!("{model}[groups.b]\n[models.\"s.m\"]\nconsumers = [\"b\"]\n"),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args([
            "diff",
            "--git",
            "HEAD",
            "mlgrant.toml",
            "--format",
            "sql",
            "--exit-code",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let sql = stdout(&o);
    assert!(
        sql.starts_with("-- mlgrant diff HEAD:mlgrant.toml -> mlgrant.toml")
            && sql.contains("GRANT EXECUTE ON MODEL s.m TO GROUP b;")
            // Group a reached s.m as a consumer of schema s before the model was named: naming
            // it grants a nothing new.
            && !sql.contains("GROUP a"),
        "{sql}"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(["diff", "--git", "nosuchrev", "mlgrant.toml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("git show nosuchrev:mlgrant.toml"),
        "{}",
        stderr(&bad)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explain_offline_names_each_grantee_with_its_rule() {
    for (args, file) in [
        (
            vec!["explain", "model", "demo_ml.customer_churn_auto_model"],
            "model",
        ),
        (
            vec!["explain", "grantee", "retention_analyst_grp"],
            "grantee",
        ),
    ] {
        for (format, ext) in [("text", "txt"), ("json", "json")] {
            let mut full = args.clone();
            full.extend(["--config", "config.example.toml", "--format", format]);
            let o = mlgrant(&full);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            crate::util::golden(&format!("tests/golden/explain/{file}.{ext}"), &stdout(&o));
        }
    }
}

#[test]
fn report_offline_is_a_matrix_per_schema_in_markdown_and_csv() {
    for (format, ext) in [("markdown", "md"), ("csv", "csv")] {
        let o = mlgrant(&[
            "report",
            "--config",
            "tests/golden/compile/kinds.toml",
            "--format",
            format,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        crate::util::golden(&format!("tests/golden/explain/report.{ext}"), &stdout(&o));
    }
}
