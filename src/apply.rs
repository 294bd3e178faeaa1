//! apply: runs a plan in one transaction. It never decides what to change: under the lock it
//! reads the cluster again and asks `diff::sync` for the plan, then executes that plan.
//!
//! One run: bring the audit schema up to date; `BEGIN; LOCK mlgrant.apply_log;` and the catalog
//! read in one message; plan; confirm; statements in batches (one simple-query message each);
//! the audit record and `COMMIT` in one message; then read the cluster again and fail if it is
//! still out of sync. Any error rolls back and names the failing statement and its SQLSTATE.
//! Serialization and concurrency errors retry the whole transaction, re-plan included.

use std::time::Duration;

use futures_util::{StreamExt, pin_mut};
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::audit::{self, AuditError, Run};
use crate::catalog::{self, CatalogError};
use crate::config::AccessModel;
use crate::diff::{SyncError, sync};
use crate::plan::Plan;
use crate::render;
use crate::server::{ServerError, WireError};

/// Why an apply did not complete. In every case the transaction was rolled back.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("{0}")]
    Sync(#[from] SyncError),
    #[error(
        "statement failed (SQLSTATE {}): {}\n  in: {statement}\nnothing was changed: the transaction was rolled back",
        .error.sqlstate,
        .error.message
    )]
    Statement {
        statement: String,
        error: ServerError,
    },
    #[error(
        "{what} failed (SQLSTATE {}): {}; nothing was changed",
        .error.sqlstate,
        .error.message
    )]
    Server { what: String, error: ServerError },
    #[error(
        "the connection was lost during {what}: {message}; the transaction did not commit unless the cluster says otherwise: run `mlgrant plan` to see where it stands"
    )]
    Connection { what: String, message: String },
    #[error("applied, but the cluster is still out of sync; {} change{} remain:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.join("\n"))]
    OutOfSync(Vec<String>),
    #[error("cancelled: nothing was changed")]
    Cancelled,
}

/// How to run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Statements per simple-query message.
    pub batch_size: usize,
    /// Extra attempts after a serialization or concurrency error.
    pub retries: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            batch_size: 1000,
            retries: 3,
        }
    }
}

/// What an apply did.
#[derive(Debug)]
pub struct Outcome {
    pub plan: Plan,
    /// The audit run, when something was applied.
    pub run: Option<Run>,
    /// Attempts made (1 unless a concurrency error forced a retry).
    pub attempts: u32,
}

/// SQLSTATEs after which the whole transaction is worth running again.
fn retryable(e: &ServerError) -> bool {
    match e.sqlstate.as_str() {
        "40001" | "40P01" => true,
        // Redshift reports concurrent-transaction conflicts as internal errors.
        "XX000" => {
            let m = e.message.to_ascii_lowercase();
            m.contains("serializ") || m.contains("concurrent")
        }
        _ => false,
    }
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

/// Runs `sql` (several statements) as one message; on error, names the statement that failed by
/// counting the statements that completed before it.
async fn execute(client: &Client, statements: &[String]) -> Result<(), ApplyError> {
    let sql = statements.join(";\n");
    let stream = client
        .simple_query_raw(&sql)
        .await
        .map_err(|e| failure("sending a batch", &e))?;
    pin_mut!(stream);
    let mut done = 0usize;
    while let Some(message) = stream.next().await {
        match message {
            Ok(SimpleQueryMessage::CommandComplete(_)) => done += 1,
            Ok(_) => {}
            Err(e) => {
                return Err(match WireError::from(e) {
                    WireError::Server(error) => ApplyError::Statement {
                        statement: statements.get(done).cloned().unwrap_or_default(),
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

/// Applies `model` to the cluster behind `client`. `model_text` is the file's text (for the
/// digest); `confirm` sees the plan made under the lock and says whether to go on.
pub async fn apply(
    client: &Client,
    model: &AccessModel,
    model_text: &str,
    settings: &Settings,
    confirm: &mut dyn FnMut(&Plan) -> bool,
) -> Result<Outcome, ApplyError> {
    audit::migrate(client).await?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match attempt(client, model, model_text, settings, confirm).await {
            Ok((plan, run)) => {
                if run.is_some() {
                    verify(client, model).await?;
                }
                return Ok(Outcome {
                    plan,
                    run,
                    attempts,
                });
            }
            Err(e) => {
                let _ = client.batch_execute("ROLLBACK").await;
                let again = match &e {
                    ApplyError::Statement { error, .. } | ApplyError::Server { error, .. } => {
                        retryable(error)
                    }
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

async fn attempt(
    client: &Client,
    model: &AccessModel,
    model_text: &str,
    settings: &Settings,
    confirm: &mut dyn FnMut(&Plan) -> bool,
) -> Result<(Plan, Option<Run>), ApplyError> {
    let cluster = catalog::read(client, "BEGIN;\nLOCK mlgrant.apply_log;\n", 2).await?;
    let plan = sync(model, &cluster)?;
    if plan.is_empty() {
        client
            .batch_execute("ROLLBACK")
            .await
            .map_err(|e| failure("ending the transaction", &e))?;
        return Ok((plan, None));
    }
    if !confirm(&plan) {
        return Err(ApplyError::Cancelled);
    }
    let statements: Vec<String> = plan
        .steps
        .iter()
        .map(|s| {
            render::statement(&s.change)
                .trim_end_matches(';')
                .to_owned()
        })
        .collect();
    for batch in statements.chunks(settings.batch_size.max(1)) {
        execute(client, batch).await?;
    }
    let plan_sql = render::sql(&plan, "plan");
    let run = Run::new(
        cluster
            .cluster
            .as_ref()
            .map_or("", |i| i.current_user.as_str()),
        &model.source.name,
        model_text,
        &plan_sql,
    );
    let mut closing = audit::record(&run, &plan, &statements);
    closing.push("COMMIT".to_owned());
    execute(client, &closing).await?;
    Ok((plan, Some(run)))
}

/// Reads the cluster again after COMMIT; anything still to change is an error.
async fn verify(client: &Client, model: &AccessModel) -> Result<(), ApplyError> {
    let cluster = catalog::read(client, "", 0).await?;
    let again = sync(model, &cluster)?;
    if again.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::OutOfSync(
            again
                .steps
                .iter()
                .map(|s| format!("  {}", render::statement(&s.change)))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::retryable;
    use crate::server::ServerError;

    fn retryable_(sqlstate: &str, message: &str) -> bool {
        retryable(&ServerError {
            sqlstate: sqlstate.to_owned(),
            message: message.to_owned(),
            detail: None,
        })
    }

    #[test]
    fn serialization_and_concurrency_errors_are_retried() {
        assert!(retryable_("40001", "could not serialize access"));
        assert!(retryable_("40P01", "deadlock detected"));
        assert!(retryable_(
            "XX000",
            "1023: Serializable isolation violation on table"
        ));
        assert!(retryable_("XX000", "concurrent transaction conflict"));
        assert!(!retryable_("XX000", "disk full"));
        assert!(!retryable_("42704", "model does not exist"));
    }
}
