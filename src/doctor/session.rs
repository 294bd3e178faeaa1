//! doctor's transactions of trials: scratch names, one transaction that stops at its first
//! failure and reports the trials after it as not run, and the read-back of grants. It never
//! commits: every session ends with ROLLBACK.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::Client;

use super::Check;
use super::trials::meaning;
use crate::catalog;
use crate::connect::Notices;
use crate::model::{Grant, Grantee, Name, Object, Privilege, State, quote_ident};
use crate::plan::Change;
use crate::server::WireError;

pub(super) fn error_text(e: &tokio_postgres::Error) -> String {
    match WireError::from(e) {
        WireError::Server(s) if s.sqlstate.is_empty() => s.message,
        WireError::Server(s) => format!("SQLSTATE {}: {}", s.sqlstate, s.message),
        WireError::Connection(c) => c,
    }
}

/// Scratch names, unique to this run.
pub(super) struct Scratch {
    pub group: Name,
    pub user: Name,
    pub role: Name,
    pub schema: Name,
}

impl Scratch {
    pub fn new() -> Scratch {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tag = format!("{}_{nanos}", std::process::id());
        let n = |kind: &str| Name::from_catalog(&format!("mlgrant_doctor_{kind}_{tag}"));
        Scratch {
            group: n("g"),
            user: n("u"),
            role: n("r"),
            schema: n("s"),
        }
    }

    /// doctor's own statements that make the scratch objects (mlgrant never creates users,
    /// roles or schemas, so the renderer has no such statements): names through the one
    /// quoting function.
    pub fn setup(&self) -> String {
        format!(
            "CREATE USER {} PASSWORD DISABLE; CREATE ROLE {}; CREATE SCHEMA {}",
            quote_ident(self.user.as_str()),
            quote_ident(self.role.as_str()),
            quote_ident(self.schema.as_str())
        )
    }
}

pub(super) fn grant(
    grant: bool,
    privileges: Vec<Privilege>,
    object: Object,
    grantee: Grantee,
) -> Change {
    if grant {
        Change::Grant {
            privileges,
            object,
            grantee,
        }
    } else {
        Change::Revoke {
            privileges,
            object,
            grantee,
        }
    }
}

pub(super) fn held(
    state: &State,
    object: &Object,
    privilege: Privilege,
    grantee: &Grantee,
) -> bool {
    state.grants.contains_key(&Grant {
        object: object.clone(),
        privilege,
        grantee: grantee.clone(),
    })
}

/// One transaction of trials.
pub(super) struct Session<'a> {
    client: &'a Client,
    notices: Option<&'a Notices>,
    pub checks: Vec<Check>,
    /// The trial that ended this transaction, if one did.
    broken: Option<String>,
}

impl<'a> Session<'a> {
    pub async fn begin(client: &'a Client, notices: Option<&'a Notices>) -> Session<'a> {
        let mut s = Session {
            client,
            notices,
            checks: Vec::new(),
            broken: None,
        };
        if let Err(e) = s.client.batch_execute("BEGIN").await {
            s.broken = Some(format!("BEGIN ({})", error_text(&e)));
        }
        s
    }

    /// Runs `sql`; hands back what the server said (notices and warnings).
    async fn send(&mut self, sql: &str) -> Result<Vec<String>, String> {
        while self.notices.is_some_and(|n| n.try_recv().is_ok()) {}
        self.client
            .batch_execute(sql)
            .await
            .map_err(|e| error_text(&e))?;
        Ok(self
            .notices
            .map(|n| n.try_iter().map(|n| n.to_string()).collect())
            .unwrap_or_default())
    }

    pub fn ok(&self) -> bool {
        self.broken.is_none()
    }

    fn not_run(&mut self, name: &'static str) {
        let why = self.broken.clone().unwrap_or_default();
        self.checks.push(Check::skipped(
            name,
            format!("not run: {why} failed first, in the same transaction"),
            meaning(name),
        ));
    }

    /// Runs `sql` as the trial `name` (or as setup for it); on failure, records it and ends
    /// the transaction's trials.
    pub async fn run(&mut self, name: &'static str, sql: &str) -> Option<Vec<String>> {
        if !self.ok() {
            self.not_run(name);
            return None;
        }
        match self.send(sql).await {
            Ok(said) => Some(said),
            Err(e) => {
                self.checks.push(Check::fail(
                    name,
                    format!("{e}\n  in: {}", crate::text::escape_controls(sql)),
                    meaning(name),
                ));
                self.broken = Some(name.to_owned());
                None
            }
        }
    }

    /// The catalog, read as apply reads it, inside this transaction.
    pub async fn read(&mut self, name: &'static str) -> Option<State> {
        if !self.ok() {
            self.not_run(name);
            return None;
        }
        match catalog::read_without_ledger(self.client).await {
            Ok(state) => Some(state),
            Err(e) => {
                self.checks.push(Check::fail(
                    name,
                    format!("reading back: {e}"),
                    meaning(name),
                ));
                self.broken = Some(name.to_owned());
                None
            }
        }
    }

    pub fn judge(&mut self, name: &'static str, passed: bool, detail: String) {
        self.checks.push(if passed {
            Check::pass(name, detail)
        } else {
            Check::fail(name, detail, meaning(name))
        });
    }

    pub async fn end(mut self) -> Vec<Check> {
        let _ = self.client.batch_execute("ROLLBACK").await;
        std::mem::take(&mut self.checks)
    }
}

pub(super) fn said(words: &[String]) -> String {
    if words.is_empty() {
        "the server said nothing".to_owned()
    } else {
        format!("the server said: {}", words.join("; "))
    }
}
