//! A run on several targets and the signals that end it: SIGTERM to `apply --all-targets` (a CI
//! job cancelled) stops every apply that has not committed and starts no other, each target
//! reported, and afterwards no target commits (no process of it is left to); and a model on
//! stdin (`--config -`) reaches every target.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redshift_sim::{Options, Simulator};

const PASSWORD: &str = "Fleet1pass";

fn model(sims: &[(&str, &Simulator)]) -> String {
    let mut text = String::from(
        "version = 1\n[groups.ml_team]\n[schemas.demo_ml]\nconsumers = [\"ml_team\"]\n",
    );
    for (name, sim) in sims {
        text.push_str(&format!("[targets.{name}]\nurl = \"{}\"\n", sim.url()));
    }
    text
}

async fn prepared(latency_ms: u64) -> Simulator {
    let sim = Simulator::start(Options {
        password: PASSWORD.to_owned(),
        latency_ms,
        ..Options::default()
    })
    .await
    .unwrap();
    let admin = super::connect_as(&sim, "awsuser", PASSWORD).await;
    admin
        .batch_execute("CREATE SCHEMA demo_ml; CREATE GROUP ml_team;")
        .await
        .unwrap();
    sim
}

async fn count(sim: &Simulator, sql: &str) -> String {
    let admin = super::connect_as(sim, "awsuser", PASSWORD).await;
    super::rows(&admin, sql).await[0][0].clone()
}

const MLGRANT_SESSIONS: &str = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mlgrant' AND pid <> pg_backend_pid()";
const USAGE: &str = "SELECT count(*) FROM svv_schema_privileges WHERE identity_name = 'ml_team'";
const AUDIT: &str = "SELECT count(*) FROM pg_namespace WHERE nspname = 'mlgrant'";
const RUNS: &str = "SELECT count(*) FROM mlgrant.apply_log";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_every_apply_that_has_not_committed_and_none_commits_afterwards() {
    // 300 ms a round trip: an apply (catalog, migrations, lock, grants, read-back, audit) takes
    // seconds, so the signal lands inside both running applies.
    let (a, b, c) = (
        prepared(300).await,
        prepared(300).await,
        prepared(300).await,
    );
    let dir = crate::util::scratch("fleet-signal", "work");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mlgrant.toml"),
        model(&[("a", &a), ("b", &b), ("c", &c)]),
    )
    .unwrap();
    let mut parent = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(["apply", "--all-targets", "--yes", "--jobs", "2"])
        .env("PGPASSWORD", PASSWORD)
        .env("HOME", &dir)
        .env_remove("PGHOST")
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both running targets have connected (their processes are mlgrant sessions).
    let start = Instant::now();
    while count(&a, MLGRANT_SESSIONS).await == "0" || count(&b, MLGRANT_SESSIONS).await == "0" {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the applies never connected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(parent.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let (mut out, mut err) = (String::new(), String::new());
    parent
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    parent
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = parent.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{out}{err}");
    for t in ["a", "b"] {
        assert!(
            out.contains(&format!("-- === target {t}: interrupted, rolled back ===")),
            "{out}{err}"
        );
        assert!(
            err.contains(&format!("[{t}] interrupted: rolled back, nothing changed")),
            "{err}"
        );
    }
    assert!(out.contains("-- === target c: never started ==="), "{out}");
    assert!(
        out.contains(
            "=== apply on 3 targets; interrupted, rolled back: a, b; never started: c ==="
        ),
        "{out}"
    );
    assert!(err.contains("SIGTERM: stopping"), "{err}");
    // Afterwards: no mlgrant session is left on any cluster, and none committed its apply: no
    // grant, no audit row (the audit schema's migrations commit on their own before an apply's
    // transaction, as docs/plan-and-apply.md says, so the schema itself may be there).
    tokio::time::sleep(Duration::from_secs(3)).await;
    for sim in [&a, &b, &c] {
        assert_eq!(
            count(sim, MLGRANT_SESSIONS).await,
            "0",
            "a target's process lives on"
        );
        assert_eq!(
            count(sim, USAGE).await,
            "0",
            "a target committed after the signal"
        );
        if count(sim, AUDIT).await == "1" {
            assert_eq!(
                count(sim, RUNS).await,
                "0",
                "a target committed after the signal"
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_on_stdin_reaches_every_target() {
    let (a, b) = (prepared(0).await, prepared(0).await);
    let dir = crate::util::scratch("fleet-stdin", "work");
    std::fs::create_dir_all(&dir).unwrap();
    let text = model(&[("a", &a), ("b", &b)]);
    let run = |args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(args)
            .env("PGPASSWORD", PASSWORD)
            .env("HOME", &dir)
            .env("NO_COLOR", "1")
            .env_remove("PGHOST")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let plan = run(&["plan", "--config", "-", "--all-targets"]);
    let (out, err) = (super::out(&plan), super::err(&plan));
    assert_eq!(plan.status.code(), Some(2), "{out}{err}");
    assert!(
        out.contains("=== plan on 2 targets; changes pending: a, b ==="),
        "{out}{err}"
    );
    assert_eq!(
        out.matches("GRANT USAGE ON SCHEMA demo_ml TO GROUP ml_team;")
            .count(),
        2,
        "{out}"
    );
    assert!(out.contains("-- mlgrant plan <stdin> against"), "{out}");
    // export reads its targets from --targets-from: on stdin too (the text is larger than a
    // pipe's buffer: its processes do not get it, and nothing waits on them to read it).
    let padded = format!("{text}{}", "# padding\n".repeat(20_000));
    let export = {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(["export", "--targets-from", "-", "--all-targets"])
            .env("PGPASSWORD", PASSWORD)
            .env("HOME", &dir)
            .env_remove("PGHOST")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(padded.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert_eq!(export.status.code(), Some(0), "{}", super::err(&export));
    assert!(
        super::out(&export).contains("# === export on 2 targets; ok: a, b ==="),
        "{}",
        super::out(&export)
    );
    // One target from stdin is the same as --url: apply it, and the other stays as it was.
    let one = run(&["apply", "--config", "-", "--target", "a", "--yes"]);
    assert_eq!(one.status.code(), Some(0), "{}", super::err(&one));
    assert_eq!(count(&a, USAGE).await, "1");
    assert_eq!(count(&b, USAGE).await, "0");
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_plan_of_many_targets_at_once() {
    // Plans are tasks of one process: a signal ends the running one and starts no other.
    let (a, b) = (prepared(1_000).await, prepared(1_000).await);
    let dir = crate::util::scratch("fleet-plan-signal", "work");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mlgrant.toml"), model(&[("a", &a), ("b", &b)])).unwrap();
    let mut parent = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(["plan", "--all-targets", "--jobs", "1"])
        .env("PGPASSWORD", PASSWORD)
        .env("HOME", &dir)
        .env_remove("PGHOST")
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while count(&a, MLGRANT_SESSIONS).await == "0" {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the plan never connected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let signalled = Instant::now();
    let pid = nix::unistd::Pid::from_raw(i32::try_from(parent.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let (mut out, mut err) = (String::new(), String::new());
    parent
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    parent
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = parent.wait().unwrap();
    // At 1 s a round trip the plan has several left: it did not wait for them.
    assert!(signalled.elapsed() < Duration::from_secs(3), "{out}{err}");
    assert_eq!(status.code(), Some(1), "{out}{err}");
    assert!(out.contains("-- === target a: stopped ==="), "{out}{err}");
    assert!(
        out.contains("-- === target b: never started ==="),
        "{out}{err}"
    );
    assert!(err.contains("SIGTERM: stopping"), "{err}");
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}
