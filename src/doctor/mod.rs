//! doctor: proves, on the connected cluster, each Redshift behaviour that sync relies on. Read-only
//! checks, and trials inside one transaction that is always rolled back, so nothing changes.
//!
//! | check | what it proves |
//! |---|---|
//! | `redshift` | the server says it is Redshift (`version()`) |
//! | `catalog` | every catalog query runs, in one round trip, with the columns its reader expects |
//! | `catalog_schema` | reports svv_* views outside pg_catalog (mlgrant qualifies its queries, so they are harmless to it: this check informs, it never fails) |
//! | `visibility` | what this login sees, and so what plan may revoke |
//! | `model_states` | every model's model_state is one mlgrant knows (ready, in progress, failed) |
//! | `assumerole_rows` | every svv_iam_privileges row is in a shape mlgrant recognises |
//! | `case_sensitivity` | `enable_case_sensitive_identifier` is off (names fold to lowercase) |
//! | `audit_schema_owner` | the `mlgrant` schema is absent, or only superusers own it, may write to it or create in it (apply's own rule) |
//!
//! Then the trials (trials.rs), in transactions that are always rolled back, each statement the
//! renderer's own and each change read back with apply's catalog reader inside the transaction:
//! `apply_preamble`, `create_group`, `alter_group_add_user`, `alter_group_drop_user`,
//! `create_model_group`, `create_model_user`, `create_model_role`, `schema_create_usage`,
//! `execute_on_model`, `regrant`, `revoke`, `revoke_not_held`, `assumerole_default`,
//! `assumerole_arn`, `assumerole_two_arns`, `revoke_assumerole`, `public_assumerole`
//! (docs/doctor.md says what each proves). A login that is not a superuser cannot run them:
//! each is reported as not run, and why.

mod assumerole;
mod history;
mod session;
mod trials;

use serde::Serialize;
use tokio_postgres::Client;

pub use trials::TRIALS;

use crate::catalog::{self, result_sets};
use crate::connect::Notices;
use crate::server::WireError;

/// One check's result.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    /// Not run (a trial the login may not run, or one with nothing to run on).
    pub skipped: bool,
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
            skipped: false,
            detail: detail.into(),
            meaning: String::new(),
        }
    }

    /// Not run, and so unproven: counts as a failure.
    fn skipped(name: &'static str, detail: impl Into<String>, meaning: impl Into<String>) -> Check {
        Check {
            skipped: true,
            ..Check::fail(name, detail, meaning)
        }
    }

    /// Not run because there was nothing to run it on: does not count as a failure.
    fn skipped_pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            skipped: true,
            ..Check::pass(name, detail)
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, meaning: impl Into<String>) -> Check {
        Check {
            name,
            passed: false,
            skipped: false,
            detail: detail.into(),
            meaning: meaning.into(),
        }
    }
}

