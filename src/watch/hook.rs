//! `--on-drift COMMAND`: each new finding's JSON line handed to a worker of its own, which runs
//! `sh -c COMMAND` with the line on its stdin, one after another, so that a slow or hanging
//! command never delays a round or a grant. At most [`QUEUE`] lines wait (more are dropped,
//! said on stderr), so memory stays bounded. Each command runs in a process group of its own,
//! without the secrets mlgrant reads, its output on stderr (stdout carries only the watch's
//! lines), and the whole group is killed after [`HOOK_TIMEOUT`] or when the watch stops.

use std::io::Write;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::sync::watch::Receiver;

/// How long a `--on-drift` command may run before its process group is killed.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// Findings that may wait for the command.
const QUEUE: usize = 1000;

/// Variables a `--on-drift` command never gets: the secrets mlgrant itself reads.
const SECRETS: &[&str] = &[
    "PGPASSWORD",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

/// The worker, started on the first finding (inside the watch's runtime).
pub struct Hooks {
    command: String,
    stop: Receiver<bool>,
    worker: Option<(mpsc::Sender<String>, tokio::task::JoinHandle<()>)>,
}

impl Hooks {
    pub fn new(command: String, stop: Receiver<bool>) -> Hooks {
        Hooks {
            command,
            stop,
            worker: None,
        }
    }

    /// Hands `line` over; an error when the queue is full.
    pub fn hand(&mut self, line: String) -> Result<(), String> {
        let (send, _) = self.worker.get_or_insert_with(|| {
            let (send, mut lines) = mpsc::channel::<String>(QUEUE);
            let (command, stop) = (self.command.clone(), self.stop.clone());
            let task = tokio::spawn(async move {
                while let Some(line) = lines.recv().await {
                    if *stop.borrow() {
                        break;
                    }
                    if let Err(e) = run(&command, line, stop.clone()).await {
                        let _ = writeln!(std::io::stderr(), "{} warning: {e}", super::now());
                    }
                }
            });
            (send, task)
        });
        send.try_send(line).map_err(|_| {
            format!(
                "warning: {QUEUE} findings already wait for --on-drift: this one is not handed over"
            )
        })
    }

    /// Waits until every finding handed over has been run (or the watch stops).
    pub async fn finish(mut self) {
        if let Some((send, task)) = self.worker.take() {
            drop(send);
            let _ = task.await;
        }
    }
}

/// Runs `command` once with `line` on its stdin, bounded.
async fn run(command: &str, line: String, stop: Receiver<bool>) -> Result<(), String> {
    let command = command.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::os::unix::process::CommandExt;
        use std::process::{Command, Stdio};
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(&command).process_group(0);
        for secret in SECRETS {
            sh.env_remove(secret);
        }
        let mut child = sh
            .stdin(Stdio::piped())
            .stdout(Stdio::from(std::io::stderr()))
            .spawn()
            .map_err(|e| format!("--on-drift could not start: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A command that does not read its stdin is no error.
            let _ = writeln!(stdin, "{line}");
        }
        let group = nix::unistd::Pid::from_raw(child.id() as i32);
        let kill = |child: &mut std::process::Child| {
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait();
        };
        let started = std::time::Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("--on-drift failed ({status})")),
                Ok(None) if *stop.borrow() => {
                    kill(&mut child);
                    return Err("--on-drift stopped: the watch is stopping".to_owned());
                }
                Ok(None) if started.elapsed() > HOOK_TIMEOUT => {
                    kill(&mut child);
                    return Err(format!(
                        "--on-drift ran longer than {} s and was stopped",
                        HOOK_TIMEOUT.as_secs()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(format!("--on-drift: {e}")),
            }
        }
    })
    .await
    .unwrap_or_else(|e| Err(format!("--on-drift: {e}")))
}
