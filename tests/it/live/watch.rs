//! `mlgrant watch` against the simulator, as the real binary: a model a creator makes is
//! granted to its consumers within an interval, audited with outcome `watch`; a recreated one
//! gets its grants back; a hand-made grant inside the fence is reported once (and given once to
//! `--on-drift`) and left in place; a model file that no longer checks is refused and the last
//! good one keeps working; the front stopped and started again is reconnected to and caught up
//! with; SIGTERM in the middle of a watch's apply lets that transaction end before it stops.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Cluster, admin, connect_as};

const SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE USER carol PASSWORD 'Carol1pass';
    CREATE USER dave PASSWORD 'Dave1pass';
    CREATE TABLE demo_ml.activity (state varchar(2), churn int);
    GRANT SELECT ON demo_ml.activity TO carol;
";

const MODEL: &str = r#"version = 1

[groups.bi]
members = ["dave"]

[groups.ops]

[schemas.demo_ml]
creators = ["user:carol"]
consumers = ["bi"]
"#;

fn create_model(name: &str) -> String {
    format!(
        "CREATE MODEL demo_ml.{name} FROM (SELECT state, churn FROM demo_ml.activity)
         TARGET churn FUNCTION {name}_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');"
    )
}

/// A running `mlgrant watch`: its JSON lines as they come, its stderr kept.
struct Watcher {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<Value>,
    stderr: Arc<Mutex<String>>,
}

