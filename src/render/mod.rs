//! render: the only place that writes SQL text. Every name goes through [`quote_ident`]; nothing
//! else in mlgrant builds SQL from names.
//!
//! A [`Plan`] renders three ways:
//! - `sql`: the script, each statement under a provenance comment (`-- file:line:column rule`);
//! - `text`: a diff for people (`+` grant, `-` revoke), colored on a terminal;
//! - `json`: the versioned schema documented in docs/output.md (`"format": "mlgrant.plan"`).

mod history;
mod json;
mod markdown;
mod sql;
mod warnings;

use anstyle::{AnsiColor, Style};

pub use crate::model::{is_reserved, quote_ident, quote_literal};
pub use history::{history, history_run};
pub use json::{json, write_json};
pub use markdown::markdown;
use sql::GranteeSql;
pub use sql::{ChangeSql, MergedSql};
pub use warnings::warnings;

use crate::model::{Grantee, Origin};
use crate::plan::{Change, Merged, Plan, Statement, Step};
use crate::text::{escape_controls, sanitize};

/// Version of the JSON output schema.
pub const JSON_VERSION: u32 = 2;

pub(crate) fn grantee_sql(g: &Grantee) -> String {
    GranteeSql(g).to_string()
}

/// One change alone as one SQL statement, with its closing semicolon.
pub fn statement(change: &Change) -> String {
    ChangeSql(change).to_string()
}

/// One statement of a plan, with its closing semicolon (written by [`MergedSql`], with
/// [`ChangeSql`] the only writer of GRANT, REVOKE, CREATE GROUP and ALTER GROUP text).
pub fn merged(m: &Merged) -> String {
    MergedSql(m).to_string()
}

fn origin_text(o: &Origin) -> String {
    sanitize(&format!(
        "{}:{} {}{}",
        o.file(),
        o.at,
        o.path(),
        o.until_suffix()
    ))
}

/// The provenance comments of a statement: each of its parts' sources and reasons, once each,
/// in the order of the parts. When the statement lists several grantees and a source is for
/// some of them only, it says which (`(for GROUP a, GROUP b)`).
fn comments(plan: &Plan, st: &Statement) -> Vec<String> {
    // How many grantees the statement lists: a source for all of them needs no list.
    let listed = match &st.merged {
        Merged::Privileges { grantees, .. } => grantees.len(),
        _ => 0,
    };
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    let mut at: crate::model::FastMap<String, usize> = Default::default();
    for &i in &st.parts {
        let step = &plan.steps[i];
        let grantee = match &step.change {
            Change::Grant { grantee, .. } | Change::Revoke { grantee, .. } => {
                Some(grantee_sql(grantee))
            }
            _ => None,
        };
        // An ended entry's reason names its place already.
        let shown = if crate::diff::is_expiry(step) {
            &[][..]
        } else {
            &step.origins[..]
        };
        let texts = shown
            .iter()
            .map(|o| format!("{}{}", verb(&step.change, o), origin_text(o)))
            .chain(step.why.iter().map(|w| sanitize(w)));
        for text in texts {
            let n = *at.entry(text.clone()).or_insert_with(|| {
                lines.push((text, Vec::new()));
                lines.len() - 1
            });
            if let Some(g) = &grantee
                && !lines[n].1.contains(g)
            {
                lines[n].1.push(g.clone());
            }
        }
    }
    lines
        .into_iter()
        .map(|(text, grantees)| {
            // A reason that names its grantee (a revoke's) needs no list.
            if listed < 2
                || grantees.len() == listed
                || grantees.is_empty()
                || step_names_grantee(&text)
            {
                return text;
            }
            let shown: Vec<&str> = grantees.iter().take(5).map(String::as_str).collect();
            let more = match grantees.len() {
                n if n > 5 => format!(" and {} more", n - 5),
                _ => String::new(),
            };
            sanitize(&format!("{text} (for {}{more})", shown.join(", ")))
        })
        .collect()
}

