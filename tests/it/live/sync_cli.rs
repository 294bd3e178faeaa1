//! plan, apply, export and history: the real binary against the Redshift simulator over
//! verified TLS. Each test starts its own simulator.

use std::process::Command;

use super::{Cluster, connect_as as connect, err, out};

fn statements(sql: &str) -> Vec<String> {
    sql.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("--"))
        .map(str::to_owned)
        .collect()
}

const SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE SCHEMA other_ml;
    CREATE USER alice PASSWORD 'Alice1pass';
    CREATE USER bob PASSWORD 'Bob1pass';
    CREATE GROUP outsider_grp;
    GRANT USAGE ON SCHEMA demo_ml TO GROUP outsider_grp;
    GRANT USAGE ON SCHEMA other_ml TO bob;
";

const MODEL: &str = r#"version = 1

[groups.retention_analyst_grp]
members = ["alice"]

[groups.marketing_analyst_grp]
members = ["bob"]

[schemas.demo_ml]
creators = ["retention_analyst_grp"]
consumers = ["marketing_analyst_grp"]
"#;

fn create_model_sql(name: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS demo_ml.activity (state varchar(2), churn varchar(6));
         CREATE MODEL demo_ml.{name} FROM (SELECT state, churn FROM demo_ml.activity)
         TARGET churn FUNCTION fn_{name}(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_loop_converges_and_repairs_drift_inside_the_fence_only() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);

    let plan = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(2), "{}", err(&plan));
    assert_eq!(
        statements(&out(&plan)),
        [
            "CREATE GROUP marketing_analyst_grp;",
            "CREATE GROUP retention_analyst_grp;",
            "ALTER GROUP marketing_analyst_grp ADD USER bob;",
            "ALTER GROUP retention_analyst_grp ADD USER alice;",
            "GRANT CREATE MODEL TO GROUP retention_analyst_grp;",
            "GRANT CREATE, USAGE ON SCHEMA demo_ml TO GROUP retention_analyst_grp;",
            "GRANT USAGE ON SCHEMA demo_ml TO GROUP marketing_analyst_grp;",
        ]
    );
    let apply = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(apply.status.code(), Some(0), "{}", err(&apply));
    let plan = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(0), "{}{}", out(&plan), err(&plan));

    // A creator makes a new model: the schema's consumers get it at the next sync.
    let alice = connect(&c.sim, "alice", "Alice1pass").await;
    alice
        .batch_execute(&create_model_sql("churn_v2"))
        .await
        .expect("alice creates a model");
    let plan = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(2));
    assert_eq!(
        statements(&out(&plan)),
        ["GRANT EXECUTE ON MODEL demo_ml.churn_v2 TO GROUP marketing_analyst_grp;"]
    );
    assert_eq!(
        c.run(&["apply", "--config", &model, "--yes"]).status.code(),
        Some(0)
    );

    // Drift by hand, inside the fence: found and repaired.
    c.admin
        .batch_execute(
            "REVOKE EXECUTE ON MODEL demo_ml.churn_v2 FROM GROUP marketing_analyst_grp;
             GRANT CREATE MODEL TO GROUP marketing_analyst_grp;
             ALTER GROUP retention_analyst_grp ADD USER bob;",
        )
        .await
        .unwrap();
    let plan = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(2));
    assert_eq!(
        statements(&out(&plan)),
        [
            "ALTER GROUP retention_analyst_grp DROP USER bob;",
            "REVOKE CREATE MODEL FROM GROUP marketing_analyst_grp;",
            "GRANT EXECUTE ON MODEL demo_ml.churn_v2 TO GROUP marketing_analyst_grp;",
        ]
    );
    c.apply_and_converge(&model);

    // Grants outside the fence are left alone.
    assert_eq!(
        c.rows("SELECT identity_name FROM svv_schema_privileges WHERE namespace_name = 'demo_ml' AND identity_name = 'outsider_grp'").await,
        [["outsider_grp"]]
    );
    assert_eq!(
        c.rows("SELECT identity_name FROM svv_schema_privileges WHERE namespace_name = 'other_ml' AND identity_name = 'bob'").await,
        [["bob"]]
    );
    assert!(out(&c.run(&["plan", "--config", &model])).contains(
        "left alone, not managed by this model: group outsider_grp (USAGE ON SCHEMA demo_ml)"
    ));

    // Every applied run is in the history, newest first, with its counts.
    let history = c.run(&["history", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&history.stdout).expect("json");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["statements"], 3);
    assert_eq!(runs[0]["revokes"], 1);
    assert_eq!(runs[2]["statements"], 7);
    assert_eq!(runs[2]["groups_created"], 2);
    assert_eq!(
        c.rows("SELECT count(*) FROM mlgrant.apply_statements")
            .await,
        [["11"]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_only_protected_names_and_superusers_are_never_revoked() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute(
            "CREATE SCHEMA demo_ml; CREATE USER carol PASSWORD 'Carol1pass';
             CREATE USER root2 PASSWORD 'Root2pass' CREATEUSER;
             CREATE GROUP ml_team; CREATE GROUP ml_extra;
             GRANT CREATE MODEL TO GROUP ml_extra; GRANT CREATE MODEL TO carol;
             GRANT CREATE MODEL TO root2; GRANT USAGE ON SCHEMA demo_ml TO root2;",
        )
        .await
        .unwrap();
    let sync = c.model(
        "sync.toml",
        r#"version = 1
[groups.ml_team]
[schemas.demo_ml]
creators = ["ml_team"]
[policy]
manage = ["group:ml_*", "user:*"]
protect = ["user:carol"]
"#,
    );
    let plan = c.run(&["plan", "--config", &sync]);
    let text = out(&plan);
    assert!(
        statements(&text).contains(&"REVOKE CREATE MODEL FROM GROUP ml_extra;".to_owned()),
        "{text}"
    );
    assert!(!text.contains("FROM carol"), "{text}");
    assert!(
        !text.contains("root2;"),
        "superusers are never touched: {text}"
    );
    assert!(text.contains("group ml_extra is not named in the model but is managed through the pattern `group:ml_*`"), "{text}");

    let grant_only = c.model(
        "grant-only.toml",
        r#"version = 1
[groups.ml_team]
[schemas.demo_ml]
creators = ["ml_team"]
[policy]
mode = "grant-only"
manage = ["group:ml_*", "user:*"]
"#,
    );
    let plan = c.run(&["plan", "--config", &grant_only]);
    assert!(!out(&plan).contains("REVOKE"), "{}", out(&plan));
    assert_eq!(
        c.run(&["apply", "--config", &grant_only, "--yes"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        c.rows("SELECT identity_name FROM svv_language_privileges WHERE identity_name IN ('ml_extra', 'carol', 'root2', 'ml_team') ORDER BY 1").await,
        [["carol"], ["ml_extra"], ["ml_team"], ["root2"]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_apply_changes_nothing_and_the_next_one_converges() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    assert_eq!(
        c.run(&["apply", "--config", &model, "--yes"]).status.code(),
        Some(0)
    );
    let alice = connect(&c.sim, "alice", "Alice1pass").await;
    alice.batch_execute(&create_model_sql("m1")).await.unwrap();
    alice.batch_execute(&create_model_sql("m2")).await.unwrap();

    let snapshot = || async {
        (
            c.rows("SELECT namespace_name, model_name, identity_name FROM svv_ml_model_privileges ORDER BY 1, 2, 3").await,
            c.rows("SELECT run_id FROM mlgrant.apply_log ORDER BY 1").await,
            c.rows("SELECT groname FROM pg_group ORDER BY 1").await,
        )
    };

    // A model dropped between plan and execution: the GRANT naming it fails (42704), the
    // attempt rolls back, SHOW MODEL no longer finds the model, and the attempt made again
    // grants the rest: one model never rolls back the others.
    let client = connect(&c.sim, "awsuser", c.sim.password()).await;
    let loaded = mlgrant::config::load(std::path::Path::new(&model)).unwrap();
    let url = c.sim.url();
    let password = c.sim.password().to_owned();
    let mut asked = 0;
    let mut confirm = |_: &mlgrant::plan::Plan| {
        asked += 1;
        if asked == 1 {
            let dropped = Command::new("psql")
                .arg(&url)
                .args(["-X", "-q", "-c", "DROP MODEL demo_ml.m2"])
                .env("PGPASSWORD", &password)
                .output()
                .expect("psql");
            assert!(
                dropped.status.success(),
                "{}",
                String::from_utf8_lossy(&dropped.stderr)
            );
        }
        true
    };
    let result = mlgrant::apply::apply(
        &client,
        None,
        &loaded,
        &loaded.source.text,
        &mlgrant::apply::Settings::default(),
        &mut confirm,
    )
    .await;
    result.expect("the attempt made again commits");
    assert!(asked >= 2, "the plan made again is asked about again");
    let granted = snapshot().await.0;
    assert!(
        granted
            .iter()
            .any(|r| r[1] == "m1" && r[2] == "marketing_analyst_grp"),
        "{granted:?}"
    );
    assert!(granted.iter().all(|r| r[1] != "m2"), "{granted:?}");
    // Back to where the next steps start: m2 again, and m1 not granted.
    alice.batch_execute(&create_model_sql("m2")).await.unwrap();
    c.admin
        .batch_execute("REVOKE EXECUTE ON MODEL demo_ml.m1 FROM GROUP marketing_analyst_grp")
        .await
        .unwrap();

    // The simulator cuts the connection in the middle of the next apply.
    let before = snapshot().await;
    c.sim.set_drop_after(4);
    let cut = c.run(&["apply", "--config", &model, "--yes", "--batch-size", "1"]);
    c.sim.set_drop_after(0);
    assert_eq!(cut.status.code(), Some(1), "{}", err(&cut));
    assert!(err(&cut).contains("connection"), "{}", err(&cut));
    assert_eq!(snapshot().await, before, "nothing changed, nothing logged");

    let apply = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(apply.status.code(), Some(0), "{}", err(&apply));
    assert_eq!(
        c.run(&["plan", "--config", &model, "--exit-code"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        snapshot().await.1.len(),
        3,
        "the first apply, the recovered one, the converging one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_plan_shows_no_changes() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute(
            "CREATE SCHEMA demo_ml; CREATE SCHEMA scoring;
             CREATE USER alice PASSWORD 'Alice1pass'; CREATE USER \"IAM:Bob\" PASSWORD 'Bob1pass';
             CREATE USER carol PASSWORD 'Carol1pass';
             CREATE GROUP creators_grp WITH USER alice; CREATE GROUP viewers_grp WITH USER carol, \"IAM:Bob\";
             CREATE GROUP unrelated_grp;
             CREATE ROLE ml_auditor; GRANT ROLE ml_auditor TO carol;
             GRANT CREATE MODEL TO GROUP creators_grp;
             GRANT CREATE, USAGE ON SCHEMA demo_ml TO GROUP creators_grp;
             GRANT USAGE ON SCHEMA demo_ml TO GROUP viewers_grp, PUBLIC;
             GRANT USAGE ON SCHEMA scoring TO ROLE ml_auditor;
             GRANT CREATE MODEL TO carol;",
        )
        .await
        .unwrap();
    let alice = connect(&c.sim, "alice", "Alice1pass").await;
    alice
        .batch_execute(&create_model_sql("churn"))
        .await
        .unwrap();
    c.admin
        .batch_execute(
            "GRANT EXECUTE ON MODEL demo_ml.churn TO GROUP viewers_grp;
             GRANT EXECUTE ON MODEL demo_ml.churn TO PUBLIC;",
        )
        .await
        .unwrap();

    let export = c.run(&["export"]);
    assert_eq!(export.status.code(), Some(0), "{}", err(&export));
    let text = out(&export);
    assert!(text.contains("[schemas.demo_ml]\ncreators = [\"creators_grp\"]\nconsumers = [\"viewers_grp\", \"public\"]"), "{text}");
    assert!(
        text.contains("members = [\"IAM:Bob\", \"carol\"]"),
        "{text}"
    );
    let model = c.model("exported.toml", &text);
    let check = c.run(&["check", "--config", &model]);
    assert_eq!(check.status.code(), Some(0), "{}", err(&check));
    let plan = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(0), "{}\n{}", out(&plan), text);
    // init --from-cluster writes the same, opened by the editor's schema directive, and the
    // schema beside it; the written file checks.
    let init = c.dir.join("init").join("mlgrant.toml");
    std::fs::create_dir_all(init.parent().unwrap()).unwrap();
    let path = init.display().to_string();
    let o = c.run(&["init", "--from-cluster", "--config", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let written = std::fs::read_to_string(&init).unwrap();
    assert_eq!(written, format!("#:schema ./mlgrant.schema.json\n{text}"));
    assert!(init.with_file_name("mlgrant.schema.json").exists());
    let check = c.run(&["check", "--config", &path]);
    assert_eq!(check.status.code(), Some(0), "{}", err(&check));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_one_for_a_plan_and_a_constant_plus_one_per_batch_for_an_apply() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let first = c.sim.stats().len();
    assert_eq!(c.run(&["plan", "--config", &model]).status.code(), Some(0));
    let stats = c.sim.stats();
    assert_eq!(stats.len(), first + 1);
    assert_eq!(
        stats[first].round_trips, 1,
        "a plan reads the catalog in one round trip"
    );

    // 7 statements in batches of 2: 4 batches.
    let apply = c.run(&["apply", "--config", &model, "--yes", "--batch-size", "2"]);
    assert_eq!(apply.status.code(), Some(0), "{}", err(&apply));
    let stats = c.sim.stats();
    let applied: usize = out(&apply)
        .strip_prefix("applied ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("applied N statements");
    let batches = applied.div_ceil(2) as u64;
    // A constant (the audit schema's checks and migrations, the lock and catalog read, the
    // check under the lock, the record, COMMIT, the verification) plus one per batch.
    assert_eq!(
        stats[first + 1].round_trips,
        9 + batches,
        "{applied} statements"
    );

    c.admin
        .batch_execute("REVOKE CREATE MODEL FROM GROUP retention_analyst_grp")
        .await
        .unwrap();
    assert_eq!(
        c.run(&["apply", "--config", &model, "--yes"]).status.code(),
        Some(0)
    );
    let stats = c.sim.stats();
    // Schema already current: no migrations, one batch.
    assert_eq!(stats[first + 2].round_trips, 7 + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_who_cannot_see_everything_gets_no_revokes() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute(
            "CREATE SCHEMA demo_ml; CREATE USER dave PASSWORD 'Dave1pass';
             CREATE GROUP ml_team; CREATE GROUP ml_extra; GRANT CREATE MODEL TO GROUP ml_extra;",
        )
        .await
        .unwrap();
    let model = c.model(
        "m.toml",
        "version = 1\n[groups.ml_team]\n[groups.ml_extra]\n[schemas.demo_ml]\ncreators = [\"ml_team\"]\n",
    );
    let plan = c.run_as("dave", "Dave1pass", &["plan", "--config", &model]);
    assert_eq!(plan.status.code(), Some(0), "{}", err(&plan));
    // --exit-code: nothing dave can plan is pending, but grants he cannot confirm are: 3.
    let code = c.run_as(
        "dave",
        "Dave1pass",
        &["plan", "--config", &model, "--exit-code"],
    );
    assert_eq!(code.status.code(), Some(3), "{}", out(&code));
    assert!(out(&code).contains("-- not confirmed"), "{}", out(&code));
    let text = out(&plan);
    assert!(!text.contains("REVOKE"), "{text}");
    assert!(
        text.contains("no revokes planned: dave is not a superuser and lacks ACCESS SYSTEM TABLE"),
        "{text}"
    );
    let admin_plan = out(&c.run(&["plan", "--config", &model]));
    assert!(
        admin_plan.contains("REVOKE CREATE MODEL FROM GROUP ml_extra;"),
        "{admin_plan}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_failures_are_explained_and_never_show_the_password() {
    let c = Cluster::start().await;
    let model = c.model("m.toml", "version = 1\n");
    let secret = "Sup3r-S3cret-Pw";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![format!(
                "postgres://awsuser:{secret}@127.0.0.1:1/dev?sslmode=require"
            )],
            "connection refused",
        ),
        (
            vec![
                c.sim
                    .url()
                    .replace("awsuser@", &format!("awsuser:{secret}@")),
            ],
            "SQLSTATE 28P01",
        ),
        (
            vec![format!(
                "postgres://awsuser:{secret}@127.0.0.1:{}/dev",
                c.sim.port()
            )],
            "TLS to 127.0.0.1",
        ),
        (
            vec![c.sim.url().replace("/dev?", "/postgres?")],
            "no Redshift catalog view",
        ),
    ];
    for (url, expected) in cases {
        for command in ["plan", "apply", "export", "history"] {
            let mut args = vec![command, "--url", &url[0]];
            if command == "plan" || command == "apply" {
                args.extend(["--config", model.as_str()]);
            }
            if command == "apply" {
                args.push("--yes");
            }
            let o = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
                .args(&args)
                .env(
                    "PGPASSWORD",
                    if url[0].contains(secret) {
                        "unused"
                    } else {
                        c.sim.password()
                    },
                )
                .env("HOME", &c.dir)
                .output()
                .unwrap();
            let all = format!("{}{}", out(&o), err(&o));
            assert_eq!(o.status.code(), Some(1), "{command} {expected}: {all}");
            assert!(
                all.contains(expected),
                "{command}: expected `{expected}` in {all}"
            );
            assert!(
                !all.contains(secret),
                "{command}: the password leaked: {all}"
            );
            assert!(
                !all.contains(c.sim.password()),
                "{command}: the password leaked: {all}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_without_a_terminal_needs_yes() {
    let c = Cluster::start().await;
    let model = c.model("m.toml", MODEL);
    let o = c.run(&["apply", "--config", &model]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("pass --yes when stdin is not a terminal"),
        "{}",
        err(&o)
    );
    assert!(
        c.rows("SELECT groname FROM pg_group").await.is_empty(),
        "nothing changed"
    );
}

/// A server that asks for authentication method 13, as Redshift does for a user whose password
/// was set as `sha256|...`: only the first message of the protocol, not a database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_method_13_gets_a_message_that_says_what_to_do() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        if let Ok((mut s, _)) = listener.accept().await {
            let len = s.read_i32().await.unwrap_or(8);
            let mut startup = vec![0u8; (len.max(4) - 4) as usize];
            let _ = s.read_exact(&mut startup).await;
            let _ = s.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 13]).await;
            let _ = s.flush().await;
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    });
    let dir = std::env::temp_dir().join(format!("mlgrant-m13-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("m.toml"), "version = 1\n").unwrap();
    let o = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(["plan", "--config"])
            .arg(dir.join("m.toml"))
            .arg("--url")
            .arg(format!(
                "postgres://someone@127.0.0.1:{port}/dev?sslmode=disable"
            ))
            .env("PGPASSWORD", "Pw-13-secret")
            .env("HOME", &dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let all = format!("{}{}", out(&o), err(&o));
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(all.contains("authentication method 13"), "{all}");
    assert!(all.contains("ALTER USER"), "{all}");
    assert!(!all.contains("Pw-13-secret"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assumerole_for_creators_syncs_and_restricts_create_model() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute(
            "CREATE SCHEMA churn_ml; CREATE USER alice PASSWORD 'Alice1pass';
             CREATE GROUP churn_creators WITH USER alice;",
        )
        .await
        .unwrap();
    let arn = "arn:aws:iam::123456789012:role/RedshiftML-churn";
    let model = c.model(
        "m.toml",
        &format!(
            "version = 1\n[groups.churn_creators]\nmembers = [\"alice\"]\n[schemas.churn_ml]\ncreators = [\"churn_creators\"]\niam_roles = [\"{arn}\"]\n[policy]\nrevoke_public_assumerole = true\n"
        ),
    );
    let plan = c.run(&["plan", "--config", &model]);
    assert_eq!(
        statements(&out(&plan)),
        [
            "REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL;",
            "GRANT CREATE MODEL TO GROUP churn_creators;",
            &format!("GRANT ASSUMEROLE ON '{arn}' TO GROUP churn_creators FOR CREATE MODEL;"),
            "GRANT CREATE, USAGE ON SCHEMA churn_ml TO GROUP churn_creators;",
        ]
    );
    c.apply_and_converge(&model);
    assert_eq!(
        c.rows("SELECT iam_arn, command_type, identity_name FROM svv_iam_privileges ORDER BY 1")
            .await,
        [[arn, "CREATE MODEL", "churn_creators"]]
    );

    // The restriction bites: alice may use her role, not another.
    let alice = connect(&c.sim, "alice", "Alice1pass").await;
    let create = |role: &str| {
        format!(
            "CREATE TABLE IF NOT EXISTS churn_ml.t (a int, b int);
             CREATE MODEL churn_ml.m_{n} FROM churn_ml.t TARGET b FUNCTION f_{n}(int)
             IAM_ROLE '{role}' SETTINGS (S3_BUCKET 'bucket')",
            n = role.len()
        )
    };
    alice
        .batch_execute(&create(arn))
        .await
        .expect("her own role works");
    let refused = alice
        .batch_execute(&create("arn:aws:iam::123456789012:role/Other"))
        .await
        .expect_err("another role is refused");
    assert_eq!(refused.code().map(|c| c.code()), Some("42501"));

    // Drift inside the fence: an ASSUMEROLE for CREATE MODEL the model does not give.
    c.admin
        .batch_execute("GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/Other' TO GROUP churn_creators FOR CREATE MODEL, COPY")
        .await
        .unwrap();
    let plan = c.run(&["plan", "--config", &model]);
    assert_eq!(
        statements(&out(&plan)),
        [
            "REVOKE ASSUMEROLE ON 'arn:aws:iam::123456789012:role/Other' FROM GROUP churn_creators FOR CREATE MODEL;"
        ],
        "only the CREATE MODEL command is managed"
    );
    assert_eq!(
        c.run(&["apply", "--config", &model, "--yes"]).status.code(),
        Some(0)
    );
    assert_eq!(
        c.rows("SELECT command_type FROM svv_iam_privileges WHERE iam_arn LIKE '%Other'")
            .await,
        [["COPY"]]
    );
}

/// Names with quotes, semicolons, comment markers, dots, reserved words and non-ASCII go to the
/// cluster through mlgrant and come back through export unchanged; nothing they hold runs.
/// (PostgreSQL under the simulator keeps 63 bytes of a name where Redshift keeps 127, so the
/// longest name here is 63 bytes; the 127-byte case is covered offline.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_go_through_apply_and_export_unchanged() {
    let c = Cluster::start().await;
    let long = format!("g{}", "x".repeat(62));
    c.admin
        .batch_execute(
            r#"CREATE TABLE canary (a int);
               CREATE SCHEMA "odd.schema"; CREATE SCHEMA "group";
               CREATE USER "IAM:Alice" PASSWORD 'Alice1pass';
               CREATE USER "o'neil" PASSWORD 'Oneil1pass';
               CREATE USER "bobby""; DROP TABLE canary; --" PASSWORD 'Bobby1pass';
               CREATE TABLE "odd.schema".t (a int, b int);
               CREATE MODEL "odd.schema"."we""ird" FROM "odd.schema".t TARGET b FUNCTION f1(int)
                 IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');"#,
        )
        .await
        .unwrap();
    let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let model = format!(
        "version = 1\n[groups.{g1}]\nmembers = [{u1}, {u3}]\n[groups.{g2}]\n[groups.{g3}]\n[groups.{g4}]\n\
         [schemas.\"odd.schema\"]\ncreators = [{g1}, \"user:o'neil\"]\nconsumers = [{g2}, {g4}]\n\
         [schemas.group]\nconsumers = [{g3}, {u3r}]\n\
         [models.{mk}]\nconsumers = [{u1r}]\n",
        g1 = q("odd\"grp"),
        g2 = q("semi;colon -- x /* y */"),
        g3 = q("ünï_grp"),
        g4 = q(&long),
        u1 = q("IAM:Alice"),
        u3 = q("bobby\"; DROP TABLE canary; --"),
        u1r = q("user:IAM:Alice"),
        u3r = q("user:bobby\"; DROP TABLE canary; --"),
        mk = q("\"odd.schema\".\"we\"\"ird\""),
    );
    let path = c.model("hostile.toml", &model);
    let check = c.run(&["check", "--config", &path]);
    assert_eq!(check.status.code(), Some(0), "{}", err(&check));
    let apply = c.run(&["apply", "--yes", "--config", &path]);
    assert_eq!(apply.status.code(), Some(0), "{}", err(&apply));
    assert_eq!(
        c.run(&["plan", "--config", &path, "--exit-code"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        c.rows("SELECT count(*) FROM canary").await,
        [["0"]],
        "the canary table survives"
    );

    let groups = c.rows("SELECT groname FROM pg_group ORDER BY 1").await;
    let mut expected = vec![
        long.clone(),
        "odd\"grp".to_owned(),
        "semi;colon -- x /* y */".to_owned(),
        "ünï_grp".to_owned(),
    ];
    expected.sort();
    assert_eq!(
        groups.into_iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(
        c.rows("SELECT identity_name FROM svv_ml_model_privileges WHERE model_name = 'we\"ird' AND identity_type = 'user' AND identity_name <> 'awsuser'").await,
        [["IAM:Alice"]]
    );

    let export = c.run(&["export"]);
    assert_eq!(export.status.code(), Some(0), "{}", err(&export));
    let text = out(&export);
    let exported = mlgrant::config::parse("exported.toml", &text).expect("export parses");
    let names: Vec<&str> = exported.groups.keys().map(|n| n.as_str()).collect();
    assert_eq!(
        names,
        expected.iter().map(String::as_str).collect::<Vec<_>>(),
        "{text}"
    );
    let members: Vec<&str> = exported.groups[&mlgrant::model::Name::from_catalog("odd\"grp")]
        .members
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| m.user.as_str())
        .collect();
    assert_eq!(members, ["IAM:Alice", "bobby\"; DROP TABLE canary; --"]);
    assert!(
        exported.schemas.keys().any(|s| s.as_str() == "odd.schema"),
        "{text}"
    );
    let again = c.model("exported.toml", &text);
    assert_eq!(
        c.run(&["plan", "--config", &again, "--exit-code"])
            .status
            .code(),
        Some(0),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_released_migration_is_refused_and_nothing_is_applied() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    assert_eq!(
        c.run(&["apply", "--config", &model, "--yes"]).status.code(),
        Some(0)
    );
    // Both migrations are recorded with the checksums of the embedded files.
    let recorded = c
        .rows("SELECT version, checksum FROM mlgrant.schema_version ORDER BY 1")
        .await;
    let expected: Vec<Vec<String>> = mlgrant::audit::MIGRATIONS
        .iter()
        .map(|m| vec![m.version.to_string(), m.checksum.to_owned()])
        .collect();
    assert_eq!(recorded, expected);

    // The cluster says migration 1 had other content: apply refuses before it changes anything.
    c.admin
        .batch_execute(
            "UPDATE mlgrant.schema_version SET checksum = repeat('0', 64) WHERE version = 1",
        )
        .await
        .unwrap();
    let runs = c.rows("SELECT run_id FROM mlgrant.apply_log").await;
    let o = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains(
            "migration 1 of mlgrant's audit schema was recorded on this cluster with checksum 0000"
        ) && err(&o).contains("a released migration was changed"),
        "{}",
        err(&o)
    );
    assert_eq!(c.rows("SELECT run_id FROM mlgrant.apply_log").await, runs);
}
