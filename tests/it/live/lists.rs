//! Merged statements on the simulator: every list form of GRANT, REVOKE and ALTER GROUP that
//! Redshift documents (DG r_GRANT, r_REVOKE, r_ALTER_GROUP) runs, and means what mlgrant meant:
//! the catalog reads back exactly the grants of the parts, and a plan afterwards is empty.

use super::{Cluster, err, out};

const SETUP: &str = "
    CREATE SCHEMA s1; CREATE SCHEMA s2;
    CREATE USER alice PASSWORD 'Alice1pass'; CREATE USER bob PASSWORD 'Bob1pass';
    CREATE USER carol PASSWORD 'Carol1pass'; CREATE USER dave PASSWORD 'Dave1pass';
    CREATE ROLE ml_role;
    CREATE TABLE s1.t (a int, b int); CREATE TABLE s2.t (a int, b int);
    CREATE MODEL s1.m1 FROM s1.t TARGET b FUNCTION f11(int) IAM_ROLE default SETTINGS (S3_BUCKET 'b');
    CREATE MODEL s1.m2 FROM s1.t TARGET b FUNCTION f12(int) IAM_ROLE default SETTINGS (S3_BUCKET 'b');
    CREATE MODEL s2.m1 FROM s2.t TARGET b FUNCTION f21(int) IAM_ROLE default SETTINGS (S3_BUCKET 'b');
";

const R1: &str = "arn:aws:iam::123456789012:role/r1";
const R2: &str = "arn:aws:iam::123456789012:role/r2";

fn model(members: &str, with_grants: bool) -> String {
    let mut m = format!(
        "version = 1\n[groups.ml_a]\nmembers = [{members}]\n[groups.ml_b]\nmembers = [{members}]\n"
    );
    for s in ["s1", "s2"] {
        m.push_str(&format!("[schemas.{s}]\n"));
        // The roles stay named (so their grants stay managed) when the grants go.
        m.push_str(&format!("iam_roles = [\"{R1}\", \"{R2}\"]\n"));
        if with_grants {
            m.push_str(
                "creators = [\"ml_a\", \"user:carol\", \"role:ml_role\"]\nconsumers = [\"ml_b\", \"user:dave\"]\n",
            );
        }
    }
    m.push_str(
        "[policy]\nmanage = [\"group:ml_*\", \"user:carol\", \"user:dave\", \"role:ml_role\"]\n",
    );
    m
}

fn statements(sql: &str) -> Vec<String> {
    sql.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("--"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_list_form_runs_and_means_its_parts() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let with = c.model("with.toml", &model("\"alice\", \"bob\"", true));
    let plan = c.run(&["plan", "--config", &with]);
    assert_eq!(plan.status.code(), Some(0), "{}", err(&plan));
    let sql = statements(&out(&plan));
    for expected in [
        "ALTER GROUP ml_a ADD USER alice, bob;".to_owned(),
        "GRANT CREATE MODEL TO GROUP ml_a, ROLE ml_role, carol;".to_owned(),
        format!(
            "GRANT ASSUMEROLE ON '{R1}', '{R2}' TO GROUP ml_a, ROLE ml_role, carol FOR CREATE MODEL;"
        ),
        "GRANT CREATE, USAGE ON SCHEMA s1, s2 TO GROUP ml_a, ROLE ml_role, carol;".to_owned(),
        "GRANT USAGE ON SCHEMA s1, s2 TO GROUP ml_b, dave;".to_owned(),
        "GRANT EXECUTE ON MODEL s1.m1, s1.m2, s2.m1 TO GROUP ml_b, dave;".to_owned(),
    ] {
        assert!(sql.contains(&expected), "missing {expected}\nin {sql:#?}");
    }
    // The saved plan holds the merged statements, and applying it runs exactly them.
    let saved = c.dir.join("with.plan.json").display().to_string();
    let o = c.run(&["plan", "--config", &with, "--out", &saved]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert!(
        doc["statements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "GRANT EXECUTE ON MODEL s1.m1, s1.m2, s2.m1 TO GROUP ml_b, dave;"),
        "{doc}"
    );
    let o = c.run(&["apply", "--config", &with, "--plan", &saved]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    c.apply_and_converge(&with);
    // The catalog holds exactly the products.
    let execute = c
        .rows(
            "SELECT namespace_name || '.' || model_name, identity_type, identity_name
             FROM svv_ml_model_privileges ORDER BY 1, 2, 3",
        )
        .await;
    let mut want = Vec::new();
    for m in ["s1.m1", "s1.m2", "s2.m1"] {
        want.push([m, "group", "ml_b"]);
        want.push([m, "user", "dave"]);
    }
    assert_eq!(execute, want);
    assert_eq!(
        c.rows(
            "SELECT iam_arn, identity_type, identity_name FROM svv_iam_privileges
             WHERE command_type = 'CREATE MODEL' AND identity_type <> 'public' ORDER BY 1, 2, 3"
        )
        .await,
        [
            [R1, "group", "ml_a"],
            [R1, "role", "ml_role"],
            [R1, "user", "carol"],
            [R2, "group", "ml_a"],
            [R2, "role", "ml_role"],
            [R2, "user", "carol"],
        ]
    );

    // Every list form of REVOKE, and ALTER GROUP ... DROP USER with a list.
    let without = c.model("without.toml", &model("", false));
    let plan = c.run(&["plan", "--config", &without]);
    let sql = statements(&out(&plan));
    for expected in [
        "ALTER GROUP ml_a DROP USER alice, bob;".to_owned(),
        "REVOKE CREATE MODEL FROM GROUP ml_a, ROLE ml_role, carol;".to_owned(),
        format!(
            "REVOKE ASSUMEROLE ON '{R1}', '{R2}' FROM GROUP ml_a, ROLE ml_role, carol FOR CREATE MODEL;"
        ),
        "REVOKE EXECUTE ON MODEL s1.m1, s1.m2, s2.m1 FROM GROUP ml_b, dave;".to_owned(),
    ] {
        assert!(sql.contains(&expected), "missing {expected}\nin {sql:#?}");
    }
    assert!(
        sql.iter()
            .any(|s| s.starts_with("REVOKE") && s.contains("ON SCHEMA s1, s2 FROM")),
        "{sql:#?}"
    );
    c.apply_and_converge(&without);
    assert!(
        c.rows("SELECT 1 FROM svv_ml_model_privileges").await.is_empty()
            && c.rows("SELECT 1 FROM svv_iam_privileges WHERE command_type = 'CREATE MODEL' AND identity_type <> 'public'")
                .await
                .is_empty()
    );
}
