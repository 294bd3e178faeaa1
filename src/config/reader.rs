//! The walk over a model file's TOML: one [`Reader`] collects every problem of the file as a
//! [`Diagnostic`] and builds the [`AccessModel`] from the sections that read cleanly. The
//! sections themselves are read in `sections`, `policy` and `iam`. Never prints.

use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{AccessModel, ConfigError, Diagnostic, Diagnostics, Loc, SourceFile, VERSION, closest};
use crate::model::{Name, NameKind};
use crate::text::sanitize;

pub(super) struct Reader {
    pub(super) file: Arc<SourceFile>,
    /// The file's name as origins carry it.
    pub(super) name: Arc<str>,
    pub(super) diags: Vec<Diagnostic>,
    /// Things worth saying that do not make the file invalid.
    pub(super) warnings: Vec<(Loc, String)>,
    /// Role names in schemas' `iam_roles`, resolved once `[iam.roles]` is read.
    pub(super) role_refs: Vec<(Range<usize>, String)>,
    /// The schemas `[iam.roles.NAME]` sections list, attached once the schemas are read.
    pub(super) role_schemas: Vec<super::roles::RoleSchema>,
    /// Every `[iam.roles.NAME]` written, valid or not.
    pub(super) declared_roles: std::collections::BTreeSet<String>,
}

/// Problems of a file that get a did-you-mean.
pub(super) const SUGGESTED: usize = 64;
/// Candidates a did-you-mean weighs.
pub(super) const CANDIDATES: usize = 4096;
/// The longest word a did-you-mean is sought for, in bytes.
pub(super) const WORD: usize = 128;

pub(super) type Entry<'a, 'i> = (
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
);

