//! `[iam]`: the settings of the AWS side of the setup, each value checked where it stands (account
//! ids, role names and ARNs, regions, buckets, KMS keys); missing keys reported at the section.
//! The policies themselves are written by the top-level `iam` module.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::de::DeTable;

use super::Diagnostic;
use super::reader::{IAM_KEYS, Reader, entries};

/// The `[iam]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamSettings {
    pub account_id: String,
    /// The role's name (from `role_name`, or the last part of `role_arn`).
    pub role_name: String,
    /// The role's ARN as given, or built from the account and name.
    pub role_arn: String,
    pub region: String,
    pub s3_bucket: String,
    pub kms_key_id: Option<String>,
    pub forecast: bool,
    pub vpc_routing: bool,
    pub sample_data: bool,
    /// How the role is made: the guide's restrictive custom policy, or the role the Redshift
    /// console creates as the cluster's default (the guide's recommendation).
    pub style: IamStyle,
    /// `[iam.roles.NAME]`: more roles, each with its own bucket, for other creator groups.
    pub roles: Vec<super::NamedRole>,
    /// Bedrock models, SageMaker endpoints, Serverless, the guide's edition (shared by every
    /// role).
    pub features: super::iam_features::IamFeatures,
    /// Whether `[iam]` defines a role of its own (`default`). Without one, `[iam]` holds only
    /// what its `[iam.roles.NAME]` share (account, region, style ...), and `role_name`,
    /// `role_arn` and `s3_bucket` are empty.
    pub own_role: bool,
}

/// `[iam] style`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IamStyle {
    /// A role with the restrictive permission policy (`mlgrant iam permissions`).
    #[default]
    Custom,
    /// The role the Redshift console creates as the cluster's default, with the AWS managed
    /// policy AmazonRedshiftAllCommandsFullAccess; the resources it uses must carry `redshift`
    /// in their names or a Redshift tag (the ML administration guide, step 3; the policy:
    /// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonRedshiftAllCommandsFullAccess.html).
    ConsoleDefault,
}

/// The AWS partition of a region: `aws`, `aws-cn` or `aws-us-gov`.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// A 12-digit AWS account id.
pub fn check_account_id(s: &str) -> Result<(), String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "account_id `{s}` is not a 12-digit AWS account id; write it as a string, e.g. \"123456789012\""
        ))
    }
}

