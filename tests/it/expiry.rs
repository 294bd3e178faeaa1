//! Expiring entries without a server: how they read, what they compile to before and after
//! their end, and the reason a revoke of an ended entry carries. The time is an input
//! (`AccessModel::as_of`); nothing here reads a clock but the binary runs, which are given
//! `--as-of`.

use mlgrant::compile::compile_with_models;
use mlgrant::config::{self, AccessModel};
use mlgrant::diff::{Fence, diff};
use mlgrant::model::{Exemptions, Grant, Grantee, Instant, ModelName, Name, NameKind};

use crate::util::{mlgrant, scratch, stderr, stdout};

const MODEL: &str = r#"version = 1
[groups.bi_grp]
members = ["bob", { user = "alice", until = 2027-01-10, reason = "INC-9" }]

[schemas.ml]
creators = [{ grantee = "user:carol", until = 2027-01-31T18:00:00Z, reason = "retrain CHG-7" }]
consumers = ["bi_grp", { grantee = "user:alice", until = 2027-01-20, reason = "INC-1234" }]
iam_roles = [{ role = "arn:aws:iam::123456789012:role/Ml", until = 2027-01-31T18:00:00Z }]
"#;

fn at(model: &str, when: &str) -> AccessModel {
    let mut m = config::parse("m.toml", model).expect("reads");
    m.as_of = Some(Instant::parse(when).unwrap());
    m
}

fn user(n: &str) -> Grantee {
    Grantee::User(Name::new(NameKind::User, n).unwrap())
}

fn churn() -> ModelName {
    ModelName {
        schema: Name::new(NameKind::Schema, "ml").unwrap(),
        model: Name::new(NameKind::Model, "churn").unwrap(),
    }
}

#[test]
fn before_its_end_an_entry_compiles_as_a_plain_one_and_after_it_requires_nothing() {
    let models = [churn()].into_iter().collect();
    let before = compile_with_models(&at(MODEL, "2027-01-01"), &models);
    let after = compile_with_models(&at(MODEL, "2027-01-20"), &models);
    let alice_execute = Grant::execute(churn(), user("alice"));
    assert!(before.grants.contains_key(&alice_execute));
    assert!(!after.grants.contains_key(&alice_execute));
    assert!(after.expired.contains_key(&alice_execute));
    // One second before midnight, still there; a date alone is midnight UTC.
    let last = compile_with_models(&at(MODEL, "2027-01-19T23:59:59Z"), &models);
    assert!(last.grants.contains_key(&alice_execute));
    // carol's entry ends at 18:00 on the 31st: CREATE MODEL with it, and ASSUMEROLE.
    let carol = user("carol");
    let before_end = compile_with_models(&at(MODEL, "2027-01-31T17:59:59Z"), &models);
    let after_end = compile_with_models(&at(MODEL, "2027-01-31T18:00:00Z"), &models);
    assert!(
        before_end
            .grants
            .contains_key(&Grant::create_model(carol.clone()))
    );
    assert!(
        after_end
            .expired
            .contains_key(&Grant::create_model(carol.clone()))
    );
    assert!(!after_end.grants.keys().any(|g| g.grantee == carol));
    // The group keeps bob; alice's membership ended on the 10th.
    let g = &after.groups[&Name::new(NameKind::Group, "bi_grp").unwrap()];
    let members: Vec<&str> = g
        .members
        .as_ref()
        .unwrap()
        .keys()
        .map(Name::as_str)
        .collect();
    assert_eq!(members, ["bob"]);
    assert_eq!(after.expired_members.len(), 1);
    // With no time given, nothing has ended.
    let mut timeless = config::parse("m.toml", MODEL).unwrap();
    timeless.as_of = None;
    let t = compile_with_models(&timeless, &models);
    assert!(t.grants.contains_key(&alice_execute) && t.expired.is_empty());
}

#[test]
fn a_grant_another_entry_still_requires_is_not_expired() {
    let both = r#"version = 1
[schemas.ml]
consumers = [{ grantee = "user:alice", until = 2027-01-20 }]
[models."ml.churn"]
consumers = ["user:alice"]
"#;
    let s = compile_with_models(&at(both, "2027-02-01"), &[churn()].into_iter().collect());
    let usage = Grant::schema_usage(Name::new(NameKind::Schema, "ml").unwrap(), user("alice"));
    assert!(s.grants.contains_key(&usage) && !s.expired.contains_key(&usage));
    assert!(
        s.grants
            .contains_key(&Grant::execute(churn(), user("alice")))
    );
}

