//! doctor: proves, on the connected cluster, each Redshift behaviour that sync relies on. Read-only
//! checks, and trials inside one transaction that is always rolled back, so nothing changes.
//!
//! | check | what it proves |
//! |---|---|
//! | `redshift` | the server says it is Redshift (`version()`) |
//! | `catalog` | every catalog query runs, in one round trip, with the columns its reader expects |
//! | `catalog_schema` | reports svv_* views outside pg_catalog (mlgrant qualifies its queries, so they are harmless to it: this check informs, it never fails) |
//! | `visibility` | what this login sees, and so what plan may revoke |
//! | `assumerole_rows` | every svv_iam_privileges row is in a shape mlgrant recognises |
//! | `case_sensitivity` | `enable_case_sensitive_identifier` is off (names fold to lowercase) |
//! | `audit_schema_owner` | the `mlgrant` schema is absent, or only superusers own it, may write to it or create in it, and no trigger hangs on it (apply's own rule) |
//! | `grant_in_transaction` | GRANT CREATE MODEL to a scratch group is accepted inside a transaction |
//! | `create_model_reads_back` | that grant shows in svv_language_privileges as USAGE on language mlfunc (groups never show in svv_system_privileges) |
//! | `revoke_in_transaction` | REVOKE of it is accepted inside the transaction |
//! | `revoke_not_held` | REVOKE of a privilege the group no longer holds is accepted |
//!
//! The trials' statements are the renderer's own (`render::statement`), so they prove the exact
//! SQL apply sends; the scratch group is created and granted to inside the transaction, which is
//! rolled back whatever happens.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio_postgres::Client;

use crate::catalog::{self, result_sets};
use crate::model::{Grantee, Name, Object, Privilege, quote_literal};
use crate::plan::Change;
use crate::render;
use crate::server::WireError;

/// One check's result.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    /// What was found.
    pub detail: String,
    /// What a failure means for sync (empty when passed).
    pub meaning: String,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            passed: true,
            detail: detail.into(),
            meaning: String::new(),
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, meaning: impl Into<String>) -> Check {
        Check {
            name,
            passed: false,
            detail: detail.into(),
            meaning: meaning.into(),
        }
    }
}

fn error_text(e: &tokio_postgres::Error) -> String {
    match WireError::from(e) {
        WireError::Server(s) => format!("SQLSTATE {}: {}", s.sqlstate, s.message),
        WireError::Connection(c) => c,
    }
}

/// The first value of the first row of `sql`'s last result set.
async fn value(client: &Client, sql: &str) -> Result<Option<String>, String> {
    let messages = client.simple_query(sql).await.map_err(|e| error_text(&e))?;
    Ok(result_sets(messages)
        .pop()
        .and_then(|rows| rows.into_iter().next())
        .and_then(|row| row.into_iter().next().flatten()))
}

async fn rows(client: &Client, sql: &str) -> Result<Vec<catalog::Row>, String> {
    let messages = client.simple_query(sql).await.map_err(|e| error_text(&e))?;
    Ok(result_sets(messages).pop().unwrap_or_default())
}

