//! Usage and the access review against the simulator: users run models, `usage collect` twice
//! records each use once, `review --unused 90d --as-of` lists the rights nobody used, and the
//! HTML page, opened in headless chromium, shows the CSV's rows (and filters them).

use super::{Cluster, connect_as, day, err, out};

const SETUP: &str = "
    CREATE SCHEMA ml;
    CREATE USER alice PASSWORD 'Alice1pass';
    CREATE USER bob PASSWORD 'Bob1pass12';
    CREATE USER carol PASSWORD 'Carol1pass';
    CREATE USER dave PASSWORD 'Dave1pass1';
    CREATE GROUP ml_team;
    CREATE GROUP bi_grp;
    CREATE TABLE ml.activity (state varchar(2), churn int);
    GRANT SELECT ON ml.activity TO PUBLIC;
    CREATE MODEL ml.ltv FROM (SELECT state, churn FROM ml.activity)
      TARGET churn FUNCTION ltv_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'bucket');
";

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .map(|l| {
            l.trim_matches('"')
                .split("\",\"")
                .map(|c| c.replace("\"\"", "\""))
                .collect()
        })
        .collect()
}

/// The cells of the page's table rows that are not hidden, as chromium left them.
fn shown_rows(dom: &str) -> Vec<Vec<String>> {
    let body = &dom[dom.find("<tbody>").expect("a table body")..];
    let body = &body[..body.find("</tbody>").unwrap()];
    body.split("<tr")
        .skip(1)
        .filter(|r| !r.split('>').next().unwrap_or("").contains("hidden"))
        .map(|r| {
            r.split("<td>")
                .skip(1)
                .map(|c| {
                    c[..c.find("</td>").unwrap()]
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&#39;", "'")
                        .replace("&amp;", "&")
                })
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collected_twice_each_use_counts_once_and_review_lists_what_nobody_used() {
    let c = Cluster::start().await;
    c.admin.batch_execute(SETUP).await.unwrap();
    let until = day(200);
    let m = c.model(
        "m.toml",
        &format!(
            r#"version = 1
[groups.ml_team]
members = ["alice"]
[groups.bi_grp]
members = ["bob", "carol"]
[schemas.ml]
creators = ["ml_team"]
consumers = ["bi_grp"]
[models."ml.ltv"]
consumers = [{{ grantee = "user:dave", until = {until}, reason = "INC-9" }}]
"#
        ),
    );
    c.apply_and_converge(&m);
    // alice creates a model; a second apply lets bi_grp run it.
    let alice = connect_as(&c.sim, "alice", "Alice1pass").await;
    alice
        .batch_execute(
            "CREATE MODEL ml.churn FROM (SELECT state, churn FROM ml.activity)
             TARGET churn FUNCTION churn_fn(varchar) IAM_ROLE default SETTINGS (S3_BUCKET 'b')",
        )
        .await
        .unwrap();
    c.apply_and_converge(&m);
    let bob = connect_as(&c.sim, "bob", "Bob1pass12").await;
    bob.batch_execute("SELECT ml.churn_fn('CA'); SELECT ml.ltv_fn('NY')")
        .await
        .unwrap();
    let n = "WA";
    bob.query("SELECT ml.churn_fn($1)", &[&n]).await.unwrap();
    // Not uses: a failed statement, a name in a string, a comment.
    assert!(bob.batch_execute("SELECT ml.churn_fn(1/0)").await.is_err());
    bob.batch_execute("SELECT 'ml.ltv_fn(1)' -- ml.ltv_fn(2)")
        .await
        .unwrap();

    // Not a superuser: refused, nothing collected.
    let refused = c.run_as("bob", "Bob1pass12", &["usage", "collect", "--config", &m]);
    assert_eq!(refused.status.code(), Some(1), "{}", out(&refused));
    assert!(
        err(&refused).contains("needs a superuser login"),
        "{}",
        err(&refused)
    );

    let usage = "SELECT user_name, kind, object_schema, object_name, uses FROM mlgrant.usage ORDER BY 1, 2, 4";
    let first = c.run(&["usage", "collect", "--config", &m, "--format", "json"]);
    assert_eq!(first.status.code(), Some(0), "{}", err(&first));
    let report: serde_json::Value = serde_json::from_str(&out(&first)).unwrap();
    assert_eq!(report["functions"], 2, "{report}");
    assert_eq!(report["uses_found"], 5, "{report}");
    let want = [
        ["alice", "create_model", "ml", "churn", "1"],
        ["awsuser", "create_model", "ml", "ltv", "1"],
        ["bob", "execute", "ml", "churn", "2"],
        ["bob", "execute", "ml", "ltv", "1"],
    ];
    assert_eq!(c.rows(usage).await, want);
    // Collected again: nothing counted twice.
    let second = c.run(&["usage", "collect", "--config", &m]);
    assert_eq!(second.status.code(), Some(0), "{}", err(&second));
    assert!(
        out(&second).contains(" 0 uses of 2 model functions recorded"),
        "{}",
        out(&second)
    );
    assert_eq!(c.rows(usage).await, want);
    // One more use, counted once.
    bob.batch_execute("SELECT ml.churn_fn('OR')").await.unwrap();
    let third = c.run(&["usage", "collect", "--config", &m]);
    assert_eq!(third.status.code(), Some(0), "{}", err(&third));
    assert_eq!(
        c.rows(usage).await[2],
        ["bob", "execute", "ml", "churn", "3"]
    );

    // The review: every right, with its use.
    let all = c.run(&["review", "--config", &m, "--format", "csv"]);
    assert_eq!(all.status.code(), Some(0), "{}", err(&all));
    let rows = csv_rows(&out(&all));
    let brief: Vec<[&str; 6]> = rows
        .iter()
        .map(|r| [&r[0], &r[3], &r[5], &r[8], &r[9], &r[11]].map(String::as_str))
        .collect();
    assert_eq!(
        brief,
        [
            ["CREATE MODEL", "ml_team", "yes", "alice", "1", "no"],
            [
                "EXECUTE ON MODEL ml.churn",
                "bi_grp",
                "yes",
                "bob",
                "3",
                "no"
            ],
            ["EXECUTE ON MODEL ml.ltv", "bi_grp", "yes", "bob", "1", "no"],
            ["EXECUTE ON MODEL ml.ltv", "user:dave", "yes", "", "0", "no"],
        ],
        "{}",
        out(&all)
    );
    assert!(
        rows[3][4].contains("models.\"ml.ltv\".consumers at "),
        "{:?}",
        rows[3]
    );
    assert_eq!(rows[3][10], format!("{until}, INC-9"));
    assert!(!rows[1][6].is_empty(), "since: the ledger's time");

    // 89 days on, only dave's right was never used; 91 days on, none was used within 90.
    let unused = |days: i64| {
        let o = c.run(&[
            "review",
            "--config",
            &m,
            "--format",
            "csv",
            "--unused",
            "90d",
            "--as-of",
            &day(days),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        csv_rows(&out(&o))
            .into_iter()
            .map(|r| format!("{} {}", r[0], r[3]))
            .collect::<Vec<_>>()
    };
    assert_eq!(unused(89), ["EXECUTE ON MODEL ml.ltv user:dave"]);
    assert_eq!(unused(91).len(), 4);

    // The HTML page in a real browser shows the CSV's rows, and its filter works.
    let page = c.dir.join("review.html");
    let html = c.run(&["review", "--config", &m, "--format", "html"]);
    assert_eq!(html.status.code(), Some(0), "{}", err(&html));
    std::fs::write(&page, html.stdout).unwrap();
    let profile = c.dir.join("profile");
    let dom = crate::util::chromium_dom(&format!("file://{}", page.display()), &profile);
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    assert_eq!(shown_rows(&dom), rows, "{dom}");
    assert!(dom.contains("4 of 4 rights shown"), "{dom}");
    let filtered = crate::util::chromium_dom(
        &format!("file://{}#q=dave&sort=9&desc=1", page.display()),
        &profile,
    );
    let filtered = String::from_utf8_lossy(&filtered.stdout).into_owned();
    assert_eq!(shown_rows(&filtered), rows[3..].to_vec(), "{filtered}");
    assert!(filtered.contains("1 of 4 rights shown"), "{filtered}");
}
