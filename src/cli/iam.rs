//! `mlgrant iam`: the IAM documents of `[iam]` and its roles, one role's or all of them.

use std::path::Path;

use super::commands::warn;
use super::{Done, Failure, Format, IamPolicy, fail};
use crate::config;
use crate::text::sanitize;

pub(super) fn iam(
    path: &Path,
    policy: &IamPolicy,
    format: Option<Format>,
    role: Option<&str>,
    all: bool,
) -> Result<Done, Failure> {
    if let Some(f @ (Format::Sql | Format::Markdown)) = format {
        return Err(fail(format!(
            "mlgrant iam prints JSON documents (and `managed` one ARN a line with text): --format {} does not apply",
            if f == Format::Sql { "sql" } else { "markdown" }
        )));
    }
    let model = super::clock::load(path)?;
    let Some(iam) = &model.iam else {
        return Err(fail(format!(
            "{} has no [iam] section: add one with account_id, role_name, region and s3_bucket (see docs/iam.md, \"From nothing to a working CREATE MODEL\")",
            sanitize(&model.source.name)
        )));
    };
    let pretty = |v: serde_json::Value| {
        let mut s = crate::text::json_pretty(&v);
        s.push('\n');
        s
    };
    warn(&model);
    let roles = crate::iam::all_roles(iam);
    let chosen: Vec<(&str, &config::IamSettings)> = match role {
        None if all || matches!(policy, IamPolicy::Cloudformation | IamPolicy::Terraform) => {
            roles.clone()
        }
        None if roles.len() > 1 && !iam.own_role => {
            let names: Vec<&str> = roles.iter().map(|(n, _)| *n).collect();
            return Err(fail(format!(
                "[iam] of {} has no role of its own: name one with --role ({}), or print them all with --all",
                sanitize(&model.source.name),
                names.join(", ")
            )));
        }
        None => vec![roles[0]],
        Some(name) => match roles.iter().find(|(n, _)| *n == name) {
            Some(r) => vec![*r],
            None => {
                let names: Vec<&str> = roles.iter().map(|(n, _)| *n).collect();
                let hint = config::closest(name, names.iter().copied())
                    .map(|c| format!("did you mean `{c}`? "))
                    .unwrap_or_default();
                return Err(fail(format!(
                    "no role `{}` in {}: {hint}the roles are {}",
                    sanitize(name),
                    sanitize(&model.source.name),
                    names.join(", ")
                )));
            }
        },
    };
    let nothing_to_add = |name: &str| {
        fail(format!(
            "role `{name}`: with style = \"console-default\" and no enhanced VPC routing, the role needs no policy besides AmazonRedshiftAllCommandsFullAccess (`mlgrant iam managed`); with vpc_routing = true this prints the statement to add"
        ))
    };
    let one = |(name, r): (&str, &config::IamSettings)| -> Result<serde_json::Value, Failure> {
        Ok(match policy {
            IamPolicy::Permissions if all => r.added_policy().unwrap_or(serde_json::Value::Null),
            IamPolicy::Permissions => r.added_policy().ok_or_else(|| nothing_to_add(name))?,
            IamPolicy::Trust => r.trust_policy(),
            _ => serde_json::json!(r.managed_policies()),
        })
    };
    Ok(match policy {
        IamPolicy::Cloudformation => pretty(crate::iam::cloudformation(&chosen)),
        IamPolicy::Terraform => pretty(crate::iam::terraform(&chosen)),
        _ if all => {
            let mut keyed = serde_json::Map::new();
            for r in &chosen {
                keyed.insert(r.0.to_owned(), one(*r)?);
            }
            pretty(serde_json::Value::Object(keyed))
        }
        IamPolicy::Managed if format != Some(Format::Json) => {
            chosen[0].1.managed_policies().join("\n") + "\n"
        }
        _ => pretty(one(chosen[0])?),
    }
    .into())
}
