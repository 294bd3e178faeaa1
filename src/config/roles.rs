//! `[iam.roles.NAME]`: a role and a bucket per creator group (the ML administration guide,
//! step 5). Each named role shares `[iam]`'s account, region, style and switches, and has its own
//! `role_name` or `role_arn`, `s3_bucket`, optional `kms_key_id`, and the schemas whose creators
//! may assume it (`schemas`); a schema's `iam_roles` may name it instead of an ARN.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::iam::{IamSettings, IamStyle, check_value, parse_role_arn, partition};
use super::reader::{Reader, entries};
use super::{Diagnostic, SchemaRules};
use crate::model::{Name, Origin, Rule};

/// The keys of `[iam.roles.NAME]`.
pub(super) const ROLE_KEYS: &[&str] = &[
    "role_name",
    "role_arn",
    "s3_bucket",
    "kms_key_id",
    "schemas",
];

/// One `[iam.roles.NAME]`: its name and its settings (`[iam]`'s, with this role's own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedRole {
    pub name: String,
    pub settings: IamSettings,
}

/// A schema a named role lists, kept until the schemas are read.
pub(super) struct RoleSchema {
    arn: String,
    role: String,
    schema: String,
    span: Range<usize>,
}

/// CloudFormation logical ids and Terraform names are made from role names: a letter, then
/// letters, digits, `_` and `-`, at most 64, and not `default` (the name `--all` gives `[iam]`'s
/// own role). Starting with a letter keeps every id distinct from `[iam]`'s own `RedshiftMlRole`.
pub(super) fn check_role_key(name: &str) -> Result<(), String> {
    if name.len() > 64
        || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "role name `{}` must be a letter, then up to 63 letters, digits, `_` or `-`",
            crate::text::sanitize(name)
        ));
    }
    if name == "default" {
        return Err("`default` names [iam]'s own role; choose another name".into());
    }
    Ok(())
}

/// The role's CloudFormation logical id part: its name without `_` and `-`.
pub fn logical_id(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).collect()
}

impl Reader {
    /// `[iam.roles]`: each role read against `base` (`[iam]`'s settings).
    pub(super) fn iam_roles(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        base: &IamSettings,
    ) -> Vec<NamedRole> {
        let Some(table) = self.table(v, "iam.roles") else {
            return Vec::new();
        };
        let mut roles: Vec<NamedRole> = Vec::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (key, value) in entries(table) {
            let name = key.get_ref().to_string();
            if let Err(e) = check_role_key(&name) {
                self.push(Diagnostic::new(key.span(), e, "invalid role name"));
                continue;
            }
            self.declared_roles.insert(name.clone());
            if let Some(other) = ids.insert(logical_id(&name), name.clone()) {
                self.push(Diagnostic::new(
                    key.span(),
                    format!("role names `{other}` and `{name}` differ only in `_` and `-`, which CloudFormation ids cannot hold"),
                    "ambiguous role name",
                ));
                continue;
            }
            let Some(body) = self.table(value, &format!("iam.roles.{name}")) else {
                continue;
            };
            if let Some(role) = self.iam_role(&name, body, key.span(), base) {
                // IAM role names are unique in an account, whatever their paths.
                let taken = std::iter::once(("default", &base.role_name))
                    .filter(|_| base.own_role)
                    .chain(
                        roles
                            .iter()
                            .map(|r| (r.name.as_str(), &r.settings.role_name)),
                    )
                    .find(|(_, n)| n.eq_ignore_ascii_case(&role.settings.role_name));
                if let Some((other, _)) = taken {
                    self.push(Diagnostic::new(
                        key.span(),
                        format!(
                            "roles `{other}` and `{name}` are both IAM role `{}`; IAM role names are unique in an account (case-insensitively), whatever the path",
                            role.settings.role_name
                        ),
                        "duplicate IAM role",
                    ));
                    continue;
                }
                roles.push(role);
            }
        }
        roles
    }

