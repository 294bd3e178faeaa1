//! apply: runs a plan in one transaction. It never decides what to change: under the lock it
//! reads the cluster again and asks `diff::sync` for the plan, then executes that plan.
//!
//! One run: bring the audit schema up to date (and refuse one mlgrant did not create); when a
//! person is to approve, plan without the lock, show, ask; then `BEGIN`, `LOCK
//! mlgrant.apply_log` (bounded by the lock timeout) and the catalog read in one message, and plan
//! again: a plan that differs from the approved one is refused. Statements run in batches (one
//! simple-query message each); a warning a statement raises aborts the transaction, a notice is
//! recorded with the run. Then, still inside the transaction, the cluster is read again with
//! the same reader: a change that did not land (a GRANT that granted nothing, whatever the
//! server said) rolls everything back, naming it. The audit record and `COMMIT` go in one
//! message. Every wait on the server is bounded (the read timeout). Any error rolls back and
//! names the failing statement and the server's words. Serialization errors (Redshift's 1023
//! included) retry the whole transaction, re-plan included.
//!
//! A rehearsal (`Settings::rehearse`) is the same run with the pending migrations inside the
//! transaction and ROLLBACK in place of COMMIT: it proves on the cluster that the plan would
//! commit, and changes nothing.

mod execute;
mod run;

pub use run::preamble;

use std::time::Duration;

use tokio_postgres::Client;

use crate::audit::{AuditError, Run};
use crate::catalog::CatalogError;
use crate::config::AccessModel;
use crate::connect::Notices;
use crate::diff::SyncError;
use crate::plan::Plan;
use crate::saved::SavedPlan;
pub use crate::server::Heard;
use crate::server::{Notice, ServerError};
use crate::text::plural;

/// Why an apply did not complete. Unless it says otherwise, the transaction was rolled back.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("{0}")]
    Sync(#[from] SyncError),
    #[error(
        "statement failed{}: {}{}\n  in: {statement}\nnothing was changed: the transaction was rolled back",
        crate::server::sqlstate_note(&.error.sqlstate),
        .error.message,
        .error.detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
    )]
    Statement {
        statement: String,
        error: ServerError,
    },
    #[error(
        "the server answered a statement of the plan with a warning, which is not success{}: {}\n  in: {statement}\nnothing was changed: the transaction was rolled back",
        crate::server::sqlstate_note(&.notice.sqlstate),
        .notice.message
    )]
    Warning { statement: String, notice: Notice },
    #[error(
        "every statement ran, but {} change{} did not read back from the catalog inside the transaction, so nothing was committed (the transaction was rolled back):\n{}{}",
        .remaining.len(),
        plural(.remaining.len()),
        .remaining.join("\n"),
        if .heard.is_empty() { String::new() } else { format!("\nwhat the server said:\n{}", .heard.join("\n")) }
    )]
    NotLanded {
        remaining: Vec<String>,
        heard: Vec<String>,
    },
    #[error(
        "{what} failed{}: {}; nothing was changed",
        crate::server::sqlstate_note(&.error.sqlstate),
        .error.message
    )]
    Server { what: String, error: ServerError },
    #[error(
        "the connection was lost during {what}: {message}; the transaction did not commit unless the cluster says otherwise: run `mlgrant plan` to see where it stands"
    )]
    Connection { what: String, message: String },
    #[error(
        "the server did not answer {what} within {seconds} s (--read-timeout); nothing was committed unless the cluster says otherwise: run `mlgrant plan` to see where it stands"
    )]
    NoAnswer { what: String, seconds: u64 },
    #[error(
        "gave up waiting for the apply lock on mlgrant.apply_log after {seconds} s (--lock-timeout): another apply, or a session reading the audit log in an open transaction, holds it; nothing was changed"
    )]
    LockTimeout { seconds: u64 },
    #[error(
        "the cluster changed between the plan you approved and the lock: nothing was changed; run apply again to review the new plan\n{}",
        .0.join("\n")
    )]
    Changed(Vec<String>),
    #[error(
        "the saved plan holds the statements this model and cluster produce, but not as `mlgrant plan --out` wrote them: the plan file was edited; nothing was changed: make the plan again and review it\n{}",
        .0.join("\n")
    )]
    Edited(Vec<String>),
    #[error(
        "the saved plan is stale: what the model manages on the cluster changed since it was made; nothing was changed: plan again and review{}{}",
        if .0.is_empty() { "" } else { "\n" },
        .0.join("\n")
    )]
    Stale(Vec<String>),
    #[error("apply cancelled: nothing was changed")]
    Cancelled,
    #[error(
        "the run cannot be reverted as it stands: later runs changed some of its privileges again (--force reverts them all the same); nothing was changed\n{}",
        .0.join("\n")
    )]
    StaleRevert(Vec<String>),
    /// A statement failed with 42704 naming models whose exact names are unconfirmed: they are
    /// asked with SHOW MODEL outside the transaction, and the attempt is made again (shown only
    /// when new such failures keep coming).
    #[error(
        "statements naming models whose exact names the catalog cannot confirm kept failing as if the models did not exist ({}); nothing was changed: apply again",
        .0.iter().map(|m| crate::text::escape_controls(&m.key())).collect::<Vec<_>>().join(", ")
    )]
    Unconfirmed(Vec<crate::model::ModelName>),
}

