//! The ledger against the simulator: what mlgrant granted it takes back when the model no longer
//! requires it, even from a grantee the model no longer names, with the run that granted it as
//! the reason; what someone granted by hand to a grantee the model does not name stays.

use super::{Cluster, err, out};

const SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE USER frank PASSWORD 'Frank1pass';
    CREATE USER grace PASSWORD 'Grace1pass';
    CREATE TABLE demo_ml.activity (state varchar(2), churn int);
    CREATE MODEL demo_ml.churn FROM (SELECT state, churn FROM demo_ml.activity)
      TARGET churn FUNCTION churn_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_mlgrant_granted_is_taken_back_when_no_longer_required_and_hand_grants_stay() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let with_frank = c.model(
        "with.toml",
        "version = 1\n[groups.bi]\n[models.\"demo_ml.churn\"]\nconsumers = [\"bi\", \"user:frank\"]\n",
    );
    c.apply_and_converge(&with_frank);
    let ledger = c
        .rows("SELECT action, privilege, object_kind, object_schema, object_name, grantee_kind, grantee_name FROM mlgrant.ledger ORDER BY grantee_name, privilege")
        .await;
    assert!(
        ledger.contains(&vec![
            "grant".into(),
            "EXECUTE".into(),
            "model".into(),
            "demo_ml".into(),
            "churn".into(),
            "user".into(),
            "frank".into()
        ]),
        "{ledger:?}"
    );
    // grace gets EXECUTE by hand; the model never names her.
    c.admin
        .batch_execute("GRANT EXECUTE ON MODEL demo_ml.churn TO grace")
        .await
        .unwrap();
    let without = c.model(
        "without.toml",
        "version = 1\n[groups.bi]\n[models.\"demo_ml.churn\"]\nconsumers = [\"bi\"]\n",
    );
    let p = c.run(&["plan", "--config", &without, "--format", "sql"]);
    assert_eq!(p.status.code(), Some(0), "{}", err(&p));
    let sql = out(&p);
    assert!(
        sql.contains("REVOKE EXECUTE ON MODEL demo_ml.churn FROM frank;")
            && sql.contains("REVOKE USAGE ON SCHEMA demo_ml FROM frank;")
            && sql.contains("no longer required")
            && sql.contains("granted by run "),
        "{sql}"
    );
    assert!(!sql.contains("FROM grace"), "{sql}");
    let json = c.run(&["plan", "--config", &without, "--format", "json"]);
    assert!(out(&json).contains("for "), "{}", out(&json));
    c.apply_and_converge(&without);
    let held = c
        .rows("SELECT identity_name FROM svv_ml_model_privileges ORDER BY 1")
        .await;
    assert_eq!(held, [["bi"], ["grace"]]);
    // The revoke is in the ledger too: frank's EXECUTE no longer stands as mlgrant's.
    let last = c
        .rows("SELECT action FROM mlgrant.ledger WHERE grantee_name = 'frank' AND privilege = 'EXECUTE' ORDER BY applied_at DESC, run_id DESC LIMIT 1")
        .await;
    assert_eq!(last, [["revoke"]]);
}
