//! text: making arbitrary text safe to show. Names from a cluster or a model file may hold
//! control characters (an escape sequence, a carriage return); nothing mlgrant prints, on a
//! terminal or in a one-line SQL comment, may carry them.
//!
//! The bottom of the module chain: it imports nothing from mlgrant.

/// Replaces control characters in text meant for a terminal or a one-line SQL comment.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Shows control characters visibly (`\x1b`, `\r`, `\n`, `\t`, `\u{85}`), so that a name
/// made to drive a terminal (hide a line, move the cursor back) reads as what it is: for text
/// meant for people, on one line.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
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
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
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
    fn control_characters_are_shown_visibly() {
        assert_eq!(escape_controls("m\u{1b}[8m\rhidden"), "m\\x1b[8m\\rhidden");
        assert_eq!(escape_controls("a\u{85}b"), "a\\u{85}b");
        assert_eq!(escape_controls_keep_lines("x\u{1b}\ny\n"), "x\\x1b\ny\n");
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
