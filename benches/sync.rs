//! `cargo bench --bench sync`: mlgrant's speed, as ratios measured in one run.
//!
//! 1. Offline: compile + diff + render of a model requiring 1,000,000 grants against a catalog
//!    that differs from it in 20,000 places; wall time and peak memory (VmHWM).
//! 2. Live, through the Redshift simulator: a plan's round trips and time with 10, 1,000 and
//!    10,000 models across 100 schemas and 50 groups; then an apply of about 10,000 changes at
//!    5 ms injected latency, against `psql -f` of the same statements through the same
//!    simulator, and against the same apply at 0 ms.
//!
//! `--quick` runs the live part with 1,000 models only and the fleet with 100 targets (for a
//! smoke run); `--core` runs the offline 1M-grant case alone (for a profiler); `--plans` the live plans at 10,000 and 100,000 models alone; `--offline` skips the live part; `--fleet` runs the fleet alone; `--watch` runs
//! the watch figures alone (the time to EXECUTE on a new or recreated model, the idle cost).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use mlgrant::model::{Grant, GrantSet, Grantee, GroupState, Inventory, ModelName, Name, State};
use redshift_sim::{Options, Simulator};

#[path = "sync/bad_files.rs"]
mod bad_files;
#[path = "sync/fleet.rs"]
mod fleet;
#[path = "sync/peer.rs"]
mod peer;
#[path = "sync/watch.rs"]
mod watch;

const SCHEMAS: usize = 100;
const GROUPS: usize = 50;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn n(s: &str) -> Name {
    Name::from_catalog(s)
}

fn offline() -> String {
    let models_per_schema = 100;
    let users = 50;
    let mut text = String::from("version = 1\n");
    for g in 0..GROUPS {
        let _ = writeln!(text, "[groups.g{g:02}]");
    }
    let consumers: Vec<String> = (0..GROUPS)
        .map(|g| format!("\"g{g:02}\""))
        .chain((0..users).map(|u| format!("\"user:u{u:02}\"")))
        .collect();
    for s in 0..SCHEMAS {
        let extra = if s == SCHEMAS - 1 {
            (0..10)
                .map(|x| format!(", \"user:x{x}\""))
                .collect::<String>()
        } else {
            String::new()
        };
        let _ = writeln!(
            text,
            "[schemas.s{s:03}]\ncreators = [\"g{:02}\"{extra}]\nconsumers = [{}]",
            s % GROUPS,
            consumers.join(", ")
        );
    }
    let t = Instant::now();
    let model = mlgrant::config::parse("bench.toml", &text).expect("bench model");
    let parse = t.elapsed();

    let mut inventory = Inventory {
        current_user: "awsuser".into(),
        superuser: true,
        sees_all: true,
        sees_all_models: true,
        ..Inventory::default()
    };
    inventory.users.insert(n("awsuser"), true);
    for u in 0..users {
        inventory.users.insert(n(&format!("u{u:02}")), false);
    }
    for x in 0..10 {
        inventory.users.insert(n(&format!("x{x}")), false);
    }
    let mut cluster = State {
        cluster: Some(inventory),
        ..State::default()
    };
    for g in 0..GROUPS {
        cluster.groups.insert(
            n(&format!("g{g:02}")),
            GroupState {
                members: Some(Default::default()),
                declared: None,
            },
        );
    }
    for s in 0..SCHEMAS {
        cluster
            .schemas
            .insert(n(&format!("s{s:03}")), Some(n("awsuser")));
        for m in 0..models_per_schema {
            cluster.models.insert(
                ModelName {
                    schema: n(&format!("s{s:03}")),
                    model: n(&format!("m{m:03}")),
                },
                Some(n("awsuser")),
            );
        }
    }
    // The cluster holds what the model requires, less 1 in 100, plus 10,000 EXECUTE grants to
    // managed users the model does not give them.
    let required =
        mlgrant::compile::compile_with_models(&model, &cluster.models.keys().cloned().collect());
    // Listed as the catalog reader lists its rows, made a set once.
    let mut held = Vec::with_capacity(required.grants.len() + 10_000);
    let ordered: BTreeSet<&Grant> = required.grants.keys().collect();
    for (i, g) in ordered.into_iter().enumerate() {
        if i % 100 != 0 {
            held.push((g.clone(), Default::default()));
        }
    }
    for (i, m) in cluster.models.keys().enumerate() {
        held.push((
            Grant::execute(m.clone(), Grantee::User(n(&format!("x{}", i % 10)))),
            Default::default(),
        ));
    }
    cluster.grants = GrantSet::from_unsorted(held);
    let facts = required.grants.len();
    drop(required);

    let t = Instant::now();
    let compiled =
        mlgrant::compile::compile_with_models(&model, &cluster.models.keys().cloned().collect());
    let compile = t.elapsed();
    drop(compiled);
    let t = Instant::now();
    let plan = mlgrant::diff::sync(&model, &cluster).expect("plan");
    let sync = t.elapsed();
    let t = Instant::now();
    let sql = mlgrant::render::sql(&plan, "bench");
    let render = t.elapsed();
    let counts = plan.counts();
    format!(
        "offline, {facts} required grants vs a catalog of {} held:\n  parse {:.1} ms, compile {:.1} ms, compile + diff {:.1} ms, render {:.1} ms ({} changes in {} statements, {:.1} MB of SQL)\n  plan: {:?}\nfigure compile + diff + render of 1M grants: {:.3} s (goal: at most 0.25 s)\nfigure peak memory for 1M grants: {:.0} MB (goal: at most 250 MB)\n",
        cluster.grants.len(),
        ms(parse),
        ms(compile),
        ms(sync),
        ms(render),
        plan.steps.len(),
        plan.statements.len(),
        sql.len() as f64 / 1e6,
        counts,
        (sync + render).as_secs_f64(),
        peak_rss_mb(),
    )
}

