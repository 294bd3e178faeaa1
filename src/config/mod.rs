//! config: reads an access model file (TOML, version 1) into an [`AccessModel`], or into
//! [`Diagnostics`] that name every problem of the file with its line and column.
//!
//! The TOML is read with its spans (toml's `DeTable`) and walked by hand rather than through
//! serde, so that one run reports every problem, not just the first: `reader` holds the walk and
//! the value checks, `sections` the groups, schemas and models, `policy` the `[policy]` section,
//! `iam` the `[iam]` section. Each rule's TOML path (`schemas.demo_ml.creators`) is computed
//! here, once, for the provenance of every statement it requires. This module does no I/O beyond
//! reading the one file in [`load`], and never writes SQL.

mod diagnostic;
pub mod expiry;
mod iam;
mod iam_features;
mod policy;
mod reader;
mod roles;
pub mod schema;
mod sections;
mod targets;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub use crate::model::Loc;
pub use diagnostic::{Diagnostic, Diagnostics, SourceFile};
pub use iam::{
    IamSettings, IamStyle, check_account_id, check_bucket, check_kms_key, check_region,
    check_role_name, parse_role_arn, partition,
};
pub use iam_features::{Guide, IamFeatures};
pub use roles::{NamedRole, logical_id};
pub use targets::TargetDecl;

use reader::Reader;
use toml::de::DeTable;

use crate::model::{Grantee, GranteePattern, ModelName, Name, Origin, Rule};
use crate::text::sanitize;

/// The one access model version this build reads.
pub const VERSION: i64 = 1;

/// A validated access model.
#[derive(Debug)]
pub struct AccessModel {
    pub source: Arc<SourceFile>,
    /// The file's name as origins carry it.
    pub file: Arc<str>,
    pub groups: BTreeMap<Name, GroupDecl>,
    pub schemas: BTreeMap<Name, SchemaRules>,
    pub models: BTreeMap<ModelName, ModelRules>,
    pub policy: Policy,
    /// The `[iam]` section, when present.
    pub iam: Option<IamSettings>,
    /// The `[targets.NAME]` sections: the clusters this model is kept on.
    pub targets: BTreeMap<String, TargetDecl>,
    /// Warnings: where, and what (they do not make the file invalid).
    pub warnings: Vec<(Loc, String)>,
    /// The time expiring entries are judged at: set by the command line (the clock, or
    /// `--as-of`), `None` when no time is given (then no entry has ended). Never read from a
    /// clock here or in compile: the same model and time always give the same state.
    pub as_of: Option<crate::model::Instant>,
}

/// A declared group.
#[derive(Debug)]
pub struct GroupDecl {
    pub at: Loc,
    /// `None` when the file does not manage the group's members.
    pub members: Option<Vec<Member>>,
    /// The members rule (`groups.NAME.members`).
    pub rule: Arc<Rule>,
}

/// A member as a group's `members` lists it.
#[derive(Clone, Debug)]
pub struct Member {
    pub user: Name,
    pub at: Loc,
    /// The members rule, or an expiring entry's own.
    pub rule: Arc<Rule>,
}

impl Member {
    pub fn origin(&self) -> Origin {
        Origin {
            rule: self.rule.clone(),
            at: self.at,
        }
    }
}

/// A grantee reference as written in a rule, with its place in the file and the rule's TOML
/// path.
#[derive(Clone, Debug)]
pub struct Ref {
    pub grantee: Grantee,
    pub at: Loc,
    pub rule: Arc<Rule>,
}

impl Ref {
    /// The reference as the origin of what it requires.
    pub fn origin(&self) -> Origin {
        Origin {
            rule: self.rule.clone(),
            at: self.at,
        }
    }
}

/// `[schemas.NAME]`.
#[derive(Debug)]
pub struct SchemaRules {
    pub at: Loc,
    pub creators: Vec<Ref>,
    pub consumers: Vec<Ref>,
    /// IAM roles the creators may use for CREATE MODEL (ASSUMEROLE ... FOR CREATE MODEL).
    /// Each with where it is required: this schema's `iam_roles`, or a role's `schemas`.
    pub iam_roles: Vec<(String, Origin)>,
    /// The `iam_roles` rule (`schemas.NAME.iam_roles`).
    pub iam_rule: Arc<Rule>,
}

/// `[models."schema.model"]`.
#[derive(Debug)]
pub struct ModelRules {
    pub at: Loc,
    pub consumers: Vec<Ref>,
}

/// Whether a sync may revoke.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Revoke, inside the fence, what the model does not require.
    #[default]
    Sync,
    /// Never revoke.
    GrantOnly,
}

/// `[policy]`.
#[derive(Debug, Default)]
pub struct Policy {
    pub mode: Mode,
    pub manage: Vec<GranteePattern>,
    pub protect: Vec<GranteePattern>,
    /// Opt-in: `REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL`, without which per-group IAM roles
    /// restrict nothing.
    pub revoke_public_assumerole: Option<Loc>,
    /// A login trusted, besides superusers, to own mlgrant's audit schema.
    pub audit_owner: Option<Name>,
}

