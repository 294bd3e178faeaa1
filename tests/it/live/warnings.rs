//! plan against the simulator carries the model's warnings in every format, with their place.

use super::{Cluster, err, out};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_shows_the_lockout_warning_in_every_format() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute("CREATE SCHEMA a_ml; CREATE SCHEMA b_ml;")
        .await
        .unwrap();
    let model = c.model(
        "lockout.toml",
        "version = 1\n[groups.a_team]\n[groups.b_team]\n[schemas.a_ml]\ncreators = [\"a_team\"]\niam_roles = [\"arn:aws:iam::123456789012:role/a-role\"]\n[schemas.b_ml]\ncreators = [\"b_team\"]\n[policy]\nrevoke_public_assumerole = true\n",
    );
    let words = "schema b_ml gives its creators none";
    for (format, expect) in [
        ("sql", format!("-- WARNING: {model}:7:10: ")),
        ("text", format!("warning: {model}:7:10: ")),
        ("json", "\"line\": 7".to_owned()),
        ("markdown", "**Warnings**".to_owned()),
    ] {
        let o = c.run(&["plan", "--config", &model, "--format", format]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        let text = out(&o);
        assert!(
            text.contains(&expect)
                && (text.contains(words) || text.contains("schema b\\_ml gives its creators none")),
            "{format}: {text}"
        );
    }
    let strict = c.run(&["plan", "--config", &model, "--warnings-as-errors"]);
    assert_eq!(strict.status.code(), Some(1), "{}", err(&strict));
}