impl Watcher {
    fn start(c: &Cluster, args: &[&str]) -> Watcher {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .arg("watch")
            .args(args)
            .args(["--url", &c.sim.url()])
            .env("PGPASSWORD", c.sim.password())
            .env("HOME", &c.dir)
            .env("NO_COLOR", "1")
            .env_remove("PGHOST")
            .env_remove("PGUSER")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mlgrant watch starts");
        let (send, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = send.send(line);
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let kept = stderr.clone();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
                kept.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        Watcher {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    /// A watch of `model` every second, with `--on-drift COMMAND`.
    fn each_second(c: &Cluster, model: &str, on_drift: &str) -> Watcher {
        let args = [
            "--config",
            model,
            "--interval",
            "1s",
            "--on-drift",
            on_drift,
        ];
        Watcher::start(c, &args)
    }

    /// The next line (within `secs`) for which `pred` holds; every line read is kept.
    fn wait_for(&mut self, what: &str, secs: u64, pred: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + Duration::from_secs(secs);
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            let v: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON line: {line:?}: {e}"));
            assert_eq!(v["format"], "mlgrant.watch", "{line}");
            assert_eq!(v["version"], 1, "{line}");
            self.seen.push(v.clone());
            if pred(&v) {
                return v;
            }
        }
        panic!(
            "no {what} within {secs} s; lines: {:#?}\nstderr:\n{}",
            self.seen,
            self.stderr.lock().unwrap()
        );
    }

    /// Keeps the lines that came so far.
    fn drain(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(serde_json::from_str(&line).unwrap());
        }
    }

    fn event(&mut self, kind: &str, secs: u64) -> Value {
        self.wait_for(kind, secs, |v| v["event"] == kind)
    }

    /// Sends SIGTERM and waits for the exit code.
    fn term(&mut self) -> Option<i32> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("watch did not stop within 30 s of SIGTERM");
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A cluster with the model applied, then carol's model `churn`, on which nobody holds a grant
/// yet; and carol's connection.
async fn with_churn() -> (Cluster, String, tokio_postgres::Client) {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    c.apply_and_converge(&model);
    let carol = connect_as(&c.sim, "carol", "Carol1pass").await;
    carol.batch_execute(&create_model("churn")).await.unwrap();
    (c, model, carol)
}

async fn executes(c: &Cluster, model: &str) -> Vec<Vec<String>> {
    c.rows(&format!(
        "SELECT identity_name FROM svv_ml_model_privileges WHERE model_name = '{model}' ORDER BY 1"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_grants_new_and_recreated_models_reports_drift_once_and_survives_bad_files_and_outages()
 {
    let mut c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    c.apply_and_converge(&model);
    let hook = c.dir.join("hook.jsonl");
    let on_drift = format!("cat >> '{}'", hook.display());
    let mut w = Watcher::each_second(&c, &model, &on_drift);
    let started = w.event("started", 20);
    assert_eq!(started["interval_seconds"], 1);

    // A creator makes a model: within an interval (and a round) bi may run it, audited.
    let carol = connect_as(&c.sim, "carol", "Carol1pass").await;
    carol.batch_execute(&create_model("churn")).await.unwrap();
    let applied = w.event("applied", 15);
    let statements = applied["statements"].to_string();
    assert!(
        statements.contains("GRANT EXECUTE ON MODEL demo_ml.churn TO GROUP bi"),
        "{applied}"
    );
    assert_eq!(executes(&c, "churn").await, [["bi"]]);
    let run = applied["run_id"].as_str().unwrap().to_owned();
    let audit = c
        .rows(&format!(
            "SELECT outcome, grants, revokes, model_digest FROM mlgrant.apply_log WHERE run_id = '{run}'"
        ))
        .await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0][..3], ["watch", "1", "0"]);
    assert_eq!(audit[0][3], started["model_digest"].as_str().unwrap());

    // Dropped and made again under its name, the model has lost its grants: they come back.
    carol
        .batch_execute(&format!(
            "DROP MODEL demo_ml.churn; {}",
            create_model("churn")
        ))
        .await
        .unwrap();
    let again = w.wait_for("the grant back", 15, |v| {
        v["event"] == "applied" && v["run_id"] != run.as_str()
    });
    assert!(
        again["statements"].to_string().contains("demo_ml.churn"),
        "{again}"
    );
    assert_eq!(executes(&c, "churn").await, [["bi"]]);

    // A hand-made grant inside the fence is drift: reported, given to --on-drift, left alone.
    c.admin
        .batch_execute("GRANT EXECUTE ON MODEL demo_ml.churn TO GROUP ops")
        .await
        .unwrap();
    let drift = w.event("drift", 15);
    assert_eq!(drift["action"], "revoke", "{drift}");
    assert!(
        drift["statement"]
            .as_str()
            .unwrap()
            .contains("REVOKE EXECUTE ON MODEL demo_ml.churn FROM GROUP ops"),
        "{drift}"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(executes(&c, "churn").await, [["bi"], ["ops"]]);

    // A model file that no longer checks is refused; the last good one keeps working.
    std::fs::write(&model, "version = 1\n[groups.bi\n").unwrap();
    let refused = w.event("model_refused", 15);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("last good model"),
        "{refused}"
    );
    carol.batch_execute(&create_model("upsell")).await.unwrap();
    let upsell = w.wait_for("upsell granted", 15, |v| {
        v["event"] == "applied" && v["statements"].to_string().contains("upsell")
    });
    assert!(upsell["statements"].to_string().contains("TO GROUP bi"));
    assert_eq!(executes(&c, "upsell").await, [["bi"]]);
    // The rounds since (upsell's) saw the drift again, and said nothing more of it.
    let said = w.seen.iter().filter(|v| v["event"] == "drift").count();
    assert_eq!(said, 1, "{:#?}", w.seen);
    let hooked = std::fs::read_to_string(&hook).unwrap_or_default();
    let hooked: Vec<Value> = hooked
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(hooked.len(), 1, "{hooked:?}");
    assert_eq!(hooked[0]["statement"], drift["statement"]);
    assert_eq!(hooked[0]["event"], "drift");
    std::fs::write(&model, MODEL).unwrap();
    w.event("model_reloaded", 15);

    // A model still training waits; once ready, it is granted within an interval.
    c.admin
        .batch_execute(&format!(
            "{} CALL mlsim.set_model_state('demo_ml', 'slow', 'Train Model On SageMaker In Progress');",
            create_model("slow")
        ))
        .await
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(executes(&c, "slow").await.is_empty());
    w.drain();
    assert!(
        !w.seen
            .iter()
            .any(|v| v.to_string().contains("demo_ml.slow")),
        "{:#?}",
        w.seen
    );
    c.admin
        .batch_execute("CALL mlsim.set_model_state('demo_ml', 'slow', 'Model is Ready')")
        .await
        .unwrap();
    w.wait_for("slow granted once ready", 15, |v| {
        v["event"] == "applied" && v["statements"].to_string().contains("demo_ml.slow")
    });
    assert_eq!(executes(&c, "slow").await, [["bi"]]);

    // The cluster goes away and comes back: the watch connects again and catches up.
    drop(carol);
    c.sim.stop_front().await;
    w.event("disconnected", 15);
    c.sim.restart_front().await.unwrap();
    c.admin = admin(&c.sim).await;
    let carol = connect_as(&c.sim, "carol", "Carol1pass").await;
    carol.batch_execute(&create_model("late")).await.unwrap();
    w.event("connected", 30);
    w.wait_for("late granted", 15, |v| {
        v["event"] == "applied" && v["statements"].to_string().contains("demo_ml.late")
    });
    assert_eq!(executes(&c, "late").await, [["bi"]]);
    // The drift is still there, left in place.
    assert_eq!(executes(&c, "churn").await, [["bi"], ["ops"]]);

    assert_eq!(w.term(), Some(0), "{}", w.stderr.lock().unwrap());
    w.event("stopped", 5);
    let outcomes = c
        .rows("SELECT outcome, count(*) FROM mlgrant.apply_log GROUP BY outcome ORDER BY 1")
        .await;
    assert_eq!(outcomes, [["applied", "1"], ["watch", "5"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_in_the_middle_of_a_watch_apply_lets_the_transaction_end_first() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    c.apply_and_converge(&model);
    let mut w = Watcher::start(&c, &["--config", &model, "--interval", "1s"]);
    w.event("started", 20);
    // Every round trip slow: the apply spends seconds in its transaction.
    c.sim.set_latency(Duration::from_millis(400));
    let carol = connect_as(&c.sim, "carol", "Carol1pass").await;
    carol.batch_execute(&create_model("churn")).await.unwrap();
    let door = c.sim.backend_admin().await.unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let open = door
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mlgrant' AND state = 'idle in transaction'",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0);
        if open > 0 {
            break;
        }
        assert!(Instant::now() < end, "the watch never opened a transaction");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(w.term(), Some(0), "{}", w.stderr.lock().unwrap());
    // After, never between: the grant and its audit record landed together.
    c.sim.set_latency(Duration::ZERO);
    let held = executes(&c, "churn").await;
    let audited = c
        .rows("SELECT count(*) FROM mlgrant.apply_log WHERE outcome = 'watch'")
        .await;
    assert_eq!(
        (held, audited),
        (vec![vec!["bi".to_owned()]], vec![vec!["1".to_owned()]])
    );
    let stderr = w.stderr.lock().unwrap().clone();
    assert!(
        stderr.contains("SIGTERM: stopping after the transaction"),
        "{stderr}"
    );
    w.event("applied", 5);
    w.event("stopped", 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_holds_back_while_a_guard_fails_then_applies_and_hands_drift_over_without_secrets() {
    let (c, model, _carol) = with_churn().await;
    // Someone may write to mlgrant's schema: doctor's audit_schema_owner fails; nothing applied.
    c.admin
        .batch_execute("GRANT CREATE ON SCHEMA mlgrant TO carol")
        .await
        .unwrap();
    let held = c.run(&["watch", "--config", &model, "--once"]);
    assert_eq!(held.status.code(), Some(1), "{}", super::err(&held));
    let lines: Vec<Value> = super::out(&held)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let not_applied = lines
        .iter()
        .find(|v| v["event"] == "not_applied")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(
        not_applied["message"]
            .as_str()
            .unwrap()
            .contains("audit_schema_owner"),
        "{not_applied}"
    );
    assert!(executes(&c, "churn").await.is_empty());
    c.admin
        .batch_execute("REVOKE CREATE ON SCHEMA mlgrant FROM carol; GRANT EXECUTE ON MODEL demo_ml.churn TO GROUP ops")
        .await
        .unwrap();
    // ops holds a grant on churn now, but nothing the model requires: churn is still fresh.
    let hook = c.dir.join("hook.jsonl");
    let env = c.dir.join("env.txt");
    let on_drift = format!("env > '{}'; cat >> '{}'", env.display(), hook.display());
    let done = c.run(&[
        "watch",
        "--config",
        &model,
        "--once",
        "--on-drift",
        &on_drift,
    ]);
    assert_eq!(done.status.code(), Some(0), "{}", super::err(&done));
    let out = super::out(&done);
    assert!(
        out.lines().any(|l| l.contains("\"event\":\"applied\"") && l.contains("demo_ml.churn TO GROUP bi")),
        "{out}"
    );
    assert_eq!(executes(&c, "churn").await, [["bi"], ["ops"]]);
    let hooked = std::fs::read_to_string(&hook).unwrap();
    assert!(hooked.contains("FROM GROUP ops"), "{hooked}");
    let env = std::fs::read_to_string(&env).unwrap();
    assert!(
        !env.contains("PGPASSWORD") && !env.contains(c.sim.password()),
        "{env}"
    );
    for o in [&held, &done] {
        assert!(
            !super::err(o).contains(c.sim.password()) && !super::out(o).contains(c.sim.password())
        );
    }

    // No cluster at all: a clear error, exit 1.
    let nowhere = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(["watch", "--config", &model, "--once", "--url"])
        .arg(c.sim.url().replace(&format!(":{}/", c.sim.port()), ":1/"))
        .env("PGPASSWORD", "x")
        .env("HOME", &c.dir)
        .output()
        .unwrap();
    assert_eq!(nowhere.status.code(), Some(1));
    assert!(
        super::err(&nowhere).starts_with("error: "),
        "{}",
        super::err(&nowhere)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_on_every_target_watches_each_cluster_on_its_own_connection_and_names_it() {
    use redshift_sim::{Options, Simulator};
    const PASSWORD: &str = "Same1password";
    let options = || Options {
        password: PASSWORD.to_owned(),
        ..Options::default()
    };
    let (a, b) = (
        Simulator::start(options()).await.unwrap(),
        Simulator::start(options()).await.unwrap(),
    );
    for (sim, model) in [(&a, "churn"), (&b, "upsell")] {
        let admin = connect_as(sim, "awsuser", PASSWORD).await;
        admin
            .batch_execute(&format!(
                "CREATE SCHEMA demo_ml; CREATE GROUP bi; CREATE TABLE demo_ml.activity (state varchar(2), churn int); {}",
                create_model(model)
            ))
            .await
            .unwrap();
    }
    let dir = crate::util::scratch("watch", "targets");
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("mlgrant.toml");
    std::fs::write(
        &model,
        format!(
            "version = 1\n[groups.bi]\n[schemas.demo_ml]\nconsumers = [\"bi\"]\n\n[targets.a]\nurl = \"{}\"\n[targets.b]\nurl = \"{}\"\n",
            a.url(),
            b.url()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(args)
            .env("PGPASSWORD", PASSWORD)
            .env("HOME", &dir)
            .env_remove("PGHOST")
            .env_remove("PGUSER")
            .output()
            .unwrap()
    };
    let config = model.to_str().unwrap();
    // A first apply on each makes the audit schema and the grants; a recreation drops them.
    let first = run(&["apply", "--config", config, "--all-targets", "--yes"]);
    assert_eq!(first.status.code(), Some(0), "{}", super::err(&first));
    for (sim, m) in [(&a, "churn"), (&b, "upsell")] {
        let admin = connect_as(sim, "awsuser", PASSWORD).await;
        admin
            .batch_execute(&format!("DROP MODEL demo_ml.{m}; {}", create_model(m)))
            .await
            .unwrap();
    }
    let o = run(&["watch", "--config", config, "--all-targets", "--once"]);
    assert_eq!(o.status.code(), Some(0), "{}", super::err(&o));
    let lines: Vec<Value> = super::out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (target, m) in [("a", "churn"), ("b", "upsell")] {
        let applied = lines
            .iter()
            .find(|v| v["event"] == "applied" && v["target"] == target)
            .unwrap_or_else(|| panic!("{lines:#?}"));
        assert!(
            applied["statements"]
                .to_string()
                .contains(&format!("demo_ml.{m} TO GROUP bi")),
            "{applied}"
        );
    }
    for (sim, m) in [(&a, "churn"), (&b, "upsell")] {
        let admin = connect_as(sim, "awsuser", PASSWORD).await;
        let held = super::rows(
            &admin,
            &format!("SELECT identity_name FROM svv_ml_model_privileges WHERE model_name = '{m}'"),
        )
        .await;
        assert_eq!(held, [["bi"]]);
    }
    // One target that cannot be reached fails the run, named; the other is still watched.
    std::fs::write(
        &model,
        format!(
            "version = 1\n[groups.bi]\n[schemas.demo_ml]\nconsumers = [\"bi\"]\n\n[targets.a]\nurl = \"{}\"\n[targets.down]\nurl = \"postgres://awsuser@127.0.0.1:1/dev?sslmode=require\"\n",
            a.url()
        ),
    )
    .unwrap();
    let o = run(&["watch", "--config", config, "--all-targets", "--once"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        super::err(&o).contains("error: down: "),
        "{}",
        super::err(&o)
    );
    assert!(
        super::out(&o).contains("\"target\":\"a\""),
        "{}",
        super::out(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_on_drift_command_delays_no_grant_and_dies_with_the_watch() {
    let (c, model, carol) = with_churn().await;
    c.apply_and_converge(&model);
    c.admin
        .batch_execute("GRANT EXECUTE ON MODEL demo_ml.churn TO GROUP ops")
        .await
        .unwrap();
    let pidfile = c.dir.join("hook.pid");
    let on_drift = format!("sleep 29 & echo $! > '{}'; wait", pidfile.display());
    let mut w = Watcher::each_second(&c, &model, &on_drift);
    w.event("drift", 20);
    // The command hangs; a new model is granted all the same, within a few intervals.
    carol.batch_execute(&create_model("upsell")).await.unwrap();
    let asked = Instant::now();
    w.wait_for("upsell granted", 10, |v| {
        v["event"] == "applied" && v["statements"].to_string().contains("upsell")
    });
    assert!(asked.elapsed() < Duration::from_secs(10));
    let end = Instant::now() + Duration::from_secs(10);
    while !pidfile.exists() {
        assert!(Instant::now() < end, "the command never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let stopping = Instant::now();
    assert_eq!(w.term(), Some(0), "{}", w.stderr.lock().unwrap());
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "{:?}",
        stopping.elapsed()
    );
    // The command's whole process group went with it: no sleep left behind.
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(')').next().unwrap_or("").trim().chars().next();
        if stat.is_empty() || state == Some('Z') {
            break;
        }
        assert!(
            Instant::now() < end,
            "the hook's child {pid} outlived the watch: {stat}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_about_to_end_is_a_warning_judged_at_the_round_s_time() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let ending = super::day(3);
    let text = MODEL.replace(
        r#"consumers = ["bi"]"#,
        &format!(
            r#"consumers = ["bi", {{ grantee = "user:dave", until = {ending}, reason = "INC-7" }}]"#
        ),
    );
    let model = c.model("mlgrant.toml", &text);
    c.apply_and_converge(&model);
    let o = c.run(&["watch", "--config", &model, "--once"]);
    assert_eq!(o.status.code(), Some(0), "{}", super::err(&o));
    let warnings: Vec<Value> = super::out(&o)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == "warning")
        .collect();
    assert_eq!(warnings.len(), 1, "{}", super::out(&o));
    let said = warnings[0]["warning"].as_str().unwrap();
    assert!(
        said.contains(&format!("expires on {ending} (INC-7), in 3 days"))
            && said.starts_with(&model),
        "{said}"
    );
}
