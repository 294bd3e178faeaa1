//! Roles and users of an identity provider (`aad:ml_team`, `AWSIDC:DataScience`) against the
//! simulator: before their first login their grants wait, with a note; after it they are granted
//! like any role; a `role:*` pattern never takes them in; a namespace no provider has is refused
//! with a "did you mean"; the providers' params (client secrets) are never read or printed.

use super::{Cluster, err, out};

const SETUP: &str = r#"
    CREATE IDENTITY PROVIDER aad_idp TYPE azure NAMESPACE 'aad'
        PARAMETERS '{"issuer":"https://sts.windows.net/x/","client_id":"c","client_secret":"SECRET-do-not-print","audience":["a"]}';
    CREATE IDENTITY PROVIDER idc TYPE awsidc NAMESPACE 'AWSIDC'
        APPLICATION_ARN 'arn:aws:sso::123456789012:application/ssoins-1/apl-1' IAM_ROLE 'arn:aws:iam::123456789012:role/idc';
    CREATE SCHEMA demo_ml;
    CREATE TABLE demo_ml.activity (state varchar(2), churn int);
    CREATE MODEL demo_ml.churn FROM (SELECT state, churn FROM demo_ml.activity)
      TARGET churn FUNCTION churn_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
    CREATE ROLE stray;
    GRANT EXECUTE ON MODEL demo_ml.churn TO ROLE stray;
"#;

const MODEL: &str = r#"version = 1
[schemas.demo_ml]
consumers = ["role:aad:ml_team", "role:AWSIDC:DataScience"]
[policy]
manage = ["role:*"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_roles_wait_for_their_first_login_then_are_granted_and_role_star_leaves_them_alone()
 {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    // Before any login: the roles do not exist; their grants wait, with a note each.
    let p = c.run(&[
        "plan",
        "--config",
        &model,
        "--exit-code",
        "--format",
        "text",
    ]);
    let text = format!("{}{}", out(&p), err(&p));
    assert_eq!(p.status.code(), Some(2), "{text}");
    assert!(
        text.contains("role \"aad:ml_team\" does not exist yet: Redshift creates it at the first login of a member of identity provider namespace aad")
            && text.contains("role \"AWSIDC:DataScience\" does not exist yet")
            && text.contains("REVOKE EXECUTE ON MODEL demo_ml.churn FROM ROLE stray"),
        "{text}"
    );
    assert!(!text.contains("SECRET-do-not-print"), "{text}");

    // Directory logins make the roles (and a third, aad:other, granted by hand).
    c.admin
        .batch_execute(
            "CALL mlsim.idp_login('aad', 'alice', ARRAY['ml_team', 'other']);
             CALL mlsim.idp_login('AWSIDC', 'bob', ARRAY['DataScience']);
             GRANT EXECUTE ON MODEL demo_ml.churn TO ROLE \"aad:other\";",
        )
        .await
        .unwrap();
    let a = c.run(&["apply", "--config", &model, "--yes", "--format", "sql"]);
    assert_eq!(a.status.code(), Some(0), "{}{}", out(&a), err(&a));
    assert!(
        err(&a).contains("GRANT EXECUTE ON MODEL demo_ml.churn TO ROLE \"aad:ml_team\", ROLE \"AWSIDC:DataScience\";")
            || err(&a).contains("GRANT EXECUTE ON MODEL demo_ml.churn TO ROLE \"AWSIDC:DataScience\", ROLE \"aad:ml_team\";"),
        "{}",
        err(&a)
    );
    let held = c
        .rows("SELECT identity_name FROM svv_ml_model_privileges ORDER BY 1")
        .await;
    // The directory's roles hold EXECUTE, the hand-granted aad:other keeps it (role:* does not
    // take in a directory's roles), and stray lost it.
    assert_eq!(
        held,
        [["AWSIDC:DataScience"], ["aad:ml_team"], ["aad:other"]],
        "{held:?}"
    );
    let again = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(again.status.code(), Some(0), "{}", out(&again));
    // A user of the directory runs the model through its session role.
    let alice_can = c
        .rows("SELECT has_function_privilege('aad:alice', 'demo_ml.churn_fn(varchar)', 'EXECUTE')")
        .await;
    assert_eq!(alice_can, [["t"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_no_provider_has_is_refused_with_a_suggestion() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model(
        "typo.toml",
        "version = 1\n[schemas.demo_ml]\nconsumers = [\"role:aab:ml_team\"]\n",
    );
    for args in [
        vec!["plan", "--config", &model],
        vec!["apply", "--config", &model, "--yes"],
    ] {
        let o = c.run(&args);
        assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
        assert!(
            err(&o).contains("names identity provider namespace aab, which no identity provider of the cluster has (did you mean aad?); svv_identity_providers lists AWSIDC, aad"),
            "{}",
            err(&o)
        );
        assert!(!err(&o).contains("SECRET"), "{}", err(&o));
    }
    // A login that may not read svv_identity_providers is told the namespace is unchecked.
    c.admin
        .batch_execute("CREATE USER dave PASSWORD 'Dave1pass'")
        .await
        .unwrap();
    let o = c.run_as("dave", "Dave1pass", &["plan", "--config", &model]);
    assert!(
        format!("{}{}", out(&o), err(&o))
            .contains("is in identity provider namespace aab, which is not checked"),
        "{}{}",
        out(&o),
        err(&o)
    );
}
