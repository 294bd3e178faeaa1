//! Rewrites Redshift's ML grammar (and the few other Redshift statements PostgreSQL lacks) onto
//! the PostgreSQL objects that bootstrap.sql sets up; passes everything else through unchanged.
//!
//! A simple-query message is split into statements with sqlparser's tokenizer (Redshift dialect);
//! each ML statement becomes a `CALL mlsim.<procedure>(literals)` that runs in the same
//! transaction, as the calling user. Statements mlgrant must never rely on (SAVEPOINT, advisory
//! locks) become a CALL that fails with SQLSTATE 0A000, so errors and transaction state are
//! PostgreSQL's own. If the tokenizer cannot read a message, it is passed through untouched.

use sqlparser::dialect::RedshiftSqlDialect;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Word};

/// A simple-query message after rewriting.
#[derive(Debug, PartialEq, Eq)]
pub struct Rewritten {
    /// Each statement's SQL, in order, without the separating semicolons.
    pub statements: Vec<String>,
    /// Whether any statement differs from the text that came in.
    pub changed: bool,
}

impl Rewritten {
    /// The statements as one message.
    pub fn sql(&self) -> String {
        self.statements.join(";\n")
    }
}

/// Splits and rewrites one simple-query message.
pub fn rewrite(sql: &str) -> Rewritten {
    let Ok(tokens) = Tokenizer::new(&RedshiftSqlDialect {}, sql).tokenize_with_location() else {
        return Rewritten {
            statements: vec![sql.to_owned()],
            changed: false,
        };
    };
    let offsets = Offsets::new(sql);
    let mut statements = Vec::new();
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
    }
}

/// Whether a statement may go through the extended protocol: Redshift's PREPARE takes only
/// SELECT, INSERT, UPDATE and DELETE (WITH ... SELECT included).
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

/// The number of statements in a simple-query message.
pub fn count_statements(sql: &str) -> usize {
    rewrite(sql).statements.len()
}

/// Maps the tokenizer's line/column locations (characters) to byte offsets.
struct Offsets<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Offsets { text, line_starts }
    }

    fn at(&self, loc: Location) -> usize {
        let line = (loc.line as usize).max(1) - 1;
        let Some(&start) = self.line_starts.get(line) else {
            return self.text.len();
        };
        let column = (loc.column as usize).max(1) - 1;
        self.text[start..]
            .char_indices()
            .nth(column)
            .map_or(self.text.len(), |(i, _)| start + i)
    }
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

/// An identifier as the catalog stores it. Group, role, schema and model names fold to
/// lowercase quoted or not (Redshift without enable_case_sensitive_identifier); a quoted user
/// name keeps its case.
fn fold(w: &Word, keep_quoted_case: bool) -> String {
    if w.quote_style.is_some() && keep_quoted_case {
        w.value.clone()
    } else {
        w.value.to_ascii_lowercase()
    }
}

struct Statement<'a> {
    sql: &'a str,
    offsets: &'a Offsets<'a>,
    tokens: Vec<&'a TokenWithSpan>,
}

/// A reading position over a statement's significant tokens.
struct Cursor<'s, 'a> {
    stmt: &'s Statement<'a>,
    pos: usize,
}

type Parsed<T> = Result<T, String>;

