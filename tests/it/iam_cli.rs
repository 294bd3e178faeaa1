//! `mlgrant iam`: the policies are valid JSON, stable, and hold exactly the statements their
//! options call for; compared with golden files.

use crate::util::{files, golden, mlgrant, rel, scratch, stderr, stdout};
use serde_json::Value;

fn policy(config: &str, which: &str) -> Value {
    let out = mlgrant(&["iam", which, "--config", config]);
    assert!(out.status.success(), "{config} {which}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{config} {which}: not JSON: {e}"))
}

fn policy_with(config: &str, which: &str, extra: &[&str]) -> Value {
    let mut args = vec!["iam", which, "--config", config];
    args.extend_from_slice(extra);
    let out = mlgrant(&args);
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
    assert_eq!(configs.len(), 7);
    for config in configs {
        let path = rel(&config);
        let stem = path.trim_end_matches(".toml");
        for which in [
            "permissions",
            "trust",
            "managed",
            "cloudformation",
            "terraform",
        ] {
            // An [iam] without a role of its own names no role by default: all of them.
            let mut args = vec!["iam", which, "--config", &path];
            if path.ends_with("shared.toml") {
                args.push("--all");
            }
            let out = mlgrant(&args);
            assert!(out.status.success(), "{path}: {}", stderr(&out));
            if which != "managed" || path.ends_with("shared.toml") {
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
            "PassRole",
            "Objects",
            "ListBuckets",
            "KmsKey",
            "EnhancedVpcRouting"
        ]
    );
    assert!(!p.to_string().contains("redshift-downloads"));
    // The current guide: SageMaker's model and endpoint actions, PassRole only to the services
    // that use the role.
    assert!(
        p["Statement"][0]["Action"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("sagemaker:CreateEndpoint"))
    );
    assert_eq!(
        p["Statement"][1]["Condition"]["StringEquals"]["iam:PassedToService"],
        serde_json::json!([
            "redshift.amazonaws.com",
            "sagemaker.amazonaws.com",
            "forecast.amazonaws.com"
        ])
    );
    assert_eq!(
        p["Statement"][4]["Resource"][0],
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

#[test]
fn the_console_default_role_gets_the_managed_policy_and_only_the_vpc_statement() {
    let p = policy("tests/golden/iam/console.toml", "permissions");
    assert_eq!(sids(&p), ["EnhancedVpcRouting"]);
    let managed = mlgrant(&[
        "iam",
        "managed",
        "--config",
        "tests/golden/iam/console.toml",
    ]);
    assert_eq!(
        stdout(&managed),
        "arn:aws:iam::aws:policy/AmazonRedshiftAllCommandsFullAccess\n"
    );
    let cfn = policy("tests/golden/iam/console.toml", "cloudformation");
    let role = &cfn["Resources"]["RedshiftMlRole"]["Properties"];
    assert_eq!(role["RoleName"], "RedshiftML");
    assert_eq!(
        role["ManagedPolicyArns"][0],
        "arn:aws:iam::aws:policy/AmazonRedshiftAllCommandsFullAccess"
    );
    assert_eq!(role["Policies"][0]["PolicyDocument"], p);
    assert_eq!(cfn["Outputs"]["RoleArn"]["Value"]["Fn::GetAtt"][1], "Arn");
    assert!(role.get("Path").is_none());
    // A role ARN with a path is made with that path, so the stack's ARN is the model's.
    let full = policy("tests/golden/iam/full.toml", "cloudformation");
    assert_eq!(
        full["Resources"]["RedshiftMlRole"]["Properties"]["Path"],
        "/ml/"
    );
}

#[test]
fn without_vpc_routing_the_console_default_role_needs_no_added_policy() {
    let path = scratch("iam", "console-no-vpc.toml");
    std::fs::write(
        &path,
        "version = 1\n[iam]\nstyle = \"console-default\"\nrole_arn = \"arn:aws:iam::123456789012:role/R\"\nregion = \"us-east-1\"\ns3_bucket = \"ml-data\"\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let out = mlgrant(&["iam", "permissions", "--config", path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("needs no policy besides"),
        "{}",
        stderr(&out)
    );
    // The bucket lacks `redshift` in its name: the managed policy would not reach it.
    assert!(
        stderr(&out).contains(":6:13: with style"),
        "{}",
        stderr(&out)
    );
    let out = mlgrant(&["iam", "cloudformation", "--config", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cfn: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        cfn["Resources"]["RedshiftMlRole"]["Properties"]
            .get("Policies")
            .is_none()
    );
    let out = mlgrant(&["check", "--config", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rename bucket `ml-data`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_region_or_style_is_refused_with_a_suggestion() {
    let path = scratch("iam", "bad-style.toml");
    std::fs::write(
        &path,
        "version = 1\n[iam]\nstyle = \"console\"\nrole_arn = \"arn:aws:iam::123456789012:role/R\"\nregion = \"eu-centrl-1\"\ns3_bucket = \"ml-data\"\n",
    )
    .unwrap();
    let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("did you mean eu-central-1?"), "{err}");
    assert!(
        err.contains("`style` must be \"custom\" or \"console-default\""),
        "{err}"
    );
}

/// cfn-lint, AWS's CloudFormation linter, from its own virtualenv under target/ (made when
/// missing; `.ci/run` makes it first so that an unreachable PyPI fails there with pip's message).
fn cfn_lint() -> std::path::PathBuf {
    crate::util::venv_tool(
        "cfn-lint-venv",
        "cfn-lint",
        "cfn-lint==1.*",
        &["--version"],
        "cfn-lint 1.",
    )
}

#[test]
fn bedrock_remote_inference_and_serverless_are_scoped_to_what_the_model_names() {
    let p = policy("tests/golden/iam/inference.toml", "permissions");
    let statement = |sid: &str| {
        p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("{sid} missing from {p}"))
            .clone()
    };
    let bedrock = statement("BedrockModels");
    assert_eq!(bedrock["Action"], "bedrock:InvokeModel");
    assert_eq!(
        bedrock["Resource"],
        serde_json::json!([
            "arn:aws:bedrock:us-west-2::foundation-model/amazon.titan-text-express-v1",
            "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
        ])
    );
    let remote = statement("RemoteInference");
    assert_eq!(remote["Action"], "sagemaker:InvokeEndpoint");
    assert_eq!(
        remote["Resource"],
        serde_json::json!(["arn:aws:sagemaker:us-west-2:123456789012:endpoint/churn-endpoint"])
    );
    let t = policy("tests/golden/iam/inference.toml", "trust");
    assert_eq!(
        t["Statement"][0]["Principal"]["Service"],
        serde_json::json!([
            "redshift.amazonaws.com",
            "redshift-serverless.amazonaws.com",
            "sagemaker.amazonaws.com"
        ])
    );
    let managed = stdout(&mlgrant(&[
        "iam",
        "managed",
        "--config",
        "tests/golden/iam/inference.toml",
    ]));
    assert!(managed.contains("AmazonBedrockFullAccess"), "{managed}");
    // A Bedrock id or endpoint name that is not one is refused where it stands.
    let bad = scratch("iam", "bad-inference.toml");
    std::fs::write(
        &bad,
        "version = 1\n[iam]\naccount_id = \"123456789012\"\nrole_name = \"R\"\nregion = \"us-west-2\"\ns3_bucket = \"b-bucket\"\nbedrock_models = [\"claude\"]\nsagemaker_endpoints = [\"-bad\"]\n",
    )
    .unwrap();
    let out = mlgrant(&["check", "--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`claude` is not a Bedrock model id")
            && stderr(&out).contains("`-bad` is not a SageMaker endpoint name"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_iam_section_of_shared_settings_has_no_default_role() {
    let shared = "tests/golden/iam/shared.toml";
    let out = mlgrant(&["iam", "trust", "--config", shared]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no role of its own: name one with --role (churn, sales)"),
        "{}",
        stderr(&out)
    );
    let all = policy(shared, "cloudformation");
    let ids: Vec<&String> = all["Resources"].as_object().unwrap().keys().collect();
    assert_eq!(ids, ["RedshiftMlRolechurn", "RedshiftMlRolesales"]);
    let text = std::fs::read_to_string(crate::util::root().join(shared)).unwrap();
    let bad = scratch("iam", "shared-default.toml");
    std::fs::write(
        &bad,
        text.replace(r#"iam_roles = ["churn"]"#, r#"iam_roles = ["default"]"#),
    )
    .unwrap();
    let out = mlgrant(&["check", "--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`default` names [iam]'s own role, but this [iam] has none")
            && stderr(&out).contains("name one of the roles: churn, sales"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cloudformation_templates_pass_cfn_lint() {
    let lint = cfn_lint();
    let run = |template: &str, name: &str| {
        let path = scratch("cfn", name);
        std::fs::write(&path, template).unwrap();
        std::process::Command::new(&lint)
            .arg(&path)
            .output()
            .expect("cfn-lint runs")
    };
    let configs = files("tests/golden/iam", "toml");
    for config in &configs {
        let path = rel(config);
        let out = mlgrant(&["iam", "cloudformation", "--config", &path]);
        assert!(out.status.success(), "{path}: {}", stderr(&out));
        let name = format!("{}.json", config.file_stem().unwrap().to_str().unwrap());
        let lint = run(&stdout(&out), &name);
        assert!(
            lint.status.success(),
            "cfn-lint rejects the template for {path}:\n{}",
            stdout(&lint)
        );
    }
    // The linter does reject a template with a wrong property, so its silence above means something.
    let out = mlgrant(&[
        "iam",
        "cloudformation",
        "--config",
        "tests/golden/iam/minimal.toml",
    ]);
    let broken = stdout(&out).replace("\"RoleName\"", "\"RoleNam\"");
    let lint = run(&broken, "broken.json");
    assert!(!lint.status.success());
    assert!(stdout(&lint).contains("E3002"), "{}", stdout(&lint));
    // And an IAM action that does not exist (W3037, a warning: any warning fails the check above),
    // so every policy inside the templates names only real actions.
    let unknown = stdout(&out).replace("\"ecr:BatchGetImage\"", "\"ecr:BatchGetImages\"");
    assert_ne!(unknown, stdout(&out));
    let lint = run(&unknown, "unknown-action.json");
    assert!(!lint.status.success());
    assert!(stdout(&lint).contains("W3037"), "{}", stdout(&lint));
}

#[test]
fn terraform_output_declares_what_it_references_and_carries_the_same_policies() {
    for config in files("tests/golden/iam", "toml") {
        let path = rel(&config);
        let tf = policy(&path, "terraform");
        let resources = tf["resource"].as_object().expect("a resource block");
        // Every ${type.name.attr} reference names a resource this file declares.
        let text = tf.to_string();
        for reference in text.split("${").skip(1) {
            let reference = &reference[..reference.find('}').unwrap()];
            let parts: Vec<&str> = reference.split('.').collect();
            assert_eq!(parts.len(), 3, "{path}: {reference}");
            assert!(
                resources
                    .get(parts[0])
                    .and_then(|r| r.get(parts[1]))
                    .is_some(),
                "{path}: {reference} is not declared"
            );
        }
        // The checks below are of [iam]'s own role; an [iam] of shared settings has none.
        let Some(role) = resources["aws_iam_role"].get("redshift_ml") else {
            continue;
        };
        let trust: Value =
            serde_json::from_str(role["assume_role_policy"].as_str().unwrap()).unwrap();
        assert_eq!(trust, policy(&path, "trust"), "{path}");
        let cfn = policy(&path, "cloudformation");
        let cfn_role = &cfn["Resources"]["RedshiftMlRole"]["Properties"];
        assert_eq!(role["name"], cfn_role["RoleName"], "{path}");
        assert_eq!(role.get("path"), cfn_role.get("Path"), "{path}");
        let inline = resources.get("aws_iam_role_policy").map(|p| {
            serde_json::from_str::<Value>(p["redshift_ml"]["policy"].as_str().unwrap()).unwrap()
        });
        assert_eq!(
            inline.as_ref(),
            cfn_role["Policies"].get(0).map(|p| &p["PolicyDocument"]),
            "{path}"
        );
        let attached: Vec<&Value> = resources
            .get("aws_iam_role_policy_attachment")
            .map(|a| {
                a.as_object()
                    .unwrap()
                    .values()
                    .map(|v| &v["policy_arn"])
                    .collect()
            })
            .unwrap_or_default();
        let managed: Vec<&Value> = cfn_role
            .get("ManagedPolicyArns")
            .map(|m| m.as_array().unwrap().iter().collect())
            .unwrap_or_default();
        assert_eq!(attached, managed, "{path}");
        assert_eq!(
            tf["output"]["redshift_ml_role_arn"]["value"],
            "${aws_iam_role.redshift_ml.arn}"
        );
    }
    // The console-default role attaches its managed policy; the custom one has none.
    let console = policy("tests/golden/iam/console.toml", "terraform");
    assert_eq!(
        console["resource"]["aws_iam_role_policy_attachment"]["redshift_ml_AmazonRedshiftAllCommandsFullAccess"]
            ["policy_arn"],
        "arn:aws:iam::aws:policy/AmazonRedshiftAllCommandsFullAccess"
    );
    let minimal = policy("tests/golden/iam/minimal.toml", "terraform");
    assert!(
        minimal["resource"]
            .get("aws_iam_role_policy_attachment")
            .is_none()
    );
}

#[test]
fn each_team_role_has_its_own_documents_and_its_creators_may_assume_exactly_it() {
    let teams = "tests/golden/iam/teams.toml";
    let out = mlgrant(&["iam", "permissions", "--all", "--config", teams]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&String> = all.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["default", "churn", "sales"]);
    let text = |v: &Value| v.to_string();
    assert!(text(&all["churn"]).contains("arn:aws:s3:::redshift-ml-churn/*"));
    assert!(!text(&all["churn"]).contains("redshift-ml-sales"));
    assert!(text(&all["churn"]).contains("arn:aws:iam::123456789012:role/teams/RedshiftML-churn"));
    assert!(text(&all["sales"]).contains("key/mrk-1234abcd12ab34cd56ef1234567890ab"));
    assert!(!text(&all["default"]).contains("kms:"));
    // --role prints one role's document, the same as --all's entry.
    assert_eq!(
        policy_with(teams, "permissions", &["--role", "sales"]),
        all["sales"]
    );
    let out = mlgrant(&["iam", "trust", "--role", "salse", "--config", teams]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("did you mean `sales`? the roles are default, churn, sales"),
        "{}",
        stderr(&out)
    );
    // One resource and one output per role.
    let cfn = policy(teams, "cloudformation");
    let ids: Vec<&String> = cfn["Resources"].as_object().unwrap().keys().collect();
    assert_eq!(
        ids,
        [
            "RedshiftMlRole",
            "RedshiftMlRolechurn",
            "RedshiftMlRolesales"
        ]
    );
    assert_eq!(
        cfn["Resources"]["RedshiftMlRolechurn"]["Properties"]["Path"],
        "/teams/"
    );
    assert_eq!(cfn["Outputs"].as_object().unwrap().len(), 3);
    let tf = policy_with(teams, "terraform", &["--role", "churn"]);
    let names: Vec<&String> = tf["resource"]["aws_iam_role"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(names, ["redshift_ml_churn"]);
    // The ASSUMEROLE grants follow the same sections: each team's creators, their own role.
    let out = mlgrant(&["compile", "--config", teams]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sql = stdout(&out);
    // Each grant names the entry that requires it: the role's `schemas`, or the schema's iam_roles.
    assert!(sql.contains("teams.toml:25:12 iam.roles.churn.schemas\nGRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/teams/RedshiftML-churn'"), "{sql}");
    assert!(sql.contains("teams.toml:14:14 schemas.sales_ml.iam_roles\nGRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-sales'"), "{sql}");
    let assume: Vec<&str> = sql
        .lines()
        .filter(|l| l.starts_with("GRANT ASSUMEROLE"))
        .collect();
    assert_eq!(
        assume,
        [
            "GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML-sales' TO GROUP sales_analyst_grp FOR CREATE MODEL;",
            "GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/teams/RedshiftML-churn' TO GROUP retention_analyst_grp FOR CREATE MODEL;",
        ],
        "{sql}"
    );
}

#[test]
fn a_role_name_that_does_not_exist_or_a_schema_a_role_cannot_find_is_located() {
    let path = scratch("iam", "bad-roles.toml");
    std::fs::write(
        &path,
        "version = 1\n[groups.g]\n[schemas.demo_ml]\ncreators = [\"g\"]\niam_roles = [\"chrun\"]\n[iam]\naccount_id = \"123456789012\"\nrole_name = \"R\"\nregion = \"us-east-1\"\ns3_bucket = \"b-shared\"\n[iam.roles.churn]\nrole_arn = \"arn:aws:iam::210987654321:role/C\"\ns3_bucket = \"b-churn\"\nschemas = [\"demo_m\"]\n[iam.roles.default]\nrole_name = \"D\"\ns3_bucket = \"b-d\"\n",
    )
    .unwrap();
    let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("role_arn is in account 210987654321, [iam] in 123456789012"),
        "{err}"
    );
    assert!(err.contains("`default` names [iam]'s own role"), "{err}");
    // The churn role is refused (wrong account), so `chrun` finds nothing to suggest; check the
    // schema and the name with a valid role next.
    std::fs::write(
        &path,
        "version = 1\n[groups.g]\n[schemas.demo_ml]\ncreators = [\"g\"]\niam_roles = [\"chrun\"]\n[iam]\naccount_id = \"123456789012\"\nrole_name = \"R\"\nregion = \"us-east-1\"\ns3_bucket = \"b-shared\"\n[iam.roles.churn]\nrole_name = \"C\"\ns3_bucket = \"b-churn\"\nschemas = [\"demo_m\"]\n",
    )
    .unwrap();
    let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("error: no role `chrun` in [iam.roles]"),
        "{err}"
    );
    assert!(err.contains("bad-roles.toml:5:14"), "{err}");
    assert!(err.contains("did you mean `churn`?"), "{err}");
    assert!(
        err.contains("role `churn` lists schema `demo_m`, which the model does not declare"),
        "{err}"
    );
    assert!(err.contains("did you mean `demo_ml`?"), "{err}");
}

#[test]
fn roles_that_would_collide_in_aws_or_in_the_templates_are_refused() {
    let path = scratch("iam", "colliding-roles.toml");
    let head = "version = 1\n[iam]\naccount_id = \"123456789012\"\nrole_name = \"RedshiftML\"\nregion = \"cn-north-1\"\ns3_bucket = \"b-shared\"\n";
    let cases: &[(&str, &str)] = &[
        // `_` would have made the default role's CloudFormation id.
        (
            "[iam.roles._]\nrole_name = \"Other\"\ns3_bucket = \"b-o\"\n",
            "role name `_` must be a letter",
        ),
        (
            "[iam.roles.a]\nrole_name = \"A\"\nrole_arn = \"arn:aws-cn:iam::123456789012:role/ml/B\"\ns3_bucket = \"b-a\"\n",
            "role_name `A` does not match role_arn, which names `B`",
        ),
        (
            "[iam.roles.team]\nrole_arn = \"arn:aws-cn:iam::123456789012:role/x/redshiftml\"\ns3_bucket = \"b-t\"\n",
            "roles `default` and `team` are both IAM role `redshiftml`",
        ),
        (
            "[iam.roles.p]\nrole_arn = \"arn:aws:iam::123456789012:role/P\"\ns3_bucket = \"b-p\"\n",
            "role_arn is not in partition aws-cn, where region cn-north-1 is",
        ),
    ];
    for (role, expected) in cases {
        std::fs::write(&path, format!("{head}{role}")).unwrap();
        let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{role}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{role}: {err}");
        assert!(!err.contains("lacks"), "{role}: {err}");
    }
    // A control character in a listed schema does not reach the terminal; a refused [iam] or a
    // refused role does not add a false "no role" error for the schema that names it.
    std::fs::write(
        &path,
        "version = 1\n[groups.g]\n[schemas.s]\ncreators = [\"g\"]\niam_roles = [\"team\"]\n[iam]\naccount_id = \"123456789012\"\nrole_name = \"R\"\nregion = \"us-east-1\"\ns3_bucket = \"b-shared\"\n[iam.roles.team]\nrole_name = \"T\"\ns3_bucket = \"NO\"\n[iam.roles.other]\nrole_name = \"O\"\ns3_bucket = \"b-o\"\nschemas = [\"\\u001b]0;pwned\\u0007\"]\n",
    )
    .unwrap();
    let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("lists schema"), "{err}");
    assert!(err.contains("invalid s3_bucket"), "{err}");
    assert!(!err.contains("no role `team`"), "{err}");
    std::fs::write(
        &path,
        "version = 1\n[groups.g]\n[schemas.s]\ncreators = [\"g\"]\niam_roles = [\"team\"]\n[iam]\naccount_id = \"123456789012\"\nrole_name = \"R\"\nregion = \"us-east-7\"\ns3_bucket = \"b-shared\"\n[iam.roles.team]\nrole_name = \"T\"\ns3_bucket = \"b-t\"\n",
    )
    .unwrap();
    let err = stderr(&mlgrant(&["check", "--config", path.to_str().unwrap()]));
    assert!(err.contains("region `us-east-7`"), "{err}");
    assert!(!err.contains("no role `team`"), "{err}");
}

#[test]
fn the_default_role_can_be_named_and_revoking_public_assumerole_warns_about_schemas_left_without_one()
 {
    let path = scratch("iam", "default-role.toml");
    let body = |iam_roles: &str| {
        format!(
            "version = 1\n[groups.g]\n[schemas.s]\ncreators = [\"g\"]\n{iam_roles}[policy]\nrevoke_public_assumerole = true\n[iam]\naccount_id = \"123456789012\"\nrole_name = \"RedshiftML\"\nregion = \"us-east-1\"\ns3_bucket = \"redshift-b\"\n"
        )
    };
    std::fs::write(&path, body("")).unwrap();
    let out = mlgrant(&["compile", "--config", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("default-role.toml:3:10: revoke_public_assumerole = true takes every IAM role from PUBLIC, and schema s gives its creators none"), "{err}");
    std::fs::write(&path, body("iam_roles = [\"default\"]\n")).unwrap();
    let out = mlgrant(&["compile", "--config", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert!(stdout(&out).contains("GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/RedshiftML' TO GROUP g FOR CREATE MODEL;"), "{}", stdout(&out));
}

#[test]
fn a_role_section_says_exactly_what_it_lacks_and_what_belongs_in_iam() {
    let path = scratch("iam", "role-messages.toml");
    std::fs::write(
        &path,
        "version = 1\n[iam]\naccount_id = \"123456789012\"\nrole_name = \"R\"\nregion = \"us-east-1\"\ns3_bucket = \"b-shared\"\n[iam.roles.churn]\nrole_name = \"C\"\ns3_bukcet = \"b-c\"\nregion = \"us-west-2\"\n",
    )
    .unwrap();
    let out = mlgrant(&["check", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("[iam.roles.churn] lacks s3_bucket\n"), "{err}");
    assert!(
        err.contains("unknown key `s3_bukcet` in [iam.roles.churn]"),
        "{err}"
    );
    assert!(err.contains("did you mean `s3_bucket`?"), "{err}");
    assert!(err.contains("`region` is not set per role"), "{err}");
    assert!(
        err.contains("every role takes `region` from [iam]"),
        "{err}"
    );
}

#[test]
fn a_format_iam_cannot_print_is_refused() {
    for format in ["sql", "markdown"] {
        let out = mlgrant(&[
            "iam",
            "trust",
            "--format",
            format,
            "--config",
            "tests/golden/iam/minimal.toml",
        ]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(
            stderr(&out).contains(&format!("--format {format} does not apply")),
            "{}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty());
    }
}
