//! Tests against the Redshift simulator: each starts its own on a free loopback port and
//! removes it afterwards. Skipped by the fast loop (`--skip live::`). The helpers they share are
//! here, written once.

mod bounded;
mod catalog_shapes;
mod connect_messages;
mod directory;
mod doctor;
mod expiry;
mod explain_missing;
mod faults;
mod fleet;
mod iam_login;
mod ledger;
mod lists;
mod model_kinds;
mod names;
mod rehearse;
mod review;
mod secrets;
mod sync_cli;
mod targets;
mod trust;
mod usage;
mod warnings;
mod watch;

use std::path::PathBuf;
use std::process::{Command, Output};

use redshift_sim::{Options, Simulator};
use tokio_postgres::{Client, SimpleQueryMessage};

/// A connection to `sim` as `user`, through mlgrant's own connect (verified TLS).
pub async fn connect_as(sim: &Simulator, user: &str, password: &str) -> Client {
    let url = sim.url().replace("awsuser@", &format!("{user}@"));
    let env = |k: &str| (k == "PGPASSWORD").then(|| password.to_owned());
    let target = mlgrant::connect::resolve(Some(&url), &env, None).expect("target");
    mlgrant::connect::connect(&target).await.expect("connects")
}

/// Makes `schema.model` (prediction function `function(int)`) owned by `owner` through the
/// simulator's admin door: for names Redshift refuses (its identifiers are printable, DG
/// r_names) that a test needs in a catalog all the same. `grantee`, when given, gets EXECUTE.
pub async fn model_past_the_front(
    sim: &Simulator,
    owner: &str,
    schema: &str,
    model: &str,
    function: &str,
    grantee: Option<&str>,
) {
    let door = sim.backend_admin().await.expect("the admin door");
    door.batch_execute(&format!("SET ROLE {owner}"))
        .await
        .unwrap();
    door.execute(
        "CALL mlsim.create_model($1, $2, $3, ARRAY['int']::text[], 'float8', 'default-aws-iam-role', '{\"kind\": \"auto\"}'::jsonb)",
        &[&schema, &model, &function],
    )
    .await
    .unwrap_or_else(|e| panic!("{model:?}: {e:?}"));
    if let Some(g) = grantee {
        door.batch_execute(&format!(
            "GRANT EXECUTE ON FUNCTION {schema}.{function}(int) TO {g}"
        ))
        .await
        .unwrap();
    }
    door.batch_execute("RESET ROLE").await.unwrap();
}

/// A day in UTC, `days` from today (by the clock of this test, as mlgrant's).
pub fn day(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    mlgrant::model::Instant::from_unix(now - now.rem_euclid(86_400) + days * 86_400).date()
}

/// A connection as the simulator's superuser.
pub async fn admin(sim: &Simulator) -> Client {
    connect_as(sim, "awsuser", sim.password()).await
}

/// The rows `sql` returns, as text with char(n) padding trimmed (NULL as "NULL").
pub async fn rows(client: &Client, sql: &str) -> Vec<Vec<String>> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| r.get(i).unwrap_or("NULL").trim_end().to_owned())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// A simulator, a scratch folder for model files, and a superuser connection for setup.
pub struct Cluster {
    pub sim: Simulator,
    pub dir: PathBuf,
    pub admin: Client,
}