/// Runs every check against the cluster behind `client`.
pub async fn run(client: &Client) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.push(match value(client, "SELECT version()").await {
        Ok(Some(v)) if v.contains("Redshift") => Check::pass("redshift", v),
        Ok(v) => Check::fail(
            "redshift",
            v.unwrap_or_default(),
            "the server does not say it is Amazon Redshift: mlgrant's catalog queries and grammar are Redshift's",
        ),
        Err(e) => Check::fail("redshift", e, "the server did not answer version()"),
    });
    let state = catalog::read(client, "", 0).await;
    let mut superuser = false;
    match &state {
        Ok(state) => {
            checks.push(Check::pass(
                "catalog",
                format!(
                    "{} queries in one round trip, every row as wide as its reader expects",
                    catalog::QUERIES.len()
                ),
            ));
            let inv = state.cluster.as_ref();
            superuser = inv.is_some_and(|i| i.superuser);
            let login = inv.map_or("", |i| i.current_user.as_str());
            checks.push(Check::pass(
                "visibility",
                match inv.map(|i| (i.superuser, i.sees_all)) {
                    Some((true, _)) => format!("{login} is a superuser: it sees every grant and every model; plan may revoke"),
                    Some((false, true)) => format!("{login} holds ACCESS SYSTEM TABLE: it sees every grant but only its own models in svv_ml_model_info; plan revokes nothing on models (EXECUTE), and grants EXECUTE only on models it can see"),
                    _ => format!("{login} sees only its own grants: plan revokes nothing and lists grants to others as not confirmed"),
                },
            ));
            let unrecognised = inv.map_or(&[][..], |i| i.unrecognised_iam.as_slice());
            checks.push(if unrecognised.is_empty() {
                Check::pass("assumerole_rows", "every svv_iam_privileges row is in a documented shape")
            } else {
                Check::fail(
                    "assumerole_rows",
                    unrecognised.join("; "),
                    "these ASSUMEROLE rows are in a shape mlgrant does not recognise: it never revokes them, and revoke_public_assumerole may not see PUBLIC's default",
                )
            });
        }
        Err(e) => checks.push(Check::fail(
            "catalog",
            e.to_string(),
            "mlgrant cannot read this cluster's grants: plan and apply refuse to run",
        )),
    }
    checks.push(
        match rows(
            client,
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname LIKE 'svv\\_%' AND n.nspname <> 'pg_catalog' ORDER BY 1, 2",
        )
        .await
        {
            Ok(found) if found.is_empty() => Check::pass(
                "catalog_schema",
                "every svv_* view is in pg_catalog, which is searched first",
            ),
            Ok(found) => Check::pass(
                "catalog_schema",
                format!(
                    "views named like Redshift's catalog exist outside pg_catalog: {}; mlgrant reads pg_catalog's by name, so they feed it nothing, but a tool that reads these names unqualified may be fed a forged catalog",
                    found
                        .iter()
                        .map(|r| format!("{}.{}", text(&r[0]), text(&r[1])))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Err(e) => Check::fail("catalog_schema", e, "pg_class could not be read"),
        },
    );
    checks.push(match value(client, "SHOW enable_case_sensitive_identifier").await {
        Ok(Some(v)) if v.eq_ignore_ascii_case("off") || v == "false" => {
            Check::pass("case_sensitivity", "enable_case_sensitive_identifier is off: names fold to lowercase, as the model's name checks assume")
        }
        Ok(v) => Check::fail(
            "case_sensitivity",
            format!("enable_case_sensitive_identifier is {}", v.unwrap_or_default()),
            "identifiers keep their case on this cluster: a name with uppercase letters means another object than its lowercase spelling, and the model's rule that names are lowercase no longer matches what the catalog stores",
        ),
        Err(e) => Check::fail("case_sensitivity", e, "the setting could not be read"),
    });
    // The same rule apply enforces (audit::verify_trust), without [policy] audit_owner, which
    // doctor does not read: owners, write and create rights, triggers.
    checks.push(match crate::audit::verify_trust(client, None).await {
        Ok(()) => Check::pass(
            "audit_schema_owner",
            "no mlgrant schema yet, or one that only superusers own and may change",
        ),
        Err(e) => Check::fail(
            "audit_schema_owner",
            e.to_string(),
            "apply refuses this cluster until the audit schema is mlgrant's own (or its owner is named in [policy] audit_owner)",
        ),
    });
    if superuser {
        checks.extend(trials(client).await);
    } else {
        for name in TRIALS {
            checks.push(Check::fail(
                name,
                "not run: only a superuser may grant CREATE MODEL",
                "this behaviour is unproven on this cluster; run doctor as a superuser",
            ));
        }
    }
    checks
}

/// The trials, in the order they run.
const TRIALS: [&str; 4] = [
    "grant_in_transaction",
    "create_model_reads_back",
    "revoke_in_transaction",
    "revoke_not_held",
];

/// The checks as a table for people, or as the JSON document `mlgrant.doctor`.
pub fn report(checks: &[Check], target: &str, json: bool) -> String {
    let ok = checks.iter().all(|c| c.passed);
    if json {
        let doc = serde_json::json!({
            "format": "mlgrant.doctor",
            "version": 1,
            "target": target,
            "ok": ok,
            "checks": checks,
        });
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
        s.push('\n');
        return s;
    }
    let mut out = format!("mlgrant doctor {}\n", crate::text::sanitize(target));
    for c in checks {
        let mark = if c.passed { "pass" } else { "FAIL" };
        out.push_str(&format!(
            "{mark}  {:<26} {}\n",
            c.name,
            crate::text::sanitize(&c.detail)
        ));
        if !c.passed {
            out.push_str(&format!(
                "      {:<26} {}\n",
                "",
                crate::text::sanitize(&c.meaning)
            ));
        }
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    out.push_str(&if ok {
        "every assumption sync relies on holds on this cluster\n".to_owned()
    } else {
        format!(
            "{failed} check{} failed: see what each means above\n",
            crate::text::plural(failed)
        )
    });
    out
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// What a failed trial means for sync.
fn trial_meaning(name: &str) -> &'static str {
    match name {
        "grant_in_transaction" => {
            "apply runs its GRANTs inside one transaction: on this cluster GRANT CREATE MODEL there fails, and apply cannot work"
        }
        "create_model_reads_back" => {
            "mlgrant reads CREATE MODEL held by groups from svv_language_privileges (language mlfunc): it could not read it back here, so it would never see these grants and would grant them again forever"
        }
        "revoke_in_transaction" => {
            "apply runs its REVOKEs inside one transaction: on this cluster that fails, and a plan with a revoke cannot be applied"
        }
        _ => {
            "sync may plan a REVOKE of a privilege a concurrent change already took away: on this cluster that fails, and such an apply rolls back"
        }
    }
}

/// The trials, in one transaction that is always rolled back.
async fn trials(client: &Client) -> Vec<Check> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let group = format!("mlgrant_doctor_{}_{nanos}", std::process::id());
    let grantee = Grantee::Group(Name::from_catalog(&group));
    let create = render::statement(&Change::CreateGroup {
        group: Name::from_catalog(&group),
    });
    let change = |grant: bool| {
        let (privileges, object, grantee) = (
            vec![Privilege::CreateModel],
            Object::Database,
            grantee.clone(),
        );
        render::statement(&if grant {
            Change::Grant {
                privileges,
                object,
                grantee,
            }
        } else {
            Change::Revoke {
                privileges,
                object,
                grantee,
            }
        })
    };
    let mut checks = Vec::new();
    let run = async {
        client
            .batch_execute(&format!("BEGIN; {create}"))
            .await
            .map_err(|e| ("grant_in_transaction", error_text(&e)))?;
        client
            .batch_execute(&change(true))
            .await
            .map_err(|e| ("grant_in_transaction", error_text(&e)))?;
        checks.push(Check::pass(
            "grant_in_transaction",
            format!("{} ran inside BEGIN", change(true)),
        ));
        let name = quote_literal(&group);
        let found = rows(
            client,
            &format!(
                "SELECT 1 FROM pg_catalog.svv_language_privileges WHERE language_name = 'mlfunc' AND privilege_type = 'USAGE' AND identity_name = {name}"
            ),
        )
        .await
        .map_err(|e| ("create_model_reads_back", e))?;
        checks.push(if found.is_empty() {
            Check::fail(
                "create_model_reads_back",
                "the grant is not in svv_language_privileges for language mlfunc",
                trial_meaning("create_model_reads_back"),
            )
        } else {
            Check::pass(
                "create_model_reads_back",
                "the grant reads back as USAGE on language mlfunc in svv_language_privileges",
            )
        });
        client
            .batch_execute(&change(false))
            .await
            .map_err(|e| ("revoke_in_transaction", error_text(&e)))?;
        checks.push(Check::pass(
            "revoke_in_transaction",
            format!("{} ran inside the transaction", change(false)),
        ));
        client
            .batch_execute(&change(false))
            .await
            .map_err(|e| ("revoke_not_held", error_text(&e)))?;
        checks.push(Check::pass(
            "revoke_not_held",
            "REVOKE of a privilege not held is accepted",
        ));
        Ok::<(), (&'static str, String)>(())
    }
    .await;
    let _ = client.batch_execute("ROLLBACK").await;
    if let Err((name, e)) = run {
        checks.push(Check::fail(name, e, trial_meaning(name)));
    }
    for name in TRIALS {
        if !checks.iter().any(|c| c.name == name) {
            checks.push(Check::fail(
                name,
                "not run: an earlier trial failed",
                "this behaviour is unproven on this cluster",
            ));
        }
    }
    checks
}
