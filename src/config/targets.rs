//! `[targets.NAME]`: the clusters and workgroups one access model is kept on. Each target has a
//! `url` (a libpq URL without a password: host, port, database, user, sslmode...) and/or AWS
//! identifiers for IAM login (`aws_cluster` with an optional `db_user`, or `aws_workgroup`, with
//! `aws_region`), and an optional `database`. `--target NAME` and `--all-targets` pick them.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::DeTable;

use super::Diagnostic;
use super::iam::check_region;
use super::reader::{Reader, entries};
use crate::model::Loc;

/// The keys of `[targets.NAME]`.
pub(super) const TARGET_KEYS: &[&str] = &[
    "url",
    "aws_cluster",
    "aws_workgroup",
    "aws_region",
    "db_user",
    "database",
];

/// One target of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetDecl {
    pub name: String,
    /// A libpq URL with no password in it.
    pub url: Option<String>,
    pub aws_cluster: Option<String>,
    pub aws_workgroup: Option<String>,
    pub aws_region: Option<String>,
    pub db_user: Option<String>,
    pub database: Option<String>,
    pub at: Loc,
}

/// A target name: a letter, then up to 63 letters, digits, `_` or `-` (it is typed on the
/// command line and heads its output).
fn check_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "target name `{}` must be a letter, then up to 63 letters, digits, `_` or `-`",
            crate::text::sanitize(name)
        ))
    }
}

/// Whether a `postgres://` URL carries a password (`user:password@`). The URL itself is never
/// echoed: it may hold one.
fn url_problem(url: &str) -> Option<&'static str> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let has_password = authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    // Parameter names are percent-decoded, as the URL reader decodes them (`%70assword`).
    let query_password = rest.split_once('?').is_some_and(|(_, q)| {
        q.split('&').any(|p| {
            let name = p.split('=').next().unwrap_or("");
            percent_encoding::percent_decode_str(name)
                .decode_utf8_lossy()
                .eq_ignore_ascii_case("password")
        })
    });
    (has_password || query_password).then_some(
        "a target's url must not hold a password: the model file is reviewed and kept in git; use PGPASSWORD, ~/.pgpass, a service file or IAM login (the URL is not shown)",
    )
}

impl Reader {
    /// `[targets]`: each target, checked where it stands.
    pub(super) fn targets(&mut self, table: &DeTable<'_>) -> BTreeMap<String, TargetDecl> {
        let mut out = BTreeMap::new();
        for (key, value) in entries(table) {
            let name = key.get_ref().to_string();
            if let Err(e) = check_name(&name) {
                self.push(Diagnostic::new(key.span(), e, "invalid target name"));
                continue;
            }
            let Some(body) = self.table(value, &format!("targets.{name}")) else {
                continue;
            };
            if let Some(t) = self.target(&name, body, key.span()) {
                out.insert(name, t);
            }
        }
        out
    }

    fn target(&mut self, name: &str, body: &DeTable<'_>, at: Range<usize>) -> Option<TargetDecl> {
        let mut t = TargetDecl {
            name: name.to_owned(),
            at: self.loc(&at),
            ..TargetDecl::default()
        };
        let mut spans: BTreeMap<&str, Range<usize>> = BTreeMap::new();
        let mut ok = true;
        for (k, v) in entries(body) {
            let key = k.get_ref().as_ref();
            let Some(&known) = TARGET_KEYS.iter().find(|&&x| x == key) else {
                self.unknown_key(key, k.span(), TARGET_KEYS, "in a target");
                ok = false;
                continue;
            };
            let Some(text) = self.string(v, &format!("targets.{name}.{known}")) else {
                ok = false;
                continue;
            };
            let problem = match known {
                "url" => url_problem(&text).map(str::to_owned).or_else(|| {
                    (!text.starts_with("postgres://") && !text.starts_with("postgresql://"))
                        .then(|| "a target's url must start with postgres://".to_owned())
                }),
                "aws_region" => check_region(&text).err(),
                _ if text.is_empty() || text.chars().any(char::is_control) => Some(format!(
                    "`{known}` must be a non-empty name without control characters"
                )),
                _ => None,
            };
            if let Some(p) = problem {
                // The value is not shown: a url may hold a password.
                self.push(Diagnostic::new(v.span(), p, format!("invalid {known}")).secret());
                ok = false;
                continue;
            }
            spans.insert(known, v.span());
            let slot = match known {
                "url" => &mut t.url,
                "aws_cluster" => &mut t.aws_cluster,
                "aws_workgroup" => &mut t.aws_workgroup,
                "aws_region" => &mut t.aws_region,
                "db_user" => &mut t.db_user,
                _ => &mut t.database,
            };
            *slot = Some(text);
        }
        if !ok {
            return None;
        }
        let mut refuse = |span: Range<usize>, message: String| {
            self.push(Diagnostic::new(span, message, "in this target"));
        };
        if t.url.is_none() && t.aws_cluster.is_none() && t.aws_workgroup.is_none() {
            refuse(
                at.clone(),
                format!(
                    "target `{name}` says neither where the cluster is (url) nor which one it is (aws_cluster or aws_workgroup)"
                ),
            );
            return None;
        }
        if let (Some(_), Some(_)) = (&t.aws_cluster, &t.aws_workgroup) {
            refuse(
                spans["aws_workgroup"].clone(),
                format!(
                    "target `{name}` names both a provisioned cluster (aws_cluster) and a Serverless workgroup (aws_workgroup); keep one"
                ),
            );
            return None;
        }
        if t.db_user.is_some() && t.aws_cluster.is_none() {
            refuse(
                spans["db_user"].clone(),
                "db_user is the database user GetClusterCredentials logs in as; it needs aws_cluster (Serverless logs in as the IAM identity)".to_owned(),
            );
            return None;
        }
        if t.aws_region.is_some() && t.aws_cluster.is_none() && t.aws_workgroup.is_none() {
            refuse(
                spans["aws_region"].clone(),
                "aws_region is for IAM login; it needs aws_cluster or aws_workgroup".to_owned(),
            );
            return None;
        }
        Some(t)
    }
}
