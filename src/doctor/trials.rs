//! doctor's trials: every kind of statement mlgrant sends, run on the cluster with the renderer's
//! own SQL (and apply's own preamble) inside transactions that are always rolled back, each change
//! read back with the catalog reader apply uses, inside the same transaction.
//!
//! Scratch objects (a group, a user, a role, a schema) are created inside those transactions, so
//! they vanish with the ROLLBACK. A trial that fails ends its transaction: the trials after it in
//! the same transaction are reported as not run. The trials never run outside a transaction and
//! never COMMIT.

use std::time::Duration;

use tokio_postgres::Client;

use super::Check;
use super::assumerole::{assumerole, public_default};
use super::session::{Scratch, Session, grant, held, said};
use crate::connect::Notices;
use crate::model::{Grantee, ModelName, Object, Privilege, State};
use crate::plan::{Change, Merged};
use crate::render;

/// Every trial, in the order they run, with what its failure means for sync.
pub const TRIALS: &[(&str, &str)] = &[
    (
        "apply_preamble",
        "apply begins every run with these statements (the pending migrations of its audit schema, then the lock on its log bounded by statement_timeout): on this cluster they fail, and no apply can start",
    ),
    (
        "create_group",
        "apply creates declared groups with CREATE GROUP inside its transaction: that fails here",
    ),
    (
        "alter_group_add_user",
        "apply syncs members with ALTER GROUP ... ADD USER and reads them back from pg_group: that does not work here",
    ),
    (
        "alter_group_drop_user",
        "apply drops members with ALTER GROUP ... DROP USER and reads them back from pg_group: that does not work here",
    ),
    (
        "create_model_group",
        "mlgrant grants CREATE MODEL to groups and reads it back from svv_language_privileges (language mlfunc): that does not work here, so it would grant it again forever or not at all",
    ),
    (
        "create_model_user",
        "mlgrant grants CREATE MODEL to users and reads it back (svv_language_privileges, svv_system_privileges): that does not work here",
    ),
    (
        "create_model_role",
        "mlgrant grants CREATE MODEL to roles and reads it back (svv_language_privileges, svv_system_privileges): that does not work here",
    ),
    (
        "schema_create_usage",
        "mlgrant grants CREATE and USAGE on schemas, to a list of grantees in one statement, and reads them back from svv_schema_privileges: that does not work here",
    ),
    (
        "show_model",
        "mlgrant confirms the exact name of a model that holds no grant yet with SHOW MODEL schema.model, outside any transaction, before it grants on it (svv_ml_model_info pads names): here SHOW MODEL does not find a model the catalog shows, or finds one that does not exist, so new models would be held back or a name ending in blanks would roll back every apply",
    ),
    (
        "execute_on_model",
        "mlgrant grants EXECUTE ON MODEL and reads it back from svv_ml_model_privileges: that does not work here",
    ),
    (
        "regrant",
        "a GRANT of what is already held raised a warning: apply treats a warning as failure, so an apply racing a hand-made grant would roll back",
    ),
    (
        "revoke",
        "mlgrant revokes CREATE MODEL, schema privileges and EXECUTE inside its transaction and reads them back as gone: that does not work here",
    ),
    (
        "revoke_not_held",
        "a REVOKE of what is not held failed or warned: an apply that revokes what a concurrent change already took away would roll back",
    ),
    (
        "assumerole_default",
        "mlgrant grants ASSUMEROLE ON default ... FOR CREATE MODEL inside its transaction and reads it back from svv_iam_privileges: that does not work here (Redshift refuses GRANT on external resources in a transaction block; if ASSUMEROLE counts, apply cannot grant iam_roles)",
    ),
    (
        "assumerole_arn",
        "mlgrant grants ASSUMEROLE on a role ARN inside its transaction and reads it back: that does not work here",
    ),
    (
        "assumerole_two_arns",
        "mlgrant merges ASSUMEROLE on several ARNs into one statement (ON 'arn1', 'arn2') and means two grants: here it does not read back as two grants, so merged statements must not be used on this cluster",
    ),
    (
        "revoke_assumerole",
        "mlgrant revokes ASSUMEROLE inside its transaction and reads it back as gone: that does not work here",
    ),
    (
        "public_assumerole",
        "PUBLIC still holds the new-cluster default (every user may assume every IAM role) but svv_iam_privileges shows it in no shape mlgrant recognises, so [policy] revoke_public_assumerole would never plan its revoke",
    ),
];

/// What a failed trial means for sync.
pub fn meaning(name: &str) -> &'static str {
    TRIALS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("this behaviour is unproven on this cluster", |(_, m)| m)
}

