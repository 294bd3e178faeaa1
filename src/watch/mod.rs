//! `mlgrant watch`: keeps new and recreated models reachable. Every interval one small poll
//! (poll.rs); when its answer changes (or the model file does, or the connection came back, or
//! `--recheck` has passed) a round: the catalog read as plan reads it, the plan, and, of the
//! plan, only what `diff::watched` allows (EXECUTE on models that hold none of their required
//! grants), applied through apply's own locked, verified, audited transaction with outcome
//! `watch`, and only when doctor's read-only checks that guard apply pass. Everything else the
//! plan would change is reported (event.rs), never applied.
//!
//! One connection, kept; lost, it is opened again with a backoff that doubles up to a bound,
//! each attempt said on stderr. A model file that changes is read again, and refused (the last
//! good one kept) when it does not check. A stop (`stop` turns true: SIGTERM, SIGINT, SIGHUP)
//! is obeyed between transactions: an apply under way runs to its COMMIT or ROLLBACK first.

mod event;
mod poll;

pub use event::{Event, HOOK_TIMEOUT, Sink, now};
pub use poll::{SQL as POLL_SQL, Seen, digest};

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch::Receiver;
use tokio_postgres::Client;

use crate::apply::{self, ApplyError};
use crate::catalog::{self, CatalogError};
use crate::config::AccessModel;
use crate::connect::Notices;
use crate::model::Instant;
use crate::render;

/// The read-only checks of `mlgrant doctor` that must pass before watch applies: the server is
/// Redshift, its catalog reads whole, its catalog views are the real ones, names fold as the
/// model assumes, and the audit schema is mlgrant's own. (model_states and assumerole_rows
/// hold back only what they concern, in the plan itself.)
pub const GUARDS: &[&str] = &[
    "redshift",
    "catalog",
    "catalog_schema",
    "case_sensitivity",
    "audit_schema_owner",
];

/// How to watch.
pub struct Settings {
    pub interval: Duration,
    /// A whole round at least this often, even when the poll sees nothing change (drift on
    /// schemas, groups and members shows only in a round).
    pub recheck: Duration,
    /// One round, then end (`--once`).
    pub once: bool,
    /// The apply watch runs (its `watch` is set here).
    pub apply: apply::Settings,
    /// `--as-of`: the time expiring entries are judged at; else the clock at each round.
    pub as_of: Option<Instant>,
}

/// Opens the connection (again).
pub type Connector =
    Box<dyn FnMut() -> Pin<Box<dyn Future<Output = Result<(Client, Notices), String>> + Send>>>;
/// Loads and checks the model file; its error as text.
pub type Loader = Box<dyn FnMut(&std::path::Path) -> Result<AccessModel, String>>;

/// How a watch ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Asked to stop.
    Stopped,
    /// `--once`: the round succeeded (or not).
    Once { failed: bool },
    /// The first connection could not be made.
    CannotConnect(String),
}

/// Why a round did not complete.
enum Failed {
    /// The connection is gone: reconnect.
    Lost(String),
    /// Anything else: said, and tried again at the next interval.
    Round(String),
}

/// A watch.
pub struct Watch {
    pub path: PathBuf,
    pub model: AccessModel,
    pub settings: Settings,
    pub sink: Sink,
    pub loader: Loader,
    pub connector: Connector,
    pub stop: Receiver<bool>,
    /// The SHA-256 of the model file as last read, good or not.
    file_digest: String,
    /// The last failure said, so that one that repeats is said once.
    last_failure: Option<String>,
    /// Grants were held back by a failing guard (for `--once`'s exit code).
    held_back: bool,
}

