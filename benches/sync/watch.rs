//! `mlgrant watch` on the simulator (no added latency): the time from a model being created, or
//! dropped and created again, to its consumers holding EXECUTE, at `--interval 1s` (the figure
//! scales with the interval: on average half of it, plus one round); and the idle cost, the
//! watch's statements, round trips and protocol bytes (inside TLS) over a quiet stretch,
//! scaled to an hour at the default interval of 60 s.

use std::fmt::Write as _;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redshift_sim::{Options, Simulator};

const SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE TABLE demo_ml.activity (state varchar(2), churn int);
    CREATE GROUP bi;
";

fn create(name: &str) -> String {
    format!(
        "CREATE MODEL demo_ml.{name} FROM (SELECT state, churn FROM demo_ml.activity)
         TARGET churn FUNCTION {name}_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');"
    )
}

async fn held(admin: &tokio_postgres::Client, name: &str) -> bool {
    let rows = admin
        .simple_query(&format!(
            "SELECT identity_name FROM svv_ml_model_privileges WHERE model_name = '{name}'"
        ))
        .await
        .unwrap();
    rows.iter()
        .any(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_)))
}

/// How long after `change` ran until `name` holds a grant (polled every 10 ms).
async fn until_granted(admin: &tokio_postgres::Client, change: &str, name: &str) -> Duration {
    admin.batch_execute(change).await.unwrap();
    let start = Instant::now();
    while !held(admin, name).await {
        assert!(start.elapsed() < Duration::from_secs(30), "never granted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    start.elapsed()
}

/// The watch's connection's counters (it is the one whose application is mlgrant and that
/// lives longest: the first made after `before` connections).
fn watch_stats(sim: &Simulator, before: usize) -> redshift_sim::ConnectionStats {
    sim.stats().swap_remove(before)
}

pub async fn watch_figures() -> String {
    let sim = Simulator::start(Options::default())
        .await
        .expect("simulator");
    let url = sim.url();
    let admin_target = mlgrant::connect::resolve(
        Some(&url),
        &|k: &str| (k == "PGPASSWORD").then(|| sim.password().to_owned()),
        None,
    )
    .unwrap();
    let admin = mlgrant::connect::connect(&admin_target).await.unwrap();
    admin.batch_execute(SETUP).await.unwrap();
    let dir = std::env::temp_dir().join(format!("mlgrant-bench-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("mlgrant.toml");
    std::fs::write(
        &model,
        "version = 1\n[groups.bi]\n[schemas.demo_ml]\nconsumers = [\"bi\"]\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(args)
            .args(["--url", &url])
            .env("PGPASSWORD", sim.password())
            .env("HOME", &dir)
            .output()
            .unwrap()
    };
    let first = run(&["apply", "--config", model.to_str().unwrap(), "--yes"]);
    assert!(first.status.success(), "{first:?}");
    let before = sim.stats().len();
    let mut watch = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args([
            "watch",
            "--config",
            model.to_str().unwrap(),
            "--interval",
            "1s",
        ])
        .args(["--url", &url])
        .env("PGPASSWORD", sim.password())
        .env("HOME", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(watch.stdout.take().unwrap()).lines();
    // Started: its first round is done once the next line could come.
    let _ = lines.next();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut report = String::from("watch (simulator, --interval 1s):\n");
    let mut created = Vec::new();
    let mut recreated = Vec::new();
    // Each change comes at another point of the interval (an echo round after each grant
    // has passed by then): the figure is the wait for the next poll plus one round.
    let offset = |k: u64| Duration::from_millis(1_200 + (k * 373) % 1_000);
    for i in 0..5u64 {
        let name = format!("m{i}");
        tokio::time::sleep(offset(2 * i)).await;
        created.push(until_granted(&admin, &create(&name), &name).await);
        tokio::time::sleep(offset(2 * i + 1)).await;
        recreated.push(
            until_granted(
                &admin,
                &format!("DROP MODEL demo_ml.{name}; {}", create(&name)),
                &name,
            )
            .await,
        );
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let _ = writeln!(
        report,
        "model created -> consumers hold EXECUTE: median {:.0} ms, worst {:.0} ms of 5 (goal: within one interval, 1000 ms)",
        median(&mut created).as_secs_f64() * 1e3,
        created.iter().max().unwrap().as_secs_f64() * 1e3
    );
    let _ = writeln!(
        report,
        "model dropped and recreated -> EXECUTE back: median {:.0} ms, worst {:.0} ms of 5 (goal: within one interval, 1000 ms)",
        median(&mut recreated).as_secs_f64() * 1e3,
        recreated.iter().max().unwrap().as_secs_f64() * 1e3
    );
    // Idle: nothing changes for 20 s (20 polls at 1 s).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let a = watch_stats(&sim, before);
    let quiet = Instant::now();
    tokio::time::sleep(Duration::from_secs(20)).await;
    let b = watch_stats(&sim, before);
    let secs = quiet.elapsed().as_secs_f64();
    // A poll a second here; scaled to an hour at the default interval (60 polls an hour).
    let per_second = |x: u64, y: u64| (y - x) as f64 / secs;
    let _ = writeln!(
        report,
        "idle cost at the default --interval 60s: {:.0} statements, {:.0} round trips, {:.1} KB to the cluster and {:.1} KB back per hour ({:.2} round trips a poll; {} models)",
        per_second(a.statements, b.statements) * 60.0,
        per_second(a.round_trips, b.round_trips) * 60.0,
        per_second(a.bytes_in, b.bytes_in) * 60.0 / 1e3,
        per_second(a.bytes_out, b.bytes_out) * 60.0 / 1e3,
        per_second(a.round_trips, b.round_trips),
        5
    );
    let _ = watch.kill();
    let _ = watch.wait();
    let _ = std::fs::remove_dir_all(&dir);
    report
}
