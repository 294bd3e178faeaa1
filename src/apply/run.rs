//! One apply's conversation with the server: every round trip bounded by the read timeout, the
//! lock by the lock timeout, every statement of the plan checked for warnings (a warning fails
//! it; a notice is kept for the audit log), and every change read back inside the transaction
//! before COMMIT (or, for a rehearsal, before ROLLBACK).
//!
//! Everything sent inside the transaction is a statement Redshift takes: on Redshift as on
//! PostgreSQL an error aborts the whole transaction block, so a query that fails "harmlessly"
//! there would poison the apply. No SET of a parameter outside Redshift's configuration
//! reference (statement_timeout is in it: DG r_statement_timeout; LOCK: DG r_LOCK; RESET:
//! DG r_RESET).

use std::future::Future;
use std::time::Duration;

use futures_util::pin_mut;
use tokio_postgres::Client;

use super::Heard;
use super::{ApplyError, Prompt, Settings};
use crate::audit::{self, Run};
use crate::catalog::{self, CatalogError};
use crate::config::AccessModel;
use crate::connect::Notices;
use crate::diff::sync;
use crate::model::State;
use crate::plan::Plan;
use crate::render;
use crate::server::WireError;
use crate::text::escape_controls;

/// After this long waiting for the lock, say so.
const SAY_WAITING_AFTER: Duration = Duration::from_secs(3);

/// What apply sends inside its transaction before the catalog read: the lock on its log,
/// bounded on the server by statement_timeout (DG r_statement_timeout, r_LOCK, r_RESET).
/// `mlgrant doctor` proves these very statements.
pub fn preamble(lock_timeout: Duration) -> Vec<String> {
    vec![
        format!(
            "SET statement_timeout TO {}",
            lock_timeout.as_millis().max(1)
        ),
        "LOCK mlgrant.apply_log".to_owned(),
        "RESET statement_timeout".to_owned(),
    ]
}

pub(super) struct Runner<'a> {
    pub client: &'a Client,
    pub notices: Option<&'a Notices>,
    pub model: &'a AccessModel,
    pub model_text: &'a str,
    pub settings: &'a Settings,
    /// What SHOW MODEL said of the models asked so far (outside any transaction): applied to
    /// every catalog read of this apply (`catalog::confirm`).
    pub answers: std::sync::Mutex<catalog::confirm::Answers>,
}

pub(super) fn failure(what: &str, e: &tokio_postgres::Error) -> ApplyError {
    match WireError::from(e) {
        WireError::Server(s) => ApplyError::Server {
            what: what.to_owned(),
            error: s,
        },
        WireError::Connection(message) => ApplyError::Connection {
            what: what.to_owned(),
            message,
        },
    }
}

/// The plan's statements as they are sent (no closing semicolon).
fn statements(plan: &Plan) -> Vec<String> {
    plan.statements
        .iter()
        .map(|s| render::merged(&s.merged).trim_end_matches(';').to_owned())
        .collect()
}