/// Whether a comment line already names the grantee (the reasons diff writes for revokes).
fn step_names_grantee(text: &str) -> bool {
    text.starts_with("held by ")
}

/// The SQL script: a header, the notes, then each statement under its provenance comments.
pub fn sql(plan: &Plan, header: &str) -> String {
    sql_with(plan, header, false)
}

/// The SQL script for a terminal: every statement with its control characters shown escaped
/// (`\x1b`, `\n`), so that no name can drive the terminal or fake a line of the script.
pub fn sql_for_terminal(plan: &Plan, header: &str) -> String {
    sql_with(plan, header, true)
}

fn sql_with(plan: &Plan, header: &str, escape: bool) -> String {
    let shown = |s: String| if escape { escape_controls(&s) } else { s };
    let mut out = String::new();
    out.push_str(&format!("-- {}\n", sanitize(header)));
    for w in warnings(plan) {
        out.push_str(&format!("-- WARNING: {}\n", sanitize(&w.located())));
    }
    for n in &plan.notes {
        out.push_str(&format!("-- note: {}\n", sanitize(n)));
    }
    if plan.is_empty() {
        out.push_str("-- nothing to change\n");
    }
    for st in &plan.statements {
        out.push('\n');
        for line in comments(plan, st) {
            out.push_str(&format!("-- {line}\n"));
        }
        out.push_str(&shown(merged(&st.merged)));
        out.push('\n');
    }
    if !plan.unverified.is_empty() {
        out.push_str("\n-- not confirmed: this login sees only its own grants, so these grants the model requires\n-- may already exist; connect as a superuser (or with ACCESS SYSTEM TABLE) to plan them\n");
        for step in &plan.unverified {
            out.push_str(&format!("-- {}\n", sanitize(&statement(&step.change))));
        }
    }
    out
}

const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const DIM: Style = Style::new().dimmed();

