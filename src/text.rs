//! text: making arbitrary text safe to show. Names from a cluster or a model file may hold
//! control characters (an escape sequence, a carriage return); nothing mlgrant prints, on a
//! terminal or in a one-line SQL comment, may carry them.
//!
//! The bottom of the module chain: it imports nothing from mlgrant.

mod json;
pub use json::{json_line, json_pretty, write_pretty};

/// Whether `c` is a character that changes how text around it reads without showing itself: a
/// control character, a bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069,
/// U+061C, U+200E, U+200F: CVE-2021-42574's "trojan source"), a zero-width character
/// (U+200B-U+200D, U+2060, U+FEFF) or a line or paragraph separator (U+2028, U+2029).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{061C}'
                | '\u{2060}'
                | '\u{FEFF}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Replaces hidden characters ([`is_hidden`]) in text meant for a terminal or a one-line SQL
/// comment.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if is_hidden(c) { '?' } else { c })
        .collect()
}

/// [`sanitize`] as a writer: what is written to it reaches `W` with each hidden character
/// replaced, for text made in pieces (a reason of many places) without a string of its own.
pub struct Sanitized<'a, W: std::fmt::Write + ?Sized>(pub &'a mut W);

impl<W: std::fmt::Write + ?Sized> std::fmt::Write for Sanitized<'_, W> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        // Printable ASCII, as almost every piece is: written as it is, after one pass.
        if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return self.0.write_str(s);
        }
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if is_hidden(c) {
                self.0.write_str(&s[start..i])?;
                self.0.write_char('?')?;
                start = i + c.len_utf8();
            }
        }
        self.0.write_str(&s[start..])
    }
}

/// Text for Markdown, safe by construction: hidden characters shown escaped, and every ASCII
/// punctuation character backslash-escaped (CommonMark lets any be), so that no name can close
/// a code span, open a link or an image, start raw HTML, break a table or mention a team.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape_controls(s).chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text for HTML element content and quoted attribute values, safe by construction: hidden
/// characters shown escaped, and `&`, `<`, `>`, `"` and `'` written as character references, so
/// that no name can open a tag, end an attribute or start a script.
pub fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape_controls(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A CSV field, quoted, and with a leading `'` when it starts like a formula (`=`, `+`, `-`,
/// `@`, a tab or a carriage return: OWASP's CSV injection), so that no spreadsheet evaluates a
/// name.
pub fn csv_field(s: &str) -> String {
    let shown = escape_controls(s);
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    format!(
        "\"{}{}\"",
        if formula { "'" } else { "" },
        shown.replace('"', "\"\"")
    )
}

/// Shows control characters visibly (`\x1b`, `\r`, `\n`, `\t`, `\u{85}`), so that a name
/// made to drive a terminal (hide a line, move the cursor back) reads as what it is: for text
/// meant for people, on one line.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(is_hidden) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Like [`escape_controls`], but keeps line breaks: for whole outputs (an SQL script) shown on
/// a terminal.
pub fn escape_controls_keep_lines(s: &str) -> String {
    s.split('\n')
        .map(escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `""` for one, `"s"` for any other count.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sanitizing_writer_writes_what_sanitize_returns() {
        use std::fmt::Write;
        for text in ["plain", "a\u{1b}[8m\nb", "\u{202e}x\u{200b}", "é\u{85}", ""] {
            let mut out = String::new();
            for piece in text.split_inclusive(['b', 'x']) {
                Sanitized(&mut out).write_str(piece).unwrap();
            }
            assert_eq!(out, sanitize(text), "{text:?}");
        }
    }

    #[test]
    fn control_characters_are_shown_visibly() {
        assert_eq!(escape_controls("m\u{1b}[8m\rhidden"), "m\\x1b[8m\\rhidden");
        assert_eq!(escape_controls("a\u{85}b"), "a\\u{85}b");
        assert_eq!(escape_controls_keep_lines("x\u{1b}\ny\n"), "x\\x1b\ny\n");
        // Trojan source: a bidi override and a zero-width space are shown, not obeyed.
        assert_eq!(
            escape_controls("\u{202e}maet_lm\u{202c}"),
            "\\u{202e}maet_lm\\u{202c}"
        );
        assert_eq!(sanitize("a\u{200b}b"), "a?b");
    }

    #[test]
    fn csv_fields_never_start_a_formula_and_markdown_text_is_inert() {
        assert_eq!(csv_field("=hyperlink(\"x\")"), "\"'=hyperlink(\"\"x\"\")\"");
        assert_eq!(csv_field("@sum"), "\"'@sum\"");
        assert_eq!(csv_field("demo_ml"), "\"demo_ml\"");
        assert_eq!(
            markdown_text("a`b<img>@org/team"),
            "a\\`b\\<img\\>\\@org\\/team"
        );
    }

    #[test]
    fn control_characters_become_question_marks() {
        assert_eq!(sanitize("m\u{1b}[8m\rhidden"), "m?[8m?hidden");
        assert_eq!(sanitize("plain é"), "plain é");
    }
}

/// Cuts `items` into runs of at most `max_count` items and, past the first item of a run, at
/// most `max_bytes` bytes as `bytes` counts them: a message to the server, or a list in a
/// statement, stays within its limit however long each item is.
pub fn runs<T>(
    items: &[T],
    max_count: usize,
    max_bytes: usize,
    bytes: impl Fn(&T) -> usize,
) -> Vec<&[T]> {
    let mut out = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let b = bytes(item);
        if i > start && (i - start >= max_count.max(1) || size + b > max_bytes) {
            out.push(&items[start..i]);
            start = i;
            size = 0;
        }
        size += b;
    }
    if start < items.len() {
        out.push(&items[start..]);
    }
    out
}

/// [`runs`] of SQL texts, counted by their length.
pub fn batches(items: &[String], max_count: usize, max_bytes: usize) -> Vec<&[String]> {
    runs(items, max_count, max_bytes, String::len)
}

#[cfg(test)]
mod batch_tests {
    use super::batches;

    #[test]
    fn batches_are_cut_by_count_and_by_bytes() {
        let items: Vec<String> = (0..10).map(|i| "x".repeat(i + 1)).collect();
        let sizes = |b: Vec<&[String]>| b.iter().map(|r| r.len()).collect::<Vec<_>>();
        assert_eq!(sizes(batches(&items, 4, 1000)), [4, 4, 2]);
        assert_eq!(sizes(batches(&items, 100, 10)), [4, 1, 1, 1, 1, 1, 1]);
        assert!(batches(&[], 3, 3).is_empty());
    }
}