fn error_text(e: &tokio_postgres::Error) -> String {
    match WireError::from(e) {
        WireError::Server(s) if s.sqlstate.is_empty() => s.message,
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

/// Runs every check against the cluster behind `client`; `notices` carries what the server
/// says to each trial.
pub async fn run(client: &Client, notices: Option<&Notices>) -> Vec<Check> {
    let (mut checks, read) = read_only(client, None, None).await;
    checks.push(history::check(client).await);
    match &read {
        Some(state) if state.cluster.as_ref().is_some_and(|i| i.superuser) => {
            checks.extend(trials::run(client, notices, state).await)
        }
        Some(_) => checks.extend(trials::skipped_all(
            "only a superuser may create the scratch group, user, role and schema the trials grant to, and grant ASSUMEROLE (DG r_GRANT-usage-notes); run doctor as a superuser",
        )),
        None => checks.extend(trials::skipped_all("the catalog could not be read")),
    }
    checks
}

/// The checks that only read (no trial), and the catalog as they read it, when it could be.
/// `audit_owner` is the login `[policy] audit_owner` trusts besides superusers (doctor itself
/// reads no model, and passes none). `read` is the catalog as the caller just read it, if it
/// did: it is not read again.
pub async fn read_only(
    client: &Client,
    audit_owner: Option<&str>,
    read: Option<crate::model::State>,
) -> (Vec<Check>, Option<crate::model::State>) {
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
    let state = match read {
        Some(state) => Ok(state),
        None => catalog::read(client, "", 0).await,
    };
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
            let login = inv.map_or("", |i| i.current_user.as_str());
            checks.push(Check::pass(
                "visibility",
                match inv.map(|i| (i.superuser, i.sees_all)) {
                    Some((true, _)) => format!("{login} is a superuser: it sees every grant and every model; plan may revoke"),
                    Some((false, true)) => format!("{login} holds ACCESS SYSTEM TABLE: it sees every grant but only its own models in svv_ml_model_info; plan revokes nothing on models (EXECUTE), and grants EXECUTE only on models it can see"),
                    _ => format!("{login} sees only its own grants: plan revokes nothing and lists grants to others as not confirmed"),
                },
            ));
            checks.push(model_states(state));
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
    // The same rule apply enforces (audit::verify_trust): owners, write and create rights.
    checks.push(match crate::audit::verify_trust(client, audit_owner).await {
        Ok(()) => Check::pass(
            "audit_schema_owner",
            "no mlgrant schema yet, or one that only superusers own and may change (Redshift has no triggers, so none is looked for)",
        ),
        Err(e) => Check::fail(
            "audit_schema_owner",
            e.to_string(),
            "apply refuses this cluster until the audit schema is mlgrant's own (or its owner is named in [policy] audit_owner)",
        ),
    });
    (checks, state.ok())
}

/// Whether every model's state is one mlgrant knows (DG r_SVV_ML_MODEL_INFO documents two; a
/// Bedrock, bring-your-own or FORECAST model's are not documented): an unknown one holds its
/// grants back.
fn model_states(state: &crate::model::State) -> Check {
    use crate::model::ModelStage;
    let waiting = state.cluster.as_ref().map(|i| &i.not_ready);
    let unknown: Vec<String> = waiting
        .into_iter()
        .flatten()
        .filter(|(_, s)| ModelStage::of(s) == ModelStage::Unknown)
        .map(|(m, s)| format!("{} ({})", m.key(), crate::text::sanitize(s)))
        .collect();
    let not_ready = waiting.map_or(0, |w| w.len());
    if unknown.is_empty() {
        Check::pass(
            "model_states",
            format!(
                "every model is ready or in a state mlgrant knows ({} of {} not ready: their grants wait)",
                not_ready,
                state.models.len()
            ),
        )
    } else {
        Check::fail(
            "model_states",
            format!(
                "models in a state no Redshift page documents: {}",
                unknown.join(", ")
            ),
            "plan and apply hold back every grant and revoke on these models, with a note, until their state is one mlgrant knows; if such a model works, its state is one to teach mlgrant",
        )
    }
}

/// The checks as a table for people, or as the JSON document `mlgrant.doctor`.
pub fn report(checks: &[Check], target: &str, json: bool) -> String {
    let ok = checks.iter().all(|c| c.passed);
    if json {
        let doc = serde_json::json!({
            "format": "mlgrant.doctor",
            "version": 2,
            "target": target,
            "ok": ok,
            "checks": checks,
        });
        let mut s = crate::text::json_pretty(&doc);
        s.push('\n');
        return s;
    }
    let mut out = format!("mlgrant doctor {}\n", crate::text::sanitize(target));
    for c in checks {
        let mark = match (c.passed, c.skipped) {
            (true, false) => "pass",
            (true, true) => "skip",
            (false, true) => "NOT RUN",
            (false, false) => "FAIL",
        };
        out.push_str(&format!(
            "{mark:<7} {:<26} {}\n",
            c.name,
            crate::text::sanitize(&c.detail)
        ));
        if !c.passed {
            out.push_str(&format!(
                "        {:<26} {}\n",
                "",
                crate::text::sanitize(&c.meaning)
            ));
        }
    }
    let failed = checks.iter().filter(|c| !c.passed && !c.skipped).count();
    let not_run = checks.iter().filter(|c| !c.passed && c.skipped).count();
    let skipped = checks.iter().filter(|c| c.passed && c.skipped).count();
    out.push_str(&if ok {
        format!(
            "every assumption sync relies on holds on this cluster{}\n",
            if skipped > 0 {
                format!(
                    " ({skipped} trial{} had nothing to run on: see above)",
                    crate::text::plural(skipped)
                )
            } else {
                String::new()
            }
        )
    } else {
        let mut parts = Vec::new();
        if failed > 0 {
            parts.push(format!(
                "{failed} check{} failed",
                crate::text::plural(failed)
            ));
        }
        if not_run > 0 {
            parts.push(format!(
                "{not_run} trial{} not run, so unproven",
                crate::text::plural(not_run)
            ));
        }
        format!("{}: see what each means above\n", parts.join(" and "))
    });
    out
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}
