//! `[iam]`'s settings for what the ML guide added after the first edition mlgrant followed:
//! Amazon Bedrock models (CREATE EXTERNAL MODEL), SageMaker endpoints for bring-your-own remote
//! inference, Serverless namespaces, and which edition of the guide the permission policy
//! follows. Each value is checked where it stands. The policies are written by the `iam` module.

use toml::Spanned;
use toml::de::DeValue;

use super::Diagnostic;
use super::reader::Reader;

/// Which edition of AWS's ML administration guide the permission policy follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Guide {
    /// The setup page as AWS publishes it now (DG getting-started-machine-learning,
    /// "cluster-setup"): SageMaker's model and endpoint actions, and iam:PassRole limited with
    /// `iam:PassedToService`.
    #[default]
    Current,
    /// The 2021 edition that the seed scenario follows, exactly as mlgrant printed it before
    /// (`guide = "2021"`), for clusters that need no more.
    Seed2021,
}

/// The settings beyond a role, a bucket and a key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IamFeatures {
    /// Bedrock model ids the role may invoke (`bedrock:InvokeModel` on their foundation-model
    /// ARNs in `[iam]`'s region); `["*"]` for any.
    pub bedrock_models: Vec<String>,
    /// SageMaker endpoints for remote inference (`sagemaker:InvokeEndpoint` on them).
    pub sagemaker_endpoints: Vec<String>,
    /// The role serves a Serverless namespace: its trust policy names
    /// redshift-serverless.amazonaws.com too (MG serverless-security-other-services).
    pub serverless: bool,
    pub guide: Guide,
}

/// The keys of this part of `[iam]`.
pub(super) const FEATURE_KEYS: &[&str] = &[
    "bedrock_models",
    "sagemaker_endpoints",
    "serverless",
    "guide",
];

/// A Bedrock model id (`anthropic.claude-3-haiku-20240307-v1:0`, `amazon.titan-text-express-v1`)
/// or `*`: letters, digits and `.-_:`, at most 2048 characters (Bedrock's modelId).
pub fn check_bedrock_model(s: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || ".-_:".contains(c);
    if s == "*" || (!s.is_empty() && s.len() <= 2048 && s.chars().all(ok) && s.contains('.')) {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a Bedrock model id (provider.model, e.g. \"anthropic.claude-3-haiku-20240307-v1:0\"), nor \"*\"",
            crate::text::sanitize(s)
        ))
    }
}

/// A SageMaker endpoint name: 1 to 63 letters, digits and hyphens, starting and ending with a
/// letter or digit (SageMaker's EndpointName pattern).
pub fn check_endpoint_name(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let edge = |c: &u8| c.is_ascii_alphanumeric();
    if !s.is_empty()
        && s.len() <= 63
        && b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a SageMaker endpoint name: 1 to 63 letters, digits and hyphens",
            crate::text::sanitize(s)
        ))
    }
}

impl Reader {
    /// Reads one key of FEATURE_KEYS into `f`; false when its value was refused.
    pub(super) fn iam_feature(
        &mut self,
        key: &str,
        v: &Spanned<DeValue<'_>>,
        f: &mut IamFeatures,
    ) -> bool {
        match key {
            "serverless" => match self.boolean(v, key) {
                Some(b) => {
                    f.serverless = b;
                    true
                }
                None => false,
            },
            "guide" => match self.string(v, key).as_deref() {
                Some("current") => {
                    f.guide = Guide::Current;
                    true
                }
                Some("2021") => {
                    f.guide = Guide::Seed2021;
                    true
                }
                Some(other) => {
                    self.push(
                        Diagnostic::new(
                            v.span(),
                            format!(
                                "`guide` must be \"current\" or \"2021\", found `{}`",
                                crate::text::sanitize(other)
                            ),
                            "unknown guide",
                        )
                        .hint("\"current\" follows AWS's ML setup page as published now; \"2021\" the first edition's policy, unchanged"),
                    );
                    false
                }
                None => false,
            },
            _ => {
                let check = if key == "bedrock_models" {
                    check_bedrock_model
                } else {
                    check_endpoint_name
                };
                let mut ok = true;
                let mut values = Vec::new();
                for (s, span) in self.strings(v, key) {
                    match check(&s) {
                        Ok(()) => values.push(s),
                        Err(e) => {
                            self.push(Diagnostic::new(span, e, format!("invalid {key}")));
                            ok = false;
                        }
                    }
                }
                values.sort();
                values.dedup();
                if key == "bedrock_models" {
                    f.bedrock_models = values;
                } else {
                    f.sagemaker_endpoints = values;
                }
                ok
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_ids_and_endpoint_names() {
        assert!(check_bedrock_model("anthropic.claude-3-haiku-20240307-v1:0").is_ok());
        assert!(check_bedrock_model("*").is_ok());
        assert!(check_bedrock_model("claude").is_err());
        assert!(check_bedrock_model("a.b/c").is_err());
        assert!(check_endpoint_name("churn-endpoint").is_ok());
        assert!(check_endpoint_name("-x").is_err());
        assert!(check_endpoint_name(&"a".repeat(64)).is_err());
        assert!(check_endpoint_name("a_b").is_err());
    }
}
