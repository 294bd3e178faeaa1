//! usage: who used which model, collected from the cluster's query history into mlgrant's own
//! schema (migration 6: `mlgrant.usage`, `mlgrant.usage_collections`), and read back for
//! `review`.
//!
//! Redshift keeps query history for days and shows all of it to superusers only ("Superusers can
//! see all rows; regular users can see only their own data", DG SYS_QUERY_HISTORY), so a
//! collection needs a superuser and goes on from where the last one stopped: the rows of
//! SYS_QUERY_HISTORY after the last query_id recorded, at most [`LIMIT`] a collection, in one
//! message. A statement still in flight (planning, queued, running, returning) stops the
//! watermark before it, so it is read again once it ends; only statements that succeeded count.
//! Calls are found in `query_text` (its first 4,000 characters, DG SYS_QUERY_HISTORY): see
//! calls.rs. Everything is written in one transaction under a lock, so two collections never
//! count a use twice. Values reach SQL only through `quote_literal`.

use std::collections::BTreeMap;

use tokio_postgres::Client;

pub mod calls;
mod tally;

pub use calls::{Functions, Used, used};
pub use tally::{merge, tally};

use crate::catalog::{CatalogError, Row, sets_until_error};
use crate::model::{ModelName, quote_literal};

/// History rows read in one collection, at most.
pub const LIMIT: usize = 100_000;
/// Collections remembered in `mlgrant.usage_collections`.
const KEEP_COLLECTIONS: usize = 1000;

/// Why usage could not be collected or read.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("{what} failed{}: {message}", crate::server::sqlstate_note(.sqlstate))]
    Server {
        what: &'static str,
        sqlstate: String,
        message: String,
    },
    #[error(
        "mlgrant has collected no usage on this cluster yet (mlgrant.usage does not exist): run `mlgrant usage collect` first"
    )]
    NeverCollected,
}

fn server(what: &'static str, e: &tokio_postgres::Error) -> UsageError {
    let (sqlstate, message) = crate::audit::state_of(e);
    UsageError::Server {
        what,
        sqlstate,
        message,
    }
}

/// Every result set of `sql`, or the first failure as `what` failing.
async fn all_sets(
    client: &Client,
    sql: &str,
    what: &'static str,
) -> Result<Vec<Vec<Row>>, UsageError> {
    let (sets, failed) = sets_until_error(client, sql)
        .await
        .map_err(|e| server(what, &e))?;
    match failed {
        Some(e) => Err(server(what, &e)),
        None => Ok(sets),
    }
}

/// What kind of use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A call of the model's prediction function.
    Execute,
    /// CREATE [EXTERNAL] MODEL of the model.
    CreateModel,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Execute => "execute",
            Kind::CreateModel => "create_model",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "execute" => Some(Kind::Execute),
            "create_model" => Some(Kind::CreateModel),
            _ => None,
        }
    }
}

/// One user's use of one model: first and last (UTC, as the server writes timestamps) and how
/// often.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    pub first: String,
    pub last: String,
    pub uses: u64,
}

/// (user, kind, schema, model).
pub type Key = (String, Kind, String, String);

/// What a collection did.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    pub functions: usize,
    /// Models SHOW MODEL did not answer for (dropped meanwhile, or no function name).
    pub unanswered: Vec<String>,
    pub queries_read: usize,
    pub uses_found: u64,
    pub ambiguous: u64,
    /// Statements of users the cluster no longer has (not counted).
    pub unknown_users: usize,
    pub last_query_id: i64,
    /// The limit was reached: more history waits for the next collection.
    pub more: bool,
}

pub(crate) fn text(row: &Row, i: usize) -> String {
    row.get(i)
        .cloned()
        .flatten()
        .unwrap_or_default()
        .trim_end()
        .to_owned()
}

/// The prediction function of each of `models`, by SHOW MODEL (DG r_SHOW_MODEL: its "Function
/// Name" row), outside any transaction (`catalog::confirm::show`); the models it gave none for.
pub async fn functions(
    client: &Client,
    models: &[ModelName],
) -> Result<(Functions, Vec<String>), CatalogError> {
    let mut found = Functions::default();
    let mut unanswered = Vec::new();
    for (m, shown) in crate::catalog::confirm::show(client, models, None).await? {
        let function = shown.ok().and_then(|rows| {
            rows.iter()
                .find(|r| text(r, 0) == "Function Name")
                .map(|r| text(r, 1))
                .filter(|f| !f.is_empty())
        });
        match function {
            Some(f) => found.add(m.schema.as_str(), m.model.as_str(), &f),
            None => unanswered.push(m.key()),
        }
    }
    Ok((found, unanswered))
}

const READ_USAGE: &str = "SELECT user_name, kind, object_schema, object_name, first_used, last_used, uses FROM mlgrant.usage";

fn usage_rows(rows: &[Row]) -> BTreeMap<Key, Use> {
    rows.iter()
        .filter_map(|r| {
            let kind = Kind::parse(&text(r, 1))?;
            Some((
                (text(r, 0), kind, text(r, 2), text(r, 3)),
                Use {
                    first: text(r, 4),
                    last: text(r, 5),
                    uses: text(r, 6).parse().unwrap_or(0),
                },
            ))
        })
        .collect()
}

