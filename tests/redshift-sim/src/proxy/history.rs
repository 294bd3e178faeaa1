//! Query history (sql/history.sql): what each client ran, written by the front with a
//! connection of its own once the server has answered, as Redshift's SYS_QUERY_HISTORY shows it
//! (DG SYS_QUERY_HISTORY). Rows wait in memory and are written before any client message that
//! reads the history views goes on, and whenever [`FLUSH_AT`] wait, so a client always reads
//! what it ran before; at most [`KEEP`] wait (the oldest go first: Redshift keeps days, not
//! everything).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::SystemTime;

/// Rows written in one go, at the latest.
const FLUSH_AT: usize = 1000;
/// Rows kept waiting when they cannot be written.
const KEEP: usize = 100_000;

/// One statement a client ran.
#[derive(Clone, Debug)]
pub struct Record {
    pub user: String,
    pub session: i32,
    pub text: String,
    pub ok: bool,
    pub start: SystemTime,
    pub end: SystemTime,
}

/// The history writer: one superuser connection to PostgreSQL and the rows waiting for it.
pub struct History {
    client: tokio_postgres::Client,
    pending: Mutex<VecDeque<Record>>,
    /// Held while rows are written, so that they are written in order.
    writing: tokio::sync::Mutex<()>,
}

/// The statement's kind as the view names it (see sql/history.sql).
fn query_type(text: &str) -> &'static str {
    let mut words = text
        .split(|c: char| c.is_whitespace() || c == '(')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase);
    let first = words.next().unwrap_or_default();
    match first.as_str() {
        "SELECT" | "WITH" => "SELECT",
        "INSERT" => "INSERT",
        "UPDATE" => "UPDATE",
        "DELETE" => "DELETE",
        "COPY" => "COPY",
        "UNLOAD" => "UNLOAD",
        "CREATE" if text.to_ascii_uppercase().contains(" AS SELECT") => "CTAS",
        "CREATE" | "ALTER" | "DROP" => "DDL",
        _ => "UTILITY",
    }
}

/// Whether a client's message may read the history (it names a `sys_query_*` view): the rows
/// waiting must be written first.
pub fn reads_history(sql: &[u8]) -> bool {
    sql.windows(10)
        .any(|w| w.eq_ignore_ascii_case(b"sys_query_"))
}

/// Microseconds since 1970, as the front's door takes times.
fn micros(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

impl History {
    pub fn new(client: tokio_postgres::Client) -> History {
        History {
            client,
            pending: Mutex::new(VecDeque::new()),
            writing: tokio::sync::Mutex::new(()),
        }
    }

    /// Keeps the rows of statements that ended; true when enough wait to be written now.
    pub fn push(&self, records: impl IntoIterator<Item = Record>) -> bool {
        let Ok(mut p) = self.pending.lock() else {
            return false;
        };
        p.extend(records);
        while p.len() > KEEP {
            p.pop_front();
        }
        p.len() >= FLUSH_AT
    }

    /// Writes every row waiting, in order. A failure keeps nothing back from the client: the
    /// rows are lost (and the view shows less), never the client's statement.
    pub async fn flush(&self) {
        let _writing = self.writing.lock().await;
        let batch: Vec<Record> = match self.pending.lock() {
            Ok(mut p) => p.drain(..).collect(),
            Err(_) => return,
        };
        if batch.is_empty() {
            return;
        }
        let users: Vec<&str> = batch.iter().map(|r| r.user.as_str()).collect();
        let sessions: Vec<i32> = batch.iter().map(|r| r.session).collect();
        let types: Vec<&str> = batch.iter().map(|r| query_type(&r.text)).collect();
        let statuses: Vec<&str> = batch
            .iter()
            .map(|r| if r.ok { "success" } else { "failed" })
            .collect();
        let starts: Vec<i64> = batch.iter().map(|r| micros(r.start)).collect();
        let ends: Vec<i64> = batch.iter().map(|r| micros(r.end)).collect();
        let texts: Vec<&str> = batch.iter().map(|r| r.text.as_str()).collect();
        let _ = self
            .client
            .execute(
                "CALL mlsim.log_queries($1, $2, $3, $4, $5, $6, $7)",
                &[&users, &sessions, &types, &statuses, &starts, &ends, &texts],
            )
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_times() {
        assert_eq!(query_type("select churn_fn('CA')"), "SELECT");
        assert_eq!(query_type("CREATE MODEL ml.m FROM x"), "DDL");
        assert_eq!(query_type("create table t as select 1"), "CTAS");
        assert_eq!(query_type("GRANT USAGE ON SCHEMA s TO u"), "UTILITY");
        assert_eq!(
            micros(SystemTime::UNIX_EPOCH + std::time::Duration::from_micros(86_400_000_001)),
            86_400_000_001
        );
        assert!(reads_history(b"SELECT * FROM pg_catalog.SYS_QUERY_HISTORY"));
        assert!(!reads_history(b"SELECT 1"));
    }
}

/// What one connection's messages ran, matched with the server's answers: each message that
/// the server answers with a ReadyForQuery (a simple query, a Sync, a function call) is a batch
/// of statements, of which the first `done` completed and the next failed when an error came.
#[derive(Default)]
pub struct Tracker {
    /// Prepared statements and portals, by name, with their text.
    statements: std::collections::HashMap<Vec<u8>, String>,
    portals: std::collections::HashMap<Vec<u8>, String>,
    /// Executes since the last Sync.
    executed: Vec<String>,
    waiting: VecDeque<Batch>,
    /// The backend's process id (BackendKeyData).
    pub session: i32,
}

struct Batch {
    texts: Vec<String>,
    start: SystemTime,
    done: usize,
    failed: bool,
}

fn cstr(body: &[u8]) -> (&[u8], &[u8]) {
    match body.iter().position(|&b| b == 0) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &[]),
    }
}

