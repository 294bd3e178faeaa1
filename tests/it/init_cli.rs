//! `mlgrant init` and `mlgrant schema`: the starter checks, nothing is written over, and the
//! JSON Schema is judged by a real validator (Python's jsonschema, Draft 2020-12): every golden
//! model and example passes it, and every bad-key file of the corpus fails it, as check does.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{files, mlgrant, root, scratch, stderr, stdout};

#[test]
fn init_writes_a_starter_that_checks_and_never_writes_over_a_file() {
    let model = scratch("init", "mlgrant.toml");
    let _ = std::fs::remove_file(&model);
    let schema = model.with_file_name("mlgrant.schema.json");
    let _ = std::fs::remove_file(&schema);
    let path = model.to_str().unwrap();
    let out = mlgrant(&["init", "--config", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "init's product is the file");
    let written = std::fs::read_to_string(&model).unwrap();
    assert!(
        written.starts_with("#:schema ./mlgrant.schema.json\n"),
        "{written}"
    );
    assert_eq!(
        std::fs::read_to_string(&schema).unwrap(),
        stdout(&mlgrant(&["schema"]))
    );
    let out = mlgrant(&["check", "--config", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = mlgrant(&["compile", "--config", path]);
    assert!(
        stdout(&out).contains("GRANT CREATE MODEL TO GROUP ml_creators_grp;"),
        "{}",
        stdout(&out)
    );
    // A second init changes nothing and says why.
    std::fs::write(&model, "version = 1\n# mine\n").unwrap();
    let out = mlgrant(&["init", "--config", path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("exists: init never writes over a file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&model).unwrap(),
        "version = 1\n# mine\n"
    );
    // A schema file that is not mlgrant's is left alone.
    std::fs::remove_file(&model).unwrap();
    std::fs::write(&schema, "{\"mine\": true}").unwrap();
    let out = mlgrant(&["init", "--config", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not mlgrant's schema, so it was left alone"));
    assert_eq!(
        std::fs::read_to_string(&schema).unwrap(),
        "{\"mine\": true}"
    );
    // `-` prints the starter.
    let out = mlgrant(&["init", "--config", "-"]);
    assert_eq!(stdout(&out), std::fs::read_to_string(&model).unwrap());
    // A cluster named without --from-cluster is refused, not ignored; so are targets.
    for args in [
        &["init", "--config", "-", "--url", "postgres://u@h/dev"][..],
        &["init", "--config", "-", "--target", "prod"][..],
    ] {
        let out = mlgrant(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr(&out).contains("--from-cluster"), "{}", stderr(&out));
    }
    let _ = std::fs::remove_dir_all(model.parent().unwrap());
}

#[test]
fn the_published_schema_is_what_mlgrant_schema_prints() {
    let published = std::fs::read_to_string(root().join("mlgrant.schema.json")).unwrap();
    assert_eq!(
        published,
        stdout(&mlgrant(&["schema"])),
        "mlgrant.schema.json is stale: mlgrant schema > mlgrant.schema.json"
    );
}

/// Every model the tests hold that check accepts, and the bad-key files that it refuses.
fn corpus() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut good = vec![
        root().join("config.example.toml"),
        root().join("tests/examples/seed.toml"),
    ];
    for dir in ["compile", "diff", "explain", "export", "iam", "sync"] {
        good.extend(files(&format!("tests/golden/{dir}"), "toml"));
    }
    good.retain(|p| {
        mlgrant(&["check", "--config", p.to_str().unwrap()])
            .status
            .success()
    });
    let bad: Vec<PathBuf> = files("tests/bad", "toml")
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with("unknown_key")
                || name.starts_with("unknown_section")
                || name.starts_with("unknown_top_key")
                || name == "model_key_nested.toml"
                // JSON Schema counts 1.0 as the integer 1 (draft 2020-12, "integer"): check's
                // refusal of `version = 1.0` is check's alone.
                || (name.starts_with("version_") && name != "version_float.toml")
                || name == "policy_mode_type.toml"
                || name == "members_not_array.toml"
        })
        // What TOML itself cannot read (an integer past i64) is no instance to validate.
        .filter(|p| {
            toml::from_str::<serde_json::Value>(&std::fs::read_to_string(p).unwrap()).is_ok()
        })
        .collect();
    (good, bad)
}

#[test]
fn a_json_schema_validator_accepts_every_good_model_and_refuses_every_bad_key() {
    let python = crate::util::venv_tool(
        "jsonschema-venv",
        "python",
        "jsonschema==4.*",
        &["-c", "import jsonschema; print('jsonschema ready')"],
        "jsonschema ready",
    );
    let (good, bad) = corpus();
    assert!(good.len() >= 30, "{} good models", good.len());
    assert!(bad.len() >= 10, "{} bad files", bad.len());
    let dir = scratch("schema", "instances");
    std::fs::create_dir_all(&dir).unwrap();
    let mut listed = String::new();
    for (i, p) in good.iter().chain(&bad).enumerate() {
        let text = std::fs::read_to_string(p).unwrap();
        let value: serde_json::Value = match toml::from_str(&text) {
            Ok(v) => v,
            Err(e) => panic!("{}: {e}", p.display()),
        };
        let file = dir.join(format!("{i}.json"));
        std::fs::write(&file, value.to_string()).unwrap();
        listed.push_str(&format!("{}\t{}\n", file.display(), p.display()));
    }
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for line in sys.stdin.read().splitlines():
    instance, source = line.split("\t")
    errors = sorted(e.message for e in v.iter_errors(json.load(open(instance))))
    print(("fail " if errors else "pass ") + source + ("\t" + errors[0] if errors else ""))
"#;
    let mut child = Command::new(python)
        .args(["-c", script])
        .arg(root().join("mlgrant.schema.json"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(listed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let verdicts = stdout(&out);
    for p in &good {
        let line = format!("pass {}", p.display());
        assert!(
            verdicts.lines().any(|l| l == line),
            "{} should pass:\n{verdicts}",
            p.display()
        );
    }
    for p in &bad {
        let line = format!("fail {}\t", p.display());
        assert!(
            verdicts.lines().any(|l| l.starts_with(&line)),
            "{} should fail:\n{verdicts}",
            p.display()
        );
    }
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn an_unquoted_dotted_model_key_is_explained_with_the_quoted_form() {
    let out = mlgrant(&["check", "--config", "tests/bad/model_key_nested.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "hint: quote the model's key as one TOML key: [models.\"fraud_ml.fraud_score\"]"
        ),
        "{err}"
    );
    // One problem, not a second one about an unknown key `fraud_score`.
    assert!(err.contains("1 problem in"), "{err}");
}