/// Table entries in file order (the map itself is sorted by key).
pub(super) fn entries<'a, 'i>(table: &'a DeTable<'i>) -> Vec<Entry<'a, 'i>> {
    let mut v: Vec<_> = table.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

pub(super) const ROOT_KEYS: &[&str] = &[
    "version", "groups", "schemas", "models", "policy", "iam", "targets",
];
pub(super) const GROUP_KEYS: &[&str] = &["members"];
pub(super) const SCHEMA_KEYS: &[&str] = &["creators", "consumers", "iam_roles"];
pub(super) const MODEL_KEYS: &[&str] = &["consumers"];
pub(super) const POLICY_KEYS: &[&str] = &[
    "mode",
    "manage",
    "protect",
    "revoke_public_assumerole",
    "audit_owner",
];
pub(super) const IAM_KEYS: &[&str] = &[
    "style",
    "account_id",
    "role_name",
    "role_arn",
    "region",
    "s3_bucket",
    "kms_key_id",
    "forecast",
    "vpc_routing",
    "sample_data",
    "bedrock_models",
    "sagemaker_endpoints",
    "serverless",
    "guide",
    "roles",
];

impl Reader {
    pub(super) fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// [`closest`] for a problem about to be pushed, within a bound: only the first
    /// [`SUGGESTED`] problems of a file get a did-you-mean (a report shows the first
    /// [`super::diagnostic::SHOWN`] in full), each weighs at most [`CANDIDATES`] candidates, and
    /// a word longer than [`WORD`] bytes gets none. So a file of a million misspelt names costs
    /// time linear in its size, not in its size times the model's names.
    pub(super) fn closest<'a>(
        &self,
        word: &str,
        candidates: impl Iterator<Item = &'a str>,
    ) -> Option<&'a str> {
        if self.diags.len() >= SUGGESTED || word.len() > WORD {
            return None;
        }
        closest(word, candidates.take(CANDIDATES))
    }

    pub(super) fn finish(self) -> ConfigError {
        let mut items = self.diags;
        items.sort_by_key(|d| (d.span.start, d.span.end));
        items.dedup();
        ConfigError::Invalid(Diagnostics {
            file: self.file,
            items,
        })
    }

    pub(super) fn loc(&self, span: &Range<usize>) -> Loc {
        self.file.loc(span.start)
    }

    pub(super) fn root(&mut self, root: &DeTable<'_>) -> AccessModel {
        let mut version = None;
        let (mut groups_v, mut schemas_v, mut models_v, mut policy_v) = (None, None, None, None);
        let (mut iam_v, mut targets_v) = (None, None);
        for (key, value) in entries(root) {
            match key.get_ref().as_ref() {
                "version" => version = Some(value),
                "groups" => groups_v = self.table(value, "groups"),
                "schemas" => schemas_v = self.table(value, "schemas"),
                "models" => models_v = self.table(value, "models"),
                "policy" => policy_v = self.table(value, "policy"),
                "iam" => iam_v = self.table(value, "iam").map(|t| (t, key.span())),
                "targets" => targets_v = self.table(value, "targets"),
                other if value.get_ref().is_table() => self.unknown_key(
                    other,
                    key.span(),
                    ROOT_KEYS,
                    "at the top level: there is no such section",
                ),
                other => self.unknown_key(other, key.span(), ROOT_KEYS, "at the top level"),
            }
        }
        match version {
            None => self.push(
                Diagnostic::new(0..0, "missing `version`", "the file starts here")
                    .hint(format!("put `version = {VERSION}` at the top of the file")),
            ),
            Some(v) => self.version(v),
        }
        let groups = groups_v.map(|t| self.groups(t)).unwrap_or_default();
        let mut schemas = schemas_v
            .map(|t| self.schemas(t, &groups))
            .unwrap_or_default();
        let models = models_v
            .map(|t| self.models(t, &groups))
            .unwrap_or_default();
        let policy = policy_v.map(|t| self.policy(t)).unwrap_or_default();
        let targets = targets_v.map(|t| self.targets(t)).unwrap_or_default();
        let iam_written = iam_v.is_some();
        let iam = iam_v.and_then(|(t, span)| self.iam(t, span));
        self.resolve_roles(&mut schemas, iam.as_ref(), iam_written);
        if policy.revoke_public_assumerole.is_some() {
            for (name, rules) in &schemas {
                if !rules.creators.is_empty() && rules.iam_roles.is_empty() {
                    self.warnings.push((
                        rules.at,
                        format!(
                            "revoke_public_assumerole = true takes every IAM role from PUBLIC, and schema {} gives its creators none: their CREATE MODEL ... IAM_ROLE fails; add iam_roles = [\"default\"] (the [iam] role), a role's name or ARN",
                            crate::text::sanitize(name.as_str())
                        ),
                    ));
                }
            }
        }
        AccessModel {
            source: self.file.clone(),
            file: self.name.clone(),
            warnings: std::mem::take(&mut self.warnings),
            groups,
            schemas,
            models,
            policy,
            iam,
            targets,
            as_of: None,
        }
    }

    fn version(&mut self, v: &Spanned<DeValue<'_>>) {
        let found = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            other => {
                self.push(
                    Diagnostic::new(
                        v.span(),
                        format!("`version` must be an integer, found {}", other.type_str()),
                        "expected an integer",
                    )
                    .hint(format!("write `version = {VERSION}`")),
                );
                return;
            }
        };
        if found != Some(VERSION) {
            let shown = match v.get_ref() {
                DeValue::Integer(i) => i.as_str().to_owned(),
                _ => String::new(),
            };
            self.push(
                Diagnostic::new(
                    v.span(),
                    format!("unsupported access model version {shown}"),
                    "unsupported version",
                )
                .hint(format!(
                    "this mlgrant reads version {VERSION}; write `version = {VERSION}`"
                )),
            );
        }
    }

    pub(super) fn table<'a, 'i>(
        &mut self,
        v: &'a Spanned<DeValue<'i>>,
        what: &str,
    ) -> Option<&'a DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.push(
                    Diagnostic::new(
                        v.span(),
                        format!("`{what}` must be a table, found {}", other.type_str()),
                        "expected a table",
                    )
                    .hint(format!("write it as a section: [{what}]")),
                );
                None
            }
        }
    }

    pub(super) fn strings(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        what: &str,
    ) -> Vec<(String, Range<usize>)> {
        let DeValue::Array(items) = v.get_ref() else {
            self.push(
                Diagnostic::new(
                    v.span(),
                    format!(
                        "`{what}` must be an array of strings, found {}",
                        v.get_ref().type_str()
                    ),
                    "expected an array",
                )
                .hint(format!("write `{what} = [\"...\"]`")),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span())),
                other => self.push(Diagnostic::new(
                    item.span(),
                    format!(
                        "`{what}` must hold strings only, found {}",
                        other.type_str()
                    ),
                    "expected a string",
                )),
            }
        }
        out
    }

    pub(super) fn unknown_key(
        &mut self,
        key: &str,
        span: Range<usize>,
        allowed: &[&str],
        place: &str,
    ) {
        let close = self.closest(key, allowed.iter().copied());
        let hint = match close {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!("allowed here: {}", allowed.join(", ")),
        };
        self.push(
            Diagnostic::new(
                span,
                format!("unknown key `{}` {place}", sanitize(key)),
                "unknown key",
            )
            .hint(hint),
        );
    }

    pub(super) fn name(&mut self, kind: NameKind, raw: &str, span: Range<usize>) -> Option<Name> {
        match Name::new(kind, raw) {
            Ok(n) => Some(n),
            Err(e) => {
                self.push(
                    Diagnostic::new(span, e.message, format!("invalid {kind} name"))
                        .maybe_hint(e.hint),
                );
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.push(
                    Diagnostic::new(
                        v.span(),
                        format!("`{what}` must be true or false, found {}", other.type_str()),
                        "expected a boolean",
                    )
                    .hint(format!("write `{what} = true` or `{what} = false`")),
                );
                None
            }
        }
    }

    pub(super) fn string(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.push(
                    Diagnostic::new(
                        v.span(),
                        format!("`{what}` must be a string, found {}", other.type_str()),
                        "expected a string",
                    )
                    .hint(format!("write `{what} = \"...\"`")),
                );
                None
            }
        }
    }
}