/// export of a cluster with 20,000 models in 200 schemas, 20 groups consuming every schema and
/// 20 creators (one per 10 schemas), all held: the exported model, checked by planning it.
fn export_case() -> String {
    let (schemas, models_per_schema, groups) = (200, 100, 20);
    let mut inventory = Inventory {
        current_user: "awsuser".into(),
        superuser: true,
        sees_all: true,
        sees_all_models: true,
        ..Inventory::default()
    };
    inventory.users.insert(n("awsuser"), true);
    let mut cluster = State {
        cluster: Some(inventory),
        ..State::default()
    };
    let group = |g: usize| Grantee::Group(n(&format!("g{g:02}")));
    for g in 0..groups {
        cluster.groups.insert(
            n(&format!("g{g:02}")),
            GroupState {
                members: Some(Default::default()),
                declared: None,
            },
        );
    }
    let mut held = Vec::new();
    for s in 0..schemas {
        let schema = n(&format!("s{s:03}"));
        cluster.schemas.insert(schema.clone(), Some(n("awsuser")));
        let creator = group(s % 10);
        held.push((Grant::create_model(creator.clone()), Default::default()));
        held.push((
            Grant::schema_create(schema.clone(), creator.clone()),
            Default::default(),
        ));
        held.push((
            Grant::schema_usage(schema.clone(), creator),
            Default::default(),
        ));
        for g in 10..groups {
            held.push((
                Grant::schema_usage(schema.clone(), group(g)),
                Default::default(),
            ));
        }
        for m in 0..models_per_schema {
            let model = ModelName {
                schema: schema.clone(),
                model: n(&format!("m{m:03}")),
            };
            cluster.models.insert(model.clone(), Some(n("awsuser")));
            for g in 10..groups {
                held.push((Grant::execute(model.clone(), group(g)), Default::default()));
            }
        }
    }
    cluster.grants = GrantSet::from_unsorted(held);
    let t = Instant::now();
    let text = mlgrant::export::export(&cluster, "bench", false).expect("export");
    let took = t.elapsed();
    format!(
        "  export: {} models, {} grants, {} KB of TOML, checked by planning it\nfigure export of 20,000 models: {:.2} s (goal: a few seconds)\n",
        cluster.models.len(),
        cluster.grants.len(),
        text.len() / 1024,
        took.as_secs_f64(),
    )
}

