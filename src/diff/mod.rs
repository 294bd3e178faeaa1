//! diff: compares the current state with the desired one inside the fence and returns the
//! ordered [`Plan`]. Pure. Revokes are decided here and nowhere else.
//!
//! One algorithm serves every use: `diff OLD NEW` (current = the old model's state), `plan` and
//! `apply` (current = the cluster's state, read by catalog), and export's self-check. What
//! differs between a current state compiled from a model and one read from a cluster is only
//! what the cluster alone knows: which schemas and models exist (grants on the others wait),
//! which groups exist (the missing ones are created), who is a superuser or an owner (never
//! touched), and whether the login sees every grant (if not, nothing is revoked).

mod fence;
mod notes;

use std::collections::BTreeSet;

pub use fence::{Fence, Standing};
pub use notes::describe;

use crate::compile::compile_with_models;
use crate::config::AccessModel;
use crate::model::{
    Exemptions, FastMap, FastSet, Grant, GrantSet, Grantee, IamCommand, Inventory, ModelName, Name,
    Object, Privilege, Side, State, quote_ident,
};
use crate::plan::{Change, Membership, Plan};
use notes::Findings;

mod directory;
mod expiry;
pub use directory::{check_directories, directory_namespaces};
use expiry::ended;
pub use expiry::is_expiry;
mod watched;
pub use watched::{Watched, watched};

