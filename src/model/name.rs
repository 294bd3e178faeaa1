//! Names as the catalog stores them, and the rules a name must pass before it may reach SQL.
//!
//! A [`Name`] is only ever built by [`Name::new`], which checks the Redshift naming rules for its
//! [`NameKind`]. It never touches SQL text: turning a name into SQL is the renderer's job
//! (`render::quote_ident`). SQL-style text, such as a model key `"odd.schema".model`, is read with
//! sqlparser's tokenizer and its Redshift dialect in [`read_qualified`], the one reader of SQL names.

use std::fmt;

use serde::Serialize;
use sqlparser::dialect::RedshiftSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// Longest identifier Redshift accepts, in bytes.
pub const MAX_NAME_BYTES: usize = 127;

/// What a name names; each kind has its own rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NameKind {
    Group,
    User,
    Role,
    Schema,
    Model,
}

impl NameKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::Group => "group",
            NameKind::User => "user",
            NameKind::Role => "role",
            NameKind::Schema => "schema",
            NameKind::Model => "model",
        }
    }
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a name was refused; `hint` says how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    pub message: String,
    pub hint: Option<String>,
}

impl NameError {
    fn new(message: impl Into<String>, hint: Option<String>) -> Self {
        NameError {
            message: message.into(),
            hint,
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for NameError {}

/// A validated identifier, exactly as the catalog stores it. Interned: a name is the id of its
/// text in the one table of names (`intern`), so that the million grants of a large plan copy,
/// hash and compare names as 4-byte integers. Names sort by their text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Name(u32);

impl Ord for Name {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if self.0 == other.0 {
            return std::cmp::Ordering::Equal;
        }
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Name").field(&self.as_str()).finish()
    }
}

/// A text's sort key that orders as the text does (byte by byte, as `str` orders), compared
/// as an integer wherever two texts differ in their first 16 bytes: the first 16 bytes as one
/// big-endian number (zero padded), then how many of them the text has, then the rest of it.
/// Zero padding reads a short text as followed by NULs, and the count puts it first where that
/// is all that tells two texts apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TextKey {
    head: u128,
    head_len: u8,
    rest: &'static [u8],
}

impl TextKey {
    pub fn of(text: &'static str) -> TextKey {
        let bytes = text.as_bytes();
        let n = bytes.len().min(16);
        let mut head = [0u8; 16];
        head[..n].copy_from_slice(&bytes[..n]);
        TextKey {
            head: u128::from_be_bytes(head),
            head_len: n as u8,
            rest: &bytes[n..],
        }
    }
}

impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Name {
    /// Checks `raw` against the rules for `kind` (DG r_names, r_CREATE_GROUP, r_CREATE_ROLE,
    /// r_CREATE_USER) and returns it as a name.
    pub fn new(kind: NameKind, raw: &str) -> Result<Name, NameError> {
        check(kind, raw)?;
        Ok(Name(super::intern::id(raw)))
    }

    /// A name read from the cluster's catalog: what the catalog stores is the name, so the
    /// file-side rules (case, reserved forms) do not apply.
    pub fn from_catalog(raw: &str) -> Name {
        Name(super::intern::id(raw))
    }

    /// The id of the name's text: equal names have equal ids (their order is not the text's).
    pub(crate) fn id(&self) -> u32 {
        self.0
    }

    pub fn as_str(&self) -> &str {
        super::intern::text(self.0)
    }

    /// What the name sorts by, for a sort that caches it: compared mostly as one integer.
    pub fn sort_key(&self) -> TextKey {
        TextKey::of(self.text())
    }

    /// [`Name::as_str`], borrowed from the table of names, which lives as long as the process
    /// (it only grows): for keys that outlive the name they were read from.
    pub fn text(&self) -> &'static str {
        super::intern::text(self.0)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The identity-provider namespace of a role or user name, if it has one: the part before the
/// first `:`, unless that is an IAM prefix of a user (`IAM:`, `IAMR:`, `IAMA:`, DG
/// r_GRANT-usage-notes) or a system or data-sharing prefix (`sys:`, `ds:`, DG r_roles-default),
/// which name no directory.
pub fn idp_namespace(raw: &str) -> Option<&str> {
    let (ns, rest) = raw.split_once(':')?;
    if ns.is_empty()
        || rest.is_empty()
        || ["iam", "iamr", "iama", "sys", "ds"]
            .iter()
            .any(|p| ns.eq_ignore_ascii_case(p))
    {
        return None;
    }
    Some(ns)
}

fn check(kind: NameKind, raw: &str) -> Result<(), NameError> {
    if raw.is_empty() {
        return Err(NameError::new(format!("empty {kind} name"), None));
    }
    if raw.len() > MAX_NAME_BYTES {
        return Err(NameError::new(
            format!(
                "{kind} name is {} bytes long; Redshift allows at most {MAX_NAME_BYTES}",
                raw.len()
            ),
            Some("shorten the name".into()),
        ));
    }
    if let Some(c) = raw.chars().find(|c| c.is_control()) {
        return Err(NameError::new(
            format!(
                "{kind} name contains the control character U+{:04X}",
                c as u32
            ),
            Some("identifiers are printable UTF-8 only".into()),
        ));
    }
    if let Some(c) = raw.chars().find(|&c| crate::text::is_hidden(c)) {
        return Err(NameError::new(
            format!(
                "{kind} name contains U+{:04X}, a character that changes how the text around it reads without showing itself (a bidirectional override, a zero-width character or a separator)",
                c as u32
            ),
            Some(
                "a name that reads as another name is refused; write it without such characters"
                    .into(),
            ),
        ));
    }
    if raw.eq_ignore_ascii_case("public") {
        return Err(NameError::new(
            format!("`{raw}` cannot be a {kind} name: PUBLIC is reserved"),
            Some("write `public` alone (not as a name) to grant to everyone".into()),
        ));
    }
    // Letters fold to lowercase, quoted or not, for every kind but users (DG r_names,
    // r_enable_case_sensitive_identifier; a quoted user name keeps its case, DG r_CREATE_USER)
    // and the roles Redshift makes for a directory's groups, which keep the directory's case
    // (`AWSIDC:DataScience`).
    let directory_role = kind == NameKind::Role && idp_namespace(raw).is_some();
    if kind != NameKind::User && !directory_role && raw.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(NameError::new(
            format!(
                "{kind} name `{raw}` has uppercase letters; Redshift stores it as `{}`",
                raw.to_ascii_lowercase()
            ),
            Some(format!(
                "write the name as the catalog stores it: `{}`",
                raw.to_ascii_lowercase()
            )),
        ));
    }
    match kind {
        NameKind::Group if raw.starts_with("__") => Err(NameError::new(
            format!("group name `{raw}` starts with `__`, which Redshift reserves"),
            Some("choose a name that does not start with two underscores".into()),
        )),
        NameKind::Role if raw.starts_with("sys:") || raw.starts_with("ds:") => Err(NameError::new(
            format!("role name `{raw}` starts with `sys:` or `ds:`, which Redshift reserves for its system and data-sharing roles"),
            None,
        )),
        // CREATE ROLE refuses `:` and `/` (DG r_role-usage-notes); only the roles Redshift makes
        // for an identity provider's groups, `namespace:group`, have a colon.
        NameKind::Role if !directory_role && raw.contains([':', '/']) => Err(NameError::new(
            format!("role name `{raw}` contains `:` or `/`, which Redshift refuses in role names"),
            Some("a role Redshift made for an identity provider's group is written `role:namespace:group`, e.g. `role:aad:ml_team`".into()),
        )),
        _ => Ok(()),
    }
}

/// Where, inside a piece of SQL-style text, a reading problem was found (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
    pub hint: Option<String>,
    pub at: std::ops::Range<usize>,
}

