//! diff: compares two grant sets inside the fence and returns the ordered [`Plan`]. Pure.
//! Revokes are decided here and nowhere else.
//!
//! The fence (what a sync may revoke): a privilege of a managed kind, on a managed object, held
//! by a managed grantee, that the model does not require.
//! - managed objects: the database (for CREATE MODEL); schemas declared under `[schemas]`, for
//!   CREATE, USAGE and EXECUTE on every model in them; models declared under `[models]`, for
//!   EXECUTE on that model only (USAGE on their schema is managed only when the schema is
//!   declared too, since schema USAGE also serves tables);
//! - managed grantees: declared groups, the users, roles and PUBLIC that rules name, and whatever
//!   `[policy] manage` patterns match;
//! - never: names matched by `[policy] protect`; with `mode = "grant-only"`, nothing at all.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use std::sync::Arc;

use crate::compile::{Compiled, GrantSet, Origin, Origins};
use crate::config::{AccessModel, Loc, Mode, Ref};
use crate::model::{Grant, Grantee, GranteePattern, IamCommand, Name, Object, Privilege};
use crate::plan::{Membership, Plan};

/// The bounds of what a sync driven by one access model may revoke.
#[derive(Debug)]
pub struct Fence<'a> {
    model: &'a AccessModel,
    named: BTreeSet<Grantee>,
}

