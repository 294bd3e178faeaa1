//! The fence: what a sync driven by one access model may ever revoke. A revoke is planned only
//! for a privilege of a managed kind, on a managed object, held by a managed grantee, that the
//! model does not require.
//!
//! - managed objects: the database (for CREATE MODEL); schemas declared under `[schemas]`, for
//!   CREATE, USAGE and EXECUTE on every model in them; models declared under `[models]`, for
//!   EXECUTE on that model only (USAGE on their schema is managed only when the schema is
//!   declared too, since schema USAGE also serves tables); ASSUMEROLE for CREATE MODEL once any
//!   schema names `iam_roles`;
//! - managed grantees: declared groups, the users, roles and PUBLIC that rules name, and whatever
//!   `[policy] manage` patterns match;
//! - never: names matched by `[policy] protect`; with `mode = "grant-only"`, nothing at all.
//!
//! The fence is consulted only through its methods.

use std::collections::{BTreeMap, BTreeSet};

use crate::compile::named;
use crate::config::{AccessModel, Mode};
use crate::model::{
    FastSet, Grant, Grantee, GranteePattern, IamCommand, Loc, ModelName, Name, Object, Privilege,
};

/// The bounds of what a sync driven by one access model may revoke.
#[derive(Debug)]
pub struct Fence<'a> {
    model: &'a AccessModel,
    named: BTreeSet<Grantee>,
    /// Where the model first declares or names each grantee.
    named_at: BTreeMap<Grantee, Loc>,
    /// The model's schemas and models, hashed (names are interned: pointer hashing) for the
    /// per-grant checks of a large plan.
    schemas: FastSet<&'a Name>,
    models: FastSet<&'a ModelName>,
    /// Whether any schema names IAM roles.
    any_iam_roles: bool,
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
    /// A system (`sys:`) or data-sharing (`ds:`) identity, which no statement may change
    /// (DG r_roles-default): never managed, whatever a pattern says (the pattern that would
    /// have matched it, if any).
    System(Option<&'a GranteePattern>),
    Unmanaged,
}

impl<'a> Fence<'a> {
    pub fn of(model: &'a AccessModel) -> Fence<'a> {
        let mut named_at: BTreeMap<Grantee, Loc> = BTreeMap::new();
        for (g, decl) in &model.groups {
            named_at.insert(Grantee::Group(g.clone()), decl.at);
        }
        let rules = model
            .schemas
            .values()
            .flat_map(|s| s.creators.iter().chain(&s.consumers))
            .chain(model.models.values().flat_map(|m| &m.consumers));
        for r in rules {
            let at = named_at.entry(r.grantee.clone()).or_insert(r.at);
            *at = (*at).min(r.at);
        }
        Fence {
            model,
            named: named(model),
            named_at,
            schemas: model.schemas.keys().collect(),
            models: model.models.keys().collect(),
            any_iam_roles: model.schemas.values().any(|s| !s.iam_roles.is_empty()),
        }
    }

    /// Why `grantee` is managed, in words with the place in the file: "declared at f:l:c",
    /// "named at f:l:c", or "matched by the pattern `p` at f:l:c". `None` when it is not.
    pub fn why_managed(&self, grantee: &Grantee) -> Option<String> {
        let file = &self.model.source.name;
        match self.standing(grantee) {
            Standing::Named => {
                let at = self.named_at.get(grantee)?;
                let how = if matches!(grantee, Grantee::Group(g) if self.model.groups.contains_key(g))
                {
                    "declared"
                } else {
                    "named"
                };
                Some(format!("it is {how} at {file}:{at}"))
            }
            Standing::Pattern(p) => Some(format!(
                "it is matched by the pattern `{}` at {file}:{}",
                p.text, p.at
            )),
            _ => None,
        }
    }

    /// Where the model declares `group`.
    pub fn declared_at(&self, group: &crate::model::Name) -> Option<String> {
        let decl = self.model.groups.get(group)?;
        Some(format!("{}:{}", self.model.source.name, decl.at))
    }

    /// The grantees the model names (declared groups and those its rules name).
    pub fn named(&self) -> &BTreeSet<Grantee> {
        &self.named
    }

    /// Whether the fence may revoke at all (`mode = "sync"`).
    pub fn revokes(&self) -> bool {
        self.model.policy.mode == Mode::Sync
    }

    /// Whether `grantee` is a system or data-sharing identity.
    pub fn is_system(&self, grantee: &Grantee) -> bool {
        grantee
            .name()
            .is_some_and(|n| n.as_str().starts_with("sys:") || n.as_str().starts_with("ds:"))
            && matches!(grantee, Grantee::Role(_) | Grantee::User(_))
    }

    pub fn standing(&self, grantee: &Grantee) -> Standing<'a> {
        let policy = &self.model.policy;
        if self.is_system(grantee) {
            return Standing::System(policy.manage.iter().find(|p| p.matches(grantee)));
        }
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
            Object::IamRole(_) => {
                grant.privilege == Privilege::AssumeRole(IamCommand::CreateModel)
                    && self.any_iam_roles
            }
            Object::Schema(s) => self.schemas.contains(s),
            Object::Model(m) => self.schemas.contains(&m.schema) || self.models.contains(m),
        }
    }

    /// Whether the model names schema `s`, itself or through one of its models.
    pub fn mentions_schema(&self, s: &crate::model::Name) -> bool {
        self.schemas.contains(s) || self.models.iter().any(|m| &m.schema == s)
    }

    /// Whether a sync may revoke `grant` (if the model does not require it).
    pub fn contains(&self, grant: &Grant) -> bool {
        self.revokes() && self.manages_object(grant) && self.manages_grantee(&grant.grantee)
    }
}
