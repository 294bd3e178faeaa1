//! Identity-provider namespaces (`aad` of `role:aad:ml_team`): which ones the model names, and
//! whether the cluster has them.

use crate::config::AccessModel;
use std::collections::BTreeSet;

use super::{Fence, SyncError, describe};
use crate::model::Grantee;

/// The identity-provider namespaces the model names (`aad` of `role:aad:ml_team`), each with the
/// first grantee that names it.
pub fn directory_namespaces(model: &AccessModel) -> std::collections::BTreeMap<String, Grantee> {
    let fence = Fence::of(model);
    let mut out = std::collections::BTreeMap::new();
    let members = model
        .groups
        .values()
        .flat_map(|g| g.members.iter().flatten())
        .map(|m| Grantee::User(m.user.clone()));
    for g in fence.named().iter().cloned().chain(members) {
        if let Some(ns) = g.idp_namespace() {
            out.entry(ns.to_owned()).or_insert_with(|| g.clone());
        }
    }
    out
}

/// Checks the namespaces the model names against the cluster's identity providers, when they
/// could be read (`None`: not a superuser, or offline): an unknown one is an error with a "did
/// you mean"; unchecked ones are notes.
pub fn check_directories(
    model: &AccessModel,
    known: Option<&BTreeSet<String>>,
) -> Result<Vec<String>, SyncError> {
    let named = directory_namespaces(model);
    let Some(known) = known else {
        return Ok(named
            .iter()
            .map(|(ns, g)| {
                format!(
                    "{} is in identity provider namespace {ns}, which is not checked: only a superuser may read svv_identity_providers",
                    describe(g)
                )
            })
            .collect());
    };
    let mut missing = Vec::new();
    for (ns, g) in &named {
        if known.contains(ns) {
            continue;
        }
        let close = known
            .iter()
            .map(|k| {
                (
                    strsim::jaro_winkler(&ns.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                    k,
                )
            })
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| format!(" (did you mean {}?)", crate::text::sanitize(k)))
            .unwrap_or_default();
        missing.push(format!(
            "{} names identity provider namespace {}, which no identity provider of the cluster has{close}; svv_identity_providers lists {}",
            describe(g),
            crate::text::sanitize(ns),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.iter().map(|k| crate::text::sanitize(k)).collect::<Vec<_>>().join(", ")
            }
        ));
    }
    if missing.is_empty() {
        Ok(Vec::new())
    } else {
        Err(SyncError::Missing(missing))
    }
}
