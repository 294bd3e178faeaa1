//! review's formats: Markdown and CSV as `report` writes them, and a self-contained HTML page
//! (html.rs). Every cell goes through the escaping of its format, so no name can break one.

use super::Right;
use crate::text::{csv_field, markdown_text};

/// How review writes its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Markdown,
    Csv,
    Html,
}

/// The columns, in the order every format writes them.
pub const COLUMNS: [&str; 12] = [
    "right",
    "schema",
    "model",
    "grantee",
    "rule",
    "held",
    "since",
    "last_used",
    "used_by",
    "uses",
    "expires",
    "unused",
];

/// A row's cells, as text, in [`COLUMNS`] order.
pub fn cells(r: &Right) -> [String; 12] {
    let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
    [
        r.right.clone(),
        r.schema.clone(),
        r.model.clone(),
        r.grantee.clone(),
        r.rule.clone(),
        yes(r.held),
        r.since.clone(),
        r.last_used.clone(),
        r.used_by.clone(),
        r.uses.to_string(),
        r.expires.clone(),
        yes(r.unused),
    ]
}

/// The rows in `style`; `title` says what was reviewed and as of when.
pub fn report(rows: &[Right], style: Style, title: &str) -> String {
    match style {
        Style::Csv => {
            let mut out = COLUMNS.join(",");
            out.push('\n');
            for r in rows {
                let line: Vec<String> = cells(r).iter().map(|c| csv_field(c)).collect();
                out.push_str(&line.join(","));
                out.push('\n');
            }
            out
        }
        Style::Markdown => {
            let mut out = format!("### {}\n\n", markdown_text(title));
            if rows.is_empty() {
                out.push_str("No rights to show.\n");
                return out;
            }
            out.push_str(&format!("| {} |\n", COLUMNS.join(" | ")));
            out.push_str(&format!("|{}\n", "---|".repeat(COLUMNS.len())));
            for r in rows {
                let line: Vec<String> = cells(r).iter().map(|c| markdown_text(c)).collect();
                out.push_str(&format!("| {} |\n", line.join(" | ")));
            }
            out
        }
        Style::Html => super::html::page(rows, title),
    }
}
