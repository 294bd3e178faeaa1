//! A process per target: what runs apply, doctor, export and history on each target (plan's
//! targets are tasks, fleet.rs). Each process is this same executable with the target's `--url`
//! and AWS options in place of the target options, so that every target has its own
//! connection, its own transaction and its own failure. On a signal no process starts any more
//! and each running one gets SIGTERM.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::config::TargetDecl;

/// One target's result. `code` is None when its process ended by a signal; `started` is false
/// for a target a signal stopped before its turn.
pub(super) struct Outcome {
    pub(super) code: Option<i32>,
    pub(super) stdout: String,
    pub(super) stderr: String,
    pub(super) started: bool,
    /// Warnings in a plan made in this process (a target's process counts its own).
    pub(super) warned: usize,
}

impl Outcome {
    pub(super) fn never_started() -> Outcome {
        Outcome {
            code: None,
            stdout: String::new(),
            stderr: "not started: a signal stopped the run before this target's turn\n".to_owned(),
            started: false,
            warned: 0,
        }
    }
}

/// The processes of the running targets (their ids, for SIGTERM), and whether a signal came.
#[derive(Default)]
pub(super) struct Fleet {
    running: Mutex<BTreeMap<String, u32>>,
    stopping: AtomicBool,
}

impl Fleet {
    /// Starts `p` for target `name` unless a signal came first (then None). Under the same lock
    /// as the signal's, so that no process starts unsignalled after it.
    pub(super) fn spawn(
        &self,
        name: &str,
        p: &mut Process,
    ) -> Option<std::io::Result<std::process::Child>> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if self.stopping.load(Ordering::SeqCst) {
            return None;
        }
        let child = p.spawn();
        if let Ok(c) = &child {
            running.insert(name.to_owned(), c.id());
        }
        Some(child)
    }

    /// Waits for `child` to end. It is reaped under the lock the signal takes, and its id
    /// forgotten in the same step, so that SIGTERM never reaches a process that merely got the
    /// id of one that ended.
    pub(super) fn reap(
        &self,
        name: &str,
        child: &mut std::process::Child,
    ) -> std::io::Result<std::process::ExitStatus> {
        loop {
            {
                let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
                match child.try_wait() {
                    Ok(Some(status)) => {
                        running.remove(name);
                        return Ok(status);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        running.remove(name);
                        return Err(e);
                    }
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// On SIGINT, SIGTERM or SIGHUP: no target starts any more, and each running one gets
    /// SIGTERM (an apply that has not sent COMMIT rolls back and says so).
    pub(super) fn stop_on_signal(self: &Arc<Self>) {
        let fleet = self.clone();
        super::stop::on_signal(move |signal| {
            let running = fleet.running.lock().unwrap_or_else(|e| e.into_inner());
            fleet.stopping.store(true, Ordering::SeqCst);
            let _ = writeln!(
                std::io::stderr(),
                "{signal}: stopping: no more targets start, and the {} running are told to stop (an apply that has not sent COMMIT rolls back)",
                running.len()
            );
            for pid in running.values() {
                if let Ok(pid) = i32::try_from(*pid) {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
                }
            }
        });
    }
}

/// Runs `p` for target `t` to its end, with the model text on its stdin when it is read from
/// stdin (`--config -`), capturing its output when `capture`.
pub(super) fn run_one(
    fleet: &Fleet,
    t: &TargetDecl,
    mut p: Process,
    stdin: Option<&[u8]>,
    capture: bool,
) -> Outcome {
    if stdin.is_some() {
        p.stdin(Stdio::piped());
    } else if capture {
        p.stdin(Stdio::null());
    }
    if capture {
        p.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("NO_COLOR", "1");
    }
    let failed = |e: std::io::Error| Outcome {
        code: Some(1),
        stdout: String::new(),
        stderr: format!("error: cannot run mlgrant: {e}\n"),
        started: true,
        warned: 0,
    };
    let mut child = match fleet.spawn(&t.name, &mut p) {
        None => return Outcome::never_started(),
        Some(Err(e)) => return failed(e),
        Some(Ok(child)) => child,
    };
    // Its stdin written and its output read on threads of their own, so that a child that
    // writes before it reads never blocks against this process.
    let writer = match (stdin, child.stdin.take()) {
        (Some(text), Some(mut pipe)) => {
            let text = text.to_vec();
            // A target that ends before reading it all is told by its own exit code.
            Some(std::thread::spawn(move || {
                let _ = pipe.write_all(&text);
            }))
        }
        _ => None,
    };
    let (out, err) = (drain(child.stdout.take()), drain(child.stderr.take()));
    let status = fleet.reap(&t.name, &mut child);
    let joined = |h: Option<std::thread::JoinHandle<String>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    let (stdout, stderr) = (joined(out), joined(err));
    if let Some(w) = writer {
        let _ = w.join();
    }
    match status {
        Ok(status) => Outcome {
            code: status.code(),
            stdout,
            stderr,
            started: true,
            warned: 0,
        },
        Err(e) => failed(e),
    }
}

/// A captured pipe read to its end on a thread of its own.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> Option<std::thread::JoinHandle<String>> {
    pipe.map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    })
}

