//! The simulator over the wire, as a client sees it: tokio-postgres with verified TLS, and psql.

use std::process::Command;

use redshift_sim::{Options, Simulator};
use tokio_postgres::{Client, SimpleQueryMessage};

async fn start() -> Simulator {
    Simulator::start(Options::default())
        .await
        .expect("simulator starts")
}

fn tls(ca: Option<&std::path::Path>) -> postgres_native_tls::MakeTlsConnector {
    let mut builder = native_tls::TlsConnector::builder();
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).expect("CA file");
        builder.add_root_certificate(native_tls::Certificate::from_pem(&pem).expect("CA PEM"));
    }
    postgres_native_tls::MakeTlsConnector::new(builder.build().expect("TLS connector"))
}

async fn connect_as(
    sim: &Simulator,
    user: &str,
    password: &str,
) -> Result<Client, tokio_postgres::Error> {
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(sim.port())
        .user(user)
        .password(password)
        .dbname("dev")
        .ssl_mode(tokio_postgres::config::SslMode::Require);
    let (client, conn) = config.connect(tls(Some(sim.ca_path()))).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

async fn awsuser(sim: &Simulator) -> Client {
    connect_as(sim, "awsuser", sim.password())
        .await
        .expect("awsuser connects")
}

/// The rows of a query, as text, padding kept.
async fn rows(client: &Client, sql: &str) -> Vec<Vec<String>> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| r.get(i).unwrap_or("NULL").to_owned())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

fn sqlstate(e: &tokio_postgres::Error) -> String {
    e.code().map(|c| c.code().to_owned()).unwrap_or_default()
}

fn message(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.message().to_owned())
        .unwrap_or_else(|| e.to_string())
}

const GUIDE_SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE GROUP retention_analyst_grp;
    CREATE GROUP marketing_analyst_grp;
    CREATE USER alice PASSWORD 'Alice1pass';
    CREATE USER bob PASSWORD 'Bob1pass';
    ALTER GROUP retention_analyst_grp ADD USER alice;
    ALTER GROUP marketing_analyst_grp ADD USER bob;
    GRANT CREATE MODEL TO GROUP retention_analyst_grp;
    GRANT CREATE, USAGE ON SCHEMA demo_ml TO GROUP retention_analyst_grp;
    GRANT USAGE ON SCHEMA demo_ml TO GROUP marketing_analyst_grp;
";

