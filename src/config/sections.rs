//! The sections that name things: `[groups]`, `[schemas]` and `[models]`, with their grantee
//! references, each checked where it stands and given its rule's TOML path.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::reader::{GROUP_KEYS, MODEL_KEYS, Reader, SCHEMA_KEYS, entries};
use super::{
    Diagnostic, GroupDecl, Member, ModelRules, Ref, SchemaRules, parse_role_arn, toml_key,
};
use crate::model::{
    Grantee, GranteeKind, ModelName, Name, NameKind, Origin, Rule, read_qualified, split_kind,
};
use crate::text::sanitize;

impl Reader {
    pub(super) fn groups(&mut self, table: &DeTable<'_>) -> BTreeMap<Name, GroupDecl> {
        let mut groups = BTreeMap::new();
        for (key, value) in entries(table) {
            let name = self.name(NameKind::Group, key.get_ref(), key.span());
            let at = self.loc(&key.span());
            let mut members = None;
            let rule = Rule::new(
                &self.name,
                format!(
                    "groups.{}.members",
                    toml_key(name.as_ref().map_or(key.get_ref().as_ref(), Name::as_str))
                ),
            );
            if let Some(body) = self.table(value, &format!("groups.{}", toml_key(key.get_ref()))) {
                for (k, v) in entries(body) {
                    match k.get_ref().as_ref() {
                        "members" => {
                            let mut seen = BTreeSet::new();
                            let mut list = Vec::new();
                            for (raw, span, until) in self.expiring_list(v, "members", "user") {
                                let raw = raw.strip_prefix("user:").unwrap_or(&raw);
                                if let Some(user) = self.name(NameKind::User, raw, span.clone()) {
                                    if !seen.insert(user.clone()) {
                                        self.push(Diagnostic::new(
                                            span.clone(),
                                            format!("user `{user}` is listed twice in members"),
                                            "listed again here",
                                        ));
                                    }
                                    list.push(Member {
                                        user,
                                        at: self.loc(&span),
                                        rule: match until {
                                            Some(u) => Rule::expiring(&rule, u),
                                            None => rule.clone(),
                                        },
                                    });
                                }
                            }
                            members = Some(list);
                        }
                        other => self.unknown_key(other, k.span(), GROUP_KEYS, "in a group"),
                    }
                }
            }
            if let Some(name) = name {
                groups.insert(name, GroupDecl { at, members, rule });
            }
        }
        groups
    }

