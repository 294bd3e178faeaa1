//! Every kind of model a creator can make (trained, FORECAST, bring-your-own local and remote,
//! Bedrock), on the simulator: the schema's consumers get EXECUTE on each; a model in a state no
//! page documents is named loudly in the plan and by doctor, and its grants wait.

use super::{Cluster, err, out};

const SETUP: &str = "
    CREATE SCHEMA demo_ml;
    CREATE GROUP ml_team;
    CREATE GROUP bi;
    CREATE USER carol PASSWORD 'Carol1pass' IN GROUP ml_team;
    CREATE TABLE demo_ml.activity (state varchar(2), day date, churn int);
    GRANT SELECT ON demo_ml.activity TO GROUP ml_team;
";

const MODEL: &str = r#"version = 1
[groups.ml_team]
[groups.bi]
[schemas.demo_ml]
creators = ["ml_team"]
consumers = ["bi"]
"#;

/// What a creator runs, one model of each kind (DG r_CREATE_MODEL, r_create_external_model).
const MODELS: &str = "
    CREATE MODEL demo_ml.churn FROM (SELECT state, churn FROM demo_ml.activity)
      TARGET churn FUNCTION churn_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
    CREATE MODEL demo_ml.demand FROM (SELECT state, day, churn FROM demo_ml.activity)
      TARGET churn FUNCTION demand_fn IAM_ROLE default MODEL_TYPE FORECAST
      SETTINGS (S3_BUCKET 'bucket', HORIZON 7, FREQUENCY 'D');
    CREATE MODEL demo_ml.imported FROM 'sagemaker-training-job-42'
      FUNCTION imported_fn(varchar) RETURNS int IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
    CREATE MODEL demo_ml.remote FUNCTION remote_fn(varchar) RETURNS int
      SAGEMAKER 'churn-endpoint' IAM_ROLE default;
    CREATE EXTERNAL MODEL demo_ml.llm FUNCTION llm_fn IAM_ROLE default MODEL_TYPE BEDROCK
      SETTINGS (MODEL_ID 'anthropic.claude-3-haiku-20240307-v1:0', PROMPT 'Summarize:');
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_model_is_granted_to_the_schemas_consumers_and_an_unknown_state_is_loud() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let model = c.model("mlgrant.toml", MODEL);
    c.apply_and_converge(&model);
    // A creator (CREATE MODEL and the schema's CREATE, from the first apply) makes one of each.
    let carol = super::connect_as(&c.sim, "carol", "Carol1pass").await;
    carol
        .batch_execute(MODELS)
        .await
        .expect("every kind of model");
    let kinds = c
        .rows("SELECT model_name, model_state FROM svv_ml_model_info ORDER BY 1")
        .await;
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    assert_eq!(
        c.rows("SHOW MODEL demo_ml.llm").await[4],
        ["Model Type", "bedrock"]
    );
    let a = c.run(&["apply", "--config", &model, "--yes", "--format", "sql"]);
    assert_eq!(a.status.code(), Some(0), "{}{}", out(&a), err(&a));
    assert!(
        err(&a).contains(
            "GRANT EXECUTE ON MODEL demo_ml.churn, demo_ml.demand, demo_ml.imported, demo_ml.llm, demo_ml.remote TO GROUP bi;"
        ),
        "{}",
        err(&a)
    );
    let granted = c
        .rows(
            "SELECT model_name FROM svv_ml_model_privileges WHERE identity_name = 'bi' ORDER BY 1",
        )
        .await;
    assert_eq!(
        granted,
        [["churn"], ["demand"], ["imported"], ["llm"], ["remote"]]
    );

    // A retrained model in a state no page documents: its grants wait, loudly, and doctor says so.
    c.admin
        .batch_execute(
            "DROP MODEL demo_ml.llm;
             CREATE EXTERNAL MODEL demo_ml.llm FUNCTION llm_fn IAM_ROLE default MODEL_TYPE BEDROCK
               SETTINGS (MODEL_ID 'anthropic.claude-3-haiku-20240307-v1:0');
             CALL mlsim.set_model_state('demo_ml', 'llm', 'Deploying Endpoint');
             CALL mlsim.set_model_state('demo_ml', 'remote', 'Train Model On SageMaker In Progress');",
        )
        .await
        .unwrap();
    let p = c.run(&[
        "plan",
        "--config",
        &model,
        "--format",
        "text",
        "--exit-code",
    ]);
    let text = format!("{}{}", out(&p), err(&p));
    assert_eq!(p.status.code(), Some(3), "{text}");
    assert!(
        text.contains("UNKNOWN MODEL STATE: model demo_ml.llm is in a state no Redshift page documents (model_state: Deploying Endpoint)")
            && text.contains("model demo_ml.remote is not ready (model_state: Train Model On SageMaker In Progress)"),
        "{text}"
    );
    let d = c.run(&["doctor", "--format", "text"]);
    assert!(
        out(&d).contains("FAIL    model_states")
            && out(&d).contains("demo_ml.llm (Deploying Endpoint)"),
        "{}",
        out(&d)
    );
}
