//! Catalog shapes of real clusters, reproduced on the simulator: a least-privilege login, names
//! with leading blanks, a forged view in public. Each planned a wrong revoke or misread the cluster
//! before the catalog was read exactly.

use super::{Cluster, connect_as, err, out};

const SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE SCHEMA \" sp\";
    CREATE USER alice PASSWORD 'Alice1pass';
    GRANT CREATE MODEL TO alice;
    GRANT CREATE, USAGE ON SCHEMA demo_ml TO alice;
    GRANT CREATE, USAGE ON SCHEMA \" sp\" TO alice;
    CREATE TABLE demo_ml.activity (state varchar(2), churn varchar(6));
    GRANT SELECT ON demo_ml.activity TO alice;
    CREATE USER auditor PASSWORD 'Auditor1pass';
    CREATE ROLE catalog_reader;
    GRANT ACCESS SYSTEM TABLE TO ROLE catalog_reader;
    GRANT ROLE catalog_reader TO auditor;
";

const MODEL: &str = r#"version = 1

[groups.consumers]
[groups.spc]

[schemas.demo_ml]
consumers = ["consumers"]

[schemas." sp"]
consumers = ["spc"]
"#;

fn model_sql(schema: &str, name: &str) -> String {
    format!(
        "CREATE MODEL {schema}.{name} FROM (SELECT state, churn FROM demo_ml.activity)
         TARGET churn FUNCTION fn_{name}(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn least_privilege_logins_leading_blanks_and_forged_views_never_cause_a_wrong_revoke() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let alice = connect_as(&c.sim, "alice", "Alice1pass").await;
    alice
        .batch_execute(&format!(
            "{} {}",
            model_sql("demo_ml", "m_alice"),
            model_sql("\" sp\"", "m1")
        ))
        .await
        .unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let apply = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(apply.status.code(), Some(0), "{}", err(&apply));
    let granted = c
        .rows("SELECT namespace_name, model_name, identity_name FROM svv_ml_model_privileges ORDER BY 1, 2, 3")
        .await;
    assert_eq!(
        granted,
        [[" sp", "m1", "spc"], ["demo_ml", "m_alice", "consumers"]],
        "the leading blank is kept"
    );

    // The superuser's plan is in sync: " sp" is not " sp" trimmed.
    let plan = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(0), "{}{}", out(&plan), err(&plan));

    // ACCESS SYSTEM TABLE, not superuser: sees every grant but only its own models in
    // svv_ml_model_info. It must not revoke EXECUTE on alice's models.
    let audit = c.run_as(
        "auditor",
        "Auditor1pass",
        &["plan", "--config", &model, "--exit-code"],
    );
    let text = out(&audit);
    assert_eq!(audit.status.code(), Some(0), "{text}{}", err(&audit));
    assert!(!text.contains("REVOKE"), "{text}");

    // A view in public named like the catalog's, made by a user, feeds nothing to the plan.
    c.admin
        .batch_execute("GRANT CREATE ON SCHEMA public TO alice")
        .await
        .unwrap();
    alice
        .batch_execute(
            "CREATE VIEW public.svv_ml_model_privileges AS
               SELECT namespace_name, model_name, model_version, privilege_type, identity_id,
                      identity_name, identity_type, admin_option
               FROM pg_catalog.svv_ml_model_privileges WHERE false",
        )
        .await
        .unwrap();
    let plan = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(0), "{}{}", out(&plan), err(&plan));
}
