//! ledger: what mlgrant itself granted and revoked, privilege by privilege, as rows of
//! `mlgrant.ledger` (migration 5). apply writes a row for each privilege of each GRANT and REVOKE
//! it runs, in the same transaction as the change; plan reads them, and a privilege whose latest
//! row is mlgrant's own grant is one mlgrant may take back when the model no longer requires it,
//! even from a grantee the model no longer names. Pure: rows in, rows out; the SQL that writes
//! them is the audit module's, the query that reads them the catalog's.
//!
//! A privilege granted by mlgrant and then granted again by hand cannot be told apart from
//! mlgrant's own: the catalog shows one privilege. The ledger believes itself.

use crate::model::{
    FastMap, Grant, Grantee, IamCommand, LedgerEntry, ModelName, Name, Object, Privilege,
};
use crate::plan::{Change, Plan};

/// The columns of one ledger row after `run_id` and `applied_at`, as text (NULL as `None`):
/// action, privilege, object_kind, object_schema, object_name, grantee_kind, grantee_name,
/// source.
pub type Values = [Option<String>; 8];

fn privilege_text(p: Privilege) -> String {
    match p {
        Privilege::AssumeRole(c) => format!("ASSUMEROLE FOR {}", c.sql()),
        other => other.sql().to_owned(),
    }
}

fn parse_privilege(s: &str) -> Option<Privilege> {
    Some(match s {
        "CREATE MODEL" => Privilege::CreateModel,
        "CREATE" => Privilege::Create,
        "USAGE" => Privilege::Usage,
        "EXECUTE" => Privilege::Execute,
        other => Privilege::AssumeRole(IamCommand::parse(other.strip_prefix("ASSUMEROLE FOR ")?)?),
    })
}

/// A grant as ledger columns: privilege, object kind, schema, name, grantee kind, grantee name.
fn columns(g: &Grant) -> [Option<String>; 6] {
    let (kind, schema, name) = match &g.object {
        Object::Database => ("database", None, None),
        Object::Schema(s) => ("schema", Some(s.as_str().to_owned()), None),
        Object::Model(m) => (
            "model",
            Some(m.schema.as_str().to_owned()),
            Some(m.model.as_str().to_owned()),
        ),
        Object::IamRole(arn) => ("iam_role", None, Some(arn.as_str().to_owned())),
    };
    [
        Some(privilege_text(g.privilege)),
        Some(kind.to_owned()),
        schema,
        name,
        Some(g.grantee.kind().as_str().to_owned()),
        g.grantee.name().map(|n| n.as_str().to_owned()),
    ]
}

/// The grant a row's columns describe, or `None` for a row mlgrant does not read back (another
/// version's shape).
fn grant_of(c: &[Option<String>]) -> Option<Grant> {
    let text = |i: usize| c.get(i).cloned().flatten();
    let privilege = parse_privilege(text(0)?.trim_end())?;
    let object = match text(1)?.trim_end() {
        "database" => Object::Database,
        "schema" => Object::Schema(Name::from_catalog(&text(2)?)),
        "model" => Object::Model(ModelName {
            schema: Name::from_catalog(&text(2)?),
            model: Name::from_catalog(&text(3)?),
        }),
        "iam_role" => Object::IamRole(Name::from_catalog(&text(3)?)),
        _ => return None,
    };
    let grantee = match text(4)?.trim_end() {
        "public" => Grantee::Public,
        "group" => Grantee::Group(Name::from_catalog(&text(5)?)),
        "user" => Grantee::User(Name::from_catalog(&text(5)?)),
        "role" => Grantee::Role(Name::from_catalog(&text(5)?)),
        _ => return None,
    };
    Some(Grant {
        object,
        privilege,
        grantee,
    })
}

/// The ledger rows of an applied plan: one per privilege of each GRANT and REVOKE, with the
/// model line that required a grant.
pub fn rows(plan: &Plan) -> Vec<Values> {
    let mut out = Vec::new();
    for step in &plan.steps {
        let (action, privileges, object, grantee) = match &step.change {
            Change::Grant {
                privileges,
                object,
                grantee,
            } => ("grant", privileges, object, grantee),
            Change::Revoke {
                privileges,
                object,
                grantee,
            } => ("revoke", privileges, object, grantee),
            _ => continue,
        };
        let source = step
            .origins
            .first()
            .map(|o| format!("{}:{} {}", o.file(), o.at, o.path()));
        for p in privileges {
            let g = Grant {
                object: object.clone(),
                privilege: *p,
                grantee: grantee.clone(),
            };
            let [a, b, c, d, e, f] = columns(&g);
            out.push([Some(action.to_owned()), a, b, c, d, e, f, source.clone()]);
        }
    }
    out
}

/// What mlgrant granted and still stands granted by its own account: for each privilege, the
/// latest row, kept when it is a grant. `rows` are the ledger query's, oldest first: run_id,
/// applied_at, then the [`Values`].
pub fn read(rows: &[Vec<Option<String>>]) -> FastMap<Grant, LedgerEntry> {
    let mut out = FastMap::default();
    for row in rows {
        let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
        let Some(grant) = row.get(3..).and_then(grant_of) else {
            continue;
        };
        match text(2).trim_end() {
            "grant" => {
                out.insert(
                    grant,
                    LedgerEntry {
                        run_id: text(0).trim_end().to_owned(),
                        applied_at: text(1),
                        source: text(9),
                    },
                );
            }
            "revoke" => {
                out.remove(&grant);
            }
            _ => {}
        }
    }
    out
}