impl<'s, 'a> Cursor<'s, 'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.stmt.tokens.get(self.pos).map(|t| &t.token)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.stmt.tokens.len()
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Parsed<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn unexpected(&self) -> String {
        match self.peek() {
            Some(t) => format!("syntax error at or near \"{t}\""),
            None => "syntax error at end of input".to_owned(),
        }
    }

    fn word(&mut self) -> Parsed<&'a Word> {
        match self.peek() {
            Some(Token::Word(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// `name` or `schema.name`; names fold as schemas and models do.
    fn qualified(&mut self) -> Parsed<(Option<String>, String)> {
        let first = fold(self.word()?, false);
        if self.eat(&Token::Period) {
            let second = fold(self.word()?, false);
            Ok((Some(first), second))
        } else {
            Ok((None, first))
        }
    }

    fn string(&mut self) -> Parsed<String> {
        match self.peek() {
            Some(Token::SingleQuotedString(s)) => {
                self.pos += 1;
                Ok(s.clone())
            }
            _ => Err(self.unexpected()),
        }
    }

    /// The source text from the current token up to (not including) the first token at paren
    /// depth 0 for which `stop` holds.
    fn text_until(&mut self, stop: impl Fn(&Self) -> bool) -> String {
        let start = self.pos;
        let mut depth = 0i32;
        while !self.at_end() {
            if depth == 0 && self.pos > start && stop(self) {
                break;
            }
            match self.peek() {
                Some(Token::LParen) => depth += 1,
                Some(Token::RParen) => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        self.stmt.text(start, self.pos)
    }

    /// `GROUP g`, `ROLE r`, `PUBLIC` or a user, as the procedures take them.
    fn grantees(&mut self) -> Parsed<Vec<String>> {
        let mut out = Vec::new();
        loop {
            if self.eat_kw("GROUP") {
                out.push(format!("group:{}", fold(self.word()?, false)));
            } else if self.eat_kw("ROLE") {
                out.push(format!("role:{}", fold(self.word()?, false)));
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

    fn users(&mut self) -> Parsed<Vec<String>> {
        let mut out = vec![fold(self.word()?, true)];
        while self.eat(&Token::Comma) {
            out.push(fold(self.word()?, true));
        }
        Ok(out)
    }

    fn end(&self) -> Parsed<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }
}

const MODEL_CLAUSES: &[&str] = &[
    "FROM",
    "TARGET",
    "FUNCTION",
    "RETURNS",
    "IAM_ROLE",
    "AUTO",
    "MODEL_TYPE",
    "PROBLEM_TYPE",
    "OBJECTIVE",
    "PREPROCESSORS",
    "HYPERPARAMETERS",
    "SETTINGS",
];

impl<'a> Statement<'a> {
    fn text(&self, from: usize, to: usize) -> String {
        if from >= to {
            return String::new();
        }
        let start = self.offsets.at(self.tokens[from].span.start);
        let end = self.offsets.at(self.tokens[to - 1].span.end);
        self.sql[start..end].to_owned()
    }

    fn cursor(&self) -> Cursor<'_, 'a> {
        Cursor { stmt: self, pos: 0 }
    }

    /// The rewritten statement, or `None` to pass it through unchanged.
    fn rewrite(&self) -> Option<String> {
        if self.tokens.iter().any(|t| {
            matches!(&t.token, Token::Word(w) if {
                let v = w.value.to_ascii_lowercase();
                v.starts_with("pg_advisory") || v.starts_with("pg_try_advisory")
            })
        }) {
            return Some(refuse(
                "advisory locks are not supported (Amazon Redshift)",
                "0A000",
            ));
        }
        let mut c = self.cursor();
        let result = if c.eat_kw("CREATE") {
            if c.eat_kw("MODEL") {
                self.create_model(c)
            } else if c.eat_kw("GROUP") {
                self.create_group(c)
            } else if c.eat_kw("ROLE") {
                self.create_role(c)
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

    fn create_model(&self, mut c: Cursor<'_, 'a>) -> Parsed<String> {
        let (schema, model) = c.qualified()?;
        let mut info = serde_json::Map::new();
        let (mut function, mut arg_types, mut returns, mut iam_role) =
            (None, Vec::new(), None, None);
        let is_clause = |c: &Cursor<'_, 'a>| MODEL_CLAUSES.iter().any(|k| c.is_kw(k));
        while !c.at_end() {
            let Some(Token::Word(w)) = c.peek() else {
                return Err(c.unexpected());
            };
            let clause = w.value.to_ascii_uppercase();
            if !MODEL_CLAUSES.contains(&clause.as_str()) || w.quote_style.is_some() {
                return Err(c.unexpected());
            }
            c.pos += 1;
            match clause.as_str() {
                "FUNCTION" => {
                    function = Some(fold(c.word()?, false));
                    if c.eat(&Token::LParen) && !c.eat(&Token::RParen) {
                        loop {
                            let t = c.text_until(|c| {
                                matches!(c.peek(), Some(Token::Comma | Token::RParen))
                            });
                            arg_types.push(t);
                            if c.eat(&Token::RParen) {
                                break;
                            }
                            if !c.eat(&Token::Comma) {
                                return Err(c.unexpected());
                            }
                        }
                    }
                }
                "IAM_ROLE" => {
                    iam_role = Some(if c.eat_kw("DEFAULT") {
                        "default".to_owned()
                    } else {
                        c.string()?
                    });
                }
                "RETURNS" => returns = Some(c.text_until(is_clause)),
                other => {
                    let text = c.text_until(is_clause);
                    if text.is_empty() {
                        return Err(c.unexpected());
                    }
                    info.insert(other.to_ascii_lowercase(), serde_json::Value::String(text));
                }
            }
        }
        for required in ["from", "target", "settings"] {
            if !info.contains_key(required) {
                return Err(format!(
                    "CREATE MODEL needs a {} clause",
                    required.to_ascii_uppercase()
                ));
            }
        }
        if !info["settings"]
            .as_str()
            .unwrap_or("")
            .to_ascii_uppercase()
            .contains("S3_BUCKET")
        {
            return Err("CREATE MODEL needs SETTINGS (S3_BUCKET 'bucket')".to_owned());
        }
        let function = function.ok_or("CREATE MODEL needs a FUNCTION clause")?;
        let iam_role = iam_role.ok_or("CREATE MODEL needs an IAM_ROLE clause")?;
        Ok(format!(
            "CALL mlsim.create_model({}, {}, {}, {}, {}, {}, {}::jsonb)",
            lit_or_null(schema.as_deref()),
            lit(&model),
            lit(&function),
            text_array(&arg_types),
            lit(returns.as_deref().unwrap_or("float8")),
            lit(&iam_role),
            lit(&serde_json::Value::Object(info).to_string())
        ))
    }

    fn drop_model(&self, mut c: Cursor<'_, 'a>) -> Parsed<String> {
        let if_exists = c.eat_kw("IF") && {
            c.expect_kw("EXISTS")?;
            true
        };
        let (schema, model) = c.qualified()?;
        c.end()?;
        Ok(format!(
            "CALL mlsim.drop_model({}, {}, {if_exists})",
            lit_or_null(schema.as_deref()),
            lit(&model)
        ))
    }

    fn create_group(&self, mut c: Cursor<'_, 'a>) -> Parsed<String> {
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

    fn alter_group(&self, mut c: Cursor<'_, 'a>) -> Option<String> {
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

    fn drop_identity(&self, mut c: Cursor<'_, 'a>, kind: &str) -> Parsed<String> {
        let name = fold(c.word()?, false);
        if !(c.eat_kw("FORCE") || c.eat_kw("RESTRICT")) {
            c.end()?;
        }
        Ok(format!(
            "CALL mlsim.drop_identity({}, {})",
            lit(kind),
            lit(&name)
        ))
    }

    fn create_role(&self, mut c: Cursor<'_, 'a>) -> Parsed<String> {
        let name = fold(c.word()?, false);
        if c.eat_kw("EXTERNALID") {
            c.word()?;
        }
        c.end()?;
        Ok(format!("CALL mlsim.create_role({})", lit(&name)))
    }

    /// CREATE USER / ALTER USER: Redshift's CREATEUSER options and PASSWORD DISABLE, spelled as
    /// PostgreSQL spells them.
    fn user_options(&self) -> Option<String> {
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

    /// The statement's text with byte ranges replaced.
    fn edited(&self, edits: &[(usize, usize, &str)]) -> String {
        let start = self.offsets.at(self.tokens[0].span.start);
        let end = self.offsets.at(self.tokens[self.tokens.len() - 1].span.end);
        let mut out = String::new();
        let mut at = start;
        for &(s, e, r) in edits {
            out.push_str(&self.sql[at..s]);
            out.push_str(r);
            at = e;
        }
        out.push_str(&self.sql[at..end]);
        out
    }

    fn grant(&self, mut c: Cursor<'_, 'a>) -> Option<String> {
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
    use super::*;

    fn one(sql: &str) -> String {
        let r = rewrite(sql);
        assert_eq!(r.statements.len(), 1, "{sql}");
        r.statements[0].clone()
    }

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
    fn rewrites_create_model_grants_and_groups() {
        assert_eq!(
            one("GRANT CREATE MODEL TO GROUP retention_analyst_grp"),
            "CALL mlsim.grant_create_model(true, ARRAY['group:retention_analyst_grp']::text[])"
        );
        assert_eq!(
            one("create group g with user a, \"B'c\""),
            "CALL mlsim.create_group('g', ARRAY['a', 'B''c']::text[])"
        );
        assert_eq!(
            one("ALTER GROUP g DROP USER a"),
            "CALL mlsim.alter_group('g', false, ARRAY['a']::text[])"
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
    fn reads_create_model() {
        let sql = "CREATE MODEL demo_ml.churn FROM (SELECT a, b FROM t WHERE c > 1) TARGET b \
                   FUNCTION predict_churn(int, varchar(20)) IAM_ROLE default \
                   SETTINGS (S3_BUCKET 'bucket', MAX_RUNTIME 1800)";
        let out = one(sql);
        assert!(out.starts_with("CALL mlsim.create_model('demo_ml', 'churn', 'predict_churn', ARRAY['int', 'varchar(20)']::text[], 'float8', 'default', '{"), "{out}");
        assert!(out.contains("(SELECT a, b FROM t WHERE c > 1)"), "{out}");
        assert!(
            one("CREATE MODEL m FROM t TARGET x FUNCTION f IAM_ROLE default")
                .contains("mlsim.refuse")
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
    fn preparable_statements() {
        assert!(preparable("select 1"));
        assert!(preparable(" (select 1)"));
        assert!(preparable("with x as (select 1) select * from x"));
        assert!(!preparable("GRANT USAGE ON SCHEMA s TO u"));
        assert!(!preparable("create table t (a int)"));
    }
}
