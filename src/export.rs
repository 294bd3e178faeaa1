//! export: writes a cluster's current ML access as a version 1 access model, so that a team can
//! adopt mlgrant on an existing cluster. Pure: catalog in, TOML text out.
//!
//! The rules are read back from the grants: a creator of S holds CREATE MODEL and CREATE and USAGE
//! on S; a consumer of S holds USAGE on S and EXECUTE on every model in S; a consumer of model M
//! holds USAGE on its schema and EXECUTE on M. Every group is declared, with its members. Whatever
//! a managed grantee holds that no rule expresses (USAGE alone, say) would be revoked by the next
//! sync, so such grantees are listed under `[policy] protect`, with a comment, for review.
//! The result is checked: planning it against the same catalog must give no change.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::config::{self, toml_key, toml_string};
use crate::diff::sync;
use crate::model::{Grant, Grantee, ModelName, Name, Object, Privilege, State};
use crate::text::sanitize;

/// Why a cluster could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the exported model does not pass its own checks:\n{0}")]
    Invalid(String),
    #[error("the exported model would still change the cluster:\n{0}")]
    NotStable(String),
}

fn reference(g: &Grantee) -> String {
    match g {
        Grantee::Group(n) => n.as_str().to_owned(),
        Grantee::User(n) => format!("user:{n}"),
        Grantee::Role(n) => format!("role:{n}"),
        Grantee::Public => "public".to_owned(),
    }
}

fn list(grantees: &BTreeSet<&Grantee>) -> String {
    let items: Vec<String> = grantees
        .iter()
        .map(|g| toml_string(&reference(g)))
        .collect();
    format!("[{}]", items.join(", "))
}