/// A run to revert: its id, the ledger rows it wrote, and the rows later runs wrote (oldest
/// first, as [`read`] takes them).
#[derive(Clone, Debug, Default)]
pub struct Revert {
    pub run_id: String,
    pub rows: Vec<Vec<Option<String>>>,
    /// Revert even privileges a later run touched again.
    pub force: bool,
}

impl Revert {
    /// Splits the whole ledger (oldest first) into the run's rows and what came after them.
    pub fn of(run_id: &str, ledger: Vec<Vec<Option<String>>>, force: bool) -> Option<Revert> {
        let mine = |r: &Vec<Option<String>>| {
            r.first()
                .and_then(|v| v.as_deref())
                .is_some_and(|id| id.trim_end() == run_id)
        };
        if !ledger.iter().any(mine) {
            return None;
        }
        Some(Revert {
            run_id: run_id.to_owned(),
            rows: ledger,
            force,
        })
    }
}

/// The plan that undoes run `r` on the cluster whose state is `cluster`: each privilege it
/// granted that is still held is revoked, each it revoked that is not held is granted back.
/// Groups it created stay, and so do the members it added or dropped (the ledger records
/// privileges only). A privilege a later run granted or revoked again is refused, naming the
/// run, unless `r.force`. Pure.
pub fn inverse(r: &Revert, cluster: &crate::model::State) -> Result<Plan, Vec<String>> {
    use crate::model::{GrantSet, Origins};
    let mut at = None;
    let mut later: FastMap<Grant, String> = FastMap::default();
    let mut mine: Vec<(Grant, bool)> = Vec::new();
    for (i, row) in r.rows.iter().enumerate() {
        let id = row.first().cloned().flatten().unwrap_or_default();
        let Some(grant) = row.get(3..).and_then(grant_of) else {
            continue;
        };
        let action = row.get(2).cloned().flatten().unwrap_or_default();
        if id.trim_end() == r.run_id {
            at.get_or_insert(i);
            mine.push((grant, action.trim_end() == "grant"));
        } else if at.is_some() {
            later.insert(grant, id.trim_end().to_owned());
        }
    }
    let mut stale = Vec::new();
    let (mut grants, mut revokes) = (Vec::new(), Vec::new());
    for (g, granted) in mine {
        if let Some(run) = later.get(&g)
            && !r.force
        {
            stale.push(format!(
                "  {} of {} was changed again by run {}",
                crate::text::sanitize(&g.right()),
                crate::text::sanitize(&g.grantee.to_string()),
                crate::text::sanitize(run)
            ));
            continue;
        }
        let held = cluster.may_hold(&g);
        if granted && held {
            revokes.push((g, Origins::new()));
        } else if !granted && !held {
            grants.push((g, Origins::new()));
        }
    }
    if !stale.is_empty() {
        return Err(stale);
    }
    let (grants, revokes) = (
        GrantSet::from_unsorted(grants),
        GrantSet::from_unsorted(revokes),
    );
    let mut plan = Plan::build(Default::default(), &revokes, &grants, Vec::new());
    for step in &mut plan.steps {
        step.why = Some(format!("reverts run {}", crate::text::sanitize(&r.run_id)));
    }
    plan.notes.push(format!(
        "reverting run {}: the groups it created and the members it added or dropped stay as they are; a later plan of the model file grants again what the file still requires",
        crate::text::sanitize(&r.run_id)
    ));
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NameKind;

    #[test]
    fn a_grant_reads_back_from_its_row_and_a_later_revoke_takes_it_out() {
        let grants = [
            Grant {
                object: Object::Database,
                privilege: Privilege::CreateModel,
                grantee: Grantee::Group(Name::new(NameKind::Group, "ml").unwrap()),
            },
            Grant {
                object: Object::Model(ModelName {
                    schema: Name::from_catalog("demo ml"),
                    model: Name::from_catalog("m\"1"),
                }),
                privilege: Privilege::Execute,
                grantee: Grantee::User(Name::from_catalog("IAM:frank")),
            },
            Grant {
                object: Object::IamRole(Name::from_catalog("default")),
                privilege: Privilege::AssumeRole(IamCommand::ExternalFunction),
                grantee: Grantee::Public,
            },
        ];
        let row = |run: &str, action: &str, g: &Grant| {
            let mut r = vec![
                Some(run.to_owned()),
                Some("2026-12-01 00:00:00".into()),
                Some(action.into()),
            ];
            r.extend(columns(g));
            r.push(Some("m.toml:3:14 schemas.s.consumers".into()));
            r
        };
        let mut rows: Vec<_> = grants.iter().map(|g| row("r1", "grant", g)).collect();
        let read_back = read(&rows);
        assert_eq!(read_back.len(), 3);
        for g in &grants {
            assert_eq!(read_back[g].run_id, "r1");
        }
        rows.push(row("r2", "revoke", &grants[1]));
        let after = read(&rows);
        assert!(!after.contains_key(&grants[1]));
        assert_eq!(after.len(), 2);
        // A row of an unknown shape is skipped, not guessed.
        rows.push(vec![
            Some("r3".into()),
            None,
            Some("grant".into()),
            Some("ALTER".into()),
        ]);
        assert_eq!(read(&rows).len(), 2);
    }
}
