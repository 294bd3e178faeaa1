//! The reviewer's workflow: a plan saved for review is applied exactly, or refused when it went
//! stale; stdout carries only each command's product, prompts and messages go to stderr.

use sha2::Digest;

use super::{Cluster, connect_as, err, out};

const SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE GROUP ml_team;
    CREATE GROUP viewers;
";

const MODEL: &str = "version = 1
[groups.ml_team]
[groups.viewers]
[schemas.demo_ml]
creators = [\"ml_team\"]
consumers = [\"viewers\"]
";

/// `mlgrant apply` (without --yes) under a pseudo-terminal (script), with `shell_tail` appended
/// to its command line (a redirection); returns the child, waiting at the question.
fn apply_at_terminal(c: &Cluster, model: &str, shell_tail: &str) -> std::process::Child {
    let command = format!(
        "{} apply --config {} --url '{}'{shell_tail}",
        env!("CARGO_BIN_EXE_mlgrant"),
        model,
        c.sim.url(),
    );
    std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("PGPASSWORD", c.sim.password())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script runs")
}

fn saved_statements(path: &str) -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().trim_end_matches(';').to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_is_applied_exactly_and_recorded_with_its_digest() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let file = c.dir.join("plan.json").display().to_string();
    let plan = c.run(&[
        "plan", "--config", &model, "--out", &file, "--format", "sql",
    ]);
    assert_eq!(plan.status.code(), Some(0), "{}", err(&plan));
    assert!(out(&plan).contains("GRANT CREATE MODEL TO GROUP ml_team;"));
    assert!(
        err(&plan).contains("saved the plan (3 statements)"),
        "{}",
        err(&plan)
    );
    let statements = saved_statements(&file);
    assert_eq!(statements.len(), 3);

    // No question: the review happened. JSON result on stdout, the plan on stderr.
    let apply = c.run(&[
        "apply", "--config", &model, "--plan", &file, "--format", "json",
    ]);
    assert_eq!(apply.status.code(), Some(0), "{}", err(&apply));
    let doc: serde_json::Value = serde_json::from_str(&out(&apply)).expect("one JSON document");
    assert_eq!(doc["format"], "mlgrant.apply");
    assert_eq!(doc["outcome"], "applied");
    let digest: String = sha2::Sha256::digest(std::fs::read(&file).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(doc["plan_file_digest"], digest.as_str());
    let run_id = doc["run_id"].as_str().unwrap().to_owned();
    let ran = c
        .rows(&format!(
            "SELECT statement FROM mlgrant.apply_statements WHERE run_id = '{run_id}' ORDER BY seq"
        ))
        .await;
    let ran: Vec<String> = ran.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(ran, statements, "exactly the saved statements ran");
    let logged = c
        .rows(&format!(
            "SELECT plan_file_digest FROM mlgrant.apply_log WHERE run_id = '{run_id}'"
        ))
        .await;
    assert_eq!(logged[0][0], digest);

    // history shows the run with its statements, by a prefix of its id.
    let one = c.run(&["history", &run_id[..8], "--format", "json"]);
    assert_eq!(one.status.code(), Some(0), "{}", err(&one));
    let doc: serde_json::Value = serde_json::from_str(&out(&one)).unwrap();
    assert_eq!(doc["run"]["run_id"], run_id.as_str());
    assert!(doc["run"]["applied_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(doc["statements"].as_array().unwrap().len(), 3);
    // Applying the same plan again: it is stale (the cluster now holds what it granted).
    let again = c.run(&["apply", "--config", &model, "--plan", &file]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        err(&again).contains("the saved plan is stale"),
        "{}",
        err(&again)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_edited_or_foreign_plan_is_refused_and_changes_nothing() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let file = c.dir.join("plan.json").display().to_string();
    assert_eq!(
        c.run(&["plan", "--config", &model, "--out", &file])
            .status
            .code(),
        Some(0)
    );
    let grants = || async {
        c.rows("SELECT namespace_name, privilege_type, identity_name FROM svv_schema_privileges WHERE namespace_name = 'demo_ml' ORDER BY 1, 2, 3")
            .await
    };
    // A change inside the fence between plan and apply.
    c.admin
        .batch_execute("GRANT USAGE ON SCHEMA demo_ml TO GROUP viewers")
        .await
        .unwrap();
    let before = grants().await;
    let o = c.run(&["apply", "--config", &model, "--plan", &file]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("the saved plan is stale")
            && err(&o)
                .contains("no longer planned: GRANT USAGE ON SCHEMA demo_ml TO GROUP viewers;"),
        "{}",
        err(&o)
    );
    assert_eq!(grants().await, before);

    // An edited model file.
    let fresh = c.dir.join("fresh.json").display().to_string();
    assert_eq!(
        c.run(&["plan", "--config", &model, "--out", &fresh])
            .status
            .code(),
        Some(0)
    );
    std::fs::write(&model, format!("{MODEL}# edited\n")).unwrap();
    let o = c.run(&["apply", "--config", &model, "--plan", &fresh]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("the model file changed since"),
        "{}",
        err(&o)
    );
    std::fs::write(&model, MODEL).unwrap();

    // A plan made for another cluster (here: another user).
    c.admin
        .batch_execute("CREATE USER other PASSWORD 'Other1pass'")
        .await
        .unwrap();
    let o = c.run_as(
        "other",
        "Other1pass",
        &["apply", "--config", &model, "--plan", &fresh],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("was planned for awsuser@"), "{}", err(&o));

    // Its statements reordered, or one repeated: the file was edited, and apply says so.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fresh).unwrap()).unwrap();
    for (edit, says) in [
        ("reversed", "in another order"),
        ("repeated", "listed 2 times"),
    ] {
        let mut edited = doc.clone();
        let list = edited["statements"].as_array_mut().unwrap();
        if edit == "reversed" {
            list.reverse();
        } else {
            let first = list[0].clone();
            list.push(first);
        }
        let path = c.dir.join(format!("{edit}.json")).display().to_string();
        std::fs::write(&path, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
        let o = c.run(&["apply", "--config", &model, "--plan", &path]);
        assert_eq!(o.status.code(), Some(1), "{edit}");
        assert!(
            err(&o).contains("the plan file was edited") && err(&o).contains(says),
            "{edit}: {}",
            err(&o)
        );
    }

    // A concurrent apply in between makes it stale.
    assert_eq!(
        c.run(&["apply", "--config", &model, "--yes"]).status.code(),
        Some(0)
    );
    let o = c.run(&["apply", "--config", &model, "--plan", &fresh]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("the saved plan is stale"), "{}", err(&o));
    assert_eq!(out(&o), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_carries_only_each_commands_product() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    // apply --yes --format json: one JSON document on stdout, with the plan; stderr says what
    // is applied in one line, and holds no second JSON document.
    let o = c.run(&["apply", "--config", &model, "--yes", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let doc: serde_json::Value = serde_json::from_str(&out(&o)).expect("stdout is JSON only");
    assert_eq!(doc["summary"]["grant"], 3);
    assert!(
        out(&o).contains("GRANT CREATE MODEL TO GROUP ml_team"),
        "{}",
        out(&o)
    );
    assert!(
        err(&o).contains("mlgrant apply") && !err(&o).contains('{'),
        "{}",
        err(&o)
    );
    // plan: the plan on stdout, nothing on stderr.
    let o = c.run(&["plan", "--config", &model]);
    assert!(
        out(&o).contains("nothing to change") && err(&o).is_empty(),
        "{}",
        err(&o)
    );
    // export: TOML on stdout.
    let o = c.run(&["export"]);
    assert!(toml::from_str::<toml::Table>(&out(&o)).is_ok() && err(&o).is_empty());
    // doctor: the report on stdout.
    let o = c.run(&["doctor", "--format", "json"]);
    assert!(serde_json::from_str::<serde_json::Value>(&out(&o)).is_ok());
    // history: the table on stdout.
    let o = c.run(&["history"]);
    assert!(out(&o).starts_with("applied_at (UTC)") && err(&o).is_empty());
    // Errors: nothing on stdout, the message on stderr.
    let o = c.run(&["history", "zz"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).is_empty() && err(&o).contains("not a run id"),
        "{}",
        err(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_question_is_asked_on_the_terminal_and_no_lock_is_held_while_it_waits() {
    let c = Cluster::with_audit_schema(SETUP).await;
    let model = c.model("mlgrant.toml", MODEL);
    // Under a pseudo-terminal (script), with stdout redirected to a file: the plan and the
    // question appear on the terminal, the file gets only the result line.
    let result = c.dir.join("result.txt");
    let mut child = apply_at_terminal(&c, &model, &format!(" > {}", result.display()));
    // While it waits at the question, the lock is free: a reader can take it at once.
    let reader = connect_as(&c.sim, "awsuser", c.sim.password()).await;
    c.wait_for_mlgrant().await;
    std::thread::sleep(std::time::Duration::from_millis(500));
    let locked = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        reader.batch_execute("BEGIN; LOCK mlgrant.apply_log; ROLLBACK;"),
    )
    .await;
    assert!(matches!(locked, Ok(Ok(()))), "the prompt holds no lock");
    use std::io::Write;
    child.stdin.as_mut().unwrap().write_all(b"y\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let terminal = String::from_utf8_lossy(&o.stdout);
    assert!(
        terminal.contains("GRANT CREATE MODEL TO GROUP ml_team")
            && terminal.contains("Apply these 3 changes? [y/N]"),
        "{terminal}"
    );
    let written = std::fs::read_to_string(&result).unwrap();
    assert!(
        written.starts_with("applied 3 statements") && !written.contains("Apply these"),
        "{written}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compiles_script_runs_with_psql_once_its_stated_prerequisites_exist() {
    let c = Cluster::start().await;
    let model = c.model("mlgrant.toml", MODEL);
    let compiled = c.run(&["compile", "--config", &model, "--format", "sql"]);
    let script = out(&compiled);
    assert!(
        script.contains("once the cluster has: groups ml_team, viewers; schemas demo_ml"),
        "{script}"
    );
    let file = c.dir.join("script.sql");
    std::fs::write(&file, &script).unwrap();
    let psql = || {
        std::process::Command::new("psql")
            .arg(c.sim.url())
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
            .arg(&file)
            .env("PGPASSWORD", c.sim.password())
            .output()
            .unwrap()
    };
    // Without what the header names, it fails (the group is missing).
    let first = psql();
    assert!(!first.status.success());
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("ml_team"),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // With it, the script runs on its own, and the cluster is then in sync.
    c.admin.batch_execute(SETUP).await.unwrap();
    let second = psql();
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let plan = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(0), "{}", out(&plan));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_follows_groups_and_nested_roles_to_each_user() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute(
            "CREATE SCHEMA demo_ml; CREATE TABLE demo_ml.t (a int, b int);
             CREATE MODEL demo_ml.churn FROM demo_ml.t TARGET b FUNCTION f_churn(int) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
             CREATE USER carol PASSWORD 'Carol1pass'; CREATE USER dan PASSWORD 'Dan1pass';
             CREATE GROUP analysts; ALTER GROUP analysts ADD USER carol;
             CREATE ROLE inner_role; CREATE ROLE outer_role;
             GRANT ROLE inner_role TO ROLE outer_role; GRANT ROLE outer_role TO dan;
             GRANT EXECUTE ON MODEL demo_ml.churn TO GROUP analysts;
             GRANT EXECUTE ON MODEL demo_ml.churn TO ROLE inner_role;",
        )
        .await
        .unwrap();
    let o = c.run(&["explain", "model", "demo_ml.churn", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let doc: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let paths: Vec<(String, String)> = doc["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["who"].as_str().unwrap().to_owned(),
                p["why"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        paths.contains(&(
            "user:carol".to_owned(),
            "member of group analysts".to_owned()
        )),
        "{paths:?}"
    );
    assert!(
        paths.contains(&(
            "user:dan".to_owned(),
            "holds role outer_role, which holds role inner_role, granted the right".to_owned()
        )),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|(w, why)| w == "user:awsuser" && why == "a superuser")
    );
    // The matrix, live: users at the end of each path.
    let o = c.run(&["report", "--format", "csv"]);
    assert!(
        out(&o).contains("\"demo_ml\",\"churn\",\"user:carol\",\"member of group analysts\""),
        "{}",
        out(&o)
    );
    // What dan can run, and why.
    let o = c.run(&["explain", "grantee", "user:dan"]);
    assert!(
        out(&o).contains("user:dan: EXECUTE ON MODEL demo_ml.churn (holds role outer_role"),
        "{}",
        out(&o)
    );
    // The picture of those paths: each step an edge, as Mermaid and Graphviz draw it.
    let o = c.run(&["explain", "model", "demo_ml.churn", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let blocks = crate::pictures::mermaid_blocks(&out(&o));
    assert_eq!(blocks.len(), 1, "{}", out(&o));
    let block = &blocks[0];
    let id = |label: &str| {
        let line = block
            .lines()
            .find(|l| l.contains(&format!("\"{label}\"")) && !l.contains("-->"))
            .unwrap_or_else(|| panic!("{label} not in\n{block}"));
        line.trim()
            .split(['[', '(', '{'])
            .next()
            .unwrap()
            .to_owned()
    };
    let model = id("EXECUTE ON MODEL demo_ml.churn");
    for (from, to, label) in [
        ("user:carol", "group:analysts", "member of"),
        (
            "group:analysts",
            "EXECUTE ON MODEL demo_ml.churn",
            "granted",
        ),
        ("user:dan", "role:outer_role", "holds"),
        ("role:outer_role", "role:inner_role", "holds"),
        (
            "role:inner_role",
            "EXECUTE ON MODEL demo_ml.churn",
            "granted",
        ),
        (
            "user:awsuser",
            "EXECUTE ON MODEL demo_ml.churn",
            "superuser",
        ),
    ] {
        let edge = format!("  {} -->|\"{label}\"| {}", id(from), id(to));
        assert!(block.lines().any(|l| l == edge), "{edge} not in\n{block}");
    }
    assert!(!model.is_empty());
    let drawn = crate::pictures::mermaid_render(std::slice::from_ref(block));
    let labels = drawn[0]
        .clone()
        .unwrap_or_else(|e| panic!("Mermaid refused: {e}\n{block}"));
    assert_eq!(labels, crate::pictures::declared_labels(block));
    let o = c.run(&["explain", "model", "demo_ml.churn", "--format", "dot"]);
    let labels = crate::pictures::dot_labels(&out(&o));
    assert_eq!(
        labels,
        crate::pictures::declared_labels(block),
        "{}",
        out(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_at_the_question_says_nothing_changed_and_nothing_did() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let mut child = apply_at_terminal(&c, &model, "");
    c.wait_for_mlgrant().await;
    std::thread::sleep(std::time::Duration::from_millis(700));
    use std::io::Write;
    child.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    let o = child.wait_with_output().unwrap();
    let terminal = String::from_utf8_lossy(&o.stdout);
    assert!(
        terminal.contains("Apply these 3 changes? [y/N]")
            && terminal.contains("interrupted: rolled back, nothing changed"),
        "{terminal}"
    );
    let grants = c
        .rows("SELECT 1 FROM svv_schema_privileges WHERE namespace_name = 'demo_ml'")
        .await;
    assert!(grants.is_empty(), "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_no_leaves_the_cluster_as_it_was_without_even_an_audit_schema() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let schemas = || c.rows("SELECT nspname FROM pg_namespace ORDER BY 1");
    let before = (
        schemas().await,
        c.rows("SELECT namespace_name, privilege_type, identity_name FROM svv_schema_privileges ORDER BY 1, 2, 3")
            .await,
    );
    let mut child = apply_at_terminal(&c, &model, "");
    c.wait_for_mlgrant().await;
    std::thread::sleep(std::time::Duration::from_millis(500));
    use std::io::Write;
    child.stdin.as_mut().unwrap().write_all(b"n\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let terminal = String::from_utf8_lossy(&o.stdout);
    assert!(
        terminal.contains("[y/N]") && terminal.contains("apply cancelled: nothing was changed"),
        "{terminal}"
    );
    assert!(!terminal.contains("error:"), "{terminal}");
    let after = (
        schemas().await,
        c.rows("SELECT namespace_name, privilege_type, identity_name FROM svv_schema_privileges ORDER BY 1, 2, 3")
            .await,
    );
    assert_eq!(after, before);
    assert!(!after.0.iter().any(|r| r[0] == "mlgrant"), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compiles_script_leaves_the_groups_with_their_members_and_runs_twice() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute(
            "CREATE SCHEMA demo_ml; CREATE GROUP ml_team; CREATE GROUP viewers;
             CREATE USER alice PASSWORD 'Alice1pass'; CREATE USER bob PASSWORD 'Bob1pass';",
        )
        .await
        .unwrap();
    let model = c.model(
        "members.toml",
        "version = 1\n[groups.ml_team]\nmembers = [\"alice\", \"bob\"]\n[groups.viewers]\n[schemas.demo_ml]\ncreators = [\"ml_team\"]\nconsumers = [\"viewers\"]\n",
    );
    let script = out(&c.run(&["compile", "--config", &model, "--format", "sql"]));
    assert!(
        script.contains("ALTER GROUP ml_team ADD USER alice, bob;"),
        "{script}"
    );
    let file = c.dir.join("members.sql");
    std::fs::write(&file, &script).unwrap();
    for _ in 0..2 {
        let o = std::process::Command::new("psql")
            .arg(c.sim.url())
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
            .arg(&file)
            .env("PGPASSWORD", c.sim.password())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let plan = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(0), "{}", out(&plan));
}
