//! The strict front over the wire: what Redshift refuses is refused with Redshift's SQLSTATE and
//! words, every parameter of the configuration reference is taken, and AWS's own sample queries
//! find what they find on Redshift. Each rule's source is in src/redshift/.

use redshift_sim::redshift::parameters::{Backing, PARAMETERS};

use super::{awsuser, connect_as, refused, rows, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_min_messages_is_refused_and_so_is_the_apply_preamble_that_set_it() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    // brianc/node-postgres issue 1212, python-postgres/fe issue 72: padb's guc.c.
    assert_eq!(
        refused(&admin, "SET client_min_messages TO notice").await,
        (
            "42501".to_owned(),
            "permission denied to set parameter \"client_min_messages\"".to_owned()
        )
    );
    // What mlgrant's apply sent first until this round: the transaction never got to its lock.
    let (code, _) = refused(
        &admin,
        "BEGIN; SET client_min_messages TO notice; SET statement_timeout TO 60000; SELECT 1",
    )
    .await;
    assert_eq!(code, "42501");
    admin.batch_execute("ROLLBACK").await.unwrap();
    // What it sends now is taken.
    admin
        .batch_execute("BEGIN; SET statement_timeout TO 60000; RESET statement_timeout; ROLLBACK")
        .await
        .expect("statement_timeout is in the configuration reference");
    for sql in [
        "RESET client_min_messages",
        "SET application_name TO 'x'",
        "SET LOCAL lock_timeout = 5",
    ] {
        assert_eq!(refused(&admin, sql).await.0, "42501", "{sql}");
    }
    assert_eq!(refused(&admin, "SHOW client_min_messages").await.0, "0A000");
    // The connection is still usable.
    assert_eq!(rows(&admin, "SELECT 2").await, [["2"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_parameter_of_the_configuration_reference_is_taken() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    for p in PARAMETERS {
        let shown = rows(&admin, &format!("SHOW {}", p.name)).await;
        assert_eq!(shown.len(), 1, "SHOW {} ({})", p.name, p.source);
        if let Backing::Simulated(default) = p.backing {
            assert_eq!(shown[0][0], default, "{} ({})", p.name, p.source);
            admin
                .batch_execute(&format!("SET {} TO 'on'", p.name))
                .await
                .unwrap_or_else(|e| panic!("SET {} ({}): {e}", p.name, p.source));
            assert_eq!(rows(&admin, &format!("SHOW {}", p.name)).await, [["on"]]);
            admin
                .batch_execute(&format!("RESET {}", p.name))
                .await
                .unwrap();
            assert_eq!(
                rows(&admin, &format!("SELECT current_setting('{}')", p.name)).await,
                [[default]]
            );
        }
    }
    let all = rows(&admin, "SHOW ALL").await;
    assert_eq!(all.len(), PARAMETERS.len());
    // Session context variables (DG r_SET): prefix.name.
    admin.batch_execute("SET app.team TO 'ml'").await.unwrap();
    assert_eq!(
        rows(&admin, "SELECT current_setting('app.team')").await,
        [["ml"]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_kinds_and_catalog_reads_redshift_lacks_are_refused() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute("CREATE TABLE t (a int); CREATE USER dave PASSWORD 'Dave1pass'")
        .await
        .unwrap();
    for sql in [
        "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
        "CREATE EVENT TRIGGER et ON ddl_command_end EXECUTE FUNCTION f()",
        "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING",
        "CREATE INDEX i ON t (a)",
        "CREATE EXTENSION pgcrypto",
        "DO $$ BEGIN END $$",
        "LISTEN c",
        "NOTIFY c",
        "SET ROLE dave",
        "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
        "INSERT INTO t VALUES (1) RETURNING a",
        "COPY t FROM STDIN",
        "SELECT * FROM pg_settings",
        "SELECT tgname FROM pg_catalog.pg_trigger",
    ] {
        let (code, words) = refused(&admin, sql).await;
        assert_eq!(code, "0A000", "{sql}: {words}");
        assert!(
            words.contains("Redshift") || words.contains("DG "),
            "{sql}: the refusal names its source: {words}"
        );
    }
    // current_setting of a parameter outside the reference: a superuser reads it, others are
    // told what Redshift tells them (duckdb/duckdb-postgres issue 245).
    assert_eq!(
        rows(&admin, "SELECT current_setting('server_version') <> ''").await,
        [["t"]]
    );
    let dave = connect_as(&sim, "dave", "Dave1pass").await.unwrap();
    assert_eq!(
        refused(&dave, "SELECT current_setting('server_version')").await,
        (
            "42501".to_owned(),
            "must be superuser to examine \"server_version\"".to_owned()
        )
    );
}

/// AWS's own sample queries (aws-samples/redshift-roles), verbatim.
const SCHEMA_GROUP_GRANTS: &str = "SELECT sub3.nspname AS schema_name, CASE WHEN substring(sub3.grogrant, pos, 1) = 'C' THEN 'CREATE' WHEN substring(sub3.grogrant, pos, 1) = 'U' THEN 'USAGE' END AS privilege_type, sub3.groname AS group_name
FROM 	(
	SELECT sub2.nspname, generate_series(1, length(sub2.grogrant)) AS pos, sub2.groname, sub2.grogrant
	FROM 	(
		SELECT sub.nspname, split_part(sub.acl, '=', 1) AS groname, split_part(split_part(sub.acl, '=', 2), '/', 1) AS grogrant 
		FROM 	(
			SELECT n.nspname, split_part(split_part(array_to_string(nspacl, ','), ',', i), ' ', 2) AS acl 
			FROM 	(
				SELECT nspname, generate_series(1, array_upper(nspacl, 1)) AS i, nspacl 
				FROM pg_namespace
				) AS n 
			WHERE split_part(array_to_string(nspacl, ','), ',', i) LIKE 'group %'
			) AS sub 
		) AS sub2
	) AS sub3
ORDER BY 1, 3, 2;";

const CREATE_MODEL_GROUP_GRANTS: &str = "SELECT CASE WHEN substring(sub3.grogrant, pos, 1) = 'U' THEN 'CREATE MODEL' END AS privilege_type, sub3.groname AS group_name
FROM	(
	SELECT sub2.groname, generate_series(1, length(sub2.grogrant)) AS pos, sub2.grogrant
	FROM	(
		SELECT split_part(sub.acl, '=', 1) AS groname, split_part(split_part(sub.acl, '=', 2), '/', 1) AS grogrant 
		FROM 	(
			SELECT l.lanname, split_part(split_part(array_to_string(l.lanacl, ','), ',', i), ' ', 2) AS acl 
			FROM 	(
				SELECT lanname, generate_series(1, array_upper(lanacl, 1)) AS i, lanacl 
				FROM pg_language 
				WHERE lanname = 'mlfunc'
				) AS l 
			WHERE split_part(array_to_string(l.lanacl, ','), ',', l.i) LIKE 'group %'
			) AS sub
		) AS sub2
	) AS sub3
ORDER BY 2, 1;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_sample_queries_find_group_grants_in_the_raw_acls() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute(
            "CREATE SCHEMA demo_ml; CREATE GROUP ml_team; CREATE GROUP bi; CREATE USER alice PASSWORD 'Alice1pass';
             GRANT CREATE, USAGE ON SCHEMA demo_ml TO GROUP ml_team;
             GRANT USAGE ON SCHEMA demo_ml TO GROUP bi, alice;
             GRANT CREATE MODEL TO GROUP ml_team, alice;",
        )
        .await
        .unwrap();
    assert_eq!(
        rows(&admin, SCHEMA_GROUP_GRANTS).await,
        [
            ["demo_ml", "USAGE", "bi"],
            ["demo_ml", "CREATE", "ml_team"],
            ["demo_ml", "USAGE", "ml_team"],
        ]
    );
    assert_eq!(
        rows(&admin, CREATE_MODEL_GROUP_GRANTS).await,
        [["CREATE MODEL", "ml_team"]]
    );
    // A user's entry has no `group ` prefix; PUBLIC's starts with `=`.
    let acl = rows(&admin, "SELECT array_to_string(nspacl, ',') FROM pg_catalog.pg_namespace WHERE nspname = 'demo_ml'").await;
    assert!(
        acl[0][0].contains("group ml_team=UC/awsuser") && acl[0][0].contains(",alice=U/awsuser"),
        "{acl:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_does_not_print_is_refused_and_a_printable_odd_one_taken() {
    let sim = start().await;
    let admin = awsuser(&sim).await;
    admin
        .batch_execute("CREATE SCHEMA demo_ml; CREATE TABLE demo_ml.t (a int, b int)")
        .await
        .unwrap();
    // DG r_names: identifiers consist of only UTF-8 printable characters.
    for name in [
        "m\n::warning::x",
        "\u{202e}maet\u{202c}",
        "a\u{200b}b",
        "m\u{1b}[8m",
    ] {
        let (code, message) = refused(
            &admin,
            &format!(
                "CREATE MODEL demo_ml.\"{name}\" FROM demo_ml.t TARGET b FUNCTION f(int) IAM_ROLE default SETTINGS (S3_BUCKET 'b')"
            ),
        )
        .await;
        assert_eq!(code, "42602", "{name:?}");
        assert!(
            message.contains("printable") && message.contains("r_names"),
            "{message}"
        );
        assert_eq!(
            refused(&admin, &format!("CREATE GROUP \"{name}\"")).await.0,
            "42602"
        );
    }
    // Blanks, punctuation and letters of any script print.
    admin
        .batch_execute(
            "CREATE MODEL demo_ml.\"m3 \" FROM demo_ml.t TARGET b FUNCTION f_m3(int) IAM_ROLE default SETTINGS (S3_BUCKET 'b');
             CREATE GROUP \"=hyperlink(1) `x` ünï\";",
        )
        .await
        .expect("printable names are taken");
}
