//! The plan as the versioned JSON document (`"format": "mlgrant.plan"`) documented in the
//! README: every statement that runs, with the steps it carries as its `parts`.

use serde_json::{Value, json};

use super::{JSON_VERSION, merged, reason, statement};
use crate::model::{Grantee, Object, Origin, Privilege};
use crate::plan::{Change, Merged, Plan, Statement, Step};

fn object_json(object: &Object) -> Value {
    match object {
        Object::Database => json!({"type": "database"}),
        Object::IamRole(arn) => json!({"type": "iam_role", "arn": arn}),
        Object::Schema(s) => json!({"type": "schema", "schema": s}),
        Object::Model(m) => json!({"type": "model", "schema": m.schema, "model": m.model}),
    }
}

fn grantee_json(g: &Grantee) -> Value {
    match g.name() {
        Some(n) => json!({"type": g.kind(), "name": n}),
        None => json!({"type": g.kind()}),
    }
}

fn privileges_json(privileges: &[Privilege]) -> Vec<String> {
    privileges
        .iter()
        .map(|p| match p {
            Privilege::AssumeRole(c) => format!("ASSUMEROLE FOR {}", c.sql()),
            p => p.sql().to_owned(),
        })
        .collect()
}

fn sources_json(origins: &[Origin]) -> Vec<Value> {
    origins
        .iter()
        .map(|o| json!({"file": o.file(), "line": o.at.line, "column": o.at.column, "rule": o.path()}))
        .collect()
}

/// One step: its action, privileges, object, grantee, its statement alone, reason and sources.
fn step_json(step: &Step) -> Value {
    let (privileges, object, grantee) = match &step.change {
        Change::Grant {
            privileges,
            object,
            grantee,
        }
        | Change::Revoke {
            privileges,
            object,
            grantee,
        } => (
            privileges_json(privileges),
            object_json(object),
            grantee_json(grantee),
        ),
        Change::CreateGroup { group } => (
            Vec::new(),
            json!({"type": "group", "name": group}),
            Value::Null,
        ),
        Change::AddMember { group, user } | Change::DropMember { group, user } => (
            Vec::new(),
            json!({"type": "group", "name": group}),
            json!({"type": "user", "name": user}),
        ),
    };
    json!({
        "action": step.change.action(),
        "privileges": privileges,
        "object": object,
        "grantee": grantee,
        "sql": statement(&step.change),
        "reason": reason(step),
        "sources": sources_json(&step.origins),
    })
}

/// One statement: what runs (action, privileges, objects, grantees, sql), the reasons and
/// sources of all its parts, and the parts themselves.
fn statement_json(plan: &Plan, st: &Statement) -> Value {
    let parts: Vec<&Step> = st.parts.iter().map(|&i| &plan.steps[i]).collect();
    let (privileges, objects, grantees) = match &st.merged {
        Merged::CreateGroup { group } => (
            Vec::new(),
            vec![json!({"type": "group", "name": group})],
            Vec::new(),
        ),
        Merged::Members { group, users, .. } => (
            Vec::new(),
            vec![json!({"type": "group", "name": group})],
            users
                .iter()
                .map(|u| json!({"type": "user", "name": u}))
                .collect(),
        ),
        Merged::Privileges {
            privileges,
            objects,
            grantees,
            ..
        } => (
            privileges_json(privileges),
            objects.iter().map(object_json).collect(),
            grantees.iter().map(grantee_json).collect(),
        ),
    };
    use std::collections::HashSet;
    let (mut reasons, mut seen) = (Vec::new(), HashSet::new());
    let (mut sources, mut seen_sources) = (Vec::new(), HashSet::new());
    for p in &parts {
        let r = reason(p);
        if seen.insert(r.clone()) {
            reasons.push(r);
        }
        for o in &p.origins {
            if seen_sources.insert(o) {
                sources.push(o.clone());
            }
        }
    }
    json!({
        "action": parts.first().map_or("", |p| p.change.action()),
        "privileges": privileges,
        "objects": objects,
        "grantees": grantees,
        "sql": merged(&st.merged),
        "reason": reasons.join("; "),
        "sources": sources_json(&sources),
        "parts": parts.iter().map(|p| step_json(p)).collect::<Vec<_>>(),
    })
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
        "changes": plan.steps.len(),
        "statements": plan
            .statements
            .iter()
            .map(|st| statement_json(plan, st))
            .collect::<Vec<_>>(),
    });
    let mut doc = doc;
    if !plan.unverified.is_empty() {
        doc["unverified"] = plan.unverified.iter().map(step_json).collect();
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

