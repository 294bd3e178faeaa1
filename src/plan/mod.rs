//! plan: the ordered list of changes that diff decides and render writes out.
//!
//! A [`Plan`] is data only. [`Plan::build`] makes one step of the grants of one grantee on one
//! object (`GRANT CREATE, USAGE ON SCHEMA s TO GROUP g`) and fixes the order: groups created,
//! members added and dropped, then revokes, then grants; within each, by object (the database,
//! then schema by schema, a schema before its models), first privilege, grantee. Steps are what
//! reviewers read, each with its reasons; [`merge`] then packs them into the statements that run
//! (`GRANT EXECUTE ON MODEL s.m1, s.m2 TO GROUP g1, GROUP g2`), each listing the steps it carries.

mod merge;

use std::collections::{BTreeMap, BTreeSet};

pub use merge::{MAX_LIST, Merged, Statement};

use crate::model::{Grant, GrantSet, Grantee, Name, Object, Origin, Privilege, State};

/// One change to the cluster: one step of a plan, written alone as one SQL statement, and merged
/// with others of its kind into the statements that run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    CreateGroup {
        group: Name,
    },
    AddMember {
        group: Name,
        user: Name,
    },
    DropMember {
        group: Name,
        user: Name,
    },
    Revoke {
        privileges: Vec<Privilege>,
        object: Object,
        grantee: Grantee,
    },
    Grant {
        privileges: Vec<Privilege>,
        object: Object,
        grantee: Grantee,
    },
}

impl Change {
    /// The action's name in the JSON output and in summaries.
    pub fn action(&self) -> &'static str {
        match self {
            Change::CreateGroup { .. } => "create_group",
            Change::AddMember { .. } => "add_member",
            Change::DropMember { .. } => "drop_member",
            Change::Revoke { .. } => "revoke",
            Change::Grant { .. } => "grant",
        }
    }

    /// The grants a grant or revoke statement covers.
    pub fn grants(&self) -> Vec<Grant> {
        Merged::of(self).grants()
    }
}

/// A change and the places in the model files that call for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub change: Change,
    pub origins: Vec<Origin>,
    /// Why, when the origins do not say it (a revoke against a cluster, a group to create).
    pub why: Option<String>,
}

/// Membership changes, kept apart from grants.
#[derive(Debug, Default)]
pub struct Membership {
    pub create: BTreeSet<Name>,
    /// (group, user) pairs.
    pub add: BTreeMap<(Name, Name), Vec<Origin>>,
    pub drop: BTreeMap<(Name, Name), Vec<Origin>>,
}

/// An ordered list of changes plus what a reviewer should be told about them.
#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// The statements that run, each carrying some of the steps; every step is in exactly one.
    pub statements: Vec<Statement>,
    pub notes: Vec<String>,
    /// Grants the model requires that the login cannot confirm (it sees only its own grants):
    /// shown apart, never applied as drift.
    pub unverified: Vec<Step>,
    /// Changes held back on purpose (revokes the login cannot see to, revokes while a check
    /// fails, grants on models that are not ready): a plan with nothing else is not "in sync".
    pub withheld: usize,
    /// Models the plan grants on whose exact names no privilege row confirms (svv_ml_model_info
    /// pads them): a live plan asks `SHOW MODEL` for the first of them (`catalog::confirm`)
    /// and plans again; apply asks for those of a statement that fails as if the model did not
    /// exist, and tries again without the ones not found.
    pub unconfirmed: Vec<crate::model::ModelName>,
    /// The time the model's expiring entries were judged at, when it has any.
    pub as_of: Option<crate::model::Instant>,
    /// What a reviewer must not miss, from the model file (with its place there): shown in every
    /// format, besides what the statements themselves call for (`render::warnings`).
    pub warnings: Vec<Warning>,
}

/// A warning of the model file: where it stands and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub file: String,
    pub at: Option<crate::model::Loc>,
    pub message: String,
}

impl Warning {
    /// Warnings of the model file `file`, each with its place.
    pub fn in_file<'a>(
        file: &'a str,
        found: impl IntoIterator<Item = &'a (crate::model::Loc, String)> + 'a,
    ) -> impl Iterator<Item = Warning> + 'a {
        found.into_iter().map(move |(at, message)| Warning {
            file: file.to_owned(),
            at: Some(*at),
            message: message.clone(),
        })
    }

    /// `file:line:column: message` (or `message` alone when it has no place).
    pub fn located(&self) -> String {
        match &self.at {
            Some(at) => format!("{}:{at}: {}", self.file, self.message),
            None => self.message.clone(),
        }
    }
}

