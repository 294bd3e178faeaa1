//! The plan as the versioned JSON document (`"format": "mlgrant.plan"`) documented in the
//! README: every statement that runs, with the steps it carries as its `parts`.
//!
//! Written straight from borrowed structs (no `serde_json::Value` tree): a plan of 100,000
//! changes is written without a map per field.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use super::{JSON_VERSION, merged, reason, statement};
use crate::model::{Grantee, GranteeKind, Name, Object, Origin, Privilege};
use crate::plan::{Change, Merged, Plan, Statement, Step};

/// An object: `{"type": "model", "schema": ..., "model": ...}` and the like.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ObjectDoc<'a> {
    Database,
    IamRole { arn: &'a str },
    Schema { schema: &'a Name },
    Model { schema: &'a Name, model: &'a Name },
    Group { name: &'a Name },
}

impl<'a> ObjectDoc<'a> {
    fn of(object: &'a Object) -> ObjectDoc<'a> {
        match object {
            Object::Database => ObjectDoc::Database,
            Object::IamRole(arn) => ObjectDoc::IamRole { arn: arn.as_str() },
            Object::Schema(schema) => ObjectDoc::Schema { schema },
            Object::Model(m) => ObjectDoc::Model {
                schema: &m.schema,
                model: &m.model,
            },
        }
    }
}

/// A grantee: `{"type": "group", "name": ...}`, or `{"type": "public"}`.
#[derive(Serialize)]
struct GranteeDoc<'a> {
    #[serde(rename = "type")]
    kind: GranteeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a Name>,
}

impl<'a> GranteeDoc<'a> {
    fn of(g: &'a Grantee) -> GranteeDoc<'a> {
        GranteeDoc {
            kind: g.kind(),
            name: g.name(),
        }
    }

    fn user(name: &'a Name) -> GranteeDoc<'a> {
        GranteeDoc {
            kind: GranteeKind::User,
            name: Some(name),
        }
    }
}

#[derive(Serialize)]
struct SourceDoc<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    rule: &'a str,
    /// An expiring entry's end (`2027-01-31T00:00:00Z`) and reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until_reason: Option<&'a str>,
}

fn sources<'a>(origins: impl IntoIterator<Item = &'a Origin>) -> Vec<SourceDoc<'a>> {
    origins
        .into_iter()
        .map(|o| SourceDoc {
            file: o.file(),
            line: o.at.line,
            column: o.at.column,
            rule: o.path(),
            until: o.until().map(|u| u.at.to_string()),
            until_reason: o.until().and_then(|u| u.reason.as_deref()),
        })
        .collect()
}

fn privileges(privileges: &[Privilege]) -> Vec<Cow<'static, str>> {
    privileges
        .iter()
        .map(|p| match p {
            Privilege::AssumeRole(c) => Cow::Owned(format!("ASSUMEROLE FOR {}", c.sql())),
            p => Cow::Borrowed(p.sql()),
        })
        .collect()
}

/// One step: its action, privileges, object, grantee, its statement alone, reason and sources.
#[derive(Serialize)]
struct StepDoc<'a> {
    action: &'static str,
    privileges: Vec<Cow<'static, str>>,
    object: ObjectDoc<'a>,
    grantee: Option<GranteeDoc<'a>>,
    sql: String,
    reason: String,
    sources: Vec<SourceDoc<'a>>,
}

impl<'a> StepDoc<'a> {
    fn of(step: &'a Step) -> StepDoc<'a> {
        let (privileges, object, grantee) = match &step.change {
            Change::Grant {
                privileges: p,
                object,
                grantee,
            }
            | Change::Revoke {
                privileges: p,
                object,
                grantee,
            } => (
                privileges(p),
                ObjectDoc::of(object),
                Some(GranteeDoc::of(grantee)),
            ),
            Change::CreateGroup { group } => (Vec::new(), ObjectDoc::Group { name: group }, None),
            Change::AddMember { group, user } | Change::DropMember { group, user } => (
                Vec::new(),
                ObjectDoc::Group { name: group },
                Some(GranteeDoc::user(user)),
            ),
        };
        StepDoc {
            action: step.change.action(),
            privileges,
            object,
            grantee,
            sql: statement(&step.change),
            reason: reason(step),
            sources: sources(&step.origins),
        }
    }
}

/// One statement: what runs (action, privileges, objects, grantees, sql), the reasons and
/// sources of all its parts, and the parts themselves.
#[derive(Serialize)]
struct StatementDoc<'a> {
    action: &'static str,
    privileges: Vec<Cow<'static, str>>,
    objects: Vec<ObjectDoc<'a>>,
    grantees: Vec<GranteeDoc<'a>>,
    sql: String,
    reason: String,
    sources: Vec<SourceDoc<'a>>,
    parts: Vec<StepDoc<'a>>,
}

