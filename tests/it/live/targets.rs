//! Many targets from one model: three simulators, one of which is made to fail in the middle of
//! its apply (its connection cut), and a target that is down. A failing target never stops the
//! others and is left exactly as it was (each target is one transaction); output is grouped per
//! target with a summary, and the exit code says the worst: 1 failed, 2 changes pending, 0 in
//! sync.

use std::process::{Command, Output};

use redshift_sim::{Options, Simulator};

const PASSWORD: &str = "Targets1pass";

fn run(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(args)
        .env("PGPASSWORD", PASSWORD)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env_remove("PGHOST")
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_model_on_several_clusters_with_one_failing_and_one_down() {
    let options = || Options {
        password: PASSWORD.to_owned(),
        ..Options::default()
    };
    let (prod, staging, flaky) = (
        Simulator::start(options()).await.unwrap(),
        Simulator::start(options()).await.unwrap(),
        Simulator::start(options()).await.unwrap(),
    );
    for sim in [&prod, &staging, &flaky] {
        let admin = super::connect_as(sim, "awsuser", PASSWORD).await;
        admin
            .batch_execute("CREATE SCHEMA demo_ml; CREATE GROUP ml_team;")
            .await
            .unwrap();
    }
    let dir = crate::util::scratch("targets", "work");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mlgrant.toml"),
        format!(
            "version = 1\n[groups.ml_team]\n[schemas.demo_ml]\nconsumers = [\"ml_team\"]\n\n[targets.prod]\nurl = \"{}\"\n[targets.staging]\nurl = \"{}\"\n[targets.flaky]\nurl = \"{}\"\n[targets.down]\nurl = \"postgres://awsuser@127.0.0.1:1/dev?sslmode=require\"\n",
            prod.url(),
            staging.url(),
            flaky.url()
        ),
    )
    .unwrap();

    let plan = run(&["plan", "--all-targets", "--format", "sql"], &dir);
    let (out, err) = text(&plan);
    assert_eq!(plan.status.code(), Some(1), "{out}{err}");
    for t in ["flaky", "prod", "staging"] {
        assert!(
            out.contains(&format!("=== target {t}: changes pending ===")),
            "{out}"
        );
    }
    assert!(out.contains("-- === target down: failed ==="), "{out}");
    assert_eq!(
        out.matches("GRANT USAGE ON SCHEMA demo_ml TO GROUP ml_team;")
            .count(),
        3
    );
    assert!(
        out.contains(
            "=== plan on 4 targets; changes pending: flaky, prod, staging; failed: down ==="
        ),
        "{out}"
    );
    assert!(
        err.contains("[down] error: cannot connect to 127.0.0.1:1"),
        "{err}"
    );

    // Apply asks for --yes with several targets; then applies where it can.
    let refused = run(&["apply", "--all-targets"], &dir);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused).1.contains("needs --yes"));
    // flaky's connection is cut after 10 statements: inside its apply, before COMMIT.
    flaky.set_drop_after(10);
    let apply = run(&["apply", "--all-targets", "--yes", "--jobs", "2"], &dir);
    flaky.set_drop_after(0);
    let (out, err) = text(&apply);
    assert_eq!(apply.status.code(), Some(1), "{out}{err}");
    assert!(
        out.contains("ok: prod, staging; failed: down, flaky"),
        "{out}"
    );
    let usage = "SELECT count(*) FROM svv_schema_privileges WHERE identity_name = 'ml_team'";
    for (sim, held) in [(&prod, "1"), (&staging, "1"), (&flaky, "0")] {
        let admin = super::connect_as(sim, "awsuser", PASSWORD).await;
        assert_eq!(super::rows(&admin, usage).await, [[held]], "all or nothing");
    }
    // The failed one converges on its own next time.
    let retry = run(&["apply", "--target", "flaky", "--yes"], &dir);
    assert_eq!(retry.status.code(), Some(0), "{:?}", text(&retry));

    // All three are in sync now; picked by name, the summary says so and exit is 0.
    let again = run(
        &[
            "plan", "--target", "staging", "--target", "prod", "--target", "flaky",
        ],
        &dir,
    );
    let (out, err) = text(&again);
    assert_eq!(again.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains("=== plan on 3 targets; ok: flaky, prod, staging ==="),
        "{out}"
    );

    // JSON: one document, each target's own document inside.
    let json = run(&["plan", "--all-targets", "--format", "json"], &dir);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["format"], "mlgrant.targets");
    assert_eq!(doc["targets"][2]["target"], "prod");
    assert_eq!(doc["targets"][2]["output"]["format"], "mlgrant.plan");

    // One target is the same as --url: bare output, the command's own exit code, a saved plan.
    let one = run(&["export", "--target", "prod"], &dir);
    let (out, err) = text(&one);
    assert_eq!(one.status.code(), Some(0), "{err}");
    assert!(out.starts_with("# ") && !out.contains("==="), "{out}");
    let saved = dir.join("prod.plan.json");
    let one = run(
        &["plan", "--target", "prod", "--out", saved.to_str().unwrap()],
        &dir,
    );
    assert_eq!(one.status.code(), Some(0), "{:?}", text(&one));
    assert!(saved.exists());

    // history reads its targets from --targets-from (default mlgrant.toml): one run each.
    let history = run(
        &["history", "--target", "prod", "--target", "staging"],
        &dir,
    );
    let (out, err) = text(&history);
    assert_eq!(history.status.code(), Some(0), "{out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.contains(" applied ")).count(),
        2,
        "one applied run a target: {out}"
    );

    // --targets-from is for export, doctor and history; plan reads --config.
    let misplaced = run(
        &["plan", "--targets-from", "mlgrant.toml", "--all-targets"],
        &dir,
    );
    assert_eq!(misplaced.status.code(), Some(1));
    assert!(
        text(&misplaced)
            .1
            .contains("plan and apply read them from --config")
    );

    // An unknown target is refused with a did-you-mean; no password anywhere.
    let typo = run(&["plan", "--target", "prdo"], &dir);
    assert!(
        text(&typo).1.contains("did you mean `prod`?"),
        "{:?}",
        text(&typo)
    );
    for o in [&plan, &apply, &again, &history] {
        let (out, err) = text(o);
        assert!(!out.contains(PASSWORD) && !err.contains(PASSWORD));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