/// Reads what mlgrant has collected (`mlgrant.usage`), in one round trip.
pub async fn read(client: &Client) -> Result<BTreeMap<Key, Use>, UsageError> {
    let (sets, failed) = sets_until_error(client, READ_USAGE)
        .await
        .map_err(|e| server("reading mlgrant.usage", &e))?;
    if let Some(e) = failed {
        if e.code()
            .is_some_and(|c| matches!(c.code(), "42P01" | "3F000"))
        {
            return Err(UsageError::NeverCollected);
        }
        return Err(server("reading mlgrant.usage", &e));
    }
    Ok(usage_rows(sets.first().map_or(&[][..], Vec::as_slice)))
}

/// One collection (mlgrant's schema must be migrated and trusted first, as apply does): under
/// the lock of `mlgrant.usage_collections`, the history after the watermark, in one message with
/// the users; then the merged rows and the new watermark, committed together.
pub async fn collect(
    client: &Client,
    functions: &Functions,
    collector: &str,
    collected: &mut Collected,
) -> Result<(), UsageError> {
    let result = collect_in(client, functions, collector, collected).await;
    if result.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

async fn collect_in(
    client: &Client,
    functions: &Functions,
    collector: &str,
    collected: &mut Collected,
) -> Result<(), UsageError> {
    let first = format!(
        "BEGIN;\nLOCK mlgrant.usage_collections;\nSELECT coalesce(max(last_query_id), 0) FROM mlgrant.usage_collections;\n{READ_USAGE}"
    );
    let sets = all_sets(client, &first, "reading mlgrant.usage").await?;
    let watermark: i64 = sets
        .get(2)
        .and_then(|s| s.first())
        .map(|r| text(r, 0))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let mut usage = usage_rows(sets.get(3).map_or(&[][..], Vec::as_slice));
    // The history after the watermark and the users, in one message (DG SYS_QUERY_HISTORY,
    // pg_user).
    let history = format!(
        "SELECT query_id, user_id, status, end_time, query_text FROM pg_catalog.sys_query_history WHERE query_id > {watermark} ORDER BY query_id LIMIT {LIMIT};\nSELECT usesysid, usename FROM pg_catalog.pg_user"
    );
    let sets = all_sets(client, &history, "reading sys_query_history").await?;
    let rows = sets.first().map_or(&[][..], Vec::as_slice);
    collected.more = rows.len() >= LIMIT;
    let users: BTreeMap<String, String> = sets
        .get(1)
        .into_iter()
        .flatten()
        .map(|r| (text(r, 0), text(r, 1)))
        .collect();
    let new = tally(rows, &users, functions, watermark, collected);
    let touched: Vec<Key> = new.keys().cloned().collect();
    merge(&mut usage, new);
    let mut sql = write(&usage, &touched);
    sql.push(format!(
        "INSERT INTO mlgrant.usage_collections (collected_at, collected_by, last_query_id, queries_read, uses_found, ambiguous_calls) VALUES ({}, {}, {}, {}, {}, {})",
        quote_literal(&crate::audit::now_utc()),
        quote_literal(collector),
        collected.last_query_id,
        collected.queries_read,
        collected.uses_found,
        collected.ambiguous
    ));
    sql.push(format!(
        "DELETE FROM mlgrant.usage_collections WHERE last_query_id < (SELECT min(last_query_id) FROM (SELECT last_query_id FROM mlgrant.usage_collections ORDER BY last_query_id DESC LIMIT {KEEP_COLLECTIONS}) AS newest)"
    ));
    sql.push("COMMIT".to_owned());
    client
        .batch_execute(&sql.join(";\n"))
        .await
        .map_err(|e| server("writing mlgrant.usage", &e))
}

/// The statements that replace the touched rows with their merged values.
fn write(usage: &BTreeMap<Key, Use>, touched: &[Key]) -> Vec<String> {
    let mut out = Vec::new();
    let key_test = |(u, k, s, m): &Key| {
        format!(
            "(user_name = {} AND kind = {} AND object_schema = {} AND object_name = {})",
            quote_literal(u),
            quote_literal(k.as_str()),
            quote_literal(s),
            quote_literal(m)
        )
    };
    for chunk in touched.chunks(100) {
        let tests: Vec<String> = chunk.iter().map(key_test).collect();
        out.push(format!(
            "DELETE FROM mlgrant.usage WHERE {}",
            tests.join(" OR ")
        ));
    }
    for chunk in touched.chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .filter_map(|k| {
                let u = usage.get(k)?;
                Some(format!(
                    "({}, {}, {}, {}, {}, {}, {})",
                    quote_literal(&k.0),
                    quote_literal(k.1.as_str()),
                    quote_literal(&k.2),
                    quote_literal(&k.3),
                    quote_literal(&u.first),
                    quote_literal(&u.last),
                    u.uses
                ))
            })
            .collect();
        out.push(format!(
            "INSERT INTO mlgrant.usage (user_name, kind, object_schema, object_name, first_used, last_used, uses) VALUES {}",
            values.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_only_touched_rows_through_literals() {
        let k = (
            "o'brien".to_owned(),
            Kind::CreateModel,
            "s".to_owned(),
            "m\\x".to_owned(),
        );
        let usage = BTreeMap::from([(
            k.clone(),
            Use {
                first: "a".into(),
                last: "b".into(),
                uses: 1,
            },
        )]);
        let sql = write(&usage, &[k]);
        assert_eq!(sql.len(), 2);
        assert!(sql[0].contains("user_name = 'o''brien'"), "{}", sql[0]);
        assert!(sql[1].contains("'m' || chr(92) || 'x'"), "{}", sql[1]);
        assert!(write(&usage, &[]).is_empty());
    }
}
