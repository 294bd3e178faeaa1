//! Faults and concurrency against the simulator: a connection cut at points spread over an apply
//! of 205 changes (2 statements) leaves the cluster exactly as before or exactly as after, the audit
//! log agrees, and the next apply converges; two applies at once both end well.

use std::process::{Command, Output};

use redshift_sim::{Options, Simulator};
use tokio_postgres::Client;

const GROUPS: usize = 5;
const MODELS: usize = 40;

use super::admin;

/// Rows as `a|b|c` lines.
async fn rows(client: &Client, sql: &str) -> Vec<String> {
    super::rows(client, sql)
        .await
        .into_iter()
        .map(|r| r.join("|"))
        .collect()
}

/// The ML privileges of the test groups, and the number of audit runs.
async fn snapshot(client: &Client) -> (Vec<String>, usize) {
    let mut privileges = rows(
        client,
        "SELECT model_name || ' ' || identity_name FROM svv_ml_model_privileges WHERE identity_name LIKE 'g\\_%'",
    )
    .await;
    privileges.extend(
        rows(
            client,
            "SELECT namespace_name || ' ' || privilege_type || ' ' || identity_name FROM svv_schema_privileges WHERE identity_name LIKE 'g\\_%'",
        )
        .await,
    );
    privileges.sort();
    let runs = rows(client, "SELECT count(*) FROM mlgrant.apply_log")
        .await
        .first()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    (privileges, runs)
}

struct Setup {
    sim: Simulator,
    dir: std::path::PathBuf,
    without: String,
    with: String,
}

