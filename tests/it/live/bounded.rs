//! Apply is all-or-nothing and bounded in time: a lock holder, a pending prompt, a frozen server
//! and a GRANT that only warns each end with exit 1 (or an error) and nothing changed.

use std::time::{Duration, Instant};

use super::{Cluster, connect_as, err, out};

const SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE SCHEMA other_ml;
    CREATE GROUP ml_team;
    CREATE GROUP viewers;
";

const MODEL: &str = "version = 1
[groups.ml_team]
[groups.viewers]
[schemas.demo_ml]
creators = [\"ml_team\"]
consumers = [\"viewers\"]
";

async fn audit_runs(c: &Cluster) -> usize {
    c.rows("SELECT run_id FROM mlgrant.apply_log").await.len()
}

async fn schema_grants(c: &Cluster) -> Vec<Vec<String>> {
    c.rows("SELECT namespace_name, privilege_type, identity_name FROM svv_schema_privileges WHERE namespace_name IN ('demo_ml', 'other_ml') ORDER BY 1, 2, 3")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_holder_makes_apply_say_so_and_give_up_with_nothing_changed() {
    let c = Cluster::with_audit_schema(SETUP).await;
    let before = (schema_grants(&c).await, audit_runs(&c).await);
    // A reader holds the lock in an open transaction.
    let reader = connect_as(&c.sim, "awsuser", c.sim.password()).await;
    reader
        .batch_execute("BEGIN; LOCK mlgrant.apply_log;")
        .await
        .unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let started = Instant::now();
    let o = c.run(&["apply", "--config", &model, "--yes", "--lock-timeout", "5"]);
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(
        err(&o).contains("waiting for the apply lock on mlgrant.apply_log")
            && err(&o).contains("the apply lock is held by awsuser (pid ")
            && err(&o)
                .contains("gave up waiting for the apply lock on mlgrant.apply_log after 5 s"),
        "{}",
        err(&o)
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert_eq!(out(&o), "", "nothing on stdout when apply fails");
    reader.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!((schema_grants(&c).await, audit_runs(&c).await), before);
    // Once the lock is free, the same apply goes through.
    let o = c.run(&["apply", "--config", &model, "--yes", "--lock-timeout", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

/// A prompt that lets something else happen before it answers yes.
struct Meanwhile<F: FnMut()>(F);

impl<F: FnMut()> mlgrant::apply::Prompt for Meanwhile<F> {
    fn confirm(&mut self, _: &mlgrant::plan::Plan) -> bool {
        (self.0)();
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prompt_holds_no_lock_and_a_plan_made_stale_meanwhile_is_refused() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model_path = c.model("mlgrant.toml", MODEL);
    let other = c.model(
        "other.toml",
        "version = 1\n[groups.ml_team]\n[groups.viewers]\n[schemas.demo_ml]\ncreators = [\"ml_team\"]\n",
    );
    let model = mlgrant::config::load(std::path::Path::new(&model_path)).unwrap();
    let settings = mlgrant::apply::Settings {
        ask_first: true,
        ..Default::default()
    };
    let client = connect_as(&c.sim, "awsuser", c.sim.password()).await;
    // While the first apply waits at its prompt, a second one (another model) completes: the
    // prompt holds no lock, so it does not wait.
    let mut second = None;
    let mut prompt = Meanwhile(|| {
        second = Some(c.run(&["apply", "--config", &other, "--yes", "--lock-timeout", "5"]));
    });
    let result = mlgrant::apply::apply(
        &client,
        None,
        &model,
        &model.source.text,
        &settings,
        &mut prompt,
    )
    .await;
    let second = second.expect("the second apply ran at the prompt");
    assert_eq!(second.status.code(), Some(0), "{}", err(&second));
    let e = result.expect_err("the approved plan is stale").to_string();
    assert!(
        e.contains("the cluster changed between the plan you approved and the lock")
            && e.contains("no longer planned: GRANT CREATE MODEL TO GROUP ml_team;"),
        "{e}"
    );
    assert_eq!(audit_runs(&c).await, 1, "only the second apply committed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_server_trips_the_read_timeout() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model_path = c.model("mlgrant.toml", MODEL);
    let model = mlgrant::config::load(std::path::Path::new(&model_path)).unwrap();
    let backend = c.sim.backend_admin().await.unwrap();
    let dir = backend
        .simple_query("SHOW data_directory")
        .await
        .unwrap()
        .into_iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .unwrap();
    let postmaster = std::fs::read_to_string(format!("{dir}/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let processes = || {
        let children = std::process::Command::new("pgrep")
            .args(["-P", &postmaster])
            .output()
            .unwrap();
        let mut pids: Vec<String> = String::from_utf8_lossy(&children.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        pids.push(postmaster.clone());
        pids
    };
    let signal = |sig: &str| {
        for pid in processes() {
            let _ = std::process::Command::new("kill")
                .args([sig, &pid])
                .status();
        }
    };
    let settings = mlgrant::apply::Settings {
        read_timeout: Some(Duration::from_secs(2)),
        ..Default::default()
    };
    let client = connect_as(&c.sim, "awsuser", c.sim.password()).await;
    // Under the lock, just before the statements go out, the server freezes.
    let mut prompt = Meanwhile(|| signal("-STOP"));
    let started = Instant::now();
    let result = mlgrant::apply::apply(
        &client,
        None,
        &model,
        &model.source.text,
        &settings,
        &mut prompt,
    )
    .await;
    let took = started.elapsed();
    signal("-CONT");
    let e = result
        .expect_err("a frozen server is no success")
        .to_string();
    assert!(
        e.contains("did not answer a batch of statements within 2 s"),
        "{e}"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
    drop(client);
    // Nothing committed: no grant, no audit row.
    assert_eq!(schema_grants(&c).await, Vec::<Vec<String>>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_that_only_warns_aborts_the_whole_apply_and_one_whose_warning_is_hidden_never_commits()
 {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    // The audit schema exists (made by a superuser); bob may use it, sees every grant through
    // ACCESS SYSTEM TABLE, and holds USAGE on demo_ml without the grant option.
    let empty = c.model("empty.toml", "version = 1\n[groups.ml_team]\n");
    assert_eq!(
        c.run(&["apply", "--config", &empty, "--yes"]).status.code(),
        Some(0)
    );
    c.admin
        .batch_execute(
            "CREATE USER bob PASSWORD 'Bob1pass';
             CREATE ROLE reader; GRANT ACCESS SYSTEM TABLE TO ROLE reader; GRANT ROLE reader TO bob;
             GRANT USAGE ON SCHEMA mlgrant TO bob;
             GRANT ALL ON ALL TABLES IN SCHEMA mlgrant TO bob;
             GRANT USAGE ON SCHEMA demo_ml TO bob;",
        )
        .await
        .unwrap();
    // bob may write mlgrant's tables, which only the login [policy] audit_owner names may.
    let model = c.model(
        "viewers.toml",
        "version = 1\n[groups.viewers]\n[schemas.other_ml]\n[schemas.demo_ml]\nconsumers = [\"viewers\"]\n[policy]\naudit_owner = \"bob\"\n",
    );
    let before = (schema_grants(&c).await, audit_runs(&c).await);
    let o = c.run_as("bob", "Bob1pass", &["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(
        err(&o).contains("answered a statement of the plan with a warning")
            && err(&o).contains("GRANT USAGE ON SCHEMA demo_ml TO GROUP viewers")
            && err(&o).contains("no privileges were granted"),
        "{}",
        err(&o)
    );
    assert_eq!((schema_grants(&c).await, audit_runs(&c).await), before);

    // bob's sessions hide warnings (client_min_messages = error, set through the admin door:
    // Redshift has no such parameter). apply cannot set it back (Redshift refuses the SET), and
    // need not: the read-back inside the transaction finds the grant missing.
    let door = c.sim.backend_admin().await.unwrap();
    door.batch_execute("ALTER ROLE bob SET client_min_messages = error")
        .await
        .unwrap();
    let o = c.run_as("bob", "Bob1pass", &["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(
        err(&o).contains(
            "did not read back from the catalog inside the transaction, so nothing was committed"
        ) && err(&o).contains("GRANT USAGE ON SCHEMA demo_ml TO GROUP viewers")
            && !err(&o).contains("with a warning"),
        "{}",
        err(&o)
    );
    assert_eq!((schema_grants(&c).await, audit_runs(&c).await), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redshift_serialization_error_1023_is_retried_and_the_plan_made_again() {
    let c = Cluster::with_audit_schema(SETUP).await;
    let model_path = c.model("mlgrant.toml", MODEL);
    let model = mlgrant::config::load(std::path::Path::new(&model_path)).unwrap();
    let client = connect_as(&c.sim, "awsuser", c.sim.password()).await;
    // An apply sends: the audit schema's check (4 statements), then BEGIN, SET, LOCK, RESET,
    // the 14 catalog queries and the ledger (19), the check again under the lock (4), then the plan's
    // statements. The first GRANT fails once with
    // Redshift's error 1023: XX000, message `1023`, the words in DETAIL.
    c.sim
        .set_serialization_error_at(c.sim.statements() + 4 + 19 + 4 + 1);
    let mut yes = |_: &mlgrant::plan::Plan| true;
    let outcome = mlgrant::apply::apply(
        &client,
        None,
        &model,
        &model.source.text,
        &mlgrant::apply::Settings::default(),
        &mut yes,
    )
    .await
    .expect("the retry succeeds");
    assert_eq!(outcome.attempts, 2);
    assert!(outcome.run.is_some());
    assert_eq!(audit_runs(&c).await, 1, "one record, for the retried run");
    let plan = c.run(&["plan", "--config", &model_path, "--exit-code"]);
    assert_eq!(plan.status.code(), Some(0), "{}", out(&plan));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_apply_rolls_back_and_says_so() {
    let c = Cluster::with_audit_schema(SETUP).await;
    let before = (schema_grants(&c).await, audit_runs(&c).await);
    let reader = connect_as(&c.sim, "awsuser", c.sim.password()).await;
    reader
        .batch_execute("BEGIN; LOCK mlgrant.apply_log;")
        .await
        .unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(["apply", "--config", &model, "--yes", "--url", &c.sim.url()])
        .env("PGPASSWORD", c.sim.password())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It waits for the lock; interrupt it there.
    std::thread::sleep(Duration::from_secs(4));
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("interrupted: rolled back, nothing changed"),
        "{}",
        err(&o)
    );
    reader.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!((schema_grants(&c).await, audit_runs(&c).await), before);
    // --verbose: one line per batch on stderr when it is not a terminal.
    let o = c.run(&[
        "apply",
        "--config",
        &model,
        "--yes",
        "--verbose",
        "--batch-size",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        err(&o).contains("ran 1 of 3 statements") && err(&o).contains("ran 3 of 3 statements"),
        "{}",
        err(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_waiting_on_a_lock_gives_up_at_the_read_timeout() {
    let c = Cluster::with_audit_schema(SETUP).await;
    // A reader holds the audit log's lock: history, which reads the log, must not wait forever.
    let reader = connect_as(&c.sim, "awsuser", c.sim.password()).await;
    reader
        .batch_execute("BEGIN; LOCK mlgrant.apply_log;")
        .await
        .unwrap();
    let started = Instant::now();
    let o = c.run(&["history", "--read-timeout", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        err(&o).contains("did not answer within 2 s (--read-timeout)"),
        "{}",
        err(&o)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    // Given longer, it says what it waits for, then answers once the lock is free.
    let freed = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        reader.batch_execute("ROLLBACK").await.unwrap();
    });
    let o = c.run(&["history", "--read-timeout", "60"]);
    freed.await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        err(&o).contains(
            "still waiting to read mlgrant.apply_log after 3 s: an apply in progress holds its lock"
        ),
        "{}",
        err(&o)
    );
}