/// The preamble: apply's own statements after BEGIN (the pending migrations first), in a
/// transaction of their own.
async fn preamble(client: &Client, notices: Option<&Notices>) -> Vec<Check> {
    let name = "apply_preamble";
    let migrations = match crate::audit::pending(client, None).await {
        Ok(m) => m,
        Err(e) => {
            return vec![Check::skipped(
                name,
                format!("not run: the audit schema check failed first ({e})"),
                meaning(name),
            )];
        }
    };
    let mut s = Session::begin(client, notices).await;
    let mut statements = migrations.clone();
    statements.extend(crate::apply::preamble(Duration::from_secs(60)));
    let sql: String = statements.iter().map(|s| format!("{s};\n")).collect();
    if let Some(words) = s.run(name, &sql).await {
        s.judge(
            name,
            true,
            format!(
                "{}{} ran inside BEGIN; {}",
                if migrations.is_empty() {
                    String::new()
                } else {
                    format!("{} pending migration(s), then ", migrations.len())
                },
                crate::apply::preamble(Duration::from_secs(60)).join("; "),
                said(&words)
            ),
        );
    }
    s.end().await
}

/// Groups, CREATE MODEL, schema privileges, EXECUTE ON MODEL, re-grants and revokes, in one
/// transaction.
async fn privileges(
    client: &Client,
    notices: Option<&Notices>,
    scratch: &Scratch,
    model: Option<&ModelName>,
) -> Vec<Check> {
    let mut s = Session::begin(client, notices).await;
    let group = Grantee::Group(scratch.group.clone());
    let user = Grantee::User(scratch.user.clone());
    let role = Grantee::Role(scratch.role.clone());
    let create = render::statement(&Change::CreateGroup {
        group: scratch.group.clone(),
    });
    if s.run("create_group", &scratch.setup()).await.is_some()
        && let Some(words) = s.run("create_group", &create).await
    {
        s.judge(
            "create_group",
            true,
            format!("{create} ran inside BEGIN; {}", said(&words)),
        );
    }
    let members = |add: bool| {
        render::statement(&if add {
            Change::AddMember {
                group: scratch.group.clone(),
                user: scratch.user.clone(),
            }
        } else {
            Change::DropMember {
                group: scratch.group.clone(),
                user: scratch.user.clone(),
            }
        })
    };
    let is_member = |state: &State| {
        state
            .groups
            .get(&scratch.group)
            .and_then(|g| g.members.as_ref())
            .is_some_and(|m| m.contains_key(&scratch.user))
    };
    for (name, add) in [
        ("alter_group_add_user", true),
        ("alter_group_drop_user", false),
    ] {
        let sql = members(add);
        if s.run(name, &sql).await.is_some()
            && let Some(state) = s.read(name).await
        {
            let reads = is_member(&state) == add;
            s.judge(
                name,
                reads,
                format!(
                    "{sql} ran; pg_group {} the member",
                    match (add, reads) {
                        (true, true) | (false, false) => "shows",
                        _ => "does not show",
                    }
                ),
            );
        }
    }
    let create_model = |on: bool, who: &Grantee| {
        render::statement(&grant(
            on,
            vec![Privilege::CreateModel],
            Object::Database,
            who.clone(),
        ))
    };
    for (name, who) in [
        ("create_model_group", &group),
        ("create_model_user", &user),
        ("create_model_role", &role),
    ] {
        let sql = create_model(true, who);
        if s.run(name, &sql).await.is_some()
            && let Some(state) = s.read(name).await
        {
            let reads = held(&state, &Object::Database, Privilege::CreateModel, who);
            s.judge(
                name,
                reads,
                format!(
                    "{sql} ran inside the transaction; {}",
                    if reads {
                        "it reads back as CREATE MODEL (USAGE on language mlfunc, or the system privilege)"
                    } else {
                        "it does not read back: neither svv_language_privileges (language mlfunc) nor svv_system_privileges shows it"
                    }
                ),
            );
        }
    }
    let schema = Object::Schema(scratch.schema.clone());
    let schema_sql = |on: bool| {
        render::merged(&Merged::Privileges {
            grant: on,
            privileges: vec![Privilege::Create, Privilege::Usage],
            objects: vec![schema.clone()],
            grantees: vec![group.clone(), user.clone(), role.clone()],
        })
    };
    let everyone = [&group, &user, &role];
    let on_schema = |state: &State| {
        everyone.iter().all(|g| {
            held(state, &schema, Privilege::Create, g) && held(state, &schema, Privilege::Usage, g)
        })
    };
    let sql = schema_sql(true);
    if s.run("schema_create_usage", &sql).await.is_some()
        && let Some(state) = s.read("schema_create_usage").await
    {
        let reads = on_schema(&state);
        s.judge(
            "schema_create_usage",
            reads,
            format!(
                "{sql} ran; svv_schema_privileges {} CREATE and USAGE for each of the three",
                if reads { "shows" } else { "does not show" }
            ),
        );
    }
    let execute = |on: bool, m: &ModelName| {
        render::statement(&grant(
            on,
            vec![Privilege::Execute],
            Object::Model(m.clone()),
            group.clone(),
        ))
    };
    match model {
        None => s.checks.push(Check::skipped_pass(
            "execute_on_model",
            "not run: this login sees no model that is ready on this cluster, so GRANT EXECUTE ON MODEL could not be tried (run doctor again once a model exists)",
        )),
        Some(m) => {
            let sql = execute(true, m);
            if s.run("execute_on_model", &sql).await.is_some()
                && let Some(state) = s.read("execute_on_model").await
            {
                let reads = held(&state, &Object::Model(m.clone()), Privilege::Execute, &group);
                s.judge(
                    "execute_on_model",
                    reads,
                    format!(
                        "{sql} ran; svv_ml_model_privileges {}",
                        if reads { "shows it" } else { "does not show it" }
                    ),
                );
            }
        }
    }
    // A re-grant of what is held: what the server says (a warning would abort an apply).
    if let Some(words) = s.run("regrant", &create_model(true, &group)).await {
        let warned = words.iter().any(|w| w.starts_with("WARNING"));
        s.judge(
            "regrant",
            !warned,
            format!("{} again: {}", create_model(true, &group), said(&words)),
        );
    }
    // Every revoke, then read back as gone.
    let mut revokes = vec![
        create_model(false, &group),
        create_model(false, &user),
        create_model(false, &role),
        schema_sql(false),
    ];
    if let Some(m) = model {
        revokes.push(execute(false, m));
    }
    let sql = revokes.join("\n");
    if s.run("revoke", &sql).await.is_some()
        && let Some(state) = s.read("revoke").await
    {
        let gone = everyone
            .iter()
            .all(|g| !held(&state, &Object::Database, Privilege::CreateModel, g))
            && everyone.iter().all(|g| {
                !held(&state, &schema, Privilege::Create, g)
                    && !held(&state, &schema, Privilege::Usage, g)
            })
            && model.is_none_or(|m| {
                !held(
                    &state,
                    &Object::Model(m.clone()),
                    Privilege::Execute,
                    &group,
                )
            });
        s.judge(
            "revoke",
            gone,
            format!(
                "{} REVOKE statements ran; {}",
                revokes.len(),
                if gone {
                    "none of the privileges reads back"
                } else {
                    "some still read back"
                }
            ),
        );
    }
    if let Some(words) = s.run("revoke_not_held", &revokes.join("\n")).await {
        let warned = words.iter().any(|w| w.starts_with("WARNING"));
        s.judge(
            "revoke_not_held",
            !warned,
            format!(
                "the same REVOKEs again, of what is no longer held: {}",
                said(&words)
            ),
        );
    }
    s.end().await
}

