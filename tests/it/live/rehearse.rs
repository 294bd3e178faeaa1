//! `apply --rehearse` and the read-back inside apply's transaction, against the simulator: a
//! rehearsal runs everything and changes nothing (killed at any moment, too); a statement the
//! cluster refuses fails it, and doctor, naming the statement; a GRANT that grants nothing with
//! only a notice never commits; notices of an apply that lands are recorded with its run.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::{Cluster, err, out};

const SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE SCHEMA other_ml;
    CREATE GROUP ml_team;
    CREATE USER alice PASSWORD 'Alice1pass';
    CREATE TABLE demo_ml.activity (state varchar(2), churn int);
    CREATE MODEL demo_ml.churn FROM (SELECT state, churn FROM demo_ml.activity)
      TARGET churn FUNCTION churn_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
";

const MODEL: &str = "version = 1
[groups.ml_team]
members = [\"alice\"]
[groups.viewers]
[schemas.demo_ml]
creators = [\"ml_team\"]
consumers = [\"viewers\"]
iam_roles = [\"arn:aws:iam::123456789012:role/ml_role\"]
";

/// Everything a rehearsal could touch, read through the admin door straight from PostgreSQL:
/// ACLs of schemas, languages and functions, roles and memberships, the simulator's ASSUMEROLE
/// and system-privilege rows, the schema list, and mlgrant's audit tables when they exist.
async fn snapshot(c: &Cluster) -> Vec<Vec<String>> {
    let door = c.sim.backend_admin().await.expect("admin door");
    let mut all = Vec::new();
    let read = |sql: &'static str| {
        let door = &door;
        async move {
            door.simple_query(sql)
                .await
                .expect(sql)
                .into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                        (0..r.len())
                            .map(|i| r.get(i).unwrap_or("NULL").to_owned())
                            .collect::<Vec<String>>(),
                    ),
                    _ => None,
                })
                .collect::<Vec<_>>()
        }
    };
    for sql in [
        "SELECT nspname, coalesce(nspacl::text, '') FROM pg_namespace ORDER BY 1",
        "SELECT lanname, coalesce(lanacl::text, '') FROM pg_language ORDER BY 1",
        "SELECT p.oid::regprocedure::text, coalesce(p.proacl::text, '') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
        "SELECT rolname, rolsuper::text FROM pg_roles ORDER BY 1",
        "SELECT roleid::regrole::text, member::regrole::text FROM pg_auth_members ORDER BY 1, 2",
        "SELECT iam_arn, command_type, identity_id::text FROM mlsim.iam_privileges ORDER BY 1, 2, 3",
        "SELECT privilege, identity_id::text FROM mlsim.system_privileges ORDER BY 1, 2",
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'mlgrant' ORDER BY 1",
    ] {
        all.extend(read(sql).await);
    }
    if all.iter().any(|r| r.len() == 1 && r[0] == "apply_log") {
        for sql in [
            "SELECT * FROM mlgrant.schema_version ORDER BY 1",
            "SELECT * FROM mlgrant.apply_log ORDER BY 1",
            "SELECT * FROM mlgrant.apply_statements ORDER BY 1, 2",
            "SELECT * FROM mlgrant.apply_notices ORDER BY 1, 2",
            "SELECT * FROM mlgrant.ledger ORDER BY 1, 4, 5, 6, 7, 8, 9",
        ] {
            all.extend(read(sql).await);
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rehearsal_runs_every_statement_and_leaves_the_cluster_exactly_as_it_was() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    // First contact: no audit schema yet. The rehearsal migrates inside its transaction.
    let before = snapshot(&c).await;
    let o = c.run(&["apply", "--rehearse", "--config", &model, "--format", "sql"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let text = out(&o);
    for statement in [
        "CREATE GROUP viewers;",
        "GRANT CREATE MODEL TO GROUP ml_team;",
        "GRANT EXECUTE ON MODEL demo_ml.churn TO GROUP viewers;",
        "GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/ml_role' TO GROUP ml_team FOR CREATE MODEL;",
        "ALTER GROUP ml_team ADD USER alice;",
    ] {
        assert!(text.contains(statement), "{statement} missing:\n{text}");
    }
    assert!(
        text.starts_with("-- rehearsed on ") && text.contains("rolled back, nothing was changed"),
        "{text}"
    );
    assert_eq!(
        snapshot(&c).await,
        before,
        "the rehearsal changed the cluster"
    );

    // With the audit schema in place and a run recorded, a rehearsal of a saved plan changes
    // nothing either, the audit tables included.
    c.apply_and_converge(&c.model("first.toml", "version = 1\n[groups.ml_team]\n"));
    let plan_file = c.dir.join("reviewed.plan");
    let p = c.run(&[
        "plan",
        "--config",
        &model,
        "--out",
        plan_file.to_str().unwrap(),
    ]);
    assert_eq!(p.status.code(), Some(0), "{}", err(&p));
    let before = snapshot(&c).await;
    let o = c.run(&[
        "apply",
        "--rehearse",
        "--config",
        &model,
        "--plan",
        plan_file.to_str().unwrap(),
        "--format",
        "text",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(
        out(&o).contains("ok      GRANT CREATE MODEL TO GROUP ml_team;"),
        "{}",
        out(&o)
    );
    assert_eq!(
        snapshot(&c).await,
        before,
        "the rehearsal of a saved plan changed the cluster"
    );
    // The same plan then applies for real, and converges.
    let a = c.run(&[
        "apply",
        "--config",
        &model,
        "--plan",
        plan_file.to_str().unwrap(),
    ]);
    assert_eq!(a.status.code(), Some(0), "{}{}", out(&a), err(&a));
    let again = c.run(&["plan", "--config", &model, "--exit-code"]);
    assert_eq!(again.status.code(), Some(0), "{}", out(&again));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rehearsal_killed_at_any_moment_changes_nothing() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let before = snapshot(&c).await;
    // Each round trip takes 120 ms: a kill every 90 ms falls in every step in turn (connect,
    // checks, BEGIN and migrations, lock and read, statements, read-back, audit rows, ROLLBACK).
    c.sim.set_latency(Duration::from_millis(120));
    let url = c.sim.url();
    let mut kills = 0;
    for step in 1..60u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(["apply", "--rehearse", "--config", &model, "--url", &url])
            .env("PGPASSWORD", c.sim.password())
            .env("HOME", &c.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mlgrant starts");
        std::thread::sleep(Duration::from_millis(90 * step));
        let finished = child.try_wait().expect("wait").is_some();
        if !finished {
            let _ = child.kill();
            kills += 1;
        }
        let status = child.wait().expect("wait");
        c.sim.set_latency(Duration::ZERO);
        assert_eq!(snapshot(&c).await, before, "killed after {} ms", 90 * step);
        c.sim.set_latency(Duration::from_millis(120));
        if finished {
            assert_eq!(status.code(), Some(0));
            break;
        }
    }
    assert!(
        kills >= 10,
        "only {kills} kills before the rehearsal finished"
    );
}

/// Through the admin door: GRANT and REVOKE ASSUMEROLE refused inside a transaction block, as
/// Redshift refuses GRANT on an external resource there (DG r_GRANT) and might refuse it.
const NO_ASSUMEROLE_IN_TRANSACTIONS: &str = "
    ALTER PROCEDURE mlsim.grant_assumerole(boolean, text[], text[], text[]) RENAME TO grant_assumerole_real;
    CREATE PROCEDURE mlsim.grant_assumerole(is_grant boolean, arns text[], grantees text[], commands text[])
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'GRANT on external resources is not allowed in a transaction block'
            USING ERRCODE = '25001';
    END
    $$;
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_the_cluster_refuses_fails_doctor_and_the_rehearsal_naming_it() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let door = c.sim.backend_admin().await.unwrap();
    door.batch_execute(NO_ASSUMEROLE_IN_TRANSACTIONS)
        .await
        .unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let before = snapshot(&c).await;

    let d = c.run(&["doctor", "--format", "text"]);
    assert_eq!(d.status.code(), Some(1), "{}", out(&d));
    let report = out(&d);
    assert!(
        report.contains("FAIL    assumerole_default")
            && report.contains("GRANT on external resources is not allowed in a transaction block")
            && report.contains("NOT RUN assumerole_arn")
            && report.contains("pass    create_model_group"),
        "{report}"
    );

    let o = c.run(&["apply", "--rehearse", "--config", &model]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(
        err(&o).contains("SQLSTATE 25001")
            && err(&o).contains("GRANT on external resources is not allowed in a transaction block")
            && err(&o).contains(
                "in: GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/ml_role' TO GROUP ml_team FOR CREATE MODEL"
            ),
        "{}",
        err(&o)
    );
    assert_eq!(snapshot(&c).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_that_grants_nothing_with_only_a_notice_never_commits() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let first = c.model("first.toml", "version = 1\n[groups.ml_team]\n");
    c.apply_and_converge(&first);
    // Through the admin door: every GRANT ON SCHEMA is undone as it runs, with a NOTICE only.
    let door = c.sim.backend_admin().await.unwrap();
    door.batch_execute(
        "CREATE FUNCTION public.swallow() RETURNS event_trigger LANGUAGE plpgsql AS $$
         BEGIN
             RAISE NOTICE 'grant noted';
             EXECUTE 'REVOKE ALL ON SCHEMA demo_ml FROM ml_team';
         END $$;
         CREATE EVENT TRIGGER swallow ON ddl_command_end WHEN TAG IN ('GRANT')
             EXECUTE FUNCTION public.swallow();",
    )
    .await
    .unwrap();
    let model = c.model(
        "m.toml",
        "version = 1\n[groups.ml_team]\n[schemas.demo_ml]\ncreators = [\"ml_team\"]\n",
    );
    let before = snapshot(&c).await;
    let o = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(
        err(&o).contains(
            "did not read back from the catalog inside the transaction, so nothing was committed"
        ) && err(&o).contains("GRANT CREATE, USAGE ON SCHEMA demo_ml TO GROUP ml_team")
            && err(&o).contains("NOTICE: grant noted"),
        "{}",
        err(&o)
    );
    assert_eq!(snapshot(&c).await, before, "something committed");
    // The rehearsal finds it too.
    let r = c.run(&["apply", "--rehearse", "--config", &model]);
    assert_eq!(r.status.code(), Some(1), "{}", err(&r));
    assert!(err(&r).contains("did not read back"), "{}", err(&r));

    // A notice alone, with the grant landing: the apply commits and the notice is recorded.
    door.batch_execute(
        "CREATE OR REPLACE FUNCTION public.swallow() RETURNS event_trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE NOTICE 'grant noted'; END $$;",
    )
    .await
    .unwrap();
    let o = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(
        err(&o).contains("the server said, while statements 1 to 2 (one message) ran: NOTICE: grant noted (SQLSTATE 00000)"),
        "{}",
        err(&o)
    );
    // Statement 1 (GRANT CREATE MODEL, which the simulator makes a GRANT ON LANGUAGE) and
    // statement 2 (the schema grant) each fire the trigger; in one message their notices can
    // be told apart from the statements after them only as a range.
    let recorded = c
        .rows("SELECT first_seq, last_seq, severity, sqlstate, message FROM mlgrant.apply_notices ORDER BY 1, 2")
        .await;
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert!(
        recorded
            .iter()
            .all(|r| r[1] == "2" && r[2] == "NOTICE" && r[3] == "00000" && r[4] == "grant noted"),
        "{recorded:?}"
    );
    // A rehearsal sends one statement a message, and tells exactly which statement said what.
    let exact = c.model(
        "exact.toml",
        "version = 1\n[groups.ml_team]\n[schemas.demo_ml]\ncreators = [\"ml_team\"]\n[schemas.other_ml]\ncreators = [\"ml_team\"]\n",
    );
    let r = c.run(&[
        "apply",
        "--rehearse",
        "--config",
        &exact,
        "--format",
        "text",
    ]);
    assert_eq!(r.status.code(), Some(0), "{}{}", out(&r), err(&r));
    assert!(
        out(&r).contains("notice  GRANT CREATE, USAGE ON SCHEMA other_ml TO GROUP ml_team;\n            the server said: NOTICE: grant noted (SQLSTATE 00000)"),
        "{}",
        out(&r)
    );
}