/// The SHA-256 of a model file, in hex, as the audit log records it (`model_digest`).
fn sha(bytes: &[u8]) -> String {
    crate::audit::digest(bytes)
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
        model: AccessModel,
        settings: Settings,
        sink: Sink,
        loader: Loader,
        connector: Connector,
        stop: Receiver<bool>,
    ) -> Watch {
        let path = PathBuf::from(&model.source.name);
        let file_digest = sha(model.source.text.as_bytes());
        Watch {
            path,
            model,
            settings,
            sink,
            loader,
            connector,
            stop,
            file_digest,
            last_failure: None,
            held_back: false,
        }
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// Waits `d`, or less when asked to stop; false when asked to stop.
    async fn wait(&mut self, d: Duration) -> bool {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => !self.stopped(),
            _ = stop.wait_for(|s| *s) => false,
        }
    }

    /// A failure, said unless it is the one said last.
    fn failure(&mut self, kind: &'static str, message: String) {
        if self.last_failure.as_deref() != Some(message.as_str()) {
            self.sink.say(&Event::new(kind, message.clone()));
            self.last_failure = Some(message);
        }
    }

    /// Reads the model file again when it changed: true when a new good model was taken.
    fn reload(&mut self) -> bool {
        let bytes = match crate::file::read_bounded(&self.path, crate::config::MAX_FILE_BYTES) {
            Ok(b) => b,
            Err(e) => {
                let message = format!(
                    "cannot read {}: {e}; watching with the last good model",
                    crate::text::sanitize(&self.path.display().to_string())
                );
                self.failure("model_refused", message);
                return false;
            }
        };
        let digest = sha(&bytes);
        if digest == self.file_digest {
            return false;
        }
        self.file_digest = digest.clone();
        match (self.loader)(&self.path) {
            Ok(model) => {
                self.model = model;
                self.last_failure = None;
                self.sink.say(
                    &Event::new(
                        "model_reloaded",
                        "the model file changed and checks: watching it",
                    )
                    .with("model_digest", digest.clone()),
                );
                true
            }
            Err(e) => {
                self.sink.say(
                    &Event::new(
                        "model_refused",
                        format!(
                            "the model file changed and does not check; watching with the last good model:\n{e}"
                        ),
                    )
                    .with("model_digest", digest.clone()),
                );
                false
            }
        }
    }

    /// Connects, bounded by the read timeout (30 s without one).
    async fn connect(&mut self) -> Result<(Client, Notices), String> {
        let limit = self
            .settings
            .apply
            .read_timeout
            .unwrap_or(Duration::from_secs(30));
        tokio::time::timeout(limit, (self.connector)())
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} s", limit.as_secs())))
    }

    /// Opens the connection again after `why`, with a backoff; `None` when asked to stop.
    async fn reconnect(&mut self, why: String) -> Option<(Client, Notices)> {
        self.sink.say(&Event::new(
            "disconnected",
            format!("{why}; connecting again"),
        ));
        let cap =
            (self.settings.interval * 10).clamp(Duration::from_secs(10), Duration::from_secs(600));
        let mut delay = Duration::from_secs(1);
        loop {
            if !self.wait(delay).await {
                return None;
            }
            match self.connect().await {
                Ok(c) => {
                    self.sink
                        .say(&Event::new("connected", "connected again: catching up"));
                    return Some(c);
                }
                Err(e) => {
                    delay = (delay * 2).min(cap);
                    eprintln!(
                        "{} connecting failed: {}; next attempt in {} s",
                        event::now(),
                        crate::text::escape_controls(&e),
                        delay.as_secs()
                    );
                }
            }
        }
    }

    /// Watches until asked to stop (or, `--once`, for one round).
    pub async fn run(mut self) -> Ended {
        let (mut client, mut notices) = match self.connect().await {
            Ok(c) => c,
            Err(e) => return Ended::CannotConnect(e),
        };
        self.sink.say(
            &Event::new(
                "started",
                format!(
                    "watching {} every {} s",
                    crate::text::sanitize(&self.model.source.name),
                    self.settings.interval.as_secs()
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
                self.sink
                    .say(&Event::new("stopped", "stopped: no transaction was open"));
                return Ended::Stopped;
            }
            if self.reload() {
                self.sink.forget();
                due = true;
            }
            let mut seen = None;
            if !self.settings.once {
                match self.poll(&client).await {
                    Ok(s) => seen = Some(s.digest),
                    Err(Failed::Lost(why)) => {
                        let Some(c) = self.reconnect(why).await else {
                            continue;
                        };
                        (client, notices) = c;
                        due = true;
                        continue;
                    }
                    Err(Failed::Round(e)) => self.failure("error", e),
                }
            }
            if due || seen != last || last_round.elapsed() >= self.settings.recheck {
                match self.round(&client, &notices).await {
                    Ok(applied) => {
                        due = false;
                        // After a change of its own, the next poll is followed by a round
                        // whatever it answers: a recreation right after this round's read
                        // gives the answer seen before it again.
                        last = if applied { None } else { seen };
                        last_round = std::time::Instant::now();
                        self.last_failure = None;
                    }
                    Err(Failed::Lost(why)) if !self.settings.once => {
                        let Some(c) = self.reconnect(why).await else {
                            continue;
                        };
                        (client, notices) = c;
                        due = true;
                        continue;
                    }
                    Err(Failed::Lost(e) | Failed::Round(e)) => {
                        self.failure("error", e);
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

    async fn poll(&self, client: &Client) -> Result<Seen, Failed> {
        let limit = self.settings.apply.read_timeout.unwrap_or(Duration::MAX);
        match tokio::time::timeout(limit, poll::poll(client)).await {
            Err(_) => Err(Failed::Lost(format!(
                "the poll got no answer within {} s (--read-timeout)",
                limit.as_secs()
            ))),
            Ok(Ok(s)) => Ok(s),
            Ok(Err(_)) if client.is_closed() => Err(Failed::Lost("the connection was lost".into())),
            Ok(Err(crate::server::WireError::Connection(m))) => Err(Failed::Lost(m)),
            Ok(Err(crate::server::WireError::Server(s))) => Err(Failed::Round(format!(
                "the poll failed{}: {}",
                crate::server::sqlstate_note(&s.sqlstate),
                s.message
            ))),
        }
    }

    /// One round: read, plan, report what is not watch's to apply, apply what is.
    /// Whether it applied anything.
    async fn round(&mut self, client: &Client, notices: &Notices) -> Result<bool, Failed> {
        self.model.as_of = Some(self.settings.as_of.unwrap_or_else(|| {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            Instant::from_unix(secs)
        }));
        let limit = self.settings.apply.read_timeout.unwrap_or(Duration::MAX);
        let state = match tokio::time::timeout(limit, catalog::read(client, "", 0)).await {
            Err(_) => {
                return Err(Failed::Lost(
                    "the catalog read got no answer (--read-timeout)".into(),
                ));
            }
            Ok(Err(CatalogError::Connection(m))) => return Err(Failed::Lost(m)),
            Ok(Err(e)) => return Err(Failed::Round(e.to_string())),
            Ok(Ok(s)) => s,
        };
        let mut state = state;
        let mut watched =
            crate::diff::watched(&self.model, &state).map_err(|e| Failed::Round(e.to_string()))?;
        if !watched.full.unconfirmed.is_empty() {
            // As plan does: the first models only svv_ml_model_info shows are asked with SHOW
            // MODEL, and the plan made again with the answers.
            let first = catalog::confirm::first(&watched.full.unconfirmed);
            let answers = catalog::confirm::ask(client, first, self.settings.apply.read_timeout)
                .await
                .map_err(|e| match e {
                    CatalogError::Connection(m) => Failed::Lost(m),
                    other => Failed::Round(other.to_string()),
                })?;
            catalog::confirm::record(&mut state, answers);
            watched = crate::diff::watched(&self.model, &state)
                .map_err(|e| Failed::Round(e.to_string()))?;
        }
        let findings: Vec<Event> = watched
            .reported()
            .map(|s| {
                let statement = render::statement(&s.change);
                Event::new(
                    "drift",
                    format!("not applied by watch (apply it after review): {statement}"),
                )
                .with("action", s.change.action())
                .with("statement", statement)
                .with("why", render::reason(s))
            })
            .collect();
        self.sink.findings(findings).await;
        if watched.applies.is_empty() {
            return Ok(false);
        }
        let (checks, _) = crate::doctor::read_only(client).await;
        let failing: Vec<String> = checks
            .iter()
            .filter(|c| !c.passed && !c.skipped && GUARDS.contains(&c.name))
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        if !failing.is_empty() {
            self.held_back = true;
            self.failure(
                "not_applied",
                format!(
                    "{} held back: doctor's read-only checks fail: {}",
                    watched.applies.size(),
                    failing.join("; ")
                ),
            );
            return Ok(false);
        }
        let mut settings = self.settings.apply.clone();
        settings.watch = true;
        settings.ask_first = false;
        let text = self.model.source.text.clone();
        let mut yes = |_: &crate::plan::Plan| true;
        match apply::apply(
            client,
            Some(notices),
            &self.model,
            &text,
            &settings,
            &mut yes,
        )
        .await
        {
            Ok(outcome) => {
                if let Some(run) = &outcome.run {
                    let statements: Vec<String> = outcome
                        .plan
                        .statements
                        .iter()
                        .map(|s| render::merged(&s.merged))
                        .collect();
                    self.sink.say(
                        &Event::new(
                            "applied",
                            format!(
                                "applied {} (run {}): {}",
                                outcome.plan.size(),
                                run.run_id,
                                statements.join(" ")
                            ),
                        )
                        .with("run_id", run.run_id.clone())
                        .with("statements", statements),
                    );
                }
                Ok(outcome.run.is_some())
            }
            Err(ApplyError::Connection { message, .. }) => Err(Failed::Lost(message)),
            Err(e) => Err(Failed::Round(format!("apply failed: {e}"))),
        }
    }
}
