//! audit: mlgrant's own schema in the cluster (the numbered files of migrations/, embedded) and
//! the record of each applied run. The record is written in the same transaction as the change,
//! so the change and its record land together or not at all.
//!
//! Migrations are checksummed, as refinery does: each embedded file's SHA-256 is pinned here
//! (a test fails when a released file changes), recorded in `mlgrant.schema_version` when it
//! runs, and an apply refuses a cluster whose recorded checksum differs from the file's.
//!
//! Values reach SQL only through `quote_literal`; there are no names from users here.

use tokio_postgres::Client;

mod log;

pub use log::{Run, digest, format_utc, history, ledger, now_utc, record, run};

use crate::catalog::CatalogError;
use crate::model::quote_literal;
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
        sql: include_str!("../../migrations/0001_audit.sql"),
        checksum: "1a3de35319d72c8c6cb0bc339f6ec09ada0fc40adaa85bdc223281e1de057be0",
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/0002_checksums.sql"),
        checksum: "1ab66fdf5c855461655f7c99349443dfc368fe99b92ce9d86900942e952ea996",
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/0003_plan_file.sql"),
        checksum: "d9c346992a52350eb55020132e9afd0231e4c3ead1a4de6a1158bab5f07a7dbc",
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/0004_notices.sql"),
        checksum: "08dc43e1286864838cca459df0b40a5cd59f830222030fb5c13e44f59e3cfb4a",
    },
    Migration {
        version: 5,
        sql: include_str!("../../migrations/0005_ledger.sql"),
        checksum: "4ef10c06a2b139d66bb96e6d66d8a36d27237c4f18560b449564a541c61a4371",
    },
    Migration {
        version: 6,
        sql: include_str!("../../migrations/0006_usage.sql"),
        checksum: "d48f02f664f3af5c88563bca37fe2a137633b9833709aa0f59cb1785b07f8ccf",
    },
];

/// Why the audit schema could not be brought up to date or read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "migration {version} of mlgrant's audit schema failed{}: {message}",
        crate::server::sqlstate_note(.sqlstate)
    )]
    Migration {
        version: u32,
        sqlstate: String,
        message: String,
    },
    #[error("reading mlgrant's audit schema failed{}: {message}", crate::server::sqlstate_note(.sqlstate))]
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
    #[error(
        "{object} is in the hands of {owner}, who is not a superuser: mlgrant trusts no object it did not create and that others may change, since they could edit the audit log; nothing was applied. Revoke that right, or rename the schema (ALTER SCHEMA mlgrant RENAME TO ...) and let apply create its own, or name that login in [policy] audit_owner"
    )]
    Untrusted { object: String, owner: String },
    #[error(
        "a schema named mlgrant exists but mlgrant did not create it (it has no mlgrant.schema_version); nothing was applied: rename it (ALTER SCHEMA mlgrant RENAME TO ...) and let apply create its own"
    )]
    Foreign,
    #[error("{0}")]
    NoSuchRun(String),
    #[error(
        "mlgrant's audit table mlgrant.{0} is missing (renamed or dropped?); nothing was applied: restore it, or rename the schema and let apply create a new one"
    )]
    Missing(&'static str),
}

/// A failed statement's SQLSTATE and message (no SQLSTATE for a lost connection).
pub(crate) fn state_of(e: &tokio_postgres::Error) -> (String, String) {
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
    Ok(applied(client)
        .await?
        .versions
        .keys()
        .max()
        .copied()
        .unwrap_or(0))
}

/// What the cluster holds of mlgrant's schema.
struct Applied {
    /// The migrations recorded, with their checksums (none for those recorded before checksums).
    versions: std::collections::BTreeMap<u32, Option<String>>,
    /// The schema (`None` as the relation) and each relation in it, with its owner and whether
    /// that owner is a superuser.
    owners: Vec<(Option<String>, String, bool)>,
}

/// The tables the migrations create, each with the version that creates it: once that version
/// ran, the table must be there.
const TABLES: [(&str, u32); 7] = [
    ("schema_version", 1),
    ("apply_log", 1),
    ("apply_statements", 1),
    ("apply_notices", 4),
    ("ledger", 5),
    ("usage", 6),
    ("usage_collections", 6),
];

impl Applied {
    fn version(&self) -> u32 {
        self.versions.keys().max().copied().unwrap_or(0)
    }

    /// mlgrant's tables that the recorded migrations made.
    fn tables(&self) -> Vec<&'static str> {
        let v = self.version();
        TABLES
            .iter()
            .filter(|(_, since)| *since <= v)
            .map(|(t, _)| *t)
            .collect()
    }
}

/// The result sets of a message up to its first failing statement (`catalog::sets_until_error`).
async fn sets_until_error(
    client: &Client,
    sql: &str,
) -> Result<(Vec<Vec<crate::catalog::Row>>, Option<tokio_postgres::Error>), AuditError> {
    crate::catalog::sets_until_error(client, sql)
        .await
        .map_err(|e| read_error(&e))
}

