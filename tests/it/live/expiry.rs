//! Expiring entries against the simulator: an entry whose `until` has passed makes plan revoke
//! exactly what it required, with its reason; one that ends tomorrow is granted, and check warns;
//! `apply --only-expired` applies the expiry and nothing else, recorded as `expired`; `--as-of`
//! reproduces both plans; in grant-only mode what mlgrant granted for an ended entry is taken
//! back (its ledger), and a hand grant is not.

use super::{Cluster, day, err, out};

const SETUP: &str = "
    CREATE SCHEMA ml;
    CREATE USER alice PASSWORD 'Alice1pass';
    CREATE USER bob PASSWORD 'Bob1pass12';
    CREATE USER carol PASSWORD 'Carol1pass';
    CREATE GROUP bi_grp;
    CREATE TABLE ml.activity (state varchar(2), churn int);
    CREATE MODEL ml.churn FROM (SELECT state, churn FROM ml.activity)
      TARGET churn FUNCTION churn_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
";

fn model(yesterday: &str, tomorrow: &str, mode: &str) -> String {
    format!(
        r#"version = 1
[policy]
mode = "{mode}"
[groups.bi_grp]
[schemas.ml]
consumers = ["bi_grp", {{ grantee = "user:alice", until = {tomorrow}, reason = "INC-2" }}]
[models."ml.churn"]
consumers = [{{ grantee = "user:bob", until = {yesterday}, reason = "INC-1" }}]
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_entry_is_revoked_with_its_reason_and_one_ending_tomorrow_is_granted() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let (yesterday, tomorrow) = (day(-1), day(1));
    let m = c.model("m.toml", &model(&yesterday, &tomorrow, "sync"));
    // bob's entry held before it ended: apply it as of two days ago.
    let two_days_ago = day(-2);
    let early = c.run(&["apply", "--config", &m, "--yes", "--as-of", &two_days_ago]);
    assert_eq!(early.status.code(), Some(0), "{}", err(&early));
    let bob = c
        .rows("SELECT count(*) FROM svv_ml_model_privileges WHERE identity_name = 'bob'")
        .await;
    assert_eq!(bob[0][0], "1");
    // A hand grant to carol, whom the model does not name, stays whatever happens.
    c.admin
        .batch_execute("GRANT USAGE ON SCHEMA ml TO carol")
        .await
        .unwrap();

    // Now: check warns of both entries, in every format.
    let check = c.run(&["check", "--config", &m]);
    assert_eq!(check.status.code(), Some(0), "{}", err(&check));
    let warned = err(&check);
    assert!(
        warned.contains(&format!(
            "models.\"ml.churn\".consumers expired on {yesterday} (INC-1)"
        )) && warned.contains(&format!(
            "schemas.ml.consumers expires on {tomorrow} (INC-2), in 1 day"
        )),
        "{warned}"
    );

    // plan revokes exactly bob's grants, saying why, and grants alice's (ending tomorrow).
    let plan = c.run(&["plan", "--config", &m, "--format", "sql"]);
    assert_eq!(plan.status.code(), Some(0), "{}", err(&plan));
    let sql = out(&plan);
    let reason = format!("-- expired on {yesterday} (models.\"ml.churn\".consumers at ");
    assert!(
        sql.contains(&reason)
            && sql.contains(", INC-1)\nREVOKE EXECUTE ON MODEL ml.churn FROM bob;"),
        "{sql}"
    );
    assert!(sql.contains("REVOKE USAGE ON SCHEMA ml FROM bob;"), "{sql}");
    assert!(
        !sql.contains("GRANT USAGE ON SCHEMA ml TO GROUP bi_grp"),
        "already held:\n{sql}"
    );
    let revokes: Vec<&str> = sql.lines().filter(|l| l.starts_with("REVOKE")).collect();
    assert_eq!(revokes.len(), 2, "{sql}");
    // carol's hand grant is left alone (a note says so), never revoked.
    assert!(!sql.contains("FROM carol"), "{sql}");
    assert!(sql.contains("as of "), "{sql}");

    // --as-of reproduces the plan of two days ago (nothing to do then) and today's.
    let then = c.run(&[
        "plan",
        "--config",
        &m,
        "--format",
        "sql",
        "--as-of",
        &two_days_ago,
    ]);
    assert!(!out(&then).contains("REVOKE"), "{}", out(&then));
    let today = c.run(&[
        "plan",
        "--config",
        &m,
        "--format",
        "json",
        "--as-of",
        &day(0),
    ]);
    let again = c.run(&[
        "plan",
        "--config",
        &m,
        "--format",
        "json",
        "--as-of",
        &day(0),
    ]);
    assert_eq!(out(&today), out(&again));
    let doc: serde_json::Value = serde_json::from_str(&out(&today)).unwrap();
    assert_eq!(doc["as_of"], format!("{}T00:00:00Z", day(0)));

    // A new grantee added meanwhile: --only-expired applies the expiry and not the grant.
    let more = c.model(
        "more.toml",
        &model(&yesterday, &tomorrow, "sync")
            .replace("[groups.bi_grp]", "[groups.bi_grp]\n[groups.new_grp]")
            .replace(
                "consumers = [\"bi_grp\",",
                "consumers = [\"bi_grp\", \"new_grp\",",
            ),
    );
    let only = c.run(&["apply", "--config", &more, "--yes", "--only-expired"]);
    assert_eq!(only.status.code(), Some(0), "{}", err(&only));
    let bob = c
        .rows("SELECT count(*) FROM svv_ml_model_privileges WHERE identity_name = 'bob'")
        .await;
    assert_eq!(bob[0][0], "0");
    let groups = c
        .rows("SELECT count(*) FROM pg_group WHERE groname = 'new_grp'")
        .await;
    assert_eq!(groups[0][0], "0", "--only-expired created a group");
    let outcome = c
        .rows("SELECT outcome, revokes, grants FROM mlgrant.apply_log ORDER BY applied_at DESC LIMIT 1")
        .await;
    assert_eq!(
        outcome[0],
        vec!["expired".to_owned(), "2".into(), "0".into()]
    );
    let carol = c
        .rows("SELECT count(*) FROM svv_schema_privileges WHERE identity_name = 'carol'")
        .await;
    assert_eq!(carol[0][0], "1");
    // Nothing expired is left: a second --only-expired has nothing to do.
    let twice = c.run(&["plan", "--config", &m, "--exit-code"]);
    assert_eq!(twice.status.code(), Some(0), "{}", out(&twice));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_only_takes_back_what_mlgrant_granted_for_an_ended_entry_and_nothing_else() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let (yesterday, tomorrow) = (day(-1), day(1));
    let m = c.model("g.toml", &model(&yesterday, &tomorrow, "grant-only"));
    let early = c.run(&["apply", "--config", &m, "--yes", "--as-of", &day(-3)]);
    assert_eq!(early.status.code(), Some(0), "{}", err(&early));
    // alice's EXECUTE comes from her schema entry (ending tomorrow); a hand grant of EXECUTE to
    // carol is not mlgrant's, and grant-only never touches it.
    c.admin
        .batch_execute("GRANT EXECUTE ON MODEL ml.churn TO carol")
        .await
        .unwrap();
    let plan = c.run(&["plan", "--config", &m, "--format", "sql"]);
    assert_eq!(plan.status.code(), Some(0), "{}", err(&plan));
    let sql = out(&plan);
    assert!(
        sql.contains("REVOKE EXECUTE ON MODEL ml.churn FROM bob;"),
        "{sql}"
    );
    assert!(sql.contains("expired on"), "{sql}");
    assert!(
        !sql.contains("FROM carol") && !sql.contains("FROM alice"),
        "{sql}"
    );
    // Without the ledger's word (a grant made by hand to bob), grant-only revokes nothing.
    let fresh = Cluster::start().await;
    fresh.admin.batch_execute(SETUP).await.unwrap();
    fresh
        .admin
        .batch_execute("GRANT USAGE ON SCHEMA ml TO bob; GRANT EXECUTE ON MODEL ml.churn TO bob")
        .await
        .unwrap();
    let m2 = fresh.model("g.toml", &model(&yesterday, &tomorrow, "grant-only"));
    let p2 = fresh.run(&["plan", "--config", &m2, "--format", "sql"]);
    assert_eq!(p2.status.code(), Some(0), "{}", err(&p2));
    assert!(!out(&p2).contains("REVOKE"), "{}", out(&p2));
}
