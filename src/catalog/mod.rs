//! catalog: what the cluster holds, read into the one [`State`] type. One round trip: every
//! query (one `.sql` file each, beside its row reader in `rows`) goes in one simple-query
//! message, and results come back as text, so Redshift types that tokio-postgres cannot decode
//! never matter.
//!
//! The reading is split in two: [`read`] talks to the server and returns the rows of each query
//! by name ([`Rows`]); [`state`] turns rows into a state and is pure, so the code that decides a
//! revoke can be tested from a fixture (`tests/golden/sync/*/catalog.json`) with no server.
//! Every row's width is checked: a query that answers other columns than its reader expects is
//! an error naming the query, never a silently empty catalog.

pub mod confirm;
mod inventory;
mod rows;

use std::collections::BTreeMap;

use tokio_postgres::{Client, SimpleQueryMessage};

use crate::model::State;
use crate::server::{ServerError, WireError};

pub use rows::{QUERIES, Query};

/// One row, as text (`None` for NULL).
pub type Row = Vec<Option<String>>;

/// The rows of each query, by the query's name. A query that is absent answered no rows.
pub type Rows = BTreeMap<String, Vec<Row>>;

/// Why the catalog could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "this server has no Redshift catalog view {view}{}: mlgrant reads svv_ml_model_privileges, svv_schema_privileges and their kin, which only Amazon Redshift has; is --url pointing at a Redshift cluster?",
        crate::server::sqlstate_note(.sqlstate)
    )]
    NotRedshift { view: String, sqlstate: String },
    #[error("reading the catalog failed{}: {}", crate::server::sqlstate_note(&.0.sqlstate), .0.message)]
    Server(ServerError),
    #[error("reading the catalog failed: {0}")]
    Connection(String),
    #[error("the catalog answered {found} result sets where {expected} were expected")]
    Sets { expected: usize, found: usize },
    #[error(
        "the catalog query `{query}` answered a row of {found} columns where {expected} were expected: this cluster's catalog differs from what mlgrant knows; nothing was planned"
    )]
    Width {
        query: String,
        expected: usize,
        found: usize,
    },
    #[error("the catalog rows name an unknown query `{0}`")]
    UnknownQuery(String),
}

impl From<WireError> for CatalogError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Server(s) if s.sqlstate == "42P01" || s.sqlstate == "42883" => {
                let view = s.message.split('"').nth(1).unwrap_or("svv_*").to_owned();
                CatalogError::NotRedshift {
                    view,
                    sqlstate: s.sqlstate,
                }
            }
            WireError::Server(s) => CatalogError::Server(s),
            WireError::Connection(c) => CatalogError::Connection(c),
        }
    }
}

/// Every query, joined into the one message that reads the catalog.
pub fn sql() -> String {
    QUERIES.iter().map(|q| q.sql).collect::<Vec<_>>().join("\n")
}

/// Splits simple-query messages into result sets (one per statement), as rows of text.
pub fn result_sets(messages: Vec<SimpleQueryMessage>) -> Vec<Vec<Row>> {
    let mut sets = Sets::default();
    for m in messages {
        sets.take(m);
    }
    sets.done
}

/// Result sets as messages arrive: each row is turned into text and its message dropped at
/// once, so a large catalog is never held twice (as messages and as rows).
#[cfg(test)]
#[test]
fn unpad_strips_trailing_blanks_only() {
    for (padded, bare) in [
        ("", ""),
        ("a", "a"),
        (" a ", " a"),
        ("a         ", "a"),
        (&format!("é{}", " ".repeat(127)), "é"),
        (&" ".repeat(17), ""),
        ("a \t  ", "a \t"),
    ] {
        assert_eq!(unpad(padded), bare, "{padded:?}");
        assert_eq!(unpad(padded), padded.trim_end_matches(' '));
    }
}

#[derive(Default)]
struct Sets {
    done: Vec<Vec<Row>>,
    current: Vec<Row>,
    /// The result set whose values are blank padded (svv_ml_model_info's char(128) columns):
    /// its trailing blanks are left out as each value is copied out of its message, which every
    /// reader of it strips anyway (inventory.rs), so no padded copy is ever made.
    padded: Option<usize>,
}

impl Sets {
    fn take(&mut self, m: SimpleQueryMessage) {
        match m {
            SimpleQueryMessage::Row(row) if self.padded == Some(self.done.len()) => {
                self.current.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(|v| unpad(v).to_owned()))
                        .collect(),
                )
            }
            SimpleQueryMessage::Row(row) => self.current.push(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_owned))
                    .collect(),
            ),
            SimpleQueryMessage::CommandComplete(_) => {
                self.done.push(std::mem::take(&mut self.current))
            }
            _ => {}
        }
    }
}

/// `value` without its trailing blanks (never its leading ones). A char(128) value is mostly
/// padding: eight blanks are stepped over at a time.
pub(crate) fn unpad(value: &str) -> &str {
    let bytes = value.as_bytes();
    let mut end = bytes.len();
    while end >= 8 && bytes[end - 8..end] == *b"        " {
        end -= 8;
    }
    while end > 0 && bytes[end - 1] == b' ' {
        end -= 1;
    }
    // Only ASCII blanks were stepped over: `end` is a character boundary.
    &value[..end]
}