/// Reads the recorded migrations and the owners of mlgrant's schema and relations, in one
/// message.
async fn applied(client: &Client) -> Result<Applied, AuditError> {
    let sql = "SELECT 1 FROM pg_catalog.svv_ml_model_info WHERE 1 = 0;
SELECT NULL, u.usename, u.usesuper FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_user u ON u.usesysid = n.nspowner WHERE n.nspname = 'mlgrant'
UNION ALL
SELECT c.relname, u.usename, u.usesuper FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_user u ON u.usesysid = c.relowner WHERE n.nspname = 'mlgrant';
SELECT * FROM mlgrant.schema_version";
    let (sets, failed) = sets_until_error(client, sql).await?;
    let owners = sets
        .get(1)
        .into_iter()
        .flatten()
        .map(|r| {
            let text = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            (r[0].clone(), text(1), text(2) == "t")
        })
        .collect();
    let versions = sets
        .get(2)
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
        .collect();
    if let Some(e) = failed {
        let (sqlstate, message) = state_of(&e);
        if sets.is_empty() {
            // The first statement failed: no Redshift catalog here.
            return Err(AuditError::NotRedshift(CatalogError::from(
                WireError::from(&e),
            )));
        }
        if sqlstate != "42P01" && sqlstate != "3F000" {
            return Err(AuditError::Read { sqlstate, message });
        }
    }
    Ok(Applied { versions, owners })
}

fn read_error(e: &tokio_postgres::Error) -> AuditError {
    let (sqlstate, message) = state_of(e);
    AuditError::Read { sqlstate, message }
}

/// mlgrant trusts no database object it did not create: its schema and every relation in it
/// must be owned by a superuser (or the login `[policy] audit_owner` names), and once a version
/// is recorded, its tables must all be there.
fn check_owners(applied: &Applied, trusted: Option<&str>) -> Result<(), AuditError> {
    for (relation, owner, superuser) in &applied.owners {
        if !superuser && Some(owner.as_str()) != trusted {
            return Err(AuditError::Untrusted {
                object: match relation {
                    None => "the schema mlgrant".to_owned(),
                    Some(r) => format!("mlgrant.{}", crate::text::sanitize(r)),
                },
                owner: format!("{} (its owner)", crate::text::sanitize(owner)),
            });
        }
    }
    let schema = applied.owners.iter().any(|(r, _, _)| r.is_none());
    if schema && applied.versions.is_empty() {
        return Err(AuditError::Foreign);
    }
    if !applied.versions.is_empty() {
        for table in applied.tables() {
            if !applied
                .owners
                .iter()
                .any(|(r, _, _)| r.as_deref() == Some(table))
            {
                return Err(AuditError::Missing(table));
            }
        }
    }
    Ok(())
}

/// Reads what the cluster holds of mlgrant's schema and refuses it unless mlgrant can trust it
/// (owners, write rights, recorded checksums equal to the embedded files').
async fn trusted_state(client: &Client, trusted: Option<&str>) -> Result<Applied, AuditError> {
    let applied = applied(client).await?;
    check_owners(&applied, trusted)?;
    if !applied.versions.is_empty() {
        check_access(client, trusted, &applied.tables()).await?;
    }
    for m in MIGRATIONS {
        if let Some(Some(checksum)) = applied.versions.get(&m.version)
            && checksum != m.checksum
        {
            return Err(AuditError::Changed {
                version: m.version,
                recorded: checksum.clone(),
                embedded: m.checksum.to_owned(),
            });
        }
    }
    Ok(applied)
}

/// The most messages [`pending`] and [`verify_trust`] send (the versions applied, then who
/// may reach mlgrant's schema): apply bounds each by `--read-timeout`.
pub const CHECK_MESSAGES: u32 = 3;
/// The most messages [`migrate`] sends without a concurrent migration (the check, the
/// migrations in one message, the check again); a concurrent one adds a ROLLBACK, a version
/// read and a check per round.
pub const MIGRATE_MESSAGES: u32 = 2 * CHECK_MESSAGES + 4;

/// The migrations the cluster lacks, each with its version row, as statements to run inside a
/// transaction the caller holds (a rehearsal): checked as `migrate` checks, run by nobody here.
pub async fn pending(client: &Client, trusted: Option<&str>) -> Result<Vec<String>, AuditError> {
    let current = trusted_state(client, trusted).await?.version();
    Ok(MIGRATIONS
        .iter()
        .filter(|m| m.version > current)
        .map(migration_body)
        .collect())
}

