//! explain against a cluster that shows this login everything: a model or a grantee the
//! cluster does not have is an error (exit 1) that says so, with a did-you-mean or the right
//! spelling, never an empty answer that reads as "nobody can".

use super::{Cluster, err, out};

const SETUP: &str = r#"
    CREATE SCHEMA demo_ml;
    CREATE TABLE demo_ml.activity (state varchar(2), churn int);
    CREATE MODEL demo_ml.churn FROM (SELECT state, churn FROM demo_ml.activity)
      TARGET churn FUNCTION churn_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
    CREATE USER alice PASSWORD 'Alice1pass';
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_names_what_the_cluster_lacks() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let o = c.run(&["explain", "model", "demo_ml.chrun"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).is_empty());
    assert!(
        err(&o).contains("has no model demo_ml.chrun: did you mean `demo_ml.churn`?"),
        "{}",
        err(&o)
    );
    // A bare name is a group: alice is a user, and the message says how to write her.
    let o = c.run(&["explain", "grantee", "alice"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        err(&o).contains("has no group alice: a bare name is a group; a user is `user:alice`"),
        "{}",
        err(&o)
    );
    let o = c.run(&["explain", "grantee", "user:nobody"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(err(&o).contains("has no user nobody"), "{}", err(&o));
    // What exists is answered as before.
    let o = c.run(&["explain", "grantee", "user:alice"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // A new cluster lets PUBLIC assume every IAM role, and so alice.
    assert!(
        out(&o).contains("user:alice: ASSUMEROLE ON ALL FOR CREATE MODEL (granted to PUBLIC)"),
        "{}",
        out(&o)
    );
    let o = c.run(&["explain", "model", "demo_ml.churn"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("user:awsuser: EXECUTE ON MODEL demo_ml.churn (owns the model)"));
}
