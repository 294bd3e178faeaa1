//! Statements: the plan's steps merged into Redshift's list forms, so that one statement carries
//! many changes (DG r_GRANT and r_REVOKE: `ON MODEL m1, m2 [, ...]`, `ON SCHEMA s1, s2 [, ...]`,
//! `ON 'arn1', 'arn2' [, ...]`, `TO GROUP g1, ROLE r, u [, ...]`; DG r_ALTER_GROUP:
//! `ADD USER u1, u2 [, ...]`).
//!
//! A merged statement means every privilege it lists on every object it lists for every grantee
//! it lists, so steps are merged only where that product is exactly the steps merged: first the
//! grantees that get the same privileges on one object, then the objects (of one kind) that get
//! the same privileges for the same grantees. Lists are cut at [`MAX_LIST`] items, far below
//! Redshift's 16 MB statement limit (DG c_redshift-sql: "The maximum size for a single SQL
//! statement is 16 MB").

use super::{Change, Step};
use crate::model::{FastMap, Grant, Grantee, Name, Object, Privilege, quoted_len};

/// The most objects, grantees or users one statement lists.
pub const MAX_LIST: usize = 1000;

/// The most bytes one list (objects, grantees or users) takes in a statement's text. Two lists
/// and the rest of a statement stay under 65,535 bytes, so that every statement fits the audit
/// log's `varchar(65535)` (migrations/0001_audit.sql), whatever the names' lengths (a quoted
/// model key can take 500 bytes).
pub const MAX_LIST_BYTES: usize = 30_000;

/// How many bytes an object takes in a list (its text and `, `).
fn object_bytes(o: &Object) -> usize {
    2 + match o {
        Object::Database => 0,
        Object::IamRole(arn) => arn.as_str().len() + 2 + arn.as_str().matches('\'').count(),
        Object::Schema(s) => quoted_len(s.as_str()),
        Object::Model(m) => quoted_len(m.schema.as_str()) + 1 + quoted_len(m.model.as_str()),
    }
}

/// How many bytes a grantee takes in a list (`GROUP `, its name, `, `).
fn grantee_bytes(g: &Grantee) -> usize {
    8 + g.name().map_or(6, |n| quoted_len(n.as_str()))
}

/// `items` cut into lists of at most [`MAX_LIST`] items and [`MAX_LIST_BYTES`] bytes.
fn runs<T>(items: &[T], bytes: impl Fn(&T) -> usize) -> Vec<&[T]> {
    crate::text::runs(items, MAX_LIST, MAX_LIST_BYTES, bytes)
}

/// What one statement does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Merged {
    CreateGroup {
        group: Name,
    },
    /// `ALTER GROUP g ADD USER ...` (`add`) or `DROP USER ...`.
    Members {
        add: bool,
        group: Name,
        users: Vec<Name>,
    },
    /// `GRANT` (`grant`) or `REVOKE` of every privilege on every object for every grantee.
    Privileges {
        grant: bool,
        privileges: Vec<Privilege>,
        objects: Vec<Object>,
        grantees: Vec<Grantee>,
    },
}

impl Merged {
    /// The one-change statement of a step.
    pub fn of(change: &Change) -> Merged {
        match change {
            Change::CreateGroup { group } => Merged::CreateGroup {
                group: group.clone(),
            },
            Change::AddMember { group, user } | Change::DropMember { group, user } => {
                Merged::Members {
                    add: matches!(change, Change::AddMember { .. }),
                    group: group.clone(),
                    users: vec![user.clone()],
                }
            }
            Change::Grant {
                privileges,
                object,
                grantee,
            }
            | Change::Revoke {
                privileges,
                object,
                grantee,
            } => Merged::Privileges {
                grant: matches!(change, Change::Grant { .. }),
                privileges: privileges.clone(),
                objects: vec![object.clone()],
                grantees: vec![grantee.clone()],
            },
        }
    }
}

impl Merged {
    /// Every grant a grant or revoke statement names: each privilege on each object for each
    /// grantee.
    pub fn grants(&self) -> Vec<Grant> {
        let Merged::Privileges {
            privileges,
            objects,
            grantees,
            ..
        } = self
        else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(privileges.len() * objects.len() * grantees.len());
        for object in objects {
            for &privilege in privileges {
                for grantee in grantees {
                    out.push(Grant {
                        object: object.clone(),
                        privilege,
                        grantee: grantee.clone(),
                    });
                }
            }
        }
        out
    }
}

/// One SQL statement and the steps it carries (indices into the plan's steps, in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub merged: Merged,
    pub parts: Vec<usize>,
}

/// Which objects can share one list: `ALL` and `default` stand alone in ASSUMEROLE's ON clause,
/// ARNs can be listed, and schemas and models each have their own `ON SCHEMA` / `ON MODEL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Database,
    Arn,
    AllRoles,
    DefaultRole,
    Schema,
    Model,
}