    fn iam_role(
        &mut self,
        name: &str,
        body: &DeTable<'_>,
        at: Range<usize>,
        base: &IamSettings,
    ) -> Option<NamedRole> {
        let mut fields: BTreeMap<&str, (String, Range<usize>)> = BTreeMap::new();
        let mut schemas = Vec::new();
        let mut ok = true;
        for (k, v) in entries(body) {
            let key = k.get_ref().as_ref();
            match key {
                "schemas" => schemas = self.strings(v, "schemas"),
                "role_name" | "role_arn" | "s3_bucket" | "kms_key_id" => {
                    let Some(text) = self.string(v, key) else {
                        ok = false;
                        continue;
                    };
                    let checked = check_value(key, &text).and_then(|()| match key {
                        "role_arn" => match parse_role_arn(&text) {
                            Ok((account, _)) if account != base.account_id => Err(format!(
                                "role_arn is in account {account}, [iam] in {}",
                                base.account_id
                            )),
                            _ => Ok(()),
                        },
                        _ => Ok(()),
                    });
                    if let Err(e) = checked {
                        self.push(Diagnostic::new(v.span(), e, format!("invalid {key}")));
                        ok = false;
                    }
                    let idx = ROLE_KEYS.iter().position(|k| *k == key).unwrap_or(0);
                    fields.insert(ROLE_KEYS[idx], (text, v.span()));
                }
                shared @ ("account_id"
                | "region"
                | "style"
                | "forecast"
                | "vpc_routing"
                | "sample_data"
                | "bedrock_models"
                | "sagemaker_endpoints"
                | "serverless"
                | "guide") => {
                    self.push(
                        Diagnostic::new(
                            k.span(),
                            format!("`{shared}` is not set per role"),
                            "set in [iam]",
                        )
                        .hint(format!(
                            "every role takes `{shared}` from [iam]; remove it here"
                        )),
                    );
                    ok = false;
                }
                other => {
                    self.unknown_key(
                        other,
                        k.span(),
                        ROLE_KEYS,
                        &format!("in [iam.roles.{name}]"),
                    );
                    ok = false;
                }
            }
        }
        ok &= self.name_agrees_with_arn(&fields);
        let from_arn = fields
            .get("role_arn")
            .and_then(|(a, _)| parse_role_arn(a).ok());
        if let Some((arn, span)) = fields.get("role_arn") {
            let want = partition(&base.region);
            if !arn.starts_with(&format!("arn:{want}:")) {
                self.push(Diagnostic::new(
                    span.clone(),
                    format!(
                        "role_arn is not in partition {want}, where region {} is",
                        base.region
                    ),
                    "wrong partition",
                ));
                ok = false;
            }
        }
        let role_name = fields
            .get("role_name")
            .map(|(n, _)| n.clone())
            .or_else(|| from_arn.map(|(_, n)| n));
        let named = fields.contains_key("role_name") || fields.contains_key("role_arn");
        let (Some(role_name), Some((bucket, bucket_span))) = (role_name, fields.get("s3_bucket"))
        else {
            let mut missing = Vec::new();
            if !named {
                missing.push("role_name (or role_arn)");
            }
            if !fields.contains_key("s3_bucket") {
                missing.push("s3_bucket");
            }
            // A name or ARN given and refused above needs nothing more said.
            if !missing.is_empty() {
                self.push(
                    Diagnostic::new(at, format!("[iam.roles.{name}] lacks {}", missing.join(" and ")), "incomplete role")
                        .hint("each named role needs its own role_name (or role_arn) and s3_bucket; account, region and style come from [iam]"),
                );
            }
            return None;
        };
        if !ok {
            return None;
        }
        let role_arn = fields
            .get("role_arn")
            .map(|(a, _)| a.clone())
            .unwrap_or_else(|| {
                format!(
                    "arn:{}:iam::{}:role/{role_name}",
                    partition(&base.region),
                    base.account_id
                )
            });
        if base.style == IamStyle::ConsoleDefault {
            self.warn_console_bucket(bucket, bucket_span);
        }
        for (schema, span) in schemas {
            self.role_schemas.push(RoleSchema {
                arn: role_arn.clone(),
                role: name.to_owned(),
                schema,
                span,
            });
        }
        Some(NamedRole {
            name: name.to_owned(),
            settings: IamSettings {
                role_name,
                role_arn,
                s3_bucket: bucket.clone(),
                kms_key_id: fields.get("kms_key_id").map(|(k, _)| k.clone()),
                roles: Vec::new(),
                ..base.clone()
            },
        })
    }