    pub(super) fn schemas(
        &mut self,
        table: &DeTable<'_>,
        groups: &BTreeMap<Name, GroupDecl>,
    ) -> BTreeMap<Name, SchemaRules> {
        let mut schemas = BTreeMap::new();
        for (key, value) in entries(table) {
            let name = self.name(NameKind::Schema, key.get_ref(), key.span());
            let path = format!(
                "schemas.{}",
                toml_key(name.as_ref().map_or(key.get_ref().as_ref(), Name::as_str))
            );
            let mut rules = SchemaRules {
                at: self.loc(&key.span()),
                creators: Vec::new(),
                consumers: Vec::new(),
                iam_roles: Vec::new(),
                iam_rule: Rule::new(&self.name, format!("{path}.iam_roles")),
            };
            if let Some(body) = self.table(value, &format!("schemas.{}", toml_key(key.get_ref()))) {
                for (k, v) in entries(body) {
                    match k.get_ref().as_ref() {
                        "creators" => {
                            rules.creators = self.refs(v, "creators", &path, groups);
                        }
                        "consumers" => {
                            rules.consumers = self.refs(v, "consumers", &path, groups);
                        }
                        "iam_roles" => {
                            for (arn, span, until) in self.expiring_list(v, "iam_roles", "role") {
                                let rule = match until {
                                    Some(u) => Rule::expiring(&rules.iam_rule, u),
                                    None => rules.iam_rule.clone(),
                                };
                                if arn == "default"
                                    || !arn.starts_with("arn:")
                                        && super::roles::check_role_key(&arn).is_ok()
                                {
                                    // A role's NAME from [iam.roles.NAME] (or `default`, [iam]'s
                                    // own), made an ARN once read.
                                    rules.iam_roles.push((
                                        arn.clone(),
                                        Origin {
                                            rule,
                                            at: self.loc(&span),
                                        },
                                    ));
                                    self.role_refs.push((span, arn));
                                    continue;
                                }
                                match parse_role_arn(&arn) {
                                    Ok(_) => rules.iam_roles.push((arn, Origin { rule, at: self.loc(&span) })),
                                    Err(e) => self.push(
                                        Diagnostic::new(span, e, "not an IAM role ARN")
                                            .hint("an entry of iam_roles is a role ARN or the NAME of an [iam.roles.NAME] section"),
                                    ),
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

    pub(super) fn models(
        &mut self,
        table: &DeTable<'_>,
        groups: &BTreeMap<Name, GroupDecl>,
    ) -> BTreeMap<ModelName, ModelRules> {
        let mut models: BTreeMap<ModelName, ModelRules> = BTreeMap::new();
        for (key, value) in entries(table) {
            if self.nested_model_tables(key, value) {
                continue;
            }
            let model = self.model_key(key.get_ref(), key.span());
            let mut rules = ModelRules {
                at: self.loc(&key.span()),
                consumers: Vec::new(),
            };
            if let Some(body) = self.table(value, &format!("models.{}", toml_key(key.get_ref()))) {
                for (k, v) in entries(body) {
                    match k.get_ref().as_ref() {
                        "consumers" => {
                            let path = format!(
                                "models.{}",
                                toml_key(
                                    &model
                                        .as_ref()
                                        .map_or_else(|| key.get_ref().to_string(), ModelName::key)
                                )
                            );
                            rules.consumers = self.refs(v, "consumers", &path, groups);
                        }
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

    /// TOML's own trap: `[models.fraud_ml.fraud_score]` unquoted is a table `fraud_ml` holding a
    /// table `fraud_score`, not the model `fraud_ml.fraud_score`. Each such inner table gets one
    /// problem whose hint shows the quoted key; true when `value` was such a table.
    fn nested_model_tables(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> bool {
        let DeValue::Table(body) = value.get_ref() else {
            return false;
        };
        let inner: Vec<_> = entries(body)
            .into_iter()
            .filter(|(k, v)| {
                !MODEL_KEYS.contains(&k.get_ref().as_ref())
                    && matches!(v.get_ref(), DeValue::Table(_))
            })
            .collect();
        if inner.is_empty() || key.get_ref().contains(['.', '"']) {
            return false;
        }
        for (k, _) in inner {
            let quoted = toml_key(&format!("{}.{}", key.get_ref(), k.get_ref()));
            // From the outer key when it is on the same line; else (a second `[models.a.c]`,
            // whose `a` TOML merged into the first) from the start of the inner key's header.
            let text = &self.file.text;
            let line = text[..k.span().start].rfind('\n').map_or(0, |i| i + 1);
            let start = if line <= key.span().start && key.span().start <= k.span().start {
                key.span().start
            } else {
                let rest = &text[line..k.span().start];
                line + rest.rfind(key.get_ref().as_ref()).unwrap_or(0)
            };
            self.push(
                Diagnostic::new(
                    start..k.span().end,
                    format!(
                        "TOML reads `models.{}.{}` as a table `{}` holding a table `{}`, not as the model {}.{}",
                        sanitize(key.get_ref()),
                        sanitize(k.get_ref()),
                        sanitize(key.get_ref()),
                        sanitize(k.get_ref()),
                        sanitize(key.get_ref()),
                        sanitize(k.get_ref())
                    ),
                    "two keys, not one",
                )
                .hint(format!(
                    "quote the model's key as one TOML key: [models.{}]",
                    sanitize(&quoted)
                )),
            );
        }
        true
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
        path: &str,
        groups: &BTreeMap<Name, GroupDecl>,
    ) -> Vec<Ref> {
        let rule = Rule::new(&self.name, format!("{path}.{what}"));
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (raw, span, until) in self.expiring_list(v, what, "grantee") {
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
                rule: match until {
                    Some(u) => Rule::expiring(&rule, u),
                    None => rule.clone(),
                },
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
        let (kind, name) = match split_kind(raw) {
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
                    if let Some(close) =
                        self.closest(name.as_str(), groups.keys().map(Name::as_str))
                    {
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
}