/// The access model that describes `cluster`, as TOML. `source` names the cluster in the header.
pub fn export(cluster: &State, source: &str) -> Result<String, ExportError> {
    let exemptions = cluster.exemptions();
    let grants: BTreeSet<&Grant> = cluster
        .grants
        .keys()
        .filter(|g| !exemptions.covers(g))
        .collect();
    let holders = |object: &Object, privilege: Privilege| -> BTreeSet<&Grantee> {
        grants
            .iter()
            .filter(|g| &g.object == object && g.privilege == privilege)
            .map(|g| &g.grantee)
            .collect()
    };
    let create_model = holders(&Object::Database, Privilege::CreateModel);
    let mut models_by_schema: BTreeMap<&Name, Vec<&ModelName>> = BTreeMap::new();
    for m in cluster.models.keys() {
        models_by_schema.entry(&m.schema).or_default().push(m);
    }

    let mut schema_sections = String::new();
    let mut model_sections = String::new();
    for schema in cluster.schemas.keys() {
        let object = Object::Schema(schema.clone());
        let create = holders(&object, Privilege::Create);
        let usage = holders(&object, Privilege::Usage);
        let creators: BTreeSet<&Grantee> = create
            .iter()
            .filter(|g| usage.contains(*g) && create_model.contains(*g))
            .copied()
            .collect();
        let models = models_by_schema.get(schema).cloned().unwrap_or_default();
        let executes: BTreeMap<&ModelName, BTreeSet<&Grantee>> = models
            .iter()
            .map(|m| {
                (
                    *m,
                    holders(&Object::Model((*m).clone()), Privilege::Execute),
                )
            })
            .collect();
        let consumers: BTreeSet<&Grantee> = if models.is_empty() {
            BTreeSet::new()
        } else {
            usage
                .iter()
                .filter(|g| executes.values().all(|e| e.contains(*g)))
                .copied()
                .collect()
        };
        if !creators.is_empty() || !consumers.is_empty() {
            let _ = writeln!(schema_sections, "[schemas.{}]", toml_key(schema.as_str()));
            if !creators.is_empty() {
                let _ = writeln!(schema_sections, "creators = {}", list(&creators));
            }
            if !consumers.is_empty() {
                let _ = writeln!(schema_sections, "consumers = {}", list(&consumers));
            }
            schema_sections.push('\n');
        }
        for (m, execute) in &executes {
            let own: BTreeSet<&Grantee> = execute
                .iter()
                .filter(|g| usage.contains(*g) && !consumers.contains(*g))
                .copied()
                .collect();
            if !own.is_empty() {
                let _ = writeln!(
                    model_sections,
                    "[models.{}]\nconsumers = {}\n",
                    toml_key(&m.key()),
                    list(&own)
                );
            }
        }
    }

    let mut groups = String::new();
    for (group, state) in &cluster.groups {
        let _ = writeln!(groups, "[groups.{}]", toml_key(group.as_str()));
        let members: Vec<String> = state
            .members
            .iter()
            .flat_map(|m| m.keys())
            .map(|u| toml_string(u.as_str()))
            .collect();
        let _ = writeln!(groups, "members = [{}]\n", members.join(", "));
    }

    let header = format!(
        "# Exported by mlgrant {} from {}.\n# Review before use: `mlgrant plan` against the same cluster shows no change.\nversion = 1\n\n",
        env!("CARGO_PKG_VERSION"),
        sanitize(source)
    );
    let body = format!("{groups}{schema_sections}{model_sections}");
    let text = format!("{header}{body}");

    // What a sync would still revoke: protect those grantees, for review.
    let model =
        config::parse("exported model", &text).map_err(|e| ExportError::Invalid(e.to_string()))?;
    let plan = sync(&model, cluster).map_err(|e| ExportError::Invalid(e.to_string()))?;
    let mut protect: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for step in &plan.steps {
        if let crate::plan::Change::Revoke {
            privileges,
            object,
            grantee,
        } = &step.change
        {
            let what = privileges
                .iter()
                .map(|p| p.sql())
                .collect::<Vec<_>>()
                .join(", ");
            let on = match object {
                Object::Database => String::new(),
                Object::IamRole(arn) => format!(" on IAM role {arn}"),
                Object::Schema(s) => format!(" on schema {s}"),
                Object::Model(m) => format!(" on model {m}"),
            };
            protect
                .entry(pattern_for(grantee))
                .or_default()
                .push(format!("{what}{on}"));
        }
    }
    let text = if protect.is_empty() {
        text
    } else {
        let mut policy = String::from(
            "[policy]\n# These grantees hold ML privileges that no rule of this format expresses; protected so that\n# a sync never revokes them. Review, then remove them from this list to let mlgrant manage them.\nprotect = [\n",
        );
        for (pattern, held) in &protect {
            let _ = writeln!(
                policy,
                "  {}, # holds {}",
                toml_string(pattern),
                sanitize(&held.join("; "))
            );
        }
        policy.push_str("]\n");
        format!("{text}{policy}")
    };
    let model =
        config::parse("exported model", &text).map_err(|e| ExportError::Invalid(e.to_string()))?;
    let plan = sync(&model, cluster).map_err(|e| ExportError::Invalid(e.to_string()))?;
    if !plan.is_empty() {
        let lines: Vec<String> = plan
            .steps
            .iter()
            .map(|s| format!("  {}", crate::render::statement(&s.change)))
            .collect();
        return Err(ExportError::NotStable(lines.join("\n")));
    }
    Ok(text)
}

/// A protect pattern that matches exactly one grantee: glob characters in its name would widen
/// it, so such names are matched with `?` in their place (still exact enough for review).
fn pattern_for(g: &Grantee) -> String {
    let escape = |n: &Name| n.as_str().replace(['*', '?'], "?");
    match g {
        Grantee::Group(n) => format!("group:{}", escape(n)),
        Grantee::User(n) => format!("user:{}", escape(n)),
        Grantee::Role(n) => format!("role:{}", escape(n)),
        Grantee::Public => "public".to_owned(),
    }
}
