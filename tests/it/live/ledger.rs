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
    // Given again by hand, frank's EXECUTE is not mlgrant's: the plan reads the latest ledger row
    // of each privilege (the revoke), not the first (the grant), and leaves it alone.
    c.admin
        .batch_execute("GRANT EXECUTE ON MODEL demo_ml.churn TO frank")
        .await
        .unwrap();
    let p = c.run(&["plan", "--config", &without, "--format", "sql"]);
    assert_eq!(p.status.code(), Some(0), "{}", err(&p));
    assert!(!out(&p).contains("FROM frank"), "{}", out(&p));
}

const ARN: &str = "arn:aws:iam::123456789012:role/churn";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revert_restores_what_a_run_revoked_through_a_reviewed_audited_plan_and_refuses_when_stale()
{
    let c = Cluster::start().await;
    c.admin
        .batch_execute("CREATE SCHEMA churn_ml; CREATE USER alice PASSWORD 'Alice1pass';")
        .await
        .unwrap();
    let model = c.model(
        "lock.toml",
        &format!("version = 1\n[groups.churn_creators]\nmembers = [\"alice\"]\n[schemas.churn_ml]\ncreators = [\"churn_creators\"]\niam_roles = [\"{ARN}\"]\n[policy]\nrevoke_public_assumerole = true\n"),
    );
    let public_default =
        || c.rows("SELECT has_assumerole_privilege('alice', 'default', 'create model')");
    assert_eq!(public_default().await, [["t"]]);
    c.apply_and_converge(&model);
    assert_eq!(
        public_default().await,
        [["f"]],
        "PUBLIC's default is revoked"
    );
    let history: serde_json::Value =
        serde_json::from_str(&out(&c.run(&["history", "--format", "json"]))).unwrap();
    let first = history["runs"][0]["run_id"].as_str().unwrap().to_owned();

    // Reviewed: without --yes on a pipe it refuses to ask; rehearsed, it changes nothing.
    let r = c.run(&["revert", &first[..8], "--config", &model, "--rehearse"]);
    assert_eq!(r.status.code(), Some(0), "{}{}", out(&r), err(&r));
    assert!(
        out(&r).contains("GRANT ASSUMEROLE ON ALL TO PUBLIC FOR ALL;"),
        "{}",
        out(&r)
    );
    assert_eq!(public_default().await, [["f"]]);
    let o = c.run(&[
        "revert", &first, "--config", &model, "--yes", "--format", "sql",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(
        err(&o).contains("GRANT ASSUMEROLE ON ALL TO PUBLIC FOR ALL;")
            && err(&o).contains(&format!("reverts run {first}"))
            && err(&o).contains(&format!(
                "REVOKE ASSUMEROLE ON '{ARN}' FROM GROUP churn_creators FOR CREATE MODEL;"
            )),
        "{}",
        err(&o)
    );
    assert_eq!(public_default().await, [["t"]], "PUBLIC's default is back");
    // Verified against the revert's own plan, and said so: not "in sync" with the model file.
    assert!(
        out(&o).starts_with("reverted: applied ") && !out(&o).contains("in sync"),
        "{}",
        out(&o)
    );
    let outcomes = c
        .rows("SELECT outcome FROM mlgrant.apply_log ORDER BY applied_at")
        .await;
    assert_eq!(outcomes, [["applied"], ["reverted"]]);
    // The group mlgrant created stays, with its member.
    assert_eq!(
        c.rows("SELECT groname FROM pg_group WHERE groname = 'churn_creators'")
            .await,
        [["churn_creators"]]
    );

    // Applied again, the model revokes PUBLIC's default once more: reverting the first run now
    // would undo what a later run did, and is refused, naming it.
    c.apply_and_converge(&model);
    let stale = c.run(&["revert", &first, "--config", &model, "--yes"]);
    assert_eq!(
        stale.status.code(),
        Some(1),
        "{}{}",
        out(&stale),
        err(&stale)
    );
    assert!(
        err(&stale).contains("later runs changed some of its privileges again")
            && err(&stale).contains("was changed again by run "),
        "{}",
        err(&stale)
    );
    assert_eq!(public_default().await, [["f"]]);
    let unknown = c.run(&["revert", "ffffffff", "--config", &model, "--yes"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        err(&unknown).contains("no run `ffffffff` in mlgrant's ledger"),
        "{}",
        err(&unknown)
    );
}