/// The changes that take `current` to `desired`: grants `desired` requires and `current` lacks;
/// revokes of what `current` holds, inside the fence, that `desired` does not require;
/// membership where `desired` lists members. `exemptions` name what is never touched.
pub fn diff(current: &State, desired: &State, fence: &Fence, exemptions: &Exemptions) -> Plan {
    let inventory = current.cluster.as_ref();
    let live = inventory.is_some();
    let sees_all = inventory.is_none_or(|i| i.sees_all);
    let sees_all_models = inventory.is_none_or(|i| i.sees_all_models);
    let login = inventory.map(|i| Grantee::User(Name::from_catalog(&i.current_user)));
    let failed_checks = inventory.map(Inventory::failed_checks).unwrap_or_default();
    let mut found = Findings::default();
    let membership = membership(current, desired, &mut found);
    // Models whose grants wait: not ready, named ambiguously by the catalog, or whose exact
    // names are not confirmed yet.
    let any_wait = inventory.is_some_and(|i| {
        !i.ambiguous.is_empty() || !i.not_ready.is_empty() || !i.unconfirmed.is_empty()
    });
    // The same sets, hashed (interned names hash as pointers): a lookup per grant.
    let (mut ambiguous, mut unconfirmed, mut not_ready) =
        (FastSet::default(), FastMap::default(), FastMap::default());
    if let Some(i) = inventory.filter(|_| any_wait) {
        ambiguous.extend(i.ambiguous.iter());
        unconfirmed.extend(i.unconfirmed.iter());
        not_ready.extend(i.not_ready.iter());
    }
    let waits = |m: &ModelName, found: &mut Findings| {
        if !any_wait || ambiguous.contains(m) {
            return any_wait;
        }
        // Not asked yet: planned, and listed for the caller to ask; not found: held back.
        if let Some(&answer) = unconfirmed.get(m) {
            found.unconfirmed.insert(m.clone(), answer.clone());
            return answer.is_some();
        }
        match not_ready.get(m) {
            Some(&state) => {
                found.not_ready.insert(m.clone(), state.clone());
                true
            }
            None => false,
        }
    };

    // Whether a revoke the fence allows may go now; when it may not, why is counted in `found`.
    // The one gate for every revoke, required-no-longer and opted-in alike.
    let may_revoke = |found: &mut Findings, g: &Grant| {
        let why = if !fence.revokes() {
            &mut found.kept
        } else if !sees_all {
            &mut found.unseen
        } else if !failed_checks.is_empty() {
            &mut found.checks_withheld
        } else if !sees_all_models && g.privilege == Privilege::Execute {
            &mut found.models_unseen
        } else {
            return true;
        };
        *why += 1;
        false
    };

    // The same gate, for what an ended entry granted, in grant-only mode too.
    let may_revoke_ended = |found: &mut Findings, g: &Grant| {
        let why = if !sees_all {
            &mut found.unseen
        } else if !failed_checks.is_empty() {
            &mut found.checks_withheld
        } else if !sees_all_models && g.privilege == Privilege::Execute {
            &mut found.models_unseen
        } else {
            return true;
        };
        *why += 1;
        false
    };

    // What to grant: required, not held, on objects that exist, not to exempt grantees. A
    // login that does not see every grant cannot confirm a grant to anyone but itself.
    let mut grants = GrantSet::default();
    let mut unverified = GrantSet::default();
    // What to revoke: held, not required, inside the fence, on what the login sees completely.
    let mut revokes = GrantSet::default();
    // The cluster's models and schemas, hashed (names are integers).
    let models: FastSet<&ModelName> = current.models.keys().collect();
    let schemas: FastSet<&Name> = current.schemas.keys().collect();
    // A grantee's standing does not change from grant to grant: work it out once.
    let mut managed: FastMap<&Grantee, bool> = FastMap::default();
    // One ordered pass over both sets: each grant is required, held, or both; the grants come
    // out in the sets' order, so the sets above are built by pushes.
    for side in desired.grants.merge(&current.grants) {
        // A grant both hold is neither granted nor revoked: only the required side is asked
        // about (what waits, what is exempt).
        let (wanted, held, only_held) = match side {
            Side::Left(g, o) => (Some((g, o)), false, None),
            Side::Right(g, o) => (None, true, Some((g, o))),
            Side::Both(w, _) => (Some(w), true, None),
        };
        if let Some((g, origins)) = wanted {
            'want: {
                if live {
                    match &g.object {
                        Object::Model(m) if waits(m, &mut found) => break 'want,
                        Object::Model(m) if !models.contains(m) => {
                            found.skipped_models.insert(m);
                            break 'want;
                        }
                        Object::Schema(s) if !schemas.contains(s) => {
                            found.skipped_schemas.insert(s);
                            break 'want;
                        }
                        _ => {}
                    }
                }
                // A directory's role or user appears at its first member's login: until then its
                // grants wait (it is never created here).
                if live && g.grantee.idp_namespace().is_some() && !current.has(&g.grantee) {
                    *found.directory_waits.entry(g.grantee.clone()).or_default() += 1;
                    break 'want;
                }
                if exemptions.covers(g) {
                    let entry = found.exempt.entry(&g.grantee).or_default();
                    entry.0 = exemptions.is_superuser(&g.grantee);
                    entry.1.insert(&g.object);
                    break 'want;
                }
                if !held {
                    if sees_all || login.as_ref() == Some(&g.grantee) {
                        grants.insert(g.clone(), origins.clone());
                    } else {
                        unverified.insert(g.clone(), origins.clone());
                    }
                }
            }
        }
        if let Some((g, origins)) = only_held {
            'have: {
                if exemptions.covers(g) {
                    break 'have;
                }
                if let Object::Model(m) = &g.object
                    && waits(m, &mut found)
                {
                    break 'have;
                }
                let grantee_managed = *managed
                    .entry(&g.grantee)
                    .or_insert_with(|| fence.manages_grantee(&g.grantee));
                let object_managed = fence.manages_object(g);
                let ledger = inventory.is_some_and(|i| i.granted_by_mlgrant.contains_key(g));
                // An entry that has ended takes back what mlgrant granted for it, grant-only or not.
                if let Some(ended) = desired.expired.get(g)
                    && ledger
                    && !fence.revokes()
                    && !fence.is_system(&g.grantee)
                    && !matches!(fence.standing(&g.grantee), Standing::Protected(_))
                {
                    if may_revoke_ended(&mut found, g) {
                        revokes.insert(g.clone(), ended.clone());
                    }
                    break 'have;
                }
                // What mlgrant itself granted (its ledger) it takes back once no rule requires it, from
                // a grantee the model no longer names too; ASSUMEROLE FOR CREATE MODEL on a role the
                // model no longer lists included. Protected and system identities stay exempt.
                let by_ledger = !grantee_managed
                    && ledger
                    && (object_managed
                        || g.privilege == Privilege::AssumeRole(IamCommand::CreateModel)
                        || matches!(&g.object, Object::Schema(s) if fence.mentions_schema(s)))
                    && !fence.is_system(&g.grantee)
                    && !matches!(fence.standing(&g.grantee), Standing::Protected(_));
                if (object_managed && grantee_managed) || by_ledger {
                    if may_revoke(&mut found, g) {
                        // An ended entry's revoke carries that entry as its origin.
                        let origins = desired.expired.get(g).unwrap_or(origins);
                        revokes.insert(g.clone(), origins.clone());
                    }
                } else if fence.is_system(&g.grantee) {
                    // Worth a note only when a manage pattern would have taken it in.
                    if matches!(fence.standing(&g.grantee), Standing::System(Some(_))) {
                        found.system.insert(&g.grantee);
                    }
                } else if !grantee_managed
                    && (object_managed || current.named.contains(&g.grantee))
                    && !forbidden_covers(desired, g)
                {
                    found
                        .outside
                        .entry(&g.grantee)
                        .or_default()
                        .insert(g.right());
                }
            }
        }
    }

    // The explicit opt-ins to revoke (REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL).
    for (g, origins) in &desired.forbidden {
        if !current.may_hold(g) {
            continue;
        }
        if may_revoke(&mut found, g) {
            revokes.insert(g.clone(), origins.clone());
        }
    }
    let withheld = found.unseen
        + found.models_unseen
        + found.checks_withheld
        + found.not_ready.len()
        + found
            .unconfirmed
            .values()
            .filter(|why| why.is_some())
            .count()
        + found.directory_waits.values().sum::<usize>();
    let held_names = notes::held_names(inventory, &found.unconfirmed);
    // In the inventory's order (the models the diff found waiting come from it): no sort.
    let unconfirmed: Vec<ModelName> = match inventory {
        Some(i) if !found.unconfirmed.is_empty() => i
            .unconfirmed
            .keys()
            .filter(|m| matches!(found.unconfirmed.get(*m), Some(None)))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let notes = found.notes(current, desired, fence, &revokes);
    let mut plan = Plan::build(membership, &revokes, &grants, notes);
    plan.withheld = withheld;
    plan.unconfirmed = unconfirmed;
    plan.warnings = held_names
        .into_iter()
        .map(|message| crate::plan::Warning {
            file: String::new(),
            at: None,
            message,
        })
        .collect();
    explain(&mut plan, fence, inventory);
    ended(&mut plan, desired);
    plan.as_of = desired.as_of;
    plan.unverified = Plan::build(
        Membership::default(),
        &GrantSet::default(),
        &unverified,
        Vec::new(),
    )
    .steps;
    plan
}