impl<'a> StatementDoc<'a> {
    fn of(plan: &'a Plan, st: &'a Statement) -> StatementDoc<'a> {
        let parts: Vec<&Step> = st.parts.iter().map(|&i| &plan.steps[i]).collect();
        let (privileges, objects, grantees) = match &st.merged {
            Merged::CreateGroup { group } => (
                Vec::new(),
                vec![ObjectDoc::Group { name: group }],
                Vec::new(),
            ),
            Merged::Members { group, users, .. } => (
                Vec::new(),
                vec![ObjectDoc::Group { name: group }],
                users.iter().map(GranteeDoc::user).collect(),
            ),
            Merged::Privileges {
                privileges: p,
                objects,
                grantees,
                ..
            } => (
                privileges(p),
                objects.iter().map(ObjectDoc::of).collect(),
                grantees.iter().map(GranteeDoc::of).collect(),
            ),
        };
        let parts: Vec<StepDoc> = parts.into_iter().map(StepDoc::of).collect();
        let mut seen = crate::model::FastSet::default();
        let reasons: Vec<&str> = parts
            .iter()
            .map(|p| p.reason.as_str())
            .filter(|r| seen.insert(*r))
            .collect();
        let mut seen = crate::model::FastSet::default();
        let origins = st
            .parts
            .iter()
            .flat_map(|&i| &plan.steps[i].origins)
            .filter(|o| seen.insert(*o));
        StatementDoc {
            action: parts.first().map_or("", |p| p.action),
            privileges,
            objects,
            grantees,
            sql: merged(&st.merged),
            reason: reasons.join("; "),
            sources: sources(origins),
            parts,
        }
    }
}

/// The plan's statements, each made as it is written: only one statement's texts at a time.
struct Statements<'a>(&'a Plan);

impl Serialize for Statements<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let plan = self.0;
        serializer.collect_seq(plan.statements.iter().map(|st| StatementDoc::of(plan, st)))
    }
}

#[derive(Serialize)]
struct PlanDoc<'a> {
    format: &'static str,
    version: u32,
    command: &'a str,
    files: &'a [&'a str],
    /// The time expiring entries were judged at (only for a model that has any).
    #[serde(skip_serializing_if = "Option::is_none")]
    as_of: Option<String>,
    summary: BTreeMap<&'static str, usize>,
    notes: &'a [String],
    warnings: Vec<WarningDoc>,
    changes: usize,
    statements: Statements<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unverified: Vec<StepDoc<'a>>,
}

/// A warning: where it stands in the model file (`file`, `line`, `column`, null for one the
/// statements call for) and what it says.
#[derive(Serialize)]
struct WarningDoc {
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
}

/// The JSON document (schema version [`JSON_VERSION`], documented in docs/output.md).
pub fn json(plan: &Plan, command: &str, files: &[&str]) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_json(&mut out, plan, command, files);
    String::from_utf8(out).unwrap_or_default()
}

/// The same document written to `w` as it is made: a plan of 100,000 changes goes out without
/// its 80 MB text ever being held.
pub fn write_json(
    mut w: impl std::io::Write,
    plan: &Plan,
    command: &str,
    files: &[&str],
) -> std::io::Result<()> {
    let doc = PlanDoc {
        format: "mlgrant.plan",
        version: JSON_VERSION,
        command,
        files,
        as_of: plan.as_of.map(|t| t.to_string()),
        summary: plan.counts(),
        notes: &plan.notes,
        warnings: super::warnings(plan)
            .into_iter()
            .map(|w| WarningDoc {
                file: w.at.map(|_| w.file.clone()),
                line: w.at.map(|a| a.line as usize),
                column: w.at.map(|a| a.column as usize),
                message: w.message,
            })
            .collect(),
        changes: plan.steps.len(),
        statements: Statements(plan),
        unverified: plan.unverified.iter().map(StepDoc::of).collect(),
    };
    crate::text::write_pretty(&mut w, &doc)?;
    w.write_all(b"\n")
}
