//! The audit log as `mlgrant history` shows it: a table for people, or the versioned JSON
//! document `mlgrant.history`.

use crate::model::LogEntry;
use crate::text::{escape_controls as e, plural};

/// A logged time (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC) in RFC 3339 (`...T...Z`).
fn rfc3339(t: &str) -> String {
    format!("{}Z", t.replacen(' ', "T", 1))
}

fn entry_json(e: &LogEntry) -> serde_json::Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    v["applied_at"] = serde_json::Value::String(rfc3339(&e.applied_at));
    v
}

/// One run: its record and its statements, as text or JSON (`mlgrant.history.run`).
pub fn history_run(entry: &LogEntry, statements: &[String], json: bool) -> String {
    if json {
        let doc = serde_json::json!({
            "format": "mlgrant.history.run",
            "version": 1,
            "run": entry_json(entry),
            "statements": statements,
        });
        let mut s = crate::text::json_pretty(&doc);
        s.push('\n');
        return s;
    }
    let mut out = format!(
        "run {}\napplied at {} UTC by {} with mlgrant {}\nmodel {} (SHA-256 {})\nplan SHA-256 {}{}\n{} statement{}: {} grant{}, {} revoke{}, {} group{} created, {} member{} added, {} dropped; {}\n\n",
        e(&entry.run_id),
        e(&entry.applied_at),
        e(&entry.db_user),
        e(&entry.mlgrant_version),
        e(&entry.model_file),
        e(&entry.model_digest),
        e(&entry.plan_digest),
        entry
            .plan_file_digest
            .as_ref()
            .map(|d| format!("\nsaved plan file SHA-256 {}", e(d)))
            .unwrap_or_default(),
        entry.statements,
        plural(entry.statements as usize),
        entry.grants,
        plural(entry.grants as usize),
        entry.revokes,
        plural(entry.revokes as usize),
        entry.groups_created,
        plural(entry.groups_created as usize),
        entry.members_added,
        plural(entry.members_added as usize),
        entry.members_dropped,
        e(&entry.outcome),
    );
    for s in statements {
        out.push_str(&e(s));
        out.push_str(";\n");
    }
    out
}

/// The runs as a table (`json = false`) or as JSON.
pub fn history(entries: &[LogEntry], json: bool) -> String {
    if json {
        let doc = serde_json::json!({
            "format": "mlgrant.history",
            "version": 1,
            "runs": entries.iter().map(entry_json).collect::<Vec<_>>(),
        });
        let mut s = crate::text::json_pretty(&doc);
        s.push('\n');
        return s;
    }
    if entries.is_empty() {
        return "no applied runs recorded on this cluster\n".to_owned();
    }
    let mut out = String::from(
        "applied_at (UTC)            user             outcome   statements  grants  revokes  groups  members+  members-  run_id                            model_file\n",
    );
    for r in entries {
        out.push_str(&format!(
            "{:<27} {:<16} {:<9} {:>10}  {:>6}  {:>7}  {:>6}  {:>8}  {:>8}  {:<32}  {}\n",
            e(&r.applied_at),
            e(&r.db_user),
            e(&r.outcome),
            r.statements,
            r.grants,
            r.revokes,
            r.groups_created,
            r.members_added,
            r.members_dropped,
            e(&r.run_id),
            e(&r.model_file)
        ));
    }
    out
}
