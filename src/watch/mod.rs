//! `mlgrant watch`: keeps new and recreated models reachable. Every interval one small poll
//! (poll.rs); when its answer changes (or the model file does, or the connection came back, or
//! `--recheck` has passed, or the last round must be tried again) a round (round.rs): the
//! catalog read as plan reads it, the plan, and, of the plan, only what `diff::watched` allows
//! (EXECUTE on models that hold none of their required grants), applied through apply's own
//! locked, verified, audited transaction with outcome `watch`, and only when doctor's read-only
//! checks that guard apply pass. Everything else the plan would change is reported (event.rs),
//! never applied.
//!
//! One connection, kept (link.rs); lost, it is opened again with a backoff that doubles up to a
//! bound and starts again only after a round succeeds. A model file that changes is read again,
//! and refused (the last good one kept) when it does not check. A stop (`stop` turns true:
//! SIGTERM, SIGINT, SIGHUP) is obeyed between transactions: a poll, a read or a wait ends at
//! once, an apply under way runs to its COMMIT or ROLLBACK first, and none starts after it.

mod event;
mod hook;
mod link;
mod poll;
mod round;

pub use event::{Event, Sink, now};
pub use hook::HOOK_TIMEOUT;
pub use poll::{SQL as POLL_SQL, Seen, digest};

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch::Receiver;
use tokio_postgres::Client;

use crate::apply;
use crate::config::AccessModel;
use crate::connect::Notices;
use crate::model::Instant;

/// The read-only checks of `mlgrant doctor` that must pass before watch applies: the server is
/// Redshift, its catalog reads whole, its catalog views are the real ones, names fold as the
/// model assumes, and the audit schema is mlgrant's own (or `[policy] audit_owner`'s).
/// (model_states and assumerole_rows hold back only what they concern, in the plan itself.)
pub const GUARDS: &[&str] = &[
    "redshift",
    "catalog",
    "catalog_schema",
    "case_sensitivity",
    "audit_schema_owner",
];

/// How to watch.
#[derive(Clone)]
pub struct Settings {
    pub interval: Duration,
    /// A whole round at least this often, even when the poll sees nothing change (drift on
    /// schemas, groups and members shows only in a round).
    pub recheck: Duration,
    /// One round, then end (`--once`).
    pub once: bool,
    /// A first connection that fails is tried again as a lost one is (one of several
    /// targets); otherwise it ends the watch.
    pub retry_first: bool,
    /// The apply watch runs (its `watch` is set here).
    pub apply: apply::Settings,
    /// `--as-of` (with `--once` only): the time expiring entries are judged at; else the clock
    /// at each round.
    pub as_of: Option<Instant>,
    /// How far ahead an entry's end is worth a warning (seconds), judged at each round. The
    /// models the watch is given carry their file's own warnings only (the loader does not
    /// stamp them), so that these never go stale.
    pub expiring_within: i64,
}

/// Opens the connection (again).
pub type Connector =
    Box<dyn FnMut() -> Pin<Box<dyn Future<Output = Result<(Client, Notices), String>> + Send>>>;
/// Parses and checks the model file's bytes (its name given); the error as text.
pub type Loader = Box<dyn FnMut(&str, Vec<u8>) -> Result<AccessModel, String>>;

/// How a watch ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Asked to stop.
    Stopped,
    /// `--once`: the round succeeded (or not, or a guard held grants back).
    Once { failed: bool },
    /// The first connection could not be made.
    CannotConnect(String),
}

/// Why a round did not complete.
enum Failed {
    /// The connection is gone (or has a question in flight that got no answer): reconnect.
    Lost(String),
    /// Asked to stop before the round's transaction began.
    Stopping,
    /// Anything else: said, and tried again at the next interval.
    Round(String),
}

/// What a round asks of the next poll.
#[derive(PartialEq, Eq)]
enum Next {
    /// A round only if the poll's answer changes.
    Quiet,
    /// A round after the next poll, whatever it answers: the round applied (a change right
    /// after its read could bring the answer seen before it back) or grants were held back.
    Again,
}

/// A watch.
pub struct Watch {
    path: PathBuf,
    model: AccessModel,
    settings: Settings,
    sink: Sink,
    loader: Loader,
    connector: Connector,
    stop: Receiver<bool>,
    /// The SHA-256 of the model file as last read, good or not.
    file_digest: String,
    /// The failure last said of each source (`poll`, `round`, `guard`, `file`), so that one
    /// that repeats is said once; cleared when that source succeeds.
    failures: BTreeMap<&'static str, String>,
    /// Grants were held back by a failing guard (for `--once`'s exit code).
    held_back: bool,
    /// The wait before the next connection attempt; back to a second after a round succeeds.
    backoff: Duration,
}

/// The interval, give or take a tenth (so that many watches do not poll in step).
fn jittered(interval: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let spread = interval / 5;
    let offset = spread.mul_f64(f64::from(nanos % 1000) / 1000.0);
    interval - interval / 10 + offset
}

