//! The nearest peer, side by side: ldap2pg 5.9 (PyPI) and mlgrant sync the same schema
//! privileges (USAGE and CREATE for 50 groups on 40 schemas) through the same simulator at 5 ms
//! injected latency. ldap2pg cannot grant ML privileges; this is the part both can do.
//!
//! ldap2pg is installed in `target/ldap2pg-venv` when missing; building its python-ldap
//! dependency needs the Debian packages libldap2-dev and libsasl2-dev. When it cannot be
//! installed the comparison is skipped with a message saying why.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use redshift_sim::{Options, Simulator};
use tokio_postgres::Client;

const GROUPS: usize = 50;
const SCHEMAS: usize = 40;

/// The ldap2pg executable, installing it first when needed; or why it cannot be had.
fn ldap2pg() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ldap2pg-venv");
    let bin = venv.join("bin/ldap2pg");
    let works = |bin: &Path| {
        Command::new(bin).arg("--version").output().is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains("ldap2pg 5.9")
        })
    };
    if works(&bin) {
        return Ok(bin);
    }
    let run = |cmd: &mut Command| -> Result<(), String> {
        let o = cmd.output().map_err(|e| e.to_string())?;
        if o.status.success() {
            Ok(())
        } else {
            let err = String::from_utf8_lossy(&o.stderr);
            Err(err.lines().rev().take(3).collect::<Vec<_>>().join(" / "))
        }
    };
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "ldap2pg==5.9",
        "psycopg2-binary",
    ]))?;
    if works(&bin) {
        Ok(bin)
    } else {
        Err("ldap2pg --version does not answer 5.9 after installing".into())
    }
}

fn names(prefix: &str, n: usize, width: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:0width$}")).collect()
}

async fn held(admin: &Client) -> usize {
    let rows = admin
        .simple_query(
            "SELECT count(*) FROM svv_schema_privileges
             WHERE namespace_name LIKE 'l\\_%' AND identity_name LIKE 'lg\\_%'",
        )
        .await
        .unwrap();
    rows.iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).and_then(|n| n.parse().ok()),
            _ => None,
        })
        .unwrap_or(0)
}

/// The report lines: both times and their ratio, or the reason the comparison was skipped. A
/// simulator of its own, so that neither tool reads the main benchmark's 100,000 models.
pub async fn ldap2pg_vs_mlgrant() -> String {
    let sim = &Simulator::start(Options::default())
        .await
        .expect("simulator");
    let dir = &std::env::temp_dir().join(format!("mlgrant-bench-peer-{}", std::process::id()));
    std::fs::create_dir_all(dir).unwrap();
    let env = |k: &str| (k == "PGPASSWORD").then(|| sim.password().to_owned());
    let target = mlgrant::connect::resolve(Some(&sim.url()), &env, None).unwrap();
    let admin = &mlgrant::connect::connect(&target).await.unwrap();
    let report = compare(sim, admin, dir).await;
    let _ = std::fs::remove_dir_all(dir);
    report
}

