//! iam: the AWS side of Redshift ML setup, from the `[iam]` section of the access model: the
//! restrictive permission policy, the trust policy, and the managed-policy alternative, as the
//! ML administration guide describes them, but as JSON that parses. Also the checks of IAM
//! names and ARNs that config uses. Pure: no I/O.

use serde_json::{Value, json};

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
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() >= 3
        && parts.len() <= 4
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1]
            .parse::<u8>()
            .is_ok_and(|n| n > 0 && !parts[parts.len() - 1].starts_with('0'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "region `{s}` is not an AWS region name such as us-east-1 or eu-central-1"
        ))
    }
}

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

impl IamSettings {
    fn partition(&self) -> &'static str {
        partition(&self.region)
    }

    fn kms_arn(&self) -> Option<String> {
        self.kms_key_id.as_ref().map(|k| {
            if k.starts_with("arn:") {
                k.clone()
            } else {
                format!(
                    "arn:{}:kms:{}:{}:key/{k}",
                    self.partition(),
                    self.region,
                    self.account_id
                )
            }
        })
    }

    /// The restrictive permission policy of the guide: SageMaker, ECR, CloudWatch and logs on
    /// `*`; PassRole on the role and object access in the bucket; listing the bucket; KMS only
    /// with a key; the EC2 network actions only with enhanced VPC routing; the sample-data
    /// bucket unless `sample_data = false`.
    pub fn permission_policy(&self) -> Value {
        let p = self.partition();
        let mut objects = vec![
            self.role_arn.clone(),
            format!("arn:{p}:s3:::{}/*", self.s3_bucket),
        ];
        let mut buckets = vec![format!("arn:{p}:s3:::{}", self.s3_bucket)];
        if self.sample_data {
            objects.push(format!("arn:{p}:s3:::redshift-downloads/*"));
            buckets.push(format!("arn:{p}:s3:::redshift-downloads"));
        }
        let mut statements = vec![
            json!({
                "Sid": "SageMakerAndLogs",
                "Effect": "Allow",
                "Action": [
                    "cloudwatch:PutMetricData",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetAuthorizationToken",
                    "ecr:GetDownloadUrlForLayer",
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                    "sagemaker:*Job*"
                ],
                "Resource": "*"
            }),
            json!({
                "Sid": "PassRoleAndObjects",
                "Effect": "Allow",
                "Action": [
                    "iam:PassRole",
                    "s3:AbortMultipartUpload",
                    "s3:GetObject",
                    "s3:DeleteObject",
                    "s3:PutObject"
                ],
                "Resource": objects
            }),
            json!({
                "Sid": "ListBuckets",
                "Effect": "Allow",
                "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                "Resource": buckets
            }),
        ];
        if let Some(kms) = self.kms_arn() {
            statements.push(json!({
                "Sid": "KmsKey",
                "Effect": "Allow",
                "Action": [
                    "kms:CreateGrant",
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:GenerateDataKey*"
                ],
                "Resource": [kms]
            }));
        }
        if self.vpc_routing {
            statements.push(json!({
                "Sid": "EnhancedVpcRouting",
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcEndpoints",
                    "ec2:DescribeVpcs",
                    "ec2:ModifyNetworkInterfaceAttribute"
                ],
                "Resource": "*"
            }));
        }
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    /// The trust policy: Redshift and SageMaker (and Forecast, when on) may assume the role.
    pub fn trust_policy(&self) -> Value {
        let mut services = vec!["redshift.amazonaws.com", "sagemaker.amazonaws.com"];
        if self.forecast {
            services.push("forecast.amazonaws.com");
        }
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": services},
                "Action": "sts:AssumeRole"
            }]
        })
    }

    /// The simpler alternative: AWS managed policies to attach instead of the permission policy.
    pub fn managed_policies(&self) -> Vec<String> {
        let p = self.partition();
        let mut names = vec!["AmazonS3FullAccess", "AmazonSageMakerFullAccess"];
        if self.forecast {
            names.push("AmazonForecastFullAccess");
        }
        names
            .into_iter()
            .map(|n| format!("arn:{p}:iam::aws:policy/{n}"))
            .collect()
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
        for bad in ["us-east", "US-EAST-1", "useast1", "us-east-01", "u-east-1"] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
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
