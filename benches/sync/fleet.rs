//! A fleet: `plan --all-targets --jobs 64` of a model with N targets, at 50 ms a round trip.
//! The targets are all one simulator (its URL N times, under N names): what is measured is
//! mlgrant's side, a connection, a TLS handshake and a catalog read per target, and the
//! simulator serves up to 64 of them at once. The floor is ceil(N / jobs) times one target's
//! connect and one round trip, measured here with tokio-postgres on the same simulator.

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redshift_sim::{Options, Simulator};

/// The CPU time of this process (the simulator's front runs in it) and of the PostgreSQL
/// servers it started (each postmaster's own time and that of the backends it has reaped),
/// from /proc, in USER_HZ ticks (100 a second on Linux).
fn simulator_cpu() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    let me = std::process::id().to_string();
    let mut ticks: u64 = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17)
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            continue;
        };
        let fields: Vec<&str> = after.split(' ').collect();
        if stat.contains("(postgres)") && fields.get(1) == Some(&me.as_str()) {
            ticks += fields[11..15]
                .iter()
                .filter_map(|f| f.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    let own = getrusage(UsageWho::RUSAGE_SELF).map_or(Duration::ZERO, |u| {
        let tv = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(t.tv_sec().max(0) as u64)
                + Duration::from_micros(t.tv_usec().max(0) as u64)
        };
        tv(u.user_time()) + tv(u.system_time())
    });
    Duration::from_millis(ticks * 10) + own
}

pub async fn plan_of_many_targets(n: usize, jobs: usize) -> String {
    let sim = Simulator::start(Options {
        latency_ms: 50,
        ..Options::default()
    })
    .await
    .expect("simulator");
    let dir = std::env::temp_dir().join(format!("mlgrant-bench-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut model = String::from(
        "version = 1\n[groups.ml_team]\n[schemas.demo_ml]\nconsumers = [\"ml_team\"]\n",
    );
    for i in 0..n {
        let _ = writeln!(model, "[targets.t{i:04}]\nurl = \"{}\"", sim.url());
    }
    let path = dir.join("fleet.toml");
    std::fs::write(&path, model).unwrap();

    // One target's connect (TCP, TLS, startup, password) and one round trip.
    let env = |k: &str| (k == "PGPASSWORD").then(|| sim.password().to_owned());
    let target = mlgrant::connect::resolve(Some(&sim.url()), &env, None).unwrap();
    let mut one = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let client = mlgrant::connect::connect(&target).await.unwrap();
        client.simple_query("SELECT 1").await.unwrap();
        one = one.min(t.elapsed());
    }
    let waves = n.div_ceil(jobs);
    let floor = one * u32::try_from(waves).unwrap_or(u32::MAX);

    let cpu_before = super::children_cpu();
    let server_before = simulator_cpu();
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args([
            "plan",
            "--all-targets",
            "--jobs",
            &jobs.to_string(),
            "--config",
        ])
        .arg(&path)
        .env("PGPASSWORD", sim.password())
        .env("HOME", &dir)
        .stdin(Stdio::null())
        .output()
        .expect("mlgrant runs");
    let wall = t.elapsed();
    let cpu = super::children_cpu().saturating_sub(cpu_before);
    let server = simulator_cpu().saturating_sub(server_before);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get()) as f64;
    let text = String::from_utf8_lossy(&out.stdout);
    let pending = text.matches(": changes pending ===").count();
    assert_eq!(
        pending,
        n,
        "every target plans: {}",
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .take(5)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
    format!(
        "a fleet: plan --all-targets --jobs {jobs} of {n} targets at 50 ms (all one simulator):\n  one target's connect and round trip: {:.0} ms; {waves} waves of {jobs}: floor {:.2} s\n  the simulator's CPU (its front and its PostgreSQL, on the same cores): {:.2} s, {:.1} ms a target; mlgrant's: {:.2} s; wall / (all CPU / {cores} cores): {:.2}\nfigure plan of {n} targets at 50 ms, --jobs {jobs}, wall: {:.2} s (goal: at most 10 s)\nfigure CPU per target in a plan of {n} targets: {:.1} ms (user + sys of mlgrant and its processes / {n}) (goal: at most 10 ms)\nratio fleet wall / floor: {:.2} (goal: at most 2)",
        super::ms(one),
        floor.as_secs_f64(),
        server.as_secs_f64(),
        super::ms(server) / n as f64,
        cpu.as_secs_f64(),
        wall.as_secs_f64() / ((server + cpu).as_secs_f64() / cores),
        wall.as_secs_f64(),
        super::ms(cpu) / n as f64,
        wall.as_secs_f64() / floor.as_secs_f64(),
    )
}
