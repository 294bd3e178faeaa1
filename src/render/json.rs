//! The plan as the versioned JSON document (`"format": "mlgrant.plan"`) documented in the
//! README: every statement that runs, with the steps it carries as its `parts`.
//!
//! Written straight from borrowed structs (no `serde_json::Value` tree): a plan of 100,000
//! changes is written without a map per field.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ChangeSql, JSON_VERSION, MergedSql, Reason};
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

/// A `Display` written as a JSON string, straight into the document (serde_json escapes it as
/// it is written): no string of its own per value.
struct Shown<T>(T);

impl<T: std::fmt::Display> Serialize for Shown<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
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
    until: Option<Shown<&'a crate::model::Instant>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until_reason: Option<&'a str>,
}

impl<'a> SourceDoc<'a> {
    fn of(o: &'a Origin) -> SourceDoc<'a> {
        SourceDoc {
            file: o.file(),
            line: o.at.line,
            column: o.at.column,
            rule: o.path(),
            until: o.until().map(|u| Shown(&u.at)),
            until_reason: o.until().and_then(|u| u.reason.as_deref()),
        }
    }
}

/// A step's sources, written from its own list (no copy per step).
struct Sources<'a>(&'a [Origin]);

impl Serialize for Sources<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(SourceDoc::of))
    }
}

/// Privileges as the document spells them: `EXECUTE`, `ASSUMEROLE FOR COPY`.
struct Privileges<'a>(&'a [Privilege]);

impl Serialize for Privileges<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|&p| PrivilegeDoc(p)))
    }
}

struct PrivilegeDoc(Privilege);

impl Serialize for PrivilegeDoc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Privilege::AssumeRole(c) => {
                serializer.collect_str(&format_args!("ASSUMEROLE FOR {}", c.sql()))
            }
            p => serializer.serialize_str(p.sql()),
        }
    }
}

/// One step: its action, privileges, object, grantee, its statement alone, reason and sources.
#[derive(Serialize)]
struct StepDoc<'a> {
    action: &'static str,
    privileges: Privileges<'a>,
    object: ObjectDoc<'a>,
    grantee: Option<GranteeDoc<'a>>,
    sql: Shown<ChangeSql<'a>>,
    reason: Text,
    sources: Sources<'a>,
}

/// A text written once and shared by the parts that give the same reason.
struct Text(std::rc::Rc<str>);

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'a> StepDoc<'a> {
    fn of(step: &'a Step) -> StepDoc<'a> {
        StepDoc::with_reason(step, Reason(step).to_string().into())
    }

    fn with_reason(step: &'a Step, reason: std::rc::Rc<str>) -> StepDoc<'a> {
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
            } => (&p[..], ObjectDoc::of(object), Some(GranteeDoc::of(grantee))),
            Change::CreateGroup { group } => (&[][..], ObjectDoc::Group { name: group }, None),
            Change::AddMember { group, user } | Change::DropMember { group, user } => (
                &[][..],
                ObjectDoc::Group { name: group },
                Some(GranteeDoc::user(user)),
            ),
        };
        StepDoc {
            action: step.change.action(),
            privileges: Privileges(privileges),
            object,
            grantee,
            sql: Shown(ChangeSql(&step.change)),
            reason: Text(reason),
            sources: Sources(&step.origins),
        }
    }
}

/// One statement: what runs (action, privileges, objects, grantees, sql), the reasons and
/// sources of all its parts, and the parts themselves.
#[derive(Serialize)]
struct StatementDoc<'a> {
    action: &'static str,
    privileges: Privileges<'a>,
    objects: Vec<ObjectDoc<'a>>,
    grantees: Vec<GranteeDoc<'a>>,
    sql: Shown<MergedSql<'a>>,
    reason: String,
    sources: Vec<SourceDoc<'a>>,
    parts: Vec<StepDoc<'a>>,
}

/// The parts of a statement, each with its reason, and the statement's reason: its parts'
/// reasons, each once, in order, joined by `; `. A reason is written once for a run of parts
/// that give the same one (a thousand parts of one statement mostly do) and shared by them.
fn parts_and_reason<'a>(steps: impl Iterator<Item = &'a Step>) -> (Vec<StepDoc<'a>>, String) {
    let mut seen: crate::model::FastSet<std::rc::Rc<str>> = Default::default();
    let mut joined = String::new();
    let mut last: Option<(&Step, std::rc::Rc<str>)> = None;
    let parts = steps
        .map(|step| {
            // A step of the same kind as the one before, with the same origins and
            // explanation, has the same reason.
            let reason = match &last {
                Some((l, reason))
                    if std::mem::discriminant(&l.change)
                        == std::mem::discriminant(&step.change)
                        && l.why == step.why
                        && l.origins == step.origins =>
                {
                    reason.clone()
                }
                _ => {
                    let reason: std::rc::Rc<str> = Reason(step).to_string().into();
                    if seen.insert(reason.clone()) {
                        if seen.len() > 1 {
                            joined.push_str("; ");
                        }
                        joined.push_str(&reason);
                    }
                    last = Some((step, reason.clone()));
                    reason
                }
            };
            StepDoc::with_reason(step, reason)
        })
        .collect();
    (parts, joined)
}

fn statement_doc<'a>(plan: &'a Plan, st: &'a Statement) -> StatementDoc<'a> {
    let (privileges, objects, grantees) = match &st.merged {
        Merged::CreateGroup { group } => {
            (&[][..], vec![ObjectDoc::Group { name: group }], Vec::new())
        }
        Merged::Members { group, users, .. } => (
            &[][..],
            vec![ObjectDoc::Group { name: group }],
            users.iter().map(GranteeDoc::user).collect(),
        ),
        Merged::Privileges {
            privileges: p,
            objects,
            grantees,
            ..
        } => (
            &p[..],
            objects.iter().map(ObjectDoc::of).collect(),
            grantees.iter().map(GranteeDoc::of).collect(),
        ),
    };
    let steps = || st.parts.iter().map(|&i| &plan.steps[i]);
    // Each source once; a part's sources are mostly its neighbour's, told apart cheaply.
    let mut seen = crate::model::FastSet::default();
    let mut last: Option<&Origin> = None;
    let sources = steps()
        .flat_map(|s| &s.origins)
        .filter(|&o| {
            if last == Some(o) {
                return false;
            }
            last = Some(o);
            seen.insert(o)
        })
        .map(SourceDoc::of)
        .collect();
    let (parts, reason) = parts_and_reason(steps());
    StatementDoc {
        action: steps().next().map_or("", |s| s.change.action()),
        privileges: Privileges(privileges),
        objects,
        grantees,
        sql: Shown(MergedSql(&st.merged)),
        reason,
        sources,
        parts,
    }
}

/// The plan's statements, each made as it is written: only one statement's texts at a time.
struct Statements<'a>(&'a Plan);

impl Serialize for Statements<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let plan = self.0;
        serializer.collect_seq(plan.statements.iter().map(|st| statement_doc(plan, st)))
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