/// Parsing (with every check and every item located) of a 50 MB model: one long list per schema.
fn parse_50mb() -> String {
    let mut text = String::from("version = 1\n");
    let mut s = 0;
    while text.len() < 50_000_000 {
        let _ = write!(text, "[schemas.s{s:05}]\nconsumers = [");
        for u in 0..20_000 {
            let _ = write!(text, "\"user:u{u:05}\", ");
        }
        text.push_str("]\n");
        s += 1;
    }
    let t = Instant::now();
    let model = mlgrant::config::parse("big.toml", &text).expect("the big model parses");
    let took = t.elapsed();
    format!(
        "  parse: a {:.0} MB model, {} schemas with lists of 20,000, every item located\nfigure parse of a 50 MB model: {:.2} s (goal: a few seconds)\n",
        text.len() as f64 / 1e6,
        model.schemas.len(),
        took.as_secs_f64()
    )
}

/// `mlgrant check` of bad files of 1 MB and 10 MB of each kind, in text and JSON: wall time of
/// the binary and the bytes it printed (the report must stay linear, and bounded in text).
fn check_bad_files() -> String {
    let dir = std::env::temp_dir().join(format!("mlgrant-bench-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut report =
        String::from("  check of bad files (wall time of the binary, bytes printed):\n");
    for mb in [1usize, 10] {
        for (kind, text) in bad_files::bad_files(mb << 20) {
            let path = dir.join("bad.toml");
            std::fs::write(&path, &text).unwrap();
            for format in ["text", "json"] {
                let t = Instant::now();
                let out = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
                    .args([
                        "check",
                        "--config",
                        path.to_str().unwrap(),
                        "--format",
                        format,
                    ])
                    .output()
                    .expect("mlgrant runs");
                let took = t.elapsed();
                let _ = writeln!(
                    report,
                    "figure check of {mb} MB of {kind}, {format}: {:.2} s, {} bytes printed (goal: under 1 s at 1 MB)",
                    took.as_secs_f64(),
                    out.stdout.len() + out.stderr.len()
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    report
}

/// The CPU time (user + system) of this process's children that have been waited for, their
/// own children included: the difference around one run is that run's CPU.
pub fn children_cpu() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(Duration::ZERO, |u| {
        let tv = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(t.tv_sec().max(0) as u64)
                + Duration::from_micros(t.tv_usec().max(0) as u64)
        };
        tv(u.user_time()) + tv(u.system_time())
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Live {
    sim: Simulator,
    dir: std::path::PathBuf,
}

/// What one run of the mlgrant binary took: wall time, its output, and its peak memory (the
/// child's own maximum resident set, from wait4).
struct Run {
    took: Duration,
    stdout: Vec<u8>,
    peak_mb: f64,
    /// user + system, from getrusage of the waited-for child
    cpu: Duration,
}

impl Live {
    fn mlgrant(&self, args: &[&str]) -> Run {
        let out_path = self.dir.join("stdout");
        let err_path = self.dir.join("stderr");
        let cpu_before = children_cpu();
        let t = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(args)
            .arg("--url")
            .arg(self.sim.url())
            .env("PGPASSWORD", self.sim.password())
            .env("HOME", &self.dir)
            .stdout(std::fs::File::create(&out_path).unwrap())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .spawn()
            .expect("mlgrant runs");
        // The child's own high-water mark (VmHWM, of its image after exec: wait4's ru_maxrss
        // would count this process's memory at spawn), read every millisecond until it exits.
        let status_file = format!("/proc/{}/status", child.id());
        let mut peak_kb = 0u64;
        let status = loop {
            if let Some(hwm) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<u64>().ok())
            }) {
                peak_kb = peak_kb.max(hwm);
            }
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let took = t.elapsed();
        assert!(
            status.success() || status.code() == Some(2),
            "mlgrant {args:?}: {}",
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
        Run {
            took,
            stdout: std::fs::read(&out_path).unwrap(),
            peak_mb: peak_kb as f64 / 1024.0,
            cpu: children_cpu().saturating_sub(cpu_before),
        }
    }

    fn last_round_trips(&self) -> u64 {
        self.sim.stats().last().map_or(0, |c| c.round_trips)
    }
}

/// Makes models `from..to` in bulk: one server-side loop over the simulator's own CREATE MODEL
/// procedure (what the front turns CREATE MODEL into), a transaction per 1,000 (each new function
/// holds a lock to the end of its transaction; PostgreSQL's lock table is small). Redshift has no
/// DO, so the loop goes through the simulator's admin door (`door`), as awsuser.
async fn make_models(door: &tokio_postgres::Client, from: usize, to: usize) {
    let mut at = from;
    while at < to {
        let end = (at + 1_000).min(to);
        door.batch_execute(&format!(
            "DO $$ BEGIN FOR i IN {at}..{} LOOP
                   CALL mlsim.create_model(format('s%s', lpad((i % {SCHEMAS})::text, 3, '0')),
                     format('m%s', i), format('f%s', i), ARRAY['int'], 'int',
                     'default-aws-iam-role', '{{}}'::jsonb);
                 END LOOP; END $$",
            end - 1
        ))
        .await
        .unwrap();
        at = end;
    }
}

/// One plan at `size` models: its time, round trips, peak memory, changes and statements.
struct PlanFigures {
    took: Duration,
    cpu: Duration,
    round_trips: u64,
    peak_mb: f64,
    changes: u64,
    statements: usize,
    json_bytes: usize,
}

fn plan_figures(l: &Live, model: &str) -> PlanFigures {
    let run = l.mlgrant(&["plan", "--config", model, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    PlanFigures {
        took: run.took,
        cpu: run.cpu,
        round_trips: l.last_round_trips(),
        peak_mb: run.peak_mb,
        changes: doc["changes"].as_u64().unwrap_or(0),
        statements: doc["statements"].as_array().map_or(0, Vec::len),
        json_bytes: run.stdout.len(),
    }
}

/// The statements of a plan (JSON) written one grant per statement: each part alone, the
/// script a tool without list forms would send.
fn one_per_statement(plan_json: &[u8]) -> String {
    let doc: serde_json::Value = serde_json::from_slice(plan_json).unwrap();
    let mut out = String::new();
    for st in doc["statements"].as_array().into_iter().flatten() {
        for part in st["parts"].as_array().into_iter().flatten() {
            out.push_str(part["sql"].as_str().unwrap());
            out.push('\n');
        }
    }
    out
}

async fn live(sizes: &[usize], big: Option<usize>, compare: bool) -> String {
    let sim = Simulator::start(Options::default())
        .await
        .expect("simulator");
    let dir = std::env::temp_dir().join(format!("mlgrant-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let l = Live { sim, dir };
    let env = |k: &str| (k == "PGPASSWORD").then(|| l.sim.password().to_owned());
    let target = mlgrant::connect::resolve(Some(&l.sim.url()), &env, None).unwrap();
    let admin = mlgrant::connect::connect(&target).await.unwrap();
    let door = l.sim.backend_admin().await.unwrap();
    door.batch_execute("SET ROLE awsuser").await.unwrap();
    let mut setup = String::new();
    for s in 0..SCHEMAS {
        let _ = write!(
            setup,
            "CREATE SCHEMA s{s:03}; CREATE TABLE s{s:03}.t (a int, b int);"
        );
    }
    admin.batch_execute(&setup).await.unwrap();

    let mut declared = String::from("version = 1\n");
    for g in 0..GROUPS {
        let _ = writeln!(declared, "[groups.g{g:02}]");
    }
    let mut with = declared.clone();
    let mut without = declared.clone();
    for s in 0..SCHEMAS {
        let _ = writeln!(
            with,
            "[schemas.s{s:03}]\nconsumers = [\"g{:02}\"]",
            s % GROUPS
        );
        let _ = writeln!(without, "[schemas.s{s:03}]");
    }
    let with_path = l.dir.join("with.toml");
    let without_path = l.dir.join("without.toml");
    std::fs::write(&with_path, with).unwrap();
    std::fs::write(&without_path, without).unwrap();
    let (with_path, without_path) = (
        with_path.display().to_string(),
        without_path.display().to_string(),
    );

    let mut report = String::from("live, through the simulator:\n");
    let mut made = 0;
    let mut plans: Vec<(usize, PlanFigures)> = Vec::new();
    let mut plan_at = |size: usize, made: &mut usize, report: &mut String| {
        let figures = plan_figures(&l, &with_path);
        let _ = writeln!(
            report,
            "figure plan time at {size} models: {:.1} ms (goal: none, for growth)\nfigure plan peak memory at {size} models: {:.1} MB (goal: none, for growth)\nfigure plan round trips at {size} models: {} (goal: 1, and 2 when models hold no grant yet: SHOW MODEL confirms up to 200 of them)\n  ({} changes in {} statements)",
            ms(figures.took),
            figures.peak_mb,
            figures.round_trips,
            figures.changes,
            figures.statements,
        );
        let _ = writeln!(
            report,
            "figure mlgrant's own CPU in a plan at {size} models: {:.3} s (user + sys, getrusage of the child; wall {:.3} s) (goal: {})",
            figures.cpu.as_secs_f64(),
            figures.took.as_secs_f64(),
            if size == 100_000 {
                "at most 0.25 s"
            } else {
                "none, for growth"
            },
        );
        if size == 100_000 {
            let sql = l.mlgrant(&["plan", "--config", &with_path, "--format", "sql"]);
            let _ = writeln!(
                report,
                "figure plan peak memory at {size} models, SQL output: {:.1} MB (goal: at most 100)\nfigure plan peak memory at {size} models, JSON output: {:.1} MB (goal: at most 100)\n  (JSON document: {:.1} MB)",
                sql.peak_mb,
                figures.peak_mb,
                figures.json_bytes as f64 / 1e6,
            );
        }
        *made = size;
        plans.push((size, figures));
    };
    for &size in sizes {
        let t = Instant::now();
        make_models(&door, made, size).await;
        let _ = writeln!(
            report,
            "  ({} models made in {:.1} s)",
            size - made,
            t.elapsed().as_secs_f64()
        );
        plan_at(size, &mut made, &mut report);
    }

    // The same changes three ways: mlgrant at 5 ms, psql -f of them one grant per statement at
    // 5 ms, mlgrant at 0 ms.
    l.mlgrant(&["apply", "--yes", "--config", &with_path]); // groups exist from here on
    l.mlgrant(&["apply", "--yes", "--config", &without_path]);
    if compare {
        let run = l.mlgrant(&["plan", "--config", &with_path, "--format", "json"]);
        let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let changes = doc["changes"].as_u64().unwrap_or(0);
        let change_statements = doc["statements"].as_array().map_or(0, Vec::len);
        let script = l.dir.join("changes.sql");
        std::fs::write(&script, one_per_statement(&run.stdout)).unwrap();

        l.sim.set_latency(Duration::from_millis(5));
        let before = l.sim.statements();
        let apply_5ms = l.mlgrant(&["apply", "--yes", "--config", &with_path]).took;
        let apply_statements = l.sim.statements() - before;
        let apply_round_trips = l.last_round_trips();
        l.sim.set_latency(Duration::ZERO);
        l.mlgrant(&["apply", "--yes", "--config", &without_path]);

        l.sim.set_latency(Duration::from_millis(5));
        let t = Instant::now();
        let psql = Command::new("psql")
            .arg(l.sim.url())
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
            .arg(&script)
            .env("PGPASSWORD", l.sim.password())
            .output()
            .expect("psql runs");
        let psql_5ms = t.elapsed();
        assert!(
            psql.status.success(),
            "{}",
            String::from_utf8_lossy(&psql.stderr)
        );
        let psql_round_trips = l.last_round_trips();
        l.sim.set_latency(Duration::ZERO);
        l.mlgrant(&["apply", "--yes", "--config", &without_path]);

        let apply_0ms = l.mlgrant(&["apply", "--yes", "--config", &with_path]).took;
        let _ = writeln!(
            report,
            "  apply of {changes} changes at 5 ms: {:.2} s, {apply_round_trips} round trips, {apply_statements} statements in all\n  psql -f of the same changes one grant per statement at 5 ms: {:.2} s, {psql_round_trips} round trips\n  the same apply at 0 ms: {:.2} s\nfigure statements sent for the {changes}-change apply: {change_statements} (goal: at most {})\nratio psql -f one grant per statement / mlgrant apply, at 5 ms: {:.1} (goal: at least 40)\nratio mlgrant apply at 5 ms / at 0 ms: {:.2} (goal: close to 1)",
            apply_5ms.as_secs_f64(),
            psql_5ms.as_secs_f64(),
            apply_0ms.as_secs_f64(),
            changes / 20,
            psql_5ms.as_secs_f64() / apply_5ms.as_secs_f64(),
            apply_5ms.as_secs_f64() / apply_0ms.as_secs_f64(),
        );
        l.mlgrant(&["apply", "--yes", "--config", &without_path]);
    }

    if let Some(big) = big {
        let t = Instant::now();
        make_models(&door, made, big).await;
        let _ = writeln!(
            report,
            "  ({} models made in {:.1} s)",
            big - made,
            t.elapsed().as_secs_f64()
        );
        plan_at(big, &mut made, &mut report);
    }
    for pair in plans.windows(2) {
        let ((a, fa), (b, fb)) = (&pair[0], &pair[1]);
        let goal = if *a == 10_000 && *b == 100_000 {
            "at most 12"
        } else {
            "none, for growth"
        };
        let _ = writeln!(
            report,
            "ratio plan time {b} / {a} models: {:.2} (goal: {goal})\nratio plan peak memory {b} / {a} models: {:.2} (goal: none, for growth)",
            fb.took.as_secs_f64() / fa.took.as_secs_f64(),
            fb.peak_mb / fa.peak_mb,
        );
    }
    let _ = std::fs::remove_dir_all(&l.dir);
    report
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let machine = format!(
        "{} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |c| c.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_owned())
            )
            .unwrap_or_default()
    );
    println!("mlgrant benchmark, {machine}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let targets = if quick { 100 } else { 1_000 };
    if std::env::args().any(|a| a == "--watch") {
        println!("{}", runtime.block_on(watch::watch_figures()));
        return;
    }
    if std::env::args().any(|a| a == "--fleet") {
        println!(
            "{}",
            runtime.block_on(fleet::plan_of_many_targets(targets, 64))
        );
        return;
    }
    if std::env::args().any(|a| a == "--plans") {
        println!(
            "{}",
            runtime.block_on(live(&[10_000], Some(100_000), false))
        );
        return;
    }
    println!("{}", offline());
    if std::env::args().any(|a| a == "--core") {
        return;
    }
    println!("{}", export_case());
    println!("{}", parse_50mb());
    println!("{}", check_bad_files());
    if std::env::args().any(|a| a == "--offline") {
        return;
    }
    let (sizes, big): (&[usize], _) = if quick {
        (&[10, 1000], None)
    } else {
        (&[10, 1000, 10_000], Some(100_000))
    };
    println!("{}", runtime.block_on(live(sizes, big, true)));
    println!("{}", runtime.block_on(peer::ldap2pg_vs_mlgrant()));
    println!(
        "{}",
        runtime.block_on(fleet::plan_of_many_targets(targets, 64))
    );
    println!("{}", runtime.block_on(watch::watch_figures()));
}
