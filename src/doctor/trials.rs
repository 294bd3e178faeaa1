//! doctor's trials: every kind of statement mlgrant sends, run on the cluster with the renderer's
//! own SQL (and apply's own preamble) inside transactions that are always rolled back, each change
//! read back with the catalog reader apply uses, inside the same transaction.
//!
//! Scratch objects (a group, a user, a role, a schema) are created inside those transactions, so
//! they vanish with the ROLLBACK. A trial that fails ends its transaction: the trials after it in
//! the same transaction are reported as not run. The trials never run outside a transaction and
//! never COMMIT.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio_postgres::Client;

use super::Check;
use crate::catalog;
use crate::connect::Notices;
use crate::model::{
    Grant, Grantee, IamCommand, ModelName, Name, Object, Privilege, State, quote_ident,
    quote_literal,
};
use crate::plan::{Change, Merged};
use crate::render;
use crate::server::WireError;

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

/// The role ARNs the ASSUMEROLE trials name: well-formed, in an account that does not exist, so
/// that no real role is ever touched (the grants are rolled back in any case).
const TRIAL_ARNS: [&str; 3] = [
    "arn:aws:iam::000000000000:role/mlgrant-doctor-trial-1",
    "arn:aws:iam::000000000000:role/mlgrant-doctor-trial-2",
    "arn:aws:iam::000000000000:role/mlgrant-doctor-trial-3",
];

fn error_text(e: &tokio_postgres::Error) -> String {
    match WireError::from(e) {
        WireError::Server(s) => format!("SQLSTATE {}: {}", s.sqlstate, s.message),
        WireError::Connection(c) => c,
    }
}

/// Scratch names, unique to this run.
struct Scratch {
    group: Name,
    user: Name,
    role: Name,
    schema: Name,
}

impl Scratch {
    fn new() -> Scratch {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tag = format!("{}_{nanos}", std::process::id());
        let n = |kind: &str| Name::from_catalog(&format!("mlgrant_doctor_{kind}_{tag}"));
        Scratch {
            group: n("g"),
            user: n("u"),
            role: n("r"),
            schema: n("s"),
        }
    }

    /// doctor's own statements that make the scratch objects (mlgrant never creates users,
    /// roles or schemas, so the renderer has no such statements): names through the one
    /// quoting function.
    fn setup(&self) -> String {
        format!(
            "CREATE USER {} PASSWORD DISABLE; CREATE ROLE {}; CREATE SCHEMA {}",
            quote_ident(self.user.as_str()),
            quote_ident(self.role.as_str()),
            quote_ident(self.schema.as_str())
        )
    }
}

fn grant(grant: bool, privileges: Vec<Privilege>, object: Object, grantee: Grantee) -> Change {
    if grant {
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
    }
}

fn held(state: &State, object: &Object, privilege: Privilege, grantee: &Grantee) -> bool {
    state.grants.contains_key(&Grant {
        object: object.clone(),
        privilege,
        grantee: grantee.clone(),
    })
}

/// One transaction of trials.
struct Session<'a> {
    client: &'a Client,
    notices: Option<&'a Notices>,
    checks: Vec<Check>,
    /// The trial that ended this transaction, if one did.
    broken: Option<String>,
}

