//! export: writes a cluster's current ML access as a version 1 access model, so that a team can
//! adopt mlgrant on an existing cluster. Pure: catalog in, TOML text out.
//!
//! The rules are read back from the grants: a creator of S holds CREATE MODEL and CREATE and USAGE
//! on S; a consumer of S holds USAGE on S and EXECUTE on every model in S; a consumer of model M
//! holds USAGE on its schema and EXECUTE on M. Every group is declared, with its members. Every
//! privilege on what the exported model manages that no rule expresses (USAGE alone, CREATE MODEL
//! alone, a stray EXECUTE) is listed under `[policy] protect` with what its holder holds, so that
//! nothing is left out and a sync never revokes it (protect is per grantee: version 1 has no
//! narrower scope). The result is checked: planning it against the same catalog must give no
//! change. Work is linear in the catalog: grants are indexed once by object and privilege.
//!
//! A login that cannot see every grant and every model cannot export a model that describes the
//! cluster: export refuses, unless asked for a partial export, whose header says so and whose
//! `[policy] mode = "grant-only"` keeps any sync of it from revoking anything.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use crate::compile::compile_with_models;
use crate::config::{self, toml_key, toml_string};
use crate::diff::{Fence, sync};
use crate::model::{Grant, Grantee, ModelName, Name, Object, Privilege, State, quote_ident};
use crate::text::sanitize;

/// Why a cluster could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the exported model does not pass its own checks:\n{0}")]
    Invalid(String),
    #[error("the exported model would still change the cluster:\n{0}")]
    NotStable(String),
    #[error(
        "{login} cannot see {what}, so an export would describe only part of the cluster and a sync of it would revoke what this login cannot see; export as a superuser, or pass --partial for a grant-only model that says it is partial"
    )]
    Partial { login: String, what: String },
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
/// `partial` allows a login that cannot see everything (see the module's comment).
pub fn export(cluster: &State, source: &str, partial: bool) -> Result<String, ExportError> {
    let (login, sees_all, sees_all_models) = cluster
        .cluster
        .as_ref()
        .map_or((String::new(), true, true), |i| {
            (i.current_user.clone(), i.sees_all, i.sees_all_models)
        });
    let hidden = match (sees_all, sees_all_models) {
        (true, true) => None,
        (false, _) => Some("every grant (it is not a superuser and lacks ACCESS SYSTEM TABLE)"),
        (true, false) => Some(
            "every model (svv_ml_model_info shows a login that is not a superuser only its own models)",
        ),
    };
    if let (Some(what), false) = (hidden, partial) {
        return Err(ExportError::Partial {
            login: sanitize(&login),
            what: what.to_owned(),
        });
    }
    let exemptions = cluster.exemptions();
    // Holders of each privilege on each object, indexed once.
    let mut create_model: BTreeSet<&Grantee> = BTreeSet::new();
    let mut on_schema: HashMap<(&Name, Privilege), BTreeSet<&Grantee>> = HashMap::new();
    let mut on_model: HashMap<&ModelName, BTreeSet<&Grantee>> = HashMap::new();
    for g in cluster.grants.keys().filter(|g| !exemptions.covers(g)) {
        match (&g.object, g.privilege) {
            (Object::Database, Privilege::CreateModel) => {
                create_model.insert(&g.grantee);
            }
            (Object::Schema(s), p) => {
                on_schema.entry((s, p)).or_default().insert(&g.grantee);
            }
            (Object::Model(m), Privilege::Execute) => {
                on_model.entry(m).or_default().insert(&g.grantee);
            }
            _ => {}
        }
    }
    let empty = BTreeSet::new();
    let mut models_by_schema: BTreeMap<&Name, Vec<&ModelName>> = BTreeMap::new();
    for m in cluster.models.keys() {
        models_by_schema.entry(&m.schema).or_default().push(m);
    }

    let mut schema_sections = String::new();
    let mut model_sections = String::new();
    for schema in cluster.schemas.keys() {
        let create = on_schema
            .get(&(schema, Privilege::Create))
            .unwrap_or(&empty);
        let usage = on_schema.get(&(schema, Privilege::Usage)).unwrap_or(&empty);
        let creators: BTreeSet<&Grantee> = create
            .iter()
            .filter(|g| usage.contains(*g) && create_model.contains(*g))
            .copied()
            .collect();
        let models = models_by_schema.get(schema).cloned().unwrap_or_default();
        let executes: BTreeMap<&ModelName, BTreeSet<&Grantee>> = models
            .iter()
            .map(|m| (*m, on_model.get(*m).unwrap_or(&empty).clone()))
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

    let header = match hidden {
        None => format!(
            "# Exported by mlgrant {} from {}.\n# Review before use: `mlgrant plan` against the same cluster shows no change.\nversion = 1\n\n",
            env!("CARGO_PKG_VERSION"),
            sanitize(source)
        ),
        Some(what) => format!(
            "# PARTIAL export by mlgrant {} from {}: {} cannot see {what}.\n# This model describes only what that login sees; it is grant-only, so a sync of it revokes nothing.\nversion = 1\n\n",
            env!("CARGO_PKG_VERSION"),
            sanitize(source),
            sanitize(&login)
        ),
    };
    let body = format!("{groups}{schema_sections}{model_sections}");
    let text = format!("{header}{body}");

    // Every privilege on what the model manages that no rule expresses: protect its holder.
    let model =
        config::parse("exported model", &text).map_err(|e| ExportError::Invalid(e.to_string()))?;
    let existing: BTreeSet<ModelName> = cluster.models.keys().cloned().collect();
    let desired = compile_with_models(&model, &existing);
    let fence = Fence::of(&model);
    let mut protect: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unexpressed: Vec<&Grant> = cluster
        .grants
        .keys()
        .filter(|g| {
            !exemptions.covers(g)
                && !fence.is_system(&g.grantee)
                && fence.manages_object(g)
                && !desired.grants.contains_key(g)
        })
        .collect();
    unexpressed.sort();
    for g in unexpressed {
        let on = match &g.object {
            Object::Database => String::new(),
            Object::IamRole(arn) => format!(" on IAM role {arn}"),
            Object::Schema(s) => format!(" on schema {}", quote_ident(s.as_str())),
            Object::Model(m) => format!(" on model {}", m.key()),
        };
        protect
            .entry(pattern_for(&g.grantee))
            .or_default()
            .push(format!("{}{on}", g.privilege.sql()));
    }
    let mut policy = String::new();
    if hidden.is_some() {
        policy.push_str("mode = \"grant-only\"\n");
    }
    if !protect.is_empty() {
        policy.push_str(
            "# These grantees hold ML privileges that no rule of this format expresses; protected so that\n# a sync never revokes them. Review, then remove them from this list to let mlgrant manage them.\nprotect = [\n",
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
    }
    let text = if policy.is_empty() {
        text
    } else {
        format!("{text}[policy]\n{policy}")
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
