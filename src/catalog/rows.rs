//! The row readers: each query of the catalog (its `.sql` file, embedded here) and how its rows
//! become part of the [`State`]. Values are text, read byte for byte: only the char(128)
//! columns of svv_ml_model_info are padded, and `inventory` strips that padding.

use std::collections::{BTreeMap, BTreeSet};

use super::inventory;
use super::{CatalogError, Row, Rows};
use crate::model::{
    Grant, GrantSet, Grantee, GroupState, IamCommand, Inventory, ModelName, Name, Origins, State,
};

/// One query of the catalog: its name (the key of its rows in a fixture), its SQL, and how many
/// columns each of its rows has.
#[derive(Clone, Copy, Debug)]
pub struct Query {
    pub name: &'static str,
    pub sql: &'static str,
    pub columns: usize,
}

macro_rules! query {
    ($name:literal, $columns:literal) => {
        Query {
            name: $name,
            sql: include_str!(concat!($name, ".sql")),
            columns: $columns,
        }
    };
}

/// The queries, in the order they are sent. pg_* catalog tables and svv_* views are never mixed
/// in one query (leader-node-only catalog queries fail when joined with the views).
pub const QUERIES: &[Query] = &[
    query!("whoami", 2),
    query!("users", 3),
    query!("groups", 2),
    query!("schemas", 2),
    query!("roles", 1),
    query!("user_roles", 2),
    query!("models", 4),
    query!("model_privileges", 5),
    query!("schema_privileges", 5),
    query!("language_privileges", 3),
    query!("system_privileges", 3),
    query!("iam_privileges", 4),
    query!("settings", 1),
    query!("role_grants", 2),
];

/// mlgrant's own ledger, read after [`QUERIES`] where it may be read ([`super::read`]): the
/// grants of it that stand, not its history.
pub const LEDGER: Query = Query {
    name: "ledger",
    sql: include_str!("ledger_standing.sql"),
    columns: 10,
};

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// A name from a text or `name` column: exact.
fn name(v: &Option<String>) -> Name {
    Name::from_catalog(text(v))
}

fn truthy(v: &Option<String>) -> bool {
    matches!(text(v), "t" | "true" | "1")
}

/// Whether a name from the catalog holds a control, bidirectional or zero-width character.
/// Redshift's identifiers are printable (DG r_names), so no statement could name it safely (a
/// line break forges a line of SQL or a CI log command, a bidi override makes it read as
/// another name): the identity, schema or model is held back, with a warning.
fn hidden(v: &Option<String>) -> bool {
    text(v).chars().any(crate::text::is_hidden)
}

fn grantee(name_col: &Option<String>, type_col: &Option<String>) -> Option<Grantee> {
    if hidden(name_col) {
        return None;
    }
    let n = name(name_col);
    match text(type_col).trim_end() {
        "user" => Some(Grantee::User(n)),
        "group" => Some(Grantee::Group(n)),
        "role" => Some(Grantee::Role(n)),
        "public" => Some(Grantee::Public),
        _ => None,
    }
}

/// The rows of one query, each checked for its width.
fn rows<'a>(all: &'a Rows, query: &str) -> Result<&'a [Row], CatalogError> {
    let q = QUERIES
        .iter()
        .chain(std::iter::once(&LEDGER))
        .find(|q| q.name == query)
        .ok_or_else(|| CatalogError::UnknownQuery(query.to_owned()))?;
    let rows = all.get(query).map_or(&[][..], Vec::as_slice);
    if let Some(bad) = rows.iter().find(|r| r.len() != q.columns) {
        return Err(CatalogError::Width {
            query: query.to_owned(),
            expected: q.columns,
            found: bad.len(),
        });
    }
    Ok(rows)
}