/// Refuses a cluster whose recorded checksums differ from the embedded files, then applies the
/// migrations the cluster lacks, each with its version row in its own transaction, all in one
/// message (one round trip). Returns the schema version reached. Another apply migrating at the
/// same moment is fine: its work is taken as done.
pub async fn migrate(client: &Client, trusted: Option<&str>) -> Result<u32, AuditError> {
    let mut current = trusted_state(client, trusted).await?.version();
    // Every pending migration in one message (one round trip), each in its own transaction.
    loop {
        let pending: Vec<&Migration> = MIGRATIONS.iter().filter(|m| m.version > current).collect();
        let Some(first) = pending.first() else {
            return Ok(current);
        };
        let script: Vec<String> = pending
            .iter()
            .map(|m| format!("BEGIN;\n{};\nCOMMIT;", migration_body(m)))
            .collect();
        match client.batch_execute(&script.join("\n")).await {
            Ok(()) => {
                // What now stands is checked again, whoever created it.
                verify_trust(client, trusted).await?;
                return Ok(pending.last().map_or(current, |m| m.version));
            }
            Err(e) => {
                let _ = client.batch_execute("ROLLBACK").await;
                let (sqlstate, message) = state_of(&e);
                // 42P06/42P07/42701 (or 23505 when both ran at once): a concurrent apply ran a
                // migration first; carry on from where the cluster now stands.
                let now = version(client).await?;
                if matches!(sqlstate.as_str(), "42P06" | "42P07" | "42701" | "23505")
                    && now > current
                {
                    // Another session made it: trust it only as far as it checks out.
                    verify_trust(client, trusted).await?;
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

/// Checks, with mlgrant's schema in place, that nobody untrusted owns any of it, can write to
/// its tables or create in it. apply runs it again under the lock, inside its transaction, so
/// every query here is one Redshift answers: pg_namespace, pg_class and pg_user (DG
/// c_join_PG), has_table_privilege and has_schema_privilege (DG r_HAS_TABLE_PRIVILEGE,
/// r_HAS_SCHEMA_PRIVILEGE). Triggers are not looked for: Redshift has none (its SQL command
/// reference has no CREATE TRIGGER, DG c_SQL_commands) and documents no pg_trigger, whose read
/// would abort the transaction if it failed.
pub async fn verify_trust(client: &Client, trusted: Option<&str>) -> Result<(), AuditError> {
    let applied = applied(client).await?;
    check_owners(&applied, trusted)?;
    if !applied.versions.is_empty() {
        check_access(client, trusted, &applied.tables()).await?;
    }
    Ok(())
}

/// Who besides superusers (and the trusted owner) may write to `tables` (mlgrant's, all
/// present) or create in its schema.
async fn check_access(
    client: &Client,
    trusted: Option<&str>,
    tables: &[&str],
) -> Result<(), AuditError> {
    let relations: Vec<String> = tables
        .iter()
        .map(|t| format!("SELECT {} AS relname", quote_literal(t)))
        .collect();
    let sql = format!(
        "SELECT u.usename, t.relname, p.priv FROM pg_catalog.pg_user u,
  ({}) t,
  (SELECT 'INSERT' AS priv UNION ALL SELECT 'UPDATE' UNION ALL SELECT 'DELETE') p
  WHERE NOT u.usesuper AND has_table_privilege(u.usename, 'mlgrant.' || t.relname, p.priv)
UNION ALL
SELECT u.usename, '(schema)', 'CREATE' FROM pg_catalog.pg_user u
  WHERE NOT u.usesuper AND has_schema_privilege(u.usename, 'mlgrant', 'CREATE')",
        relations.join(" UNION ALL ")
    );
    let (sets, failed) = sets_until_error(client, &sql).await?;
    if let Some(e) = failed {
        return Err(read_error(&e));
    }
    let text = |v: &Option<String>| crate::text::sanitize(v.as_deref().unwrap_or(""));
    for row in sets.first().into_iter().flatten() {
        let who = text(&row[0]);
        if Some(who.as_str()) == trusted {
            continue;
        }
        return Err(AuditError::Untrusted {
            object: match text(&row[1]).as_str() {
                "(schema)" => "the schema mlgrant".to_owned(),
                table => format!("mlgrant.{table}"),
            },
            owner: format!("{who} (who may {} it)", text(&row[2]))
                .replace(" (who may CREATE it)", " (who may create in it)"),
        });
    }
    Ok(())
}

/// One migration and its version row (the caller wraps them in a transaction). From version 2
/// on the row carries the file's checksum.
fn migration_body(m: &Migration) -> String {
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
    format!("{}\n{row}", sql.trim_end())
}

#[cfg(test)]
mod tests {
    use super::log::fit;
    use super::*;

    #[test]
    fn long_values_fit_their_columns_keeping_their_end() {
        let path = format!("/{}/mlgrant.toml", "é".repeat(700));
        let f = fit(&path, 1024);
        assert!(f.len() <= 1024 && f.starts_with("...") && f.ends_with("/mlgrant.toml"));
        assert_eq!(fit("short.toml", 1024), "short.toml");
    }

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
