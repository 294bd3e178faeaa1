//! The writers of statement text: GRANT, REVOKE, CREATE GROUP and ALTER GROUP, each a
//! `Display` that writes straight into what is being made (the script, the JSON document), so
//! that a plan of 100,000 changes makes no string per name or per statement. Every name goes
//! through [`Ident`], the `Display` form of [`crate::model::quote_ident`].

use std::fmt::{self, Display, Formatter, Write};

use crate::model::{Grantee, Ident, Object, Privilege};
use crate::plan::{Change, Merged};

/// `a, b, c`: each item written by `each`.
fn list<T>(
    f: &mut Formatter<'_>,
    items: &[T],
    each: impl Fn(&mut Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        each(f, item)?;
    }
    Ok(())
}

/// An object list: ` ON SCHEMA s1, s2`, ` ON MODEL s.m1, s.m2`, ` ON 'arn1', 'arn2'`, or
/// nothing for CREATE MODEL (granted on the database). The objects are of one kind
/// ([`crate::plan`]); one of another kind writes nothing.
fn objects(f: &mut Formatter<'_>, objects: &[Object]) -> fmt::Result {
    let lead = match objects.first() {
        None | Some(Object::Database) => return Ok(()),
        Some(Object::IamRole(_)) => " ON ",
        Some(Object::Schema(_)) => " ON SCHEMA ",
        Some(Object::Model(_)) => " ON MODEL ",
    };
    f.write_str(lead)?;
    let first = std::mem::discriminant(&objects[0]);
    list(f, objects, |f, o| match o {
        o if std::mem::discriminant(o) != first => Ok(()),
        Object::IamRole(arn) => iam_role(f, arn.as_str()),
        Object::Schema(s) => Ident(s.as_str()).fmt(f),
        Object::Model(m) => {
            Ident(m.schema.as_str()).fmt(f)?;
            f.write_char('.')?;
            Ident(m.model.as_str()).fmt(f)
        }
        Object::Database => Ok(()),
    })
}

/// `ALL` and `default` are keywords of ASSUMEROLE; an ARN is a plain string literal (ASSUMEROLE
/// takes no expression, so no `chr(92)` splice). ARNs reach here validated: from the model
/// (config checks them) or from the catalog (rows whose ARN is not one are never revoked).
fn iam_role(f: &mut Formatter<'_>, arn: &str) -> fmt::Result {
    match arn {
        "ALL" | "default" => f.write_str(arn),
        arn => crate::model::write_quoted(f, arn, '\''),
    }
}

/// A grantee as GRANT names it: `GROUP g`, `ROLE r`, a user's bare name, or `PUBLIC`.
pub(crate) struct GranteeSql<'a>(pub &'a Grantee);

impl Display for GranteeSql<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Grantee::Group(n) => {
                f.write_str("GROUP ")?;
                Ident(n.as_str()).fmt(f)
            }
            Grantee::Role(n) => {
                f.write_str("ROLE ")?;
                Ident(n.as_str()).fmt(f)
            }
            Grantee::User(n) => Ident(n.as_str()).fmt(f),
            Grantee::Public => f.write_str("PUBLIC"),
        }
    }
}

/// A grant or revoke statement of `privileges` on `objects` to `grantees`.
fn privileges(
    f: &mut Formatter<'_>,
    grant: bool,
    privileges: &[Privilege],
    on: &[Object],
    grantees: &[Grantee],
) -> fmt::Result {
    let (verb, to) = if grant {
        ("GRANT", "TO")
    } else {
        ("REVOKE", "FROM")
    };
    let privilege_list = |f: &mut Formatter<'_>| list(f, privileges, |f, p| f.write_str(p.sql()));
    // Written piece by piece (no format string): a plan writes this once per change.
    f.write_str(verb)?;
    if matches!(on.first(), Some(Object::IamRole(_))) {
        f.write_str(" ASSUMEROLE")?;
        objects(f, on)?;
        f.write_char(' ')?;
        f.write_str(to)?;
        f.write_char(' ')?;
        list(f, grantees, |f, g| GranteeSql(g).fmt(f))?;
        f.write_str(" FOR ")?;
        privilege_list(f)?;
    } else {
        f.write_char(' ')?;
        privilege_list(f)?;
        objects(f, on)?;
        f.write_char(' ')?;
        f.write_str(to)?;
        f.write_char(' ')?;
        list(f, grantees, |f, g| GranteeSql(g).fmt(f))?;
    }
    f.write_char(';')
}