impl Plan {
    pub fn build(
        membership: Membership,
        revokes: &GrantSet,
        grants: &GrantSet,
        notes: Vec<String>,
    ) -> Plan {
        let (revokes, grants) = (by_target(revokes), by_target(grants));
        let mut steps = Vec::with_capacity(
            membership.create.len()
                + membership.add.len()
                + membership.drop.len()
                + revokes.len()
                + grants.len(),
        );
        for group in membership.create {
            steps.push(Step {
                change: Change::CreateGroup { group },
                origins: Vec::new(),
                why: None,
            });
        }
        for ((group, user), origins) in membership.add {
            steps.push(Step {
                change: Change::AddMember { group, user },
                origins,
                why: None,
            });
        }
        for ((group, user), origins) in membership.drop {
            steps.push(Step {
                change: Change::DropMember { group, user },
                origins,
                why: None,
            });
        }
        for (privileges, object, grantee, origins) in revokes {
            steps.push(Step {
                change: Change::Revoke {
                    privileges,
                    object,
                    grantee,
                },
                origins,
                why: None,
            });
        }
        for (privileges, object, grantee, origins) in grants {
            steps.push(Step {
                change: Change::Grant {
                    privileges,
                    object,
                    grantee,
                },
                origins,
                why: None,
            });
        }
        Plan {
            statements: merge::statements(&steps),
            steps,
            notes,
            unverified: Vec::new(),
            withheld: 0,
            unconfirmed: Vec::new(),
            warnings: Vec::new(),
            as_of: None,
        }
    }

    /// The plan that grants everything `desired` requires (and revokes what it forbids), with
    /// its notes: the script `compile` prints. The one constructor of that plan, for the
    /// command line, the tests and the fuzz target.
    pub fn grant_all(desired: &State) -> Plan {
        // The members each group lists (ALTER GROUP ... ADD USER): with them, the script leaves
        // the groups as the model has them, members included (it adds; dropping members the
        // model does not list needs the cluster, which `plan` reads).
        let mut membership = Membership::default();
        for (group, state) in &desired.groups {
            for (user, origins) in state.members.iter().flatten() {
                membership
                    .add
                    .insert((group.clone(), user.clone()), origins.to_vec());
            }
        }
        let mut plan = Plan::build(
            membership,
            &desired.forbidden,
            &desired.grants,
            desired.notes.clone(),
        );
        plan.as_of = desired.as_of;
        plan
    }

    /// The plan of the steps `keep` chooses, merged again into statements; its notes and
    /// warnings kept, its held-back changes not (they are not this plan's).
    pub fn only(&self, keep: impl Fn(&Step) -> bool) -> Plan {
        let steps: Vec<Step> = self.steps.iter().filter(|s| keep(s)).cloned().collect();
        Plan {
            statements: merge::statements(&steps),
            steps,
            notes: self.notes.clone(),
            unverified: Vec::new(),
            withheld: 0,
            unconfirmed: Vec::new(),
            warnings: self.warnings.clone(),
            as_of: self.as_of,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// "3 statements", or "10,100 changes in 100 statements" when statements carry several.
    pub fn size(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let statements = plural(self.statements.len(), "statement");
        if self.steps.len() == self.statements.len() {
            statements
        } else {
            format!("{} in {statements}", plural(self.steps.len(), "change"))
        }
    }

    /// How many steps of each action, in a fixed order.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for s in &self.steps {
            *counts.entry(s.change.action()).or_insert(0) += 1;
        }
        counts
    }

    /// The grant set that results from running this plan's statements, as they run, on `set`.
    pub fn apply_to(&self, set: &BTreeSet<Grant>) -> BTreeSet<Grant> {
        let mut out = set.clone();
        for st in &self.statements {
            match &st.merged {
                Merged::Privileges { grant: false, .. } => {
                    for g in st.merged.grants() {
                        out.remove(&g);
                    }
                }
                Merged::Privileges { grant: true, .. } => out.extend(st.merged.grants()),
                _ => {}
            }
        }
        out
    }
}

type ByTarget = (Vec<Privilege>, Object, Grantee, Vec<Origin>);

/// Groups grants by (object, grantee) into statements, ordered by object, first privilege, grantee.
/// A set holds one target's privileges side by side (its order), so grouping is one pass.
fn by_target(set: &GrantSet) -> Vec<ByTarget> {
    let mut out: Vec<ByTarget> = Vec::new();
    for (g, origins) in set {
        match out.last_mut() {
            Some((privileges, object, grantee, from))
                if *object == g.object && *grantee == g.grantee =>
            {
                privileges.push(g.privilege);
                for o in origins {
                    if !from.contains(o) {
                        from.push(o.clone());
                    }
                }
            }
            _ => {
                let mut from: Vec<Origin> = Vec::with_capacity(origins.len());
                for o in origins {
                    if !from.contains(o) {
                        from.push(o.clone());
                    }
                }
                out.push((vec![g.privilege], g.object.clone(), g.grantee.clone(), from));
            }
        }
    }
    for (privileges, _, _, origins) in &mut out {
        privileges.sort();
        privileges.dedup();
        origins.sort();
    }
    // Each entry's texts are looked up once, not at every comparison.
    out.sort_by_cached_key(|a| (a.1.sort_key(), a.0[0], a.2.sort_key()));
    out
}