async fn setup(tag: &str) -> (Setup, Client) {
    let sim = Simulator::start(Options::default()).await.unwrap();
    let client = admin(&sim).await;
    let mut sql = String::from("CREATE SCHEMA demo_ml; CREATE TABLE demo_ml.t (a int, b int);");
    for m in 0..MODELS {
        sql.push_str(&format!(
            "CREATE MODEL demo_ml.m{m} FROM demo_ml.t TARGET b FUNCTION f{m}(int) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');"
        ));
    }
    client.batch_execute(&sql).await.unwrap();
    let dir = std::env::temp_dir().join(format!("mlgrant-faults-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let groups: Vec<String> = (0..GROUPS).map(|g| format!("g_{g}")).collect();
    let declared: String = groups.iter().map(|g| format!("[groups.{g}]\n")).collect();
    let list = groups
        .iter()
        .map(|g| format!("\"{g}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let without = dir.join("without.toml");
    let with = dir.join("with.toml");
    std::fs::write(
        &without,
        format!("version = 1\n{declared}[schemas.demo_ml]\n"),
    )
    .unwrap();
    std::fs::write(
        &with,
        format!("version = 1\n{declared}[schemas.demo_ml]\nconsumers = [{list}]\n"),
    )
    .unwrap();
    let s = Setup {
        sim,
        dir,
        without: without.display().to_string(),
        with: with.display().to_string(),
    };
    (s, client)
}

impl Setup {
    fn apply(&self, model: &str, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args([
                "apply",
                "--yes",
                "--config",
                model,
                "--url",
                &self.sim.url(),
            ])
            .args(extra)
            .env("PGPASSWORD", self.sim.password())
            .env("HOME", &self.dir)
            .output()
            .unwrap()
    }

    fn in_sync(&self, model: &str) -> bool {
        Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args([
                "plan",
                "--exit-code",
                "--config",
                model,
                "--url",
                &self.sim.url(),
            ])
            .env("PGPASSWORD", self.sim.password())
            .env("HOME", &self.dir)
            .output()
            .unwrap()
            .status
            .code()
            == Some(0)
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_anywhere_leaves_before_or_after_and_the_next_apply_converges() {
    let (s, client) = setup("cut").await;
    // The two states, each reached by a clean apply: 5 groups created first.
    assert_eq!(s.apply(&s.without, &[]).status.code(), Some(0));
    let (without_state, _) = snapshot(&client).await;
    assert!(s.apply(&s.with, &[]).status.success());
    let (with_state, _) = snapshot(&client).await;
    assert_eq!(with_state.len(), GROUPS * (MODELS + 1), "{with_state:?}");
    assert!(s.apply(&s.without, &[]).status.success());

    // Statements one apply sends: 5 (the audit schema's check) + 19 (BEGIN, settings, lock,
    // catalog) + 5 (the check under the lock) + 2 (the 205 changes merged: one GRANT or REVOKE
    // USAGE, one EXECUTE on the 40 models for the 5 groups) + 2 (the record) + 1 (COMMIT) + 14
    // (verify) = 48. Cut points spread over all of it; from 34 on, COMMIT went through.
    let cuts = [
        1, 2, 3, 9, 16, 17, 24, 25, 29, 30, 31, 32, 33, 34, 35, 36, 40, 48, 500,
    ];
    let mut current_is_with = false;
    let mut cut_before = 0;
    let mut cut_after = 0;
    for (i, &cut) in cuts.iter().enumerate() {
        let (before_privileges, before_runs) = snapshot(&client).await;
        let (target, target_state) = if current_is_with {
            (&s.without, &without_state)
        } else {
            (&s.with, &with_state)
        };
        s.sim.set_drop_after(cut);
        let cut_run = s.apply(target, &["--batch-size", "50"]);
        s.sim.set_drop_after(0);
        let (privileges, runs) = snapshot(&client).await;
        if privileges == before_privileges {
            assert_eq!(
                runs, before_runs,
                "cut {cut}: unchanged cluster, unchanged log"
            );
            assert_eq!(
                cut_run.status.code(),
                Some(1),
                "cut {cut}: {}",
                String::from_utf8_lossy(&cut_run.stderr)
            );
            cut_before += 1;
        } else {
            assert_eq!(
                &privileges, target_state,
                "cut {cut}: exactly the target state"
            );
            assert_eq!(
                runs,
                before_runs + 1,
                "cut {cut}: one run logged with the change"
            );
            cut_after += 1;
        }
        // The next apply converges whatever happened.
        let next = s.apply(target, &[]);
        assert!(
            next.status.success(),
            "cut {cut}: {}",
            String::from_utf8_lossy(&next.stderr)
        );
        assert!(s.in_sync(target), "cut {cut}: still out of sync");
        assert_eq!(&snapshot(&client).await.0, target_state);
        current_is_with = !current_is_with;
        let _ = i;
    }
    assert!(
        cut_before >= 10,
        "most cuts land before COMMIT ({cut_before})"
    );
    assert!(
        cut_after >= 2,
        "cuts after COMMIT keep the change and its record ({cut_after})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_at_once_both_end_well() {
    let (s, client) = setup("concurrent").await;
    s.sim.set_latency(std::time::Duration::from_millis(5));
    // Both start on a cluster without mlgrant's schema: the migrations race too.
    let (a, b) = std::thread::scope(|scope| {
        let first = scope.spawn(|| s.apply(&s.with, &["--batch-size", "20"]));
        let second = scope.spawn(|| s.apply(&s.with, &["--batch-size", "20"]));
        (first.join().unwrap(), second.join().unwrap())
    });
    s.sim.set_latency(std::time::Duration::ZERO);
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert!(a.status.success(), "{}", text(&a));
    assert!(b.status.success(), "{}", text(&b));
    let applied = [&a, &b]
        .iter()
        .filter(|o| text(o).contains("applied "))
        .count();
    let idle = [&a, &b]
        .iter()
        .filter(|o| text(o).contains("nothing to change"))
        .count();
    assert_eq!(
        (applied, idle),
        (1, 1),
        "one applies, the other re-plans under the lock and finds nothing:\n{}\n{}",
        text(&a),
        text(&b)
    );
    let (privileges, runs) = snapshot(&client).await;
    assert_eq!(privileges.len(), GROUPS * (MODELS + 1));
    assert_eq!(
        runs, 1,
        "the audit log has the one run that changed something"
    );
    assert!(s.in_sync(&s.with));
}
