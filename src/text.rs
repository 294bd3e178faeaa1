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

/// `""` for one, `"s"` for any other count.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_question_marks() {
        assert_eq!(sanitize("m\u{1b}[8m\rhidden"), "m?[8m?hidden");
        assert_eq!(sanitize("plain é"), "plain é");
    }
}