/// Why a grantee is inside the fence, or is not.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing<'a> {
    /// Declared or named by a rule.
    Named,
    /// Matched by a `[policy] manage` pattern.
    Pattern(&'a GranteePattern),
    /// Matched by a `[policy] protect` pattern: never revoked from.
    Protected(&'a GranteePattern),
    Unmanaged,
}

impl<'a> Fence<'a> {
    pub fn of(model: &'a AccessModel) -> Fence<'a> {
        let mut named: BTreeSet<Grantee> =
            model.groups.keys().cloned().map(Grantee::Group).collect();
        let rules = model
            .schemas
            .values()
            .flat_map(|s| s.creators.iter().chain(&s.consumers))
            .chain(model.models.values().flat_map(|m| &m.consumers));
        named.extend(rules.map(|r: &Ref| r.grantee.clone()));
        Fence { model, named }
    }

    pub fn standing(&self, grantee: &Grantee) -> Standing<'a> {
        let policy = &self.model.policy;
        if let Some(p) = policy.protect.iter().find(|p| p.matches(grantee)) {
            return Standing::Protected(p);
        }
        if self.named.contains(grantee) {
            return Standing::Named;
        }
        match policy.manage.iter().find(|p| p.matches(grantee)) {
            Some(p) => Standing::Pattern(p),
            None => Standing::Unmanaged,
        }
    }

    pub fn manages_grantee(&self, grantee: &Grantee) -> bool {
        matches!(
            self.standing(grantee),
            Standing::Named | Standing::Pattern(_)
        )
    }

    pub fn manages_object(&self, grant: &Grant) -> bool {
        match &grant.object {
            Object::Database => true,
            // ASSUMEROLE for CREATE MODEL, once the model gives any schema IAM roles.
            Object::IamRole(_) => {
                grant.privilege == Privilege::AssumeRole(IamCommand::CreateModel)
                    && self.model.schemas.values().any(|s| !s.iam_roles.is_empty())
            }
            Object::Schema(s) => self.model.schemas.contains_key(s),
            Object::Model(m) => {
                self.model.schemas.contains_key(&m.schema) || self.model.models.contains_key(m)
            }
        }
    }

    /// Whether a sync may revoke `grant` (if the model does not require it).
    pub fn contains(&self, grant: &Grant) -> bool {
        self.model.policy.mode == Mode::Sync
            && self.manages_object(grant)
            && self.manages_grantee(&grant.grantee)
    }
}

/// The changes that take the grants of `old_model` to those of `new_model`: every grant the new
/// model requires that the old did not, and every grant the old one required that the new one does
/// not, inside the new model's fence. Membership changes where both files manage a group's members.
pub fn diff(
    old_model: &AccessModel,
    old: &Compiled,
    new_model: &AccessModel,
    new: &Compiled,
) -> Plan {
    let fence = Fence::of(new_model);
    let mut notes = Vec::new();
    let grants: GrantSet = new
        .grants
        .iter()
        .filter(|(g, _)| !old.grants.contains_key(*g))
        .map(|(g, o)| (g.clone(), o.clone()))
        .collect();
    let gone: Vec<(&Grant, &Origins)> = old
        .grants
        .iter()
        .filter(|(g, _)| !new.grants.contains_key(*g))
        .collect();
    let mut revokes = GrantSet::default();
    let mut held_back = 0usize;
    let mut kept: BTreeSet<&Grantee> = BTreeSet::new();
    for (g, origins) in gone {
        if fence.contains(g) {
            revokes.insert(g.clone(), origins.clone());
        } else if new_model.policy.mode == Mode::GrantOnly {
            held_back += 1;
        } else {
            kept.insert(&g.grantee);
        }
    }
    for grantee in kept {
        match fence.standing(grantee) {
            Standing::Unmanaged => notes.push(format!(
                "{} left the model and no [policy] manage pattern matches it: its grants are no longer managed and will never be revoked; revoke them by hand or add a manage pattern",
                describe(grantee)
            )),
            Standing::Protected(p) => notes.push(format!(
                "{} is protected by `{}`: its grants are never revoked",
                describe(grantee),
                p.text
            )),
            // A managed grantee on an object that left the fence: reported per object below.
            Standing::Named | Standing::Pattern(_) => {}
        }
    }
    notes.extend(pattern_notes(&fence, &revokes, "left the model but stays"));
    for schema in old_model.schemas.keys() {
        if !new_model.schemas.contains_key(schema) {
            notes.push(format!(
                "schema {schema} left the model: privileges on it and its models are no longer managed and will not be revoked"
            ));
        }
    }
    for m in old_model.models.keys() {
        if !new_model.models.contains_key(m) && !new_model.schemas.contains_key(&m.schema) {
            notes.push(format!(
                "model {m} left the model: EXECUTE on it is no longer managed and will not be revoked"
            ));
        }
    }
    // The explicit opt-ins to revoke (REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL).
    for (g, origins) in &new.forbidden {
        if old.forbidden.contains_key(g) {
            continue;
        }
        if new_model.policy.mode == Mode::GrantOnly {
            held_back += 1;
        } else {
            revokes.insert(g.clone(), origins.clone());
        }
    }
    if held_back > 0 {
        notes.push(format!(
            "[policy] mode = \"grant-only\": {held_back} privilege{} no longer required {} left in place",
            if held_back == 1 { "" } else { "s" },
            if held_back == 1 { "is" } else { "are" }
        ));
    }
    let membership = membership(old_model, new_model, &mut notes);
    Plan::build(membership, &revokes, &grants, notes)
}

/// Member changes between two files: exact where both list a group's members; otherwise notes.
fn membership(old: &AccessModel, new: &AccessModel, notes: &mut Vec<String>) -> Membership {
    let mut m = Membership::default();
    let file: Arc<str> = Arc::from(new.source.name.as_str());
    for (group, decl) in &new.groups {
        let old_decl = old.groups.get(group);
        if old_decl.is_none() {
            notes.push(format!(
                "group {group} is newly declared: plan and apply create it where the cluster lacks it"
            ));
        }
        let Some(members) = &decl.members else {
            continue;
        };
        let old_members: Option<BTreeSet<&Name>> = old_decl
            .and_then(|d| d.members.as_ref())
            .map(|list| list.iter().map(|(u, _)| u).collect());
        if old_members.is_none() {
            notes.push(format!(
                "members of group {group} become managed: plan also drops members the file does not list"
            ));
        }
        let new_set: BTreeSet<&Name> = members.iter().map(|(u, _)| u).collect();
        let rule: Arc<str> =
            format!("groups.{}.members", crate::config::toml_key(group.as_str())).into();
        let origin = |at: Loc| Origin {
            file: file.clone(),
            at,
            rule: rule.clone(),
        };
        for (user, at) in members {
            if old_members.as_ref().is_none_or(|o| !o.contains(user)) {
                m.add
                    .insert((group.clone(), user.clone()), vec![origin(*at)]);
            }
        }
        if let Some(old_members) = old_members {
            for user in old_members.difference(&new_set) {
                m.drop
                    .insert((group.clone(), (*user).clone()), vec![origin(decl.at)]);
            }
        }
    }
    m
}

/// One note per grantee whose revokes come from a `[policy] manage` pattern rather than a name:
/// "{grantee} {how} managed through the pattern ...".
fn pattern_notes(fence: &Fence<'_>, revokes: &GrantSet, how: &str) -> Vec<String> {
    let by_pattern: BTreeMap<&Grantee, &GranteePattern> = revokes
        .keys()
        .filter_map(|g| match fence.standing(&g.grantee) {
            Standing::Pattern(p) => Some((&g.grantee, p)),
            _ => None,
        })
        .collect();
    by_pattern
        .into_iter()
        .map(|(grantee, p)| {
            format!(
                "{} {how} managed through the pattern `{}`: its grants are revoked",
                describe(grantee),
                p.text
            )
        })
        .collect()
}

/// A grantee in words, for notes.
pub fn describe(g: &Grantee) -> String {
    match g {
        Grantee::Group(n) => format!("group {n}"),
        Grantee::Role(n) => format!("role {n}"),
        Grantee::User(n) => format!("user {n}"),
        Grantee::Public => "PUBLIC".to_owned(),
    }
}

/// Why a model cannot be synced to a cluster as it stands.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{}", .0.join("\n"))]
    Missing(Vec<String>),
}

