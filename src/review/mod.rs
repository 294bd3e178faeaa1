//! review: the rights the model file grants (EXECUTE on each model, CREATE MODEL), each with
//! the rule that grants it (file:line), whether the cluster holds it, since when mlgrant's
//! ledger says it granted it, when someone who has it last used it (mlgrant.usage, collected by
//! `usage collect`) and when its entry ends. Who has a right is its grantee; who used it is any
//! user it reaches on the cluster now: the user itself, a group's members, the users who hold a
//! role (nested roles included), every user for PUBLIC. Pure: the caller reads the cluster.

use std::collections::{BTreeMap, BTreeSet};

use crate::compile::compile_with_models;
use crate::config::AccessModel;
use crate::model::{Grantee, Instant, ModelName, Name, Object, Origins, Privilege, State};
use crate::usage::{Key, Kind, Use};

mod html;
mod render;

pub use render::{Style, report};

/// One right the model grants, with what the cluster and the usage say of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Right {
    /// As SQL names it: `EXECUTE ON MODEL s.m`, `CREATE MODEL`.
    pub right: String,
    pub schema: String,
    pub model: String,
    /// A grantee reference: `group`, `user:NAME`, `role:NAME`, `public`.
    pub grantee: String,
    /// The rules that grant it, each `path at file:line`.
    pub rule: String,
    /// Whether the cluster holds it now.
    pub held: bool,
    /// When mlgrant granted it (its ledger), empty when it did not.
    pub since: String,
    /// The last use by anyone it reaches, and who; empty when never seen.
    pub last_used: String,
    pub used_by: String,
    pub uses: u64,
    /// When its entries end (`2027-01-31, INC-1234`), `ended ...` once they have, empty when
    /// some rule grants it without end.
    pub expires: String,
    /// Not used since `--unused` before the run's time (or never).
    pub unused: bool,
}

/// One user's use of a model: schema, model, the use.
type ModelUse<'a> = (&'a str, &'a str, &'a Use);

/// What review reads.
pub struct Input<'a> {
    pub access: &'a AccessModel,
    /// The cluster's state, with mlgrant's ledger.
    pub cluster: &'a State,
    pub usage: &'a BTreeMap<Key, Use>,
    pub as_of: Instant,
    /// `--unused`, in seconds.
    pub unused: Option<i64>,
}

/// The users each role reaches, nested roles included.
fn role_users(cluster: &State) -> BTreeMap<Name, BTreeSet<Name>> {
    let mut out: BTreeMap<Name, BTreeSet<Name>> = BTreeMap::new();
    let Some(inv) = &cluster.cluster else {
        return out;
    };
    for (user, roles) in &inv.user_roles {
        let mut seen: BTreeSet<&Name> = BTreeSet::new();
        let mut todo: Vec<&Name> = roles.iter().collect();
        while let Some(r) = todo.pop() {
            if seen.insert(r) {
                todo.extend(inv.role_roles.get(r).into_iter().flatten());
            }
        }
        for r in seen {
            out.entry(r.clone()).or_default().insert(user.clone());
        }
    }
    out
}

fn users_of(
    g: &Grantee,
    cluster: &State,
    roles: &BTreeMap<Name, BTreeSet<Name>>,
) -> BTreeSet<String> {
    let names: Vec<&Name> = match g {
        Grantee::User(u) => vec![u],
        Grantee::Group(gr) => cluster
            .groups
            .get(gr)
            .and_then(|s| s.members.as_ref())
            .map(|m| m.keys().collect())
            .unwrap_or_default(),
        Grantee::Role(r) => roles.get(r).map(|u| u.iter().collect()).unwrap_or_default(),
        Grantee::Public => cluster
            .cluster
            .as_ref()
            .map(|i| i.users.keys().collect())
            .unwrap_or_default(),
    };
    names.into_iter().map(|n| n.as_str().to_owned()).collect()
}

fn rules(origins: &Origins) -> String {
    origins
        .iter()
        .map(|o| format!("{} at {}:{}{}", o.path(), o.file(), o.at, o.until_suffix()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// When the right's entries end: the latest end when every origin has one.
fn expires(origins: &Origins, as_of: Instant) -> String {
    let mut ends = Vec::new();
    for o in origins {
        match o.until() {
            Some(u) => ends.push(u),
            None => return String::new(),
        }
    }
    let Some(last) = ends.into_iter().max_by_key(|u| u.at) else {
        return String::new();
    };
    let when = last.describe();
    if last.at <= as_of {
        format!("ended {when}")
    } else {
        when
    }
}

/// The rights of the model, each joined with the cluster and the usage; with `unused`, only
/// those not used for that long.
pub fn rights(input: &Input) -> Vec<Right> {
    let models: BTreeSet<ModelName> = input.cluster.models.keys().cloned().collect();
    let compiled = compile_with_models(input.access, &models);
    let roles = role_users(input.cluster);
    let inv = input.cluster.cluster.as_ref();
    // Each user's uses, by kind.
    let mut by_user: BTreeMap<(&str, Kind), Vec<ModelUse>> = BTreeMap::new();
    for ((user, kind, s, m), u) in input.usage {
        by_user
            .entry((user.as_str(), *kind))
            .or_default()
            .push((s.as_str(), m.as_str(), u));
    }
    let threshold = input.unused.map(|span| input.as_of.plus(-span));
    let mut out = Vec::new();
    for (grant, origins) in compiled.grants.iter().chain(compiled.expired.iter()) {
        let (kind, schema, model) = match (&grant.privilege, &grant.object) {
            (Privilege::Execute, Object::Model(m)) => {
                (Kind::Execute, m.schema.as_str(), m.model.as_str())
            }
            (Privilege::CreateModel, Object::Database) => (Kind::CreateModel, "", ""),
            _ => continue,
        };
        let mut last: Option<(&str, String)> = None;
        let mut uses = 0;
        for user in users_of(&grant.grantee, input.cluster, &roles) {
            for (s, m, u) in by_user.get(&(user.as_str(), kind)).into_iter().flatten() {
                if kind == Kind::Execute && (*s != schema || *m != model) {
                    continue;
                }
                uses += u.uses;
                if last.as_ref().is_none_or(|(at, _)| u.last.as_str() > *at) {
                    last = Some((u.last.as_str(), user.clone()));
                }
            }
        }
        let unused = match threshold {
            None => false,
            Some(t) => last
                .as_ref()
                .and_then(|(at, _)| Instant::parse(at).ok())
                .is_none_or(|at| at < t),
        };
        let since = inv
            .and_then(|i| i.granted_by_mlgrant.get(grant))
            .map(|e| e.applied_at.clone())
            .unwrap_or_default();
        out.push(Right {
            right: grant.right(),
            schema: schema.to_owned(),
            model: model.to_owned(),
            grantee: grant.grantee.to_string(),
            rule: rules(origins),
            held: input.cluster.grants.contains_key(grant),
            since,
            last_used: last
                .as_ref()
                .map(|(at, _)| (*at).to_owned())
                .unwrap_or_default(),
            used_by: last.map(|(_, who)| who).unwrap_or_default(),
            uses,
            expires: expires(origins, input.as_of),
            unused,
        });
    }
    if input.unused.is_some() {
        out.retain(|r| r.unused);
    }
    out.sort_by(|a, b| {
        (&a.schema, &a.model, &a.right, &a.grantee)
            .cmp(&(&b.schema, &b.model, &b.right, &b.grantee))
    });
    out
}