const CREATE_CHURN_MODEL: &str = "
    CREATE TABLE demo_ml.customer_activity (state varchar(2), account_length int, churn varchar(6));
    CREATE MODEL demo_ml.customer_churn_auto_model
    FROM (SELECT state, account_length, churn FROM demo_ml.customer_activity)
    TARGET churn
    FUNCTION ml_fn_customer_churn_auto(varchar, int)
    IAM_ROLE default
    SETTINGS (S3_BUCKET 'your-bucket');
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guide_scenario_runs_as_the_guide_runs_it_and_every_view_reports_it() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin.batch_execute(GUIDE_SETUP).await.expect("setup");
    let alice = connect_as(&sim, "alice", "Alice1pass")
        .await
        .expect("alice connects");
    alice
        .batch_execute(CREATE_CHURN_MODEL)
        .await
        .expect("alice creates the model");
    admin
        .batch_execute(
            "GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_analyst_grp",
        )
        .await
        .expect("grant execute");

    let bob = connect_as(&sim, "bob", "Bob1pass")
        .await
        .expect("bob connects");
    let predicted = rows(&bob, "SELECT demo_ml.ml_fn_customer_churn_auto('CA', 3)").await;
    assert_eq!(predicted.len(), 1, "bob runs the prediction function");

    let info = rows(
        &admin,
        "SELECT schema_name, user_name, model_name, model_state FROM svv_ml_model_info",
    )
    .await;
    assert_eq!(info.len(), 1);
    assert_eq!(info[0][0].len(), 128, "char(128), blank padded");
    let trimmed: Vec<&str> = info[0].iter().map(|s| s.trim_end()).collect();
    assert_eq!(
        trimmed,
        [
            "demo_ml",
            "alice",
            "customer_churn_auto_model",
            "Model is Ready"
        ]
    );

    let model_privs = rows(
        &admin,
        "SELECT namespace_name, model_name, privilege_type, identity_name, identity_type
         FROM svv_ml_model_privileges WHERE identity_type = 'group'",
    )
    .await;
    assert_eq!(
        model_privs,
        [[
            "demo_ml",
            "customer_churn_auto_model",
            "EXECUTE",
            "marketing_analyst_grp",
            "group"
        ]]
    );

    let schema_privs = rows(
        &admin,
        "SELECT privilege_type, identity_name, identity_type FROM svv_schema_privileges
         WHERE namespace_name = 'demo_ml' AND identity_name <> 'awsuser'
         ORDER BY identity_name, privilege_type",
    )
    .await;
    assert_eq!(
        schema_privs,
        [
            ["USAGE", "marketing_analyst_grp", "group"],
            ["CREATE", "retention_analyst_grp", "group"],
            ["USAGE", "retention_analyst_grp", "group"],
        ]
    );

    let create_model = rows(
        &admin,
        "SELECT privilege_type, identity_name, identity_type FROM svv_language_privileges
         WHERE language_name = 'mlfunc' AND identity_type <> 'user'",
    )
    .await;
    assert_eq!(create_model, [["USAGE", "retention_analyst_grp", "group"]]);

    let groups = rows(
        &admin,
        "SELECT g.groname, u.usename FROM pg_group g, pg_user u
         WHERE u.usesysid = ANY (g.grolist) ORDER BY 1, 2",
    )
    .await;
    assert_eq!(
        groups,
        [
            ["marketing_analyst_grp", "bob"],
            ["retention_analyst_grp", "alice"]
        ]
    );

    let version = rows(&admin, "SELECT version()").await;
    assert!(version[0][0].starts_with("PostgreSQL 8.0.2"), "{version:?}");
    assert!(version[0][0].contains("Redshift 1.0."), "{version:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_create_model_cannot_create_a_model() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute(
            "CREATE SCHEMA demo_ml; CREATE USER carol PASSWORD 'Carol1pass';
             GRANT CREATE, USAGE ON SCHEMA demo_ml TO carol;",
        )
        .await
        .expect("setup");
    let carol = connect_as(&sim, "carol", "Carol1pass")
        .await
        .expect("carol connects");
    let err = carol
        .batch_execute(CREATE_CHURN_MODEL)
        .await
        .expect_err("no CREATE MODEL");
    assert_eq!(sqlstate(&err), "42501");
    assert!(message(&err).contains("mlfunc"), "{}", message(&err));
    assert!(
        rows(&admin, "SELECT * FROM svv_ml_model_info")
            .await
            .is_empty()
    );

    admin
        .batch_execute("GRANT CREATE MODEL TO carol")
        .await
        .expect("grant");
    carol
        .batch_execute(CREATE_CHURN_MODEL)
        .await
        .expect("now carol can");
    let err = carol
        .batch_execute(
            "CREATE MODEL demo_ml.customer_churn_auto_model FROM demo_ml.customer_activity
             TARGET churn FUNCTION f2 IAM_ROLE default SETTINGS (S3_BUCKET 'b')",
        )
        .await
        .expect_err("same name twice");
    assert_eq!(sqlstate(&err), "42710");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_on_missing_models_and_to_missing_groups_fail_and_name_them() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute("CREATE SCHEMA demo_ml; CREATE GROUP real_grp;")
        .await
        .expect("setup");
    let err = admin
        .batch_execute("GRANT EXECUTE ON MODEL demo_ml.no_such_model TO GROUP real_grp")
        .await
        .expect_err("missing model");
    assert_eq!(sqlstate(&err), "42704");
    assert!(
        message(&err).contains("demo_ml.no_such_model"),
        "{}",
        message(&err)
    );

    let err = admin
        .batch_execute("GRANT CREATE MODEL TO GROUP no_such_grp")
        .await
        .expect_err("missing group");
    assert_eq!(sqlstate(&err), "42704");
    assert!(message(&err).contains("no_such_grp"), "{}", message(&err));

    let err = admin
        .batch_execute("GRANT USAGE ON SCHEMA demo_ml TO GROUP no_such_grp")
        .await
        .expect_err("missing group on a schema grant");
    assert_eq!(sqlstate(&err), "42704");
    assert!(message(&err).contains("no_such_grp"), "{}", message(&err));

    let err = admin
        .batch_execute("ALTER GROUP real_grp ADD USER no_such_user")
        .await
        .expect_err("missing user");
    assert_eq!(sqlstate(&err), "42704");
    assert!(message(&err).contains("no_such_user"), "{}", message(&err));

    let err = admin
        .batch_execute("GRANT CREATE MODEL TO ROLE real_grp")
        .await
        .expect_err("a group is not a role");
    assert_eq!(sqlstate(&err), "42704");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn begin_rollback_and_a_failing_message_leave_nothing_behind() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin.batch_execute(GUIDE_SETUP).await.expect("setup");
    let before = rows(
        &admin,
        "SELECT identity_name FROM svv_language_privileges ORDER BY 1",
    )
    .await;
    admin
        .batch_execute(
            "BEGIN; CREATE GROUP tmp_grp; GRANT CREATE MODEL TO GROUP tmp_grp;
             GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/r' TO GROUP tmp_grp FOR CREATE MODEL;
             ROLLBACK;",
        )
        .await
        .expect("rolled back");
    // One simple-query message is one implicit transaction: a failure undoes the statements before it.
    let err = admin
        .batch_execute("CREATE GROUP other_grp; GRANT CREATE MODEL TO GROUP missing_grp;")
        .await
        .expect_err("second statement fails");
    assert_eq!(sqlstate(&err), "42704");
    assert_eq!(
        rows(
            &admin,
            "SELECT identity_name FROM svv_language_privileges ORDER BY 1"
        )
        .await,
        before
    );
    assert!(
        rows(
            &admin,
            "SELECT groname FROM pg_group WHERE groname IN ('tmp_grp', 'other_grp')"
        )
        .await
        .is_empty()
    );
    assert!(
        rows(
            &admin,
            "SELECT * FROM svv_iam_privileges WHERE identity_type = 'group'"
        )
        .await
        .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_verification_succeeds_with_the_printed_ca_and_fails_without_it() {
    let sim = start().await;
    assert!(sim.url().contains("sslmode=verify-full"));
    assert!(sim.url().contains(&sim.ca_path().display().to_string()));
    awsuser(&sim).await;

    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(sim.port())
        .user("awsuser")
        .password(sim.password())
        .dbname("dev")
        .ssl_mode(tokio_postgres::config::SslMode::Require);
    let Err(err) = config.connect(tls(None)).await else {
        panic!("an unknown CA must be refused");
    };
    assert!(
        format!("{err:?}").to_lowercase().contains("certificate"),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_by_postgresql() {
    let sim = start().await;
    let err = connect_as(&sim, "awsuser", "not-the-password")
        .await
        .expect_err("refused");
    assert_eq!(sqlstate(&err), "28P01");
    let err = connect_as(&sim, "postgres", "")
        .await
        .expect_err("internal user refused");
    assert_eq!(sqlstate(&err), "28000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_redshift_refuses_is_refused() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    // PREPARE takes only SELECT, INSERT, UPDATE, DELETE.
    let err = admin
        .execute("CREATE SCHEMA s", &[])
        .await
        .expect_err("DDL is not preparable");
    assert_eq!(sqlstate(&err), "0A000");
    let one: i32 = admin
        .query_one("SELECT 1", &[])
        .await
        .expect("SELECT is")
        .get(0);
    assert_eq!(one, 1);
    for sql in [
        "SAVEPOINT a",
        "SELECT pg_advisory_lock(1)",
        "SELECT pg_try_advisory_xact_lock(7)",
    ] {
        let err = admin.batch_execute(sql).await.expect_err(sql);
        assert_eq!(sqlstate(&err), "0A000", "{sql}");
    }
    // The connection is still usable after each refusal.
    assert_eq!(rows(&admin, "SELECT 2").await, [["2"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_assumerole_and_visibility_behave_as_in_redshift() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute(
            "CREATE ROLE ml_viewer; CREATE USER dave PASSWORD 'Dave1pass';
             GRANT ROLE ml_viewer TO dave; GRANT CREATE MODEL TO ROLE ml_viewer;
             CREATE GROUP creators_grp;
             GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/ml' TO GROUP creators_grp FOR CREATE MODEL;",
        )
        .await
        .expect("setup");
    assert_eq!(
        rows(&admin, "SELECT role_name FROM svv_roles").await,
        [["ml_viewer"]]
    );
    assert_eq!(
        rows(&admin, "SELECT user_name, role_name FROM svv_user_grants").await,
        [["dave", "ml_viewer"]]
    );
    assert_eq!(
        rows(
            &admin,
            // postgres is the cluster's internal superuser, owner of mlfunc (rdsdb on Redshift).
            "SELECT system_privilege, identity_name, identity_type FROM svv_system_privileges
             WHERE identity_name <> 'postgres'"
        )
        .await,
        [["CREATE MODEL", "ml_viewer", "role"]]
    );
    assert_eq!(
        rows(&admin, "SELECT iam_arn, command_type, identity_name, identity_type FROM svv_iam_privileges ORDER BY 1").await,
        [
            ["ALL", "ALL", "public", "public"],
            ["arn:aws:iam::123456789012:role/ml", "CREATE MODEL", "creators_grp", "group"],
        ]
    );
    // A plain user sees only its own identities; ACCESS SYSTEM TABLE shows everything.
    let dave = connect_as(&sim, "dave", "Dave1pass").await.expect("dave");
    let seen = rows(
        &dave,
        "SELECT identity_name FROM svv_iam_privileges ORDER BY 1",
    )
    .await;
    assert_eq!(seen, [["public"]]);
    let err = dave
        .batch_execute("GRANT ASSUMEROLE ON 'arn:aws:iam::1:role/x' TO dave FOR ALL")
        .await
        .expect_err("only superusers grant ASSUMEROLE");
    assert_eq!(sqlstate(&err), "42501");
    admin
        .batch_execute("GRANT ACCESS SYSTEM TABLE TO ROLE ml_viewer")
        .await
        .expect("grant");
    assert_eq!(
        rows(
            &dave,
            "SELECT identity_name FROM svv_iam_privileges ORDER BY 1"
        )
        .await
        .len(),
        2
    );
    admin
        .batch_execute("REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL")
        .await
        .expect("revoke the default");
    assert_eq!(
        rows(&admin, "SELECT count(*) FROM svv_iam_privileges").await,
        [["1"]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_count_round_trips_and_statements_and_drop_after_cuts() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute("CREATE GROUP a_grp; CREATE GROUP b_grp; GRANT CREATE MODEL TO GROUP a_grp;")
        .await
        .expect("three statements, one message");
    let stats = sim.stats();
    assert_eq!(stats.len(), 1);
    assert_eq!((stats[0].round_trips, stats[0].statements), (1, 3));

    sim.set_drop_after(2);
    let second = awsuser(&sim).await;
    let err = second
        .batch_execute("BEGIN; CREATE GROUP c_grp; CREATE GROUP d_grp; COMMIT;")
        .await
        .expect_err("the connection is cut");
    assert!(err.is_closed() || err.code().is_none(), "{err:?}");
    sim.set_drop_after(0);
    let stats = sim.stats();
    assert!(stats[1].dropped);
    // BEGIN and CREATE GROUP c_grp ran, then the cut: nothing was committed.
    assert!(
        rows(
            &admin,
            "SELECT groname FROM pg_group WHERE groname IN ('c_grp', 'd_grp')"
        )
        .await
        .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_runs_the_guide_scenario() {
    let sim = start().await;
    let dir = std::env::temp_dir().join(format!("redshift-sim-psql-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("guide.sql");
    std::fs::write(
        &script,
        format!("{GUIDE_SETUP}\nSELECT groname FROM pg_group ORDER BY 1;\nGRANT EXECUTE ON MODEL demo_ml.nope TO GROUP marketing_analyst_grp;\n"),
    )
    .unwrap();
    let out = Command::new("psql")
        .arg(sim.url())
        .args(["-X", "-q", "-A", "-t", "-f"])
        .arg(&script)
        .env("PGPASSWORD", sim.password())
        .output()
        .expect("psql runs");
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stdout, "marketing_analyst_grp\nretention_analyst_grp\n",
        "{stderr}"
    );
    assert!(
        stderr.contains("model \"demo_ml.nope\" does not exist"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_given_postgresql_gets_redshifts_shape_with_pg() {
    // The first simulator's own server stands in for a PostgreSQL someone already runs.
    let first = start().await;
    let backend = first.backend_admin().await.expect("backend");
    let socket_dir: String = backend
        .query_one("SELECT current_setting('unix_socket_directories')", &[])
        .await
        .expect("socket dir")
        .get(0);
    let second = Simulator::start(Options {
        pg: Some(format!(
            "postgres://postgres@/analytics?host={socket_dir}&port=5439"
        )),
        password: "Other-Passw0rd".to_owned(),
        ..Options::default()
    })
    .await
    .expect("a simulator over a given server");
    assert!(second.url().contains("/analytics?"), "{}", second.url());
    let admin = connect_as(&second, "awsuser", "Other-Passw0rd")
        .await
        .expect("awsuser, with the second simulator's password");
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(second.port())
        .user("awsuser")
        .password("Other-Passw0rd")
        .dbname("analytics")
        .ssl_mode(tokio_postgres::config::SslMode::Require);
    let (analytics, conn) = config
        .connect(tls(Some(second.ca_path())))
        .await
        .expect("analytics");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    drop(admin);
    analytics
        .batch_execute(GUIDE_SETUP)
        .await
        .expect("the guide's setup");
    assert_eq!(
        rows(&analytics, "SELECT groname FROM pg_group ORDER BY 1").await,
        [["marketing_analyst_grp"], ["retention_analyst_grp"]]
    );
    let databases = rows(
        &backend,
        "SELECT datname FROM pg_database WHERE datname = 'analytics'",
    )
    .await;
    assert_eq!(databases, [["analytics"]]);
}