/// IAM role names: 1 to 64 of letters, digits and `+=,.@_-`.
pub fn check_role_name(s: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if s.is_empty() || s.len() > 64 || !s.chars().all(ok_char) {
        return Err(format!(
            "role_name `{s}` is not an IAM role name: 1 to 64 letters, digits and + = , . @ _ -"
        ));
    }
    Ok(())
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`; returns (account, name).
pub fn parse_role_arn(s: &str) -> Result<(String, String), String> {
    let bad =
        || format!("`{s}` is not an IAM role ARN; expected arn:aws:iam::123456789012:role/NAME");
    let rest = ["arn:aws:iam::", "arn:aws-cn:iam::", "arn:aws-us-gov:iam::"]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .ok_or_else(bad)?;
    let (account, path) = rest.split_once(":role/").ok_or_else(bad)?;
    check_account_id(account).map_err(|_| bad())?;
    let name = path.rsplit('/').next().unwrap_or("");
    let path_ok = path.split('/').all(|p| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    });
    if !path_ok || path.len() > 512 {
        return Err(bad());
    }
    check_role_name(name).map_err(|_| bad())?;
    Ok((account.to_owned(), name.to_owned()))
}

/// Region names such as us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1, cn-north-1.
pub fn check_region(s: &str) -> Result<(), String> {
    if REGIONS.contains(&s) {
        return Ok(());
    }
    let hint = super::closest(s, REGIONS.iter().copied())
        .map(|r| format!("; did you mean {r}?"))
        .unwrap_or_default();
    Err(format!(
        "region `{s}` is not an AWS region name such as us-east-1 or eu-central-1{hint}"
    ))
}

/// The check of one string value of `[iam]` or `[iam.roles.NAME]`, by its key.
pub(super) fn check_value(key: &str, text: &str) -> Result<(), String> {
    match key {
        "account_id" => check_account_id(text),
        "role_name" => check_role_name(text),
        "role_arn" => parse_role_arn(text).map(|_| ()),
        "region" => check_region(text),
        "s3_bucket" => check_bucket(text),
        _ => check_kms_key(text),
    }
}

impl Reader {
    /// `role_name` and `role_arn`, when both are given, must name one role; reports it and
    /// answers false when they do not.
    pub(super) fn name_agrees_with_arn(
        &mut self,
        fields: &BTreeMap<&str, (String, Range<usize>)>,
    ) -> bool {
        let from_arn = fields
            .get("role_arn")
            .and_then(|(arn, _)| parse_role_arn(arn).ok());
        match (from_arn, fields.get("role_name")) {
            (Some((_, name)), Some((given, span))) if *given != name => {
                self.push(Diagnostic::new(
                    span.clone(),
                    format!("role_name `{given}` does not match role_arn, which names `{name}`"),
                    "does not match role_arn",
                ));
                false
            }
            _ => true,
        }
    }
}

/// The AWS regions, by partition: aws, aws-cn (cn-), aws-us-gov (us-gov-). Kept by hand: AWS
/// publishes the list in its SDKs' endpoint files, and no crate in the tree carries it; a region
/// added later is one line here.
const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

/// S3 bucket naming rules (general purpose buckets).
pub fn check_bucket(s: &str) -> Result<(), String> {
    let why = if s.len() < 3 || s.len() > 63 {
        Some("it must be 3 to 63 characters long")
    } else if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        Some("only lowercase letters, digits, dots and hyphens are allowed")
    } else if !s.as_bytes()[0].is_ascii_alphanumeric()
        || !s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
    {
        Some("it must begin and end with a letter or a digit")
    } else if s.contains("..") || s.contains(".-") || s.contains("-.") {
        Some("dots may not be next to each other or to a hyphen")
    } else if s.split('.').count() == 4 && s.split('.').all(|p| p.parse::<u8>().is_ok()) {
        Some("it must not look like an IP address")
    } else if s.starts_with("xn--") || s.starts_with("sthree-") || s.starts_with("amzn-s3-demo-") {
        Some("the prefixes xn--, sthree- and amzn-s3-demo- are reserved")
    } else if s.ends_with("-s3alias") || s.ends_with("--ol-s3") || s.ends_with("--x-s3") {
        Some("the suffixes -s3alias, --ol-s3 and --x-s3 are reserved")
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => Err(format!("s3_bucket `{s}` is not a valid bucket name: {why}")),
    }
}

fn is_key_id(s: &str) -> bool {
    let hex = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit());
    let parts: Vec<&str> = s.split('-').collect();
    let uuid = parts.len() == 5
        && hex(parts[0], 8)
        && hex(parts[1], 4)
        && hex(parts[2], 4)
        && hex(parts[3], 4)
        && hex(parts[4], 12);
    let multi_region = s.strip_prefix("mrk-").is_some_and(|h| hex(h, 32));
    uuid || multi_region
}

/// A KMS key id (UUID or `mrk-...`) or key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`).
pub fn check_kms_key(s: &str) -> Result<(), String> {
    if is_key_id(s) {
        return Ok(());
    }
    let arn_ok = ["arn:aws:kms:", "arn:aws-cn:kms:", "arn:aws-us-gov:kms:"]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .and_then(|rest| {
            let (region, rest) = rest.split_once(':')?;
            let (account, key) = rest.split_once(":key/")?;
            Some(
                check_region(region).is_ok() && check_account_id(account).is_ok() && is_key_id(key),
            )
        })
        .unwrap_or(false);
    if arn_ok {
        Ok(())
    } else {
        Err(format!(
            "kms_key_id `{s}` is neither a KMS key id (1234abcd-12ab-34cd-56ef-1234567890ab, mrk-...) nor a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); aliases are not accepted in an IAM policy"
        ))
    }
}

