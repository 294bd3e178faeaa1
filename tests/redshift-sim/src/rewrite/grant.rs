//! GRANT and REVOKE: the Redshift-only privileges (CREATE MODEL, EXECUTE ON MODEL, ROLE,
//! ASSUMEROLE, ACCESS SYSTEM TABLE, scoped permissions FOR TABLES|FUNCTIONS IN SCHEMA) become
//! `mlsim.grant_*` calls; any other grant passes through with only the ROLE keyword dropped
//! before role grantees, unless it names a reserved role (sys:*, ds:*) as grantee.
//!
//! It must never change a grant's privileges, objects or grantees beyond that, and never decide
//! whether a grant is allowed: the procedures and PostgreSQL do, as the calling user.

use sqlparser::tokenizer::Token;

use super::cursor::{Cursor, Parsed, Statement, fold};
use super::{lit, nullable_text_array, refuse, text_array};

impl<'a> Statement<'a> {
    pub(super) fn grant(&self, mut c: Cursor<'_, 'a>) -> Option<String> {
        let is_grant = c.eat_kw("GRANT");
        if !is_grant {
            c.expect_kw("REVOKE").ok()?;
        }
        let mut grant_option = !is_grant && c.is_kw("GRANT") && {
            c.pos += 1;
            c.expect_kw("OPTION").ok()?;
            c.expect_kw("FOR").ok()?;
            true
        };
        let privileges_start = c.pos;
        let mut words = Vec::new();
        while !c.at_end() && !c.is_kw("ON") && !c.is_kw("TO") && !c.is_kw("FROM") && !c.is_kw("FOR")
        {
            if let Some(Token::Word(w)) = c.peek() {
                words.push(w.value.to_ascii_uppercase());
            }
            c.pos += 1;
        }
        let privileges = words.join(" ");
        let target = if is_grant { "TO" } else { "FROM" };
        let result: Parsed<String> = (|| {
            if privileges == "CREATE MODEL" && c.is_kw(target) {
                c.pos += 1;
                let grantees = c.grantees()?;
                c.eat_kw("RESTRICT");
                c.end()?;
                return Ok(format!(
                    "CALL mlsim.grant_create_model({is_grant}, {})",
                    text_array(&grantees)
                ));
            }
            if privileges == "ACCESS SYSTEM TABLE" && c.is_kw(target) {
                c.pos += 1;
                let grantees = c.grantees()?;
                c.end()?;
                return Ok(format!(
                    "CALL mlsim.grant_system({is_grant}, 'ACCESS SYSTEM TABLE', {})",
                    text_array(&grantees)
                ));
            }
            if words.first().map(String::as_str) == Some("ROLE") && c.is_kw(target) {
                let mut r = Cursor {
                    stmt: self,
                    pos: privileges_start,
                };
                let mut roles = Vec::new();
                loop {
                    r.expect_kw("ROLE")?;
                    roles.push(r.role_name()?);
                    if !r.eat(&Token::Comma) {
                        break;
                    }
                }
                c.pos += 1;
                let grantees = c.grantees()?;
                c.end()?;
                return Ok(format!(
                    "CALL mlsim.grant_role({is_grant}, {}, {})",
                    text_array(&roles),
                    text_array(&grantees)
                ));
            }
            if privileges == "ASSUMEROLE" && c.eat_kw("ON") {
                let mut arns = Vec::new();
                loop {
                    // The cluster's default role, as svv_iam_privileges names it
                    // (DG r_SVV_IAM_PRIVILEGES).
                    if c.eat_kw("DEFAULT") {
                        arns.push("default-aws-iam-role".to_owned());
                    } else if c.eat_kw("ALL") {
                        arns.push("ALL".to_owned());
                    } else {
                        arns.push(c.string()?);
                    }
                    if !c.eat(&Token::Comma) {
                        break;
                    }
                }
                c.expect_kw(target)?;
                let grantees = c.grantees()?;
                c.expect_kw("FOR")?;
                let mut commands = Vec::new();
                loop {
                    let command = if c.eat_kw("EXTERNAL") {
                        c.expect_kw("FUNCTION")?;
                        "EXTERNAL FUNCTION"
                    } else if c.eat_kw("CREATE") {
                        c.expect_kw("MODEL")?;
                        "CREATE MODEL"
                    } else if c.eat_kw("ALL") {
                        "ALL"
                    } else if c.eat_kw("COPY") {
                        "COPY"
                    } else if c.eat_kw("UNLOAD") {
                        "UNLOAD"
                    } else {
                        return Err(c.unexpected());
                    };
                    commands.push(command.to_owned());
                    if !c.eat(&Token::Comma) {
                        break;
                    }
                }
                c.end()?;
                return Ok(format!(
                    "CALL mlsim.grant_assumerole({is_grant}, {}, {}, {})",
                    text_array(&arns),
                    text_array(&grantees),
                    text_array(&commands)
                ));
            }
            if c.is_kw("ON")
                && matches!(c.stmt.tokens.get(c.pos + 1).map(|t| &t.token), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("MODEL"))
            {
                if !matches!(privileges.as_str(), "EXECUTE" | "ALL" | "ALL PRIVILEGES") {
                    return Err(format!("invalid privilege type {privileges} for model"));
                }
                c.pos += 2;
                let (mut schemas, mut models) = (Vec::new(), Vec::new());
                loop {
                    let (s, m) = c.qualified()?;
                    schemas.push(s);
                    models.push(m);
                    if !c.eat(&Token::Comma) {
                        break;
                    }
                }
                c.expect_kw(target)?;
                let grantees = c.grantees()?;
                if is_grant && c.eat_kw("WITH") {
                    c.expect_kw("GRANT")?;
                    c.expect_kw("OPTION")?;
                    grant_option = true;
                }
                c.eat_kw("RESTRICT");
                c.end()?;
                return Ok(format!(
                    "CALL mlsim.grant_model({is_grant}, {}, {}, {}, {grant_option})",
                    nullable_text_array(&schemas),
                    text_array(&models),
                    text_array(&grantees)
                ));
            }
            if c.eat_kw("FOR") {
                let at = Cursor {
                    stmt: self,
                    pos: c.pos,
                };
                return self.scoped(at, is_grant, &words, grant_option);
            }
            Err(String::new())
        })();
        match result {
            Ok(sql) => Some(sql),
            Err(e) if !e.is_empty() => Some(refuse(&e, "42601")),
            Err(_) => self
                .reserved_grantee(&c, is_grant)
                .or_else(|| self.strip_role_keyword(&c)),
        }
    }