fn kind(object: &Object) -> Kind {
    match object {
        Object::Database => Kind::Database,
        Object::IamRole(a) if a.as_str() == "ALL" => Kind::AllRoles,
        Object::IamRole(a) if a.as_str() == "default" => Kind::DefaultRole,
        Object::IamRole(_) => Kind::Arn,
        Object::Schema(_) => Kind::Schema,
        Object::Model(_) => Kind::Model,
    }
}

/// The steps as statements, in the steps' order of first appearance. The steps come ordered as
/// [`super::Plan::build`] orders them: groups created, members, revokes, grants, each sorted.
pub fn statements(steps: &[Step]) -> Vec<Statement> {
    let mut out = Vec::new();
    // Members: one statement per group and direction.
    let mut members: Vec<(bool, &Name, Vec<usize>)> = Vec::new();
    // Privileges, stage 1: per (grant?, object, privileges), the grantees and their steps.
    type ByObject<'a> = (bool, &'a Object, &'a [Privilege], Vec<usize>);
    let mut by_object: Vec<ByObject> = Vec::new();
    let mut by_object_at: FastMap<(bool, &Object, &[Privilege]), usize> =
        FastMap::with_capacity_and_hasher(steps.len(), Default::default());
    for (i, step) in steps.iter().enumerate() {
        match &step.change {
            Change::CreateGroup { group } => out.push(Statement {
                merged: Merged::CreateGroup {
                    group: group.clone(),
                },
                parts: vec![i],
            }),
            Change::AddMember { group, .. } | Change::DropMember { group, .. } => {
                let add = matches!(step.change, Change::AddMember { .. });
                match members.last_mut() {
                    Some((a, g, parts)) if *a == add && *g == group => parts.push(i),
                    _ => members.push((add, group, vec![i])),
                }
            }
            Change::Grant {
                privileges, object, ..
            }
            | Change::Revoke {
                privileges, object, ..
            } => {
                let grant = matches!(step.change, Change::Grant { .. });
                let key = (grant, object, privileges.as_slice());
                let at = *by_object_at.entry(key).or_insert_with(|| {
                    by_object.push((grant, object, privileges, Vec::new()));
                    by_object.len() - 1
                });
                by_object[at].3.push(i);
            }
        }
    }
    let user_of = |i: &usize| match &steps[*i].change {
        Change::AddMember { user, .. } | Change::DropMember { user, .. } => {
            quoted_len(user.as_str()) + 2
        }
        _ => 0,
    };
    for (add, group, parts) in members {
        for chunk in runs(&parts, user_of) {
            out.push(Statement {
                merged: Merged::Members {
                    add,
                    group: group.clone(),
                    users: chunk
                        .iter()
                        .filter_map(|&i| match &steps[i].change {
                            Change::AddMember { user, .. } | Change::DropMember { user, .. } => {
                                Some(user.clone())
                            }
                            _ => None,
                        })
                        .collect(),
                },
                parts: chunk.to_vec(),
            });
        }
    }
    // Stage 2: per (grant?, kind, privileges, grantees), the objects, each with its steps.
    let grantee_of = |i: usize| match &steps[i].change {
        Change::Grant { grantee, .. } | Change::Revoke { grantee, .. } => grantee,
        _ => unreachable!("only grant and revoke steps are merged here"),
    };
    type Group<'a> = (
        bool,
        &'a [Privilege],
        Vec<&'a Grantee>,
        Vec<(&'a Object, Vec<usize>)>,
    );
    let mut groups: Vec<Group> = Vec::new();
    type GroupKey<'a> = (bool, Kind, &'a [Privilege], Vec<&'a Grantee>);
    let mut group_at: FastMap<GroupKey, usize> = FastMap::default();
    for (grant, object, privileges, parts) in by_object {
        let grantees: Vec<&Grantee> = parts.iter().map(|&i| grantee_of(i)).collect();
        let key = (grant, kind(object), privileges, grantees.clone());
        let at = *group_at.entry(key).or_insert_with(|| {
            groups.push((grant, privileges, grantees, Vec::new()));
            groups.len() - 1
        });
        groups[at].3.push((object, parts));
    }
    for (grant, privileges, grantees, objects) in groups {
        let grantee_runs = runs(&grantees, |g| grantee_bytes(g));
        for objects in runs(&objects, |(o, _)| object_bytes(o)) {
            let mut from = 0;
            for grantee_chunk in &grantee_runs {
                out.push(Statement {
                    merged: Merged::Privileges {
                        grant,
                        privileges: privileges.to_vec(),
                        objects: objects.iter().map(|(o, _)| (*o).clone()).collect(),
                        grantees: grantee_chunk.iter().map(|&g| g.clone()).collect(),
                    },
                    parts: objects
                        .iter()
                        .flat_map(|(_, parts)| parts[from..from + grantee_chunk.len()].iter())
                        .copied()
                        .collect(),
                });
                from += grantee_chunk.len();
            }
        }
    }
    out
}
