//! What a new user reads when a connection fails, each case against a real peer: the simulator
//! (verified TLS, a certificate for 127.0.0.1 and localhost), a simulator reached by a name its
//! certificate does not carry, a server that answers the TLS request with `N` (what PostgreSQL
//! with `ssl = off` answers, protocol "SSLRequest"), and a port that accepts and stays silent.
//! Each message says which problem it is and what to do; none shows a password.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Output};

use redshift_sim::{Options, Simulator};

fn mlgrant(url: &str, password: Option<&str>, home: &std::path::Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mlgrant"));
    cmd.args(["history", "--url", url])
        .env("HOME", home)
        .env("PGCONNECT_TIMEOUT", "2")
        .env_remove("PGPASSWORD")
        .env_remove("PGSSLROOTCERT")
        .env_remove("PGSERVICE")
        .env_remove("PGPASSFILE")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    cmd.output().unwrap()
}

fn stderr(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_connection_failure_names_its_cause_and_its_fix() {
    let home = crate::util::scratch("connect_messages", "home");
    std::fs::create_dir_all(&home).unwrap();
    let sim = Simulator::start(Options::default()).await.unwrap();
    let ca = sim.ca_path().display().to_string();

    // The certificate's CA is not trusted (no sslrootcert: the system's roots).
    let untrusted = stderr(&mlgrant(
        &format!("postgres://awsuser@127.0.0.1:{}/dev", sim.port()),
        Some(sim.password()),
        &home,
    ));
    assert!(
        untrusted.contains("signed by a CA this machine does not trust")
            && untrusted.contains("PGSSLROOTCERT")
            && untrusted.contains("amazon-trust-ca-bundle.crt"),
        "{untrusted}"
    );
    // OpenSSL's text appears once, not once per error level.
    assert_eq!(
        untrusted.matches("certificate verify failed").count(),
        1,
        "{untrusted}"
    );

    // The certificate does not name the host: the same simulator listening on 127.0.0.2.
    let other = Simulator::start(Options {
        listen: "127.0.0.2:0".parse().unwrap(),
        ..Options::default()
    })
    .await
    .unwrap();
    let mismatch = stderr(&mlgrant(
        &format!(
            "postgres://awsuser@127.0.0.2:{}/dev?sslrootcert={}",
            other.port(),
            other.ca_path().display()
        ),
        Some(other.password()),
        &home,
    ));
    assert!(
        mismatch.contains("does not name 127.0.0.2")
            && mismatch.contains("verify-ca")
            && !mismatch.contains("PGSSLROOTCERT"),
        "{mismatch}"
    );

    // No TLS at all: the server answers the TLS request with N.
    let plain = TcpListener::bind("127.0.0.1:0").unwrap();
    let plain_port = plain.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in plain.incoming().flatten() {
            let mut stream = stream;
            let mut request = [0u8; 8];
            if stream.read_exact(&mut request).is_ok() {
                let _ = std::io::Write::write_all(&mut stream, b"N");
            }
        }
    });
    let no_tls = stderr(&mlgrant(
        &format!("postgres://awsuser@127.0.0.1:{plain_port}/dev?sslrootcert={ca}"),
        Some("unused-secret"),
        &home,
    ));
    assert!(
        no_tls.contains("the server does not speak TLS") && !no_tls.contains("PGSSLROOTCERT"),
        "{no_tls}"
    );

    // A port that accepts and says nothing is not blamed on the network.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let streams: Vec<_> = silent.incoming().take(2).flatten().collect();
        std::thread::sleep(std::time::Duration::from_secs(4));
        drop(streams);
    });
    let not_postgres = stderr(&mlgrant(
        &format!("postgres://awsuser@127.0.0.1:{silent_port}/dev?sslrootcert={ca}"),
        Some("unused-secret"),
        &home,
    ));
    assert!(
        not_postgres.contains("accepted the connection but gave no Postgres answer")
            && not_postgres.contains("5439")
            && !not_postgres.contains("security group"),
        "{not_postgres}"
    );
    let _ = held.join();

    // No password anywhere: every place one can come from is named.
    let no_password = stderr(&mlgrant(&sim.url(), None, &home));
    for source in ["PGPASSWORD", "~/.pgpass", "--url", "IAM"] {
        assert!(no_password.contains(source), "{source}: {no_password}");
    }
    // A libpq service section says where the cluster is; the password stays in PGPASSWORD.
    std::fs::write(
        home.join(".pg_service.conf"),
        format!(
            "# mlgrant's test\n[sim]\nhost=127.0.0.1\nport={}\ndbname=dev\nuser=awsuser\nsslrootcert={ca}\n",
            sim.port()
        ),
    )
    .unwrap();
    let by_service = Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(["doctor", "--format", "json"])
        .env("HOME", &home)
        .env("PGSERVICE", "sim")
        .env("PGPASSWORD", sim.password())
        .env_remove("PGHOST")
        .env_remove("PGUSER")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&by_service.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&by_service.stderr)));
    assert_eq!(doc["format"], "mlgrant.doctor");
    for message in [&untrusted, &mismatch, &no_tls, &not_postgres, &no_password] {
        assert!(!message.contains(sim.password()) && !message.contains("unused-secret"));
    }
    let _ = std::fs::remove_dir_all(&home);
}