    /// `privileges FOR { TABLES | FUNCTIONS } IN SCHEMA s [DATABASE d] TO|FROM grantees`, the
    /// cursor after FOR (DG r_GRANT, scoped permissions).
    fn scoped(
        &self,
        mut c: Cursor<'_, 'a>,
        is_grant: bool,
        words: &[String],
        grant_option: bool,
    ) -> Parsed<String> {
        let scope = if c.eat_kw("TABLES") {
            "TABLES"
        } else if c.eat_kw("FUNCTIONS") {
            "FUNCTIONS"
        } else if c.is_kw("SCHEMAS") {
            return Ok(refuse(
                "scoped permissions FOR SCHEMAS are not supported by the simulator",
                "0A000",
            ));
        } else {
            return Err(c.unexpected());
        };
        c.expect_kw("IN")?;
        if c.is_kw("DATABASE") {
            return Ok(refuse(
                "scoped permissions IN DATABASE are not supported by the simulator",
                "0A000",
            ));
        }
        c.expect_kw("SCHEMA")?;
        let schema = fold(c.word()?, false);
        if c.eat_kw("DATABASE") {
            c.word()?;
        }
        c.expect_kw(if is_grant { "TO" } else { "FROM" })?;
        let grantees = c.grantees()?;
        let mut grant_option = grant_option;
        if is_grant && c.eat_kw("WITH") {
            c.expect_kw("GRANT")?;
            c.expect_kw("OPTION")?;
            grant_option = true;
        }
        c.end()?;
        let privileges: Vec<String> = if words.first().map(String::as_str) == Some("ALL") {
            vec!["ALL".to_owned()]
        } else {
            words.to_vec()
        };
        if privileges.is_empty() {
            return Err("syntax error: scoped permissions need a privilege".to_owned());
        }
        Ok(format!(
            "CALL mlsim.grant_scoped({is_grant}, {}, {}, {}, {}, {grant_option})",
            text_array(&privileges),
            lit(scope),
            lit(&schema),
            text_array(&grantees)
        ))
    }

    /// An ordinary GRANT or REVOKE naming a reserved role (sys:*, ds:*) as grantee is refused as
    /// the procedures refuse it (see mlsim.not_reserved).
    fn reserved_grantee(&self, c: &Cursor<'_, 'a>, is_grant: bool) -> Option<String> {
        let mut in_grantees = false;
        for t in self.tokens.iter().skip(c.pos) {
            let Token::Word(w) = &t.token else { continue };
            if w.quote_style.is_none() {
                let v = w.value.to_ascii_uppercase();
                in_grantees |= v == "TO" || v == "FROM";
                continue;
            }
            let name = w.value.to_ascii_lowercase();
            if in_grantees && (name.starts_with("sys:") || name.starts_with("ds:")) {
                let action = if is_grant {
                    "Granting permissions to"
                } else {
                    "Revoking permissions from"
                };
                return Some(refuse(
                    &format!("{action} reserved role {name} is not supported."),
                    "0A000",
                ));
            }
        }
        None
    }

