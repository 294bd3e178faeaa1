//! `mlgrant doctor` against the simulator: every check passes on a cluster that behaves as
//! Redshift documents, and each broken assumption fails the check that names it (exit 1).

use serde_json::Value;

use super::{Cluster, err, out};

fn checks(o: &std::process::Output) -> Value {
    serde_json::from_str(&out(o)).unwrap_or_else(|e| panic!("{e}: {}{}", out(o), err(o)))
}

fn failed(doc: &Value) -> Vec<String> {
    doc["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_on_the_simulator_and_names_each_broken_assumption() {
    let c = Cluster::start().await;
    let ok = c.run(&["doctor", "--format", "json"]);
    assert_eq!(ok.status.code(), Some(0), "{}{}", out(&ok), err(&ok));
    let doc = checks(&ok);
    assert_eq!(doc["format"], "mlgrant.doctor");
    assert_eq!(doc["ok"], true);
    let names: Vec<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for expected in [
        "redshift",
        "catalog",
        "visibility",
        "assumerole_rows",
        "catalog_schema",
        "case_sensitivity",
        "audit_schema_owner",
        "query_history",
    ]
    .into_iter()
    .chain(mlgrant::doctor::TRIALS.iter().map(|(name, _)| *name))
    {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    // The history shows doctor's own two statements in order.
    let history = &doc["checks"].as_array().unwrap()
        [names.iter().position(|n| *n == "query_history").unwrap()];
    assert_eq!(history["passed"], true, "{history}");
    assert!(
        history["detail"].as_str().unwrap().contains(" then "),
        "{history}"
    );
    // No model on a new cluster: the EXECUTE trial says it had nothing to run on, and passes.
    let execute = &doc["checks"].as_array().unwrap()
        [names.iter().position(|n| *n == "execute_on_model").unwrap()];
    assert_eq!(
        (execute["passed"].as_bool(), execute["skipped"].as_bool()),
        (Some(true), Some(true))
    );
    let two = &doc["checks"].as_array().unwrap()[names
        .iter()
        .position(|n| *n == "assumerole_two_arns")
        .unwrap()];
    assert!(
        two["detail"]
            .as_str()
            .unwrap()
            .contains("two grants, one per role"),
        "{two}"
    );
    let public = &doc["checks"].as_array().unwrap()[names
        .iter()
        .position(|n| *n == "public_assumerole")
        .unwrap()];
    assert!(
        public["detail"]
            .as_str()
            .unwrap()
            .contains("PUBLIC still holds the new-cluster default"),
        "{public}"
    );
    // The trials ran with the renderer's statements, and rolled back their migrations too.
    assert!(
        c.rows("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mlgrant%'")
            .await
            .is_empty()
    );
    // The trials left nothing behind.
    let groups = c
        .rows("SELECT groname FROM pg_group WHERE groname LIKE 'mlgrant_doctor%'")
        .await;
    assert!(groups.is_empty(), "{groups:?}");
    let text = c.run(&["doctor", "--format", "text"]);
    assert!(
        out(&text).contains("every assumption sync relies on holds"),
        "{}",
        out(&text)
    );

    // With a model, EXECUTE ON MODEL is tried too.
    c.admin
        .batch_execute(
            "CREATE SCHEMA demo_ml;
             CREATE TABLE demo_ml.activity (state varchar(2), churn int);
             CREATE MODEL demo_ml.churn FROM (SELECT state, churn FROM demo_ml.activity)
               TARGET churn FUNCTION churn_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');",
        )
        .await
        .unwrap();
    let with_model = checks(&c.run(&["doctor", "--format", "json"]));
    // Both trials that need a model ran, passed, and say what they did.
    for (trial, says) in [
        ("show_model", "found none, as it must"),
        (
            "execute_on_model",
            "GRANT EXECUTE ON MODEL demo_ml.churn TO GROUP",
        ),
    ] {
        let check = with_model["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == trial)
            .unwrap();
        assert_eq!(
            (check["passed"].as_bool(), check["skipped"].as_bool()),
            (Some(true), Some(false)),
            "{check}"
        );
        assert!(check["detail"].as_str().unwrap().contains(says), "{check}");
    }

    // CREATE MODEL no longer reads back for groups: through the admin door (Redshift could not
    // do it), the language view hides them.
    let door = c.sim.backend_admin().await.unwrap();
    door.batch_execute(
        "SET allow_system_table_mods = on;
             ALTER VIEW pg_catalog.svv_language_privileges RENAME TO svv_language_privileges_all;
             CREATE VIEW pg_catalog.svv_language_privileges AS
               SELECT * FROM pg_catalog.svv_language_privileges_all WHERE identity_type <> 'group';
             GRANT SELECT ON pg_catalog.svv_language_privileges TO PUBLIC;",
    )
    .await
    .unwrap();
    // A view named like the catalog's in public (reported, harmless to mlgrant), identifiers
    // that keep their case (the setting through the admin door), and a stranger's mlgrant schema.
    c.admin
        .batch_execute(
            "CREATE VIEW public.svv_ml_model_privileges AS SELECT 1 AS x;
             CREATE USER mallory PASSWORD 'Mallory1pass';
             CREATE SCHEMA mlgrant AUTHORIZATION mallory;",
        )
        .await
        .unwrap();
    door.batch_execute("ALTER DATABASE dev SET mlsim.enable_case_sensitive_identifier = 'on'")
        .await
        .unwrap();
    let broken = c.run(&["doctor", "--format", "json"]);
    assert_eq!(broken.status.code(), Some(1), "{}", out(&broken));
    let doc = checks(&broken);
    assert_eq!(doc["ok"], false);
    assert_eq!(
        failed(&doc),
        [
            "case_sensitivity",
            "audit_schema_owner",
            "apply_preamble",
            "create_model_group"
        ],
        "{}",
        out(&broken)
    );
    let text = out(&c.run(&["doctor", "--format", "text"]));
    assert!(
        text.contains("FAIL    create_model_group")
            && text.contains("would grant it again forever")
            && text.contains("NOT RUN apply_preamble")
            && text.contains("in the hands of mallory (its owner), who is not a superuser")
            && text.contains("public.svv_ml_model_privileges")
            && text.contains("feed it nothing")
            && text.contains("3 checks failed and 1 trial not run, so unproven"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_as_an_ordinary_login_says_what_it_cannot_prove() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute("CREATE USER dave PASSWORD 'Dave1pass';")
        .await
        .unwrap();
    let o = c.run_as("dave", "Dave1pass", &["doctor", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    let doc = checks(&o);
    let trials: Vec<&str> = mlgrant::doctor::TRIALS.iter().map(|(n, _)| *n).collect();
    assert_eq!(failed(&doc), trials);
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["skipped"] == true)
            .all(|c| c["detail"]
                .as_str()
                .unwrap()
                .contains("not run: only a superuser may create the scratch group")),
        "{doc}"
    );
    let visibility = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "visibility")
        .unwrap();
    assert!(
        visibility["detail"]
            .as_str()
            .unwrap()
            .contains("dave sees only its own grants"),
        "{visibility}"
    );
}
