//! The audit log as `mlgrant history` shows it: a table for people, or the versioned JSON
//! document `mlgrant.history`.

use crate::model::LogEntry;
use crate::text::sanitize;

/// The runs as a table (`json = false`) or as JSON.
pub fn history(entries: &[LogEntry], json: bool) -> String {
    if json {
        let doc = serde_json::json!({
            "format": "mlgrant.history",
            "version": 1,
            "runs": entries,
        });
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
        s.push('\n');
        return s;
    }
    if entries.is_empty() {
        return "no applied runs recorded on this cluster\n".to_owned();
    }
    let mut out = String::from(
        "applied_at (UTC)            user             statements  grants  revokes  run_id                            model_file\n",
    );
    for e in entries {
        out.push_str(&format!(
            "{:<27} {:<16} {:>10}  {:>6}  {:>7}  {:<32}  {}\n",
            e.applied_at,
            sanitize(&e.db_user),
            e.statements,
            e.grants,
            e.revokes,
            e.run_id,
            sanitize(&e.model_file)
        ));
    }
    out
}
