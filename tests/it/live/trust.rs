//! mlgrant trusts nothing it did not create, reads nothing without bound, and shows no name raw
//! on a terminal: a stranger's audit schema, a renamed audit table, devices and FIFOs given as
//! files, a name made of terminal escapes, a model path longer than the audit column.

use super::{Cluster, err, out};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strangers_audit_schema_or_a_renamed_audit_table_is_refused() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute(
            "CREATE USER mallory PASSWORD 'Mallory1pass';
             CREATE SCHEMA mlgrant AUTHORIZATION mallory;
             CREATE GROUP ml_team;",
        )
        .await
        .unwrap();
    let model = c.model(
        "m.toml",
        "version = 1\n[groups.ml_team]\n[groups.new_team]\n",
    );
    let o = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains(
            "the schema mlgrant is in the hands of mallory (its owner), who is not a superuser"
        ) && err(&o).contains("nothing was applied"),
        "{}",
        err(&o)
    );
    assert!(
        c.rows("SELECT 1 FROM pg_group WHERE groname = 'new_team'")
            .await
            .is_empty()
    );
    // Trusted when the model names that owner; but the schema is still not mlgrant's own.
    let named = c.model(
        "named.toml",
        "version = 1\n[groups.ml_team]\n[policy]\naudit_owner = \"mallory\"\n",
    );
    let o = c.run(&["apply", "--config", &named, "--yes"]);
    assert!(err(&o).contains("mlgrant did not create it"), "{}", err(&o));

    // Write rights on mlgrant's tables in untrusted hands (GRANT ALL also gives TRIGGER on
    // PostgreSQL): refused before anything is applied.
    c.admin
        .batch_execute("DROP SCHEMA mlgrant CASCADE; CREATE USER bob PASSWORD 'Bob1pass';")
        .await
        .unwrap();
    assert_eq!(
        c.run(&["apply", "--config", &model, "--yes"]).status.code(),
        Some(0)
    );
    c.admin
        .batch_execute(
            "GRANT USAGE ON SCHEMA mlgrant TO bob; GRANT ALL ON ALL TABLES IN SCHEMA mlgrant TO bob;",
        )
        .await
        .unwrap();
    let runs = c.rows("SELECT run_id FROM mlgrant.apply_log").await;
    let other = c.model(
        "other.toml",
        "version = 1\n[groups.ml_team]\n[groups.third]\n",
    );
    let o = c.run(&["apply", "--config", &other, "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("is in the hands of bob (who may INSERT it)"),
        "{}",
        err(&o)
    );
    assert_eq!(c.rows("SELECT run_id FROM mlgrant.apply_log").await, runs);
    c.admin
        .batch_execute("REVOKE ALL ON ALL TABLES IN SCHEMA mlgrant FROM bob;")
        .await
        .unwrap();

    // A renamed audit table is named as such, not as "not a Redshift cluster".
    c.admin
        .batch_execute("DROP SCHEMA mlgrant CASCADE;")
        .await
        .unwrap();
    assert_eq!(
        c.run(&["apply", "--config", &model, "--yes"]).status.code(),
        Some(0)
    );
    c.admin
        .batch_execute("ALTER TABLE mlgrant.apply_log RENAME TO apply_log_old;")
        .await
        .unwrap();
    let o = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("audit table mlgrant.apply_log is missing (renamed or dropped?)")
            && !err(&o).contains("Redshift catalog view"),
        "{}",
        err(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_and_fifos_are_refused_and_long_model_paths_fit_the_audit_log() {
    let c = Cluster::start().await;
    for args in [
        vec!["check", "--config", "/dev/zero"],
        vec!["plan", "--config", "/dev/zero"],
    ] {
        let o = c.run(&args);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            err(&o).contains("not a regular file but a character device"),
            "{}",
            err(&o)
        );
    }
    let fifo = c.dir.join("model.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let o = c.run(&["check", "--config", fifo.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("a FIFO"), "{}", err(&o));
    // A CA bundle that never ends.
    let model = c.model("m.toml", "version = 1\n[groups.ml_team]\n");
    let url =
        c.sim.url().split("sslrootcert=").next().unwrap().to_owned() + "sslrootcert=/dev/zero";
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mlgrant"))
        .args(["plan", "--config", &model, "--url", &url])
        .env("PGPASSWORD", c.sim.password())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("character device"), "{}", err(&o));

    // A model path longer than the audit log's model_file column (1024 bytes).
    let deep = c
        .dir
        .join("d".repeat(200))
        .join("e".repeat(200))
        .join("f".repeat(200));
    let deep = deep.join("g".repeat(200)).join("h".repeat(200));
    std::fs::create_dir_all(&deep).unwrap();
    let long = deep.join("mlgrant.toml");
    std::fs::write(&long, "version = 1\n[groups.ml_team]\n").unwrap();
    let long = long.to_str().unwrap().to_owned();
    assert!(long.len() > 1024);
    let o = c.run(&["apply", "--config", &long, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let logged = c.rows("SELECT model_file FROM mlgrant.apply_log").await;
    assert!(logged[0][0].ends_with("/mlgrant.toml") && logged[0][0].starts_with("..."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_made_of_terminal_escapes_is_shown_escaped_and_written_exactly() {
    let c = Cluster::start().await;
    c.admin
        .batch_execute(
            "CREATE SCHEMA demo_ml; CREATE USER alice PASSWORD 'Alice1pass';
             GRANT CREATE MODEL TO alice; GRANT CREATE, USAGE ON SCHEMA demo_ml TO alice;
             CREATE TABLE demo_ml.t (a int, b int); GRANT SELECT ON demo_ml.t TO alice;
             CREATE GROUP viewers;",
        )
        .await
        .unwrap();
    // Redshift refuses such a name (DG r_names); a catalog that holds one all the same comes
    // through the simulator's admin door.
    super::model_past_the_front(
        &c.sim,
        "alice",
        "demo_ml",
        "m\u{1b}[8m\rhidden",
        "f_hidden",
        Some("viewers"),
    )
    .await;
    // viewers are managed and hold an EXECUTE nothing requires; but a name made of terminal
    // escapes cannot be written safely into a line of SQL, a CI log or a terminal: the model is
    // held back, named escaped in a warning, and nothing is planned on it.
    let model = c.model(
        "m.toml",
        "version = 1\n[groups.viewers]\n[schemas.demo_ml]\n",
    );
    for format in ["text", "sql", "json", "markdown"] {
        let o = c.run(&["plan", "--config", &model, "--format", format]);
        let shown = out(&o);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\r') && !shown.contains("REVOKE"),
            "{format}: {shown:?}"
        );
        assert!(shown.contains("hidden"), "{format}: {shown}");
    }
    let text = out(&c.run(&["plan", "--config", &model, "--format", "text"]));
    assert!(
        text.contains("model demo_ml.\"m\\x1b[8m\\rhidden\": its name holds a control, bidirectional or zero-width character"),
        "{text}"
    );
    // Apply leaves it as it is.
    let o = c.run(&["apply", "--config", &model, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        c.rows("SELECT identity_name FROM svv_ml_model_privileges")
            .await,
        [["viewers"]]
    );
}
