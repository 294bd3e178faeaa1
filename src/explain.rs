//! explain: who can run a model and why, or what a grantee can create and run and why. Offline,
//! from the access model (each grantee with its rule and place in the file); with a cluster,
//! from its grants, expanded through group membership and (nested) roles, with PUBLIC, the owner
//! and superusers: each user at the end of the path that gives the right. Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::compile::compile_with_models;
use crate::config::AccessModel;
use crate::model::{Grant, Grantee, ModelName, Name, Object, Privilege, State, quote_ident};

/// One way a right reaches someone.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Path {
    /// Who ends up with the right (a grantee reference: `group`, `user:NAME`, `role:NAME`,
    /// `public`).
    pub who: String,
    /// The right, as SQL names it (`EXECUTE ON MODEL s.m`, `CREATE MODEL`, ...).
    pub right: String,
    /// How: the rule and place in the file, or the chain of grants and memberships.
    pub why: String,
}

fn reference(g: &Grantee) -> String {
    match g {
        Grantee::Group(n) => format!("group:{}", quote_ident(n.as_str())),
        Grantee::User(n) => format!("user:{}", quote_ident(n.as_str())),
        Grantee::Role(n) => format!("role:{}", quote_ident(n.as_str())),
        Grantee::Public => "public".to_owned(),
    }
}

fn right(g: &Grant) -> String {
    g.right()
}

/// What the model grants, each with the rules that require it.
fn from_model(model: &AccessModel, extra: Option<&ModelName>) -> Vec<(Grant, String)> {
    let mut models: BTreeSet<ModelName> = model.models.keys().cloned().collect();
    models.extend(extra.cloned());
    let state = compile_with_models(model, &models);
    let mut out: Vec<(Grant, String)> = state
        .grants
        .iter()
        .map(|(g, origins)| {
            let why = origins
                .iter()
                .map(|o| format!("{} at {}:{}", o.path(), o.file(), o.at))
                .collect::<Vec<_>>()
                .join("; ");
            (g.clone(), format!("required by {why}"))
        })
        .collect();
    out.sort();
    out
}

/// The roles a user holds, nested ones included, each with the chain that gives it.
fn roles_of(state: &State, user: &Name) -> BTreeMap<Name, String> {
    let Some(inv) = &state.cluster else {
        return BTreeMap::new();
    };
    let mut found: BTreeMap<Name, String> = BTreeMap::new();
    let mut todo: Vec<(Name, String)> = inv
        .user_roles
        .get(user)
        .into_iter()
        .flatten()
        .map(|r| (r.clone(), format!("holds role {}", quote_ident(r.as_str()))))
        .collect();
    while let Some((role, chain)) = todo.pop() {
        if found.contains_key(&role) {
            continue;
        }
        for inner in inv.role_roles.get(&role).into_iter().flatten() {
            todo.push((
                inner.clone(),
                format!("{chain}, which holds role {}", quote_ident(inner.as_str())),
            ));
        }
        found.insert(role, chain);
    }
    found
}

