//! What `mlgrant watch` applies on its own, decided from the model file and the cluster alone
//! (no memory of earlier rounds, so `--once`, a restart and a long-running watch agree):
//! EXECUTE on a model that holds none of the EXECUTE grants the file requires on it. That is a
//! model just created, one dropped and created again under its name (DROP MODEL drops its
//! grants), or one that has just become ready (grants on a model that is not ready wait, as in
//! plan). A model holding some of its required grants but not all has drifted: watch reports
//! it and leaves it to a reviewed apply. A hand-made revoke of every required grant on a model
//! looks exactly like a recreation, and is treated as one.
//!
//! Never anything else: no revoke, no group, no member, no schema right, no CREATE MODEL, no
//! ASSUMEROLE, and no grant to a group the plan would have to create first.

use std::collections::BTreeSet;

use super::{SyncError, desired_on, sync_to};
use crate::config::AccessModel;
use crate::model::{Grantee, ModelName, Name, Object, Privilege, State};
use crate::plan::{Change, Plan, Step};

/// The full plan, and the part of it watch applies.
#[derive(Debug)]
pub struct Watched {
    pub full: Plan,
    pub applies: Plan,
    /// For each step of `full`, whether it is in `applies`.
    applied: Vec<bool>,
}

impl Watched {
    /// The steps of the full plan that watch does not apply: what it reports.
    pub fn reported(&self) -> impl Iterator<Item = &Step> {
        self.full
            .steps
            .iter()
            .zip(&self.applied)
            .filter(|(_, applied)| !**applied)
            .map(|(s, _)| s)
    }
}

/// The models of `cluster` on which `desired` requires EXECUTE and the cluster holds none of
/// those grants.
fn fresh<'a>(desired: &'a State, cluster: &State) -> BTreeSet<&'a ModelName> {
    let mut required = BTreeSet::new();
    let mut held = BTreeSet::new();
    for grant in desired.grants.keys() {
        if let (Object::Model(m), Privilege::Execute) = (&grant.object, grant.privilege) {
            required.insert(m);
            if cluster.grants.contains_key(grant) {
                held.insert(m);
            }
        }
    }
    required
        .into_iter()
        .filter(|m| cluster.models.contains_key(*m) && !held.contains(m))
        .collect()
}

/// The plan that makes the cluster match `model`, and the part of it watch applies.
pub fn watched(model: &AccessModel, cluster: &State) -> Result<Watched, SyncError> {
    let desired = desired_on(model, cluster);
    let full = sync_to(model, cluster, &desired)?;
    let fresh = fresh(&desired, cluster);
    let created: BTreeSet<&Name> = full
        .steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::CreateGroup { group } => Some(group),
            _ => None,
        })
        .collect();
    let watch_applies = |s: &Step| match &s.change {
        Change::Grant {
            privileges,
            object: Object::Model(m),
            grantee,
        } => {
            privileges.iter().all(|p| *p == Privilege::Execute)
                && fresh.contains(m)
                && !matches!(grantee, Grantee::Group(g) if created.contains(g))
        }
        _ => false,
    };
    let applied: Vec<bool> = full.steps.iter().map(watch_applies).collect();
    let mut applies = full.only(watch_applies);
    // Models only svv_ml_model_info shows (every new one) are asked with SHOW MODEL before a
    // grant names them, as plan and apply ask: found and not ready, they wait.
    let granted_on: BTreeSet<&ModelName> = applies
        .steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::Grant {
                object: Object::Model(m),
                ..
            } => Some(m),
            _ => None,
        })
        .collect();
    let unconfirmed = full
        .unconfirmed
        .iter()
        .filter(|m| granted_on.contains(m))
        .cloned()
        .collect();
    applies.unconfirmed = unconfirmed;
    Ok(Watched {
        full,
        applies,
        applied,
    })
}
