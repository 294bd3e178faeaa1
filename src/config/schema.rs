//! The access model as a JSON Schema (draft 2020-12), for editors: taplo and VS Code's Even
//! Better TOML read it through a `#:schema` directive and complete and check every key while a
//! model is written. It states the keys and types that [`super::load`] accepts; the finer rules
//! (names, grantees, ARNs) stay check's, which says where and why. A test keeps each table's
//! keys equal to the reader's own lists, and validates the golden models against it.

use serde_json::{Value, json};

use super::reader::{GROUP_KEYS, IAM_KEYS, MODEL_KEYS, POLICY_KEYS, ROOT_KEYS, SCHEMA_KEYS};
use super::roles::ROLE_KEYS;
use super::targets::TARGET_KEYS;

/// Where the schema is published in mlgrant's repository, and the name `init` gives its copy.
pub const FILE_NAME: &str = "mlgrant.schema.json";

/// The `$id` of the schema, which also tells `init` that a file is mlgrant's own.
pub const ID: &str = "https://mlgrant.invalid/schema/access-model-v1.json";

fn strings(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": description})
}

/// A list whose entries are strings, or expiring entries `{ KEY = "...", until = DATE, reason =
/// "..." }` (until is a TOML date or date-time, which editors show as a string).
fn expiring(description: &str, key: &str) -> Value {
    json!({
        "type": "array",
        "description": description,
        "items": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "description": "An entry that ends: from `until` on it requires nothing, and plan revokes what it granted.",
                    "properties": {
                        key: {"type": "string"},
                        "until": {"description": "A TOML date (2027-01-31: midnight UTC, the start of that day) or date-time (2027-01-31T18:00:00Z; UTC unless an offset is written)."},
                        "reason": {"type": "string", "minLength": 1, "maxLength": 500, "description": "Why, e.g. a ticket; shown with every statement the entry requires."},
                    },
                    "required": [key, "until"],
                    "additionalProperties": false,
                },
            ],
        },
    })
}

fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn boolean(description: &str) -> Value {
    json!({"type": "boolean", "description": description})
}

/// A table whose keys are `keys`, each described by `property`; no other key.
fn closed(description: &str, keys: &[&str], property: impl Fn(&str) -> Value) -> Value {
    let properties: serde_json::Map<String, Value> = keys
        .iter()
        .map(|k| ((*k).to_owned(), property(k)))
        .collect();
    json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": false,
    })
}

/// A table of named tables, each `each`.
fn named(description: &str, names: Value, each: Value) -> Value {
    json!({
        "type": "object",
        "description": description,
        "propertyNames": names,
        "additionalProperties": each,
    })
}

const GRANTEES: &str = "Grantees: a group declared under [groups] (bare name or \"group:NAME\"), \"user:NAME\", \"role:NAME\" (an identity provider's too: \"role:aad:ml_team\"), or \"public\".";

fn group_key(k: &str) -> Value {
    match k {
        "members" => expiring(
            "The group's users (\"alice\" or \"user:alice\"). When present, membership is synced to exactly this list (ALTER GROUP ... ADD USER / DROP USER); without it, left alone.",
            "user",
        ),
        other => unreachable!("a group key without a description: {other}"),
    }
}

fn schema_key(k: &str) -> Value {
    match k {
        "creators" => expiring(
            &format!(
                "Grantees that create models here: CREATE MODEL (database level) + CREATE, USAGE ON SCHEMA. {GRANTEES}"
            ),
            "grantee",
        ),
        "consumers" => expiring(
            &format!(
                "Grantees that run every model in the schema, present and future: USAGE ON SCHEMA + EXECUTE ON MODEL. {GRANTEES}"
            ),
            "grantee",
        ),
        "iam_roles" => expiring(
            "IAM roles this schema's creators may name in CREATE MODEL ... IAM_ROLE 'arn' (GRANT ASSUMEROLE ... FOR CREATE MODEL to each creator): role ARNs, or the NAME of an [iam.roles.NAME] section (\"default\" for [iam]'s own role).",
            "role",
        ),
        other => unreachable!("a schema key without a description: {other}"),
    }
}

fn model_key(k: &str) -> Value {
    match k {
        "consumers" => expiring(
            &format!(
                "Grantees that run this model: USAGE ON SCHEMA + EXECUTE ON MODEL. {GRANTEES}"
            ),
            "grantee",
        ),
        other => unreachable!("a model key without a description: {other}"),
    }
}

fn policy_key(k: &str) -> Value {
    match k {
        "mode" => json!({
            "enum": ["sync", "grant-only"],
            "description": "\"sync\" (the default) revokes, inside the fence, what the file does not require; \"grant-only\" never revokes.",
        }),
        "manage" => strings(
            "Grantee patterns managed even when no rule names them (\"group:ml_*\"; * any run of characters, ? one; a bare pattern means groups).",
        ),
        "protect" => strings("Grantee patterns never revoked from (\"user:admin\")."),
        "revoke_public_assumerole" => boolean(
            "Opt-in: REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL, so that only iam_roles apply.",
        ),
        "audit_owner" => string(
            "A login trusted, besides superusers, to own mlgrant's audit schema (\"user:NAME\" or NAME).",
        ),
        other => unreachable!("a policy key without a description: {other}"),
    }
}

