//! The one state type that both producers fill and the one diff compares: compile makes the
//! state a model requires, the catalog the state a cluster holds.
//!
//! A state is grants with their origins, groups with their members when known, the schemas and
//! models it speaks for, and, for a cluster only, what the catalog alone knows ([`Inventory`]:
//! users, roles, superusers, the connected login and what it can see). Plain data: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use super::GrantSet;
use super::origin::{FastMap, FastSet, Origin, Origins};
use super::{Grant, Grantee, IamCommand, ModelName, Name, Object, Privilege};

/// A group as a state knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupState {
    /// Its members with the places that list them; `None` when the state does not manage (a
    /// model) or know them.
    pub members: Option<BTreeMap<Name, Origins>>,
    /// Where the group's `members` rule is declared (a model only): the origin of a drop.
    pub declared: Option<Origin>,
}

/// What only a cluster knows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The connected login.
    pub current_user: String,
    pub superuser: bool,
    /// Whether the login sees every identity in the svv privilege views (a superuser, or a
    /// holder of ACCESS SYSTEM TABLE). When false, nothing may be revoked, and grants to others
    /// cannot be confirmed.
    pub sees_all: bool,
    /// Whether the login sees every model (a superuser only: svv_ml_model_info shows any other
    /// login its own models, DG r_SVV_ML_MODEL_INFO). When false, no EXECUTE is revoked.
    pub sees_all_models: bool,
    /// Models that exist but are not ready (training, failed), with their state: their grants
    /// and revokes wait.
    pub not_ready: BTreeMap<ModelName, String>,
    /// Models whose names the catalog's blank padding makes ambiguous: never granted on or
    /// revoked from by guess.
    pub ambiguous: BTreeSet<ModelName>,
    /// Models only svv_ml_model_info shows: its char(128) columns drop trailing blanks, so their
    /// exact names are unconfirmed until `SHOW MODEL` finds them (`catalog::confirm`). `None`:
    /// not asked yet (a grant on it waits, and the plan lists it in `Plan::unconfirmed`);
    /// `Some(why)`: asked, and not found by that name (held back, with a warning).
    pub unconfirmed: BTreeMap<ModelName, Option<String>>,
    /// Warnings about models held back for their names (padding that makes two models one,
    /// characters that cannot be shown safely): the catalog's, shown in every format.
    pub name_warnings: Vec<String>,
    /// svv_iam_privileges rows of a shape mlgrant does not recognise (never revoked).
    pub unrecognised_iam: Vec<String>,
    /// `enable_case_sensitive_identifier` is on.
    pub case_sensitive: bool,
    /// The roles granted to each user, and to each role (nested roles).
    pub user_roles: BTreeMap<Name, BTreeSet<Name>>,
    pub role_roles: BTreeMap<Name, BTreeSet<Name>>,
    /// Users, with whether each is a superuser.
    pub users: BTreeMap<Name, bool>,
    pub roles: BTreeSet<Name>,
    /// The privileges mlgrant itself granted that stand granted by its ledger (mlgrant.ledger):
    /// those it may take back once the model no longer requires them.
    pub granted_by_mlgrant: FastMap<Grant, LedgerEntry>,
}

/// The ledger's record of a privilege mlgrant granted: which run, when, for which line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerEntry {
    pub run_id: String,
    pub applied_at: String,
    /// `file:line:column rule` of the model line that required it (empty when unknown).
    pub source: String,
}

/// Grants with their origins, groups, the objects spoken for, and the cluster's inventory.
#[derive(Clone, Debug, Default)]
pub struct State {
    /// Privileges required (a model) or held (a cluster).
    pub grants: GrantSet,
    /// What entries of a model that have ended (`until`) would require, and no other entry
    /// does: plan revokes what of it is held (a model only).
    pub expired: GrantSet,
    /// Members whose entries have ended, by (group, user), with where they are listed.
    pub expired_members: BTreeMap<(Name, Name), Origins>,
    /// The time the model's expiring entries were judged at (a model only).
    pub as_of: Option<crate::model::Instant>,
    /// Privileges a model asks to have revoked wherever they are held (`[policy]
    /// revoke_public_assumerole`). Always empty for a cluster.
    pub forbidden: GrantSet,
    pub groups: BTreeMap<Name, GroupState>,
    /// Schemas: declared (a model) or present, with their owners (a cluster).
    pub schemas: BTreeMap<Name, Option<Name>>,
    /// Models: declared under `[models]` (a model) or present, with their owners (a cluster).
    pub models: BTreeMap<ModelName, Option<Name>>,
    /// Grantees the model names (a model only).
    pub named: BTreeSet<Grantee>,
    /// What only a cluster knows; `None` for a state compiled from a model.
    pub cluster: Option<Inventory>,
    /// Things a reviewer should know about this state (e.g. rules resolved only at plan time).
    pub notes: Vec<String>,
}

