//! config: reads an access model file (TOML, version 1) into an [`AccessModel`], or into
//! [`Diagnostics`] that name every problem of the file with its line and column.
//!
//! The TOML is read with its spans (toml's `DeTable`) and walked by hand rather than through
//! serde, so that one run reports every problem, not just the first. This module does no I/O
//! beyond reading the one file in [`load`], and never writes SQL.

mod diagnostic;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub use diagnostic::{Diagnostic, Diagnostics, Loc, SourceFile, sanitize};

use crate::model::{
    Grantee, GranteeKind, GranteePattern, ModelName, Name, NameKind, read_qualified,
};

/// The one access model version this build reads.
pub const VERSION: i64 = 1;

/// A validated access model.
#[derive(Debug)]
pub struct AccessModel {
    pub source: Arc<SourceFile>,
    pub groups: BTreeMap<Name, GroupDecl>,
    pub schemas: BTreeMap<Name, SchemaRules>,
    pub models: BTreeMap<ModelName, ModelRules>,
    pub policy: Policy,
    /// The `[iam]` section, when present.
    pub iam: Option<crate::iam::IamSettings>,
}

/// A declared group.
#[derive(Debug)]
pub struct GroupDecl {
    pub at: Loc,
    /// `None` when the file does not manage the group's members.
    pub members: Option<Vec<(Name, Loc)>>,
}

/// A grantee reference as written in a rule, with its place in the file.
#[derive(Clone, Debug)]
pub struct Ref {
    pub grantee: Grantee,
    pub at: Loc,
}

/// `[schemas.NAME]`.
#[derive(Debug, Default)]
pub struct SchemaRules {
    pub at: Loc,
    pub creators: Vec<Ref>,
    pub consumers: Vec<Ref>,
    /// IAM roles the creators may use for CREATE MODEL (ASSUMEROLE ... FOR CREATE MODEL).
    pub iam_roles: Vec<(String, Loc)>,
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
}

impl Default for Loc {
    fn default() -> Self {
        Loc { line: 1, column: 1 }
    }
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
    #[error("{path} is {size} bytes, larger than 64 MiB: that is not an access model")]
    TooLarge { path: String, size: u64 },
}

