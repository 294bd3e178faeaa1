//! Reading a statement's tokens: the cursor over its significant tokens, the mapping from the
//! tokenizer's line/column locations to byte offsets in the message, and how identifiers fold.
//!
//! It must never know any statement's grammar (the keywords it looks for are the caller's) and
//! never produce SQL; the text it hands back is the message's own, cut at token boundaries.

use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Word};

/// Maps the tokenizer's line/column locations (characters) to byte offsets.
pub(super) struct Offsets<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Offsets<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Offsets { text, line_starts }
    }

    pub(super) fn at(&self, loc: Location) -> usize {
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

/// An identifier as the catalog stores it. Group, role, schema and model names fold to
/// lowercase quoted or not (Redshift without enable_case_sensitive_identifier); a quoted user
/// name keeps its case.
pub(super) fn fold(w: &Word, keep_quoted_case: bool) -> String {
    if w.quote_style.is_some() && keep_quoted_case {
        w.value.clone()
    } else {
        w.value.to_ascii_lowercase()
    }
}

/// One statement of a message: its significant tokens (no whitespace, comments or semicolons).
pub(super) struct Statement<'a> {
    pub(super) sql: &'a str,
    pub(super) offsets: &'a Offsets<'a>,
    pub(super) tokens: Vec<&'a TokenWithSpan>,
}

/// A reading position over a statement's significant tokens.
pub(super) struct Cursor<'s, 'a> {
    pub(super) stmt: &'s Statement<'a>,
    pub(super) pos: usize,
}

pub(super) type Parsed<T> = Result<T, String>;

impl<'s, 'a> Cursor<'s, 'a> {
    pub(super) fn peek(&self) -> Option<&'a Token> {
        self.stmt.tokens.get(self.pos).map(|t| &t.token)
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.stmt.tokens.len()
    }

    pub(super) fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    pub(super) fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn expect_kw(&mut self, kw: &str) -> Parsed<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    pub(super) fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn unexpected(&self) -> String {
        match self.peek() {
            Some(t) => format!("syntax error at or near \"{t}\""),
            None => "syntax error at end of input".to_owned(),
        }
    }

    pub(super) fn word(&mut self) -> Parsed<&'a Word> {
        match self.peek() {
            Some(Token::Word(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// A role name: a word, or a reserved role's `sys:name` / `ds:name` written without quotes,
    /// as AWS writes `GRANT ROLE sys:monitor TO ...` (DG r_roles-default and the console guides).
    pub(super) fn role_name(&mut self) -> Parsed<String> {
        let w = self.word()?;
        // A quoted `namespace:group` is a role Redshift made for an identity provider's group:
        // it keeps the directory's case, as a quoted user name does (unverified: AWS's pages
        // write such names in their own case, e.g. "AWSIDC:...").
        let first = fold(w, w.quote_style.is_some() && w.value.contains(':'));
        if w.quote_style.is_none() && matches!(first.as_str(), "sys" | "ds") {
            match self.peek() {
                Some(Token::Colon) => {
                    self.pos += 1;
                    let rest = fold(self.word()?, false);
                    return Ok(format!("{first}:{rest}"));
                }
                Some(Token::Placeholder(p)) if p.starts_with(':') => {
                    let p = p.to_ascii_lowercase();
                    self.pos += 1;
                    return Ok(format!("{first}{p}"));
                }
                _ => {}
            }
        }
        Ok(first)
    }

    /// `name` or `schema.name`; names fold as schemas and models do.
    pub(super) fn qualified(&mut self) -> Parsed<(Option<String>, String)> {
        let first = fold(self.word()?, false);
        if self.eat(&Token::Period) {
            let second = fold(self.word()?, false);
            Ok((Some(first), second))
        } else {
            Ok((None, first))
        }
    }

    pub(super) fn string(&mut self) -> Parsed<String> {
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
    pub(super) fn text_until(&mut self, stop: impl Fn(&Self) -> bool) -> String {
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

    pub(super) fn end(&self) -> Parsed<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }
}

impl<'a> Statement<'a> {
    fn text(&self, from: usize, to: usize) -> String {
        if from >= to {
            return String::new();
        }
        let start = self.offsets.at(self.tokens[from].span.start);
        let end = self.offsets.at(self.tokens[to - 1].span.end);
        self.sql[start..end].to_owned()
    }

    pub(super) fn cursor(&self) -> Cursor<'_, 'a> {
        Cursor { stmt: self, pos: 0 }
    }

    /// The statement's text with byte ranges replaced.
    pub(super) fn edited(&self, edits: &[(usize, usize, &str)]) -> String {
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
}