/// The IAM role of an svv_iam_privileges row, in the shapes AWS documents: a role ARN, the
/// default role (`default-aws-iam-role`, written `default` in SQL), or `ALL`. `None` for any
/// other shape, which is then never revoked.
fn iam_role(arn: &str) -> Option<String> {
    match arn {
        "default-aws-iam-role" => Some("default".to_owned()),
        "ALL" => Some("ALL".to_owned()),
        arn if crate::config::parse_role_arn(arn).is_ok() => Some(arn.to_owned()),
        _ => None,
    }
}

/// Builds the state from the rows of every query.
pub(super) fn state(all: &Rows) -> Result<State, CatalogError> {
    if let Some(unknown) = all
        .keys()
        .find(|k| *k != LEDGER.name && !QUERIES.iter().any(|q| q.name == *k))
    {
        return Err(CatalogError::UnknownQuery(unknown.clone()));
    }
    let mut inv = Inventory::default();
    let mut s = State::default();
    if let Some(row) = rows(all, "whoami")?.first() {
        inv.current_user = text(&row[0]).to_owned();
        inv.superuser = truthy(&row[1]);
    }
    let mut ids = BTreeMap::new();
    // Identities and schemas whose names no statement may hold (see `hidden`).
    let mut unsafe_names: Vec<(&str, String)> = Vec::new();
    for row in rows(all, "users")? {
        if hidden(&row[0]) {
            unsafe_names.push(("user", text(&row[0]).to_owned()));
            continue;
        }
        let n = name(&row[0]);
        ids.insert(text(&row[1]).to_owned(), n.clone());
        inv.users.insert(n, truthy(&row[2]));
    }
    for row in rows(all, "groups")? {
        if hidden(&row[0]) {
            unsafe_names.push(("group", text(&row[0]).to_owned()));
            continue;
        }
        let members = text(&row[1])
            .trim_matches(|ch| ch == '{' || ch == '}')
            .split(',')
            .filter_map(|id| ids.get(id.trim()).cloned())
            .map(|u| (u, Origins::new()))
            .collect();
        let group = GroupState {
            members: Some(members),
            declared: None,
        };
        s.groups.insert(name(&row[0]), group);
    }
    for row in rows(all, "schemas")? {
        if hidden(&row[0]) {
            unsafe_names.push(("schema", text(&row[0]).to_owned()));
            continue;
        }
        let owner = row[1].as_ref().map(|_| name(&row[1]));
        s.schemas.insert(name(&row[0]), owner);
    }
    for r in rows(all, "roles")? {
        if hidden(&r[0]) {
            unsafe_names.push(("role", text(&r[0]).to_owned()));
        } else {
            inv.roles.insert(name(&r[0]));
        }
    }
    for kind_name in &unsafe_names {
        inv.name_warnings.push(format!(
            "{} {}: its name holds a control, bidirectional or zero-width character: no statement names it, so nothing of it is granted or revoked; rename it",
            kind_name.0,
            crate::text::escape_controls(&crate::model::quote_ident(&kind_name.1))
        ));
    }
    for r in rows(all, "user_roles")? {
        if hidden(&r[0]) || hidden(&r[1]) {
            continue;
        }
        inv.user_roles
            .entry(name(&r[0]))
            .or_default()
            .insert(name(&r[1]));
    }
    for r in rows(all, "role_grants")? {
        if hidden(&r[0]) || hidden(&r[1]) {
            continue;
        }
        inv.role_roles
            .entry(name(&r[0]))
            .or_default()
            .insert(name(&r[1]));
    }
    let my_roles: BTreeSet<Name> = inv
        .user_roles
        .get(&Name::from_catalog(&inv.current_user))
        .cloned()
        .unwrap_or_default();
    let model_privileges = rows(all, "model_privileges")?;
    {
        let schemas: BTreeSet<&str> = s.schemas.keys().map(Name::as_str).collect();
        let users: BTreeSet<&str> = inv.users.keys().map(Name::as_str).collect();
        let privileged = model_privileges.iter().map(|r| (text(&r[0]), text(&r[1])));
        let models = inventory::models(
            rows(all, "models")?,
            privileged,
            &schemas,
            &users,
            inv.superuser,
        );
        s.models = models.owners;
        inv.not_ready = models.not_ready;
        inv.ambiguous = models.ambiguous;
        inv.unconfirmed = models.unconfirmed.into_iter().map(|m| (m, None)).collect();
        // After the warnings of users, groups, schemas and roles, not in their place.
        inv.name_warnings.extend(models.notes);
    }
    inv.granted_by_mlgrant = crate::ledger::read(rows(all, "ledger")?);
    let rows_of_grants: usize = [
        "model_privileges",
        "schema_privileges",
        "language_privileges",
        "system_privileges",
        "iam_privileges",
    ]
    .iter()
    .map(|q| all.get(*q).map_or(0, Vec::len))
    .sum();
    // Listed as the rows come, made a set (sorted, each grant once) at the end.
    let mut grants = Vec::with_capacity(rows_of_grants);
    let mut hold = |g: Grant| {
        grants.push((g, Origins::new()));
    };
    for row in model_privileges {
        if text(&row[2]) != "EXECUTE" {
            continue;
        }
        if let Some(g) = grantee(&row[3], &row[4]) {
            let m = ModelName {
                schema: name(&row[0]),
                model: name(&row[1]),
            };
            hold(Grant::execute(m, g));
        }
    }
    for row in rows(all, "schema_privileges")? {
        if hidden(&row[0]) {
            continue;
        }
        // Scoped permissions (TABLES, FUNCTIONS) are not schema privileges.
        if !matches!(text(&row[4]), "" | "SCHEMA") {
            continue;
        }
        let Some(g) = grantee(&row[2], &row[3]) else {
            continue;
        };
        match text(&row[1]) {
            "CREATE" => hold(Grant::schema_create(name(&row[0]), g)),
            "USAGE" => hold(Grant::schema_usage(name(&row[0]), g)),
            _ => {}
        }
    }
    for row in rows(all, "language_privileges")? {
        if text(&row[0]) == "USAGE"
            && let Some(g) = grantee(&row[1], &row[2])
        {
            hold(Grant::create_model(g));
        }
    }
    let mut access_system_table = false;
    for row in rows(all, "system_privileges")? {
        let Some(g) = grantee(&row[1], &row[2]) else {
            continue;
        };
        match text(&row[0]) {
            "CREATE MODEL" => hold(Grant::create_model(g)),
            "ACCESS SYSTEM TABLE" => {
                access_system_table |= match &g {
                    Grantee::User(u) => u.as_str() == inv.current_user,
                    Grantee::Role(r) => my_roles.contains(r),
                    Grantee::Public => true,
                    Grantee::Group(_) => false,
                };
            }
            _ => {}
        }
    }
    let mut unrecognised = BTreeSet::new();
    for row in rows(all, "iam_privileges")? {
        // An ARN holds no blanks: trailing ones can only be padding.
        let (arn, command) = (text(&row[0]).trim_end(), text(&row[1]).trim_end());
        match (
            iam_role(arn),
            IamCommand::parse(command),
            grantee(&row[2], &row[3]),
        ) {
            (Some(role), Some(command), Some(g)) => hold(Grant::assume_role(&role, command, g)),
            _ => {
                unrecognised.insert(format!(
                    "{} FOR {} held by {} {}",
                    arn,
                    command,
                    text(&row[3]),
                    text(&row[2])
                ));
            }
        }
    }
    for row in &unrecognised {
        s.notes.push(format!(
            "an ASSUMEROLE row of a shape mlgrant does not recognise is left alone: {row}"
        ));
    }
    inv.unrecognised_iam = unrecognised.into_iter().collect();
    if let Some(row) = rows(all, "settings")?.first() {
        inv.case_sensitive = matches!(text(&row[0]).trim(), "on" | "true" | "1");
    }
    inv.sees_all = inv.superuser || access_system_table;
    inv.sees_all_models = inv.superuser;
    s.grants = GrantSet::from_unsorted(grants);
    s.cluster = Some(inv);
    Ok(s)
}