impl Runner<'_> {
    /// `fut`, or `NoAnswer` once `limit` (plus `extra`) has passed.
    async fn bounded<T>(
        &self,
        what: &str,
        extra: Duration,
        fut: impl Future<Output = Result<T, ApplyError>>,
    ) -> Result<T, ApplyError> {
        match self.settings.read_timeout {
            None => fut.await,
            Some(limit) => tokio::time::timeout(limit + extra, fut)
                .await
                .unwrap_or_else(|_| {
                    Err(ApplyError::NoAnswer {
                        what: what.to_owned(),
                        seconds: (limit + extra).as_secs(),
                    })
                }),
        }
    }

    /// The bound of a step that sends up to `messages` messages: `--read-timeout` for each.
    fn per_message(&self, messages: u32) -> Duration {
        self.settings
            .read_timeout
            .map_or(Duration::ZERO, |limit| limit * messages.saturating_sub(1))
    }

    pub async fn migrate(&self) -> Result<(), ApplyError> {
        let owner = self.settings.audit_owner.as_deref();
        let extra = self.per_message(audit::MIGRATE_MESSAGES);
        self.bounded("the audit schema's migrations", extra, async {
            Ok(audit::migrate(self.client, owner).await?)
        })
        .await?;
        Ok(())
    }

    /// For a rehearsal: the migrations the cluster lacks, checked as apply checks them, to run
    /// inside its transaction.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, ApplyError> {
        let owner = self.settings.audit_owner.as_deref();
        let extra = self.per_message(audit::CHECK_MESSAGES);
        self.bounded("the audit schema's check", extra, async {
            Ok(audit::pending(self.client, owner).await?)
        })
        .await
    }

    async fn read(&self) -> Result<State, ApplyError> {
        self.bounded("the catalog read", Duration::ZERO, async {
            Ok(catalog::read(self.client, "", 0).await?)
        })
        .await
    }

    /// Marks in `state` what SHOW MODEL said of the models asked so far.
    fn answered(&self, state: &mut State) {
        let answers = self.answers.lock().map(|a| a.clone()).unwrap_or_default();
        catalog::confirm::record(state, answers);
    }

    /// Those of `models` not asked yet.
    fn unasked(&self, models: &[crate::model::ModelName]) -> Vec<crate::model::ModelName> {
        let answers = self.answers.lock().map(|a| a.clone()).unwrap_or_default();
        models
            .iter()
            .filter(|m| !answers.iter().any(|(a, _)| a == *m))
            .cloned()
            .collect()
    }

    /// Asks SHOW MODEL for `models` (outside any transaction) and keeps the answers.
    pub async fn confirm(&self, models: &[crate::model::ModelName]) -> Result<(), ApplyError> {
        let answers =
            catalog::confirm::ask(self.client, models, self.settings.read_timeout).await?;
        if let Ok(mut kept) = self.answers.lock() {
            kept.extend(answers);
        }
        Ok(())
    }

    /// Refuses a model that names an identity-provider namespace the cluster lacks, when the
    /// login may read svv_identity_providers (a superuser); before any transaction.
    pub async fn check_directories(&self) -> Result<(), ApplyError> {
        if crate::diff::directory_namespaces(self.model).is_empty() {
            return Ok(());
        }
        let state = self.read().await?;
        if !state.cluster.as_ref().is_some_and(|i| i.superuser) {
            return Ok(());
        }
        let known = self
            .bounded("reading svv_identity_providers", Duration::ZERO, async {
                Ok(catalog::identity_namespaces(self.client).await?)
            })
            .await?;
        crate::diff::check_directories(self.model, Some(&known))?;
        Ok(())
    }

    /// The plan for `cluster`: the model's sync, or the inverse of the run to revert.
    fn plan_for(&self, cluster: &State) -> Result<Plan, ApplyError> {
        match &self.settings.revert {
            None if self.settings.watch => Ok(crate::diff::watched(self.model, cluster)?.applies),
            None if self.settings.only_expired => {
                Ok(sync(self.model, cluster)?.only(crate::diff::is_expiry))
            }
            None => Ok(sync(self.model, cluster)?),
            Some(r) => crate::ledger::inverse(r, cluster).map_err(ApplyError::StaleRevert),
        }
    }

    /// The plan, without the lock (for a person to approve); the models it would grant on
    /// whose exact names are unconfirmed are asked first.
    pub async fn plan(&self) -> Result<Plan, ApplyError> {
        let mut state = self.read().await?;
        self.answered(&mut state);
        let plan = self.plan_for(&state)?;
        if plan.unconfirmed.is_empty() {
            return Ok(plan);
        }
        self.confirm(catalog::confirm::first(&plan.unconfirmed))
            .await?;
        self.answered(&mut state);
        self.plan_for(&state)
    }

    pub async fn rollback(&self) -> Result<(), ApplyError> {
        self.bounded("ROLLBACK", Duration::ZERO, async {
            self.client
                .batch_execute("ROLLBACK")
                .await
                .map_err(|e| failure("ending the transaction", &e))
        })
        .await
    }

    /// `BEGIN` (unless a rehearsal began already), the lock (bounded on the server by
    /// statement_timeout, which Redshift and PostgreSQL both honour) and the catalog read, in one
    /// message. Says so when the lock is slow to come. No client_min_messages: Redshift refuses
    /// it (42501, "permission denied to set parameter"), and a login that hides warnings cannot
    /// hide a change that did not land from the read-back before COMMIT.
    async fn locked_read(&self, prompt: &mut dyn Prompt, begin: bool) -> Result<State, ApplyError> {
        let lock = self.settings.lock_timeout;
        let mut statements = preamble(lock);
        if begin {
            statements.insert(0, "BEGIN".to_owned());
        }
        let prefix: String = statements.iter().map(|s| format!("{s};\n")).collect();
        let read = catalog::read(self.client, &prefix, statements.len());
        pin_mut!(read);
        let first = tokio::time::timeout(SAY_WAITING_AFTER, &mut read).await;
        let result = match first {
            Ok(result) => result,
            Err(_) => {
                prompt.waiting(&format!(
                    "waiting for the apply lock on mlgrant.apply_log (or for the catalog read behind it): another apply, or a session reading the audit log in an open transaction, may hold it; giving up after {} s (--lock-timeout)",
                    lock.as_secs()
                ));
                self.bounded("the lock and the catalog read", lock, async {
                    Ok(read.await)
                })
                .await?
            }
        };
        result.map_err(|e| match e {
            // 57014: the statement_timeout set for the LOCK ran out.
            CatalogError::Server(s) if s.sqlstate == "57014" => ApplyError::LockTimeout {
                seconds: lock.as_secs(),
            },
            other => ApplyError::Catalog(other),
        })
    }

    /// One transaction: (for a rehearsal, the pending migrations,) lock, plan, compare with the
    /// approved plan (or ask), run, read back, record, and COMMIT, or ROLLBACK for a rehearsal.
    pub async fn attempt(
        &self,
        approved: Option<&[String]>,
        migrations: &[String],
        prompt: &mut dyn Prompt,
    ) -> Result<Attempt, ApplyError> {
        let rehearse = self.settings.rehearse;
        if rehearse {
            // The migrations run inside the rehearsal's transaction, and are rolled back with it.
            let mut opening = vec!["BEGIN".to_owned()];
            opening.extend(migrations.iter().cloned());
            self.bounded(
                "the audit schema's migrations",
                Duration::ZERO,
                self.execute(&opening, 0),
            )
            .await
            .map_err(|e| match e {
                ApplyError::Statement { statement, error } => ApplyError::Server {
                    what: format!("the audit schema's migrations ({statement})"),
                    error,
                },
                other => other,
            })?;
        }
        let mut cluster = self.locked_read(prompt, !rehearse).await?;
        self.answered(&mut cluster);
        // Under the lock, mlgrant's schema is checked again: nobody slipped in since.
        let owner = self.settings.audit_owner.as_deref();
        let extra = self.per_message(audit::CHECK_MESSAGES);
        self.bounded("the audit schema's check", extra, async {
            Ok(audit::verify_trust(self.client, owner).await?)
        })
        .await?;
        let plan = self.plan_for(&cluster)?;
        if self.settings.saved.is_some() || self.settings.watch {
            // A saved plan was made with the first models asked, as `plan` asks them: ask the
            // same (outside the transaction), then the attempt is made again. A watch asks
            // before it grants on a new model: found and not ready, it waits.
            let unasked = self.unasked(catalog::confirm::first(&plan.unconfirmed));
            if !unasked.is_empty() {
                return Err(ApplyError::Unconfirmed(unasked));
            }
        }
        let now = crate::saved::statements(&plan);
        let differences = |before: &[String]| -> Vec<String> {
            let mut changes: Vec<String> = before
                .iter()
                .filter(|s| !now.contains(s))
                .map(|s| format!("  no longer planned: {}", escape_controls(s)))
                .collect();
            changes.extend(
                now.iter()
                    .filter(|s| !before.contains(s))
                    .map(|s| format!("  newly planned: {}", escape_controls(s))),
            );
            changes
        };
        if let Some((saved, _)) = &self.settings.saved
            && crate::saved::catalog_digest(self.model, &cluster) != saved.catalog_digest
        {
            return Err(ApplyError::Stale(differences(&saved.statements)));
        }
        if plan.is_empty() && approved.is_none_or(<[String]>::is_empty) {
            self.rollback().await?;
            return Ok(Attempt {
                plan,
                run: None,
                heard: Vec::new(),
            });
        }
        let statements = statements(&plan);
        match approved {
            Some(before) => {
                if before != now.as_slice() {
                    let changes = differences(before);
                    if changes.is_empty() {
                        // The same statements, reordered or repeated: not the cluster's doing.
                        return Err(ApplyError::Edited(super::execute::edits(before, &now)));
                    }
                    return Err(ApplyError::Changed(changes));
                }
            }
            None => {
                if !prompt.confirm(&plan) {
                    return Err(ApplyError::Cancelled);
                }
            }
        }
        let mut done = 0;
        let mut heard = Vec::new();
        // At most --batch-size statements a message, and at most 4 MB of them (a merged
        // statement can take 60 KB; Redshift's limit for a statement is 16 MB).
        // A rehearsal sends one statement a message, so that what the server says is told
        // apart statement by statement.
        let batch_size = if rehearse {
            1
        } else {
            self.settings.batch_size
        };
        for batch in crate::text::batches(&statements, batch_size, 4 << 20) {
            let ran = self
                .bounded(
                    "a batch of statements",
                    Duration::ZERO,
                    self.execute(batch, done),
                )
                .await;
            heard.extend(ran.map_err(|e| unconfirmed_failure(e, &plan, &statements))?);
            done += batch.len();
            prompt.progress(done, statements.len());
        }
        // Every change reads back inside the transaction, with the same reader: a GRANT that
        // granted nothing never commits, whatever the server said of it.
        let mut again = self.read().await?;
        self.answered(&mut again);
        let remaining = self.plan_for(&again)?;
        if !remaining.is_empty() {
            return Err(ApplyError::NotLanded {
                remaining: remaining
                    .steps
                    .iter()
                    .map(|s| format!("  {}", escape_controls(&render::statement(&s.change))))
                    .collect(),
                heard: heard
                    .iter()
                    .map(|h: &Heard| {
                        format!(
                            "  {}: {}",
                            h.statements(),
                            escape_controls(&h.notice.to_string())
                        )
                    })
                    .collect(),
            });
        }
        let plan_sql = render::sql(&plan, "plan");
        let mut run = Run::new(
            cluster
                .cluster
                .as_ref()
                .map_or("", |i| i.current_user.as_str()),
            &self.model.source.name,
            self.model_text,
            &plan_sql,
        );
        run.plan_file_digest = self.settings.saved.as_ref().map(|(_, d)| d.clone());
        if self.settings.revert.is_some() {
            run.outcome = "reverted";
        } else if self.settings.only_expired {
            run.outcome = "expired";
        } else if self.settings.watch {
            run.outcome = "watch";
        }
        let mut closing = audit::record(&run, &plan, &statements, &heard);
        if rehearse {
            closing.push("ROLLBACK".to_owned());
        } else {
            closing.push("COMMIT".to_owned());
            prompt.committing();
        }
        self.bounded(
            if rehearse {
                "the audit record and ROLLBACK"
            } else {
                "the audit record and COMMIT"
            },
            Duration::ZERO,
            self.execute(&closing, 0),
        )
        .await?;
        Ok(Attempt {
            plan,
            run: Some(run),
            heard,
        })
    }
}

/// A statement that failed with 42704 (undefined object) while it names models whose exact
/// names are unconfirmed: [`ApplyError::Unconfirmed`] with them, for apply to ask SHOW MODEL
/// outside the transaction and try again; any other failure as it is.
fn unconfirmed_failure(e: ApplyError, plan: &Plan, statements: &[String]) -> ApplyError {
    let ApplyError::Statement { statement, error } = &e else {
        return e;
    };
    if error.sqlstate != "42704" || plan.unconfirmed.is_empty() {
        return e;
    }
    let Some(i) = statements
        .iter()
        .position(|s| escape_controls(s) == *statement)
    else {
        return e;
    };
    let text = render::merged(&plan.statements[i].merged);
    let named: Vec<crate::model::ModelName> = plan
        .unconfirmed
        .iter()
        .filter(|m| text.contains(&m.key()))
        .cloned()
        .collect();
    if named.is_empty() {
        e
    } else {
        ApplyError::Unconfirmed(named)
    }
}

/// What one attempt did.
pub(super) struct Attempt {
    pub plan: Plan,
    pub run: Option<Run>,
    pub heard: Vec<Heard>,
}
