//! The strict front: refuses what Redshift refuses and answers Redshift's settings and functions
//! as Redshift does, by consulting the cited tables of `crate::redshift` (this file holds no
//! knowledge of Redshift of its own, only how to read a statement against those tables).
//!
//! In order: a refused catalog relation anywhere in the statement; a statement whose leading
//! words are no command of Redshift's; clauses Redshift's pages do not document (RETURNING, ON
//! CONFLICT, COPY ... STDIN); SET, RESET and SHOW of parameters, and ALTER USER/DATABASE ... SET;
//! then function calls (current_setting, version, has_assumerole_privilege, advisory locks).

use sqlparser::tokenizer::Token;

use super::cursor::Statement;
use super::setting::{denied, simulated_value};
use super::{lit, refuse};
use crate::redshift::catalog::{self, Call};
use crate::redshift::parameters::{self, Backing};
use crate::redshift::{UNSETTLED, commands};

/// What the strict front makes of a statement.
pub(super) enum Verdict {
    /// Refused: the CALL that raises Redshift's error.
    Refused(String),
    /// Answered as Redshift answers it: the statement that does so.
    Rewritten(String),
    /// A statement Redshift takes, for the grammar rewrite (or PostgreSQL) to run.
    Accepted,
}

pub(super) fn unsettled(what: &str) -> String {
    refuse(&format!("{what}: {UNSETTLED}"), "0A000")
}

