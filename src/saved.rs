//! saved: a plan written to a file for review (`plan --out FILE`) and applied exactly as reviewed
//! (`apply --plan FILE`). The file is a versioned JSON document: the statements, the model file's
//! digest, a digest of the managed part of the catalog the plan was made against, the cluster it
//! was made for (host, port, database, user; never a password), the mlgrant version and the time.
//! Pure: the caller reads and writes the file.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::AccessModel;
use crate::diff::Fence;
use crate::model::State;
use crate::plan::Plan;
use crate::render;

/// The name of the document's format.
pub const FORMAT: &str = "mlgrant.saved-plan";
/// Its version.
pub const VERSION: u32 = 1;

/// The cluster a plan was made for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
}

/// A saved plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedPlan {
    pub format: String,
    pub version: u32,
    pub mlgrant_version: String,
    /// When it was made, UTC.
    pub created_at: String,
    /// The time its expiring entries were judged at (`2027-01-31T00:00:00Z`); absent in
    /// plans of earlier versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    pub cluster: Cluster,
    /// The model file as given, and the SHA-256 of its text.
    pub model_file: String,
    pub model_digest: String,
    /// The SHA-256 of the managed part of the catalog the plan was made against.
    pub catalog_digest: String,
    /// The statements, in order, as they run.
    pub statements: Vec<String>,
}

/// Why a saved plan cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    #[error("{0} is not a saved plan of this mlgrant: {1}")]
    Unreadable(String, String),
    #[error(
        "{file} was planned for {planned}, not for {now}; nothing was changed: plan again against this cluster"
    )]
    OtherCluster {
        file: String,
        planned: String,
        now: String,
    },
    #[error(
        "the model file changed since {file} was planned (SHA-256 {planned}, now {now}); nothing was changed: plan again"
    )]
    ModelChanged {
        file: String,
        planned: String,
        now: String,
    },
    #[error(
        "{file} was made by mlgrant {planned}, this is {now}; nothing was changed: plan again with this version"
    )]
    OtherVersion {
        file: String,
        planned: String,
        now: String,
    },
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The plan's statements as they run.
pub fn statements(plan: &Plan) -> Vec<String> {
    plan.statements
        .iter()
        .map(|s| render::merged(&s.merged))
        .collect()
}

/// The SHA-256 of what the model manages on this cluster: the grants inside the fence's objects
/// held by its grantees, the declared groups and their members, the models of its schemas and
/// their owners and states, and what the login can see. Any change there can change the plan.
pub fn catalog_digest(model: &AccessModel, cluster: &State) -> String {
    let fence = Fence::of(model);
    let mut lines: Vec<String> = cluster
        .grants
        .keys()
        .filter(|g| fence.manages_object(g) && fence.manages_grantee(&g.grantee))
        .map(|g| format!("grant {g:?}"))
        .collect();
    for (group, state) in &cluster.groups {
        if model.groups.contains_key(group) {
            lines.push(format!("group {group:?} {:?}", state.members));
        }
    }
    for (m, owner) in &cluster.models {
        if model.schemas.contains_key(&m.schema) || model.models.contains_key(m) {
            lines.push(format!("model {m:?} {owner:?}"));
        }
    }
    for s in model.schemas.keys() {
        lines.push(format!("schema {s:?} {:?}", cluster.schemas.get(s)));
    }
    if let Some(i) = &cluster.cluster {
        lines.push(format!(
            "login {:?} {} {} {} {:?} {:?} {:?} {}",
            i.current_user,
            i.superuser,
            i.sees_all,
            i.sees_all_models,
            i.not_ready,
            i.ambiguous,
            i.unconfirmed
                .iter()
                .filter(|(_, why)| why.is_some())
                .collect::<Vec<_>>(),
            i.case_sensitive
        ));
    }
    lines.sort();
    sha256(lines.join("\n").as_bytes())
}

impl SavedPlan {
    /// A plan made now, for `cluster`, from `model` against `state`.
    pub fn new(
        plan: &Plan,
        model: &AccessModel,
        state: &State,
        cluster: Cluster,
        created_at: String,
    ) -> SavedPlan {
        SavedPlan {
            format: FORMAT.to_owned(),
            version: VERSION,
            mlgrant_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            as_of: model.as_of.map(|t| t.to_string()),
            cluster,
            model_file: model.source.name.clone(),
            model_digest: sha256(model.source.text.as_bytes()),
            catalog_digest: catalog_digest(model, state),
            statements: statements(plan),
        }
    }

    /// The document, pretty-printed JSON.
    pub fn to_json(&self) -> String {
        let mut s = crate::text::json_pretty(self);
        s.push('\n');
        s
    }

    /// Reads a document; `file` names it in messages.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<SavedPlan, SavedError> {
        let unreadable = |why: String| SavedError::Unreadable(file.to_owned(), why);
        let plan: SavedPlan =
            serde_json::from_slice(bytes).map_err(|e| unreadable(e.to_string()))?;
        if plan.format != FORMAT || plan.version != VERSION {
            return Err(unreadable(format!(
                "its format is {} version {}, not {FORMAT} version {VERSION}",
                plan.format, plan.version
            )));
        }
        Ok(plan)
    }

    /// Refuses a plan made for another cluster, another model text or another mlgrant.
    pub fn check(
        &self,
        file: &str,
        model: &AccessModel,
        cluster: &Cluster,
    ) -> Result<(), SavedError> {
        let describe = |c: &Cluster| format!("{}@{}:{}/{}", c.user, c.host, c.port, c.database);
        if &self.cluster != cluster {
            return Err(SavedError::OtherCluster {
                file: file.to_owned(),
                planned: describe(&self.cluster),
                now: describe(cluster),
            });
        }
        if self.mlgrant_version != env!("CARGO_PKG_VERSION") {
            return Err(SavedError::OtherVersion {
                file: file.to_owned(),
                planned: self.mlgrant_version.clone(),
                now: env!("CARGO_PKG_VERSION").to_owned(),
            });
        }
        let now = sha256(model.source.text.as_bytes());
        if now != self.model_digest {
            return Err(SavedError::ModelChanged {
                file: file.to_owned(),
                planned: self.model_digest.clone(),
                now,
            });
        }
        Ok(())
    }

    /// The SHA-256 of the document as written.
    pub fn digest(bytes: &[u8]) -> String {
        sha256(bytes)
    }
}
