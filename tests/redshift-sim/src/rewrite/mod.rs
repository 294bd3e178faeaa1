//! Rewrites Redshift's ML grammar (and the few other Redshift statements PostgreSQL lacks) onto
//! the PostgreSQL objects that the sql/ files set up; passes everything else through unchanged.
//!
//! A simple-query message is split into statements with sqlparser's tokenizer (Redshift dialect);
//! each ML statement becomes a `CALL mlsim.<procedure>(literals)` that runs in the same
//! transaction, as the calling user. Statements mlgrant must never rely on (SAVEPOINT, advisory
//! locks, SQL-level PREPARE of anything but SELECT/INSERT/UPDATE/DELETE) become a CALL that fails
//! with SQLSTATE 0A000, so errors and transaction state are PostgreSQL's own. Calls of version()
//! become calls of mlsim.version(), Redshift's answer (PostgreSQL's builtin cannot be replaced).
//! If the tokenizer cannot read a message, it is passed through untouched. The front rewrites
//! simple-query messages and the extended protocol's Parse messages alike.
//!
//! The work is split by grammar: `cursor` reads tokens and maps them back to the message's text,
//! `model` handles CREATE/DROP MODEL, `identity` users, groups, roles and grantee names, `grant`
//! GRANT and REVOKE. This module splits the message, dispatches each statement and spells the
//! literals the CALLs take.
//!
//! It must never alter a statement it does not recognise (that statement's own text goes
//! through), and never put the message's text into a CALL it builds except as a literal (`lit`).

mod cursor;
mod grant;
mod identity;
mod model;
mod setting;
mod strict;

use sqlparser::dialect::RedshiftSqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use cursor::{Cursor, Offsets, Statement};

/// A simple-query message after rewriting.
#[derive(Debug, PartialEq, Eq)]
pub struct Rewritten {
    /// Each statement's SQL, in order, without the separating semicolons.
    pub statements: Vec<String>,
    /// Whether any statement differs from the text that came in.
    pub changed: bool,
    /// Each statement as the client wrote it (for the query history).
    pub originals: Vec<String>,
}

impl Rewritten {
    /// The statements as one message.
    pub fn sql(&self) -> String {
        self.statements.join(";\n")
    }
}

/// Splits and rewrites one simple-query message (or a Parse message's statement).
pub fn rewrite(sql: &str) -> Rewritten {
    let Ok(tokens) = Tokenizer::new(&RedshiftSqlDialect {}, sql).tokenize_with_location() else {
        return Rewritten {
            statements: vec![sql.to_owned()],
            changed: false,
            originals: vec![sql.to_owned()],
        };
    };
    let offsets = Offsets::new(sql);
    let mut statements = Vec::new();
    let mut originals = Vec::new();
    let mut changed = false;
    for piece in tokens.split(|t| t.token == Token::SemiColon) {
        let significant: Vec<&TokenWithSpan> = piece
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
            .collect();
        let (Some(first), Some(last)) = (significant.first(), significant.last()) else {
            continue;
        };
        let original = &sql[offsets.at(first.span.start)..offsets.at(last.span.end)];
        originals.push(original.to_owned());
        let stmt = Statement {
            sql,
            offsets: &offsets,
            tokens: significant,
        };
        match stmt.rewrite() {
            Some(new) => {
                changed = true;
                statements.push(new);
            }
            None => statements.push(original.to_owned()),
        }
    }
    Rewritten {
        statements,
        changed,
        originals,
    }
}

/// Whether SQL-level `PREPARE name AS <sql>` may take a statement: Redshift's PREPARE takes only
/// SELECT, INSERT, UPDATE and DELETE, WITH ... SELECT included (DG r_PREPARE). The extended
/// protocol is not limited so: Redshift runs any statement sent with Parse/Bind/Execute.
pub fn preparable(sql: &str) -> bool {
    let Ok(tokens) = Tokenizer::new(&RedshiftSqlDialect {}, sql).tokenize() else {
        return false;
    };
    let mut words = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::LParen));
    match words.next() {
        None | Some(Token::EOF) => true,
        Some(Token::Word(w)) if w.quote_style.is_none() => matches!(
            w.value.to_ascii_uppercase().as_str(),
            "SELECT" | "WITH" | "INSERT" | "UPDATE" | "DELETE"
        ),
        _ => false,
    }
}

