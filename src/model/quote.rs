//! The one quoting function: the only way a name enters SQL text.

/// Hand-written: no crate carries Redshift's list, and sqlparser's keyword list is not a list
/// of *reserved* words for any one dialect.
/// Redshift's reserved words (DG r_pg_keywords), plus PostgreSQL's reserved key words that
/// Redshift's list lacks, so that the same SQL also runs on the PostgreSQL-based test cluster.
/// Sorted and lowercase (a test checks both), as the page lists them.
const RESERVED: &[&str] = &[
    "aes128",
    "aes256",
    "all",
    "allowoverwrite",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "az64",
    "backup",
    "between",
    "binary",
    "blanksasnull",
    "both",
    "bytedict",
    "bzip2",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "credentials",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "current_user_id",
    "default",
    "deferrable",
    "deflate",
    "defrag",
    "delta",
    "delta32k",
    "desc",
    "disable",
    "distinct",
    "do",
    "else",
    "emptyasnull",
    "enable",
    "encode",
    "encrypt",
    "encryption",
    "end",
    "except",
    "explicit",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "globaldict256",
    "globaldict64k",
    "grant",
    "group",
    "gzip",
    "having",
    "identity",
    "ignore",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "lun",
    "luns",
    "lzo",
    "lzop",
    "minus",
    "mostly16",
    "mostly32",
    "mostly8",
    "natural",
    "new",
    "not",
    "notnull",
    "null",
    "nulls",
    "off",
    "offline",
    "offset",
    "oid",
    "old",
    "on",
    "only",
    "open",
    "or",
    "order",
    "outer",
    "overlaps",
    "parallel",
    "partition",
    "percent",
    "permissions",
    "pivot",
    "placing",
    "primary",
    "raw",
    "readratio",
    "recover",
    "references",
    "rejectlog",
    "resort",
    "respect",
    "restore",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "snapshot",
    "some",
    "symmetric",
    "sysdate",
    "system",
    "system_user",
    "table",
    "tablesample",
    "tag",
    "tdes",
    "text255",
    "text32k",
    "then",
    "timestamp",
    "to",
    "top",
    "trailing",
    "true",
    "truncatecolumns",
    "union",
    "unique",
    "unnest",
    "unpivot",
    "user",
    "using",
    "variadic",
    "verbose",
    "wallet",
    "when",
    "where",
    "window",
    "with",
    "without",
];

/// Whether `word` (lowercase) is reserved and so must be quoted.
pub fn is_reserved(word: &str) -> bool {
    // Asked for every name of every statement: one hash and one comparison, not a search.
    static WORDS: std::sync::OnceLock<super::FastSet<&'static str>> = std::sync::OnceLock::new();
    WORDS
        .get_or_init(|| RESERVED.iter().copied().collect())
        .contains(word)
}

/// Writes `name` as a SQL identifier: bare when it is a standard identifier (a lowercase ASCII
/// letter or `_`, then lowercase letters, digits, `_` or `$`) that is not a reserved word;
/// otherwise in double quotes, with every embedded `"` doubled. Names are validated before they
/// get here (no control characters, at most 127 bytes).
///
/// ```
/// use mlgrant::model::quote_ident;
/// assert_eq!(quote_ident("demo_ml"), "demo_ml");
/// assert_eq!(quote_ident("group"), "\"group\"");
/// assert_eq!(quote_ident("IAM:Alice"), "\"IAM:Alice\"");
/// assert_eq!(quote_ident("odd\"name"), "\"odd\"\"name\"");
/// ```
pub fn quote_ident(name: &str) -> String {
    if standard(name) {
        name.to_owned()
    } else {
        Ident(name).to_string()
    }
}

/// How many bytes [`quote_ident`] writes for `name`, counted without writing them.
///
/// ```
/// use mlgrant::model::{quote_ident, quoted_len};
/// for name in ["demo_ml", "group", "IAM:Alice", "odd\"na\"me", ""] {
///     assert_eq!(quoted_len(name), quote_ident(name).len());
/// }
/// ```
pub fn quoted_len(name: &str) -> usize {
    if standard(name) {
        name.len()
    } else {
        name.len() + 2 + name.bytes().filter(|&b| b == b'"').count()
    }
}

fn standard(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'$')
        && !is_reserved(name)
}

/// [`quote_ident`] as a `Display`: the same text, written straight into what is being written
/// (a plan's JSON, its script) without a string of its own.
///
/// ```
/// use mlgrant::model::{Ident, quote_ident};
/// for name in ["demo_ml", "group", "IAM:Alice", "odd\"name", ""] {
///     assert_eq!(Ident(name).to_string(), quote_ident(name));
/// }
/// ```
pub struct Ident<'a>(pub &'a str);

impl std::fmt::Display for Ident<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.0;
        if standard(name) {
            return f.write_str(name);
        }
        write_quoted(f, name, '"')
    }
}

/// `text` between two `quote` characters, each `quote` in it doubled: a quoted identifier
/// (`"`) or, for ASSUMEROLE's ARNs, a plain string literal (`'`).
pub(crate) fn write_quoted(
    f: &mut impl std::fmt::Write,
    text: &str,
    quote: char,
) -> std::fmt::Result {
    f.write_char(quote)?;
    for (i, piece) in text.split(quote).enumerate() {
        if i > 0 {
            f.write_char(quote)?;
            f.write_char(quote)?;
        }
        f.write_str(piece)?;
    }
    f.write_char(quote)
}

/// Writes `value` as a SQL string literal that means the same whether or not the server treats
/// backslashes as escapes (Redshift does, PostgreSQL with standard_conforming_strings does not):
/// quotes are doubled, and each backslash is spliced in as `chr(92)`.
///
/// ```
/// use mlgrant::model::quote_literal;
/// assert_eq!(quote_literal("it's"), "'it''s'");
/// assert_eq!(quote_literal("a\\b"), "'a' || chr(92) || 'b'");
/// ```
pub fn quote_literal(value: &str) -> String {
    let parts: Vec<String> = value
        .split('\\')
        .map(|p| format!("'{}'", p.replace('\'', "''")))
        .collect();
    parts.join(" || chr(92) || ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_list_is_sorted_and_lowercase() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
        assert!(
            RESERVED
                .iter()
                .all(|w| w.bytes().all(|b| !b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn every_reserved_word_is_quoted() {
        for w in RESERVED {
            assert_eq!(quote_ident(w), format!("\"{w}\""));
        }
    }

    #[test]
    fn quotes_what_is_not_standard() {
        assert_eq!(quote_ident("a$1"), "a$1");
        assert_eq!(quote_ident("1a"), "\"1a\"");
        assert_eq!(quote_ident("a.b"), "\"a.b\"");
        assert_eq!(quote_ident("é"), "\"é\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("model"), "model");
        assert_eq!(quote_ident("x; drop"), "\"x; drop\"");
    }
}
