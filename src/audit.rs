//! audit: mlgrant's own schema in the cluster (the numbered files of migrations/, embedded) and
//! the record of each applied run. The record is written in the same transaction as the change,
//! so the change and its record land together or not at all.
//!
//! Migrations are checksummed, as refinery does: each embedded file's SHA-256 is pinned here
//! (a test fails when a released file changes), recorded in `mlgrant.schema_version` when it
//! runs, and an apply refuses a cluster whose recorded checksum differs from the file's.
//!
//! Values reach SQL only through `quote_literal`; there are no names from users here.

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::catalog::{CatalogError, result_sets};
use crate::model::{LogEntry, quote_literal};
use crate::plan::Plan;
use crate::server::{ServerError, WireError};

/// One migration of mlgrant's schema.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub version: u32,
    pub sql: &'static str,
    /// The SHA-256 of `sql`, pinned when the migration was released.
    pub checksum: &'static str,
}

/// The migrations, in order. A released migration never changes: add a new one instead.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../migrations/0001_audit.sql"),
        checksum: "1a3de35319d72c8c6cb0bc339f6ec09ada0fc40adaa85bdc223281e1de057be0",
    },
    Migration {
        version: 2,
        sql: include_str!("../migrations/0002_checksums.sql"),
        checksum: "1ab66fdf5c855461655f7c99349443dfc368fe99b92ce9d86900942e952ea996",
    },
];

/// Why the audit schema could not be brought up to date or read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "migration {version} of mlgrant's audit schema failed (SQLSTATE {sqlstate}): {message}"
    )]
    Migration {
        version: u32,
        sqlstate: String,
        message: String,
    },
    #[error("reading mlgrant's audit schema failed (SQLSTATE {sqlstate}): {message}")]
    Read { sqlstate: String, message: String },
    #[error(transparent)]
    NotRedshift(CatalogError),
    #[error(
        "migration {version} of mlgrant's audit schema was recorded on this cluster with checksum {recorded}, but this mlgrant's file has {embedded}: a released migration was changed; nothing was applied"
    )]
    Changed {
        version: u32,
        recorded: String,
        embedded: String,
    },
}

fn state_of(e: &tokio_postgres::Error) -> (String, String) {
    match WireError::from(e) {
        WireError::Server(ServerError {
            sqlstate, message, ..
        }) => (sqlstate, message),
        WireError::Connection(c) => (String::new(), c),
    }
}

/// The schema version in the cluster (0 when mlgrant's schema does not exist yet). The same
/// message first checks that the server is a Redshift cluster, so that mlgrant never creates its
/// schema anywhere else.
pub async fn version(client: &Client) -> Result<u32, AuditError> {
    Ok(applied(client).await?.keys().max().copied().unwrap_or(0))
}

/// The migrations the cluster records, with their checksums (none for those recorded before
/// checksums were).
async fn applied(
    client: &Client,
) -> Result<std::collections::BTreeMap<u32, Option<String>>, AuditError> {
    match client
        .simple_query(
            "SELECT 1 FROM pg_catalog.svv_ml_model_info WHERE 1 = 0;\nSELECT * FROM mlgrant.schema_version",
        )
        .await
    {
        Ok(messages) => Ok(result_sets(messages)
            .get(1)
            .into_iter()
            .flatten()
            .filter_map(|row| {
                let version = row.first()?.as_deref()?.parse().ok()?;
                let checksum = row
                    .get(2)
                    .cloned()
                    .flatten()
                    .map(|c| c.trim_end().to_owned());
                Some((version, checksum))
            })
            .collect()),
        Err(e) => {
            let (sqlstate, message) = state_of(&e);
            if message.contains("svv_ml_model_info") {
                Err(AuditError::NotRedshift(CatalogError::from(
                    WireError::from(&e),
                )))
            } else if sqlstate == "42P01" || sqlstate == "3F000" {
                Ok(Default::default())
            } else {
                Err(AuditError::Read { sqlstate, message })
            }
        }
    }
}

/// Refuses a cluster whose recorded checksums differ from the embedded files, then applies the
/// migrations the cluster lacks, each with its version row in its own transaction, all in one
/// message (one round trip). Returns the schema version reached. Another apply migrating at the
/// same moment is fine: its work is taken as done.
pub async fn migrate(client: &Client) -> Result<u32, AuditError> {
    let recorded = applied(client).await?;
    for m in MIGRATIONS {
        if let Some(Some(checksum)) = recorded.get(&m.version)
            && checksum != m.checksum
        {
            return Err(AuditError::Changed {
                version: m.version,
                recorded: checksum.clone(),
                embedded: m.checksum.to_owned(),
            });
        }
    }
    let mut current = recorded.keys().max().copied().unwrap_or(0);
    // Every pending migration in one message (one round trip), each in its own transaction.
    loop {
        let pending: Vec<&Migration> = MIGRATIONS.iter().filter(|m| m.version > current).collect();
        let Some(first) = pending.first() else {
            return Ok(current);
        };
        let script: Vec<String> = pending.iter().map(|m| migration_script(m)).collect();
        match client.batch_execute(&script.join("\n")).await {
            Ok(()) => return Ok(pending.last().map_or(current, |m| m.version)),
            Err(e) => {
                let _ = client.batch_execute("ROLLBACK").await;
                let (sqlstate, message) = state_of(&e);
                // 42P06/42P07/42701 (or 23505 when both ran at once): a concurrent apply ran a
                // migration first; carry on from where the cluster now stands.
                let now = version(client).await?;
                if matches!(sqlstate.as_str(), "42P06" | "42P07" | "42701" | "23505")
                    && now > current
                {
                    current = now;
                    continue;
                }
                return Err(AuditError::Migration {
                    version: now.max(first.version - 1) + 1,
                    sqlstate,
                    message,
                });
            }
        }
    }
}

