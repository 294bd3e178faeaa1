//! Query history over the wire (DG SYS_QUERY_HISTORY, SYS_QUERY_TEXT): each statement a client
//! runs, by simple query (tokio-postgres, psql) or by Parse/Bind/Execute (tokio-postgres), is one
//! row with its own text, its user and its outcome; superusers see every row, a regular user only
//! their own.

use std::process::Command;

use super::{CREATE_CHURN_MODEL, GUIDE_SETUP, awsuser, connect_as, rows, start};

const PREDICT: &str = "SELECT demo_ml.ml_fn_customer_churn_auto('CA', 3)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_statement_a_client_runs_is_one_row_seen_by_superusers_and_its_own_user() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin.batch_execute(GUIDE_SETUP).await.expect("setup");
    let alice = connect_as(&sim, "alice", "Alice1pass").await.unwrap();
    alice.batch_execute(CREATE_CHURN_MODEL).await.unwrap();
    admin
        .batch_execute(
            "GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_analyst_grp",
        )
        .await
        .unwrap();

    let bob = connect_as(&sim, "bob", "Bob1pass").await.unwrap();
    // A simple query of two statements, one that fails, one over the extended protocol.
    bob.batch_execute(&format!("{PREDICT}; SELECT 41 + 1"))
        .await
        .unwrap();
    assert!(
        bob.batch_execute("SELECT 1/0; SELECT 'never'")
            .await
            .is_err()
    );
    let n: i32 = 3;
    bob.query(
        "SELECT demo_ml.ml_fn_customer_churn_auto($1, $2)",
        &[&"NY", &n],
    )
    .await
    .unwrap();
    // psql, as alice.
    let out = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=alice dbname=dev sslmode=require",
            sim.port()
        ))
        .args(["-X", "-q", "-A", "-t", "-c", "SELECT 'from psql'"])
        .env("PGPASSWORD", "Alice1pass")
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let history = "SELECT u.usename, trim(h.status), trim(h.query_text), trim(h.database_name)
                   FROM sys_query_history h JOIN pg_user u ON u.usesysid = h.user_id
                   WHERE u.usename IN ('alice', 'bob') ORDER BY h.query_id";
    let seen = rows(&admin, history).await;
    let row = |u: &str, s: &str, t: &str| {
        vec![u.to_owned(), s.to_owned(), t.to_owned(), "dev".to_owned()]
    };
    let create = CREATE_CHURN_MODEL
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>();
    let mut want = vec![
        row("alice", "success", create[0]),
        row("alice", "success", create[1]),
        row("bob", "success", PREDICT),
        row("bob", "success", "SELECT 41 + 1"),
        row("bob", "failed", "SELECT 1/0"),
        row(
            "bob",
            "success",
            "SELECT demo_ml.ml_fn_customer_churn_auto($1, $2)",
        ),
        row("alice", "success", "SELECT 'from psql'"),
    ];
    assert_eq!(seen, want, "the superuser sees every row, once, in order");
    // Asked again, nothing new but the superuser's own query (not in the filter).
    assert_eq!(rows(&admin, history).await, want);

    // bob sees his own rows only, and his read of the view is a row of his too.
    let own = rows(&bob, history).await;
    want.retain(|r| r[0] == "bob");
    assert_eq!(own, want);
    let own_again = rows(&bob, history).await;
    assert_eq!(own_again.len(), want.len() + 1, "{own_again:?}");
    assert_eq!(
        rows(
            &bob,
            "SELECT count(*) FROM sys_query_history h JOIN pg_user u ON u.usesysid = h.user_id
             WHERE u.usename <> 'bob'"
        )
        .await,
        [["0"]]
    );

    // The documented columns; times in order.
    let shape = rows(
        &admin,
        "SELECT query_id > 0, session_id > 0, trim(query_type), start_time <= end_time,
                elapsed_time >= 0, trim(redshift_version) <> ''
         FROM sys_query_history WHERE query_text LIKE 'SELECT 41%'",
    )
    .await;
    assert_eq!(shape, [["t", "t", "SELECT", "t", "t", "t"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_statement_is_cut_at_4000_in_the_history_and_whole_in_its_text_rows() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    let long = format!("SELECT '{}'", "x".repeat(9000));
    admin.batch_execute(&long).await.unwrap();
    let cut = rows(
        &admin,
        "SELECT length(rtrim(query_text)) FROM sys_query_history WHERE query_text LIKE 'SELECT ''xxx%'",
    )
    .await;
    assert_eq!(cut, [["4000"]]);
    let pieces = rows(
        &admin,
        "SELECT t.sequence, length(rtrim(t.text)) FROM sys_query_text t
         JOIN sys_query_history h USING (query_id)
         WHERE h.query_text LIKE 'SELECT ''xxx%' ORDER BY t.sequence",
    )
    .await;
    assert_eq!(pieces, [["0", "4000"], ["1", "4000"], ["2", "1009"]]);
    assert_eq!(long.len(), 9009);
}