impl Statement<'_> {
    pub(super) fn word_at(&self, i: usize) -> Option<String> {
        match self.tokens.get(i).map(|t| &t.token) {
            Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        }
    }

    /// The statement's leading unquoted words, uppercase (at most six).
    fn leading_words(&self) -> Vec<String> {
        (0..self.tokens.len().min(6))
            .map_while(|i| self.word_at(i))
            .collect()
    }

    fn has_word(&self, word: &str) -> bool {
        (0..self.tokens.len()).any(|i| self.word_at(i).as_deref() == Some(word))
    }

    pub(super) fn strict(&self) -> Verdict {
        // A refused relation, anywhere (a quoted name too).
        for t in &self.tokens {
            if let Token::Word(w) = &t.token
                && let Some(r) = catalog::refused_relation(&w.value)
            {
                return Verdict::Refused(unsettled(&format!(
                    "relation \"{}\": {} (DG {})",
                    r.name, r.why, r.source
                )));
            }
        }
        // A delimited identifier that holds a character that does not print (DG r_names).
        for t in &self.tokens {
            if let Token::Word(w) = &t.token
                && w.quote_style == Some('"')
                && let Some(c) = w.value.chars().find(|&c| !crate::redshift::printable(c))
            {
                return Verdict::Refused(refuse(
                    &format!(
                        "invalid name: identifiers must consist of only UTF-8 printable characters, and this one holds U+{:04X} (DG {})",
                        c as u32,
                        crate::redshift::NAMES
                    ),
                    "42602",
                ));
            }
        }
        let words = self.leading_words();
        let command = if self.tokens.first().map(|t| &t.token) == Some(&Token::LParen) {
            commands::find(&["SELECT".to_owned()])
        } else {
            commands::find(&words)
        };
        let Some(command) = command else {
            let shown = if words.is_empty() {
                "this statement".to_owned()
            } else {
                words.iter().take(3).cloned().collect::<Vec<_>>().join(" ")
            };
            return Verdict::Refused(refuse(
                &format!(
                    "{shown} is not a command of Amazon Redshift (DG c_SQL_commands lists none such); {UNSETTLED}"
                ),
                "0A000",
            ));
        };
        match command.words {
            "INSERT" | "UPDATE" | "DELETE" | "WITH" => {
                if self.has_word("RETURNING") {
                    return Verdict::Refused(unsettled(&format!(
                        "RETURNING is not in DG {}",
                        command.source
                    )));
                }
                if (0..self.tokens.len()).any(|i| {
                    self.word_at(i).as_deref() == Some("ON")
                        && self.word_at(i + 1).as_deref() == Some("CONFLICT")
                }) {
                    return Verdict::Refused(unsettled(
                        "INSERT ... ON CONFLICT is not in DG r_INSERT_30",
                    ));
                }
            }
            "COPY" if self.has_word("STDIN") || self.has_word("STDOUT") => {
                return Verdict::Refused(unsettled(
                    "COPY reads from Amazon S3, DynamoDB, EMR or remote hosts (DG r_COPY), not STDIN or STDOUT",
                ));
            }
            "SET" => return self.set(),
            "RESET" => return self.reset(),
            "SHOW" => return self.show(),
            "ALTER USER" | "ALTER DATABASE" | "ALTER ROLE" => {
                // ALTER USER name SET parameter { TO | = } value (DG cm_chap_ConfigurationRef).
                for i in 0..self.tokens.len() {
                    if matches!(self.word_at(i).as_deref(), Some("SET" | "RESET"))
                        && let Some(Token::Word(p)) = self.tokens.get(i + 1).map(|t| &t.token)
                        && !p.value.eq_ignore_ascii_case("ALL")
                        && (parameters::find(&p.value).is_none()
                            || self.tokens.get(i + 2).map(|t| &t.token) == Some(&Token::Period))
                    {
                        let name = self.dotted_name(i + 1);
                        return Verdict::Refused(denied(&name));
                    }
                }
            }
            _ => {}
        }
        self.function_calls()
    }

    /// Calls of the functions the tables name, current_setting by the parameter it reads, and
    /// the catalog tables Redshift shows in another form (read from the simulator's views).
    fn function_calls(&self) -> Verdict {
        let t = &self.tokens;
        let token = |i: usize| t.get(i).map(|t| &t.token);
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        for i in 0..t.len() {
            let Some(Token::Word(w)) = token(i) else {
                continue;
            };
            if w.quote_style.is_none()
                && token(i + 1) != Some(&Token::Period)
                && token(i + 1) != Some(&Token::LParen)
                && let Some(shown) = catalog::shown_as(&w.value)
            {
                // `pg_namespace` or `pg_catalog.pg_namespace`, never a column qualifier or
                // another schema's table.
                let before = |k: usize| i.checked_sub(k).and_then(token);
                let start = match (before(1), before(2)) {
                    (Some(Token::Period), Some(Token::Word(q)))
                        if q.value.eq_ignore_ascii_case("pg_catalog") =>
                    {
                        Some(i - 2)
                    }
                    (Some(Token::Period), _) => None,
                    _ => Some(i),
                };
                if let Some(start) = start {
                    edits.push((
                        self.offsets.at(t[start].span.start),
                        self.offsets.at(t[i].span.end),
                        shown.view.to_owned(),
                    ));
                }
                continue;
            }
            if w.quote_style.is_some() || token(i + 1) != Some(&Token::LParen) {
                continue;
            }
            // Unqualified, or qualified by pg_catalog; any other schema's function is its own.
            let start = if i > 0 && token(i - 1) == Some(&Token::Period) {
                match token(i.wrapping_sub(2)) {
                    Some(Token::Word(q))
                        if i >= 2 && q.value.eq_ignore_ascii_case("pg_catalog") =>
                    {
                        i - 2
                    }
                    _ => continue,
                }
            } else {
                i
            };
            let from = self.offsets.at(t[start].span.start);
            if w.value.eq_ignore_ascii_case("current_setting") {
                // current_setting('name' [, missing_ok]) (DG r_CURRENT_SETTING).
                let name = match token(i + 2) {
                    Some(Token::SingleQuotedString(s)) => s.clone(),
                    _ => {
                        return Verdict::Refused(unsettled(
                            "current_setting of a name that is not a literal",
                        ));
                    }
                };
                let close = (i + 3..t.len()).find(|&j| token(j) == Some(&Token::RParen));
                let Some(close) = close else { continue };
                let to = self.offsets.at(t[close].span.end);
                let replacement = match parameters::find(&name) {
                    // A context variable (DG r_CURRENT_SETTING).
                    None if name.contains('.') => continue,
                    Some(p) => match p.backing {
                        Backing::Postgres => continue,
                        Backing::Simulated(d) => simulated_value(p.name, d),
                    },
                    None => format!("mlsim.restricted_setting({})", lit(&name)),
                };
                edits.push((from, to, replacement));
                continue;
            }
            match catalog::function(&w.value).map(|f| f.call) {
                Some(Call::Refused(words)) => return Verdict::Refused(refuse(words, "0A000")),
                Some(Call::Simulated(target)) => {
                    edits.push((from, self.offsets.at(t[i].span.end), target.to_owned()));
                }
                None => {}
            }
        }
        if edits.is_empty() {
            return Verdict::Accepted;
        }
        let borrowed: Vec<(usize, usize, &str)> =
            edits.iter().map(|(s, e, r)| (*s, *e, r.as_str())).collect();
        Verdict::Rewritten(self.edited(&borrowed))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use crate::rewrite::one;

    pub(in crate::rewrite) fn refused(sql: &str) -> String {
        let out = one(sql);
        assert!(out.starts_with("CALL mlsim.refuse("), "{sql} -> {out}");
        out
    }

    #[test]
    fn statement_kinds_redshift_lacks_are_refused() {
        for sql in [
            "CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE EVENT TRIGGER t ON ddl_command_end EXECUTE FUNCTION f()",
            "CREATE RULE r AS ON INSERT TO t DO NOTHING",
            "CREATE EXTENSION pgcrypto",
            "CREATE INDEX i ON t (a)",
            "DO $$ BEGIN END $$",
            "LISTEN c",
            "SET ROLE bob",
            "SAVEPOINT a",
            "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
            "INSERT INTO t VALUES (1) RETURNING a",
            "UPDATE t SET a = 1 RETURNING a",
            "COPY t FROM STDIN",
            "SELECT * FROM pg_catalog.pg_settings",
            "SELECT tgname FROM pg_trigger",
            "SELECT pg_advisory_lock(1)",
            "SELECT current_setting(x)",
        ] {
            refused(sql);
        }
    }

    #[test]
    fn acl_catalog_tables_are_read_from_views_that_show_redshifts_form() {
        assert_eq!(
            one(
                "SELECT n.nspname, nspacl FROM pg_catalog.pg_namespace n JOIN pg_language l ON true"
            ),
            "SELECT n.nspname, nspacl FROM mlsim.pg_namespace n JOIN mlsim.pg_language l ON true"
        );
        assert_eq!(
            one("SELECT pg_namespace.oid FROM x.pg_namespace"),
            "SELECT pg_namespace.oid FROM x.pg_namespace"
        );
    }

    #[test]
    fn current_setting_follows_the_reference() {
        assert_eq!(
            one("SELECT current_setting('search_path')"),
            "SELECT current_setting('search_path')"
        );
        assert_eq!(
            one("SELECT current_setting('server_version')"),
            "SELECT mlsim.restricted_setting('server_version')"
        );
        assert_eq!(
            one("SELECT pg_catalog.current_setting('query_group')"),
            "SELECT coalesce(nullif(current_setting('mlsim.query_group', true), ''), 'default')"
        );
        assert_eq!(
            one("SELECT has_assumerole_privilege('bob', 'default', 'create model')"),
            "SELECT mlsim.has_assumerole_privilege('bob', 'default', 'create model')"
        );
    }
}