/// Reads `schema.name` written in SQL style (`demo_ml.churn`, `"odd.schema".model`) with
/// sqlparser's tokenizer and the Redshift dialect. Returns the two parts as written, unquoted
/// and unescaped, with their byte ranges in `text`; they are not yet validated as names.
pub fn read_qualified(text: &str) -> Result<[(String, std::ops::Range<usize>); 2], ReadError> {
    let whole = 0..text.len();
    let dialect = RedshiftSqlDialect {};
    let tokens = Tokenizer::new(&dialect, text)
        .tokenize_with_location()
        .map_err(|e| ReadError {
            message: format!("cannot read `{text}` as schema.model: {}", e.message),
            hint: Some(r#"quote a part with double quotes: '"odd.schema".model'"#.into()),
            at: whole.clone(),
        })?;
    let offsets = LineOffsets::new(text);
    let mut parts = Vec::new();
    let mut expect_word = true;
    for t in &tokens {
        let range = offsets.range(t.span.start, t.span.end);
        match (&t.token, expect_word) {
            (Token::EOF, _) => break,
            (Token::Word(w), true) => {
                parts.push((w.value.clone(), range));
                expect_word = false;
            }
            (Token::Period, false) => expect_word = true,
            (other, _) => {
                let what = match other {
                    Token::Whitespace(_) => "whitespace".to_owned(),
                    other => format!("`{other}`"),
                };
                return Err(ReadError {
                    message: format!(
                        "model key `{text}` is not exactly schema.model: unexpected {what}"
                    ),
                    hint: Some(
                        r#"write the key as schema.model; quote a part that holds dots, spaces or other special characters: '"odd.schema".model'"#
                            .into(),
                    ),
                    at: range,
                });
            }
        }
    }
    if parts.len() != 2 || expect_word {
        return Err(ReadError {
            message: format!(
                "model key `{text}` is not exactly schema.model: it has {} part{}",
                parts.len(),
                if parts.len() == 1 { "" } else { "s" }
            ),
            hint: Some(
                r#"name the model with its schema, e.g. "demo_ml.customer_churn"; quote a part that holds a dot: '"odd.schema".model'"#
                    .into(),
            ),
            at: whole,
        });
    }
    let second = parts.pop().expect("two parts");
    let first = parts.pop().expect("two parts");
    Ok([first, second])
}

/// Maps the tokenizer's 1-based line/column (in characters) back to byte offsets.
struct LineOffsets<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineOffsets<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineOffsets { text, line_starts }
    }

    fn offset(&self, loc: sqlparser::tokenizer::Location) -> usize {
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

    fn range(
        &self,
        start: sqlparser::tokenizer::Location,
        end: sqlparser::tokenizer::Location,
    ) -> std::ops::Range<usize> {
        let s = self.offset(start);
        let e = self.offset(end).max(s);
        s..e
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn text_keys_order_as_the_texts_do() {
        let texts = [
            "",
            "\0",
            "a",
            "a\0",
            "a\0b",
            "ab",
            "abcdefghijklmnop",
            "abcdefghijklmno",
            "abcdefghijklmnop\0",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
            "é",
            "e\u{301}",
            "zzzzzzzzzzzzzzzzzzzz",
            "s000",
            "s001",
            "m10",
            "m9",
            "M9",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(TextKey::of(a).cmp(&TextKey::of(b)), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    use super::*;

    #[test]
    fn reads_plain_and_quoted_parts() {
        let [s, m] = read_qualified("demo_ml.churn").unwrap();
        assert_eq!((s.0.as_str(), s.1), ("demo_ml", 0..7));
        assert_eq!((m.0.as_str(), m.1), ("churn", 8..13));
        let [s, m] = read_qualified(r#""odd.sch""ema".model"#).unwrap();
        assert_eq!(s.0, "odd.sch\"ema");
        assert_eq!(m.0, "model");
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in ["churn", "a.b.c", "a.", ".b", "a . b", "a.b;", "a.'b'", ""] {
            assert!(read_qualified(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn name_rules() {
        assert!(Name::new(NameKind::Group, "ml_grp").is_ok());
        assert!(Name::new(NameKind::Group, "Ml").is_err());
        assert!(Name::new(NameKind::User, "IAM:Alice").is_ok());
        assert!(Name::new(NameKind::Group, "__x").is_err());
        assert!(Name::new(NameKind::User, "PUBLIC").is_err());
        assert!(Name::new(NameKind::Role, "sys:x").is_err());
        assert!(Name::new(NameKind::Role, "a/b").is_err());
        assert!(Name::new(NameKind::Role, "aad:ml_team").is_ok());
        assert!(Name::new(NameKind::Role, "AWSIDC:DataScience").is_ok());
        assert!(Name::new(NameKind::Role, "Ml").is_err());
        assert!(Name::new(NameKind::Role, ":x").is_err());
        assert!(Name::new(NameKind::Role, "ds:x").is_err());
        assert_eq!(idp_namespace("aad:ml_team"), Some("aad"));
        assert_eq!(idp_namespace("IAM:alice"), None);
        assert_eq!(idp_namespace("sys:dba"), None);
        assert!(Name::new(NameKind::Schema, "").is_err());
        assert!(Name::new(NameKind::Schema, "a\0b").is_err());
        assert!(Name::new(NameKind::Schema, &"a".repeat(127)).is_ok());
        assert!(Name::new(NameKind::Schema, &"a".repeat(128)).is_err());
        assert!(Name::new(NameKind::Schema, "é").is_ok());
    }
}