impl Tracker {
    fn batch(&mut self, texts: Vec<String>) {
        self.waiting.push_back(Batch {
            texts,
            start: SystemTime::now(),
            done: 0,
            failed: false,
        });
    }

    /// A simple query of these statements (their text as the client wrote them).
    pub fn query(&mut self, texts: Vec<String>) {
        self.batch(texts);
    }

    /// A Sync: the Executes since the last one are a batch.
    pub fn sync(&mut self) {
        let texts = std::mem::take(&mut self.executed);
        self.batch(texts);
    }

    /// A function call: answered like a query, runs no statement of its own.
    pub fn call(&mut self) {
        self.batch(Vec::new());
    }

    /// Parse, Bind, Execute (whole messages, tag and length first).
    pub fn parse(&mut self, msg: &[u8]) {
        let (name, rest) = cstr(msg.get(5..).unwrap_or_default());
        let (sql, _) = cstr(rest);
        self.statements
            .insert(name.to_vec(), String::from_utf8_lossy(sql).into_owned());
    }

    pub fn bind(&mut self, msg: &[u8]) {
        let (portal, rest) = cstr(msg.get(5..).unwrap_or_default());
        let (statement, _) = cstr(rest);
        let text = self.statements.get(statement).cloned().unwrap_or_default();
        self.portals.insert(portal.to_vec(), text);
    }

    pub fn execute(&mut self, msg: &[u8]) {
        let (portal, _) = cstr(msg.get(5..).unwrap_or_default());
        if let Some(text) = self.portals.get(portal) {
            self.executed.push(text.clone());
        }
    }

    /// A message from the server (whole, tag first); the rows of a batch it ended.
    pub fn answer(&mut self, tag: u8, msg: &[u8], user: &str) -> Vec<Record> {
        match tag {
            b'K' if msg.len() >= 9 => {
                self.session = i32::from_be_bytes([msg[5], msg[6], msg[7], msg[8]]);
            }
            b'C' | b'I' => {
                if let Some(b) = self.waiting.front_mut() {
                    b.done += 1;
                }
            }
            b'E' => {
                if let Some(b) = self.waiting.front_mut() {
                    b.failed = true;
                }
            }
            b'Z' => {
                let Some(b) = self.waiting.pop_front() else {
                    return Vec::new();
                };
                let end = SystemTime::now();
                let ran = (b.done + usize::from(b.failed)).min(b.texts.len());
                return b
                    .texts
                    .into_iter()
                    .take(ran)
                    .enumerate()
                    .map(|(i, text)| Record {
                        user: user.to_owned(),
                        session: self.session,
                        text,
                        ok: i < b.done,
                        start: b.start,
                        end,
                    })
                    .collect();
            }
            _ => {}
        }
        Vec::new()
    }
}