#[test]
fn the_revoke_of_an_ended_entry_says_when_where_and_why() {
    // The state the entry made while it ran, against the model after its end.
    let models = [churn()].into_iter().collect();
    let held = compile_with_models(&at(MODEL, "2027-01-01"), &models);
    let now = at(MODEL, "2027-02-01");
    let desired = compile_with_models(&now, &models);
    let mut current = held;
    current.expired = Default::default();
    for s in [&mut current] {
        for g in s.grants.values_mut() {
            g.clear();
        }
    }
    let plan = diff(&current, &desired, &Fence::of(&now), &Exemptions::none());
    let sql = mlgrant::render::sql(&plan, "t");
    assert!(
        sql.contains("-- expired on 2027-01-20 (schemas.ml.consumers at m.toml:7:36, INC-1234)\nREVOKE EXECUTE ON MODEL ml.churn FROM alice;"),
        "{sql}"
    );
    assert!(sql.contains("expired on 2027-01-31T18:00:00Z (schemas.ml.creators at m.toml:6:25, retrain CHG-7)\nREVOKE CREATE MODEL FROM carol;"), "{sql}");
    assert!(
        sql.contains(
            "REVOKE ASSUMEROLE ON 'arn:aws:iam::123456789012:role/Ml' FROM carol FOR CREATE MODEL;"
        ),
        "{sql}"
    );
    assert!(!sql.contains("FROM GROUP bi_grp"), "{sql}");
    // Only the ended entries' changes: nothing for bob or the group.
    let only = plan.only(mlgrant::diff::is_expiry);
    assert_eq!(only.steps.len(), plan.steps.len(), "{sql}");
    assert!(only.steps.iter().all(mlgrant::diff::is_expiry));
}

