//! A warning reaches every output a reviewer reads: check, compile, diff (and plan, in the live
//! tests) in text, JSON, GitHub annotations and Markdown, with its line and column; and
//! `--warnings-as-errors` turns it into exit code 1.

use crate::util::{mlgrant, scratch, stderr, stdout};

/// The lockout: PUBLIC loses every IAM role, and schema b_ml's creators get none (line 7).
const LOCKOUT: &str = r#"version = 1
[groups.a_team]
[groups.b_team]
[schemas.a_ml]
creators = ["a_team"]
iam_roles = ["arn:aws:iam::123456789012:role/a-role"]
[schemas.b_ml]
creators = ["b_team"]
[policy]
revoke_public_assumerole = true
"#;

const BEFORE: &str = r#"version = 1
[groups.a_team]
[groups.b_team]
[schemas.a_ml]
creators = ["a_team"]
[schemas.b_ml]
creators = ["b_team"]
"#;

const WORDS: &str = "schema b_ml gives its creators none";

#[test]
fn the_lockout_warning_is_in_every_format_of_check_compile_and_diff_with_its_place() {
    let new = scratch("warnings", "lockout.toml");
    std::fs::write(&new, LOCKOUT).unwrap();
    let old = scratch("warnings", "before.toml");
    std::fs::write(&old, BEFORE).unwrap();
    let new = new.to_str().unwrap();
    let old = old.to_str().unwrap();
    let place = format!("{new}:7:10");

    let text = mlgrant(&["check", "--config", new]);
    assert_eq!(text.status.code(), Some(0));
    assert!(
        stderr(&text).contains(&format!("warning: {place}: ")) && stderr(&text).contains(WORDS)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&mlgrant(&[
        "check", "--config", new, "--format", "json",
    ])))
    .unwrap();
    assert_eq!(json["warnings"][0]["line"], 7);
    assert_eq!(json["warnings"][0]["column"], 10);
    assert!(
        json["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains(WORDS)
    );
    let github = stdout(&mlgrant(&["check", "--config", new, "--format", "github"]));
    assert!(
        github.starts_with("::warning file=")
            && github.contains(",line=7,col=10,title=mlgrant::")
            && github.contains(WORDS),
        "{github}"
    );
    let strict = mlgrant(&["check", "--config", new, "--warnings-as-errors"]);
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    assert!(stderr(&strict).contains("1 warning and --warnings-as-errors"));

    for args in [vec!["compile", "--config", new], vec!["diff", old, new]] {
        for format in ["sql", "text", "json", "markdown"] {
            let mut a = args.clone();
            a.extend(["--format", format]);
            let o = mlgrant(&a);
            assert_eq!(o.status.code(), Some(0), "{a:?}: {}", stderr(&o));
            let out = stdout(&o);
            match format {
                "json" => {
                    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
                    let w = doc["warnings"].as_array().unwrap();
                    assert!(
                        w.iter().any(|w| w["line"] == 7
                            && w["column"] == 10
                            && w["message"].as_str().unwrap().contains(WORDS)),
                        "{a:?}: {out}"
                    );
                    // What the statements call for is a warning too: PUBLIC loses every role.
                    assert!(
                        w.iter().any(|w| w["line"].is_null()
                            && w["message"]
                                .as_str()
                                .unwrap()
                                .contains("REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL")),
                        "{out}"
                    );
                }
                "markdown" => assert!(
                    out.contains("**Warnings**")
                        && out.contains("schema b\\_ml gives its creators none")
                        && out.contains("\\:7\\:10\\:"),
                    "{a:?}: {out}"
                ),
                "sql" => assert!(
                    out.contains(&format!("-- WARNING: {place}: ")) && out.contains(WORDS),
                    "{a:?}: {out}"
                ),
                _ => assert!(
                    out.contains(&format!("warning: {place}: ")) && out.contains(WORDS),
                    "{a:?}: {out}"
                ),
            }
        }
        let mut a = args.clone();
        a.push("--warnings-as-errors");
        assert_eq!(mlgrant(&a).status.code(), Some(1), "{a:?}");
    }
    // A model without warnings stays at exit 0 under --warnings-as-errors.
    assert_eq!(
        mlgrant(&["check", "--config", old, "--warnings-as-errors"])
            .status
            .code(),
        Some(0)
    );
}