/// The statement that raises Redshift's serialization error (mlsim.serialization_error, in
/// sql/shape.sql).
const SERIALIZATION_ERROR: &str = "CALL mlsim.serialization_error()";

/// What the statement the serialization-error knob picks becomes, in order: the CALL that raises
/// the error, inside the client's transaction, which PostgreSQL then aborts. A statement that
/// ends a transaction (`ends_transaction`) becomes ROLLBACK and then the CALL: a COMMIT that
/// fails on a serialization conflict leaves no transaction open, and neither does this (the
/// CALL left alone would leave an aborted transaction waiting for a ROLLBACK that never comes).
pub fn serialization_error(ends_transaction: bool) -> Vec<String> {
    let mut out = Vec::with_capacity(2);
    if ends_transaction {
        out.push("ROLLBACK".to_owned());
    }
    out.push(SERIALIZATION_ERROR.to_owned());
    out
}

/// Whether a statement is COMMIT, END, ROLLBACK or ABORT, alone or followed by WORK or
/// TRANSACTION.
pub fn ends_transaction(sql: &str) -> bool {
    let Ok(tokens) = Tokenizer::new(&RedshiftSqlDialect {}, sql).tokenize() else {
        return false;
    };
    let mut words = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon | Token::EOF))
        .map(|t| match t {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        });
    let first = words.next().flatten();
    let second = words.next();
    matches!(
        first.as_deref(),
        Some("COMMIT" | "END" | "ROLLBACK" | "ABORT")
    ) && match second {
        None => true,
        Some(w) => matches!(w.as_deref(), Some("WORK" | "TRANSACTION")) && words.next().is_none(),
    }
}

/// The number of statements in a simple-query message.
pub fn count_statements(sql: &str) -> usize {
    rewrite(sql).statements.len()
}

/// A SQL string literal (standard_conforming_strings is on).
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn lit_or_null(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_owned(), lit)
}

fn text_array(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| lit(s)).collect();
    format!("ARRAY[{}]::text[]", inner.join(", "))
}

fn nullable_text_array(items: &[Option<String>]) -> String {
    let inner: Vec<String> = items.iter().map(|s| lit_or_null(s.as_deref())).collect();
    format!("ARRAY[{}]::text[]", inner.join(", "))
}

fn refuse(message: &str, code: &str) -> String {
    format!("CALL mlsim.refuse({}, {})", lit(message), lit(code))
}

impl Statement<'_> {
    /// The rewritten statement, or `None` to pass it through unchanged. The strict front
    /// (strict.rs) speaks first: what Redshift refuses never reaches the grammar or PostgreSQL.
    fn rewrite(&self) -> Option<String> {
        match self.strict() {
            strict::Verdict::Refused(call) => Some(call),
            strict::Verdict::Rewritten(sql) => self.rewrite_grammar().or(Some(sql)),
            strict::Verdict::Accepted => self.rewrite_grammar(),
        }
    }

    /// SQL-level PREPARE: refused unless the statement is one Redshift's PREPARE takes.
    fn prepare(&self, mut c: Cursor<'_, '_>) -> Option<String> {
        c.word().ok()?;
        let mut depth = 0i32;
        loop {
            match c.peek()? {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                Token::Word(w)
                    if depth == 0
                        && w.quote_style.is_none()
                        && w.value.eq_ignore_ascii_case("AS") =>
                {
                    c.pos += 1;
                    break;
                }
                _ => {}
            }
            c.pos += 1;
        }
        let body = c.text_until(|_| false);
        (!preparable(&body)).then(|| {
            refuse(
                "PREPARE supports only SELECT, INSERT, UPDATE and DELETE statements (Amazon Redshift)",
                "0A000",
            )
        })
    }

    /// Redshift's grammar rewritten, or `None`.
    fn rewrite_grammar(&self) -> Option<String> {
        let mut c = self.cursor();
        let result = if c.eat_kw("CREATE") {
            if c.eat_kw("MODEL") {
                self.create_model(c, false)
            } else if c.is_kw("EXTERNAL") && {
                c.pos += 1;
                c.eat_kw("MODEL")
            } {
                self.create_model(c, true)
            } else if c.eat_kw("GROUP") {
                self.create_group(c)
            } else if c.eat_kw("ROLE") {
                self.create_role(c)
            } else if c.eat_kw("IDENTITY") {
                self.create_identity_provider(c)
            } else if c.is_kw("USER") {
                return self.user_options();
            } else {
                return None;
            }
        } else if c.eat_kw("DROP") {
            if c.eat_kw("MODEL") {
                self.drop_model(c)
            } else if c.eat_kw("GROUP") {
                self.drop_identity(c, "group")
            } else if c.eat_kw("ROLE") {
                self.drop_identity(c, "role")
            } else {
                return None;
            }
        } else if c.eat_kw("ALTER") {
            if c.eat_kw("GROUP") {
                return self.alter_group(c);
            } else if c.is_kw("USER") {
                return self.user_options();
            }
            return None;
        } else if c.is_kw("GRANT") || c.is_kw("REVOKE") {
            return self.grant(c);
        } else if c.eat_kw("PREPARE") {
            return self.prepare(c);
        } else if c.is_kw("SAVEPOINT")
            || c.is_kw("RELEASE")
            || (c.eat_kw("ROLLBACK")
                && (c.is_kw("TO") || c.is_kw("TRANSACTION") || c.is_kw("WORK"))
                && {
                    c.eat_kw("TRANSACTION");
                    c.eat_kw("WORK");
                    c.is_kw("TO")
                })
        {
            Ok(refuse(
                "SAVEPOINT is not supported (Amazon Redshift)",
                "0A000",
            ))
        } else {
            return None;
        };
        Some(result.unwrap_or_else(|e| refuse(&e, "42601")))
    }
}

