//! What one statement's text says it used: calls of the managed models' prediction functions and
//! CREATE [EXTERNAL] MODEL. Redshift records no function calls in a view of their own (the SYS
//! and STL views record queries, DG SYS_QUERY_HISTORY), so the query text is read: string
//! literals, quoted identifiers and comments are skipped as SQL writes them, unquoted names fold
//! to lower case (DG r_names), and a name followed by `(` is a call unless FUNCTION or PROCEDURE
//! comes before it (the FUNCTION clause of CREATE MODEL names the function it makes). Pure;
//! linear in the text.

use std::collections::BTreeMap;

/// A token of SQL text that matters here.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// A name: unquoted (folded to lower case) or quoted (as written).
    Name {
        text: String,
        quoted: bool,
    },
    Dot,
    Open,
    Other,
}

fn tokens(sql: &str) -> Vec<Token> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == b'\'' {
                        if b.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
                out.push(Token::Other);
            }
            b'"' => {
                let mut text = Vec::new();
                i += 1;
                while i < b.len() {
                    if b[i] == b'"' {
                        if b.get(i + 1) == Some(&b'"') {
                            text.push(b'"');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    text.push(b[i]);
                    i += 1;
                }
                i += 1;
                out.push(Token::Name {
                    text: String::from_utf8_lossy(&text).into_owned(),
                    quoted: true,
                });
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'$' => {
                // A dollar-quoted body ($$ ... $$ or $tag$ ... $tag$), or a parameter ($1).
                let tag_end = b[i + 1..]
                    .iter()
                    .position(|&x| !(x.is_ascii_alphanumeric() || x == b'_'))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(e) if b[e] == b'$' && !b[i + 1..e].iter().any(u8::is_ascii_digit) => {
                        let tag = &b[i..=e];
                        let body = e + 1;
                        let close = b[body..]
                            .windows(tag.len())
                            .position(|w| w == tag)
                            .map_or(b.len(), |p| body + p + tag.len());
                        i = close;
                    }
                    _ => i += 1,
                }
                out.push(Token::Other);
            }
            b'.' => {
                out.push(Token::Dot);
                i += 1;
            }
            b'(' => {
                out.push(Token::Open);
                i += 1;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'$'
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                out.push(Token::Name {
                    text: String::from_utf8_lossy(&b[start..i]).to_lowercase(),
                    quoted: false,
                });
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ => {
                out.push(Token::Other);
                i += 1;
            }
        }
    }
    out
}

/// The prediction functions to look for: (schema, function) to the model, as the catalog and
/// SHOW MODEL name them.
#[derive(Clone, Debug, Default)]
pub struct Functions {
    qualified: BTreeMap<(String, String), (String, String)>,
    /// Unqualified function names to the models that have them (one: a match; more: ambiguous).
    by_name: BTreeMap<String, Vec<(String, String)>>,
}

impl Functions {
    pub fn add(&mut self, schema: &str, model: &str, function: &str) {
        let m = (schema.to_owned(), model.to_owned());
        self.qualified
            .insert((schema.to_owned(), function.to_owned()), m.clone());
        self.by_name.entry(function.to_owned()).or_default().push(m);
    }

    pub fn len(&self) -> usize {
        self.qualified.len()
    }

    pub fn is_empty(&self) -> bool {
        self.qualified.is_empty()
    }
}

/// What one statement used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Used {
    /// Models whose prediction function it called (schema, model), each once.
    pub executed: Vec<(String, String)>,
    /// The model it created (schema, model), when it is a qualified CREATE [EXTERNAL] MODEL.
    pub created: Option<(String, String)>,
    /// Calls of an unqualified name that several managed models' functions share: not
    /// counted.
    pub ambiguous: usize,
}

fn is_word(t: Option<&Token>, word: &str) -> bool {
    matches!(t, Some(Token::Name { text, quoted: false }) if text == word)
}

