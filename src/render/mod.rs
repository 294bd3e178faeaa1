//! render: the only place that writes SQL text. Every name goes through [`quote_ident`]; nothing
//! else in mlgrant builds SQL from names.
//!
//! A [`Plan`] renders three ways:
//! - `sql`: the script, each statement under a provenance comment (`-- file:line:column rule`);
//! - `text`: a diff for people (`+` grant, `-` revoke), colored on a terminal;
//! - `json`: the versioned schema documented in the README (`"format": "mlgrant.plan"`).

mod history;
mod markdown;

use anstyle::{AnsiColor, Style};
use serde_json::{Value, json};

pub use crate::model::{is_reserved, quote_ident, quote_literal};
pub use history::{history, history_run};
pub use markdown::markdown;

use crate::model::{Grantee, Object, Origin, Privilege};
use crate::plan::{Change, Plan, Step};
use crate::text::{escape_controls, sanitize};

/// Version of the JSON output schema.
pub const JSON_VERSION: u32 = 1;

fn object_sql(object: &Object) -> String {
    match object {
        Object::Database => String::new(),
        Object::IamRole(arn) => format!(" ON {}", iam_role_sql(arn)),
        Object::Schema(s) => format!(" ON SCHEMA {}", quote_ident(s.as_str())),
        Object::Model(m) => format!(" ON MODEL {}", m.key()),
    }
}

/// `ALL` and `default` are keywords of ASSUMEROLE; an ARN is a plain string literal (ASSUMEROLE
/// takes no expression, so no `chr(92)` splice). ARNs reach here validated: from the model
/// (config checks them) or from the catalog (rows whose ARN is not one are never revoked).
fn iam_role_sql(arn: &str) -> String {
    match arn {
        "ALL" => "ALL".to_owned(),
        "default" => "default".to_owned(),
        arn => format!("'{}'", arn.replace('\'', "''")),
    }
}

pub(crate) fn grantee_sql(g: &Grantee) -> String {
    match g {
        Grantee::Group(n) => format!("GROUP {}", quote_ident(n.as_str())),
        Grantee::Role(n) => format!("ROLE {}", quote_ident(n.as_str())),
        Grantee::User(n) => quote_ident(n.as_str()),
        Grantee::Public => "PUBLIC".to_owned(),
    }
}

fn privileges_sql(p: &[Privilege]) -> String {
    p.iter().map(|p| p.sql()).collect::<Vec<_>>().join(", ")
}

/// One change as one SQL statement, with its closing semicolon.
pub fn statement(change: &Change) -> String {
    match change {
        Change::CreateGroup { group } => format!("CREATE GROUP {};", quote_ident(group.as_str())),
        Change::AddMember { group, user } => format!(
            "ALTER GROUP {} ADD USER {};",
            quote_ident(group.as_str()),
            quote_ident(user.as_str())
        ),
        Change::DropMember { group, user } => format!(
            "ALTER GROUP {} DROP USER {};",
            quote_ident(group.as_str()),
            quote_ident(user.as_str())
        ),
        Change::Grant {
            privileges,
            object: object @ Object::IamRole(_),
            grantee,
        } => format!(
            "GRANT ASSUMEROLE{} TO {} FOR {};",
            object_sql(object),
            grantee_sql(grantee),
            privileges_sql(privileges)
        ),
        Change::Revoke {
            privileges,
            object: object @ Object::IamRole(_),
            grantee,
        } => format!(
            "REVOKE ASSUMEROLE{} FROM {} FOR {};",
            object_sql(object),
            grantee_sql(grantee),
            privileges_sql(privileges)
        ),
        Change::Grant {
            privileges,
            object,
            grantee,
        } => format!(
            "GRANT {}{} TO {};",
            privileges_sql(privileges),
            object_sql(object),
            grantee_sql(grantee)
        ),
        Change::Revoke {
            privileges,
            object,
            grantee,
        } => format!(
            "REVOKE {}{} FROM {};",
            privileges_sql(privileges),
            object_sql(object),
            grantee_sql(grantee)
        ),
    }
}

