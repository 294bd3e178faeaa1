//! The log of applied runs: the record written in the same transaction as the change, and
//! what `mlgrant history` reads back. Values reach SQL only through `quote_literal`.

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use super::{AuditError, read_error, version};
use crate::catalog::result_sets;
use crate::model::{LogEntry, quote_literal};
use crate::plan::Plan;
use crate::server::Heard;

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
    /// The SHA-256 of the saved plan file applied, if one was.
    pub plan_file_digest: Option<String>,
    /// `applied`, or `reverted` for `mlgrant revert`.
    pub outcome: &'static str,
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
            plan_file_digest: None,
            outcome: "applied",
        }
    }
}

/// `s` cut to at most `max` bytes (a varchar column's size), keeping its end (a path's file
/// name) after a leading `...`.
pub(super) fn fit(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut start = s.len() - (max - 3);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("...{}", &s[start..])
}

/// Rows a statement of `apply_statements` holds at most, so that one INSERT stays small.
const ROWS_PER_INSERT: usize = 500;

/// Bytes of rows one INSERT holds at most (Redshift's statement limit is 16 MB).
const INSERT_BYTES: usize = 4 << 20;

/// The INSERT statements that record `run` and its `statements`.
pub fn record(run: &Run, plan: &Plan, statements: &[String], heard: &[Heard]) -> Vec<String> {
    let counts = plan.counts();
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);
    let mut out = vec![format!(
        "INSERT INTO mlgrant.apply_log (run_id, applied_at, db_user, mlgrant_version, model_file, model_digest, plan_digest, plan_file_digest, statements, grants, revokes, groups_created, members_added, members_dropped, outcome) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        quote_literal(&run.run_id),
        quote_literal(&run.applied_at),
        quote_literal(&run.db_user),
        quote_literal(env!("CARGO_PKG_VERSION")),
        quote_literal(&fit(&run.model_file, 1024)),
        quote_literal(&run.model_digest),
        quote_literal(&run.plan_digest),
        run.plan_file_digest
            .as_deref()
            .map_or_else(|| "NULL".to_owned(), quote_literal),
        statements.len(),
        count("grant"),
        count("revoke"),
        count("create_group"),
        count("add_member"),
        count("drop_member"),
        quote_literal(run.outcome),
    )];
    let rows: Vec<String> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "({}, {}, {})",
                quote_literal(&run.run_id),
                i + 1,
                quote_literal(s)
            )
        })
        .collect();
    // A merged statement can take 60 KB: the rows are cut by bytes too.
    for rows in crate::text::batches(&rows, ROWS_PER_INSERT, INSERT_BYTES) {
        out.push(format!(
            "INSERT INTO mlgrant.apply_statements (run_id, seq, statement) VALUES {}",
            rows.join(", ")
        ));
    }
    let notices: Vec<String> = heard
        .iter()
        .map(|h| {
            let n = &h.notice;
            let message = match &n.detail {
                Some(d) => format!("{} ({d})", n.message),
                None => n.message.clone(),
            };
            format!(
                "({}, {}, {}, {}, {}, {})",
                quote_literal(&run.run_id),
                h.first,
                h.last,
                quote_literal(&fit(&n.severity, 16)),
                quote_literal(&fit(&n.sqlstate, 5)),
                quote_literal(&fit(&message, 65535))
            )
        })
        .collect();
    for rows in crate::text::batches(&notices, ROWS_PER_INSERT, INSERT_BYTES) {
        out.push(format!(
            "INSERT INTO mlgrant.apply_notices (run_id, first_seq, last_seq, severity, sqlstate, message) VALUES {}",
            rows.join(", ")
        ));
    }
    // The ledger: each privilege granted or revoked (crate::ledger).
    let value = |v: &Option<String>, max: usize| {
        v.as_deref()
            .map_or_else(|| "NULL".to_owned(), |t| quote_literal(&fit(t, max)))
    };
    let ledger: Vec<String> = crate::ledger::rows(plan)
        .iter()
        .map(
            |[
                action,
                privilege,
                kind,
                schema,
                name,
                grantee_kind,
                grantee,
                source,
            ]| {
                format!(
                    "({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                    quote_literal(&run.run_id),
                    quote_literal(&run.applied_at),
                    value(action, 8),
                    value(privilege, 32),
                    value(kind, 16),
                    value(schema, 128),
                    value(name, 2048),
                    value(grantee_kind, 8),
                    value(grantee, 128),
                    value(source, 1024)
                )
            },
        )
        .collect();
    for rows in crate::text::batches(&ledger, ROWS_PER_INSERT, INSERT_BYTES) {
        out.push(format!(
            "INSERT INTO mlgrant.ledger (run_id, applied_at, action, privilege, object_kind, object_schema, object_name, grantee_kind, grantee_name, source) VALUES {}",
            rows.join(", ")
        ));
    }
    out
}

