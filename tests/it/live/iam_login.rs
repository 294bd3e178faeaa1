//! IAM login against a real AWS API emulator: moto's server (PyPI `moto[server]` 5.2.5), which
//! implements Redshift's CreateCluster, DescribeClusters and GetClusterCredentials. Its
//! `/moto-api/seed` makes its random password deterministic, so the test learns the password
//! moto will hand out, creates that user in the simulator, and proves that mlgrant logs in with
//! the credentials it obtained itself through `--aws-cluster`, printing no password.
//!
//! moto does not implement GetClusterCredentialsWithIAM or Redshift Serverless (GetWorkgroup,
//! GetCredentials): those paths are tested at the SDK boundary, where the emulator's refusal
//! must come back as a message that names the call, the cluster or workgroup, and the fix.

use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use super::Cluster;

/// moto's server on a free loopback port, stopped on drop.
struct Moto {
    child: Child,
    port: u16,
    python: std::path::PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    fn start() -> Moto {
        let python = crate::util::venv_tool(
            "moto-venv",
            "python",
            "moto[server]==5.2.5",
            &["-c", "import moto; print(moto.__version__)"],
            "5.2.5",
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(python.with_file_name("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        // Stopped and reaped by Drop, whatever happens next.
        let moto = Moto {
            child,
            port,
            python,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return moto;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not listen on {port}");
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs `script` with boto3 pointed at this server (region us-east-1), returning stdout.
    fn boto3(&self, script: &str) -> String {
        let out = Command::new(&self.python)
            .arg("-c")
            .arg(format!(
                "import boto3, urllib.request\nendpoint = '{}'\nrs = boto3.client('redshift', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\ndef seed():\n    urllib.request.urlopen(urllib.request.Request(endpoint + '/moto-api/seed?a=42', method='POST'))\n{script}",
                self.endpoint()
            ))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

fn mlgrant(moto: &Moto, c: &Cluster, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(args)
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("PGPASSWORD")
        .env_remove("PGUSER")
        .env("HOME", &c.dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mlgrant_logs_in_with_credentials_it_obtained_from_get_cluster_credentials() {
    let moto = Moto::start();
    let c = Cluster::start().await;
    // The password moto will hand out after the seed, learned by asking once, then re-seeding.
    let password = moto.boto3(
        "rs.create_cluster(ClusterIdentifier='ml-prod', NodeType='dc2.large', MasterUsername='awsuser', MasterUserPassword='Passw0rd1')\nseed()\nc = rs.get_cluster_credentials(ClusterIdentifier='ml-prod', DbUser='alice')\nassert c['DbUser'] == 'IAM:alice', c\nseed()\nprint(c['DbPassword'])",
    );
    assert_eq!(password.len(), 32, "{password}");
    c.admin
        .batch_execute(&format!(
            "CREATE USER \"IAM:alice\" PASSWORD '{password}'; CREATE SCHEMA demo_ml;"
        ))
        .await
        .unwrap();
    let model = c.model("m.toml", "version = 1\n[schemas.demo_ml]\n");
    // Host and port from --url (moto's DescribeClusters answers a made-up endpoint); the user
    // and the password from GetClusterCredentials.
    let url = c.sim.url().replace("awsuser@", "");
    let plan = mlgrant(
        &moto,
        &c,
        &[
            "plan",
            "--config",
            &model,
            "--url",
            &url,
            "--aws-cluster",
            "ml-prod",
            "--db-user",
            "alice",
            "--aws-region",
            "us-east-1",
        ],
    );
    let (out, err) = (
        String::from_utf8_lossy(&plan.stdout).into_owned(),
        String::from_utf8_lossy(&plan.stderr).into_owned(),
    );
    assert!(
        plan.status.success() || plan.status.code() == Some(3),
        "{out}{err}"
    );
    assert!(
        out.contains("against IAM:alice@127.0.0.1:")
            && out.contains("(cluster ml-prod, IAM login)"),
        "{out}"
    );
    assert!(!out.contains(&password) && !err.contains(&password));
    // The simulator saw IAM:alice log in.
    assert!(
        c.sim.stats().iter().any(|s| s.user == "IAM:alice"),
        "no session of IAM:alice"
    );

    // The paths moto does not implement come back as messages naming the call and the fix.
    let refused = |args: &[&str]| {
        let o = mlgrant(&moto, &c, args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "{err}");
        err
    };
    let err = refused(&[
        "plan",
        "--config",
        &model,
        "--url",
        &url,
        "--aws-cluster",
        "ml-prod",
        "--aws-region",
        "us-east-1",
    ]);
    assert!(
        err.contains("IAM login to cluster ml-prod: GetClusterCredentialsWithIAM failed")
            && err.contains("--aws-region"),
        "{err}"
    );
    let err = refused(&[
        "plan",
        "--config",
        &model,
        "--aws-workgroup",
        "analytics",
        "--aws-region",
        "eu-west-1",
    ]);
    assert!(
        err.contains("IAM login to Serverless workgroup analytics: GetWorkgroup failed"),
        "{err}"
    );
    let no_region = mlgrant(
        &moto,
        &c,
        &["plan", "--config", &model, "--aws-cluster", "ml-prod"],
    );
    let err = String::from_utf8_lossy(&no_region.stderr);
    assert!(err.contains("no AWS region"), "{err}");
}
