//! catalog: what the cluster says, as Grants plus an inventory. One round trip: every query of
//! `catalog.sql` goes in one simple-query message, and results come back as text (so Redshift
//! types that tokio-postgres cannot decode never matter); char(128) values are trimmed.
//!
//! The [`Catalog`] is plain data; planning against it is pure (see `diff::sync`).

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::{Client, SimpleQueryMessage};

use crate::compile::FastMap;
use crate::model::{Grant, Grantee, ModelName, Name, Object, Privilege};

type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

/// The queries, in the order their results are read.
pub const SQL: &str = include_str!("catalog.sql");

const SECTIONS: usize = 12;

/// What one cluster holds, as far as mlgrant cares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The connected user.
    pub current_user: String,
    pub superuser: bool,
    /// Whether the connected user sees every identity in the svv views (a superuser, or a holder
    /// of ACCESS SYSTEM TABLE). When false, nothing may be revoked.
    pub sees_all: bool,
    /// Users, with whether each is a superuser.
    pub users: BTreeMap<Name, bool>,
    /// Groups and their members.
    pub groups: BTreeMap<Name, BTreeSet<Name>>,
    pub roles: BTreeSet<Name>,
    /// Schemas and their owners.
    pub schemas: BTreeMap<Name, Option<Name>>,
    /// Models and their owners.
    pub models: BTreeMap<ModelName, Name>,
    /// Privileges of the managed kinds, as held.
    pub grants: BTreeSet<Grant>,
}

/// Why the catalog could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "this server has no Redshift catalog view {view} (SQLSTATE {sqlstate}): mlgrant reads svv_ml_model_privileges, svv_schema_privileges and their kin, which only Amazon Redshift has; is --url pointing at a Redshift cluster?"
    )]
    NotRedshift { view: String, sqlstate: String },
    #[error("reading the catalog failed (SQLSTATE {sqlstate}): {message}")]
    Server { sqlstate: String, message: String },
    #[error("reading the catalog failed: {0}")]
    Other(String),
    #[error("the catalog answered {found} result sets where {expected} were expected")]
    Shape { expected: usize, found: usize },
}

impl CatalogError {
    pub fn from_pg(e: &tokio_postgres::Error) -> CatalogError {
        match e.as_db_error() {
            Some(db) if db.code().code() == "42P01" || db.code().code() == "42883" => {
                let view = db.message().split('"').nth(1).unwrap_or("svv_*").to_owned();
                CatalogError::NotRedshift {
                    view,
                    sqlstate: db.code().code().to_owned(),
                }
            }
            Some(db) => CatalogError::Server {
                sqlstate: db.code().code().to_owned(),
                message: db.message().to_owned(),
            },
            None => CatalogError::Other(e.to_string()),
        }
    }
}

/// The result sets of one simple-query message, as rows of text.
pub type ResultSets = Vec<Vec<Vec<Option<String>>>>;

/// Splits simple-query messages into result sets (one per statement).
pub fn result_sets(messages: Vec<SimpleQueryMessage>) -> ResultSets {
    let mut sets = Vec::new();
    let mut current = Vec::new();
    for m in messages {
        match m {
            SimpleQueryMessage::Row(row) => {
                current.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                );
            }
            SimpleQueryMessage::CommandComplete(_) => sets.push(std::mem::take(&mut current)),
            _ => {}
        }
    }
    sets
}

