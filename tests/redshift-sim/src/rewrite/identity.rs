//! Users, groups and roles: CREATE/ALTER/DROP GROUP and CREATE/DROP ROLE become `mlsim` calls,
//! CREATE/ALTER USER get Redshift's options spelled as PostgreSQL spells them, and grantees are
//! named as the procedures take them (`user:`, `group:`, `role:`, `public`).
//!
//! It must never create, alter or authorise an identity itself: it only spells the statement,
//! and the procedures or PostgreSQL decide, as the calling user.

use sqlparser::tokenizer::Token;

use super::cursor::{Cursor, Parsed, Statement, fold};
use super::{lit, refuse, text_array};

impl Cursor<'_, '_> {
    /// `GROUP g`, `ROLE r`, `PUBLIC` or a user, as the procedures take them.
    pub(super) fn grantees(&mut self) -> Parsed<Vec<String>> {
        let mut out = Vec::new();
        loop {
            if self.eat_kw("GROUP") {
                out.push(format!("group:{}", fold(self.word()?, false)));
            } else if self.eat_kw("ROLE") {
                out.push(format!("role:{}", self.role_name()?));
            } else if self.eat_kw("PUBLIC") {
                out.push("public".to_owned());
            } else {
                out.push(format!("user:{}", fold(self.word()?, true)));
            }
            if !self.eat(&Token::Comma) {
                return Ok(out);
            }
        }
    }

    /// `u1, u2, ...`: user names, a quoted one keeping its case.
    fn users(&mut self) -> Parsed<Vec<String>> {
        let mut out = vec![fold(self.word()?, true)];
        while self.eat(&Token::Comma) {
            out.push(fold(self.word()?, true));
        }
        Ok(out)
    }
}

impl<'a> Statement<'a> {
    pub(super) fn create_group(&self, mut c: Cursor<'_, 'a>) -> Parsed<String> {
        let group = fold(c.word()?, false);
        c.eat_kw("WITH");
        let users = if c.eat_kw("USER") {
            c.users()?
        } else {
            Vec::new()
        };
        c.end()?;
        Ok(format!(
            "CALL mlsim.create_group({}, {})",
            lit(&group),
            text_array(&users)
        ))
    }

    pub(super) fn alter_group(&self, mut c: Cursor<'_, 'a>) -> Option<String> {
        let group = fold(c.word().ok()?, false);
        let add = if c.eat_kw("ADD") {
            true
        } else if c.eat_kw("DROP") {
            false
        } else {
            return None; // RENAME TO: PostgreSQL's own ALTER GROUP does it.
        };
        let parsed = (|| {
            c.expect_kw("USER")?;
            let users = c.users()?;
            c.end()?;
            Ok(format!(
                "CALL mlsim.alter_group({}, {add}, {})",
                lit(&group),
                text_array(&users)
            ))
        })();
        Some(parsed.unwrap_or_else(|e: String| refuse(&e, "42601")))
    }

    pub(super) fn drop_identity(&self, mut c: Cursor<'_, 'a>, kind: &str) -> Parsed<String> {
        let name = c.role_name()?;
        if !(c.eat_kw("FORCE") || c.eat_kw("RESTRICT")) {
            c.end()?;
        }
        Ok(format!(
            "CALL mlsim.drop_identity({}, {})",
            lit(kind),
            lit(&name)
        ))
    }

    /// `CREATE IDENTITY PROVIDER name TYPE { azure | awsidc } NAMESPACE 'ns' [PARAMETERS '...']
    /// [APPLICATION_ARN '...'] [IAM_ROLE ...] [AUTO_CREATE_ROLES ...]` (DG
    /// r_CREATE_IDENTITY_PROVIDER): recorded by the procedure; the clauses after NAMESPACE and
    /// PARAMETERS are read and not acted on.
    pub(super) fn create_identity_provider(&self, mut c: Cursor<'_, 'a>) -> Parsed<String> {
        c.expect_kw("PROVIDER")?;
        let name = fold(c.word()?, false);
        let (mut kind, mut namespace, mut params) = (None, None, None);
        while !c.at_end() {
            if c.eat_kw("TYPE") {
                kind = Some(fold(c.word()?, false));
            } else if c.eat_kw("NAMESPACE") {
                namespace = Some(c.string()?);
            } else if c.eat_kw("PARAMETERS") {
                params = Some(c.string()?);
            } else {
                c.pos += 1;
            }
        }
        let (Some(kind), Some(namespace)) = (kind, namespace) else {
            return Err("CREATE IDENTITY PROVIDER needs TYPE and NAMESPACE".to_owned());
        };
        Ok(format!(
            "CALL mlsim.create_identity_provider({}, {}, {}, {})",
            lit(&name),
            lit(&kind),
            lit(&namespace),
            super::lit_or_null(params.as_deref())
        ))
    }

    pub(super) fn create_role(&self, mut c: Cursor<'_, 'a>) -> Parsed<String> {
        let name = c.role_name()?;
        if c.eat_kw("EXTERNALID") {
            c.word()?;
        }
        c.end()?;
        Ok(format!("CALL mlsim.create_role({})", lit(&name)))
    }

    /// CREATE USER / ALTER USER: Redshift's CREATEUSER options and PASSWORD DISABLE, spelled as
    /// PostgreSQL spells them.
    pub(super) fn user_options(&self) -> Option<String> {
        let mut edits: Vec<(usize, usize, &str)> = Vec::new();
        for (i, t) in self.tokens.iter().enumerate() {
            let Token::Word(w) = &t.token else { continue };
            if w.quote_style.is_some() {
                continue;
            }
            let replacement = match w.value.to_ascii_uppercase().as_str() {
                "CREATEUSER" => "SUPERUSER",
                "NOCREATEUSER" => "NOSUPERUSER",
                "DISABLE"
                    if i > 0
                        && matches!(&self.tokens[i - 1].token, Token::Word(p) if p.value.eq_ignore_ascii_case("PASSWORD")) =>
                {
                    "NULL"
                }
                _ => continue,
            };
            edits.push((
                self.offsets.at(t.span.start),
                self.offsets.at(t.span.end),
                replacement,
            ));
        }
        if edits.is_empty() {
            return None;
        }
        Some(self.edited(&edits))
    }
}

#[cfg(test)]
mod tests {
    use crate::rewrite::one;

    #[test]
    fn reads_system_role_names_without_quotes() {
        assert_eq!(
            one("GRANT ROLE sys:monitor TO ROLE SYS:DBA, bob"),
            "CALL mlsim.grant_role(true, ARRAY['sys:monitor']::text[], ARRAY['role:sys:dba', 'user:bob']::text[])"
        );
        assert_eq!(
            one("drop role \"sys:dba\""),
            "CALL mlsim.drop_identity('role', 'sys:dba')"
        );
    }

    #[test]
    fn rewrites_groups() {
        assert_eq!(
            one("create group g with user a, \"B'c\""),
            "CALL mlsim.create_group('g', ARRAY['a', 'B''c']::text[])"
        );
        assert_eq!(
            one("ALTER GROUP g DROP USER a"),
            "CALL mlsim.alter_group('g', false, ARRAY['a']::text[])"
        );
    }
}
