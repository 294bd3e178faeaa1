//! What a reviewer should be told about a plan besides its statements: what the diff found and
//! left alone, worded for where the current state came from (an older model file, or a cluster).

use std::collections::{BTreeMap, BTreeSet};

use super::fence::{Fence, Standing};
use crate::model::{
    GrantSet, Grantee, GranteePattern, ModelName, Name, Object, State, quote_ident,
};
use crate::text::plural;

/// What the diff noticed on its way, turned into notes at the end.
#[derive(Default)]
pub(super) struct Findings<'a> {
    /// Models and schemas the model names that the cluster lacks: their grants wait.
    pub skipped_models: BTreeSet<&'a ModelName>,
    pub skipped_schemas: BTreeSet<&'a Name>,
    /// Grantees that are superusers (true) or own the objects listed: grants to them there
    /// change nothing.
    pub exempt: BTreeMap<&'a Grantee, (bool, BTreeSet<&'a Object>)>,
    /// Privileges not required but left in place by `mode = "grant-only"`.
    pub kept: usize,
    /// Privileges not required but not revoked because the login does not see every grant.
    pub unseen: usize,
    /// EXECUTE privileges not required but not revoked because the login does not see every
    /// model.
    pub models_unseen: usize,
    /// Privileges not required but not revoked because a read-only check failed.
    pub checks_withheld: usize,
    /// Models whose grants wait because they are not ready, with their state.
    pub not_ready: BTreeMap<ModelName, String>,
    /// Models whose grants wait because their exact names are unconfirmed: not asked yet
    /// (`None`), or not found by that name (why).
    /// Hashed (one entry per grant on such a model is asked for); sorted where it is listed.
    pub unconfirmed: crate::model::FastMap<ModelName, Option<String>>,
    /// Identity-provider roles and users the model names that the cluster lacks yet (Redshift
    /// makes them at a member's first login), with how many grants to them wait.
    pub directory_waits: BTreeMap<Grantee, usize>,
    /// System and data-sharing identities holding privileges on managed objects.
    pub system: BTreeSet<&'a Grantee>,
    /// Grantees outside the fence that hold what the model does not require, with what they
    /// hold on managed objects.
    pub outside: BTreeMap<&'a Grantee, BTreeSet<String>>,
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
            Some(_) => self.cluster_notes(current, fence, revokes),
            None => self.model_notes(current, desired, fence, revokes),
        }
    }

    /// Against a cluster.
    fn cluster_notes(self, current: &State, fence: &Fence, revokes: &GrantSet) -> Vec<String> {
        let Some(inventory) = &current.cluster else {
            return Vec::new();
        };
        let login = &inventory.current_user;
        let mut notes = current.notes.clone();
        for m in self.skipped_models {
            if inventory.sees_all_models {
                let close = current
                    .models
                    .keys()
                    .filter(|c| c.schema == m.schema)
                    .map(|c| (strsim::jaro_winkler(m.model.as_str(), c.model.as_str()), c))
                    .filter(|(score, _)| *score >= 0.85)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, c)| format!(" (did you mean {}?)", c.key()))
                    .unwrap_or_default();
                notes.push(format!(
                    "model {} does not exist on the cluster{close}: its EXECUTE grants wait until it does",
                    m.key()
                ));
            } else {
                notes.push(format!(
                    "model {} is not visible to {login}: svv_ml_model_info shows a login that is not a superuser only its own models, so whether it exists is unknown and its EXECUTE grants are not planned; connect as a superuser",
                    m.key()
                ));
            }
        }
        for (m, state) in self.not_ready {
            notes.push(match crate::model::ModelStage::of(&state) {
                crate::model::ModelStage::Unknown => format!(
                    "UNKNOWN MODEL STATE: model {} is in a state no Redshift page documents (model_state: {}): mlgrant does not know whether it can be granted on, so its grants and revokes wait; `mlgrant doctor` lists such states",
                    m.key(),
                    crate::text::sanitize(&state)
                ),
                crate::model::ModelStage::Failed => format!(
                    "model {} failed (model_state: {}): its grants and revokes wait until it is retrained or dropped",
                    m.key(),
                    crate::text::sanitize(&state)
                ),
                _ => format!(
                    "model {} is not ready (model_state: {}): its grants and revokes wait until it is",
                    m.key(),
                    crate::text::sanitize(&state)
                ),
            });
        }
        for s in self.skipped_schemas {
            notes.push(format!(
                "schema {} does not exist on the cluster: its grants wait until it does",
                quote_ident(s.as_str())
            ));
        }
        for (g, n) in self.directory_waits {
            notes.push(format!(
                "{} does not exist yet: Redshift creates it at the first login of a member of identity provider namespace {} (mlgrant never creates it); {n} change{} for it wait{} until then",
                describe(&g),
                g.idp_namespace().unwrap_or(""),
                plural(n),
                if n == 1 { "s" } else { "" }
            ));
        }
        for (g, (superuser, objects)) in self.exempt {
            if superuser {
                notes.push(format!(
                    "{} is a superuser: grants to it change nothing and are skipped",
                    describe(g)
                ));
            } else {
                let owned: Vec<String> = objects.iter().map(|o| describe_object(o)).collect();
                notes.push(format!(
                    "{} owns {}: the grants to it there change nothing and are skipped",
                    describe(g),
                    owned.join(", ")
                ));
            }
        }
        if self.kept > 0 {
            notes.push(format!(
                "[policy] mode = \"grant-only\": {} privilege{} the model does not require {} left in place",
                self.kept,
                plural(self.kept),
                is_are(self.kept)
            ));
        }
        let failed = inventory.failed_checks();
        if !failed.is_empty() && inventory.sees_all && fence.revokes() {
            notes.push(format!(
                "no revokes planned{}: a check of what sync relies on fails on this cluster ({}); run `mlgrant doctor` for what it means",
                if self.checks_withheld > 0 {
                    format!(
                        " ({} privilege{} not required {} kept)",
                        self.checks_withheld,
                        plural(self.checks_withheld),
                        is_are(self.checks_withheld)
                    )
                } else {
                    String::new()
                },
                failed.join("; ")
            ));
        }
        if !inventory.sees_all && fence.revokes() {
            let unseen = if self.unseen > 0 {
                format!(
                    " ({} visible privilege{} {} not required)",
                    self.unseen,
                    plural(self.unseen),
                    is_are(self.unseen)
                )
            } else {
                String::new()
            };
            notes.push(format!(
                "no revokes planned: {login} is not a superuser and lacks ACCESS SYSTEM TABLE, so the catalog shows it only its own grants{unseen}; grants to others cannot be confirmed and are listed apart; connect as a superuser, or GRANT ACCESS SYSTEM TABLE TO ROLE ... and grant that role to {login}"
            ));
        } else if !inventory.sees_all_models && fence.revokes() {
            let unseen = if self.models_unseen > 0 {
                format!(
                    " ({} EXECUTE privilege{} not required {} kept)",
                    self.models_unseen,
                    plural(self.models_unseen),
                    is_are(self.models_unseen)
                )
            } else {
                String::new()
            };
            notes.push(format!(
                "no EXECUTE revokes planned{unseen}: {login} is not a superuser, so svv_ml_model_info shows it only its own models and the models of every managed schema may be incomplete; EXECUTE is granted only on models it can see; connect as a superuser for a complete plan"
            ));
        }
        notes.extend(pattern_notes(
            fence,
            revokes,
            "is not named in the model but is",
        ));
        for grantee in self.system {
            let pattern = match fence.standing(grantee) {
                Standing::System(Some(p)) => format!(" (although `{}` matches it)", p.text),
                _ => String::new(),
            };
            notes.push(format!(
                "{} is a system or data-sharing identity that no statement may change: never managed{pattern}",
                describe(grantee)
            ));
        }
        // Protected grantees one by one; the unmanaged ones in one note, with what each holds
        // and the pattern that would manage them.
        let mut unmanaged = Vec::new();
        let mut patterns = Vec::new();
        for (grantee, held) in &self.outside {
            let held: Vec<&str> = held.iter().map(String::as_str).collect();
            match fence.standing(grantee) {
                Standing::Protected(p) => notes.push(format!(
                    "{} holds {} but is protected by `{}`: left alone",
                    describe(grantee),
                    held.join(", "),
                    p.text
                )),
                _ => {
                    unmanaged.push(format!("{} ({})", describe(grantee), held.join(", ")));
                    patterns.push(format!("\"{}\"", pattern_of(grantee)));
                }
            }
        }
        if !unmanaged.is_empty() {
            notes.push(format!(
                "left alone, not managed by this model: {}; to manage them, declare them or add [policy] manage = [{}]",
                unmanaged.join("; "),
                patterns.join(", ")
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
        for grantee in self.outside.keys() {
            match fence.standing(grantee) {
                Standing::Unmanaged if !fence.revokes() => notes.push(format!(
                    "{} left the model: with mode = \"grant-only\" nothing of it is revoked",
                    describe(grantee)
                )),
                Standing::Unmanaged => notes.push(format!(
                    "{} left the model and no [policy] manage pattern matches it: plan revokes what mlgrant's ledger shows it granted, and leaves its other grants alone (revoke them by hand, or add a manage pattern)",
                    describe(grantee)
                )),
                Standing::Protected(p) => notes.push(format!(
                    "{} is protected by `{}`: its grants are never revoked",
                    describe(grantee),
                    p.text
                )),
                Standing::Named | Standing::Pattern(_) | Standing::System(_) => {}
            }
        }
        notes.extend(pattern_notes(fence, revokes, "left the model but stays"));
        // A grantee the file starts to name is managed from now on: what it already holds on
        // the cluster inside the fence, and the file does not require, plan revokes. diff
        // cannot see the cluster, so it says so.
        if fence.revokes() {
            for grantee in new.named.difference(&old.named) {
                if matches!(fence.standing(grantee), Standing::Named) {
                    notes.push(format!(
                        "{} is newly managed: on a cluster, plan also revokes what it holds inside the fence that this file does not require, grants made by hand included (`mlgrant plan` lists them)",
                        describe(grantee)
                    ));
                }
            }
        }
        for schema in old.schemas.keys() {
            if !new.schemas.contains_key(schema) {
                notes.push(format!(
                    "schema {} left the model: privileges on it and its models are no longer managed and will not be revoked",
                    quote_ident(schema.as_str())
                ));
            }
        }
        for m in old.models.keys() {
            if !new.models.contains_key(m) && !new.schemas.contains_key(&m.schema) {
                notes.push(format!(
                    "model {} left the model: EXECUTE on it is no longer managed and will not be revoked",
                    m.key()
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

/// The warnings of models held back for their names: the catalog's (padding that makes models
/// one, characters that cannot be shown safely), and each model required by the file whose
/// exact name `SHOW MODEL` did not find (DG r_SVV_ML_MODEL_INFO pads names to char(128), so a
/// name that ends in blanks reads as one that does not).
pub(super) fn held_names(
    inventory: Option<&crate::model::Inventory>,
    unconfirmed: &crate::model::FastMap<ModelName, Option<String>>,
) -> Vec<String> {
    let mut out: Vec<String> = inventory
        .map(|i| i.name_warnings.clone())
        .unwrap_or_default();
    let mut asked: Vec<(&ModelName, &String)> = unconfirmed
        .iter()
        .filter_map(|(m, why)| Some((m, why.as_ref()?)))
        .collect();
    asked.sort_unstable();
    for (m, why) in asked {
        out.push(format!(
            "model {} is held back: svv_ml_model_info shows this name padded with blanks, and SHOW MODEL {} finds no model by it ({}); its real name most likely ends in blanks: it is neither granted on nor revoked from; drop it and create it again under a name without trailing blanks",
            crate::text::escape_controls(&m.key()),
            crate::text::escape_controls(&m.key()),
            crate::text::sanitize(why)
        ));
    }
    out
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

/// The `[policy] manage` pattern that matches exactly `g`.
fn pattern_of(g: &Grantee) -> String {
    let glob = |n: &Name| n.as_str().replace(['*', '?'], "?");
    match g {
        Grantee::Group(n) => format!("group:{}", glob(n)),
        Grantee::User(n) => format!("user:{}", glob(n)),
        Grantee::Role(n) => format!("role:{}", glob(n)),
        Grantee::Public => "public".to_owned(),
    }
}

/// An object in words, for notes, its names quoted as SQL quotes them.
pub fn describe_object(o: &Object) -> String {
    match o {
        Object::Database => "the database".to_owned(),
        Object::IamRole(arn) => format!("IAM role {arn}"),
        Object::Schema(s) => format!("schema {}", quote_ident(s.as_str())),
        Object::Model(m) => format!("model {}", m.key()),
    }
}

/// A grantee in words, for notes; a name that is not a plain identifier is quoted as SQL
/// quotes it, so that blanks and look-alikes show.
pub fn describe(g: &Grantee) -> String {
    match g {
        Grantee::Group(n) => format!("group {}", quote_ident(n.as_str())),
        Grantee::Role(n) => format!("role {}", quote_ident(n.as_str())),
        Grantee::User(n) => format!("user {}", quote_ident(n.as_str())),
        Grantee::Public => "PUBLIC".to_owned(),
    }
}