impl Watch {
    pub fn new(
        path: PathBuf,
        model: AccessModel,
        settings: Settings,
        sink: Sink,
        loader: Loader,
        connector: Connector,
        stop: Receiver<bool>,
    ) -> Watch {
        // The SHA-256 of the file, in hex, as the audit log records it (`model_digest`).
        let file_digest = crate::audit::digest(model.source.text.as_bytes());
        Watch {
            path,
            model,
            settings,
            sink,
            loader,
            connector,
            stop,
            file_digest,
            failures: BTreeMap::new(),
            held_back: false,
            backoff: Duration::from_secs(1),
        }
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// A failure of `source`, said unless it is the one said last of it.
    fn failure(&mut self, source: &'static str, kind: &'static str, message: String) {
        if self.failures.get(source) != Some(&message) {
            self.sink.say(&Event::new(kind, message.clone()));
            self.failures.insert(source, message);
        }
    }

    /// `source` succeeded: its next failure is said again.
    fn cleared(&mut self, source: &'static str) {
        self.failures.remove(source);
    }

    /// Reads the model file again when it changed: true when a new good model was taken.
    fn reload(&mut self) -> bool {
        let name = crate::text::sanitize(&self.path.display().to_string());
        let bytes = match crate::file::read_bounded(&self.path, crate::config::MAX_FILE_BYTES) {
            Ok(b) => b,
            Err(e) => {
                let message = format!("cannot read {name}: {e}; watching with the last good model");
                self.failure("file", "model_refused", message);
                return false;
            }
        };
        self.cleared("file");
        let digest = crate::audit::digest(&bytes);
        if digest == self.file_digest {
            return false;
        }
        self.file_digest = digest.clone();
        match (self.loader)(&self.model.source.name, bytes) {
            Ok(model) => {
                // What the settings take from the model follows it.
                self.settings.apply.audit_owner = model
                    .policy
                    .audit_owner
                    .as_ref()
                    .map(|n| n.as_str().to_owned());
                self.model = model;
                self.sink.say(
                    &Event::new(
                        "model_reloaded",
                        "the model file changed and checks: watching it",
                    )
                    .with("model_digest", digest),
                );
                true
            }
            Err(e) => {
                let mut event = Event::new(
                    "model_refused",
                    format!(
                        "the model file changed and does not check; watching with the last good model:\n{e}"
                    ),
                )
                .with("model_digest", digest);
                event.lines = true;
                self.sink.say(&event);
                false
            }
        }
    }

    /// Watches until asked to stop (or, `--once`, for one round); then waits for the
    /// `--on-drift` commands handed over.
    pub async fn run(mut self) -> Ended {
        let ended = self.watch().await;
        if ended == Ended::Stopped {
            self.sink
                .say(&Event::new("stopped", "no transaction open; exiting"));
        }
        self.sink.finish().await;
        ended
    }

    async fn watch(&mut self) -> Ended {
        let (mut client, mut notices) = match self.connect().await {
            Some(Ok(c)) => c,
            Some(Err(e)) if self.settings.retry_first && !self.settings.once => {
                match self.reconnect(format!("cannot connect: {e}")).await {
                    Some(c) => c,
                    None => return Ended::Stopped,
                }
            }
            Some(Err(e)) => return Ended::CannotConnect(e),
            None => return Ended::Stopped,
        };
        let every = if self.settings.once {
            "one round (--once)".to_owned()
        } else {
            format!("every {} s", self.settings.interval.as_secs())
        };
        self.sink.say(
            &Event::new(
                "started",
                format!(
                    "watching {}, {every}",
                    crate::text::sanitize(&self.model.source.name)
                ),
            )
            .with("model_digest", self.file_digest.clone())
            .with("interval_seconds", self.settings.interval.as_secs()),
        );
        let mut last: Option<[u8; 32]> = None;
        let mut last_round = std::time::Instant::now();
        let mut due = true;
        loop {
            if self.stopped() {
                return Ended::Stopped;
            }
            due |= self.reload();
            let mut seen = None;
            if !self.settings.once {
                match self.poll(&client, &notices).await {
                    Ok(s) => {
                        seen = Some(s.digest);
                        self.cleared("poll");
                    }
                    Err(Failed::Lost(why)) => {
                        let Some(c) = self.reconnect(why).await else {
                            continue;
                        };
                        (client, notices) = c;
                        due = true;
                        continue;
                    }
                    Err(Failed::Stopping) => continue,
                    Err(Failed::Round(e)) => self.failure("poll", "error", e),
                }
            }
            if due || seen != last || last_round.elapsed() >= self.settings.recheck {
                match self.round(&client, &notices).await {
                    Ok(next) => {
                        due = false;
                        last = if next == Next::Again { None } else { seen };
                        last_round = std::time::Instant::now();
                        self.cleared("round");
                        self.backoff = Duration::from_secs(1);
                    }
                    Err(Failed::Stopping) => continue,
                    Err(Failed::Lost(why)) if !self.settings.once => {
                        let Some(c) = self.reconnect(why).await else {
                            continue;
                        };
                        (client, notices) = c;
                        due = true;
                        continue;
                    }
                    Err(Failed::Lost(e) | Failed::Round(e)) => {
                        self.failure("round", "error", e);
                        if self.settings.once {
                            return Ended::Once { failed: true };
                        }
                    }
                }
            }
            if self.settings.once {
                return Ended::Once {
                    failed: self.held_back,
                };
            }
            let pause = jittered(self.settings.interval);
            self.wait(pause).await;
        }
    }
}