/// The plan that makes `cluster` match `model`: declared groups created, members synced, and
/// grants and revokes inside the fence. "Every model in schema S" covers the cluster's models.
/// Superusers and owners' own rights are never touched; models and schemas named in the file
/// that the cluster lacks are skipped with a note; users and roles it lacks are an error.
pub fn sync(model: &AccessModel, cluster: &crate::catalog::Catalog) -> Result<Plan, SyncError> {
    let existing: BTreeSet<crate::model::ModelName> = cluster.models.keys().cloned().collect();
    let compiled = crate::compile::compile_with_models(model, &existing);
    let mut notes = Vec::new();
    let mut missing = Vec::new();

    // Grantees the cluster lacks: groups are created, users and roles cannot be.
    let fence = Fence::of(model);
    for grantee in &fence.named {
        match grantee {
            Grantee::User(_) | Grantee::Role(_) if !cluster.has(grantee) => missing.push(format!(
                "{} is named in {} but does not exist on the cluster: create it, or remove it from the model",
                describe(grantee),
                model.source.name
            )),
            Grantee::Group(g)
                if !cluster.groups.contains_key(g)
                    && (cluster.users.contains_key(g) || cluster.roles.contains(g)) =>
            {
                missing.push(format!(
                    "group {g} is declared in {} but the cluster has a user or role of that name",
                    model.source.name
                ));
            }
            _ => {}
        }
    }
    let mut membership = Membership::default();
    let file: Arc<str> = Arc::from(model.source.name.as_str());
    for (group, decl) in &model.groups {
        let present = cluster.groups.get(group);
        if present.is_none() {
            membership.create.insert(group.clone());
        }
        let Some(members) = &decl.members else {
            continue;
        };
        let rule: Arc<str> =
            format!("groups.{}.members", crate::config::toml_key(group.as_str())).into();
        let listed: BTreeSet<&Name> = members.iter().map(|(u, _)| u).collect();
        for (user, at) in members {
            if !cluster.users.contains_key(user) {
                missing.push(format!(
                    "user {user} is listed in the members of group {group} but does not exist on the cluster"
                ));
            } else if present.is_none_or(|m| !m.contains(user)) {
                membership.add.insert(
                    (group.clone(), user.clone()),
                    vec![Origin {
                        file: file.clone(),
                        at: *at,
                        rule: rule.clone(),
                    }],
                );
            }
        }
        for user in present.into_iter().flatten() {
            if !listed.contains(user) {
                membership.drop.insert(
                    (group.clone(), user.clone()),
                    vec![Origin {
                        file: file.clone(),
                        at: decl.at,
                        rule: rule.clone(),
                    }],
                );
            }
        }
    }
    if !missing.is_empty() {
        missing.sort();
        missing.dedup();
        return Err(SyncError::Missing(missing));
    }

    // Objects the cluster lacks: their grants wait.
    let mut skipped_models = BTreeSet::new();
    let mut skipped_schemas = BTreeSet::new();
    let mut exempt = BTreeSet::new();
    let models: HashSet<&crate::model::ModelName, foldhash::fast::RandomState> =
        cluster.models.keys().collect();
    let exemptions = cluster.exemptions();
    let exempt_from = |g: &Grant| exemptions.covers(g);
    let mut desired = compiled.grants;
    desired.retain(|g, _| {
        match &g.object {
            Object::Model(m) if !models.contains(m) => {
                skipped_models.insert(m.clone());
                return false;
            }
            Object::Schema(s) if !cluster.schemas.contains_key(s) => {
                skipped_schemas.insert(s.clone());
                return false;
            }
            _ => {}
        }
        if exempt_from(g) {
            exempt.insert(g.grantee.clone());
            return false;
        }
        true
    });
    for m in skipped_models {
        notes.push(format!(
            "model {m} does not exist on the cluster: its EXECUTE grants wait until it does"
        ));
    }
    for s in skipped_schemas {
        notes.push(format!(
            "schema {s} does not exist on the cluster: its grants wait until it does"
        ));
    }
    for g in exempt {
        notes.push(format!(
            "{} is a superuser or owns the object: grants to it change nothing and are skipped",
            describe(&g)
        ));
    }

    // One pass over what the cluster holds: a held grant the model requires is struck off the
    // desired set; what is left of that set is what to grant.
    let mut revokes = GrantSet::default();
    let mut outside: BTreeSet<&Grantee> = BTreeSet::new();
    let mut held_back = 0usize;
    let mut kept = 0usize;
    // A grantee's standing does not change from grant to grant: work it out once.
    let mut managed: HashMap<&Grantee, bool> = HashMap::new();
    for g in &cluster.grants {
        if exempt_from(g) || desired.remove(g).is_some() {
            continue;
        }
        let grantee_managed = *managed
            .entry(&g.grantee)
            .or_insert_with(|| fence.manages_grantee(&g.grantee));
        let object_managed = fence.manages_object(g);
        if model.policy.mode == Mode::Sync && object_managed && grantee_managed {
            if cluster.sees_all {
                revokes.insert(g.clone(), Origins::new());
            } else {
                held_back += 1;
            }
        } else if object_managed && !grantee_managed {
            outside.insert(&g.grantee);
        } else if model.policy.mode == Mode::GrantOnly && object_managed {
            kept += 1;
        }
    }
    let grants = desired;
    for g in compiled.forbidden.keys() {
        if !cluster.grants.contains(g) {
            continue;
        }
        if model.policy.mode == Mode::GrantOnly {
            kept += 1;
        } else if cluster.sees_all {
            revokes.insert(g.clone(), compiled.forbidden[g].clone());
        } else {
            held_back += 1;
        }
    }
    if kept > 0 {
        notes.push(format!(
            "[policy] mode = \"grant-only\": {kept} privilege{} the model does not require {} left in place",
            if kept == 1 { "" } else { "s" },
            if kept == 1 { "is" } else { "are" }
        ));
    }
    if !cluster.sees_all && model.policy.mode == Mode::Sync {
        notes.push(format!(
            "no revokes planned: {} is not a superuser and lacks ACCESS SYSTEM TABLE, so the catalog shows it only its own grants{}; connect as a superuser, or GRANT ACCESS SYSTEM TABLE TO ROLE ... and grant that role to {}",
            cluster.current_user,
            if held_back > 0 { format!(" ({held_back} visible privileges are not required)") } else { String::new() },
            cluster.current_user
        ));
    }
    notes.extend(pattern_notes(
        &fence,
        &revokes,
        "is not named in the model but is",
    ));
    for grantee in outside {
        let why = match fence.standing(grantee) {
            Standing::Protected(p) => format!("protected by `{}`", p.text),
            _ => "not managed by this model".to_owned(),
        };
        notes.push(format!(
            "{} holds privileges on managed objects but is {why}: left alone",
            describe(grantee)
        ));
    }
    Ok(Plan::build(membership, &revokes, &grants, notes))
}
