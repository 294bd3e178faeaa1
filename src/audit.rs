//! audit: mlgrant's own schema in the cluster (the numbered files of migrations/, embedded) and
//! the record of each applied run. The record is written in the same transaction as the change,
//! so the change and its record land together or not at all.
//!
//! Values reach SQL only through `render::quote_literal`; there are no names from users here.

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::plan::Plan;
use crate::render::quote_literal;

/// The migrations, in order: (version, SQL).
pub const MIGRATIONS: &[(u32, &str)] = &[(1, include_str!("../migrations/0001_audit.sql"))];

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
    NotRedshift(crate::catalog::CatalogError),
}

fn state_of(e: &tokio_postgres::Error) -> (String, String) {
    match e.as_db_error() {
        Some(db) => (db.code().code().to_owned(), db.message().to_owned()),
        None => (String::new(), e.to_string()),
    }
}

/// The schema version in the cluster (0 when mlgrant's schema does not exist yet). The same
/// message first checks that the server is a Redshift cluster, so that mlgrant never creates its
/// schema anywhere else.
pub async fn version(client: &Client) -> Result<u32, AuditError> {
    match client
        .simple_query(
            "SELECT 1 FROM svv_ml_model_info WHERE 1 = 0;\nSELECT max(version) FROM mlgrant.schema_version",
        )
        .await
    {
        Ok(messages) => Ok(crate::catalog::result_sets(messages)
            .get(1)
            .and_then(|rows| rows.first())
            .and_then(|row| row[0].as_deref())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)),
        Err(e) => {
            let (sqlstate, message) = state_of(&e);
            if message.contains("svv_ml_model_info") {
                Err(AuditError::NotRedshift(crate::catalog::CatalogError::from_pg(&e)))
            } else if sqlstate == "42P01" || sqlstate == "3F000" {
                Ok(0)
            } else {
                Err(AuditError::Read { sqlstate, message })
            }
        }
    }
}

/// Applies the migrations the cluster lacks, each with its version row in one transaction (one
/// round trip each). Returns how many ran. Another apply migrating at the same moment is fine:
/// its work is taken as done.
pub async fn migrate(client: &Client) -> Result<usize, AuditError> {
    let current = version(client).await?;
    let mut ran = 0;
    for &(v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let script = format!(
            "BEGIN;\n{sql}\nINSERT INTO mlgrant.schema_version VALUES ({v}, {});\nCOMMIT;",
            quote_literal(&now_utc())
        );
        if let Err(e) = client.batch_execute(&script).await {
            let _ = client.batch_execute("ROLLBACK").await;
            let (sqlstate, message) = state_of(&e);
            // 42P06/42P07 (or 23505 when both ran at once): a concurrent apply created it first.
            if matches!(sqlstate.as_str(), "42P06" | "42P07" | "23505")
                && version(client).await? >= v
            {
                continue;
            }
            return Err(AuditError::Migration {
                version: v,
                sqlstate,
                message,
            });
        }
        ran += 1;
    }
    Ok(ran)
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

/// One row of the log, for `mlgrant history`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogEntry {
    pub run_id: String,
    pub applied_at: String,
    pub db_user: String,
    pub mlgrant_version: String,
    pub model_file: String,
    pub model_digest: String,
    pub plan_digest: String,
    pub statements: u64,
    pub grants: u64,
    pub revokes: u64,
    pub groups_created: u64,
    pub members_added: u64,
    pub members_dropped: u64,
    pub outcome: String,
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
    let rows = crate::catalog::result_sets(messages)
        .into_iter()
        .next()
        .unwrap_or_default();
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
    fn formats_utc_timestamps() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(1_795_819_006), "2026-11-27 22:36:46");
    }
}
