//! iam: the AWS side of Redshift ML setup, from the `[iam]` section of the access model: the
//! restrictive permission policy, the trust policy, and the managed-policy alternative, as the
//! ML administration guide describes them, but as JSON that parses. Pure: no I/O. (The checks
//! of IAM names and ARNs live with the `[iam]` reader, in config.)

use serde_json::{Value, json};

use crate::config::{IamSettings, IamStyle, partition};

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
            statements.push(vpc_statement());
        }
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    /// What to add to the role besides its managed policies: for the console's default role,
    /// only the EC2 network-interface statement, and only with enhanced VPC routing (the ML
    /// administration guide, step 3); `None` when there is nothing to add.
    pub fn added_policy(&self) -> Option<Value> {
        match self.style {
            IamStyle::Custom => Some(self.permission_policy()),
            IamStyle::ConsoleDefault => self
                .vpc_routing
                .then(|| json!({"Version": "2012-10-17", "Statement": [vpc_statement()]})),
        }
    }

    /// A CloudFormation template (JSON) that makes the role: its trust policy, its inline
    /// policy (if any), its managed policies, and the role's ARN as an output.
    pub fn cloudformation(&self) -> Value {
        let mut properties = json!({
            "RoleName": self.role_name,
            "AssumeRolePolicyDocument": self.trust_policy(),
            "Description": "The IAM role Amazon Redshift ML uses for CREATE MODEL (made by mlgrant iam cloudformation)",
        });
        if let Some(path) = self.role_path() {
            properties["Path"] = json!(path);
        }
        if let Some(policy) = self.added_policy() {
            properties["Policies"] = json!([{
                "PolicyName": format!("{}-redshift-ml", self.role_name),
                "PolicyDocument": policy,
            }]);
        }
        if self.style == IamStyle::ConsoleDefault {
            properties["ManagedPolicyArns"] = json!(self.managed_policies());
        }
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "The IAM role for Amazon Redshift ML, as mlgrant's [iam] section describes it",
            "Resources": {
                "RedshiftMlRole": {
                    "Type": "AWS::IAM::Role",
                    "Properties": properties,
                }
            },
            "Outputs": {
                "RoleArn": {
                    "Description": "Give this ARN to the cluster (IAM roles) and to CREATE MODEL ... IAM_ROLE",
                    "Value": {"Fn::GetAtt": ["RedshiftMlRole", "Arn"]},
                }
            },
        })
    }
}

impl IamSettings {
    /// The path of a role ARN such as `role/ml/NAME` (`/ml/`): the role must be made with it, or
    /// the ARN the stack outputs is not the one the model names.
    fn role_path(&self) -> Option<String> {
        let (_, path) = self.role_arn.split_once(":role/")?;
        let (folders, _) = path.rsplit_once('/')?;
        Some(format!("/{folders}/"))
    }

    /// The same role as Terraform's JSON syntax (`.tf.json`): an `aws_iam_role`, its inline
    /// `aws_iam_role_policy` (if any), one `aws_iam_role_policy_attachment` per managed policy,
    /// and the role's ARN as an output. Policies are JSON strings, as the AWS provider takes them.
    pub fn terraform(&self) -> Value {
        let pretty = |v: Value| serde_json::to_string_pretty(&v).expect("JSON values serialize");
        let mut role = json!({
            "name": self.role_name,
            "description": "The IAM role Amazon Redshift ML uses for CREATE MODEL (made by mlgrant iam terraform)",
            "assume_role_policy": pretty(self.trust_policy()),
        });
        if let Some(path) = self.role_path() {
            role["path"] = json!(path);
        }
        let mut resources = json!({"aws_iam_role": {"redshift_ml": role}});
        if let Some(policy) = self.added_policy() {
            resources["aws_iam_role_policy"] = json!({"redshift_ml": {
                "name": format!("{}-redshift-ml", self.role_name),
                "role": "${aws_iam_role.redshift_ml.id}",
                "policy": pretty(policy),
            }});
        }
        if self.style == IamStyle::ConsoleDefault {
            let attachments: serde_json::Map<String, Value> = self
                .managed_policies()
                .into_iter()
                .map(|arn| {
                    let name = arn.rsplit('/').next().unwrap_or("policy").to_owned();
                    let body = json!({
                        "role": "${aws_iam_role.redshift_ml.name}",
                        "policy_arn": arn,
                    });
                    (format!("redshift_ml_{name}"), body)
                })
                .collect();
            resources["aws_iam_role_policy_attachment"] = Value::Object(attachments);
        }
        json!({
            "resource": resources,
            "output": {"redshift_ml_role_arn": {
                "description": "Give this ARN to the cluster (IAM roles) and to CREATE MODEL ... IAM_ROLE",
                "value": "${aws_iam_role.redshift_ml.arn}",
            }},
        })
    }
}

/// The statement enhanced VPC routing needs: the EC2 network-interface actions on `*`.
fn vpc_statement() -> Value {
    json!({
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
    })
}

impl IamSettings {
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
        let mut names = match self.style {
            IamStyle::Custom => vec!["AmazonS3FullAccess", "AmazonSageMakerFullAccess"],
            IamStyle::ConsoleDefault => vec!["AmazonRedshiftAllCommandsFullAccess"],
        };
        if self.forecast {
            names.push("AmazonForecastFullAccess");
        }
        names
            .into_iter()
            .map(|n| format!("arn:{p}:iam::aws:policy/{n}"))
            .collect()
    }
}
