//! The revokes of entries that have ended: their reason ("expired on DATE (rule at file:line,
//! reason)") and how a plan tells them from the rest (`apply --only-expired`).

use crate::model::State;
use crate::plan::{Change, Plan};

/// Gives each revoke and member drop that only entries that have ended call for its reason:
/// "expired on DATE (rule at file:line, reason)".
pub(super) fn ended(plan: &mut Plan, desired: &State) {
    if desired.expired.is_empty() && desired.expired_members.is_empty() {
        return;
    }
    for step in &mut plan.steps {
        let all_ended = match &step.change {
            Change::Revoke { .. } => step
                .change
                .grants()
                .iter()
                .all(|g| desired.expired.contains_key(g)),
            Change::DropMember { group, user } => desired
                .expired_members
                .contains_key(&(group.clone(), user.clone())),
            _ => false,
        };
        if !all_ended || !step.origins.iter().all(|o| o.expired(desired.as_of)) {
            continue;
        }
        let places: Vec<String> = step
            .origins
            .iter()
            .filter_map(|o| {
                let u = o.until()?;
                Some(format!(
                    "expired on {} ({} at {}:{}{})",
                    u.at.short(),
                    o.path(),
                    o.file(),
                    o.at,
                    u.reason
                        .as_ref()
                        .map(|r| format!(", {r}"))
                        .unwrap_or_default()
                ))
            })
            .collect();
        step.why = Some(crate::text::sanitize(&places.join("; ")));
    }
}

/// Whether a step's reason is that its entries have ended.
pub fn is_expiry(step: &crate::plan::Step) -> bool {
    step.why
        .as_deref()
        .is_some_and(|w| w.starts_with("expired on "))
}