fn iam_key(k: &str) -> Value {
    match k {
        "style" => json!({
            "enum": ["custom", "console-default"],
            "description": "\"custom\": the restrictive permission policy; \"console-default\": the role the Redshift console makes, with AmazonRedshiftAllCommandsFullAccess.",
        }),
        "account_id" => json!({
            "type": "string",
            "pattern": "^[0-9]{12}$",
            "description": "The AWS account id: 12 digits, as a string.",
        }),
        "role_name" => string("The IAM role's name (or give role_arn)."),
        "role_arn" => string("The IAM role's ARN (or give role_name)."),
        "region" => string("The AWS region of the cluster and the bucket (\"us-east-1\")."),
        "s3_bucket" => string("The S3 bucket CREATE MODEL writes training data to."),
        "kms_key_id" => string("Optional: the KMS key id; adds the KMS statement."),
        "forecast" => boolean("true: forecast.amazonaws.com may assume the role."),
        "vpc_routing" => boolean("true: adds the EC2 actions enhanced VPC routing needs."),
        "sample_data" => boolean("false: drops AWS's redshift-downloads sample bucket."),
        "bedrock_models" => strings(
            "Bedrock model ids the role may invoke (\"anthropic.claude-3-haiku-20240307-v1:0\"), or [\"*\"].",
        ),
        "sagemaker_endpoints" => strings("SageMaker endpoints for remote inference."),
        "serverless" => boolean(
            "true: the role serves a Serverless namespace (its trust policy names redshift-serverless.amazonaws.com).",
        ),
        "guide" => json!({
            "enum": ["current", "2021"],
            "description": "The edition of AWS's ML administration guide the permission policy follows.",
        }),
        "roles" => named(
            "Named roles, one per team: [iam.roles.NAME], each with [iam]'s settings and its own.",
            json!({"type": "string"}),
            closed("One named IAM role.", ROLE_KEYS, role_key),
        ),
        other => unreachable!("an iam key without a description: {other}"),
    }
}

fn role_key(k: &str) -> Value {
    match k {
        "schemas" => strings("The schemas whose iam_roles this role serves."),
        other => iam_key(other),
    }
}

fn target_key(k: &str) -> Value {
    match k {
        "url" => string("postgres://USER@HOST:5439/DATABASE, never with a password."),
        "aws_cluster" => string("IAM login to a provisioned cluster: its identifier."),
        "aws_workgroup" => string("IAM login to a Redshift Serverless workgroup."),
        "aws_region" => string("The AWS region of aws_cluster or aws_workgroup."),
        "db_user" => string("The database user GetClusterCredentials logs in as."),
        "database" => string("The database to connect to."),
        other => unreachable!("a target key without a description: {other}"),
    }
}

fn root_key(k: &str) -> Value {
    match k {
        "version" => json!({
            "const": 1,
            "description": "The format version. Required; 1 is the only version this build reads.",
        }),
        "groups" => named(
            "Declared groups: plan and apply create the ones a cluster lacks.",
            json!({"type": "string"}),
            closed("A group.", GROUP_KEYS, group_key),
        ),
        "schemas" => named(
            "Declared schemas are managed: CREATE, USAGE and EXECUTE on their models are kept as the file says.",
            json!({"type": "string"}),
            closed("A schema's rules.", SCHEMA_KEYS, schema_key),
        ),
        "models" => named(
            "Models keyed \"schema.model\", quoted as one TOML key: [models.\"demo_ml.churn\"].",
            json!({"type": "string", "pattern": "\\.", "description": "schema.model, two parts joined by a dot"}),
            closed("A model's rules.", MODEL_KEYS, model_key),
        ),
        "policy" => closed("What a sync may revoke.", POLICY_KEYS, policy_key),
        "iam" => closed("The AWS side, for `mlgrant iam`.", IAM_KEYS, iam_key),
        "targets" => named(
            "The clusters this model is kept on, for --target NAME and --all-targets.",
            json!({"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]{0,63}$"}),
            closed("One cluster.", TARGET_KEYS, target_key),
        ),
        other => unreachable!("a top-level key without a description: {other}"),
    }
}

/// The JSON Schema of the access model, version 1.
pub fn json_schema() -> Value {
    let body = closed(
        "mlgrant access model, version 1: who may create Amazon Redshift ML models where, and who may run them.",
        ROOT_KEYS,
        root_key,
    );
    let mut root = serde_json::Map::new();
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("$id".into(), json!(ID));
    root.insert("title".into(), json!("mlgrant access model"));
    root.extend(body.as_object().expect("an object").clone());
    root.insert("required".into(), json!(["version"]));
    Value::Object(root)
}

/// The schema as the file mlgrant publishes (`mlgrant schema`), pretty-printed.
pub fn text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).expect("a JSON value");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_key_the_reader_knows_is_described() {
        // json_schema reaches every key of every list (an unknown one panics), and FEATURE_KEYS
        // are among IAM_KEYS.
        let schema = super::json_schema();
        let iam = &schema["properties"]["iam"]["properties"];
        for k in super::super::iam_features::FEATURE_KEYS {
            assert!(iam.get(k).is_some(), "{k}");
        }
    }
}