/// The result sets of a multi-statement message up to the first failing statement, and that
/// statement's error: the statements before it still answer. `Err` only when the message could
/// not be sent at all.
pub async fn sets_until_error(
    client: &Client,
    sql: &str,
) -> Result<(Vec<Vec<Row>>, Option<tokio_postgres::Error>), tokio_postgres::Error> {
    sets_padded(client, sql, None).await
}

/// [`sets_until_error`], with the result set numbered `padded` read without its blank padding.
async fn sets_padded(
    client: &Client,
    sql: &str,
    padded: Option<usize>,
) -> Result<(Vec<Vec<Row>>, Option<tokio_postgres::Error>), tokio_postgres::Error> {
    let stream = client.simple_query_raw(sql).await?;
    futures_util::pin_mut!(stream);
    let mut sets = Sets {
        padded,
        ..Sets::default()
    };
    let mut failed = None;
    while let Some(m) = futures_util::StreamExt::next(&mut stream).await {
        match m {
            Ok(m) => sets.take(m),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    Ok((sets.done, failed))
}

/// Whether a read takes in mlgrant's own ledger (`mlgrant.ledger`), sent after the catalog's
/// queries in the same message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ledger {
    /// Read it; where it does not exist (42P01, 3F000: mlgrant never applied here) or this login
    /// may not read it (42501) it is empty.
    /// A failed statement aborts a transaction block, so inside one this is only for a
    /// transaction that holds mlgrant's schema (apply's, under its lock).
    Read,
    /// Leave it out (doctor's trials, inside transactions on clusters that may lack it).
    Skip,
}

/// Reads the catalog's rows in one round trip. `prefix` holds `statements` statements that run
/// first in the same message (BEGIN and LOCK, under apply).
pub async fn read_rows(
    client: &Client,
    prefix: &str,
    statements: usize,
    ledger: Ledger,
) -> Result<Rows, CatalogError> {
    let mut sql = format!("{prefix}{}", sql());
    if ledger == Ledger::Read {
        sql.push('\n');
        sql.push_str(rows::LEDGER.sql);
    }
    let models = QUERIES.iter().position(|q| q.name == "models");
    let (sets, failed) = sets_padded(client, &sql, models.map(|i| statements + i))
        .await
        .map_err(|e| CatalogError::from(WireError::from(e)))?;
    let expected = statements + QUERIES.len();
    if let Some(e) = failed {
        let missing_ledger = ledger == Ledger::Read
            && sets.len() == expected
            && e.code()
                .is_some_and(|c| matches!(c.code(), "42P01" | "3F000" | "42501"));
        if !missing_ledger {
            return Err(CatalogError::from(WireError::from(e)));
        }
    }
    let found = sets.len();
    if found != expected && found != expected + usize::from(ledger == Ledger::Read) {
        return Err(CatalogError::Sets { expected, found });
    }
    // Moved, never copied: at 100,000 models the rows are tens of megabytes.
    let mut sets = sets.into_iter().skip(statements);
    let mut rows: Rows = QUERIES
        .iter()
        .zip(sets.by_ref())
        .map(|(q, r)| (q.name.to_owned(), r))
        .collect();
    if let Some(ledger_rows) = sets.next() {
        rows.insert(rows::LEDGER.name.to_owned(), ledger_rows);
    }
    Ok(rows)
}

/// Reads the cluster's state in one round trip (see [`read_rows`]), mlgrant's ledger included.
pub async fn read(client: &Client, prefix: &str, statements: usize) -> Result<State, CatalogError> {
    state(&read_rows(client, prefix, statements, Ledger::Read).await?)
}

/// The same, without mlgrant's ledger: for reads inside a transaction on a cluster that may
/// lack mlgrant's schema.
pub async fn read_without_ledger(client: &Client) -> Result<State, CatalogError> {
    state(&read_rows(client, "", 0, Ledger::Skip).await?)
}

/// The state the rows describe. Pure.
pub fn state(rows: &Rows) -> Result<State, CatalogError> {
    rows::state(rows)
}

/// The namespaces of the cluster's identity providers, for a superuser login (svv_identity_providers
/// shows superusers only, DG r_SVV_IDENTITY_PROVIDERS); one round trip, made only when a model
/// names a directory's roles or users. Never reads the providers' `params` (client secrets).
pub async fn identity_namespaces(
    client: &Client,
) -> Result<std::collections::BTreeSet<String>, CatalogError> {
    let messages = client
        .simple_query(include_str!("identity_providers.sql"))
        .await
        .map_err(|e| CatalogError::from(WireError::from(e)))?;
    Ok(result_sets(messages)
        .into_iter()
        .flatten()
        .filter_map(|row| row.into_iter().next().flatten())
        .map(|ns| ns.trim_end().to_owned())
        .collect())
}