impl Inventory {
    /// The read-only checks of what sync relies on that fail on this cluster; while any does,
    /// nothing is revoked (`mlgrant doctor` proves the rest).
    pub fn failed_checks(&self) -> Vec<String> {
        let mut failed = Vec::new();
        if self.case_sensitive {
            failed.push("enable_case_sensitive_identifier is on".to_owned());
        }
        if !self.unrecognised_iam.is_empty() {
            failed.push(format!(
                "{} svv_iam_privileges row{} of a shape mlgrant does not recognise",
                self.unrecognised_iam.len(),
                if self.unrecognised_iam.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ));
        }
        failed
    }
}

impl State {
    /// Whether `grantee` exists on the cluster (PUBLIC always does). A model's state knows no
    /// users or roles and answers from its groups.
    pub fn has(&self, grantee: &Grantee) -> bool {
        let inventory = self.cluster.as_ref();
        match grantee {
            Grantee::User(u) => inventory.is_some_and(|i| i.users.contains_key(u)),
            Grantee::Group(g) => self.groups.contains_key(g),
            Grantee::Role(r) => inventory.is_some_and(|i| i.roles.contains(r)),
            Grantee::Public => true,
        }
    }

    /// Whether this state may hold `grant`. A cluster answers from its grants. A model cannot
    /// know what a cluster holds beyond what it requires: it may hold a forbidden privilege
    /// (PUBLIC's ASSUMEROLE is a new cluster's default) unless this model already forbade it.
    /// An ASSUMEROLE grant FOR ALL is held when any command's row for that role and grantee is:
    /// svv_iam_privileges shows FOR ALL as one row per command (DG r_SVV_IAM_PRIVILEGES).
    pub fn may_hold(&self, grant: &Grant) -> bool {
        if self.cluster.is_some() {
            self.grants.contains_key(grant)
                || grant.privilege == Privilege::AssumeRole(IamCommand::All)
                    && self.grants.keys().any(|g| {
                        g.object == grant.object
                            && g.grantee == grant.grantee
                            && matches!(g.privilege, Privilege::AssumeRole(_))
                    })
        } else {
            !self.forbidden.contains_key(grant)
        }
    }

    /// What mlgrant never touches in this state, ready to be asked once per grant. A model's
    /// state exempts nothing.
    pub fn exemptions(&self) -> Exemptions<'_> {
        Exemptions {
            superusers: self
                .cluster
                .iter()
                .flat_map(|i| &i.users)
                .filter(|(_, superuser)| **superuser)
                .map(|(u, _)| u)
                .collect(),
            schema_owners: self
                .schemas
                .iter()
                .filter_map(|(s, o)| o.as_ref().map(|o| (s, o)))
                .collect(),
            model_owners: self
                .models
                .iter()
                .filter_map(|(m, o)| o.as_ref().map(|o| (m, o)))
                .collect(),
        }
    }
}

/// Grants mlgrant never touches: those held by a superuser (whose rights no grant changes) and
/// an owner's own rights on its schema or model. Lookups are hashed: a large plan asks about
/// every grant of the cluster.
#[derive(Debug, Default)]
pub struct Exemptions<'a> {
    superusers: FastSet<&'a Name>,
    schema_owners: FastMap<&'a Name, &'a Name>,
    model_owners: FastMap<&'a ModelName, &'a Name>,
}

impl Exemptions<'_> {
    /// No exemptions (two model files compared offline).
    pub fn none() -> Exemptions<'static> {
        Exemptions::default()
    }

    /// Whether `grantee` is a superuser (every grant to it is exempt).
    pub fn is_superuser(&self, grantee: &Grantee) -> bool {
        matches!(grantee, Grantee::User(u) if self.superusers.contains(u))
    }

    pub fn covers(&self, grant: &Grant) -> bool {
        let Grantee::User(user) = &grant.grantee else {
            return false;
        };
        if self.superusers.contains(user) {
            return true;
        }
        match (&grant.object, grant.privilege) {
            (Object::Schema(s), Privilege::Create | Privilege::Usage) => {
                self.schema_owners.get(s) == Some(&user)
            }
            (Object::Model(m), Privilege::Execute) => self.model_owners.get(m) == Some(&user),
            _ => false,
        }
    }
}
