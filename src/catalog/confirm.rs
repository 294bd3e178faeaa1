//! Exact model names. svv_ml_model_info's columns are char(128), blank padded (DG
//! r_SVV_ML_MODEL_INFO): a model created as `"m3 "` reads as `m3`, and a GRANT ON MODEL that
//! names `m3` fails (42704) and rolls back the whole apply, every time. A model that no exact
//! view names (svv_ml_model_privileges' columns are text, DG r_SVV_ML_MODEL_PRIVILEGES) is
//! therefore asked for by name with `SHOW MODEL schema.model` (DG r_SHOW_MODEL: "Returns ... the
//! model name"; whoever sees a model in svv_ml_model_info, its owner or a superuser, may show
//! it), outside any transaction (an error inside one would abort it), before any grant names it.
//!
//! Only models a plan would grant on are asked, so a plan of a cluster in sync costs no more
//! round trips: the models already granted on are confirmed by their privilege rows. A plan asks
//! for at most [`PER_MESSAGE`] of them, in one message (a refusal ends a message, and the next
//! resumes after it: 1 + k round trips for k refused), so that a cluster of 100,000 new models
//! is not asked 100,000 questions; apply asks for the unconfirmed models of a statement that
//! fails with 42704 (undefined object), outside its transaction, and tries again without the
//! ones not found.

use std::time::Duration;

use tokio_postgres::Client;

use super::{CatalogError, Row};
use crate::model::{ModelName, State};
use crate::server::WireError;

/// SHOW MODEL statements in one message, and the most a plan asks.
pub const PER_MESSAGE: usize = 200;

/// The models a plan asks for: the first [`PER_MESSAGE`] of `unconfirmed`.
pub fn first(unconfirmed: &[ModelName]) -> &[ModelName] {
    &unconfirmed[..unconfirmed.len().min(PER_MESSAGE)]
}

/// What SHOW MODEL said of each model asked: `None` found, `Some(why)` not found by that name.
pub type Answers = Vec<(ModelName, Option<String>)>;

/// Asks the server for each of `models` by its exact name; each message bounded by `bound`.
pub async fn ask(
    client: &Client,
    models: &[ModelName],
    bound: Option<Duration>,
) -> Result<Answers, CatalogError> {
    Ok(show(client, models, bound)
        .await?
        .into_iter()
        .map(|(m, shown)| (m, shown.err()))
        .collect())
}

/// What SHOW MODEL showed of each of `models` (its Key and Value rows), or what the server said
/// of one it did not find: [`PER_MESSAGE`] statements a message, each message bounded by
/// `bound`; a refusal ends its message and the next resumes after it.
pub async fn show(
    client: &Client,
    models: &[ModelName],
    bound: Option<Duration>,
) -> Result<Vec<(ModelName, Result<Vec<Row>, String>)>, CatalogError> {
    let mut answers = Vec::with_capacity(models.len());
    let mut rest = models;
    while !rest.is_empty() {
        let chunk = &rest[..rest.len().min(PER_MESSAGE)];
        let sql: Vec<String> = chunk
            .iter()
            .map(|m| format!("SHOW MODEL {}", m.key()))
            .collect();
        let sql = sql.join(";\n");
        let asked = super::sets_until_error(client, &sql);
        let (sets, refusal) = match bound {
            None => asked.await,
            Some(limit) => tokio::time::timeout(limit, asked).await.map_err(|_| {
                CatalogError::Connection(format!(
                    "the server did not answer SHOW MODEL within {} s (--read-timeout)",
                    limit.as_secs()
                ))
            })?,
        }
        .map_err(|e| CatalogError::from(WireError::from(e)))?;
        let found = sets.len().min(chunk.len());
        answers.extend(chunk.iter().cloned().zip(sets.into_iter().map(Ok)));
        let refusal = match refusal.map(WireError::from) {
            None => None,
            Some(WireError::Server(s)) => Some(s.to_string()),
            Some(WireError::Connection(m)) => return Err(CatalogError::Connection(m)),
        };
        match refusal {
            Some(why) if found < chunk.len() => {
                answers.push((chunk[found].clone(), Err(why)));
                rest = &rest[found + 1..];
            }
            _ => rest = &rest[chunk.len()..],
        }
    }
    Ok(answers)
}

/// Records the answers in `state`: a model found is confirmed; one not found stays held back,
/// with what the server said.
pub fn record(state: &mut State, answers: Answers) {
    let Some(inventory) = state.cluster.as_mut() else {
        return;
    };
    for (m, why) in answers {
        match why {
            None => {
                inventory.unconfirmed.remove(&m);
            }
            Some(why) => {
                inventory.unconfirmed.insert(m, Some(why));
            }
        }
    }
}

/// Records `answers` into `state` and brings `plan` (made from `state` before them) up to date
/// without a second diff where it can: when SHOW MODEL found every model it was asked for and
/// each is ready, the plan stays as it was but for those models leaving `plan.unconfirmed` (a
/// found ready model's grants are planned either way). Returns false when some model was not
/// found or is not ready (it is held back once confirmed): then the caller must plan again.
pub fn settle(plan: &mut crate::plan::Plan, state: &mut State, answers: Answers) -> bool {
    // A found model that is not ready was planned while unconfirmed, and waits once confirmed:
    // that changes the plan too.
    let not_ready = |m: &ModelName| {
        state
            .cluster
            .as_ref()
            .is_some_and(|i| i.not_ready.contains_key(m))
    };
    let all_found = answers
        .iter()
        .all(|(m, why)| why.is_none() && !not_ready(m));
    // Hashed (names are integers): the plan may list 100,000 models to keep or drop.
    let found: crate::model::FastSet<ModelName> = answers
        .iter()
        .filter(|(_, why)| why.is_none())
        .map(|(m, _)| m.clone())
        .collect();
    record(state, answers);
    if all_found {
        plan.unconfirmed.retain(|m| !found.contains(m));
    }
    all_found
}