/// Why a model file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", .0.short())]
    Invalid(Diagnostics),
    #[error(
        "there is no model file {path}\n  = hint: name one with --config FILE, write a commented starter with `mlgrant init` (or `mlgrant init --from-cluster --url URL` from what a cluster holds), or try the bundled example: --config config.example.toml (in mlgrant's repository)"
    )]
    Missing { path: String },
    #[error("{path} is larger than 64 MiB: that is not an access model")]
    TooLarge { path: String },
    #[error("cannot read {path}: {why}")]
    NotReadable { path: String, why: String },
}

/// The largest model file mlgrant reads.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads and validates the model file at `path`.
pub fn load(path: &Path) -> Result<AccessModel, ConfigError> {
    if path == Path::new("-") {
        return load_stdin();
    }
    let name = path.display().to_string();
    let read_error = |source| ConfigError::Read {
        path: sanitize(&name),
        source,
    };
    let bytes = match crate::file::read_bounded(path, MAX_FILE_BYTES) {
        Ok(bytes) => bytes,
        Err(crate::file::FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::Missing {
                path: sanitize(&name),
            });
        }
        Err(crate::file::FileError::Io(e)) => return Err(read_error(e)),
        Err(crate::file::FileError::TooLarge { .. }) => {
            return Err(ConfigError::TooLarge {
                path: sanitize(&name),
            });
        }
        Err(e) => {
            return Err(ConfigError::NotReadable {
                path: sanitize(&name),
                why: e.to_string(),
            });
        }
    };
    from_bytes(&name, bytes)
}

/// The name a model read from stdin goes by in messages and provenance.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads the model from stdin (`--config -`), at most [`MAX_FILE_BYTES`] of it.
fn load_stdin() -> Result<AccessModel, ConfigError> {
    from_bytes(STDIN_NAME, read_stdin()?)
}

/// The bytes of a model on stdin, at most [`MAX_FILE_BYTES`] of them.
pub fn read_stdin() -> Result<Vec<u8>, ConfigError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ConfigError::Read {
            path: STDIN_NAME.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ConfigError::TooLarge {
            path: STDIN_NAME.to_owned(),
        });
    }
    Ok(bytes)
}

/// Validates model bytes: UTF-8, then TOML.
pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<AccessModel, ConfigError> {
    match String::from_utf8(bytes) {
        Ok(text) => parse(name, &text),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Err(ConfigError::Invalid(Diagnostics {
                file: SourceFile::new(name, text),
                items: vec![
                    Diagnostic::new(at..at, "the file is not valid UTF-8", "invalid byte here")
                        .hint("save the file as UTF-8"),
                ],
            }))
        }
    }
}

/// Validates model text; `name` is used in messages and provenance.
pub fn parse(name: &str, text: &str) -> Result<AccessModel, ConfigError> {
    let file = SourceFile::new(name, text);
    let (root, syntax) = DeTable::parse_recoverable(text);
    let mut reader = Reader {
        file: file.clone(),
        name: Arc::from(name),
        diags: Vec::new(),
        warnings: Vec::new(),
        role_refs: Vec::new(),
        role_schemas: Vec::new(),
        declared_roles: Default::default(),
    };
    if !syntax.is_empty() {
        for e in syntax {
            let span = e.span().unwrap_or(0..0);
            reader.push(Diagnostic::new(
                span,
                format!("TOML syntax: {}", e.message().trim_end()),
                "here",
            ));
        }
        return Err(reader.finish());
    }
    let model = reader.root(root.get_ref());
    if reader.diags.is_empty() {
        Ok(model)
    } else {
        Err(reader.finish())
    }
}

/// The allowed word closest to `word`, if one is close enough to be a likely typo.
/// A name of the same shape is preferred: `grp_8` means `grp_008` (numbers equal once leading
/// zeros go) before `grp_048`; then the fewest edits, then the most similar (Jaro-Winkler).
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let shape = numbers_unpadded(word);
    candidates
        .map(|c| {
            (
                numbers_unpadded(c) == shape,
                std::cmp::Reverse(strsim::levenshtein(word, c)),
                strsim::jaro_winkler(word, c),
                c,
            )
        })
        .filter(|(same, _, score, _)| *same || *score >= 0.85)
        .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)))
        .map(|(_, _, _, c)| c)
}

/// `word` with the leading zeros of every run of digits removed (`grp_008` -> `grp_8`).
fn numbers_unpadded(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut in_number = false;
    let chars: Vec<char> = word.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_is_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c == '0' && !in_number && next_is_digit {
            continue;
        }
        in_number = c.is_ascii_digit() && (in_number || c != '0' || !next_is_digit);
        out.push(c);
    }
    out
}

/// A TOML key as it would be written in a dotted path: bare when it can be, quoted otherwise
/// (toml_writer's choice of quotes).
pub fn toml_key(key: &str) -> String {
    use toml_writer::ToTomlKey;
    key.to_toml_key()
}

/// A TOML string value (toml_writer's choice of quotes and escapes).
pub fn toml_string(value: &str) -> String {
    use toml_writer::ToTomlValue;
    value.to_toml_value()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn did_you_mean_prefers_the_same_shape() {
        let names = ["grp_048", "grp_008", "grp_080"];
        assert_eq!(closest("grp_8", names.iter().copied()), Some("grp_008"));
        assert_eq!(closest("grp_48", names.iter().copied()), Some("grp_048"));
        assert_eq!(
            closest("consumer", ["consumers", "creators"].into_iter()),
            Some("consumers")
        );
        assert_eq!(closest("zzz", ["consumers"].into_iter()), None);
    }
}
