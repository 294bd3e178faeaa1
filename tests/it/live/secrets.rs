//! A known password, driven through every way a connection or an apply can fail (and one that
//! succeeds): it must appear nowhere in stdout, stderr or mlgrant's audit tables.

use std::process::{Command, Output};

use redshift_sim::{Options, Simulator};
use tokio_postgres::SimpleQueryMessage;

const SECRET: &str = "K9-sekret-Pw!";

fn run(args: &[&str], envs: &[(&str, &str)], home: &std::path::Path) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlgrant"));
    c.args(args).env("HOME", home).env_remove("PGPASSWORD");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_never_appears_in_output_or_the_audit_log() {
    let sim = Simulator::start(Options {
        password: SECRET.to_owned(),
        ..Options::default()
    })
    .await
    .unwrap();
    let home = std::env::temp_dir().join(format!("mlgrant-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let model = home.join("m.toml");
    std::fs::write(
        &model,
        "version = 1\n[groups.ml_team]\n[schemas.demo_ml]\ncreators = [\"ml_team\"]\n",
    )
    .unwrap();
    let model = model.to_str().unwrap().to_owned();
    let ca = sim.ca_path().display().to_string();
    let port = sim.port();

    // A server that accepts and never answers: the connect timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();

    let with_password_in_url = |rest: &str| format!("postgres://awsuser:{SECRET}@{rest}");
    // (URL, environment, what the message must say)
    type Case<'a> = (String, Vec<(&'a str, String)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            with_password_in_url("127.0.0.1:1/dev?sslmode=require"),
            vec![],
            "connection refused",
        ),
        (
            format!("postgres://awsuser@127.0.0.1:{silent_port}/dev?sslmode=require"),
            vec![
                ("PGPASSWORD", SECRET.to_owned()),
                ("PGCONNECT_TIMEOUT", "1".to_owned()),
            ],
            "no Postgres answer within 1 s",
        ),
        (
            format!("postgres://nobody@127.0.0.1:{port}/dev?sslrootcert={ca}"),
            vec![("PGPASSWORD", SECRET.to_owned())],
            "SQLSTATE 28P01",
        ),
        (
            with_password_in_url(&format!("127.0.0.1:{port}/dev")),
            vec![],
            "TLS to 127.0.0.1",
        ),
        (
            with_password_in_url(&format!("127.0.0.1:{port}/dev?sslrootcert=/no/such/ca.pem")),
            vec![],
            "cannot read the root certificate",
        ),
        (
            with_password_in_url("127.0.0.1:notaport/dev"),
            vec![],
            "the port in --url is not a number",
        ),
        // Unencoded `/`, `?` and `:` in the password part split the URL in the wrong place:
        // the message says where and what, never any part of it.
        (
            format!("postgres://awsuser:Xq9/{SECRET}@127.0.0.1:{port}/dev"),
            vec![],
            "percent-encoded",
        ),
        (
            format!("postgres://awsuser:Xq9?{SECRET}@127.0.0.1:{port}/dev"),
            vec![],
            "percent-encoded",
        ),
        (
            format!("postgres://root@awsuser:Xq9/{SECRET}@127.0.0.1:{port}/dev"),
            vec![],
            "percent-encoded",
        ),
        (
            format!("postgres://awsuser:{SECRET}:x@127.0.0.1:{port}/dev?sslrootcert={ca}"),
            vec![],
            "SQLSTATE 28P01",
        ),
        (
            format!("mysql://awsuser:{SECRET}@h/db"),
            vec![],
            "must start with postgres://",
        ),
        (
            with_password_in_url("h/db?sslmode=sometimes"),
            vec![],
            "unknown sslmode",
        ),
        (
            with_password_in_url(&format!("127.0.0.1:{port}/postgres?sslrootcert={ca}")),
            vec![],
            "no Redshift catalog view",
        ),
    ];
    for (url, envs, expected) in &cases {
        for command in ["plan", "apply", "export", "history"] {
            let mut args = vec![command, "--url", url];
            if command == "plan" || command == "apply" {
                args.extend(["--config", model.as_str()]);
            }
            if command == "apply" {
                args.push("--yes");
            }
            let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let o = run(&args, &envs, &home);
            let all = text(&o);
            assert_eq!(o.status.code(), Some(1), "{command} / {expected}: {all}");
            assert!(
                all.contains(expected),
                "{command}: expected `{expected}` in: {all}"
            );
            // Nor any fragment: "Xq9" only ever stands in a password.
            assert!(!all.contains("Xq9"), "{command}: {all}");
            assert!(
                !all.contains(SECRET),
                "{command} / {expected}: the password leaked: {all}"
            );
        }
    }

    // The password from a pgpass file that others can read: refused with a warning, not shown.
    let pgpass = home.join(".pgpass");
    std::fs::write(&pgpass, format!("*:*:*:awsuser:{SECRET}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let url = format!("postgres://awsuser@127.0.0.1:{port}/dev?sslrootcert={ca}");
    let o = run(&["plan", "--config", &model, "--url", &url], &[], &home);
    assert!(text(&o).contains("readable by others"), "{}", text(&o));
    assert!(!text(&o).contains(SECRET));

    // A statement that fails inside apply, as a user without the rights to grant.
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let admin = super::connect_as(&sim, "awsuser", SECRET).await;
    admin
        .batch_execute(&format!(
            "CREATE SCHEMA demo_ml; CREATE USER weak PASSWORD '{SECRET}'; GRANT ALL ON SCHEMA public TO weak;"
        ))
        .await
        .unwrap();
    std::fs::write(
        &pgpass,
        format!("*:*:*:weak:{SECRET}\n*:*:*:awsuser:{SECRET}\n"),
    )
    .unwrap();
    let weak = format!("postgres://weak@127.0.0.1:{port}/dev?sslrootcert={ca}");
    let o = run(
        &["apply", "--yes", "--config", &model, "--url", &weak],
        &[],
        &home,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("SQLSTATE"), "{}", text(&o));
    assert!(!text(&o).contains(SECRET), "{}", text(&o));

    // A successful apply with the password from pgpass, then the audit tables.
    let o = run(
        &["apply", "--yes", "--config", &model, "--url", &url],
        &[],
        &home,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains(SECRET));
    let o = run(&["history", "--format", "json", "--url", &url], &[], &home);
    assert!(!text(&o).contains(SECRET));
    let mut audit = String::new();
    for sql in [
        "SELECT * FROM mlgrant.apply_log",
        "SELECT * FROM mlgrant.apply_statements",
    ] {
        for m in admin.simple_query(sql).await.unwrap() {
            if let SimpleQueryMessage::Row(r) = m {
                for i in 0..r.len() {
                    audit.push_str(r.get(i).unwrap_or(""));
                    audit.push('\n');
                }
            }
        }
    }
    assert!(
        audit.contains("GRANT CREATE MODEL TO GROUP ml_team"),
        "{audit}"
    );
    assert!(
        !audit.contains(SECRET),
        "the password reached the audit log"
    );
    drop(silent);
    let _ = std::fs::remove_dir_all(&home);
}