fn run_check(text: &str, args: &[&str]) -> (Option<i32>, String, String) {
    // Tests run at once: each text its own file.
    let f = scratch(
        "expiry",
        &format!("check-{:016x}.toml", {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (text, args).hash(&mut h);
            h.finish()
        }),
    );
    std::fs::write(&f, text).unwrap();
    let mut all = vec!["check", "--config", f.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = mlgrant(&all);
    (o.status.code(), stdout(&o), stderr(&o))
}

#[test]
fn check_warns_of_entries_ending_soon_and_of_ended_ones_in_every_format() {
    let (code, out, err) = run_check(MODEL, &["--as-of", "2027-01-15"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("4 expiring entries, as of 2027-01-15T00:00:00Z (--as-of)"),
        "{out}"
    );
    assert!(err.contains("check-"), "{err}");
    assert!(
        err.contains(":3:28: groups.bi_grp.members expired on 2027-01-10 (INC-9)"),
        "{err}"
    );
    assert!(
        err.contains(":7:36: schemas.ml.consumers expires on 2027-01-20 (INC-1234), in 5 days"),
        "{err}"
    );
    // carol's ends in 16.75 days: outside the default 14, inside 3w.
    assert!(!err.contains("retrain CHG-7"), "{err}");
    let (_, _, err) = run_check(MODEL, &["--as-of", "2027-01-15", "--expiring-within", "3w"]);
    assert!(
        err.contains(
            "schemas.ml.creators expires on 2027-01-31T18:00:00Z (retrain CHG-7), in 17 days"
        ),
        "{err}"
    );
    let (code, out, _) = run_check(MODEL, &["--as-of", "2027-01-15", "--format", "json"]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = doc.to_string();
    assert!(
        text.contains("expired on 2027-01-10 (INC-9)") && text.contains("in 5 days"),
        "{text}"
    );
    let (_, out, _) = run_check(MODEL, &["--as-of", "2027-01-15", "--format", "github"]);
    assert!(
        out.contains("::warning file=") && out.contains("line=3,col=28") && out.contains("INC-9"),
        "{out}"
    );
    let (code, _, err) = run_check(MODEL, &["--as-of", "2027-01-15", "--warnings-as-errors"]);
    assert_eq!(code, Some(1), "{err}");
    // No expiring entry, no mention of a time.
    let (_, out, _) = run_check("version = 1\n[groups.g]\n", &[]);
    assert!(!out.contains("as of"), "{out}");
}

#[test]
fn bad_expiring_entries_are_refused_with_their_place() {
    let cases: &[(&str, &str)] = &[
        (
            r#"consumers = [{ grantee = "user:a", until = "2027-01-31" }]"#,
            "write the date without quotes: until = 2027-01-31",
        ),
        (r#"consumers = [{ grantee = "user:a" }]"#, "has no `until`"),
        (
            r#"consumers = [{ until = 2027-01-31 }]"#,
            "names no `grantee`",
        ),
        (
            r#"consumers = [{ grantee = "user:a", until = 12:00:00 }]"#,
            "time of day without a date",
        ),
        (
            r#"consumers = [{ grantee = "user:a", until = 2027-01-31, why = "x" }]"#,
            "unknown key `why` in an entry of consumers",
        ),
        (
            r#"consumers = [{ grantee = "user:a", until = 2027-01-31, reason = "" }]"#,
            "`reason` must be 1 to 500 characters",
        ),
        (
            r#"consumers = [{ user = "a", until = 2027-01-31 }]"#,
            "unknown key `user` in an entry of consumers",
        ),
        (
            r#"consumers = [{ grantee = "user:a", until = 2027-01-31 }, "user:a"]"#,
            "listed twice",
        ),
        (
            r#"consumers = [{ grantee = "nogroup", until = 2027-01-31 }]"#,
            "not a declared group",
        ),
        (
            r#"iam_roles = [{ role = "not-an-arn!", until = 2027-01-31 }]"#,
            "not an IAM role ARN",
        ),
    ];
    for (line, expect) in cases {
        let text = format!("version = 1\n[schemas.ml]\n{line}\n");
        let (code, _, err) = run_check(&text, &[]);
        assert_eq!(code, Some(1), "{line}: {err}");
        assert!(
            err.contains(expect),
            "{line}: expected {expect:?} in\n{err}"
        );
        assert!(err.contains(":3:"), "{line}: no place in\n{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn compile_and_diff_say_the_time_they_judged_at_and_reproduce_with_as_of() {
    let f = scratch("expiry", "c.toml");
    std::fs::write(&f, MODEL).unwrap();
    let p = f.to_str().unwrap();
    let a = mlgrant(&[
        "compile",
        "--config",
        p,
        "--as-of",
        "2027-02-01",
        "--format",
        "sql",
    ]);
    let b = mlgrant(&[
        "compile",
        "--config",
        p,
        "--as-of",
        "2027-02-01",
        "--format",
        "sql",
    ]);
    assert_eq!(stdout(&a), stdout(&b));
    let sql = stdout(&a);
    assert!(
        sql.contains("as of 2027-02-01T00:00:00Z (--as-of)"),
        "{sql}"
    );
    assert!(!sql.contains("alice;"), "{sql}");
    let early = stdout(&mlgrant(&[
        "compile",
        "--config",
        p,
        "--as-of",
        "2027-01-01",
        "--format",
        "sql",
    ]));
    assert!(
        early.contains("GRANT USAGE ON SCHEMA ml TO GROUP bi_grp, alice;"),
        "{early}"
    );
    assert!(
        early.contains("schemas.ml.consumers (until 2027-01-20, INC-1234)"),
        "{early}"
    );
    let json = stdout(&mlgrant(&[
        "compile",
        "--config",
        p,
        "--as-of",
        "2027-01-01",
        "--format",
        "json",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["as_of"], "2027-01-01T00:00:00Z", "{json}");
    let sources: Vec<&serde_json::Value> = doc["statements"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["sources"].as_array().unwrap())
        .filter(|s| s.get("until").is_some())
        .collect();
    assert!(
        sources
            .iter()
            .any(|s| s["until"] == "2027-01-20T00:00:00Z" && s["until_reason"] == "INC-1234"),
        "{json}"
    );
    let bad = mlgrant(&["compile", "--config", p, "--as-of", "next week"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("is not a date"), "{}", stderr(&bad));
}
