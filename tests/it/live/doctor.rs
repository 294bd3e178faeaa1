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
        "grant_in_transaction",
        "create_model_reads_back",
        "revoke_in_transaction",
        "revoke_not_held",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
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

    // CREATE MODEL no longer reads back: the language view hides groups.
    c.admin
        .batch_execute(
            "SET allow_system_table_mods = on;
             ALTER VIEW pg_catalog.svv_language_privileges RENAME TO svv_language_privileges_all;
             CREATE VIEW pg_catalog.svv_language_privileges AS
               SELECT * FROM pg_catalog.svv_language_privileges_all WHERE identity_type <> 'group';
             GRANT SELECT ON pg_catalog.svv_language_privileges TO PUBLIC;",
        )
        .await
        .unwrap();
    // A view named like the catalog's in public (reported, harmless to mlgrant), identifiers
    // that keep their case, and a stranger's mlgrant schema.
    c.admin
        .batch_execute(
            "CREATE VIEW public.svv_ml_model_privileges AS SELECT 1 AS x;
             ALTER DATABASE dev SET mlsim.enable_case_sensitive_identifier = 'on';
             CREATE USER mallory PASSWORD 'Mallory1pass';
             CREATE SCHEMA mlgrant AUTHORIZATION mallory;",
        )
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
            "create_model_reads_back"
        ],
        "{}",
        out(&broken)
    );
    let text = out(&c.run(&["doctor", "--format", "text"]));
    assert!(
        text.contains("FAIL  create_model_reads_back")
            && text.contains("would never see these grants")
            && text.contains("in the hands of mallory (its owner), who is not a superuser")
            && text.contains("public.svv_ml_model_privileges")
            && text.contains("feed it nothing")
            && text.contains("3 checks failed"),
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
    assert_eq!(
        failed(&doc),
        [
            "grant_in_transaction",
            "create_model_reads_back",
            "revoke_in_transaction",
            "revoke_not_held"
        ]
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