/// One statement of a plan, with its closing semicolon.
pub struct MergedSql<'a>(pub &'a Merged);

impl Display for MergedSql<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Merged::CreateGroup { group } => write!(f, "CREATE GROUP {};", Ident(group.as_str())),
            Merged::Members { add, group, users } => {
                write!(
                    f,
                    "ALTER GROUP {} {} USER ",
                    Ident(group.as_str()),
                    if *add { "ADD" } else { "DROP" }
                )?;
                list(f, users, |f, u| Ident(u.as_str()).fmt(f))?;
                f.write_char(';')
            }
            Merged::Privileges {
                grant,
                privileges: p,
                objects,
                grantees,
            } => privileges(f, *grant, p, objects, grantees),
        }
    }
}

/// One change alone as one statement, with its closing semicolon: what [`MergedSql`] writes
/// for the statement of that change alone ([`Merged::of`]), without making it.
pub struct ChangeSql<'a>(pub &'a Change);

impl Display for ChangeSql<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Change::CreateGroup { group } => write!(f, "CREATE GROUP {};", Ident(group.as_str())),
            Change::AddMember { group, user } | Change::DropMember { group, user } => write!(
                f,
                "ALTER GROUP {} {} USER {};",
                Ident(group.as_str()),
                if matches!(self.0, Change::AddMember { .. }) {
                    "ADD"
                } else {
                    "DROP"
                },
                Ident(user.as_str())
            ),
            Change::Grant {
                privileges: p,
                object,
                grantee,
            }
            | Change::Revoke {
                privileges: p,
                object,
                grantee,
            } => privileges(
                f,
                matches!(self.0, Change::Grant { .. }),
                p,
                std::slice::from_ref(object),
                std::slice::from_ref(grantee),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IamCommand, ModelName, Name};

    /// A change written alone reads as the statement of it alone.
    #[test]
    fn a_change_reads_as_its_own_statement() {
        let n = Name::from_catalog;
        let model = ModelName {
            schema: n("Odd\"Schema"),
            model: n("group"),
        };
        let changes = [
            Change::CreateGroup { group: n("g 1") },
            Change::AddMember {
                group: n("g"),
                user: n("IAM:alice"),
            },
            Change::DropMember {
                group: n("g"),
                user: n("bob"),
            },
            Change::Grant {
                privileges: vec![Privilege::Execute],
                object: Object::Model(model.clone()),
                grantee: Grantee::Role(n("aad:team")),
            },
            Change::Revoke {
                privileges: vec![Privilege::Create, Privilege::Usage],
                object: Object::Schema(model.schema.clone()),
                grantee: Grantee::Public,
            },
            Change::Grant {
                privileges: vec![Privilege::CreateModel],
                object: Object::Database,
                grantee: Grantee::User(n("carol")),
            },
            Change::Revoke {
                privileges: vec![Privilege::AssumeRole(IamCommand::CreateModel)],
                object: Object::IamRole(n("arn:aws:iam::123456789012:role/it's")),
                grantee: Grantee::Group(n("g")),
            },
        ];
        let expected = [
            "CREATE GROUP \"g 1\";",
            "ALTER GROUP g ADD USER \"IAM:alice\";",
            "ALTER GROUP g DROP USER bob;",
            "GRANT EXECUTE ON MODEL \"Odd\"\"Schema\".\"group\" TO ROLE \"aad:team\";",
            "REVOKE CREATE, USAGE ON SCHEMA \"Odd\"\"Schema\" FROM PUBLIC;",
            "GRANT CREATE MODEL TO carol;",
            "REVOKE ASSUMEROLE ON 'arn:aws:iam::123456789012:role/it''s' FROM GROUP g FOR CREATE MODEL;",
        ];
        for (change, sql) in changes.iter().zip(expected) {
            assert_eq!(ChangeSql(change).to_string(), sql);
            assert_eq!(MergedSql(&Merged::of(change)).to_string(), sql);
        }
    }
}