/// Gives each step whose origins do not say why a reason of its own: a revoke of what mlgrant
/// granted (its run, time and line), a revoke against a cluster (what is held, that no rule
/// requires it, why the grantee is managed), a group to create (where it is declared).
fn explain(plan: &mut Plan, fence: &Fence, inventory: Option<&Inventory>) {
    for step in &mut plan.steps {
        if !step.origins.is_empty() {
            continue;
        }
        let granted = match (&step.change, inventory) {
            (
                Change::Revoke {
                    privileges,
                    object,
                    grantee,
                },
                Some(i),
            ) => privileges.iter().find_map(|p| {
                i.granted_by_mlgrant.get(&Grant {
                    object: object.clone(),
                    privilege: *p,
                    grantee: grantee.clone(),
                })
            }),
            _ => None,
        };
        if let Some(entry) = granted {
            step.why = Some(format!(
                "granted by run {} at {}{}, no longer required",
                crate::text::sanitize(&entry.run_id),
                crate::text::sanitize(entry.applied_at.trim_end()),
                if entry.source.is_empty() {
                    String::new()
                } else {
                    format!(" for {}", crate::text::sanitize(&entry.source))
                }
            ));
            continue;
        }
        step.why = match &step.change {
            Change::Revoke {
                object, grantee, ..
            } => Some(format!(
                "held by {} on {}; no rule requires it; {} is managed: {}",
                describe(grantee),
                notes::describe_object(object),
                describe(grantee),
                fence
                    .why_managed(grantee)
                    .unwrap_or_else(|| "the model asks for it".to_owned())
            )),
            Change::CreateGroup { group } => fence
                .declared_at(group)
                .map(|at| format!("declared at {at}; the cluster lacks it")),
            _ => None,
        };
    }
}

/// Whether `g` is an ASSUMEROLE that a forbidden FOR ALL revoke of the same role and grantee
/// takes away (so it is not "left alone").
fn forbidden_covers(desired: &State, g: &Grant) -> bool {
    matches!(g.privilege, Privilege::AssumeRole(_))
        && desired.forbidden.keys().any(|f| {
            f.object == g.object
                && f.grantee == g.grantee
                && f.privilege == Privilege::AssumeRole(IamCommand::All)
        })
}