/// A diff for people: `+` for what is granted or added, `-` for what is revoked or dropped,
/// each with where it comes from; colored when `color`. Control characters in names are shown
/// escaped (`\x1b`), so that no name can drive the terminal a reviewer reads it on.
pub fn text(plan: &Plan, header: &str, color: bool) -> String {
    let paint = |style: Style, s: &str| {
        if color {
            format!("{style}{s}{style:#}")
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    out.push_str(&format!("{}\n", escape_controls(header)));
    for w in warnings(plan) {
        out.push_str(&paint(
            RED,
            &format!("warning: {}", escape_controls(&w.located())),
        ));
        out.push('\n');
    }
    for n in &plan.notes {
        out.push_str(&paint(YELLOW, &format!("note: {}", escape_controls(n))));
        out.push('\n');
    }
    if plan.is_empty() {
        out.push_str("nothing to change\n");
        if plan.unverified.is_empty() {
            return out;
        }
    }
    if plan.steps.len() > SUMMARY_FROM {
        out.push_str(&summary(plan));
    }
    for step in &plan.steps {
        let (mark, code) = match step.change {
            Change::Revoke { .. } | Change::DropMember { .. } => ("-", RED),
            Change::CreateGroup { .. } => ("+", CYAN),
            _ => ("+", GREEN),
        };
        let shown = escape_controls(&statement(&step.change));
        out.push_str(&paint(code, &format!("{mark} {shown}")));
        if let (true, Some(why)) = (crate::diff::is_expiry(step), &step.why) {
            out.push_str(&paint(DIM, &format!("  # {}", escape_controls(why))));
        } else if let Some(o) = step.origins.first() {
            let more = match step.origins.len() {
                1 => String::new(),
                n => format!(" (+{} more)", n - 1),
            };
            let v = verb(&step.change, o);
            out.push_str(&paint(DIM, &format!("  # {v}{}{more}", origin_text(o))));
        } else if let Some(why) = &step.why {
            out.push_str(&paint(DIM, &format!("  # {}", escape_controls(why))));
        }
        out.push('\n');
    }
    for step in &plan.unverified {
        let shown = escape_controls(&statement(&step.change));
        out.push_str(&paint(YELLOW, &format!("? {shown}")));
        out.push_str("  # not confirmed: this login sees only its own grants\n");
    }
    let counts = plan.counts();
    if !counts.is_empty() {
        let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        out.push_str(&format!("{}\n", summary.join(", ")));
    }
    out
}

/// From how many statements the text format opens with a summary.
const SUMMARY_FROM: usize = 20;

/// Counts by schema and by grantee, for a large plan read by people.
fn summary(plan: &Plan) -> String {
    use std::collections::BTreeMap;
    let mut by_schema: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut by_grantee: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for step in &plan.steps {
        let (object, grantee, grant) = match &step.change {
            Change::Grant {
                object, grantee, ..
            } => (object, grantee, true),
            Change::Revoke {
                object, grantee, ..
            } => (object, grantee, false),
            _ => continue,
        };
        let schema = match object.schema() {
            Some(s) => quote_ident(s.as_str()),
            None => "(database and IAM roles)".to_owned(),
        };
        let who = escape_controls(&grantee_sql(grantee));
        for (map, key) in [(&mut by_schema, schema), (&mut by_grantee, who)] {
            let e = map.entry(key).or_default();
            if grant {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    let line = |map: BTreeMap<String, (usize, usize)>| -> String {
        map.into_iter()
            .map(|(k, (g, r))| format!("{}: +{g} -{r}", escape_controls(&k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "by schema: {}\nby grantee: {}\n",
        line(by_schema),
        line(by_grantee)
    )
}

/// How an origin relates to a change: what requires a grant, what no longer requires a revoke.
fn verb(change: &Change, o: &Origin) -> &'static str {
    match change {
        Change::Revoke { .. } if o.path().starts_with("policy.") => "asked for by ",
        Change::Revoke { .. } => "no longer required by ",
        Change::DropMember { .. } => "not listed in ",
        _ => "",
    }
}

/// Why a statement is there, in one sentence, never empty.
pub fn reason(step: &Step) -> String {
    Reason(step).to_string()
}

/// [`reason`], written where it is wanted (the JSON document writes one per change).
pub(crate) struct Reason<'a>(pub &'a Step);

impl std::fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        let step = self.0;
        if let Some(why) = &step.why {
            return f.write_str(why);
        }
        let Some(first) = step.origins.first() else {
            return f.write_str(match &step.change {
                Change::CreateGroup { .. } => "the group is declared in the model",
                _ => "the model asks for it",
            });
        };
        let lead = match (&step.change, verb(&step.change, first)) {
            (Change::AddMember { .. }, _) => "listed in ",
            (_, "") => "required by ",
            (_, v) => v,
        };
        let mut out = crate::text::Sanitized(f);
        out.write_str(lead)?;
        for (i, o) in step.origins.iter().enumerate() {
            if i > 0 {
                out.write_str("; ")?;
            }
            write!(out, "{} at {}:{}", o.path(), o.file(), o.at)?;
            if let Some(u) = o.until() {
                write!(out, " (until {})", u.describe())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ModelName, Name, State};

    #[test]
    fn sql_for_a_terminal_shows_a_name_s_line_break_escaped_not_as_a_line() {
        let mut state = State::default();
        let m = ModelName {
            schema: Name::from_catalog("demo_ml"),
            model: Name::from_catalog("m\ngrant usage on schema demo_ml to group viewers;"),
        };
        state.grants.insert(
            crate::model::Grant::execute(m, Grantee::Group(Name::from_catalog("g"))),
            Default::default(),
        );
        let plan = Plan::grant_all(&state);
        let shown = sql_for_terminal(&plan, "h");
        assert!(
            !shown.lines().any(|l| l.starts_with("grant usage")),
            "{shown}"
        );
        assert!(shown.contains("\\ngrant usage"), "{shown}");
        // Written to a file, the SQL is exact.
        assert!(sql(&plan, "h").contains("\ngrant usage"));
    }
}