/// How to run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Statements per simple-query message.
    pub batch_size: usize,
    /// Extra attempts after a serialization or concurrency error.
    pub retries: u32,
    /// How long to wait for the apply lock.
    pub lock_timeout: Duration,
    /// How long to wait for the server's answer to any one message; `None` waits forever.
    pub read_timeout: Option<Duration>,
    /// Plan and ask before taking the lock (a person approves); without it the plan made under
    /// the lock is shown and applied.
    pub ask_first: bool,
    /// A login named in `[policy] audit_owner`, trusted to own mlgrant's schema besides
    /// superusers.
    pub audit_owner: Option<String>,
    /// A saved plan to apply exactly (`apply --plan`), with the SHA-256 of its file: no prompt,
    /// and refused when the managed catalog changed since it was made.
    pub saved: Option<(SavedPlan, String)>,
    /// Rehearse (`apply --rehearse`): the whole run, migrations included, in one transaction
    /// that is rolled back at the end.
    pub rehearse: bool,
    /// Revert a run (`mlgrant revert RUN`): the plan is the run's inverse (`ledger::inverse`)
    /// rather than the model's sync; everything else is apply's.
    pub revert: Option<crate::ledger::Revert>,
    /// Apply only what entries that have ended call for (`apply --only-expired`): their
    /// revokes and member drops; recorded with outcome `expired`.
    pub only_expired: bool,
    /// Apply only what `mlgrant watch` may (`diff::watched`): EXECUTE on models that hold none
    /// of the grants the model requires on them; recorded with outcome `watch`.
    pub watch: bool,
    /// What SHOW MODEL said already of models asked before this apply (a watch's round asks
    /// them): not asked again.
    pub confirmed: crate::catalog::confirm::Answers,
    /// A stop (a watch's signal): no transaction begins once it is true, and the apply ends
    /// with `Cancelled` (a transaction under way runs to its end).
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            only_expired: false,
            watch: false,
            confirmed: Vec::new(),
            stop: None,
            batch_size: 1000,
            retries: 3,
            lock_timeout: Duration::from_secs(60),
            read_timeout: Some(Duration::from_secs(120)),
            ask_first: false,
            audit_owner: None,
            saved: None,
            rehearse: false,
            revert: None,
        }
    }
}

/// What an apply did.
#[derive(Debug)]
pub struct Outcome {
    pub plan: Plan,
    /// The audit run, when something was applied (or, rehearsing, would have been).
    pub run: Option<Run>,
    /// Attempts made (1 unless a concurrency error forced a retry).
    pub attempts: u32,
    /// The notices the server raised, statement by statement (recorded with the run).
    pub heard: Vec<Heard>,
    /// A rehearsal: nothing was committed.
    pub rehearsed: bool,
}

/// What apply says to the person running it, and asks them.
pub trait Prompt {
    /// Shows the plan and says whether to go on.
    fn confirm(&mut self, plan: &Plan) -> bool;
    /// Something worth saying while it waits (the lock).
    fn waiting(&mut self, _message: &str) {}
    /// `done` of `total` statements have run (after each batch).
    fn progress(&mut self, _done: usize, _total: usize) {}
    /// The audit record and COMMIT are about to be sent: from here on, an interruption may leave
    /// the change applied.
    fn committing(&mut self) {}
}

impl<F: FnMut(&Plan) -> bool> Prompt for F {
    fn confirm(&mut self, plan: &Plan) -> bool {
        self(plan)
    }
}

/// Rounds of SHOW MODEL questions an apply makes before it gives up on models that keep
/// appearing.
const MAX_CONFIRMATIONS: u32 = 3;

/// Whether a server error is a serialization conflict worth running the whole transaction again
/// for: PostgreSQL's 40001 and 40P01, and Redshift's error 1023, which arrives as XX000 with the
/// message `1023` and the words in DETAIL ("Serializable isolation violation on table ...").
fn retryable(e: &ServerError) -> bool {
    let mentions = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("serializable isolation violation")
            || s.contains("could not serialize")
            || s.contains("conflict with concurrent transaction")
    };
    match e.sqlstate.as_str() {
        "40001" | "40P01" => true,
        "XX000" => {
            e.message.trim() == "1023"
                || e.message.starts_with("1023")
                || mentions(&e.message)
                || e.detail.as_deref().is_some_and(mentions)
        }
        _ => false,
    }
}