/// One statement's rewrite, for the unit tests here and in the submodules.
#[cfg(test)]
fn one(sql: &str) -> String {
    let r = rewrite(sql);
    assert_eq!(r.statements.len(), 1, "{sql}");
    r.statements[0].clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_ordinary_sql_through_unchanged() {
        let sql = "select 1; create table t (a int) ;  GRANT USAGE ON SCHEMA s TO GROUP g";
        let r = rewrite(sql);
        assert!(!r.changed);
        assert_eq!(
            r.statements,
            [
                "select 1",
                "create table t (a int)",
                "GRANT USAGE ON SCHEMA s TO GROUP g"
            ]
        );
    }

    #[test]
    fn refuses_savepoints_and_advisory_locks() {
        for sql in [
            "SAVEPOINT a",
            "ROLLBACK TO SAVEPOINT a",
            "release a",
            "select pg_advisory_lock(1)",
        ] {
            assert!(one(sql).starts_with("CALL mlsim.refuse("), "{sql}");
        }
        assert_eq!(one("ROLLBACK"), "ROLLBACK");
    }

    #[test]
    fn version_calls_answer_redshifts_version() {
        assert_eq!(
            one("SELECT version(), pg_catalog.VERSION ( ), x.version()"),
            "SELECT mlsim.version(), mlsim.version ( ), x.version()"
        );
        assert_eq!(one("select 'version()'"), "select 'version()'");
    }

    #[test]
    fn sql_level_prepare_takes_only_dml() {
        assert_eq!(
            one("PREPARE p (int) AS SELECT $1"),
            "PREPARE p (int) AS SELECT $1"
        );
        assert!(one("prepare p as create table t (a int)").contains("0A000"));
        assert!(one("PREPARE p AS GRANT USAGE ON SCHEMA s TO u").contains("0A000"));
    }

    #[test]
    fn statements_that_end_a_transaction() {
        for sql in [
            "COMMIT",
            "end",
            "commit work",
            "ROLLBACK TRANSACTION",
            "abort;",
        ] {
            assert!(ends_transaction(sql), "{sql}");
        }
        for sql in [
            "BEGIN",
            "ROLLBACK TO SAVEPOINT a",
            "COMMIT PREPARED 'x'",
            "select 1",
            "\"commit\"",
            "",
        ] {
            assert!(!ends_transaction(sql), "{sql}");
        }
        assert_eq!(
            serialization_error(true),
            ["ROLLBACK", "CALL mlsim.serialization_error()"]
        );
        assert_eq!(
            serialization_error(false),
            ["CALL mlsim.serialization_error()"]
        );
    }

    #[test]
    fn preparable_statements() {
        assert!(preparable("select 1"));
        assert!(preparable(" (select 1)"));
        assert!(preparable("with x as (select 1) select * from x"));
        assert!(!preparable("GRANT USAGE ON SCHEMA s TO u"));
        assert!(!preparable("create table t (a int)"));
    }
}