impl<'a> Session<'a> {
    async fn begin(client: &'a Client, notices: Option<&'a Notices>) -> Session<'a> {
        let mut s = Session {
            client,
            notices,
            checks: Vec::new(),
            broken: None,
        };
        if let Err(e) = s.client.batch_execute("BEGIN").await {
            s.broken = Some(format!("BEGIN ({})", error_text(&e)));
        }
        s
    }

    /// Runs `sql`; hands back what the server said (notices and warnings).
    async fn send(&mut self, sql: &str) -> Result<Vec<String>, String> {
        while self.notices.is_some_and(|n| n.try_recv().is_ok()) {}
        self.client
            .batch_execute(sql)
            .await
            .map_err(|e| error_text(&e))?;
        Ok(self
            .notices
            .map(|n| n.try_iter().map(|n| n.to_string()).collect())
            .unwrap_or_default())
    }

    fn ok(&self) -> bool {
        self.broken.is_none()
    }

    fn not_run(&mut self, name: &'static str) {
        let why = self.broken.clone().unwrap_or_default();
        self.checks.push(Check::skipped(
            name,
            format!("not run: {why} failed first, in the same transaction"),
            meaning(name),
        ));
    }

    /// Runs `sql` as the trial `name` (or as setup for it); on failure, records it and ends
    /// the transaction's trials.
    async fn run(&mut self, name: &'static str, sql: &str) -> Option<Vec<String>> {
        if !self.ok() {
            self.not_run(name);
            return None;
        }
        match self.send(sql).await {
            Ok(said) => Some(said),
            Err(e) => {
                self.checks.push(Check::fail(
                    name,
                    format!("{e}\n  in: {}", crate::text::escape_controls(sql)),
                    meaning(name),
                ));
                self.broken = Some(name.to_owned());
                None
            }
        }
    }

    /// The catalog, read as apply reads it, inside this transaction.
    async fn read(&mut self, name: &'static str) -> Option<State> {
        if !self.ok() {
            self.not_run(name);
            return None;
        }
        match catalog::read(self.client, "", 0).await {
            Ok(state) => Some(state),
            Err(e) => {
                self.checks
                    .push(Check::fail(name, format!("reading back: {e}"), meaning(name)));
                self.broken = Some(name.to_owned());
                None
            }
        }
    }

    fn judge(&mut self, name: &'static str, passed: bool, detail: String) {
        self.checks.push(if passed {
            Check::pass(name, detail)
        } else {
            Check::fail(name, detail, meaning(name))
        });
    }

    async fn end(mut self) -> Vec<Check> {
        let _ = self.client.batch_execute("ROLLBACK").await;
        std::mem::take(&mut self.checks)
    }
}

fn said(words: &[String]) -> String {
    if words.is_empty() {
        "the server said nothing".to_owned()
    } else {
        format!("the server said: {}", words.join("; "))
    }
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
        s.judge("create_group", true, format!("{create} ran inside BEGIN; {}", said(&words)));
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
    for (name, add) in [("alter_group_add_user", true), ("alter_group_drop_user", false)] {
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
        render::statement(&grant(on, vec![Privilege::CreateModel], Object::Database, who.clone()))
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
        render::statement(&grant(on, vec![Privilege::Execute], Object::Model(m.clone()), group.clone()))
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
        s.judge("regrant", !warned, format!("{} again: {}", create_model(true, &group), said(&words)));
    }
    // Every revoke, then read back as gone.
    let mut revokes = vec![create_model(false, &group), create_model(false, &user), create_model(false, &role), schema_sql(false)];
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
                !held(&state, &schema, Privilege::Create, g) && !held(&state, &schema, Privilege::Usage, g)
            })
            && model.is_none_or(|m| !held(&state, &Object::Model(m.clone()), Privilege::Execute, &group));
        s.judge(
            "revoke",
            gone,
            format!(
                "{} REVOKE statements ran; {}",
                revokes.len(),
                if gone { "none of the privileges reads back" } else { "some still read back" }
            ),
        );
    }
    if let Some(words) = s.run("revoke_not_held", &revokes.join("\n")).await {
        let warned = words.iter().any(|w| w.starts_with("WARNING"));
        s.judge(
            "revoke_not_held",
            !warned,
            format!("the same REVOKEs again, of what is no longer held: {}", said(&words)),
        );
    }
    s.end().await
}

