//! iam: the AWS side of Redshift ML setup, from the `[iam]` section of the access model: the
//! restrictive permission policy, the trust policy, and the managed-policy alternative, as the
//! ML administration guide describes them, but as JSON that parses. Pure: no I/O. (The checks
//! of IAM names and ARNs live with the `[iam]` reader, in config.)

use serde_json::{Value, json};

use crate::config::{IamSettings, partition};

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