fn origin_text(o: &Origin) -> String {
    sanitize(&format!("{}:{} {}", o.file(), o.at, o.path()))
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
    for n in &plan.notes {
        out.push_str(&format!("-- note: {}\n", sanitize(n)));
    }
    if plan.is_empty() {
        out.push_str("-- nothing to change\n");
    }
    for step in &plan.steps {
        out.push('\n');
        for o in &step.origins {
            out.push_str(&format!("-- {}{}\n", verb(&step.change, o), origin_text(o)));
        }
        if let Some(why) = &step.why {
            out.push_str(&format!("-- {}\n", sanitize(why)));
        }
        out.push_str(&shown(statement(&step.change)));
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
        if let Some(o) = step.origins.first() {
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

fn object_json(change: &Change) -> Value {
    match change {
        Change::CreateGroup { group }
        | Change::AddMember { group, .. }
        | Change::DropMember { group, .. } => json!({"type": "group", "name": group}),
        Change::Grant { object, .. } | Change::Revoke { object, .. } => match object {
            Object::Database => json!({"type": "database"}),
            Object::IamRole(arn) => json!({"type": "iam_role", "arn": arn}),
            Object::Schema(s) => json!({"type": "schema", "schema": s}),
            Object::Model(m) => json!({"type": "model", "schema": m.schema, "model": m.model}),
        },
    }
}

fn grantee_json(change: &Change) -> Value {
    let g = match change {
        Change::AddMember { user, .. } | Change::DropMember { user, .. } => {
            return json!({"type": "user", "name": user});
        }
        Change::CreateGroup { .. } => return Value::Null,
        Change::Grant { grantee, .. } | Change::Revoke { grantee, .. } => grantee,
    };
    match g.name() {
        Some(n) => json!({"type": g.kind(), "name": n}),
        None => json!({"type": g.kind()}),
    }
}

fn step_json(step: &Step) -> Value {
    let privileges: Vec<String> = match &step.change {
        Change::Grant { privileges, .. } | Change::Revoke { privileges, .. } => privileges
            .iter()
            .map(|p| match p {
                Privilege::AssumeRole(c) => format!("ASSUMEROLE FOR {}", c.sql()),
                p => p.sql().to_owned(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let sources: Vec<Value> = step
        .origins
        .iter()
        .map(|o| json!({"file": o.file(), "line": o.at.line, "column": o.at.column, "rule": o.path()}))
        .collect();
    json!({
        "action": step.change.action(),
        "privileges": privileges,
        "object": object_json(&step.change),
        "grantee": grantee_json(&step.change),
        "sql": statement(&step.change),
        "reason": reason(step),
        "sources": sources,
    })
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
    if let Some(why) = &step.why {
        return why.clone();
    }
    let Some(first) = step.origins.first() else {
        return match &step.change {
            Change::CreateGroup { .. } => "the group is declared in the model".to_owned(),
            _ => "the model asks for it".to_owned(),
        };
    };
    let places: Vec<String> = step
        .origins
        .iter()
        .map(|o| format!("{} at {}:{}", o.path(), o.file(), o.at))
        .collect();
    let lead = match (&step.change, verb(&step.change, first)) {
        (Change::AddMember { .. }, _) => "listed in ",
        (_, "") => "required by ",
        (_, v) => v,
    };
    sanitize(&format!("{lead}{}", places.join("; ")))
}

/// The JSON document (schema version [`JSON_VERSION`], documented in the README).
pub fn json(plan: &Plan, command: &str, files: &[&str]) -> String {
    let doc = json!({
        "format": "mlgrant.plan",
        "version": JSON_VERSION,
        "command": command,
        "files": files,
        "summary": plan.counts(),
        "notes": plan.notes,
        "statements": plan.steps.iter().map(step_json).collect::<Vec<_>>(),
    });
    let mut doc = doc;
    if !plan.unverified.is_empty() {
        doc["unverified"] = plan.unverified.iter().map(step_json).collect();
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
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
