//! explain: who can run a model and why, or what a grantee can create and run and why. Offline,
//! from the access model (each grantee with its rule and place in the file); with a cluster,
//! from its grants, expanded through group membership and (nested) roles, with PUBLIC, the owner
//! and superusers: each user at the end of the path that gives the right. Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::compile::compile_with_models;
use crate::config::AccessModel;
use crate::model::{Grant, Grantee, ModelName, Name, Object, Privilege, State, quote_ident};

mod graph;
mod matrix;

pub use graph::{Graph, dot, mermaid};
pub use matrix::{MatrixStyle, matrix, matrix_report};

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
    /// The groups, roles and PUBLIC the right passes through, from `who` to the right.
    pub via: Vec<String>,
    /// The last step's kind, for the edge into the right in a picture.
    #[serde(skip)]
    pub how: How,
}

/// How the last step of a path gives the right.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum How {
    /// A grant the cluster holds.
    #[default]
    Granted,
    /// The owner's own right.
    Owner,
    /// A superuser's.
    Superuser,
    /// The rules of the model file that require it (their TOML paths).
    Rule(String),
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
fn from_model(model: &AccessModel, extra: Option<&ModelName>) -> Vec<(Grant, String, How)> {
    let mut models: BTreeSet<ModelName> = model.models.keys().cloned().collect();
    models.extend(extra.cloned());
    let state = compile_with_models(model, &models);
    let mut out: Vec<(Grant, String, How)> = state
        .grants
        .iter()
        .map(|(g, origins)| {
            let why = origins
                .iter()
                .map(|o| format!("{} at {}:{}", o.path(), o.file(), o.at))
                .collect::<Vec<_>>()
                .join("; ");
            let rules = origins
                .iter()
                .map(|o| o.path())
                .collect::<Vec<_>>()
                .join(", ");
            (g.clone(), format!("required by {why}"), How::Rule(rules))
        })
        .collect();
    out.sort();
    out
}