/// The options a target replaces (where the cluster is and how to log in) and the target
/// options themselves, each taking a value but `--all-targets`.
const REPLACED: &[&str] = &[
    "--target",
    "--jobs",
    "--url",
    "--targets-from",
    "--aws-cluster",
    "--aws-workgroup",
    "--aws-region",
    "--db-user",
];

/// The arguments of this run without the options a target replaces: what each target's process
/// gets, before its own options. Arguments stay as the OS gave them (a path need not be UTF-8).
pub(super) fn base_args(args: &[OsString]) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        let text = a.to_string_lossy();
        let flag = text.split('=').next().unwrap_or("");
        if flag == "--all-targets" || (REPLACED.contains(&flag) && text.contains('=')) {
            continue;
        }
        if REPLACED.contains(&flag) {
            skip = true;
            continue;
        }
        out.push(a.clone());
    }
    out
}

/// `--as-of` with the parent's time, when it was not given: every target judges expiring
/// entries at the same time.
fn as_of_args() -> Vec<String> {
    if super::clock::given() {
        Vec::new()
    } else {
        vec!["--as-of".to_owned(), super::clock::now().to_string()]
    }
}

/// The options that point a process at `t`.
pub(super) fn target_args(t: &TargetDecl) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |flag: &str, v: &Option<String>| {
        if let Some(v) = v {
            out.push(flag.to_owned());
            out.push(v.clone());
        }
    };
    push("--url", &t.url);
    push("--aws-cluster", &t.aws_cluster);
    push("--aws-workgroup", &t.aws_workgroup);
    push("--aws-region", &t.aws_region);
    push("--db-user", &t.db_user);
    out
}

/// A process of mlgrant for target `t`, with `base` and the target's options. The target says
/// where the cluster is: none of the environment's host, port, service or database applies.
pub(super) fn process(exe: &Path, base: &[OsString], t: &TargetDecl) -> Process {
    let mut p = Process::new(exe);
    p.args(base)
        .args(target_args(t))
        .args(as_of_args())
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove("PGSERVICE")
        .env_remove("PGDATABASE");
    if let Some(db) = &t.database {
        p.env("PGDATABASE", db);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_replaces_where_and_how_to_connect_in_both_spellings() {
        let args: Vec<OsString> = [
            "plan",
            "--config",
            "m.toml",
            "--target",
            "a",
            "--target=b",
            "--all-targets",
            "--jobs",
            "2",
            "--url=postgres://x",
            "--aws-region",
            "eu-west-1",
            "--db-user=u",
            "--format",
            "json",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        assert_eq!(
            base_args(&args),
            ["plan", "--config", "m.toml", "--format", "json"].map(OsString::from)
        );
    }
}