/// SHOW MODEL, as `catalog::confirm` sends it (read-only, outside any transaction): a model the
/// catalog shows is found, and the same name with a trailing blank is not.
async fn show_model(client: &Client, model: Option<&ModelName>) -> Check {
    let name = "show_model";
    let Some(m) = model else {
        return Check::skipped_pass(
            name,
            "not run: the cluster has no ready model this login sees; run doctor again once one exists",
        );
    };
    let missing = ModelName {
        schema: m.schema.clone(),
        model: crate::model::Name::from_catalog(&format!("{} ", m.model.as_str())),
    };
    let asked = [m.clone(), missing.clone()];
    match crate::catalog::confirm::ask(client, &asked, Some(Duration::from_secs(60))).await {
        Err(e) => Check::fail(name, format!("SHOW MODEL failed: {e}"), meaning(name)),
        Ok(answers) => {
            let found = |n: &ModelName| answers.iter().any(|(a, why)| a == n && why.is_none());
            let detail = format!(
                "SHOW MODEL {} {}; SHOW MODEL {} {}",
                m.key(),
                if found(m) {
                    "found it"
                } else {
                    "did not find it"
                },
                missing.key(),
                if found(&missing) {
                    "found a model that does not exist"
                } else {
                    "found none, as it must"
                }
            );
            if found(m) && !found(&missing) {
                Check::pass(name, detail)
            } else {
                Check::fail(name, detail, meaning(name))
            }
        }
    }
}

/// Every trial, in order.
pub async fn run(client: &Client, notices: Option<&Notices>, state: &State) -> Vec<Check> {
    let scratch = Scratch::new();
    let model = state.models.keys().find(|m| {
        state
            .cluster
            .as_ref()
            .is_some_and(|i| !i.not_ready.contains_key(*m) && !i.ambiguous.contains(*m))
    });
    let mut checks = preamble(client, notices).await;
    checks.push(show_model(client, model).await);
    checks.extend(privileges(client, notices, &scratch, model).await);
    checks.extend(assumerole(client, notices, &scratch).await);
    checks.extend(public_default(client, notices, &scratch).await);
    // Every trial reports once: the first word on it stands.
    let mut seen = std::collections::HashSet::new();
    checks.retain(|c| seen.insert(c.name));
    checks
}

/// Every trial, as not run, for a login that may not run them.
pub fn skipped_all(why: &str) -> Vec<Check> {
    TRIALS
        .iter()
        .map(|(name, m)| Check::skipped(name, format!("not run: {why}"), *m))
        .collect()
}
