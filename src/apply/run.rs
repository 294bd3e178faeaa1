//! One apply's conversation with the server: every round trip bounded by the read timeout, the
//! lock by the lock timeout, and every statement of the plan checked for warnings.

use std::future::Future;
use std::time::Duration;

use futures_util::{StreamExt, pin_mut};
use tokio_postgres::{Client, SimpleQueryMessage};

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

pub(super) struct Runner<'a> {
    pub client: &'a Client,
    pub notices: Option<&'a Notices>,
    pub model: &'a AccessModel,
    pub model_text: &'a str,
    pub settings: &'a Settings,
}

fn failure(what: &str, e: &tokio_postgres::Error) -> ApplyError {
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

    pub async fn migrate(&self) -> Result<(), ApplyError> {
        let owner = self.settings.audit_owner.as_deref();
        self.bounded("the audit schema's migrations", Duration::ZERO, async {
            Ok(audit::migrate(self.client, owner).await?)
        })
        .await?;
        Ok(())
    }

    async fn read(&self) -> Result<State, ApplyError> {
        self.bounded("the catalog read", Duration::ZERO, async {
            Ok(catalog::read(self.client, "", 0).await?)
        })
        .await
    }

    /// The plan, without the lock (for a person to approve).
    pub async fn plan(&self) -> Result<Plan, ApplyError> {
        Ok(sync(self.model, &self.read().await?)?)
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

    /// `BEGIN`, the lock (bounded on the server by statement_timeout, which Redshift and
    /// PostgreSQL both honour) and the catalog read, in one message. Says so when the lock is
    /// slow to come.
    async fn locked_read(&self, prompt: &mut dyn Prompt) -> Result<State, ApplyError> {
        let lock = self.settings.lock_timeout;
        // client_min_messages: a login set to hide warnings must not hide a GRANT that granted
        // nothing (DG r_client_min_messages).
        let prefix = format!(
            "BEGIN;\nSET client_min_messages TO notice;\nSET statement_timeout TO {};\nLOCK mlgrant.apply_log;\nRESET statement_timeout;\n",
            lock.as_millis().max(1)
        );
        let read = catalog::read(self.client, &prefix, 5);
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

    /// One transaction: lock, plan, compare with the approved plan (or ask), run, record, commit.
    pub async fn attempt(
        &self,
        approved: Option<&[String]>,
        prompt: &mut dyn Prompt,
    ) -> Result<(Plan, Option<Run>), ApplyError> {
        let cluster = self.locked_read(prompt).await?;
        // Under the lock, mlgrant's schema is checked again: nobody slipped in since.
        let owner = self.settings.audit_owner.as_deref();
        self.bounded("the audit schema's check", Duration::ZERO, async {
            Ok(audit::verify_trust(self.client, owner).await?)
        })
        .await?;
        let plan = sync(self.model, &cluster)?;
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
            return Ok((plan, None));
        }
        let statements = statements(&plan);
        match approved {
            Some(before) => {
                if before != now.as_slice() {
                    return Err(ApplyError::Changed(differences(before)));
                }
            }
            None => {
                if !prompt.confirm(&plan) {
                    return Err(ApplyError::Cancelled);
                }
            }
        }
        let mut done = 0;
        // At most --batch-size statements a message, and at most 4 MB of them (a merged
        // statement can take 60 KB; Redshift's limit for a statement is 16 MB).
        for batch in crate::text::batches(&statements, self.settings.batch_size, 4 << 20) {
            self.bounded("a batch of statements", Duration::ZERO, self.execute(batch))
                .await?;
            done += batch.len();
            prompt.progress(done, statements.len());
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
        let mut closing = audit::record(&run, &plan, &statements);
        closing.push("COMMIT".to_owned());
        prompt.committing();
        self.bounded(
            "the audit record and COMMIT",
            Duration::ZERO,
            self.execute(&closing),
        )
        .await?;
        Ok((plan, Some(run)))
    }

    /// Runs `statements` as one message; on error, names the statement that failed by counting
    /// the statements that completed before it. A notice or warning raised by a statement fails
    /// it: a GRANT that granted nothing says so only with a warning.
    async fn execute(&self, statements: &[String]) -> Result<(), ApplyError> {
        // Notices of earlier messages (the catalog read, the migrations) are not the plan's.
        while self.notices.is_some_and(|n| n.try_recv().is_ok()) {}
        let sql = statements.join(";\n");
        let stream = self
            .client
            .simple_query_raw(&sql)
            .await
            .map_err(|e| failure("sending a batch", &e))?;
        pin_mut!(stream);
        let mut done = 0usize;
        while let Some(message) = stream.next().await {
            match message {
                Ok(SimpleQueryMessage::CommandComplete(_)) => {
                    // The connection hands a statement's notices on before its completion.
                    if let Some(notice) = self.notices.and_then(|n| n.try_recv().ok()) {
                        return Err(ApplyError::Warning {
                            statement: escape_controls(
                                statements.get(done).map_or("", String::as_str),
                            ),
                            notice,
                        });
                    }
                    done += 1;
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(match WireError::from(e) {
                        WireError::Server(error) => ApplyError::Statement {
                            statement: escape_controls(
                                statements.get(done).map_or("", String::as_str),
                            ),
                            error,
                        },
                        WireError::Connection(message) => ApplyError::Connection {
                            what: "a batch".to_owned(),
                            message,
                        },
                    });
                }
            }
        }
        Ok(())
    }

    /// Reads the cluster again after COMMIT; anything still to change is an error that says the
    /// change did commit.
    pub async fn verify(&self, run_id: &str) -> Result<(), ApplyError> {
        let committed = |source: ApplyError| ApplyError::Verify {
            run_id: run_id.to_owned(),
            source: Box::new(source),
        };
        let again = self.plan().await.map_err(committed)?;
        if again.is_empty() {
            return Ok(());
        }
        Err(ApplyError::OutOfSync {
            run_id: run_id.to_owned(),
            remaining: again
                .steps
                .iter()
                .map(|s| format!("  {}", escape_controls(&render::statement(&s.change))))
                .collect(),
        })
    }
}