/// Groups to create and members to add and drop, where `desired` lists a group's members.
fn membership(current: &State, desired: &State, found: &mut Findings) -> Membership {
    let live = current.cluster.is_some();
    let mut m = Membership::default();
    for (group, want) in &desired.groups {
        let have = current.groups.get(group);
        if have.is_none() {
            if live {
                m.create.insert(group.clone());
            } else {
                found.membership.push(format!(
                    "group {} is newly declared: plan and apply create it where the cluster lacks it",
                    quote_ident(group.as_str())
                ));
            }
        }
        let Some(members) = &want.members else {
            continue;
        };
        let have_members = have.and_then(|h| h.members.as_ref());
        if have_members.is_none() && !live {
            found.membership.push(format!(
                "members of group {} become managed: plan also drops members the file does not list",
                quote_ident(group.as_str())
            ));
        }
        for (user, origins) in members {
            let u = Grantee::User(user.clone());
            if live && u.idp_namespace().is_some() && !current.has(&u) {
                *found.directory_waits.entry(u).or_default() += 1;
                continue;
            }
            if have_members.is_none_or(|h| !h.contains_key(user)) {
                m.add
                    .insert((group.clone(), user.clone()), origins.to_vec());
            }
        }
        for user in have_members.into_iter().flat_map(|h| h.keys()) {
            if !members.contains_key(user) {
                let key = (group.clone(), user.clone());
                let origins = match desired.expired_members.get(&key) {
                    Some(ended) => ended.to_vec(),
                    None => want.declared.iter().cloned().collect(),
                };
                m.drop.insert(key, origins);
            }
        }
    }
    m
}

/// The changes between two versions of an access model: what the new one requires that the old
/// did not, and revokes of what the old one required, inside the new model's fence.
/// The notes of the new model's offline compile (what plan resolves from the cluster) come
/// first, since the live effect of "every model in S" is larger than what a file names.
pub fn between(old: &State, new_model: &AccessModel, new: &State) -> Plan {
    let mut plan = diff(old, new, &Fence::of(new_model), &Exemptions::none());
    let coverage = new
        .notes
        .iter()
        .filter(|n| n.starts_with("consumers of schema"))
        .cloned();
    plan.notes.splice(0..0, coverage);
    plan
}

/// Why a model cannot be synced to a cluster as it stands.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{}", .0.join("\n"))]
    Missing(Vec<String>),
}

/// The plan that makes the cluster whose state is `cluster` match `model`. "Every model in
/// schema S" covers the cluster's models. Users and roles the model names but the cluster lacks
/// are an error (mlgrant creates groups only), as is a declared group whose name a user or role
/// of the cluster holds.
pub fn sync(model: &AccessModel, cluster: &State) -> Result<Plan, SyncError> {
    sync_to(model, cluster, &desired_on(model, cluster))
}

/// What `model` requires on the cluster whose state is `cluster` (its models known).
fn desired_on(model: &AccessModel, cluster: &State) -> State {
    let existing: BTreeSet<ModelName> = cluster.models.keys().cloned().collect();
    compile_with_models(model, &existing)
}

/// [`sync`] with the required state made already.
fn sync_to(model: &AccessModel, cluster: &State, desired: &State) -> Result<Plan, SyncError> {
    let fence = Fence::of(model);
    check(model, &fence, cluster, desired)?;
    Ok(diff(cluster, desired, &fence, &cluster.exemptions()))
}

/// What the cluster must have before a plan can be made.
fn check(
    model: &AccessModel,
    fence: &Fence,
    cluster: &State,
    desired: &State,
) -> Result<(), SyncError> {
    let mut missing = Vec::new();
    let file = &model.source.name;
    let ended = crate::config::expiry::only_ended(model);
    for grantee in fence.named() {
        match grantee {
            _ if ended.contains(grantee) => {}
            // A directory's identities wait for their first login (diff notes them).
            Grantee::User(_) | Grantee::Role(_) if grantee.idp_namespace().is_some() => {}
            Grantee::User(_) | Grantee::Role(_) if !cluster.has(grantee) => missing.push(format!(
                "{} is named in {file} but does not exist on the cluster: create it, or remove it from the model",
                describe(grantee),
            )),
            // A group and a user may share a name (separate namespaces); a role may not.
            Grantee::Group(g)
                if !cluster.groups.contains_key(g) && cluster.has(&Grantee::Role(g.clone())) =>
            {
                missing.push(format!(
                    "group {} is declared in {file} but the cluster has a role of that name",
                    quote_ident(g.as_str())
                ));
            }
            _ => {}
        }
    }
    for (group, want) in &desired.groups {
        for user in want.members.iter().flat_map(|m| m.keys()) {
            let u = Grantee::User(user.clone());
            if !cluster.has(&u) && u.idp_namespace().is_none() {
                missing.push(format!(
                    "user {} is listed in the members of group {} but does not exist on the cluster",
                    quote_ident(user.as_str()),
                    quote_ident(group.as_str())
                ));
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort();
    missing.dedup();
    Err(SyncError::Missing(missing))
}
