//! A plan as Markdown, made to be posted as a pull-request comment: warnings first, a summary
//! by schema and by grantee, the notes, then the statements with their reasons in a `sql`
//! block, cut short (and saying so) before GitHub's 65,536-character comment limit.

use std::collections::BTreeMap;

use super::{comments, grantee_sql, merged, reason};
use crate::model::quote_ident;
use crate::plan::{Change, Plan};
use crate::text::escape_controls;

/// GitHub's limit for one comment, less room for the closing lines.
const LIMIT: usize = 65_536 - 512;

/// Rows a summary table shows at most.
const ROWS: usize = 50;

/// Text for a Markdown table cell or list item (`text::markdown_text`).
fn cell(s: &str) -> String {
    crate::text::markdown_text(s)
}

/// The plan as Markdown; `header` is its first line.
pub fn markdown(plan: &Plan, header: &str) -> String {
    let mut out = format!("### {}\n\n", cell(header));
    let warnings = super::warnings(plan);
    if !warnings.is_empty() {
        out.push_str("**Warnings**\n\n");
        for w in warnings.iter().take(ROWS) {
            out.push_str(&format!("- ⚠️ {}\n", cell(&w.located())));
        }
        if warnings.len() > ROWS {
            out.push_str(&format!("- ... and {} more\n", warnings.len() - ROWS));
        }
        out.push('\n');
    }
    let mut by_schema: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    let mut by_grantee: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for step in &plan.steps {
        let (schema, who, kind) = match &step.change {
            Change::Grant {
                object, grantee, ..
            } => (
                object.schema().map(|s| quote_ident(s.as_str())),
                grantee_sql(grantee),
                0,
            ),
            Change::Revoke {
                object, grantee, ..
            } => (
                object.schema().map(|s| quote_ident(s.as_str())),
                grantee_sql(grantee),
                1,
            ),
            Change::AddMember { group, .. } | Change::DropMember { group, .. } => {
                (None, format!("GROUP {}", quote_ident(group.as_str())), 2)
            }
            Change::CreateGroup { group } => {
                (None, format!("GROUP {}", quote_ident(group.as_str())), 2)
            }
        };
        let schema = schema.unwrap_or_else(|| "(database, IAM roles, groups)".to_owned());
        by_schema.entry(schema).or_default()[kind] += 1;
        by_grantee.entry(who).or_default()[kind] += 1;
    }
    if !plan.steps.is_empty() {
        for (title, map) in [("schema", &by_schema), ("grantee", &by_grantee)] {
            out.push_str(&format!(
                "| {title} | grants | revokes | groups and members |\n|---|---:|---:|---:|\n"
            ));
            for (k, [g, r, m]) in map.iter().take(ROWS) {
                out.push_str(&format!("| {} | {g} | {r} | {m} |\n", cell(k)));
            }
            if map.len() > ROWS {
                out.push_str(&format!("| ... and {} more | | | |\n", map.len() - ROWS));
            }
            out.push('\n');
        }
    }
    if !plan.notes.is_empty() {
        out.push_str("**Notes**\n\n");
        for n in plan.notes.iter().take(ROWS) {
            out.push_str(&format!("- {}\n", cell(n)));
        }
        if plan.notes.len() > ROWS {
            out.push_str(&format!(
                "- ... and {} more notes\n",
                plan.notes.len() - ROWS
            ));
        }
        out.push('\n');
    }
    if plan.steps.is_empty() {
        out.push_str("Nothing to change.\n");
        return out;
    }
    let body: Vec<String> = plan
        .statements
        .iter()
        .map(|st| {
            let mut b = String::new();
            let mut lines = comments(plan, st);
            if lines.is_empty() {
                // A step whose origins and reason say nothing in SQL comments (a group to
                // create, offline) still gets its reason.
                lines = st.parts.iter().map(|&i| reason(&plan.steps[i])).collect();
                lines.dedup();
            }
            for line in lines {
                b.push_str(&format!("-- {}\n", escape_controls(&line)));
            }
            b.push_str(&escape_controls(&merged(&st.merged)));
            b.push('\n');
            b
        })
        .collect();
    // A fence longer than any run of backticks in the statements.
    let longest = body
        .iter()
        .flat_map(|b| b.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    out.push_str(&format!("{fence}sql\n"));
    let mut shown = 0;
    for b in &body {
        if out.len() + b.len() + fence.len() + 200 > LIMIT {
            break;
        }
        out.push_str(b);
        shown += 1;
    }
    out.push_str(&format!("{fence}\n"));
    if shown < body.len() {
        out.push_str(&format!(
            "\n{} of {} statements left out to stay within GitHub's comment limit; `--format sql` shows them all.\n",
            body.len() - shown,
            body.len()
        ));
    }
    out
}