/// Applies `model` to the cluster behind `client`. `model_text` is the file's text (for the
/// digest); `notices` carries the server's warnings (every one aborts the transaction);
/// `prompt` is asked before anything changes.
pub async fn apply(
    client: &Client,
    notices: Option<&Notices>,
    model: &AccessModel,
    model_text: &str,
    settings: &Settings,
    prompt: &mut dyn Prompt,
) -> Result<Outcome, ApplyError> {
    let run = run::Runner {
        client,
        notices,
        model,
        model_text,
        settings,
        answers: std::sync::Mutex::new(settings.confirmed.clone()),
    };
    let stopping = || settings.stop.as_ref().is_some_and(|s| *s.borrow());
    if stopping() {
        return Err(ApplyError::Cancelled);
    }
    run.check_directories().await?;
    // The audit schema is checked (read-only) before anything, but migrated only once the
    // question is answered yes (or inside a rehearsal's transaction): declining changes nothing.
    let checked_first = settings.rehearse || settings.ask_first;
    let pending = if checked_first {
        run.pending_migrations().await?
    } else {
        run.migrate().await?;
        Vec::new()
    };
    let outcome = |plan, run, attempts, heard| Outcome {
        plan,
        run,
        attempts,
        heard,
        rehearsed: settings.rehearse,
    };
    let approved = if let Some((saved, _)) = &settings.saved {
        // Reviewed already; shown and asked again only when asked to.
        if settings.ask_first {
            let plan = run.plan().await?;
            if !prompt.confirm(&plan) {
                return Err(ApplyError::Cancelled);
            }
        }
        Some(saved.statements.clone())
    } else if settings.ask_first {
        let plan = run.plan().await?;
        if plan.is_empty() && (pending.is_empty() || !settings.rehearse) {
            return Ok(outcome(plan, None, 0, Vec::new()));
        }
        if !prompt.confirm(&plan) {
            return Err(ApplyError::Cancelled);
        }
        Some(crate::saved::statements(&plan))
    } else {
        None
    };
    let migrations = if settings.rehearse {
        pending
    } else {
        if checked_first {
            run.migrate().await?;
        }
        Vec::new()
    };
    let mut attempts = 0;
    let mut confirmations = 0;
    loop {
        if stopping() {
            return Err(ApplyError::Cancelled);
        }
        attempts += 1;
        match run.attempt(approved.as_deref(), &migrations, prompt).await {
            Ok(done) => return Ok(outcome(done.plan, done.run, attempts, done.heard)),
            Err(ApplyError::Unconfirmed(models)) if confirmations < MAX_CONFIRMATIONS => {
                // Not a failure: the exact names are asked outside the transaction, and the
                // whole attempt is made again (lock, read, plan) with the answers.
                run.rollback().await?;
                run.confirm(&models).await?;
                confirmations += 1;
                attempts -= 1;
            }
            Err(e) => {
                let _ = run.rollback().await;
                let again = match &e {
                    ApplyError::Statement { error, .. } | ApplyError::Server { error, .. } => {
                        retryable(error)
                    }
                    ApplyError::Catalog(CatalogError::Server(error)) => retryable(error),
                    _ => false,
                };
                if again && attempts <= settings.retries {
                    tokio::time::sleep(Duration::from_millis(100 << attempts)).await;
                    continue;
                }
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::retryable;
    use crate::server::ServerError;

    fn retryable_(sqlstate: &str, message: &str, detail: Option<&str>) -> bool {
        retryable(&ServerError {
            sqlstate: sqlstate.to_owned(),
            message: message.to_owned(),
            detail: detail.map(str::to_owned),
        })
    }

    #[test]
    fn a_change_that_did_not_land_counts_agree_with_their_verb() {
        let one = super::ApplyError::NotLanded {
            remaining: vec!["  GRANT x;".into()],
            heard: vec![],
        };
        assert!(
            one.to_string().contains("1 change did not read back"),
            "{one}"
        );
        assert!(!one.to_string().contains("what the server said"), "{one}");
        let two = super::ApplyError::NotLanded {
            remaining: vec!["  a".into(), "  b".into()],
            heard: vec!["  statement 1: NOTICE: x (SQLSTATE 00000)".into()],
        };
        assert!(
            two.to_string().contains("2 changes did not read back"),
            "{two}"
        );
        assert!(
            two.to_string()
                .contains("what the server said:\n  statement 1"),
            "{two}"
        );
    }

    #[test]
    fn serialization_and_concurrency_errors_are_retried() {
        assert!(retryable_("40001", "could not serialize access", None));
        assert!(retryable_("40P01", "deadlock detected", None));
        // Redshift's error 1023, as it arrives (aws-sdk-pandas issue 665).
        assert!(retryable_(
            "XX000",
            "1023",
            Some(
                "Serializable isolation violation on table - 100123, transactions forming the cycle are: 1001, 1002 (pid:4242)"
            )
        ));
        assert!(retryable_(
            "XX000",
            "1023: Serializable isolation violation on table",
            None
        ));
        assert!(!retryable_("XX000", "disk full", None));
        assert!(!retryable_("42704", "model does not exist", None));
    }
}