/// The log, newest first; empty when mlgrant never applied on this cluster.
pub async fn history(client: &Client, limit: usize) -> Result<Vec<LogEntry>, AuditError> {
    entries(client, "", limit).await
}

/// One run, named by its run_id or a unique prefix of it, with its statements in order.
pub async fn run(client: &Client, id: &str) -> Result<(LogEntry, Vec<String>), AuditError> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AuditError::NoSuchRun(format!(
            "`{}` is not a run id (hexadecimal, as `mlgrant history` shows)",
            crate::text::sanitize(id)
        )));
    }
    let id = id.to_ascii_lowercase();
    let found = entries(
        client,
        &format!("WHERE run_id LIKE {}", quote_literal(&format!("{id}%"))),
        2,
    )
    .await?;
    let entry = match found.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(AuditError::NoSuchRun(format!(
                "no run {id} on this cluster"
            )));
        }
        _ => {
            return Err(AuditError::NoSuchRun(format!(
                "more than one run starts with {id}: give more of its run id"
            )));
        }
    };
    let messages = client
        .simple_query(&format!(
            "SELECT statement FROM mlgrant.apply_statements WHERE run_id = {} ORDER BY seq",
            quote_literal(&entry.run_id)
        ))
        .await
        .map_err(|e| read_error(&e))?;
    let statements = result_sets(messages)
        .into_iter()
        .next()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect();
    Ok((entry, statements))
}

/// Rows of the log matching `filter` (SQL built here from quoted literals only), newest first.
async fn entries(client: &Client, filter: &str, limit: usize) -> Result<Vec<LogEntry>, AuditError> {
    let version = version(client).await?;
    if version == 0 {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT run_id, applied_at, db_user, mlgrant_version, model_file, model_digest, plan_digest, statements, grants, revokes, groups_created, members_added, members_dropped, outcome, {} FROM mlgrant.apply_log {filter} ORDER BY applied_at DESC, run_id DESC LIMIT {limit}",
        if version >= 3 {
            "plan_file_digest"
        } else {
            "NULL"
        }
    );
    let messages = client
        .simple_query(&sql)
        .await
        .map_err(|e| read_error(&e))?;
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
            plan_file_digest: r[14].as_deref().map(|d| d.trim_end().to_owned()),
        })
        .collect())
}

/// Every row of mlgrant's ledger, oldest first (empty when there is none yet), as
/// `ledger::Revert` takes them.
pub async fn ledger(client: &Client) -> Result<Vec<Vec<Option<String>>>, AuditError> {
    let sql = include_str!("../catalog/ledger.sql");
    match client.simple_query(sql).await {
        Ok(m) => Ok(result_sets(m).into_iter().next().unwrap_or_default()),
        Err(e)
            if e.code()
                .is_some_and(|c| matches!(c.code(), "42P01" | "3F000")) =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(read_error(&e)),
    }
}