/// The roles a user holds, nested ones included, each with the chain that gives it.
fn roles_of(state: &State, user: &Name) -> BTreeMap<Name, (String, Vec<String>)> {
    let Some(inv) = &state.cluster else {
        return BTreeMap::new();
    };
    let role_ref = |r: &Name| reference(&Grantee::Role(r.clone()));
    let mut found: BTreeMap<Name, (String, Vec<String>)> = BTreeMap::new();
    let mut todo: Vec<(Name, String, Vec<String>)> = inv
        .user_roles
        .get(user)
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r.clone(),
                format!("holds role {}", quote_ident(r.as_str())),
                vec![role_ref(r)],
            )
        })
        .collect();
    while let Some((role, chain, via)) = todo.pop() {
        if found.contains_key(&role) {
            continue;
        }
        for inner in inv.role_roles.get(&role).into_iter().flatten() {
            let mut longer = via.clone();
            longer.push(role_ref(inner));
            todo.push((
                inner.clone(),
                format!("{chain}, which holds role {}", quote_ident(inner.as_str())),
                longer,
            ));
        }
        found.insert(role, (chain, via));
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
                via: Vec::new(),
                how: How::Superuser,
            });
            continue;
        }
        let roles = roles_of(state, user);
        for g in &held {
            let why = match &g.grantee {
                Grantee::User(u) if u == user => Some(("granted directly".to_owned(), Vec::new())),
                Grantee::Public => Some((
                    "granted to PUBLIC".to_owned(),
                    vec![reference(&Grantee::Public)],
                )),
                Grantee::Group(group) => state
                    .groups
                    .get(group)
                    .and_then(|gs| gs.members.as_ref())
                    .filter(|m| m.contains_key(user))
                    .map(|_| {
                        (
                            format!("member of group {}", quote_ident(group.as_str())),
                            vec![reference(&g.grantee)],
                        )
                    }),
                Grantee::Role(role) => roles
                    .get(role)
                    .map(|(chain, via)| (format!("{chain}, granted the right"), via.clone())),
                _ => None,
            };
            if let Some((why, via)) = why {
                out.push(Path {
                    who: who.clone(),
                    right: right(g),
                    why,
                    via,
                    how: How::Granted,
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
                via: Vec::new(),
                how: How::Owner,
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
            for (g, why, how) in from_model(access, Some(model))
                .into_iter()
                .filter(|(g, _, _)| on(g))
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
                    for crate::config::Member { user, at, .. } in members {
                        out.push(Path {
                            who: reference(&Grantee::User(user.clone())),
                            right: right(&g),
                            why: format!(
                                "member of group {} ({} at {}:{at}), which is {why}",
                                quote_ident(group.as_str()),
                                decl.rule.path,
                                decl.rule.file
                            ),
                            via: vec![reference(&g.grantee)],
                            how: how.clone(),
                        });
                    }
                }
                out.push(Path {
                    who: reference(&g.grantee),
                    right: right(&g),
                    why,
                    via: Vec::new(),
                    how,
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
                        via: Vec::new(),
                        how: How::Granted,
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
                            .is_some_and(|m| m.iter().any(|m| &m.user == u))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let mut out: Vec<Path> = Vec::new();
            for (g, why, how) in from_model(access, None) {
                if &g.grantee == grantee {
                    out.push(Path {
                        who: reference(&g.grantee),
                        right: right(&g),
                        why,
                        via: Vec::new(),
                        how,
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
                        via: vec![reference(&g.grantee)],
                        how,
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

/// How explain writes its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// One line a path.
    Text,
    /// `mlgrant.explain`.
    Json,
    /// A table of the paths and a Mermaid picture of them, for a pull-request comment.
    Markdown,
    /// The picture as a Graphviz digraph.
    Dot,
}

/// The paths in `style`. `every` is what a superuser's "every right" stands for in a picture
/// (the model an explain is about).
pub fn report(subject: &str, paths: &[Path], style: Style, every: Option<&str>) -> String {
    // A model no one can run; a grantee that can do nothing.
    let none = if every.is_some() {
        "nobody, as far as this source tells\n"
    } else {
        "nothing, as far as this source tells\n"
    };
    match style {
        Style::Json => {
            let doc = serde_json::json!({
                "format": "mlgrant.explain",
                "version": 1,
                "subject": subject,
                "paths": paths,
            });
            let mut s = crate::text::json_pretty(&doc);
            s.push('\n');
            s
        }
        Style::Dot => dot(&Graph::of(paths, every)),
        Style::Markdown => {
            let cell = crate::text::markdown_text;
            let mut out = format!("### {}\n\n", cell(subject));
            if paths.is_empty() {
                out.push_str(none);
                return out;
            }
            out.push_str("| who | right | why |\n|---|---|---|\n");
            for p in paths {
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    cell(&p.who),
                    cell(&p.right),
                    cell(&p.why)
                ));
            }
            out.push('\n');
            out.push_str(&picture(&Graph::of(paths, every)));
            out
        }
        Style::Text => {
            let e = crate::text::escape_controls;
            let mut out = format!("{}\n", e(subject));
            if paths.is_empty() {
                out.push_str(none);
            }
            for p in paths {
                out.push_str(&format!("{}: {} ({})\n", e(&p.who), e(&p.right), e(&p.why)));
            }
            out
        }
    }
}

/// A Mermaid block for Markdown, or a line saying why the picture is left out.
pub(crate) fn picture(g: &Graph) -> String {
    if g.is_empty() {
        return String::new();
    }
    match mermaid(g) {
        Some(m) => format!("```mermaid\n{m}```\n\n"),
        None => format!(
            "_No picture: {} steps, more than Mermaid draws by default ({} steps, {} characters); `--format dot` draws it with Graphviz._\n\n",
            g.edges(),
            graph::MERMAID_MAX_EDGES,
            graph::MERMAID_MAX_TEXT
        ),
    }
}