impl Reader {
    /// `[iam]`: each value checked where it stands; missing keys reported at the section.
    pub(super) fn iam(&mut self, table: &DeTable<'_>, at: Range<usize>) -> Option<IamSettings> {
        let mut fields: BTreeMap<&str, (String, Range<usize>)> = BTreeMap::new();
        let (mut forecast, mut vpc_routing, mut sample_data) = (false, false, true);
        let mut style = IamStyle::Custom;
        let mut features = super::iam_features::IamFeatures::default();
        let mut ok = true;
        let mut present: BTreeSet<String> = BTreeSet::new();
        let mut roles_v = None;
        for (k, v) in entries(table) {
            let key = k.get_ref().as_ref();
            present.insert(key.to_owned());
            match key {
                "roles" => roles_v = Some(v),
                k if super::iam_features::FEATURE_KEYS.contains(&k) => {
                    ok &= self.iam_feature(k, v, &mut features);
                }
                "style" => match self.string(v, key).as_deref() {
                    Some("custom") => style = IamStyle::Custom,
                    Some("console-default") => style = IamStyle::ConsoleDefault,
                    Some(other) => {
                        self.push(
                            Diagnostic::new(
                                v.span(),
                                format!("`style` must be \"custom\" or \"console-default\", found `{}`", crate::text::sanitize(other)),
                                "unknown style",
                            )
                            .hint("\"console-default\" is the role the Redshift console makes, with AmazonRedshiftAllCommandsFullAccess (the guide's recommendation); \"custom\" the restrictive policy"),
                        );
                        ok = false;
                    }
                    None => ok = false,
                },
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
                    if let Err(e) = check_value(key, &text) {
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
        ok &= self.name_agrees_with_arn(&fields);
        let from_arn = fields
            .get("role_arn")
            .and_then(|(arn, _)| parse_role_arn(arn).ok());
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
        // With named roles, [iam] may hold only what they share: then it has no role of its own.
        let own_role = has("role_name") || has("role_arn") || has("s3_bucket") || roles_v.is_none();
        let mut missing = Vec::new();
        if !has("account_id") && !has("role_arn") {
            missing.push("account_id");
        }
        if own_role && !has("role_name") && !has("role_arn") {
            missing.push("role_name (or role_arn)");
        }
        if !has("region") {
            missing.push("region");
        }
        if own_role && !has("s3_bucket") {
            missing.push("s3_bucket");
        }
        if !missing.is_empty() {
            self.push(
                Diagnostic::new(
                    at,
                    format!("[iam] lacks {}", missing.join(", ")),
                    "incomplete section",
                )
                .hint("an [iam] section needs account_id, role_name (or role_arn), region and s3_bucket; with [iam.roles.NAME] sections, account_id and region are enough"),
            );
            return None;
        }
        if !ok {
            return None;
        }
        if style == IamStyle::ConsoleDefault
            && let Some((bucket, span)) = fields.get("s3_bucket")
        {
            self.warn_console_bucket(bucket, span);
        }
        let account_id = account?;
        let role_name = if own_role { role_name? } else { String::new() };
        let region = fields.get("region")?.0.clone();
        let role_arn = match fields.get("role_arn") {
            Some((a, _)) => a.clone(),
            None if own_role => format!(
                "arn:{}:iam::{account_id}:role/{role_name}",
                partition(&region)
            ),
            None => String::new(),
        };
        let mut settings = IamSettings {
            account_id,
            role_name,
            role_arn,
            region,
            s3_bucket: fields
                .get("s3_bucket")
                .map(|(b, _)| b.clone())
                .unwrap_or_default(),
            kms_key_id: fields.get("kms_key_id").map(|(k, _)| k.clone()),
            forecast,
            vpc_routing,
            sample_data,
            style,
            roles: Vec::new(),
            features,
            own_role,
        };
        if let Some(v) = roles_v {
            settings.roles = self.iam_roles(v, &settings);
        }
        Some(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_names_and_arns() {
        assert!(check_account_id("123456789012").is_ok());
        assert!(check_account_id("12345678901").is_err());
        assert!(check_role_name("Redshift-ML_role+1").is_ok());
        assert!(check_role_name("bad name").is_err());
        assert!(check_role_name(&"a".repeat(65)).is_err());
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/ml/RedshiftML").unwrap(),
            ("123456789012".to_owned(), "RedshiftML".to_owned())
        );
        assert!(parse_role_arn("arn:aws:iam::123:role/x").is_err());
        assert!(parse_role_arn("arn:aws:s3:::bucket").is_err());
        for ok in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-4",
            "us-gov-west-1",
            "cn-north-1",
        ] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-01",
            "u-east-1",
            "us-east-7",
        ] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
        assert!(
            check_region("us-east-7")
                .unwrap_err()
                .contains("did you mean us-east-")
        );
        assert!(check_bucket("my-ml-bucket.v2").is_ok());
        for bad in [
            "ab",
            "My-Bucket",
            "-bucket",
            "bucket-",
            "a..b",
            "a.-b",
            "192.168.5.4",
            "xn--abc",
            "b-s3alias",
            "b_c",
        ] {
            assert!(check_bucket(bad).is_err(), "{bad}");
        }
        assert!(check_kms_key("1234abcd-12ab-34cd-56ef-1234567890ab").is_ok());
        assert!(check_kms_key("mrk-1234abcd12ab34cd56ef1234567890ab").is_ok());
        assert!(
            check_kms_key(
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            )
            .is_ok()
        );
        assert!(check_kms_key("alias/my-key").is_err());
        assert!(check_kms_key("1234").is_err());
    }
}