async fn compare(sim: &Simulator, admin: &Client, dir: &Path) -> String {
    let bin = match ldap2pg() {
        Ok(bin) => bin,
        Err(why) => {
            return format!(
                "ratio ldap2pg 5.9 / mlgrant apply, same schema grants, at 5 ms: skipped: ldap2pg 5.9 could not be installed ({why}); it needs python3-venv, libldap2-dev and libsasl2-dev\n"
            );
        }
    };
    let groups = names("lg_", GROUPS, 2);
    let schemas = names("l_", SCHEMAS, 3);
    let mut setup = String::new();
    for g in &groups {
        let _ = write!(setup, "CREATE GROUP {g};");
    }
    for s in &schemas {
        let _ = write!(setup, "CREATE SCHEMA {s};");
    }
    admin.batch_execute(&setup).await.unwrap();
    let revoke_all = format!(
        "REVOKE ALL ON SCHEMA {} FROM {}",
        schemas.join(", "),
        groups
            .iter()
            .map(|g| format!("GROUP {g}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // ldap2pg: the groups as roles (as the simulator makes them: NOLOGIN, commented), and one
    // grant rule of USAGE and CREATE on every schema of the list, in the one database.
    let list = |v: &[String]| format!("[{}]", v.join(", "));
    let config = format!(
        "postgres:\n  dsn: '{}'\n  databases_query: [dev]\n  schemas_query: {}\n  managed_roles_query: {}\nprivileges:\n  schema_rights: [__usage_on_schemas__, __create_on_schemas__]\nsync_map:\n- role:\n    names: {}\n    options: NOLOGIN\n    comment: 'redshift:group'\n- grant:\n    privilege: schema_rights\n    roles: {}\n",
        sim.url(),
        list(&schemas),
        list(&groups),
        list(&groups),
        list(&groups)
    );
    let config_path = dir.join("ldap2pg.yml");
    std::fs::write(&config_path, config).unwrap();
    sim.set_latency(Duration::from_millis(5));
    let t = Instant::now();
    let out = Command::new(&bin)
        .args(["--real", "--quiet", "--config"])
        .arg(&config_path)
        .env("PGPASSWORD", sim.password())
        .env_remove("LDAPURI")
        .output()
        .expect("ldap2pg runs");
    let ldap2pg_took = t.elapsed();
    sim.set_latency(Duration::ZERO);
    if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("aclexplode") {
        return "ratio ldap2pg 5.9 / mlgrant apply, same schema grants, at 5 ms: not measured: ldap2pg reads schema grants with PostgreSQL's aclexplode(pg_namespace.nspacl), and the simulator shows nspacl as Redshift writes it (text items such as `group NAME=U/owner`, for AWS's own sample queries), which aclexplode cannot take (goal: at least 50)\n".to_owned();
    }
    if !out.status.success() {
        return format!(
            "ratio ldap2pg 5.9 / mlgrant apply, same schema grants, at 5 ms: skipped: ldap2pg failed: {}\n",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .join(" / ")
        );
    }
    let by_ldap2pg = held(admin).await;
    admin.batch_execute(&revoke_all).await.unwrap();

    // mlgrant: the same groups as creators of every schema (which also grants them CREATE
    // MODEL: 50 grants more than ldap2pg's work).
    let mut model = String::from("version = 1\n");
    for g in &groups {
        let _ = writeln!(model, "[groups.{g}]");
    }
    let creators = groups
        .iter()
        .map(|g| format!("\"{g}\""))
        .collect::<Vec<_>>()
        .join(", ");
    for s in &schemas {
        let _ = writeln!(model, "[schemas.{s}]\ncreators = [{creators}]");
    }
    let model_path = dir.join("peer.toml");
    std::fs::write(&model_path, &model).unwrap();
    let groups_only = dir.join("groups.toml");
    std::fs::write(&groups_only, model.split("[schemas.").next().unwrap_or("")).unwrap();
    let apply = |model: &Path| {
        Command::new(env!("CARGO_BIN_EXE_mlgrant"))
            .args(["apply", "--yes", "--config"])
            .arg(model)
            .arg("--url")
            .arg(sim.url())
            .env("PGPASSWORD", sim.password())
            .env("HOME", dir)
            .output()
            .expect("mlgrant runs")
    };
    // mlgrant's audit schema is made first (a one-time setup, like installing ldap2pg), by an
    // apply of the groups alone; the groups exist, as they did for ldap2pg.
    let setup = apply(&groups_only);
    assert!(
        setup.status.success(),
        "{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    sim.set_latency(Duration::from_millis(5));
    let t = Instant::now();
    let out = apply(&model_path);
    let mlgrant_took = t.elapsed();
    sim.set_latency(Duration::ZERO);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let by_mlgrant = held(admin).await;
    admin.batch_execute(&revoke_all).await.unwrap();
    assert_eq!(
        (by_ldap2pg, by_mlgrant),
        (GROUPS * SCHEMAS * 2, GROUPS * SCHEMAS * 2),
        "both hold every USAGE and CREATE"
    );
    format!(
        "  ldap2pg 5.9 sync of {GROUPS} groups x {SCHEMAS} schemas, USAGE and CREATE ({by_ldap2pg} grants) at 5 ms: {:.2} s\n  mlgrant apply of the same ({by_mlgrant} grants, and CREATE MODEL for the groups) at 5 ms: {:.2} s\nratio ldap2pg 5.9 / mlgrant apply, same schema grants, at 5 ms: {:.1} (goal: at least 50)\n",
        ldap2pg_took.as_secs_f64(),
        mlgrant_took.as_secs_f64(),
        ldap2pg_took.as_secs_f64() / mlgrant_took.as_secs_f64()
    )
}
