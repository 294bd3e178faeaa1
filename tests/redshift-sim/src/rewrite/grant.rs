//! GRANT and REVOKE: the Redshift-only privileges (CREATE MODEL, EXECUTE ON MODEL, ROLE,
//! ASSUMEROLE, ACCESS SYSTEM TABLE) become `mlsim.grant_*` calls; any other grant passes through
//! with only the ROLE keyword dropped before role grantees.
//!
//! It must never change a grant's privileges, objects or grantees beyond that, and never decide
//! whether a grant is allowed: the procedures and PostgreSQL do, as the calling user.

use sqlparser::tokenizer::Token;

use super::cursor::{Cursor, Parsed, Statement, fold};
use super::{nullable_text_array, refuse, text_array};

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
        while !c.at_end() && !c.is_kw("ON") && !c.is_kw("TO") && !c.is_kw("FROM") {
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
                    roles.push(fold(r.word()?, false));
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
                    if c.eat_kw("DEFAULT") {
                        arns.push("default".to_owned());
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
            Err(String::new())
        })();
        match result {
            Ok(sql) => Some(sql),
            Err(e) if !e.is_empty() => Some(refuse(&e, "42601")),
            Err(_) => self.strip_role_keyword(&c),
        }
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
}