/// The largest model file mlgrant reads.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads and validates the model file at `path`.
pub fn load(path: &Path) -> Result<AccessModel, ConfigError> {
    let name = path.display().to_string();
    let read_error = |source| ConfigError::Read {
        path: sanitize(&name),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ConfigError::TooLarge {
            path: sanitize(&name),
            size,
        });
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    match String::from_utf8(bytes) {
        Ok(text) => parse(&name, &text),
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
        diags: Vec::new(),
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

struct Reader {
    file: Arc<SourceFile>,
    diags: Vec<Diagnostic>,
}

type Entry<'a, 'i> = (
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
);

/// Table entries in file order (the map itself is sorted by key).
fn entries<'a, 'i>(table: &'a DeTable<'i>) -> Vec<Entry<'a, 'i>> {
    let mut v: Vec<_> = table.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

const ROOT_KEYS: &[&str] = &["version", "groups", "schemas", "models", "policy", "iam"];
const GROUP_KEYS: &[&str] = &["members"];
const SCHEMA_KEYS: &[&str] = &["creators", "consumers", "iam_roles"];
const MODEL_KEYS: &[&str] = &["consumers"];
const POLICY_KEYS: &[&str] = &["mode", "manage", "protect", "revoke_public_assumerole"];
const IAM_KEYS: &[&str] = &[
    "account_id",
    "role_name",
    "role_arn",
    "region",
    "s3_bucket",
    "kms_key_id",
    "forecast",
    "vpc_routing",
    "sample_data",
];

impl Reader {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn finish(self) -> ConfigError {
        let mut items = self.diags;
        items.sort_by_key(|d| (d.span.start, d.span.end));
        items.dedup();
        ConfigError::Invalid(Diagnostics {
            file: self.file,
            items,
        })
    }

    fn loc(&self, span: &Range<usize>) -> Loc {
        self.file.loc(span.start)
    }

    fn root(&mut self, root: &DeTable<'_>) -> AccessModel {
        let mut version = None;
        let (mut groups_v, mut schemas_v, mut models_v, mut policy_v) = (None, None, None, None);
        let mut iam_v = None;
        for (key, value) in entries(root) {
            match key.get_ref().as_ref() {
                "version" => version = Some(value),
                "groups" => groups_v = self.table(value, "groups"),
                "schemas" => schemas_v = self.table(value, "schemas"),
                "models" => models_v = self.table(value, "models"),
                "policy" => policy_v = self.table(value, "policy"),
                "iam" => iam_v = self.table(value, "iam").map(|t| (t, key.span())),
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
        let schemas = schemas_v
            .map(|t| self.schemas(t, &groups))
            .unwrap_or_default();
        let models = models_v
            .map(|t| self.models(t, &groups))
            .unwrap_or_default();
        let policy = policy_v.map(|t| self.policy(t)).unwrap_or_default();
        let iam = iam_v.and_then(|(t, span)| self.iam(t, span));
        AccessModel {
            source: self.file.clone(),
            groups,
            schemas,
            models,
            policy,
            iam,
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

    fn table<'a, 'i>(
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

    fn strings(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Vec<(String, Range<usize>)> {
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

    fn unknown_key(&mut self, key: &str, span: Range<usize>, allowed: &[&str], place: &str) {
        let close = closest(key, allowed.iter().copied());
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

    fn name(&mut self, kind: NameKind, raw: &str, span: Range<usize>) -> Option<Name> {
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

    fn groups(&mut self, table: &DeTable<'_>) -> BTreeMap<Name, GroupDecl> {
        let mut groups = BTreeMap::new();
        for (key, value) in entries(table) {
            let name = self.name(NameKind::Group, key.get_ref(), key.span());
            let at = self.loc(&key.span());
            let mut members = None;
            if let Some(body) = self.table(value, &format!("groups.{}", toml_key(key.get_ref()))) {
                for (k, v) in entries(body) {
                    match k.get_ref().as_ref() {
                        "members" => {
                            let mut seen = BTreeSet::new();
                            let mut list = Vec::new();
                            for (raw, span) in self.strings(v, "members") {
                                let raw = raw.strip_prefix("user:").unwrap_or(&raw);
                                if let Some(user) = self.name(NameKind::User, raw, span.clone()) {
                                    if !seen.insert(user.clone()) {
                                        self.push(Diagnostic::new(
                                            span.clone(),
                                            format!("user `{user}` is listed twice in members"),
                                            "listed again here",
                                        ));
                                    }
                                    list.push((user, self.loc(&span)));
                                }
                            }
                            members = Some(list);
                        }
                        other => self.unknown_key(other, k.span(), GROUP_KEYS, "in a group"),
                    }
                }
            }
            if let Some(name) = name {
                groups.insert(name, GroupDecl { at, members });
            }
        }
        groups
    }

    fn schemas(
        &mut self,
        table: &DeTable<'_>,
        groups: &BTreeMap<Name, GroupDecl>,
    ) -> BTreeMap<Name, SchemaRules> {
        let mut schemas = BTreeMap::new();
        for (key, value) in entries(table) {
            let name = self.name(NameKind::Schema, key.get_ref(), key.span());
            let mut rules = SchemaRules {
                at: self.loc(&key.span()),
                ..SchemaRules::default()
            };
            if let Some(body) = self.table(value, &format!("schemas.{}", toml_key(key.get_ref()))) {
                for (k, v) in entries(body) {
                    match k.get_ref().as_ref() {
                        "creators" => rules.creators = self.refs(v, "creators", groups),
                        "consumers" => rules.consumers = self.refs(v, "consumers", groups),
                        "iam_roles" => {
                            for (arn, span) in self.strings(v, "iam_roles") {
                                match crate::iam::parse_role_arn(&arn) {
                                    Ok(_) => rules.iam_roles.push((arn, self.loc(&span))),
                                    Err(e) => {
                                        self.push(Diagnostic::new(span, e, "not an IAM role ARN"))
                                    }
                                }
                            }
                        }
                        other => self.unknown_key(other, k.span(), SCHEMA_KEYS, "in a schema"),
                    }
                }
            }
            if let Some(name) = name {
                schemas.insert(name, rules);
            }
        }
        schemas
    }

    fn models(
        &mut self,
        table: &DeTable<'_>,
        groups: &BTreeMap<Name, GroupDecl>,
    ) -> BTreeMap<ModelName, ModelRules> {
        let mut models: BTreeMap<ModelName, ModelRules> = BTreeMap::new();
        for (key, value) in entries(table) {
            let model = self.model_key(key.get_ref(), key.span());
            let mut rules = ModelRules {
                at: self.loc(&key.span()),
                consumers: Vec::new(),
            };
            if let Some(body) = self.table(value, &format!("models.{}", toml_key(key.get_ref()))) {
                for (k, v) in entries(body) {
                    match k.get_ref().as_ref() {
                        "consumers" => rules.consumers = self.refs(v, "consumers", groups),
                        other => self.unknown_key(other, k.span(), MODEL_KEYS, "in a model"),
                    }
                }
            }
            if let Some(model) = model {
                if let Some(first) = models.get(&model) {
                    let first = first.at;
                    self.push(
                        Diagnostic::new(
                            key.span(),
                            format!("model {model} is declared twice"),
                            "declared again here",
                        )
                        .hint(format!(
                            "it is first declared at line {}; merge the two",
                            first.line
                        )),
                    );
                } else {
                    models.insert(model, rules);
                }
            }
        }
        models
    }

    /// Reads a model key with the SQL tokenizer; spans of problems point into the key where the
    /// key is written without escapes, else at the whole key.
    fn model_key(&mut self, key: &str, span: Range<usize>) -> Option<ModelName> {
        let raw = &self.file.text[span.clone()];
        let inner_start = if raw.len() >= 2
            && (raw.starts_with('"') || raw.starts_with('\''))
            && &raw[1..raw.len() - 1] == key
        {
            Some(span.start + 1)
        } else if raw == key {
            Some(span.start)
        } else {
            None
        };
        let place = |r: Range<usize>| match inner_start {
            Some(s) => s + r.start..s + r.end.max(r.start),
            None => span.clone(),
        };
        match read_qualified(key) {
            Err(e) => {
                self.push(
                    Diagnostic::new(place(e.at), e.message, "not schema.model").maybe_hint(e.hint),
                );
                None
            }
            Ok([(schema, s_at), (model, m_at)]) => {
                let schema = self.name(NameKind::Schema, &schema, place(s_at));
                let model = self.name(NameKind::Model, &model, place(m_at));
                Some(ModelName {
                    schema: schema?,
                    model: model?,
                })
            }
        }
    }

    fn refs(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        what: &str,
        groups: &BTreeMap<Name, GroupDecl>,
    ) -> Vec<Ref> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (raw, span) in self.strings(v, what) {
            let Some(grantee) = self.grantee(&raw, span.clone(), groups) else {
                continue;
            };
            if !seen.insert(grantee.clone()) {
                self.push(Diagnostic::new(
                    span.clone(),
                    format!("`{}` is listed twice in {what}", sanitize(&raw)),
                    "listed again here",
                ));
                continue;
            }
            out.push(Ref {
                grantee,
                at: self.loc(&span),
            });
        }
        out
    }

    fn grantee(
        &mut self,
        raw: &str,
        span: Range<usize>,
        groups: &BTreeMap<Name, GroupDecl>,
    ) -> Option<Grantee> {
        let (kind, name) = match crate::model::split_kind(raw) {
            Ok(x) => x,
            Err(kind) => {
                self.push(
                    Diagnostic::new(
                        span,
                        format!("unknown grantee kind `{}:`", sanitize(kind)),
                        "unknown kind",
                    )
                    .hint(format!(
                        "a grantee is a declared group, `user:NAME`, `role:NAME` or `public`; for a user whose name holds a colon write `user:{}`",
                        sanitize(raw)
                    )),
                );
                return None;
            }
        };
        if kind == GranteeKind::Public {
            return Some(Grantee::Public);
        }
        let nk = match kind {
            GranteeKind::Group => NameKind::Group,
            GranteeKind::Role => NameKind::Role,
            _ => NameKind::User,
        };
        let name = self.name(nk, name, span.clone())?;
        match kind {
            GranteeKind::Group => {
                if !groups.contains_key(&name) {
                    let mut hint = String::new();
                    if let Some(close) = closest(name.as_str(), groups.keys().map(Name::as_str)) {
                        hint.push_str(&format!("did you mean the declared group `{close}`? "));
                    }
                    hint.push_str(&format!(
                        "Declare it with [groups.{}], or write `user:{}` for a user or `role:{}` for a role",
                        toml_key(name.as_str()),
                        name,
                        name
                    ));
                    self.push(
                        Diagnostic::new(
                            span,
                            format!("`{name}` is not a declared group"),
                            "undeclared group",
                        )
                        .hint(hint),
                    );
                    return None;
                }
                Some(Grantee::Group(name))
            }
            GranteeKind::Role => Some(Grantee::Role(name)),
            _ => Some(Grantee::User(name)),
        }
    }

    fn policy(&mut self, table: &DeTable<'_>) -> Policy {
        let mut policy = Policy::default();
        for (k, v) in entries(table) {
            match k.get_ref().as_ref() {
                "mode" => match v.get_ref() {
                    DeValue::String(s) if s == "sync" => policy.mode = Mode::Sync,
                    DeValue::String(s) if s == "grant-only" => policy.mode = Mode::GrantOnly,
                    other => {
                        let found = match other {
                            DeValue::String(s) => format!("`{}`", sanitize(s)),
                            other => other.type_str().to_owned(),
                        };
                        self.push(
                            Diagnostic::new(
                                v.span(),
                                format!("`mode` must be \"sync\" or \"grant-only\", found {found}"),
                                "unknown mode",
                            )
                            .hint("\"sync\" revokes what the model does not require, inside the fence; \"grant-only\" never revokes"),
                        );
                    }
                },
                "manage" => policy.manage = self.patterns(v, "manage"),
                "revoke_public_assumerole" => {
                    if self.boolean(v, "revoke_public_assumerole") == Some(true) {
                        policy.revoke_public_assumerole = Some(self.loc(&v.span()));
                    }
                }
                "protect" => policy.protect = self.patterns(v, "protect"),
                other => self.unknown_key(other, k.span(), POLICY_KEYS, "in [policy]"),
            }
        }
        policy
    }

    fn boolean(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<bool> {
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

    fn string(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
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

    /// `[iam]`: each value checked where it stands; missing keys reported at the section.
    fn iam(&mut self, table: &DeTable<'_>, at: Range<usize>) -> Option<crate::iam::IamSettings> {
        use crate::iam;
        let mut fields: BTreeMap<&str, (String, Range<usize>)> = BTreeMap::new();
        let (mut forecast, mut vpc_routing, mut sample_data) = (false, false, true);
        let mut ok = true;
        let mut present: BTreeSet<String> = BTreeSet::new();
        for (k, v) in entries(table) {
            let key = k.get_ref().as_ref();
            present.insert(key.to_owned());
            match key {
                "forecast" | "vpc_routing" | "sample_data" => match self.boolean(v, key) {
                    Some(b) if key == "forecast" => forecast = b,
                    Some(b) if key == "vpc_routing" => vpc_routing = b,
                    Some(b) => sample_data = b,
                    None => ok = false,
                },
                "account_id" | "role_name" | "role_arn" | "region" | "s3_bucket" | "kms_key_id" => {
                    let Some(text) = self.string(v, key) else {
                        ok = false;
                        continue;
                    };
                    let checked = match key {
                        "account_id" => iam::check_account_id(&text),
                        "role_name" => iam::check_role_name(&text),
                        "role_arn" => iam::parse_role_arn(&text).map(|_| ()),
                        "region" => iam::check_region(&text),
                        "s3_bucket" => iam::check_bucket(&text),
                        _ => iam::check_kms_key(&text),
                    };
                    if let Err(e) = checked {
                        self.push(Diagnostic::new(v.span(), e, format!("invalid {key}")));
                        ok = false;
                    }
                    let idx = IAM_KEYS.iter().position(|k| *k == key).unwrap_or(0);
                    fields.insert(IAM_KEYS[idx], (text, v.span()));
                }
                other => {
                    self.unknown_key(other, k.span(), IAM_KEYS, "in [iam]");
                    ok = false;
                }
            }
        }
        let from_arn = fields
            .get("role_arn")
            .and_then(|(arn, _)| iam::parse_role_arn(arn).ok());
        if let (Some((account, name)), Some((given, span))) = (&from_arn, fields.get("role_name"))
            && given != name
        {
            self.push(Diagnostic::new(
                span.clone(),
                format!("role_name `{given}` does not match role_arn, which names `{name}`"),
                "does not match role_arn",
            ));
            ok = false;
            let _ = account;
        }
        if let (Some((account, _)), Some((given, span))) = (&from_arn, fields.get("account_id"))
            && given != account
        {
            self.push(Diagnostic::new(
                span.clone(),
                format!(
                    "account_id `{given}` does not match role_arn, which is in account {account}"
                ),
                "does not match role_arn",
            ));
            ok = false;
        }
        let account = fields
            .get("account_id")
            .map(|(a, _)| a.clone())
            .or_else(|| from_arn.as_ref().map(|(a, _)| a.clone()));
        let role_name = fields
            .get("role_name")
            .map(|(n, _)| n.clone())
            .or_else(|| from_arn.as_ref().map(|(_, n)| n.clone()));
        let has = |k: &str| present.contains(k);
        let mut missing = Vec::new();
        if !has("account_id") && !has("role_arn") {
            missing.push("account_id");
        }
        if !has("role_name") && !has("role_arn") {
            missing.push("role_name (or role_arn)");
        }
        for key in ["region", "s3_bucket"] {
            if !has(key) {
                missing.push(key);
            }
        }
        if !missing.is_empty() {
            self.push(
                Diagnostic::new(
                    at,
                    format!("[iam] lacks {}", missing.join(", ")),
                    "incomplete section",
                )
                .hint("an [iam] section needs account_id, role_name (or role_arn), region and s3_bucket"),
            );
            return None;
        }
        if !ok {
            return None;
        }
        let account_id = account?;
        let role_name = role_name?;
        let region = fields.get("region")?.0.clone();
        let role_arn = fields
            .get("role_arn")
            .map(|(a, _)| a.clone())
            .unwrap_or_else(|| {
                format!(
                    "arn:{}:iam::{account_id}:role/{role_name}",
                    iam::partition(&region)
                )
            });
        Some(iam::IamSettings {
            account_id,
            role_name,
            role_arn,
            region,
            s3_bucket: fields.get("s3_bucket")?.0.clone(),
            kms_key_id: fields.get("kms_key_id").map(|(k, _)| k.clone()),
            forecast,
            vpc_routing,
            sample_data,
        })
    }

    fn patterns(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Vec<GranteePattern> {
        let mut out = Vec::new();
        for (raw, span) in self.strings(v, what) {
            match GranteePattern::parse(&raw) {
                Ok(p) => out.push(p),
                Err(e) => self
                    .push(Diagnostic::new(span, e.message, "invalid pattern").maybe_hint(e.hint)),
            }
        }
        out
    }
}

/// The allowed word closest to `word`, if one is close enough to be a likely typo.
fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A TOML key as it would be written in a dotted path: bare when it can be, quoted otherwise.
pub fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        key.to_owned()
    } else if key.contains('"') && !key.contains('\'') && !key.chars().any(char::is_control) {
        format!("'{key}'")
    } else {
        let mut out = String::from("\"");
        for c in key.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}
