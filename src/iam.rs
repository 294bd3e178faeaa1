//! iam: the AWS side of Redshift ML setup, from the `[iam]` section of the access model: the
//! restrictive permission policy, the trust policy, and the managed-policy alternative, as the
//! ML administration guide describes them, but as JSON that parses. Pure: no I/O. (The checks
//! of IAM names and ARNs live with the `[iam]` reader, in config.)

use serde_json::{Value, json};

use crate::config::{Guide, IamSettings, IamStyle, logical_id, partition};

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
    /// bucket unless `sample_data = false`. The current guide (DG getting-started-machine-learning,
    /// "cluster-setup"; MG iam-permission-ml) adds SageMaker's model and endpoint actions and
    /// limits iam:PassRole to Redshift and SageMaker (`iam:PassedToService`); `guide = "2021"`
    /// keeps the first edition's policy as it was. Bedrock models add bedrock:InvokeModel on
    /// their foundation-model ARNs (DG machine-learning-br); SageMaker endpoints add
    /// sagemaker:InvokeEndpoint on them (remote inference, DG r_CREATE_MODEL).
    pub fn permission_policy(&self) -> Value {
        let p = self.partition();
        let current = self.features.guide == Guide::Current;
        let mut objects = Vec::new();
        if !current {
            objects.push(self.role_arn.clone());
        }
        objects.push(format!("arn:{p}:s3:::{}/*", self.s3_bucket));
        let mut buckets = vec![format!("arn:{p}:s3:::{}", self.s3_bucket)];
        if self.sample_data {
            objects.push(format!("arn:{p}:s3:::redshift-downloads/*"));
            buckets.push(format!("arn:{p}:s3:::redshift-downloads"));
        }
        let mut sagemaker = vec![
            "cloudwatch:PutMetricData",
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetAuthorizationToken",
            "ecr:GetDownloadUrlForLayer",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
            "sagemaker:*Job*",
        ];
        if current {
            sagemaker.extend([
                "sagemaker:AddTags",
                "sagemaker:CreateEndpoint",
                "sagemaker:CreateEndpointConfig",
                "sagemaker:CreateModel",
                "sagemaker:DeleteEndpoint",
                "sagemaker:DeleteEndpointConfig",
                "sagemaker:DeleteModel",
            ]);
        }
        let mut statements = vec![json!({
            "Sid": "SageMakerAndLogs",
            "Effect": "Allow",
            "Action": sagemaker,
            "Resource": "*"
        })];
        if current {
            let mut services = vec!["redshift.amazonaws.com", "sagemaker.amazonaws.com"];
            if self.forecast {
                services.push("forecast.amazonaws.com");
            }
            statements.push(json!({
                "Sid": "PassRole",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": [self.role_arn],
                "Condition": {"StringEquals": {"iam:PassedToService": services}}
            }));
            statements.push(json!({
                "Sid": "Objects",
                "Effect": "Allow",
                "Action": [
                    "s3:AbortMultipartUpload",
                    "s3:GetObject",
                    "s3:DeleteObject",
                    "s3:PutObject"
                ],
                "Resource": objects
            }));
        } else {
            statements.push(json!({
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
            }));
        }
        statements.push(json!({
            "Sid": "ListBuckets",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
            "Resource": buckets
        }));
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
        statements.extend(self.inference_statements());
        if self.vpc_routing {
            statements.push(vpc_statement());
        }
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    /// bedrock:InvokeModel on the listed foundation models (`arn:aws:bedrock:REGION::
    /// foundation-model/ID`, DG machine-learning-br), sagemaker:InvokeEndpoint on the listed
    /// endpoints; none when neither is listed.
    fn inference_statements(&self) -> Vec<Value> {
        let p = self.partition();
        let f = &self.features;
        let mut out = Vec::new();
        if !f.bedrock_models.is_empty() {
            let models: Vec<String> = f
                .bedrock_models
                .iter()
                .map(|m| format!("arn:{p}:bedrock:{}::foundation-model/{m}", self.region))
                .collect();
            out.push(json!({
                "Sid": "BedrockModels",
                "Effect": "Allow",
                "Action": "bedrock:InvokeModel",
                "Resource": models
            }));
        }
        if !f.sagemaker_endpoints.is_empty() {
            let endpoints: Vec<String> = f
                .sagemaker_endpoints
                .iter()
                .map(|e| {
                    format!(
                        "arn:{p}:sagemaker:{}:{}:endpoint/{e}",
                        self.region, self.account_id
                    )
                })
                .collect();
            out.push(json!({
                "Sid": "RemoteInference",
                "Effect": "Allow",
                "Action": "sagemaker:InvokeEndpoint",
                "Resource": endpoints
            }));
        }
        out
    }

    /// What to add to the role besides its managed policies: for the console's default role,
    /// only the EC2 network-interface statement, and only with enhanced VPC routing (the ML
    /// administration guide, step 3); `None` when there is nothing to add.
    pub fn added_policy(&self) -> Option<Value> {
        match self.style {
            IamStyle::Custom => Some(self.permission_policy()),
            IamStyle::ConsoleDefault => {
                let mut statements = self.inference_statements();
                if self.vpc_routing {
                    statements.push(vpc_statement());
                }
                (!statements.is_empty())
                    .then(|| json!({"Version": "2012-10-17", "Statement": statements}))
            }
        }
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
}

/// The roles a document is made for: `[iam]`'s own (named `default`), when it has one, and each
/// `[iam.roles.NAME]`.
pub fn all_roles(iam: &IamSettings) -> Vec<(&str, &IamSettings)> {
    std::iter::once(("default", iam))
        .filter(|_| iam.own_role)
        .chain(iam.roles.iter().map(|r| (r.name.as_str(), &r.settings)))
        .collect()
}

/// The CloudFormation id and Terraform name of a role: `RedshiftMlRole`/`redshift_ml` for
/// `[iam]`'s own, with the role's name after them for the others.
fn ids(name: &str) -> (String, String) {
    if name == "default" {
        ("RedshiftMlRole".into(), "redshift_ml".into())
    } else {
        (
            format!("RedshiftMlRole{}", logical_id(name)),
            format!("redshift_ml_{name}"),
        )
    }
}

/// A CloudFormation template (JSON) that makes the roles: for each, an `AWS::IAM::Role` with its
/// trust policy, its inline policy (if any), its managed policies and its path, and its ARN as an
/// output.
pub fn cloudformation(roles: &[(&str, &IamSettings)]) -> Value {
    let mut resources = serde_json::Map::new();
    let mut outputs = serde_json::Map::new();
    for (name, role) in roles {
        let (id, _) = ids(name);
        let mut properties = json!({
            "RoleName": role.role_name,
            "AssumeRolePolicyDocument": role.trust_policy(),
            "Description": "An IAM role Amazon Redshift ML uses for CREATE MODEL (made by mlgrant iam cloudformation)",
        });
        if let Some(path) = role.role_path() {
            properties["Path"] = json!(path);
        }
        if let Some(policy) = role.added_policy() {
            properties["Policies"] = json!([{
                "PolicyName": format!("{}-redshift-ml", role.role_name),
                "PolicyDocument": policy,
            }]);
        }
        if role.style == IamStyle::ConsoleDefault {
            properties["ManagedPolicyArns"] = json!(role.managed_policies());
        }
        resources.insert(
            id.clone(),
            json!({"Type": "AWS::IAM::Role", "Properties": properties}),
        );
        let output = if *name == "default" {
            "RoleArn".to_owned()
        } else {
            format!("RoleArn{}", logical_id(name))
        };
        outputs.insert(output, json!({
            "Description": format!("The ARN of role `{name}`: give it to the cluster (IAM roles) and to CREATE MODEL ... IAM_ROLE"),
            "Value": {"Fn::GetAtt": [id, "Arn"]},
        }));
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "The IAM roles for Amazon Redshift ML, as mlgrant's [iam] section describes them",
        "Resources": resources,
        "Outputs": outputs,
    })
}