/// One migration and its version row, in one transaction. From version 2 on the row carries the
/// file's checksum.
fn migration_script(m: &Migration) -> String {
    let (v, sql) = (m.version, m.sql);
    let row = if v >= 2 {
        format!(
            "INSERT INTO mlgrant.schema_version (version, applied_at, checksum) VALUES ({v}, {}, {})",
            quote_literal(&now_utc()),
            quote_literal(m.checksum)
        )
    } else {
        format!(
            "INSERT INTO mlgrant.schema_version (version, applied_at) VALUES ({v}, {})",
            quote_literal(&now_utc())
        )
    };
    format!("BEGIN;\n{sql}\n{row};\nCOMMIT;")
}

/// The current UTC time as `YYYY-MM-DD HH:MM:SS.ffffff` (microseconds, so that runs sort in
/// the order they happened).
pub fn now_utc() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}.{:06}", format_utc(now.as_secs()), now.subsec_micros())
}

/// Seconds since the epoch as a UTC timestamp (proleptic Gregorian calendar).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// SHA-256 of some bytes, in hex.
pub fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One applied run, as recorded.
#[derive(Clone, Debug)]
pub struct Run {
    pub run_id: String,
    pub applied_at: String,
    pub db_user: String,
    pub model_file: String,
    pub model_digest: String,
    pub plan_digest: String,
}

impl Run {
    pub fn new(db_user: &str, model_file: &str, model_text: &str, plan_sql: &str) -> Run {
        let applied_at = now_utc();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let model_digest = digest(model_text.as_bytes());
        let plan_digest = digest(plan_sql.as_bytes());
        let run_id = digest(format!("{nanos}:{}:{plan_digest}", std::process::id()).as_bytes())
            [..32]
            .to_owned();
        Run {
            run_id,
            applied_at,
            db_user: db_user.to_owned(),
            model_file: model_file.to_owned(),
            model_digest,
            plan_digest,
        }
    }
}

/// Rows a statement of `apply_statements` holds at most, so that one INSERT stays small.
const ROWS_PER_INSERT: usize = 500;

/// The INSERT statements that record `run` and its `statements`.
pub fn record(run: &Run, plan: &Plan, statements: &[String]) -> Vec<String> {
    let counts = plan.counts();
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);
    let mut out = vec![format!(
        "INSERT INTO mlgrant.apply_log (run_id, applied_at, db_user, mlgrant_version, model_file, model_digest, plan_digest, statements, grants, revokes, groups_created, members_added, members_dropped, outcome) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 'applied')",
        quote_literal(&run.run_id),
        quote_literal(&run.applied_at),
        quote_literal(&run.db_user),
        quote_literal(env!("CARGO_PKG_VERSION")),
        quote_literal(&run.model_file),
        quote_literal(&run.model_digest),
        quote_literal(&run.plan_digest),
        statements.len(),
        count("grant"),
        count("revoke"),
        count("create_group"),
        count("add_member"),
        count("drop_member"),
    )];
    for (chunk_no, chunk) in statements.chunks(ROWS_PER_INSERT).enumerate() {
        let rows: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "({}, {}, {})",
                    quote_literal(&run.run_id),
                    chunk_no * ROWS_PER_INSERT + i + 1,
                    quote_literal(s)
                )
            })
            .collect();
        out.push(format!(
            "INSERT INTO mlgrant.apply_statements (run_id, seq, statement) VALUES {}",
            rows.join(", ")
        ));
    }
    out
}

/// The log, newest first; empty when mlgrant never applied on this cluster.
pub async fn history(client: &Client, limit: usize) -> Result<Vec<LogEntry>, AuditError> {
    if version(client).await? == 0 {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT run_id, applied_at, db_user, mlgrant_version, model_file, model_digest, plan_digest, statements, grants, revokes, groups_created, members_added, members_dropped, outcome FROM mlgrant.apply_log ORDER BY applied_at DESC, run_id DESC LIMIT {limit}"
    );
    let messages = client.simple_query(&sql).await.map_err(|e| {
        let (sqlstate, message) = state_of(&e);
        AuditError::Read { sqlstate, message }
    })?;
    let rows = result_sets(messages).into_iter().next().unwrap_or_default();
    let t = |v: &Option<String>| v.as_deref().unwrap_or("").trim_end().to_owned();
    let n = |v: &Option<String>| v.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(rows
        .iter()
        .map(|r| LogEntry {
            run_id: t(&r[0]),
            applied_at: t(&r[1]),
            db_user: t(&r[2]),
            mlgrant_version: t(&r[3]),
            model_file: t(&r[4]),
            model_digest: t(&r[5]),
            plan_digest: t(&r[6]),
            statements: n(&r[7]),
            grants: n(&r[8]),
            revokes: n(&r[9]),
            groups_created: n(&r[10]),
            members_added: n(&r[11]),
            members_dropped: n(&r[12]),
            outcome: t(&r[13]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_migrations_never_change() {
        for m in MIGRATIONS {
            assert_eq!(
                digest(m.sql.as_bytes()),
                m.checksum,
                "migration {} changed after its release: add a new migration instead",
                m.version
            );
        }
        assert!(
            MIGRATIONS
                .windows(2)
                .all(|w| w[0].version + 1 == w[1].version)
        );
    }

    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(1_795_819_006), "2026-11-27 22:36:46");
    }
}