/// What `sql` used of `functions`.
pub fn used(sql: &str, functions: &Functions) -> Used {
    let t = tokens(sql);
    let mut out = Used::default();
    let name = |k: usize| match t.get(k) {
        Some(Token::Name { text, .. }) => Some(text.as_str()),
        _ => None,
    };
    // CREATE [EXTERNAL] MODEL schema.model
    if is_word(t.first(), "create") {
        let at = if is_word(t.get(1), "external") { 2 } else { 1 };
        if is_word(t.get(at), "model")
            && let (Some(s), Some(Token::Dot), Some(m)) =
                (name(at + 1), t.get(at + 2), name(at + 3))
        {
            out.created = Some((s.to_owned(), m.to_owned()));
        }
    }
    for k in 0..t.len() {
        if t.get(k + 1) != Some(&Token::Open) {
            continue;
        }
        let Some(f) = name(k) else { continue };
        let qualified = k >= 2 && t[k - 1] == Token::Dot && name(k - 2).is_some();
        let before = if qualified {
            k.checked_sub(3)
        } else {
            k.checked_sub(1)
        };
        let declared =
            before.is_some_and(|b| is_word(t.get(b), "function") || is_word(t.get(b), "procedure"));
        if declared {
            continue;
        }
        let found = if qualified {
            let s = name(k - 2).unwrap_or_default();
            functions
                .qualified
                .get(&(s.to_owned(), f.to_owned()))
                .cloned()
        } else {
            match functions.by_name.get(f).map(Vec::as_slice) {
                Some([one]) => Some(one.clone()),
                Some([_, _, ..]) => {
                    out.ambiguous += 1;
                    None
                }
                _ => None,
            }
        };
        if let Some(m) = found
            && !out.executed.contains(&m)
        {
            out.executed.push(m);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn functions() -> Functions {
        let mut f = Functions::default();
        f.add("demo_ml", "churn", "ml_fn_churn");
        f.add("demo_ml", "Odd Model", "Odd Fn");
        f.add("a", "m1", "predict");
        f.add("b", "m2", "predict");
        f
    }

    fn m(s: &str, n: &str) -> (String, String) {
        (s.to_owned(), n.to_owned())
    }

    #[test]
    fn calls_are_found_qualified_quoted_and_folded() {
        let f = functions();
        let u = used(
            "SELECT DEMO_ML.ML_FN_CHURN(state, 3), demo_ml.\"Odd Fn\"(1), ml_fn_churn(2) FROM t",
            &f,
        );
        assert_eq!(
            u.executed,
            [m("demo_ml", "churn"), m("demo_ml", "Odd Model")]
        );
        assert_eq!(u.ambiguous, 0);
        assert_eq!(
            used("select a.predict(1), predict(2)", &f).executed,
            [m("a", "m1")]
        );
        assert_eq!(used("select predict(2)", &f).ambiguous, 1);
    }

    #[test]
    fn strings_comments_and_declarations_are_not_calls() {
        let f = functions();
        for sql in [
            "SELECT 'ml_fn_churn(1)'",
            "SELECT 'it''s ml_fn_churn(1)'",
            "SELECT 1 -- ml_fn_churn(1)",
            "SELECT /* demo_ml.ml_fn_churn(1) */ 1",
            "SELECT $$ml_fn_churn(1)$$",
            "CREATE MODEL demo_ml.churn FROM t TARGET c FUNCTION ml_fn_churn(int) IAM_ROLE default",
            "DROP FUNCTION demo_ml.ml_fn_churn(int)",
            "SELECT ml_fn_churnx(1)",
        ] {
            let u = used(sql, &f);
            assert!(u.executed.is_empty(), "{sql}: {u:?}");
        }
        // A quoted name is a name: "ml_fn_churn" (1) is a call, as SQL reads it.
        assert_eq!(
            used("SELECT \"ml_fn_churn\" (1)", &f).executed,
            [m("demo_ml", "churn")]
        );
        // CREATE MODEL is a creation, not a call of the function it declares.
        let u = used(
            "create external model Demo_ML.\"New\" FUNCTION ml_fn_churn(int) IAM_ROLE default",
            &f,
        );
        assert_eq!(u.created, Some(m("demo_ml", "New")));
        assert!(u.executed.is_empty());
        assert_eq!(used("CREATE MODEL churn FROM t", &f).created, None);
    }

    #[test]
    fn unterminated_text_ends_without_panic() {
        let f = functions();
        for sql in [
            "SELECT 'x",
            "SELECT \"x",
            "/* x",
            "SELECT $a$ x",
            "SELECT $",
            "é(",
            "x.",
        ] {
            let _ = used(sql, &f);
        }
    }
}