    /// The console role's managed policy reaches only buckets with `redshift` in their names.
    pub(super) fn warn_console_bucket(&mut self, bucket: &str, span: &Range<usize>) {
        if bucket.to_ascii_lowercase().contains("redshift") {
            return;
        }
        let at = self.loc(span);
        self.warnings.push((
            at,
            format!(
                "with style = \"console-default\", the role's AmazonRedshiftAllCommandsFullAccess reaches only resources that carry `redshift` in their names or a Redshift tag: rename bucket `{bucket}` (e.g. `redshift-{bucket}`) or tag it"
            ),
        ));
    }

    /// After the schemas are read: a named role in a schema's `iam_roles` becomes its ARN, and
    /// each schema a role lists gets that role's ARN; unknown names are errors with a suggestion.
    pub(super) fn resolve_roles(
        &mut self,
        schemas: &mut BTreeMap<Name, SchemaRules>,
        iam: Option<&IamSettings>,
        iam_written: bool,
    ) {
        let arns: BTreeMap<&str, &str> = iam
            .map(|i| {
                std::iter::once(("default", i.role_arn.as_str()))
                    .filter(|_| i.own_role)
                    .chain(
                        i.roles
                            .iter()
                            .map(|r| (r.name.as_str(), r.settings.role_arn.as_str())),
                    )
                    .collect()
            })
            .unwrap_or_default();
        for (at, name) in std::mem::take(&mut self.role_refs) {
            let found = arns.get(name.as_str()).map(|a| (*a).to_owned());
            match found {
                Some(arn) => {
                    for rules in schemas.values_mut() {
                        for (role, _) in &mut rules.iam_roles {
                            if *role == name {
                                role.clone_from(&arn);
                            }
                        }
                    }
                }
                // [iam] or this role was written and refused: those errors stand alone.
                None if (iam.is_none() && iam_written) || self.declared_roles.contains(&name) => {}
                None if name == "default" && iam.is_some_and(|i| !i.own_role) => {
                    let names: Vec<&str> = arns.keys().copied().collect();
                    self.push(
                        Diagnostic::new(
                            at,
                            "`default` names [iam]'s own role, but this [iam] has none: it holds only what its [iam.roles.NAME] share",
                            "no default role",
                        )
                        .hint(match names.as_slice() {
                            [one] => format!("did you mean `{one}`?"),
                            _ => format!("name one of the roles: {}", names.join(", ")),
                        }),
                    );
                }
                None => {
                    let hint = self.closest(&name, arns.keys().copied())
                        .map(|c| format!("did you mean `{c}`?"))
                        .unwrap_or_else(|| "an entry of iam_roles is a role ARN or the NAME of an [iam.roles.NAME] section".into());
                    self.push(
                        Diagnostic::new(
                            at,
                            format!("no role `{name}` in [iam.roles]"),
                            "unknown role",
                        )
                        .hint(hint),
                    );
                }
            }
        }
        for r in std::mem::take(&mut self.role_schemas) {
            match schemas.iter_mut().find(|(n, _)| n.as_str() == r.schema) {
                Some((_, rules)) => {
                    // An expiring entry of the same role does not stand for this one, which never ends.
                    if !rules
                        .iam_roles
                        .iter()
                        .any(|(a, o)| *a == r.arn && o.until().is_none())
                    {
                        let origin = Origin {
                            rule: Rule::new(&self.name, format!("iam.roles.{}.schemas", r.role)),
                            at: self.loc(&r.span),
                        };
                        rules.iam_roles.push((r.arn, origin));
                    }
                }
                None => {
                    let hint = self
                        .closest(&r.schema, schemas.keys().map(Name::as_str))
                        .map(|c| format!("did you mean `{}`?", crate::text::sanitize(c)))
                        .unwrap_or_else(|| {
                            "list schemas that have a [schemas.NAME] section".into()
                        });
                    self.push(
                        Diagnostic::new(
                            r.span,
                            format!(
                                "role `{}` lists schema `{}`, which the model does not declare",
                                r.role,
                                crate::text::sanitize(&r.schema)
                            ),
                            "unknown schema",
                        )
                        .hint(hint),
                    );
                }
            }
        }
    }
}
