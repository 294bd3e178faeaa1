//! The simulator over the wire, as a client sees it: tokio-postgres with verified TLS, and psql.

use std::path::{Path, PathBuf};
use std::process::Command;

use redshift_sim::{Options, Simulator};
use tokio_postgres::error::DbError;
use tokio_postgres::{AsyncMessage, Client, SimpleQueryMessage};

#[path = "simulator/history.rs"]
mod history;
#[path = "simulator/strict.rs"]
mod strict;

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

    // Explicit grants only: alice owns the model, awsuser the schema, postgres (rdsdb's
    // stand-in) the language mlfunc, and none of them has a row (DG r_SVV_ML_MODEL_PRIVILEGES).
    let model_privs = rows(
        &admin,
        "SELECT namespace_name, model_name, privilege_type, identity_name, identity_type
         FROM svv_ml_model_privileges",
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
         WHERE namespace_name = 'demo_ml'
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
         WHERE language_name = 'mlfunc'",
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
    // SQL-level PREPARE takes only SELECT, INSERT, UPDATE, DELETE (DG r_PREPARE) ...
    let err = admin
        .batch_execute("PREPARE p AS CREATE SCHEMA s")
        .await
        .expect_err("DDL is not preparable");
    assert_eq!(sqlstate(&err), "0A000");
    admin
        .batch_execute("PREPARE q (int) AS SELECT $1; DEALLOCATE q")
        .await
        .expect("SELECT is");
    // ... but the extended protocol runs any statement, ML grammar included, as Redshift does
    // for redshift_connector.
    admin
        .execute("CREATE SCHEMA s", &[])
        .await
        .expect("DDL through Parse/Bind/Execute");
    admin
        .execute("CREATE GROUP g", &[])
        .await
        .expect("CREATE GROUP through Parse/Bind/Execute");
    admin
        .execute("GRANT CREATE MODEL TO GROUP g", &[])
        .await
        .expect("GRANT CREATE MODEL through Parse/Bind/Execute");
    assert_eq!(
        rows(&admin, "SELECT identity_name FROM svv_language_privileges").await,
        [["g"]]
    );
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
        rows(
            &admin,
            "SELECT role_name FROM svv_roles WHERE role_name NOT LIKE 'sys:%'"
        )
        .await,
        [["ml_viewer"]]
    );
    assert_eq!(
        rows(&admin, "SELECT user_name, role_name FROM svv_user_grants").await,
        [["dave", "ml_viewer"]]
    );
    assert_eq!(
        rows(
            &admin,
            "SELECT system_privilege, identity_name, identity_type FROM svv_system_privileges
             WHERE identity_name NOT LIKE 'sys:%'"
        )
        .await,
        [["CREATE MODEL", "ml_viewer", "role"]]
    );
    // A new cluster lets PUBLIC assume every role for every command (shown per command).
    assert_eq!(
        rows(&admin, "SELECT iam_arn, command_type, identity_name, identity_type FROM svv_iam_privileges ORDER BY 1, 2").await,
        [
            ["ALL", "COPY", "public", "public"],
            ["ALL", "CREATE MODEL", "public", "public"],
            ["ALL", "EXFUNC", "public", "public"],
            ["ALL", "UNLOAD", "public", "public"],
            ["arn:aws:iam::123456789012:role/ml", "CREATE MODEL", "creators_grp", "group"],
        ]
    );
    // A plain user sees only its own identities; ACCESS SYSTEM TABLE shows everything.
    let dave = connect_as(&sim, "dave", "Dave1pass").await.expect("dave");
    let seen = rows(
        &dave,
        "SELECT DISTINCT identity_name FROM svv_iam_privileges ORDER BY 1",
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
            "SELECT DISTINCT identity_name FROM svv_iam_privileges ORDER BY 1"
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

/// The DETAIL of Redshift's serialization error (error 1023), in the shape aws-sdk-pandas issue
/// 665 and estuary/connectors issue 5218 show.
const SERIALIZATION_DETAIL: &str = "Serializable isolation violation on table - 100123, transactions forming the cycle are: 1001, 1002 (pid:4242)";

#[track_caller]
fn assert_serialization_error(e: &tokio_postgres::Error) {
    let db = e
        .as_db_error()
        .unwrap_or_else(|| panic!("a server error: {e:?}"));
    assert_eq!(db.severity(), "ERROR");
    assert_eq!(db.code().code(), "XX000");
    assert_eq!(db.message(), "1023");
    assert_eq!(db.detail(), Some(SERIALIZATION_DETAIL));
    assert_eq!(db.where_(), None, "no PL/pgSQL context line");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serialization_error_knob_fails_the_nth_statement_once_inside_its_transaction() {
    let sim = Simulator::start(Options {
        serialization_error_at: 4,
        ..Options::default()
    })
    .await
    .expect("simulator starts");
    let admin = awsuser(&sim).await;
    let other = awsuser(&sim).await;
    // Statements 1 and 2 on one connection, 3 and 4 on another: numbered across connections.
    admin
        .batch_execute("CREATE GROUP g; CREATE SCHEMA s")
        .await
        .expect("statements 1 and 2");
    other.batch_execute("BEGIN").await.expect("statement 3");
    let grant = "GRANT USAGE ON SCHEMA s TO GROUP g";
    let err = other
        .batch_execute(grant)
        .await
        .expect_err("statement 4 fails");
    assert_serialization_error(&err);
    // The error aborted the client's transaction, as PostgreSQL aborts it after any error.
    assert_eq!(refused(&other, "SELECT 1").await.0, "25P02");
    other.batch_execute("ROLLBACK").await.expect("rollback");
    other
        .batch_execute(grant)
        .await
        .expect("sent again, it runs");
    assert_eq!(sim.statements(), 7);
    assert_eq!(
        rows(
            &admin,
            "SELECT privilege_type FROM svv_schema_privileges WHERE identity_name = 'g'"
        )
        .await,
        [["USAGE"]]
    );

    // In the middle of a message: the statements before it roll back with the message's
    // implicit transaction, those after it never run.
    sim.set_serialization_error_at(sim.statements() + 2);
    let err = admin
        .batch_execute("CREATE GROUP h; CREATE GROUP i; CREATE GROUP j")
        .await
        .expect_err("the second statement fails");
    assert_serialization_error(&err);
    let made = "SELECT count(*) FROM pg_group WHERE groname IN ('h', 'i', 'j', 'k', 'l')";
    assert_eq!(rows(&admin, made).await, [["0"]]);

    // COMMIT fails and leaves no transaction open, as a COMMIT that fails on a conflict does.
    sim.set_serialization_error_at(sim.statements() + 4);
    other
        .batch_execute("BEGIN; CREATE GROUP k")
        .await
        .expect("begin");
    let err = other
        .batch_execute("CREATE GROUP l; COMMIT")
        .await
        .expect_err("COMMIT fails");
    assert_serialization_error(&err);
    assert_eq!(rows(&other, made).await, [["0"]], "no transaction is open");

    // The extended protocol: the Execute numbered N fails; the client's prepared statement
    // stays usable.
    let select = other.prepare("SELECT $1::int").await.expect("prepare");
    other.batch_execute("BEGIN").await.expect("begin");
    sim.set_serialization_error_at(sim.statements() + 1);
    let err = other
        .query(&select, &[&1i32])
        .await
        .expect_err("the Execute fails");
    assert_serialization_error(&err);
    let aborted = other
        .query(&select, &[&2i32])
        .await
        .expect_err("the transaction is aborted");
    assert_eq!(sqlstate(&aborted), "25P02");
    other.execute("ROLLBACK", &[]).await.expect("rollback");
    let again = other.query(&select, &[&1i32]).await.expect("sent again");
    assert_eq!(again[0].get::<_, i32>(0), 1);

    // COMMIT sent with the extended protocol, inside a transaction that created a group.
    other.execute("BEGIN", &[]).await.expect("begin, extended");
    other.execute("CREATE GROUP k", &[]).await.expect("create");
    sim.set_serialization_error_at(sim.statements() + 1);
    let err = other
        .execute("COMMIT", &[])
        .await
        .expect_err("COMMIT fails");
    assert_serialization_error(&err);
    let count = other
        .query_one("SELECT count(*) FROM pg_group WHERE groname = 'k'", &[])
        .await
        .expect("no transaction is open");
    assert_eq!(count.get::<_, i64>(0), 0);
    let stats = sim.stats();
    assert_eq!(
        stats.iter().map(|c| c.statements).sum::<u64>(),
        sim.statements()
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

/// The SQLSTATE and message of a statement that must fail.
async fn refused(client: &Client, sql: &str) -> (String, String) {
    let err = client
        .batch_execute(sql)
        .await
        .expect_err(&format!("{sql} must fail"));
    (sqlstate(&err), message(&err))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svv_transactions_names_who_holds_a_lock_and_who_waits_for_it() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute(
            "CREATE SCHEMA mlgrant; CREATE TABLE mlgrant.apply_log (id int);
             CREATE USER alice PASSWORD 'Alice1pass'; CREATE USER bob PASSWORD 'Bob1pass';
             GRANT USAGE ON SCHEMA mlgrant TO alice, bob;
             GRANT ALL ON mlgrant.apply_log TO alice, bob;",
        )
        .await
        .expect("setup");
    let table = rows(&admin, "SELECT 'mlgrant.apply_log'::regclass::oid").await[0][0].clone();
    assert_eq!(
        rows(
            &admin,
            "SELECT pg_typeof(txn_owner), pg_typeof(txn_db), pg_typeof(xid), pg_typeof(pid),
                    pg_typeof(txn_start), pg_typeof(lock_mode), pg_typeof(lockable_object_type),
                    pg_typeof(relation), pg_typeof(granted)
             FROM pg_catalog.svv_transactions LIMIT 1"
        )
        .await,
        [[
            "text",
            "text",
            "bigint",
            "integer",
            "timestamp without time zone",
            "text",
            "text",
            "integer",
            "boolean"
        ]],
        "the documented types (DG r_SVV_TRANSACTIONS)"
    );

    let alice = connect_as(&sim, "alice", "Alice1pass")
        .await
        .expect("alice");
    alice
        .batch_execute("BEGIN; LOCK mlgrant.apply_log")
        .await
        .expect("alice takes the lock");
    let alice_pid = rows(&alice, "SELECT pg_backend_pid()").await[0][0].clone();
    let on_table = format!(
        "SELECT txn_owner, txn_db, pid, lock_mode, lockable_object_type, granted,
                abs(extract(epoch FROM (now() AT TIME ZONE 'UTC') - txn_start)) < 60
         FROM pg_catalog.svv_transactions WHERE relation = {table} ORDER BY granted DESC"
    );
    let held = [
        "alice",
        "dev",
        alice_pid.as_str(),
        "AccessExclusiveLock",
        "relation",
        "t",
        "t",
    ];
    assert_eq!(rows(&admin, &on_table).await, [held]);
    assert_eq!(
        rows(
            &admin,
            &format!(
                "SELECT lock_mode, granted, relation IS NULL FROM pg_catalog.svv_transactions
                 WHERE pid = {alice_pid} AND lockable_object_type = 'transactionid'"
            )
        )
        .await,
        [["ExclusiveLock", "t", "t"]],
        "alice's open transaction"
    );
    assert_eq!(
        rows(&alice, &on_table).await,
        [held],
        "a regular user sees her own"
    );

    // A regular user sees only his own rows; a superuser sees everyone's.
    let bob = connect_as(&sim, "bob", "Bob1pass").await.expect("bob");
    assert_eq!(
        rows(
            &bob,
            "SELECT DISTINCT txn_owner FROM pg_catalog.svv_transactions"
        )
        .await,
        [["bob"]]
    );

    // A third session waits for the lock: its row is not granted.
    let waiter = connect_as(&sim, "bob", "Bob1pass").await.expect("bob");
    let waiting = tokio::spawn(async move {
        waiter
            .batch_execute("BEGIN; LOCK mlgrant.apply_log")
            .await
            .map(|()| waiter)
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let seen = loop {
        let now = rows(&admin, &on_table).await;
        if now.len() == 2 || std::time::Instant::now() > deadline {
            break now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0], held);
    assert_eq!(
        [&seen[1][0], &seen[1][3], &seen[1][4], &seen[1][5]],
        ["bob", "AccessExclusiveLock", "relation", "f"]
    );
    assert_ne!(seen[1][2], alice_pid);

    alice.batch_execute("COMMIT").await.expect("alice commits");
    let waiter = tokio::time::timeout(std::time::Duration::from_secs(20), waiting)
        .await
        .expect("the waiter gets the lock")
        .expect("join")
        .expect("bob locks");
    let after = rows(&admin, &on_table).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!([&after[0][0], &after[0][5]], ["bob", "t"]);
    waiter.batch_execute("ROLLBACK").await.expect("rollback");
    assert!(rows(&admin, &on_table).await.is_empty());
}

/// A connection whose notices and warnings (NoticeResponse) are collected: its driver is polled
/// with `poll_message`, which hands each one over as `AsyncMessage::Notice` before the response
/// of the statement that raised it.
async fn connect_with_notices(
    sim: &Simulator,
    user: &str,
    password: &str,
) -> (Client, tokio::sync::mpsc::UnboundedReceiver<DbError>) {
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(sim.port())
        .user(user)
        .password(password)
        .dbname("dev")
        .ssl_mode(tokio_postgres::config::SslMode::Require);
    let (client, mut conn) = config
        .connect(tls(Some(sim.ca_path())))
        .await
        .unwrap_or_else(|e| panic!("{user} connects: {e}"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| conn.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notice(notice)) => {
                    let _ = tx.send(notice);
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    (client, rx)
}

/// Runs `sql`, which must succeed, and returns the notices it raised.
async fn notices_of(
    client: &Client,
    notices: &mut tokio::sync::mpsc::UnboundedReceiver<DbError>,
    sql: &str,
) -> Vec<DbError> {
    while notices.try_recv().is_ok() {}
    client
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    let mut out = Vec::new();
    while let Ok(n) = notices.try_recv() {
        out.push(n);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_without_the_grant_option_succeeds_with_only_a_warning() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute(
            "CREATE SCHEMA s; CREATE GROUP g;
             CREATE USER alice PASSWORD 'Alice1pass'; CREATE USER bob PASSWORD 'Bob1pass';
             GRANT CREATE MODEL TO alice; GRANT CREATE, USAGE ON SCHEMA s TO alice;
             GRANT USAGE ON SCHEMA s TO bob;",
        )
        .await
        .expect("setup");
    let alice = connect_as(&sim, "alice", "Alice1pass")
        .await
        .expect("alice");
    alice
        .batch_execute(
            "CREATE MODEL s.m FROM (SELECT 1 AS a, 2 AS b) TARGET b FUNCTION m_fn(int)
             IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
             GRANT EXECUTE ON MODEL s.m TO bob;",
        )
        .await
        .expect("alice creates the model and lets bob run it");

    // bob holds USAGE on s and EXECUTE on s.m, neither with the grant option, owns neither, and
    // is no superuser: his grants succeed, grant nothing, and say so with a warning only.
    let (bob, mut notices) = connect_with_notices(&sim, "bob", "Bob1pass").await;
    for (sql, object) in [
        ("GRANT EXECUTE ON MODEL s.m TO GROUP g", "m"),
        ("GRANT USAGE ON SCHEMA s TO GROUP g", "s"),
    ] {
        let got = notices_of(&bob, &mut notices, sql).await;
        assert_eq!(got.len(), 1, "{sql}: {got:?}");
        assert_eq!(got[0].severity(), "WARNING", "{sql}");
        assert_eq!(got[0].code().code(), "01007", "{sql}");
        assert_eq!(
            got[0].message(),
            format!("no privileges were granted for \"{object}\""),
            "{sql}"
        );
        assert_eq!(got[0].where_(), None, "{sql}: no simulator frames");
    }
    let got = notices_of(
        &bob,
        &mut notices,
        "REVOKE EXECUTE ON MODEL s.m FROM GROUP g",
    )
    .await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].code().code(), got[0].message()),
        ("01006", "no privileges could be revoked for \"m\"")
    );
    for view in ["svv_ml_model_privileges", "svv_schema_privileges"] {
        assert!(
            rows(
                &admin,
                &format!("SELECT 1 FROM {view} WHERE identity_name = 'g'")
            )
            .await
            .is_empty(),
            "{view}: nothing granted to g"
        );
    }
    // With no privilege at all, it is an error, as in PostgreSQL.
    let carol = "CREATE USER carol PASSWORD 'Carol1pass'";
    admin.batch_execute(carol).await.expect("carol");
    let carol = connect_as(&sim, "carol", "Carol1pass")
        .await
        .expect("carol");
    assert_eq!(
        refused(&carol, "GRANT EXECUTE ON MODEL s.m TO GROUP g").await,
        (
            "42501".to_owned(),
            "permission denied for model s.m".to_owned()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_implicit_rights_are_not_rows_but_grants_from_other_grantees_are() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute(
            "CREATE USER alice PASSWORD 'Alice1pass'; CREATE USER bob PASSWORD 'Bob1pass';
             CREATE SCHEMA demo_ml; GRANT CREATE MODEL TO alice;
             GRANT CREATE, USAGE ON SCHEMA demo_ml TO alice;
             GRANT USAGE ON SCHEMA demo_ml TO bob;
             CREATE SCHEMA bobs AUTHORIZATION bob;",
        )
        .await
        .expect("setup");
    let alice = connect_as(&sim, "alice", "Alice1pass")
        .await
        .expect("alice");
    alice
        .batch_execute(CREATE_CHURN_MODEL)
        .await
        .expect("alice creates the model");
    alice
        .batch_execute(
            "GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO bob WITH GRANT OPTION",
        )
        .await
        .expect("the owner grants");
    let model_rows = "SELECT identity_name, admin_option FROM svv_ml_model_privileges
                      ORDER BY identity_name";
    assert_eq!(rows(&admin, model_rows).await, [["bob", "t"]]);
    assert_eq!(
        rows(
            &admin,
            "SELECT identity_name FROM svv_language_privileges WHERE language_name = 'mlfunc'"
        )
        .await,
        [["alice"]]
    );

    // A grant to the owner from another grantee is explicit, and shown.
    let bob = connect_as(&sim, "bob", "Bob1pass").await.expect("bob");
    bob.batch_execute("GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO alice")
        .await
        .expect("bob grants to the owner");
    assert_eq!(
        rows(&admin, model_rows).await,
        [["alice", "f"], ["bob", "t"]]
    );

    // bob owns schema bobs: no row for him, even once its ACL exists; a superuser's grant to the
    // owner is recorded as the owner's own and stays invisible (see catalog.sql).
    bob.batch_execute("GRANT USAGE ON SCHEMA bobs TO alice WITH GRANT OPTION")
        .await
        .expect("bob grants on his schema");
    admin
        .batch_execute("GRANT CREATE ON SCHEMA bobs TO bob")
        .await
        .expect("superuser grants to the owner");
    let schema_rows = "SELECT identity_name, privilege_type FROM svv_schema_privileges
                       WHERE namespace_name = 'bobs' ORDER BY 1, 2";
    assert_eq!(rows(&admin, schema_rows).await, [["alice", "USAGE"]]);
    alice
        .batch_execute("GRANT USAGE ON SCHEMA bobs TO bob")
        .await
        .expect("alice grants to the owner");
    assert_eq!(
        rows(&admin, schema_rows).await,
        [["alice", "USAGE"], ["bob", "USAGE"]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assumerole_reads_back_in_the_documented_shapes() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute(
            "CREATE USER u1 PASSWORD 'User1pass'; CREATE ROLE r1;
             CREATE SCHEMA demo_ml; GRANT CREATE MODEL TO u1;
             GRANT CREATE, USAGE ON SCHEMA demo_ml TO u1;
             CREATE TABLE demo_ml.customer_activity (state varchar(2), account_length int, churn varchar(6));
             GRANT SELECT ON demo_ml.customer_activity TO u1;
             REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL;
             GRANT ASSUMEROLE ON default TO u1 FOR ALL;
             GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/ext' TO ROLE r1 FOR EXTERNAL FUNCTION;",
        )
        .await
        .expect("setup");
    let iam = "SELECT iam_arn, command_type, identity_name, identity_type FROM svv_iam_privileges
               ORDER BY identity_name, command_type";
    let default_for = |commands: &[&str]| -> Vec<Vec<String>> {
        commands
            .iter()
            .map(|c| {
                ["default-aws-iam-role", c, "u1", "user"]
                    .map(str::to_owned)
                    .to_vec()
            })
            .collect()
    };
    let exfunc = ["arn:aws:iam::123456789012:role/ext", "EXFUNC", "r1", "role"]
        .map(str::to_owned)
        .to_vec();
    // FOR ALL is one row per command (DG r_SVV_IAM_PRIVILEGES).
    let mut expected = vec![exfunc.clone()];
    expected.extend(default_for(&["COPY", "CREATE MODEL", "EXFUNC", "UNLOAD"]));
    assert_eq!(rows(&admin, iam).await, expected);

    // A REVOKE for one command after a grant FOR ALL removes that command only.
    admin
        .batch_execute("REVOKE ASSUMEROLE ON default FROM u1 FOR COPY")
        .await
        .expect("revoke for COPY");
    let mut expected = vec![exfunc.clone()];
    expected.extend(default_for(&["CREATE MODEL", "EXFUNC", "UNLOAD"]));
    assert_eq!(rows(&admin, iam).await, expected);

    let u1 = connect_as(&sim, "u1", "User1pass").await.expect("u1");
    u1.batch_execute(CREATE_CHURN_MODEL.split(';').nth(1).unwrap())
        .await
        .expect("u1 may use the default role for CREATE MODEL");
    admin
        .batch_execute("REVOKE ASSUMEROLE ON default FROM u1 FOR ALL")
        .await
        .expect("revoke for all");
    assert_eq!(rows(&admin, iam).await, [exfunc]);
    let (code, msg) = refused(
        &u1,
        "CREATE MODEL demo_ml.m2 FROM demo_ml.customer_activity TARGET churn
         FUNCTION f2 IAM_ROLE default SETTINGS (S3_BUCKET 'b')",
    )
    .await;
    assert_eq!(code, "42501");
    assert_eq!(
        msg,
        "User u1 does not have ASSUMEROLE permission on IAM role \"default-aws-iam-role\" for CREATE MODEL"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_roles_exist_hold_their_privileges_and_take_no_grants() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    assert_eq!(
        rows(
            &admin,
            "SELECT role_name FROM svv_roles WHERE role_name LIKE 'sys:%' ORDER BY 1"
        )
        .await,
        [
            ["sys:dba"],
            ["sys:monitor"],
            ["sys:operator"],
            ["sys:secadmin"],
            ["sys:superuser"]
        ]
    );
    assert_eq!(
        rows(
            &admin,
            "SELECT system_privilege, identity_type FROM svv_system_privileges
             WHERE identity_name = 'sys:superuser' ORDER BY 1"
        )
        .await,
        [["ACCESS SYSTEM TABLE", "role"], ["CREATE MODEL", "role"]]
    );
    admin
        .batch_execute(
            "CREATE USER carol PASSWORD 'Carol1pass'; CREATE ROLE analysts; CREATE SCHEMA s;
             GRANT ROLE sys:monitor TO carol; GRANT ROLE \"sys:operator\" TO ROLE analysts;",
        )
        .await
        .expect("system roles are granted to users and roles");
    for (sql, action, role) in [
        (
            "GRANT CREATE MODEL TO ROLE sys:dba",
            "Granting permissions to",
            "sys:dba",
        ),
        (
            "REVOKE ACCESS SYSTEM TABLE FROM ROLE \"sys:monitor\"",
            "Revoking permissions from",
            "sys:monitor",
        ),
        (
            "GRANT USAGE ON SCHEMA s TO ROLE \"sys:dba\"",
            "Granting permissions to",
            "sys:dba",
        ),
        (
            "GRANT ROLE analysts TO ROLE sys:superuser",
            "Granting permissions to",
            "sys:superuser",
        ),
        (
            "GRANT ASSUMEROLE ON default TO ROLE sys:operator FOR ALL",
            "Granting permissions to",
            "sys:operator",
        ),
        ("DROP ROLE sys:secadmin", "Dropping", "sys:secadmin"),
    ] {
        let (code, msg) = refused(&admin, sql).await;
        assert_eq!(code, "0A000", "{sql}");
        assert_eq!(
            msg,
            format!("{action} reserved role {role} is not supported."),
            "{sql}"
        );
    }
    // sys:monitor may access the system tables: carol sees every identity's rows.
    let carol = connect_as(&sim, "carol", "Carol1pass")
        .await
        .expect("carol");
    let every = "SELECT system_privilege, identity_name FROM svv_system_privileges ORDER BY 1, 2";
    let all_rows = rows(&admin, every).await;
    assert!(all_rows.len() >= 5, "{all_rows:?}");
    assert_eq!(rows(&carol, every).await, all_rows);
    assert_eq!(
        rows(&admin, "SELECT user_name, role_name FROM svv_user_grants").await,
        [["carol", "sys:monitor"]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_privileges_carry_their_scope() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute(
            "CREATE SCHEMA s; CREATE GROUP g; CREATE ROLE r; CREATE USER u PASSWORD 'User1pass';
             GRANT USAGE ON SCHEMA s TO GROUP g;
             GRANT SELECT, INSERT FOR TABLES IN SCHEMA s TO ROLE r;
             GRANT EXECUTE FOR FUNCTIONS IN SCHEMA s TO u WITH GRANT OPTION;",
        )
        .await
        .expect("setup");
    let scoped =
        "SELECT privilege_type, identity_name, identity_type, admin_option, privilege_scope
                  FROM svv_schema_privileges WHERE namespace_name = 's' ORDER BY 5, 2, 1";
    assert_eq!(
        rows(&admin, scoped).await,
        [
            ["EXECUTE", "u", "user", "t", "FUNCTIONS"],
            ["USAGE", "g", "group", "f", "SCHEMA"],
            ["INSERT", "r", "role", "f", "TABLES"],
            ["SELECT", "r", "role", "f", "TABLES"],
        ]
    );
    let (code, _) = refused(&admin, "GRANT SELECT FOR TABLES IN SCHEMA s TO GROUP g").await;
    assert_eq!(code, "0A000", "scoped permissions never go to groups");
    admin
        .batch_execute(
            "REVOKE INSERT FOR TABLES IN SCHEMA s FROM ROLE r;
             REVOKE ALL FOR FUNCTIONS IN SCHEMA s FROM u;",
        )
        .await
        .expect("revoke");
    assert_eq!(
        rows(&admin, scoped).await,
        [
            ["USAGE", "g", "group", "f", "SCHEMA"],
            ["SELECT", "r", "role", "f", "TABLES"],
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_can_be_training_or_failed_and_still_take_grants() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin.batch_execute(GUIDE_SETUP).await.expect("setup");
    let alice = connect_as(&sim, "alice", "Alice1pass")
        .await
        .expect("alice");
    alice
        .batch_execute(CREATE_CHURN_MODEL)
        .await
        .expect("alice creates the model");
    let state = "SELECT trim(model_state) FROM svv_ml_model_info";
    assert_eq!(rows(&admin, state).await, [["Model is Ready"]]);
    admin
        .batch_execute(
            "CALL mlsim.set_model_state('demo_ml', 'customer_churn_auto_model',
                                        'Train Model On SageMaker In Progress');
             GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_analyst_grp;",
        )
        .await
        .expect("a training model takes grants");
    assert_eq!(
        rows(&admin, state).await,
        [["Train Model On SageMaker In Progress"]]
    );
    assert_eq!(
        rows(&admin, "SELECT identity_name FROM svv_ml_model_privileges").await,
        [["marketing_analyst_grp"]]
    );
    // The function is visible but cannot run until the model is ready
    // (DG r_create_model_usage_notes).
    let bob = connect_as(&sim, "bob", "Bob1pass").await.expect("bob");
    let predict = "SELECT demo_ml.ml_fn_customer_churn_auto('CA', 3)";
    let (code, msg) = refused(&bob, predict).await;
    assert_eq!(code, "55000");
    assert!(
        msg.contains("Train Model On SageMaker In Progress"),
        "{msg}"
    );

    admin
        .batch_execute(
            "CALL mlsim.set_model_state('demo_ml', 'customer_churn_auto_model', 'Model Failed');
             REVOKE EXECUTE ON MODEL demo_ml.customer_churn_auto_model FROM GROUP marketing_analyst_grp;
             GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_analyst_grp;",
        )
        .await
        .expect("a failed model takes grants and revokes");
    assert_eq!(rows(&admin, state).await, [["Model Failed"]]);
    assert_eq!(refused(&bob, predict).await.0, "55000");

    let (code, _) = refused(
        &alice,
        "CALL mlsim.set_model_state('demo_ml', 'customer_churn_auto_model', 'Model is Ready')",
    )
    .await;
    assert_eq!(code, "42501", "only a superuser sets a model's state");
    admin
        .batch_execute(
            "CALL mlsim.set_model_state('demo_ml', 'customer_churn_auto_model', 'Model is Ready')",
        )
        .await
        .expect("ready again");
    assert_eq!(rows(&bob, predict).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_views_live_in_pg_catalog_ahead_of_public() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin.batch_execute(GUIDE_SETUP).await.expect("setup");
    // A view of the same name in public never stands in for Redshift's.
    admin
        .batch_execute(
            "CREATE VIEW public.svv_schema_privileges AS SELECT 'impostor'::text AS namespace_name;
             CREATE VIEW public.pg_group AS SELECT 'impostor'::name AS groname;
             CREATE FUNCTION public.version() RETURNS text LANGUAGE sql AS $$ SELECT 'impostor' $$;",
        )
        .await
        .expect("a user's look-alikes in public");
    for sql in [
        "SELECT DISTINCT namespace_name FROM svv_schema_privileges ORDER BY 1",
        "SELECT DISTINCT namespace_name FROM pg_catalog.svv_schema_privileges ORDER BY 1",
    ] {
        assert_eq!(rows(&admin, sql).await, [["demo_ml"], ["public"]], "{sql}");
    }
    assert_eq!(
        rows(&admin, "SELECT groname FROM pg_group ORDER BY 1").await,
        [["marketing_analyst_grp"], ["retention_analyst_grp"]]
    );
    for sql in ["SELECT version()", "SELECT pg_catalog.version()"] {
        let v = rows(&admin, sql).await;
        assert!(v[0][0].starts_with("PostgreSQL 8.0.2"), "{sql}: {v:?}");
        assert!(v[0][0].contains("Redshift 1.0."), "{sql}: {v:?}");
    }
    assert_eq!(
        rows(
            &admin,
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relname = 'svv_ml_model_privileges'"
        )
        .await,
        [["pg_catalog"]]
    );
    assert_eq!(
        rows(&admin, "SHOW search_path").await,
        [["\"$user\", public"]]
    );
}

/// The Python of a virtualenv holding AWS's driver redshift_connector 2.2.x, under the
/// workspace's target/ folder: .ci/run makes it before the tests; made here when missing. Fails
/// with pip's own words when PyPI cannot be reached, never skips.
fn redshift_connector_python() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let venv = target.join("redshift-connector-venv");
    let python = venv.join("bin").join("python");
    let ready = || {
        Command::new(&python)
            .args([
                "-c",
                "import sys, redshift_connector as rc; sys.exit(not rc.__version__.startswith('2.2.'))",
            ])
            .status()
            .is_ok_and(|s| s.success())
    };
    if ready() {
        return python;
    }
    let out = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .output()
        .expect("python3 runs (the redshift_connector test needs Python 3 with venv)");
    assert!(
        out.status.success(),
        "python3 -m venv {}: {}",
        venv.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&python)
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .arg("redshift_connector==2.2.*")
        .output()
        .expect("the virtualenv's python runs");
    assert!(
        out.status.success(),
        "pip could not install redshift_connector==2.2.* into {} (is PyPI reachable from here?):\n{}",
        venv.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        ready(),
        "redshift_connector 2.2.x is not importable from {}",
        venv.display()
    );
    python
}

/// What the Python script does: connect as Redshift's own driver does (TLS verified against the
/// simulator's CA, which the driver takes from SSL_CERT_FILE through OpenSSL's default paths),
/// then GRANT inside the transaction the driver opens with BEGIN, every statement sent with
/// Parse/Bind/Execute.
const DRIVER_SCRIPT: &str = r#"
import os
import redshift_connector

conn = redshift_connector.connect(
    host="127.0.0.1", port=int(os.environ["SIM_PORT"]), database="dev",
    user="awsuser", password=os.environ["SIM_PASSWORD"], ssl=True, sslmode="verify-full")
print("server_version", dict(conn.parameter_statuses)[b"server_version"].decode())
cur = conn.cursor()
cur.execute("GRANT EXECUTE ON MODEL demo_ml.customer_churn_auto_model TO GROUP marketing_analyst_grp")
conn.commit()
cur.execute("select trim(model_state) from svv_ml_model_info")
print("model_state", cur.fetchone()[0])
conn.close()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redshift_connector_connects_and_grants() {
    let python = tokio::task::spawn_blocking(redshift_connector_python)
        .await
        .expect("virtualenv");
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin.batch_execute(GUIDE_SETUP).await.expect("setup");
    let alice = connect_as(&sim, "alice", "Alice1pass")
        .await
        .expect("alice");
    alice
        .batch_execute(CREATE_CHURN_MODEL)
        .await
        .expect("alice creates the model");

    let dir = std::env::temp_dir().join(format!("redshift-sim-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("grant.py");
    std::fs::write(&script, DRIVER_SCRIPT).unwrap();
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .env("SIM_PORT", sim.port().to_string())
        .env("SIM_PASSWORD", sim.password())
        .env("SSL_CERT_FILE", sim.ca_path());
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("python runs");
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        format!(
            "server_version {}\nmodel_state Model is Ready\n",
            redshift_sim::SERVER_VERSION
        )
    );
    assert_eq!(
        rows(
            &admin,
            "SELECT namespace_name, model_name, identity_name, identity_type
             FROM svv_ml_model_privileges"
        )
        .await,
        [[
            "demo_ml",
            "customer_churn_auto_model",
            "marketing_analyst_grp",
            "group"
        ]]
    );
    let driver = &sim.stats()[2];
    assert!(
        driver.statements >= 3,
        "BEGIN, GRANT, COMMIT ...: {driver:?}"
    );
}