/// Every user's paths to the rights in `grants` (held on a cluster).
fn user_paths(state: &State, wanted: impl Fn(&Grant) -> bool) -> Vec<Path> {
    let Some(inv) = &state.cluster else {
        return Vec::new();
    };
    let held: Vec<&Grant> = state.grants.keys().filter(|g| wanted(g)).collect();
    let mut out = Vec::new();
    for (user, superuser) in &inv.users {
        let who = reference(&Grantee::User(user.clone()));
        if *superuser {
            out.push(Path {
                who: who.clone(),
                right: "every right".to_owned(),
                why: "a superuser".to_owned(),
            });
            continue;
        }
        let roles = roles_of(state, user);
        for g in &held {
            let why = match &g.grantee {
                Grantee::User(u) if u == user => Some("granted directly".to_owned()),
                Grantee::Public => Some("granted to PUBLIC".to_owned()),
                Grantee::Group(group) => state
                    .groups
                    .get(group)
                    .and_then(|gs| gs.members.as_ref())
                    .filter(|m| m.contains_key(user))
                    .map(|_| format!("member of group {}", quote_ident(group.as_str()))),
                Grantee::Role(role) => roles
                    .get(role)
                    .map(|chain| format!("{chain}, granted the right")),
                _ => None,
            };
            if let Some(why) = why {
                out.push(Path {
                    who: who.clone(),
                    right: right(g),
                    why,
                });
            }
        }
    }
    for (m, owner) in &state.models {
        if let Some(owner) = owner
            && wanted(&Grant::execute(m.clone(), Grantee::User(owner.clone())))
        {
            out.push(Path {
                who: reference(&Grantee::User(owner.clone())),
                right: format!("EXECUTE ON MODEL {}", m.key()),
                why: "owns the model".to_owned(),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Who can run `model`, and why.
pub fn model(
    access: Option<&AccessModel>,
    cluster: Option<&State>,
    model: &ModelName,
) -> Vec<Path> {
    let on =
        |g: &Grant| g.object == Object::Model(model.clone()) && g.privilege == Privilege::Execute;
    match (cluster, access) {
        (Some(state), _) => user_paths(state, on),
        (None, Some(access)) => {
            let mut out = Vec::new();
            for (g, why) in from_model(access, Some(model))
                .into_iter()
                .filter(|(g, _)| on(g))
            {
                // A group whose members the file lists: each member too, the way a cluster's
                // membership is expanded.
                let members = match &g.grantee {
                    Grantee::Group(group) => access
                        .groups
                        .get(group)
                        .and_then(|d| d.members.as_ref().map(|m| (group, d, m))),
                    _ => None,
                };
                if let Some((group, decl, members)) = members {
                    for (user, at) in members {
                        out.push(Path {
                            who: reference(&Grantee::User(user.clone())),
                            right: right(&g),
                            why: format!(
                                "member of group {} ({} at {}:{at}), which is {why}",
                                quote_ident(group.as_str()),
                                decl.rule.path,
                                decl.rule.file
                            ),
                        });
                    }
                }
                out.push(Path {
                    who: reference(&g.grantee),
                    right: right(&g),
                    why,
                });
            }
            out
        }
        (None, None) => Vec::new(),
    }
}

/// What `grantee` can create and run, and why.
pub fn grantee(
    access: Option<&AccessModel>,
    cluster: Option<&State>,
    grantee: &Grantee,
) -> Vec<Path> {
    match (cluster, access) {
        (Some(state), _) => match grantee {
            Grantee::User(_) => {
                let who = reference(grantee);
                user_paths(state, |_| true)
                    .into_iter()
                    .filter(|p| p.who == who)
                    .collect()
            }
            other => {
                let mut out: Vec<Path> = state
                    .grants
                    .keys()
                    .filter(|g| &g.grantee == other)
                    .map(|g| Path {
                        who: reference(other),
                        right: right(g),
                        why: "granted directly".to_owned(),
                    })
                    .collect();
                out.sort();
                out
            }
        },
        (None, Some(access)) => {
            // A user the file lists as a member of a group holds what the group holds.
            let groups: Vec<(&Name, &crate::config::GroupDecl)> = match grantee {
                Grantee::User(u) => access
                    .groups
                    .iter()
                    .filter(|(_, d)| {
                        d.members
                            .as_ref()
                            .is_some_and(|m| m.iter().any(|(n, _)| n == u))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let mut out: Vec<Path> = Vec::new();
            for (g, why) in from_model(access, None) {
                if &g.grantee == grantee {
                    out.push(Path {
                        who: reference(&g.grantee),
                        right: right(&g),
                        why,
                    });
                } else if let Grantee::Group(group) = &g.grantee
                    && let Some((_, decl)) = groups.iter().find(|(n, _)| *n == group)
                {
                    out.push(Path {
                        who: reference(grantee),
                        right: right(&g),
                        why: format!(
                            "member of group {} ({} at {}), which is {why}",
                            quote_ident(group.as_str()),
                            decl.rule.path,
                            decl.rule.file
                        ),
                    });
                }
            }
            out.sort();
            out.dedup();
            out
        }
        (None, None) => Vec::new(),
    }
}

/// The paths as text (one line each) or as JSON (`mlgrant.explain`).
pub fn report(subject: &str, paths: &[Path], json: bool) -> String {
    if json {
        let doc = serde_json::json!({
            "format": "mlgrant.explain",
            "version": 1,
            "subject": subject,
            "paths": paths,
        });
        let mut s = crate::text::json_pretty(&doc);
        s.push('\n');
        return s;
    }
    let e = crate::text::escape_controls;
    let mut out = format!("{}\n", e(subject));
    if paths.is_empty() {
        out.push_str("nobody, as far as this source tells\n");
    }
    for p in paths {
        out.push_str(&format!("{}: {} ({})\n", e(&p.who), e(&p.right), e(&p.why)));
    }
    out
}

/// The access matrix: for each schema, who can run each model. From a cluster: every user, with
/// membership and roles expanded. From the model: each grantee the rules name, with a column for
/// "every model in S" where the schema has consumers (resolved only against a cluster).
pub fn matrix(access: Option<&AccessModel>, cluster: Option<&State>) -> Vec<(ModelName, Path)> {
    let models: BTreeSet<ModelName> = match (cluster, access) {
        (Some(state), _) => state.models.keys().cloned().collect(),
        (None, Some(a)) => {
            let mut m: BTreeSet<ModelName> = a.models.keys().cloned().collect();
            for (schema, rules) in &a.schemas {
                if !rules.consumers.is_empty() {
                    m.insert(ModelName {
                        schema: schema.clone(),
                        model: Name::from_catalog("*"),
                    });
                }
            }
            m
        }
        (None, None) => BTreeSet::new(),
    };
    let mut out = Vec::new();
    for m in &models {
        for p in model(access, cluster, m) {
            out.push((m.clone(), p));
        }
    }
    out
}

/// The matrix as Markdown (a table per schema, a mark where a grantee can run a model) or CSV
/// (schema, model, grantee, why).
pub fn matrix_report(rows: &[(ModelName, Path)], csv: bool) -> String {
    if csv {
        let field = crate::text::csv_field;
        let mut out = String::from("schema,model,grantee,why\n");
        for (m, p) in rows {
            out.push_str(&format!(
                "{},{},{},{}\n",
                field(m.schema.as_str()),
                field(m.model.as_str()),
                field(&p.who),
                field(&p.why)
            ));
        }
        return out;
    }
    let mut by_schema: BTreeMap<&Name, BTreeMap<&str, BTreeSet<&ModelName>>> = BTreeMap::new();
    let mut models: BTreeMap<&Name, BTreeSet<&ModelName>> = BTreeMap::new();
    for (m, p) in rows {
        by_schema
            .entry(&m.schema)
            .or_default()
            .entry(p.who.as_str())
            .or_default()
            .insert(m);
        models.entry(&m.schema).or_default().insert(m);
    }
    let cell = crate::text::markdown_text;
    let mut out = String::new();
    for (schema, who) in &by_schema {
        let columns: Vec<&&ModelName> = models[schema].iter().collect();
        out.push_str(&format!(
            "#### schema {}\n\n| grantee |",
            cell(&quote_ident(schema.as_str()))
        ));
        for m in &columns {
            let name = if m.model.as_str() == "*" {
                "every model".to_owned()
            } else {
                quote_ident(m.model.as_str())
            };
            out.push_str(&format!(" {} |", cell(&name)));
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(columns.len()));
        out.push('\n');
        for (grantee, can) in who {
            out.push_str(&format!("| {} |", cell(grantee)));
            for m in &columns {
                out.push_str(if can.contains(**m) { " ✓ |" } else { "  |" });
            }
            out.push('\n');
        }
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str("nobody can run any model, as far as this source tells\n");
    }
    out
}
