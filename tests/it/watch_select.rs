//! What `mlgrant watch` applies, decided with no server: a model file and catalog rows as the
//! cluster's queries answer them go through `diff::watched`. Only EXECUTE on models holding
//! none of their required grants is applied; every other change of the plan is reported.

use mlgrant::catalog::{self, Rows};
use mlgrant::config;
use mlgrant::diff;
use mlgrant::render;

const MODEL: &str = r#"version = 1

[groups.bi]
members = ["dave"]

[groups.ops]

[groups.fresh_group]

[schemas.demo_ml]
creators = ["user:carol"]
consumers = ["bi", "user:erin"]

[models."demo_ml.partial"]
consumers = ["fresh_group"]
"#;

/// A cluster where: `fresh` (new or recreated) holds no grant; `partial` holds bi's but not
/// erin's nor fresh_group's (which does not exist yet); `training` is not ready; ops holds a
/// hand-made EXECUTE on `partial`; dave is not yet in bi; carol lacks schema CREATE.
fn cluster() -> Rows {
    serde_json::from_value(serde_json::json!({
        "whoami": [["awsuser", "t"]],
        "users": [["awsuser", "100", "t"], ["carol", "101", "f"], ["dave", "102", "f"], ["erin", "103", "f"]],
        "groups": [["bi", null], ["ops", null]],
        "schemas": [["public", "awsuser"], ["demo_ml", "awsuser"]],
        "models": [
            ["demo_ml", "fresh", "carol", "Model is Ready"],
            ["demo_ml", "partial", "carol", "Model is Ready"],
            ["demo_ml", "training", "carol", "Train Model On SageMaker In Progress"]
        ],
        "model_privileges": [
            ["demo_ml", "partial", "EXECUTE", "bi", "group"],
            ["demo_ml", "partial", "EXECUTE", "ops", "group"]
        ],
        "schema_privileges": [
            ["demo_ml", "USAGE", "bi", "group", "SCHEMA"],
            ["demo_ml", "USAGE", "erin", "user", "SCHEMA"],
            ["demo_ml", "USAGE", "carol", "user", "SCHEMA"]
        ],
        "system_privileges": [["CREATE MODEL", "carol", "user"]]
    }))
    .unwrap()
}

/// The state as plan leaves it once SHOW MODEL found every model it asked about.
fn confirmed(rows: &Rows) -> mlgrant::model::State {
    let mut state = catalog::state(rows).unwrap();
    let asked: Vec<_> = state
        .cluster
        .as_ref()
        .unwrap()
        .unconfirmed
        .keys()
        .map(|m| (m.clone(), None))
        .collect();
    catalog::confirm::record(&mut state, asked);
    state
}

fn statements(plan: &mlgrant::plan::Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| render::statement(&s.change))
        .collect()
}

#[test]
fn watch_applies_execute_only_on_models_that_hold_none_of_their_grants() {
    let model = config::parse("mlgrant.toml", MODEL).unwrap();
    let state = confirmed(&cluster());
    let w = diff::watched(&model, &state).unwrap();
    let applied = statements(&w.applies);
    assert_eq!(
        applied,
        [
            "GRANT EXECUTE ON MODEL demo_ml.fresh TO GROUP bi;",
            "GRANT EXECUTE ON MODEL demo_ml.fresh TO erin;",
        ],
        "{:#?}",
        statements(&w.full)
    );
    let reported: Vec<String> = w.reported().map(|s| render::statement(&s.change)).collect();
    let has = |text: &str| reported.iter().any(|s| s.contains(text));
    // partial holds bi's grant: the rest of it is drift for a reviewed apply.
    assert!(
        has("GRANT EXECUTE ON MODEL demo_ml.partial TO erin"),
        "{reported:#?}"
    );
    // The hand-made grant is a revoke the plan wants: reported, never applied.
    assert!(
        has("REVOKE EXECUTE ON MODEL demo_ml.partial FROM GROUP ops"),
        "{reported:#?}"
    );
    // A group to create, its grants, a member, a schema right: reported.
    assert!(has("CREATE GROUP fresh_group"), "{reported:#?}");
    assert!(has("TO GROUP fresh_group"), "{reported:#?}");
    assert!(has("ALTER GROUP bi ADD USER dave"), "{reported:#?}");
    assert!(
        has("GRANT CREATE ON SCHEMA demo_ml TO carol"),
        "{reported:#?}"
    );
    // Nothing on a model that is not ready, in either part.
    assert!(!has("training") && !applied.iter().any(|s| s.contains("training")));
    // Every step of the plan is in exactly one part.
    assert_eq!(reported.len() + applied.len(), w.full.steps.len());
}

#[test]
fn a_model_that_becomes_ready_is_applied_and_one_fully_granted_is_left_alone() {
    let model = config::parse("mlgrant.toml", MODEL).unwrap();
    let mut rows = cluster();
    // training is ready now; fresh got its grants.
    let models = rows.get_mut("models").unwrap();
    models[2][3] = Some("Model is Ready".into());
    let privileges = rows.get_mut("model_privileges").unwrap();
    for grantee in [("bi", "group"), ("erin", "user")] {
        privileges.push(
            ["demo_ml", "fresh", "EXECUTE", grantee.0, grantee.1]
                .iter()
                .map(|s| Some((*s).to_owned()))
                .collect(),
        );
    }
    let state = confirmed(&rows);
    let w = diff::watched(&model, &state).unwrap();
    assert_eq!(
        statements(&w.applies),
        [
            "GRANT EXECUTE ON MODEL demo_ml.training TO GROUP bi;",
            "GRANT EXECUTE ON MODEL demo_ml.training TO erin;",
        ]
    );
}

#[test]
fn an_ended_entry_is_never_watch_s_to_revoke() {
    let text = MODEL.replace(
        r#"consumers = ["bi", "user:erin"]"#,
        r#"consumers = ["bi", { grantee = "user:erin", until = 2020-01-01, reason = "trial" }]"#,
    );
    let mut model = config::parse("mlgrant.toml", &text).unwrap();
    model.as_of = Some(mlgrant::model::Instant::from_unix(1_800_000_000));
    let mut rows = cluster();
    rows.get_mut("model_privileges").unwrap().push(
        ["demo_ml", "fresh", "EXECUTE", "erin", "user"]
            .iter()
            .map(|s| Some((*s).to_owned()))
            .collect(),
    );
    let state = confirmed(&rows);
    let w = diff::watched(&model, &state).unwrap();
    let applied = statements(&w.applies);
    // fresh holds erin's grant, which no longer counts: bi's is missing, and fresh holds none of
    // what is required, so bi's is applied; erin's revoke is reported.
    assert_eq!(
        applied,
        ["GRANT EXECUTE ON MODEL demo_ml.fresh TO GROUP bi;"]
    );
    assert!(
        w.reported().any(|s| render::statement(&s.change)
            .contains("REVOKE EXECUTE ON MODEL demo_ml.fresh FROM erin")),
        "{:#?}",
        statements(&w.full)
    );
}
