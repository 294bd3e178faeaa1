//! Many targets from one model: `--target NAME` (repeatable) and `--all-targets` run plan,
//! apply, doctor, export or history on each `[targets.NAME]` of the model, `--jobs N` at once.
//!
//! A plan's targets are tasks of this process (fleet.rs); the other commands run each target in
//! a process of its own (children.rs). Either way every target has its own connection, its own
//! transaction and its own failure: one target that fails never stops the others and never
//! leaves a target half-applied. Output is grouped per target, in the order of
//! the names, then a summary. Exit code: 1 when any target failed, else 2 when any has changes
//! pending, else 0.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

pub(super) use super::children::Outcome;
use super::children::{Fleet, base_args, process, run_one};
use super::opt::{ClusterArg, Command, Format};
use super::{Done, Failure, fail};
use crate::config::{self, TargetDecl};
use crate::text::sanitize;

/// The cluster options of a command that connects, its model file, and whether it is a plan
/// (whose pending changes are told by `--exit-code`) or an apply.
fn parts(command: &Command) -> Option<(&ClusterArg, &Path, &'static str)> {
    fn from(c: &ClusterArg) -> &Path {
        c.targets_from
            .as_deref()
            .unwrap_or(Path::new("mlgrant.toml"))
    }
    Some(match command {
        Command::Plan { model, cluster, .. } => (cluster, model.config.as_path(), "plan"),
        Command::Apply { model, cluster, .. } => (cluster, model.config.as_path(), "apply"),
        Command::Doctor { cluster, .. } => (cluster, from(cluster), "doctor"),
        Command::Export { cluster, .. } => (cluster, from(cluster), "export"),
        Command::History { cluster, .. } => (cluster, from(cluster), "history"),
        _ => return None,
    })
}

/// `Some` when the command asks for targets: the grouped result of running it on each.
pub(super) fn run(command: &Command) -> Option<Result<Done, Failure>> {
    let (cluster, file, name) = parts(command)?;
    let format = match command {
        Command::Plan { format, .. } | Command::Apply { format, .. } => format.format,
        Command::Doctor { format, .. } | Command::History { format, .. } => *format,
        _ => None,
    };
    if cluster.targets_from.is_some() && (!cluster.many() || matches!(name, "plan" | "apply")) {
        return Some(Err(fail(
            "--targets-from names the model whose [targets] export, doctor and history read with --target or --all-targets; plan and apply read them from --config",
        )));
    }
    if !cluster.many() {
        return None;
    }
    Some(run_many(command, cluster, file, name, format))
}