/// Reads the catalog in one round trip. `prefix` runs first in the same message (BEGIN and
/// LOCK, under apply).
pub async fn read(client: &Client, prefix: &str) -> Result<Catalog, CatalogError> {
    let sql = format!("{prefix}{SQL}");
    let messages = client
        .simple_query(&sql)
        .await
        .map_err(|e| CatalogError::from_pg(&e))?;
    let mut sets = result_sets(messages);
    if sets.len() < SECTIONS {
        return Err(CatalogError::Shape {
            expected: SECTIONS,
            found: sets.len(),
        });
    }
    let sets = sets.split_off(sets.len() - SECTIONS);
    Ok(Catalog::from_result_sets(&sets))
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// A name as the catalog stores it: char(128) padding trimmed.
fn name(v: &Option<String>) -> Name {
    Name::from_catalog(text(v).trim_end_matches(' '))
}

fn truthy(v: &Option<String>) -> bool {
    matches!(text(v), "t" | "true" | "1")
}

fn grantee(name_col: &Option<String>, type_col: &Option<String>) -> Option<Grantee> {
    let n = name(name_col);
    match text(type_col).trim_end() {
        "user" => Some(Grantee::User(n)),
        "group" => Some(Grantee::Group(n)),
        "role" => Some(Grantee::Role(n)),
        "public" => Some(Grantee::Public),
        _ => None,
    }
}

impl Catalog {
    /// Builds the catalog from the result sets of `catalog.sql`, in order.
    pub fn from_result_sets(sets: &[Vec<Vec<Option<String>>>]) -> Catalog {
        let mut c = Catalog::default();
        let [
            whoami,
            users,
            groups,
            schemas,
            roles,
            user_roles,
            models,
            model_privileges,
            schema_privileges,
            language_privileges,
            system_privileges,
            iam_privileges,
        ] = sets
        else {
            return c;
        };
        if let Some(row) = whoami.first() {
            c.current_user = text(&row[0]).to_owned();
            c.superuser = truthy(&row[1]);
        }
        let mut ids = BTreeMap::new();
        for row in users {
            let n = name(&row[0]);
            ids.insert(text(&row[1]).to_owned(), n.clone());
            c.users.insert(n, truthy(&row[2]));
        }
        for row in groups {
            let members = text(&row[1])
                .trim_matches(|ch| ch == '{' || ch == '}')
                .split(',')
                .filter_map(|id| ids.get(id.trim()).cloned())
                .collect();
            c.groups.insert(name(&row[0]), members);
        }
        for row in schemas {
            let owner = row[1].as_ref().map(|_| name(&row[1]));
            c.schemas.insert(name(&row[0]), owner);
        }
        c.roles = roles.iter().map(|r| name(&r[0])).collect();
        let my_roles: BTreeSet<Name> = user_roles
            .iter()
            .filter(|r| text(&r[0]) == c.current_user)
            .map(|r| name(&r[1]))
            .collect();
        for row in models {
            let m = ModelName {
                schema: name(&row[0]),
                model: name(&row[1]),
            };
            c.models.insert(m, name(&row[2]));
        }
        for row in model_privileges {
            if text(&row[2]) != "EXECUTE" {
                continue;
            }
            if let Some(g) = grantee(&row[3], &row[4]) {
                let m = ModelName {
                    schema: name(&row[0]),
                    model: name(&row[1]),
                };
                // Share the inventory's names: equal grants then compare by pointer.
                let m = c.models.get_key_value(&m).map_or(m, |(k, _)| k.clone());
                c.grants.insert(Grant::execute(m, g));
            }
        }
        for row in schema_privileges {
            let Some(g) = grantee(&row[2], &row[3]) else {
                continue;
            };
            match text(&row[1]) {
                "CREATE" => c.grants.insert(Grant::schema_create(name(&row[0]), g)),
                "USAGE" => c.grants.insert(Grant::schema_usage(name(&row[0]), g)),
                _ => false,
            };
        }
        for row in language_privileges {
            if text(&row[0]) == "USAGE"
                && let Some(g) = grantee(&row[1], &row[2])
            {
                c.grants.insert(Grant::create_model(g));
            }
        }
        let mut access_system_table = false;
        for row in system_privileges {
            let Some(g) = grantee(&row[1], &row[2]) else {
                continue;
            };
            match text(&row[0]) {
                "CREATE MODEL" => {
                    c.grants.insert(Grant::create_model(g));
                }
                "ACCESS SYSTEM TABLE" => {
                    let mine = match &g {
                        Grantee::User(u) => u.as_str() == c.current_user,
                        Grantee::Role(r) => my_roles.contains(r),
                        Grantee::Public => true,
                        Grantee::Group(_) => false,
                    };
                    access_system_table |= mine;
                }
                _ => {}
            }
        }
        for row in iam_privileges {
            if let (Some(command), Some(g)) = (
                crate::model::IamCommand::parse(text(&row[1])),
                grantee(&row[2], &row[3]),
            ) {
                c.grants.insert(Grant::assume_role(
                    text(&row[0]).trim_end().to_owned(),
                    command,
                    g,
                ));
            }
        }
        c.sees_all = c.superuser || access_system_table;
        c
    }

    /// Whether `grantee` exists on the cluster (PUBLIC always does).
    pub fn has(&self, grantee: &Grantee) -> bool {
        match grantee {
            Grantee::User(u) => self.users.contains_key(u),
            Grantee::Group(g) => self.groups.contains_key(g),
            Grantee::Role(r) => self.roles.contains(r),
            Grantee::Public => true,
        }
    }

    /// What mlgrant never touches on this cluster, ready to be asked once per grant.
    pub fn exemptions(&self) -> Exemptions<'_> {
        Exemptions {
            superusers: self
                .users
                .iter()
                .filter(|(_, superuser)| **superuser)
                .map(|(u, _)| u)
                .collect(),
            schema_owners: self
                .schemas
                .iter()
                .filter_map(|(s, o)| o.as_ref().map(|o| (s, o)))
                .collect(),
            model_owners: self.models.iter().collect(),
        }
    }
}

/// Grants mlgrant never touches: those held by a superuser (whose rights no grant changes) and
/// an owner's own rights on its schema or model. Lookups are hashed: a large plan asks about
/// every grant of the cluster.
pub struct Exemptions<'a> {
    superusers: FastSet<&'a Name>,
    schema_owners: FastMap<&'a Name, &'a Name>,
    model_owners: FastMap<&'a ModelName, &'a Name>,
}

impl Exemptions<'_> {
    pub fn covers(&self, grant: &Grant) -> bool {
        let Grantee::User(user) = &grant.grantee else {
            return false;
        };
        if self.superusers.contains(user) {
            return true;
        }
        match (&grant.object, grant.privilege) {
            (Object::Schema(s), Privilege::Create | Privilege::Usage) => {
                self.schema_owners.get(s) == Some(&user)
            }
            (Object::Model(m), Privilege::Execute) => self.model_owners.get(m) == Some(&user),
            _ => false,
        }
    }
}