    /// An ordinary GRANT or REVOKE with `ROLE r` grantees: PostgreSQL takes the bare role name.
    fn strip_role_keyword(&self, c: &Cursor<'_, 'a>) -> Option<String> {
        let mut edits = Vec::new();
        let mut depth = 0;
        let mut in_grantees = false;
        for (i, t) in self.tokens.iter().enumerate().skip(c.pos) {
            match &t.token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                Token::Word(w) if depth == 0 && w.quote_style.is_none() => {
                    let v = w.value.to_ascii_uppercase();
                    if v == "TO" || v == "FROM" {
                        in_grantees = true;
                    } else if in_grantees
                        && v == "ROLE"
                        && matches!(
                            self.tokens.get(i + 1).map(|t| &t.token),
                            Some(Token::Word(_))
                        )
                    {
                        let start = self.offsets.at(t.span.start);
                        let end = self.offsets.at(self.tokens[i + 1].span.start);
                        edits.push((start, end, ""));
                    }
                }
                _ => {}
            }
        }
        if edits.is_empty() {
            None
        } else {
            Some(self.edited(&edits))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rewrite::one;

    #[test]
    fn rewrites_model_grants() {
        assert_eq!(
            one(
                r#"GRANT EXECUTE ON MODEL demo_ml.churn, "Odd".m2 TO GROUP g, ROLE r, "Alice", PUBLIC"#
            ),
            "CALL mlsim.grant_model(true, ARRAY['demo_ml', 'odd']::text[], ARRAY['churn', 'm2']::text[], ARRAY['group:g', 'role:r', 'user:Alice', 'public']::text[], false)"
        );
        assert_eq!(
            one("revoke all privileges on model m from bob"),
            "CALL mlsim.grant_model(false, ARRAY[NULL]::text[], ARRAY['m']::text[], ARRAY['user:bob']::text[], false)"
        );
    }

    #[test]
    fn rewrites_create_model_grants() {
        assert_eq!(
            one("GRANT CREATE MODEL TO GROUP retention_analyst_grp"),
            "CALL mlsim.grant_create_model(true, ARRAY['group:retention_analyst_grp']::text[])"
        );
    }

    #[test]
    fn strips_the_role_keyword_from_ordinary_grants() {
        assert_eq!(
            one("GRANT CREATE, USAGE ON SCHEMA s TO ROLE r, GROUP g"),
            "GRANT CREATE, USAGE ON SCHEMA s TO r, GROUP g"
        );
    }

    #[test]
    fn spells_assumerole_as_svv_iam_privileges_shows_it() {
        assert_eq!(
            one(
                "GRANT ASSUMEROLE ON default, 'arn:aws:iam::1:role/r' TO u FOR ALL, EXTERNAL FUNCTION"
            ),
            "CALL mlsim.grant_assumerole(true, ARRAY['default-aws-iam-role', 'arn:aws:iam::1:role/r']::text[], ARRAY['user:u']::text[], ARRAY['ALL', 'EXTERNAL FUNCTION']::text[])"
        );
    }

    #[test]
    fn rewrites_scoped_permissions() {
        assert_eq!(
            one("GRANT SELECT, INSERT FOR TABLES IN SCHEMA Sales TO ROLE r, u WITH GRANT OPTION"),
            "CALL mlsim.grant_scoped(true, ARRAY['SELECT', 'INSERT']::text[], 'TABLES', 'sales', ARRAY['role:r', 'user:u']::text[], true)"
        );
        assert_eq!(
            one("revoke all privileges for functions in schema s database dev from role r"),
            "CALL mlsim.grant_scoped(false, ARRAY['ALL']::text[], 'FUNCTIONS', 's', ARRAY['role:r']::text[], false)"
        );
        assert!(one("GRANT USAGE FOR SCHEMAS IN DATABASE dev TO ROLE r").contains("0A000"));
    }

    #[test]
    fn refuses_ordinary_grants_to_reserved_roles() {
        let out = one(r#"GRANT USAGE ON SCHEMA s TO ROLE "sys:dba""#);
        assert!(out.starts_with("CALL mlsim.refuse('Granting permissions to reserved role sys:dba is not supported.', '0A000')"), "{out}");
        let out = one(r#"revoke usage on schema s from "ds:share""#);
        assert!(
            out.contains("Revoking permissions from reserved role ds:share"),
            "{out}"
        );
    }
}