/// The same roles as Terraform's JSON syntax (`.tf.json`): per role an `aws_iam_role`, its
/// inline `aws_iam_role_policy` (if any), one `aws_iam_role_policy_attachment` per managed
/// policy, and its ARN as an output. Policies are JSON strings, as the AWS provider takes them.
pub fn terraform(roles: &[(&str, &IamSettings)]) -> Value {
    let pretty = |v: Value| serde_json::to_string_pretty(&v).expect("JSON values serialize");
    let (mut iam_roles, mut inline, mut attachments, mut outputs) = (
        serde_json::Map::new(),
        serde_json::Map::new(),
        serde_json::Map::new(),
        serde_json::Map::new(),
    );
    for (name, role) in roles {
        let (_, tf) = ids(name);
        let mut body = json!({
            "name": role.role_name,
            "description": "An IAM role Amazon Redshift ML uses for CREATE MODEL (made by mlgrant iam terraform)",
            "assume_role_policy": pretty(role.trust_policy()),
        });
        if let Some(path) = role.role_path() {
            body["path"] = json!(path);
        }
        iam_roles.insert(tf.clone(), body);
        if let Some(policy) = role.added_policy() {
            inline.insert(
                tf.clone(),
                json!({
                    "name": format!("{}-redshift-ml", role.role_name),
                    "role": format!("${{aws_iam_role.{tf}.id}}"),
                    "policy": pretty(policy),
                }),
            );
        }
        if role.style == IamStyle::ConsoleDefault {
            for arn in role.managed_policies() {
                let policy = arn.rsplit('/').next().unwrap_or("policy").to_owned();
                attachments.insert(
                    format!("{tf}_{policy}"),
                    json!({
                        "role": format!("${{aws_iam_role.{tf}.name}}"),
                        "policy_arn": arn,
                    }),
                );
            }
        }
        outputs.insert(format!("{tf}_role_arn"), json!({
            "description": format!("The ARN of role `{name}`: give it to the cluster (IAM roles) and to CREATE MODEL ... IAM_ROLE"),
            "value": format!("${{aws_iam_role.{tf}.arn}}"),
        }));
    }
    let mut resources = json!({"aws_iam_role": iam_roles});
    if !inline.is_empty() {
        resources["aws_iam_role_policy"] = Value::Object(inline);
    }
    if !attachments.is_empty() {
        resources["aws_iam_role_policy_attachment"] = Value::Object(attachments);
    }
    json!({"resource": resources, "output": outputs})
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
    /// The trust policy: Redshift and SageMaker (and Forecast, when on; and Redshift
    /// Serverless for a Serverless namespace, MG serverless-security-other-services) may assume
    /// the role.
    pub fn trust_policy(&self) -> Value {
        let mut services = vec!["redshift.amazonaws.com", "sagemaker.amazonaws.com"];
        if self.features.serverless {
            services.insert(1, "redshift-serverless.amazonaws.com");
        }
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
        if !self.features.bedrock_models.is_empty() {
            names.push("AmazonBedrockFullAccess");
        }
        names
            .into_iter()
            .map(|n| format!("arn:{p}:iam::aws:policy/{n}"))
            .collect()
    }
}
