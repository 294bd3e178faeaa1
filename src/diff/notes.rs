//! What a reviewer should be told about a plan besides its statements: what the diff found and
//! left alone, worded for where the current state came from (an older model file, or a cluster).

use std::collections::{BTreeMap, BTreeSet};

use super::fence::{Fence, Standing};
use crate::model::{GrantSet, Grantee, GranteePattern, Inventory, ModelName, Name, State};
use crate::text::plural;

/// What the diff noticed on its way, turned into notes at the end.
#[derive(Default)]
pub(super) struct Findings<'a> {
    /// Models and schemas the model names that the cluster lacks: their grants wait.
    pub skipped_models: BTreeSet<&'a ModelName>,
    pub skipped_schemas: BTreeSet<&'a Name>,
    /// Grantees that are superusers or owners: grants to them change nothing.
    pub exempt: BTreeSet<&'a Grantee>,
    /// Privileges not required but left in place by `mode = "grant-only"`.
    pub kept: usize,
    /// Privileges not required but not revoked because the login does not see everything.
    pub unseen: usize,
    /// Grantees outside the fence that hold what the model does not require.
    pub outside: BTreeSet<&'a Grantee>,
    /// Groups newly declared, and groups whose members become managed (two model files), in
    /// the order of the groups.
    pub membership: Vec<String>,
}

fn is_are(n: usize) -> &'static str {
    if n == 1 { "is" } else { "are" }
}

impl Findings<'_> {
    pub fn notes(
        self,
        current: &State,
        desired: &State,
        fence: &Fence,
        revokes: &GrantSet,
    ) -> Vec<String> {
        match &current.cluster {
            Some(inventory) => self.cluster_notes(inventory, fence, revokes),
            None => self.model_notes(current, desired, fence, revokes),
        }
    }

    /// Against a cluster.
    fn cluster_notes(
        self,
        inventory: &Inventory,
        fence: &Fence,
        revokes: &GrantSet,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        for m in self.skipped_models {
            notes.push(format!(
                "model {m} does not exist on the cluster: its EXECUTE grants wait until it does"
            ));
        }
        for s in self.skipped_schemas {
            notes.push(format!(
                "schema {s} does not exist on the cluster: its grants wait until it does"
            ));
        }
        for g in self.exempt {
            notes.push(format!(
                "{} is a superuser or owns the object: grants to it change nothing and are skipped",
                describe(g)
            ));
        }
        if self.kept > 0 {
            notes.push(format!(
                "[policy] mode = \"grant-only\": {} privilege{} the model does not require {} left in place",
                self.kept,
                plural(self.kept),
                is_are(self.kept)
            ));
        }
        if !inventory.sees_all && fence.revokes() {
            let login = &inventory.current_user;
            let unseen = if self.unseen > 0 {
                format!(" ({} visible privileges are not required)", self.unseen)
            } else {
                String::new()
            };
            notes.push(format!(
                "no revokes planned: {login} is not a superuser and lacks ACCESS SYSTEM TABLE, so the catalog shows it only its own grants{unseen}; connect as a superuser, or GRANT ACCESS SYSTEM TABLE TO ROLE ... and grant that role to {login}"
            ));
        }
        notes.extend(pattern_notes(
            fence,
            revokes,
            "is not named in the model but is",
        ));
        for grantee in self.outside {
            let why = match fence.standing(grantee) {
                Standing::Protected(p) => format!("protected by `{}`", p.text),
                _ => "not managed by this model".to_owned(),
            };
            notes.push(format!(
                "{} holds privileges on managed objects but is {why}: left alone",
                describe(grantee)
            ));
        }
        notes
    }

    /// Against the state of an older model file.
    fn model_notes(
        self,
        old: &State,
        new: &State,
        fence: &Fence,
        revokes: &GrantSet,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        for grantee in self.outside {
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
                Standing::Named | Standing::Pattern(_) => {}
            }
        }
        notes.extend(pattern_notes(fence, revokes, "left the model but stays"));
        for schema in old.schemas.keys() {
            if !new.schemas.contains_key(schema) {
                notes.push(format!(
                    "schema {schema} left the model: privileges on it and its models are no longer managed and will not be revoked"
                ));
            }
        }
        for m in old.models.keys() {
            if !new.models.contains_key(m) && !new.schemas.contains_key(&m.schema) {
                notes.push(format!(
                    "model {m} left the model: EXECUTE on it is no longer managed and will not be revoked"
                ));
            }
        }
        if self.kept > 0 {
            notes.push(format!(
                "[policy] mode = \"grant-only\": {} privilege{} no longer required {} left in place",
                self.kept,
                plural(self.kept),
                is_are(self.kept)
            ));
        }
        notes.extend(self.membership);
        notes
    }
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