fn run_many(
    command: &Command,
    cluster: &ClusterArg,
    file: &Path,
    name: &str,
    format: Option<Format>,
) -> Result<Done, Failure> {
    if !file.exists() && file != Path::new("-") {
        return Err(fail(format!(
            "the targets are read from {}, which does not exist: --config FILE names the model for plan and apply, --targets-from FILE for export, doctor and history",
            sanitize(&file.display().to_string())
        )));
    }
    // A model on stdin is read once, here, and handed to each target's process on its stdin.
    let (model, stdin) = if file == Path::new("-") {
        let bytes = config::read_stdin()?;
        (
            {
                let mut m = config::from_bytes(config::STDIN_NAME, bytes.clone())?;
                super::clock::stamp(&mut m, super::clock::EXPIRING_WITHIN);
                m
            },
            Some(bytes),
        )
    } else {
        (super::clock::load(file)?, None)
    };
    let chosen = choose(&model.targets, cluster, file)?;
    // Only plan and apply read the model from stdin: export, doctor and history read their
    // targets from --targets-from, which their processes do not get.
    let stdin = stdin.filter(|_| matches!(name, "plan" | "apply"));
    let exe =
        std::env::current_exe().map_err(|e| fail(format!("cannot find mlgrant itself: {e}")))?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut base = base_args(&args);
    // One target is the same as --url (and the same options): its output, its questions, its
    // saved plan and its exit code are the command's own.
    if let [t] = chosen.as_slice() {
        let fleet = Arc::new(Fleet::default());
        fleet.stop_on_signal();
        let o = run_one(&fleet, t, process(&exe, &base, t), stdin.as_deref(), false);
        if !o.stderr.is_empty() {
            return Err(Failure(o.stderr));
        }
        return Ok(Done {
            out: String::new(),
            code: o.code.and_then(|c| u8::try_from(c).ok()).unwrap_or(1),
        });
    }
    if let Command::Apply { yes, plan, .. } = command {
        if plan.is_some() {
            return Err(fail(
                "a saved plan is for one cluster: apply --plan FILE takes one --target (or --url)",
            ));
        }
        if !yes {
            return Err(fail(
                "apply to several targets needs --yes (it cannot ask on each): review them first with `mlgrant plan --all-targets`, or apply one --target at a time",
            ));
        }
    }
    if let Command::Plan { out: Some(_), .. } = command {
        return Err(fail(
            "--out saves one cluster's plan: plan one target at a time (--target NAME) to save it",
        ));
    }
    // A plan tells pending changes by its exit code; plan's own --exit-code is added.
    if name == "plan" && !base.iter().any(|a| a == "--exit-code") {
        base.push("--exit-code".into());
    }
    // A plan only reads: its targets are tasks of this process (fleet.rs).
    if let Command::Plan { warn, .. } = command {
        super::commands::warn(&model);
        let chosen: Vec<TargetDecl> = chosen.into_iter().cloned().collect();
        let results = super::fleet::plan_many(
            model,
            chosen,
            cluster.jobs,
            cluster.read_timeout,
            format.unwrap_or(Format::Sql),
            warn.warnings_as_errors,
        )?;
        return Ok(report(&results, name, format == Some(Format::Json)));
    }
    let fleet = Arc::new(Fleet::default());
    fleet.stop_on_signal();
    let results: Mutex<BTreeMap<String, Outcome>> = Mutex::new(BTreeMap::new());
    let queue: Mutex<Vec<&TargetDecl>> = Mutex::new(chosen.iter().rev().copied().collect());
    std::thread::scope(|scope| {
        for _ in 0..usize::from(cluster.jobs).min(chosen.len()) {
            scope.spawn(|| {
                loop {
                    let Some(t) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop() else {
                        return;
                    };
                    let outcome =
                        run_one(&fleet, t, process(&exe, &base, t), stdin.as_deref(), true);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(t.name.clone(), outcome);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(report(&results, name, format == Some(Format::Json)))
}

/// The targets asked for, in name order; an unknown name is an error with a did-you-mean.
pub(super) fn choose<'m>(
    targets: &'m BTreeMap<String, TargetDecl>,
    cluster: &ClusterArg,
    file: &Path,
) -> Result<Vec<&'m TargetDecl>, Failure> {
    let file = sanitize(&file.display().to_string());
    if targets.is_empty() {
        return Err(fail(format!(
            "{file} has no [targets.NAME] section: add one per cluster, with its url or aws_cluster / aws_workgroup"
        )));
    }
    if cluster.all_targets {
        return Ok(targets.values().collect());
    }
    let mut out = Vec::new();
    for n in &cluster.targets {
        match targets.get(n) {
            Some(t) if !out.iter().any(|o: &&TargetDecl| o.name == t.name) => out.push(t),
            Some(_) => {}
            None => {
                let hint = config::closest(n, targets.keys().map(String::as_str))
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                return Err(fail(format!(
                    "{file} has no target `{}` (it has: {}){hint}",
                    sanitize(n),
                    targets.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// What a target's end means for this command: its exit code, or, after a signal, whether it
/// rolled back, may have committed, ended before it began, or never started. For apply, "ok"
/// is committed (or nothing to change).
fn state(name: &str, o: &Outcome) -> &'static str {
    if !o.started {
        return "never started";
    }
    if o.stderr.lines().any(|l| l == super::stop::ROLLED_BACK) {
        return "interrupted, rolled back";
    }
    if o.stderr.lines().any(|l| l == super::stop::MAY_HAVE_LANDED) {
        return "interrupted as it committed";
    }
    match (name, o.code) {
        (_, None) => "stopped",
        (_, Some(0)) => "ok",
        ("plan", Some(2)) => "changes pending",
        ("plan", Some(3)) => "held back",
        _ => "failed",
    }
}

/// The states, in the order the summary lists them; all but the first three count as failed.
const STATES: &[&str] = &[
    "ok",
    "changes pending",
    "held back",
    "failed",
    "interrupted, rolled back",
    "interrupted as it committed",
    "stopped",
    "never started",
];

/// The grouped output and the exit code of all targets.
fn report(results: &BTreeMap<String, Outcome>, name: &str, json_out: bool) -> Done {
    let failed = results
        .values()
        .filter(|o| !matches!(state(name, o), "ok" | "changes pending" | "held back"))
        .count();
    let pending = results
        .values()
        .filter(|o| matches!(state(name, o), "changes pending" | "held back"))
        .count();
    let code = if failed > 0 {
        1
    } else if pending > 0 {
        2
    } else {
        0
    };
    if json_out {
        let targets: Vec<Value> = results
            .iter()
            .map(|(t, o)| {
                json!({
                    "target": t,
                    "exit_code": o.code,
                    "state": state(name, o),
                    "output": serde_json::from_str::<Value>(&o.stdout).unwrap_or(Value::Null),
                    "errors": o.stderr,
                })
            })
            .collect();
        let doc =
            json!({"format": "mlgrant.targets", "version": 1, "command": name, "targets": targets});
        let mut out = crate::text::json_pretty(&doc);
        out.push('\n');
        return Done { out, code };
    }
    // Each target's output and then its messages, in name order; the framing lines are comments
    // of what the command prints (TOML for export, SQL otherwise).
    let mark = if name == "export" { "#" } else { "--" };
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    for (t, o) in results {
        let _ = writeln!(stdout, "{mark} === target {t}: {} ===", state(name, o));
        let _ = stdout.write_all(o.stdout.as_bytes());
        if !o.stdout.is_empty() && !o.stdout.ends_with('\n') {
            let _ = writeln!(stdout);
        }
        let _ = stdout.flush();
        for line in o.stderr.lines() {
            let _ = writeln!(stderr, "[{t}] {line}");
        }
        let _ = stderr.flush();
    }
    let by_state = |s: &str| -> Vec<&str> {
        results
            .iter()
            .filter(|(_, o)| state(name, o) == s)
            .map(|(t, _)| t.as_str())
            .collect()
    };
    let mut summary = vec![format!(
        "{} target{}",
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    )];
    for &s in STATES {
        let names = by_state(s);
        if !names.is_empty() {
            summary.push(format!("{s}: {}", names.join(", ")));
        }
    }
    Done {
        out: format!("{mark} === {name} on {} ===\n", summary.join("; ")),
        code,
    }
}