impl Cluster {
    pub async fn start() -> Cluster {
        let sim = Simulator::start(Options::default())
            .await
            .expect("simulator");
        let admin = connect_as(&sim, "awsuser", sim.password()).await;
        let dir = std::env::temp_dir().join(format!(
            "mlgrant-sync-{}-{}",
            std::process::id(),
            sim.port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Cluster { sim, dir, admin }
    }

    /// A simulator with `setup` run, and mlgrant's audit schema made by a first apply (of a
    /// model that changes nothing but declares `ml_team`, which `setup` must create).
    pub async fn with_audit_schema(setup: &str) -> Cluster {
        let c = Cluster::start().await;
        c.admin.batch_execute(setup).await.unwrap();
        let empty = c.model("empty.toml", "version = 1\n[groups.ml_team]\n");
        let o = c.run(&["apply", "--config", &empty, "--yes"]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        c
    }

    /// Waits (up to 10 s) until an mlgrant session is connected to the simulator.
    pub async fn wait_for_mlgrant(&self) {
        for _ in 0..100 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let n = self
                .rows("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mlgrant'")
                .await;
            if n[0][0] != "0" {
                return;
            }
        }
        panic!("mlgrant never connected");
    }

    pub fn model(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// Runs mlgrant as `user` with `password` in PGPASSWORD, against this cluster.
    pub fn run_as(&self, user: &str, password: &str, args: &[&str]) -> Output {
        let url = self.sim.url().replace("awsuser@", &format!("{user}@"));
        let offline = matches!(args.first(), Some(&("check" | "compile" | "diff" | "iam")));
        // explain reads the cluster only when given --url; it has it here.
        let url_args: Vec<String> = if offline {
            Vec::new()
        } else {
            vec!["--url".to_owned(), url]
        };
        Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(args)
            .args(url_args)
            .env("PGPASSWORD", password)
            .env("HOME", &self.dir)
            .env("NO_COLOR", "1")
            .env_remove("PGHOST")
            .env_remove("PGUSER")
            .output()
            .expect("mlgrant runs")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_as("awsuser", self.sim.password(), args)
    }

    pub async fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        rows(&self.admin, sql).await
    }

    /// Applies `model` (which must succeed), then checks that a new plan finds nothing to do.
    pub fn apply_and_converge(&self, model: &str) {
        let applied = self.run(&["apply", "--config", model, "--yes"]);
        assert_eq!(
            applied.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&applied.stderr)
        );
        let again = self.run(&["plan", "--config", model, "--exit-code"]);
        assert_eq!(
            again.status.code(),
            Some(0),
            "after apply, plan still finds work:\n{}",
            String::from_utf8_lossy(&again.stdout)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The README's quickstart, run as written (on a free port instead of 5439) with bash -e in a
/// scratch folder whose `target/debug` is the folder of the built binaries: from nothing to an
/// applied plan, a new model granted on the next apply, and a drift repaired.
#[test]
fn the_readmes_quickstart_runs_as_written() {
    let root = crate::util::root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("export PATH=\"$PWD/target/debug:$PATH\"")
        .expect("the quickstart");
    let end = start + readme[start..].find("kill %1").expect("its end") + "kill %1".len();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The simulator is stopped however the script ends; stderr (apply's plan) is read in order
    // with stdout.
    let script = format!(
        "trap 'kill $(jobs -p) 2>/dev/null' EXIT\nexec 2>&1\n{}",
        readme[start..end].replace("127.0.0.1:5439", &format!("127.0.0.1:{port}"))
    );
    let dir = std::env::temp_dir().join(format!("mlgrant-quickstart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("target")).unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_mlgrant"))
        .parent()
        .unwrap()
        .to_owned();
    std::os::unix::fs::symlink(&bin, dir.join("target/debug")).unwrap();
    let o = Command::new("bash")
        .args(["-e", "-c", &script])
        .current_dir(&dir)
        .env("HOME", &dir)
        .output()
        .expect("bash runs");
    let written = std::fs::read_to_string(dir.join("target/quickstart/mlgrant.toml"));
    let _ = std::fs::remove_dir_all(&dir);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(
        written.is_ok_and(|t| t.starts_with("#:schema ./mlgrant.schema.json")),
        "init wrote the starter"
    );
    // Each step said what the README's comments say it does, in order.
    let steps = [
        "ok: 2 groups, 1 schema, 0 models",
        "-- mlgrant plan mlgrant.toml against",
        "rolled back, nothing was changed",
        "applied 5 statements",
        "every assumption sync relies on holds on this cluster\n",
        "GRANT EXECUTE ON MODEL ml.churn TO GROUP ml_consumers_grp;\napplied 1 statement",
        "exit 2: the cluster drifted",
        "applied 1 statement",
        "-- nothing to change",
        "user:alice: EXECUTE ON MODEL ml.churn (member of group ml_consumers_grp)",
        "run_id",
    ];
    let mut at = 0;
    for step in steps {
        let found = out[at..].find(step);
        assert!(found.is_some(), "after byte {at}, no {step:?} in:\n{out}");
        at += found.unwrap() + step.len();
    }
    // history lists the three runs, newest first.
    let runs = out[at..]
        .lines()
        .filter(|l| l.contains("mlgrant.toml"))
        .count();
    assert_eq!(runs, 3, "{out}");
}