/// ASSUMEROLE for CREATE MODEL: on default, on an ARN, on two ARNs in one statement, and the
/// revokes, in one transaction of their own.
async fn assumerole(client: &Client, notices: Option<&Notices>, scratch: &Scratch) -> Vec<Check> {
    let mut s = Session::begin(client, notices).await;
    let group = Grantee::Group(scratch.group.clone());
    let create = render::statement(&Change::CreateGroup {
        group: scratch.group.clone(),
    });
    let role = |arn: &str| Object::IamRole(arn.to_owned());
    let statement = |on: bool, objects: Vec<Object>| {
        render::merged(&Merged::Privileges {
            grant: on,
            privileges: vec![Privilege::AssumeRole(IamCommand::CreateModel)],
            objects,
            grantees: vec![group.clone()],
        })
    };
    let holds = |state: &State, arn: &str| {
        held(state, &role(arn), Privilege::AssumeRole(IamCommand::CreateModel), &group)
    };
    s.run("assumerole_default", &create).await;
    for (name, objects) in [
        ("assumerole_default", vec![role("default")]),
        ("assumerole_arn", vec![role(TRIAL_ARNS[0])]),
    ] {
        let sql = statement(true, objects.clone());
        if s.run(name, &sql).await.is_some()
            && let Some(state) = s.read(name).await
        {
            let arn = match &objects[0] {
                Object::IamRole(a) => a.clone(),
                _ => String::new(),
            };
            let reads = holds(&state, &arn);
            s.judge(
                name,
                reads,
                format!(
                    "{sql} ran inside the transaction; svv_iam_privileges {}",
                    if reads { "shows it" } else { "does not show it" }
                ),
            );
        }
    }
    let two = vec![role(TRIAL_ARNS[1]), role(TRIAL_ARNS[2])];
    let sql = statement(true, two);
    if s.run("assumerole_two_arns", &sql).await.is_some()
        && let Some(state) = s.read("assumerole_two_arns").await
    {
        let both = holds(&state, TRIAL_ARNS[1]) && holds(&state, TRIAL_ARNS[2]);
        let chain = format!("{},{}", TRIAL_ARNS[1], TRIAL_ARNS[2]);
        let as_chain = state
            .cluster
            .as_ref()
            .is_some_and(|i| i.unrecognised_iam.iter().any(|r| r.contains(&chain)));
        s.judge(
            "assumerole_two_arns",
            both,
            format!(
                "{sql} ran; it reads back as {}",
                if both {
                    "two grants, one per role, as mlgrant means it"
                } else if as_chain {
                    "one role chain (the two ARNs in one row)"
                } else {
                    "neither two grants nor a chain mlgrant can see"
                }
            ),
        );
    }
    let all = vec![role("default"), role(TRIAL_ARNS[0])];
    let revokes = [
        statement(false, vec![all[0].clone()]),
        statement(false, vec![all[1].clone()]),
        statement(false, vec![role(TRIAL_ARNS[1]), role(TRIAL_ARNS[2])]),
    ]
    .join("\n");
    if s.run("revoke_assumerole", &revokes).await.is_some()
        && let Some(state) = s.read("revoke_assumerole").await
    {
        let gone = ["default", TRIAL_ARNS[0], TRIAL_ARNS[1], TRIAL_ARNS[2]]
            .iter()
            .all(|a| !holds(&state, a));
        s.judge(
            "revoke_assumerole",
            gone,
            format!(
                "the REVOKE ASSUMEROLE statements ran; {}",
                if gone { "no grant reads back" } else { "some still read back" }
            ),
        );
    }
    s.end().await
}

/// Whether PUBLIC still holds the new-cluster default, asked of has_assumerole_privilege for a
/// scratch user that holds nothing (DG r_HAS_ASSUMEROLE_PRIVILEGE), and whether the catalog
/// reader sees the grant that answers it.
async fn public_default(client: &Client, notices: Option<&Notices>, scratch: &Scratch) -> Vec<Check> {
    let name = "public_assumerole";
    let mut s = Session::begin(client, notices).await;
    s.run(
        name,
        &format!("CREATE USER {} PASSWORD DISABLE", quote_ident(scratch.user.as_str())),
    )
    .await;
    if !s.ok() {
        return s.end().await;
    }
    let sql = format!(
        "SELECT has_assumerole_privilege({}, 'default', 'create model')",
        quote_literal(scratch.user.as_str())
    );
    let answer = match client.simple_query(&sql).await {
        Ok(m) => catalog::result_sets(m)
            .pop()
            .and_then(|rows| rows.into_iter().next())
            .and_then(|row| row.into_iter().next().flatten()),
        Err(e) => {
            s.checks.push(Check::fail(name, format!("{}\n  in: {sql}", error_text(&e)), meaning(name)));
            return s.end().await;
        }
    };
    let Some(state) = s.read(name).await else {
        return s.end().await;
    };
    let public = Grantee::Public;
    let seen = ["ALL", "default"].iter().any(|arn| {
        held(
            &state,
            &Object::IamRole((*arn).to_owned()),
            Privilege::AssumeRole(IamCommand::CreateModel),
            &public,
        )
    });
    match answer.as_deref() {
        Some("t" | "true") => s.judge(
            name,
            seen,
            if seen {
                "PUBLIC still holds the new-cluster default (a user granted nothing may assume the default role for CREATE MODEL), and svv_iam_privileges shows it as a grant to PUBLIC".to_owned()
            } else {
                "PUBLIC still holds the new-cluster default (a user granted nothing may assume the default role for CREATE MODEL), but svv_iam_privileges shows no grant to PUBLIC that mlgrant recognises".to_owned()
            },
        ),
        Some("f" | "false") => s.judge(
            name,
            true,
            "PUBLIC's new-cluster default is revoked: a user granted nothing may not assume the default role".to_owned(),
        ),
        other => s.judge(
            name,
            false,
            format!("has_assumerole_privilege answered {other:?}"),
        ),
    }
    s.end().await
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
