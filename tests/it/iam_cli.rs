//! `mlgrant iam`: the policies are valid JSON, stable, and hold exactly the statements their
//! options call for; compared with golden files.

use crate::util::{files, golden, mlgrant, rel, stderr, stdout};
use serde_json::Value;

fn policy(config: &str, which: &str) -> Value {
    let out = mlgrant(&["iam", which, "--config", config]);
    assert!(out.status.success(), "{config} {which}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{config} {which}: not JSON: {e}"))
}

fn sids(policy: &Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn policies_match_golden_files_and_parse() {
    let configs = files("tests/golden/iam", "toml");
    assert_eq!(configs.len(), 3);
    for config in configs {
        let path = rel(&config);
        let stem = path.trim_end_matches(".toml");
        for which in ["permissions", "trust", "managed"] {
            let out = mlgrant(&["iam", which, "--config", &path]);
            assert!(out.status.success(), "{path}: {}", stderr(&out));
            if which != "managed" {
                let _: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
            }
            golden(&format!("{stem}.{which}.out"), &stdout(&out));
        }
    }
}

#[test]
fn the_minimal_policy_has_no_kms_no_vpc_and_keeps_the_sample_bucket() {
    let p = policy("tests/golden/iam/minimal.toml", "permissions");
    assert_eq!(p["Version"], "2012-10-17");
    assert_eq!(
        sids(&p),
        ["SageMakerAndLogs", "PassRoleAndObjects", "ListBuckets"]
    );
    let text = p.to_string();
    assert!(text.contains("arn:aws:s3:::redshift-downloads/*"));
    assert!(text.contains("arn:aws:iam::123456789012:role/RedshiftML"));
    let t = policy("tests/golden/iam/minimal.toml", "trust");
    assert_eq!(
        t["Statement"][0]["Principal"]["Service"],
        serde_json::json!(["redshift.amazonaws.com", "sagemaker.amazonaws.com"])
    );
}

#[test]
fn the_full_policy_adds_kms_vpc_and_forecast_and_drops_the_sample_bucket() {
    let p = policy("tests/golden/iam/full.toml", "permissions");
    assert_eq!(
        sids(&p),
        [
            "SageMakerAndLogs",
            "PassRoleAndObjects",
            "ListBuckets",
            "KmsKey",
            "EnhancedVpcRouting"
        ]
    );
    assert!(!p.to_string().contains("redshift-downloads"));
    assert_eq!(
        p["Statement"][3]["Resource"][0],
        "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    );
    let t = policy("tests/golden/iam/full.toml", "trust");
    assert_eq!(
        t["Statement"][0]["Principal"]["Service"][2],
        "forecast.amazonaws.com"
    );
    let managed = mlgrant(&["iam", "managed", "--config", "tests/golden/iam/full.toml"]);
    assert_eq!(
        stdout(&managed),
        "arn:aws:iam::aws:policy/AmazonS3FullAccess\narn:aws:iam::aws:policy/AmazonSageMakerFullAccess\narn:aws:iam::aws:policy/AmazonForecastFullAccess\n"
    );
}

#[test]
fn a_model_without_iam_is_told_what_to_add() {
    let out = mlgrant(&["iam", "trust", "--config", "config.example.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no [iam] section"),
        "{}",
        stderr(&out)
    );
}
