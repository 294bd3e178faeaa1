//! Diagnostics for access model files: each problem with its byte span, rendered as
//! `file:line:column`, the offending text underlined, what is wrong and how to fix it.
//!
//! Rendering is codespan-reporting's; this module only owns the data and the line arithmetic.
//! It never prints: the CLI decides where the text goes.

use std::ops::Range;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config};

use crate::model::Loc;
use crate::text::sanitize;

/// A model file's name (as the user gave it) and text.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// (byte offset, characters before it) about every [`CHECKPOINT`] bytes, at character
    /// boundaries: a column is found by counting at most that many bytes, so locating every item
    /// of one long line stays linear in the file.
    checkpoints: Vec<(usize, usize)>,
}

/// Bytes between two character-count checkpoints.
const CHECKPOINT: usize = 4096;

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<SourceFile> {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut checkpoints = vec![(0, 0)];
        let mut next = CHECKPOINT;
        for (chars, (at, _)) in text.char_indices().enumerate() {
            if at >= next {
                checkpoints.push((at, chars));
                next = at + CHECKPOINT;
            }
        }
        Arc::new(SourceFile {
            name: name.into(),
            text,
            line_starts,
            checkpoints,
        })
    }

    /// Characters before the byte `offset` (a character boundary, or the end of the text).
    fn chars_before(&self, offset: usize) -> usize {
        let i = self.checkpoints.partition_point(|&(at, _)| at <= offset) - 1;
        let (at, chars) = self.checkpoints[i];
        chars
            + self
                .text
                .get(at..offset)
                .map_or(offset - at, |s| s.chars().count())
    }

    /// The line and column of a byte offset (clamped to the text).
    pub fn loc(&self, offset: usize) -> Loc {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = if self.text.is_char_boundary(offset) {
            self.chars_before(offset) - self.chars_before(start)
        } else {
            offset - start
        };
        Loc {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }
}

/// How many problems the report shows in full.
pub const SHOWN: usize = 50;

/// One problem in a model file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Range<usize>,
    pub message: String,
    /// Short text under the underline.
    pub label: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// The underlined text may hold a secret (a password in a URL): it is shown as `*`.
    pub secret: bool,
}

impl Diagnostic {
    pub fn new(span: Range<usize>, message: impl Into<String>, label: impl Into<String>) -> Self {
        Diagnostic {
            span,
            message: message.into(),
            label: label.into(),
            hint: None,
            secret: false,
        }
    }

    /// Marks the underlined text as possibly secret: every output shows it as `*`.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

/// Every problem found in one file, sorted by position.
#[derive(Debug)]
pub struct Diagnostics {
    pub file: Arc<SourceFile>,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// `file:line:column: message` for each problem, one per line.
    pub fn short(&self) -> String {
        let mut out = String::new();
        for d in &self.items {
            let loc = self.file.loc(d.span.start);
            out.push_str(&format!("{}:{loc}: {}\n", self.file.name, d.message));
        }
        out
    }

    /// `{"format": "mlgrant.check", "version": 1, "ok": false, "problems": [...]}`: each problem
    /// with file, line, column, message, label and hint.
    pub fn json(&self) -> String {
        let problems: Vec<serde_json::Value> = self
            .items
            .iter()
            .map(|d| {
                let loc = self.file.loc(d.span.start);
                serde_json::json!({
                    "file": self.file.name,
                    "line": loc.line,
                    "column": loc.column,
                    "message": d.message,
                    "label": d.label,
                    "hint": d.hint,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "format": "mlgrant.check",
            "version": 1,
            "file": self.file.name,
            "ok": false,
            "problems": problems,
        });
        let mut s = crate::text::json_pretty(&doc);
        s.push('\n');
        s
    }

    /// The JSON document of a file without problems.
    /// The document of a file that checks out, with its warnings (line, column, message).
    pub fn ok_json(file: &str, summary: &str, warnings: &[(u32, u32, String)]) -> String {
        let warnings: Vec<serde_json::Value> = warnings
            .iter()
            .map(|(line, column, message)| {
                serde_json::json!({"file": file, "line": line, "column": column, "message": message})
            })
            .collect();
        let doc = serde_json::json!({
            "format": "mlgrant.check",
            "version": 1,
            "file": file,
            "ok": true,
            "summary": summary,
            "problems": [],
            "warnings": warnings,
        });
        let mut s = crate::text::json_pretty(&doc);
        s.push('\n');
        s
    }

    /// GitHub Actions warning annotations of a file that checks out, one line per warning
    /// (`::warning file=F,line=L,col=C,title=mlgrant::message`).
    pub fn github_warnings(file: &str, warnings: &[(u32, u32, String)]) -> String {
        warnings
            .iter()
            .map(|(line, column, message)| {
                format!(
                    "::warning file={},line={line},col={column},title=mlgrant::{}\n",
                    workflow_property(file),
                    workflow_data(&sanitize(message))
                )
            })
            .collect()
    }

    /// GitHub Actions annotations, one line per problem
    /// (`::error file=F,line=L,col=C,title=mlgrant::message (hint)`), so that problems show on
    /// a pull request's lines. Values are escaped as the workflow-command syntax requires.
    pub fn github(&self) -> String {
        let mut out = String::new();
        for d in &self.items {
            let loc = self.file.loc(d.span.start);
            let message = match &d.hint {
                Some(h) => format!("{} (hint: {h})", d.message),
                None => d.message.clone(),
            };
            out.push_str(&format!(
                "::error file={},line={},col={},title=mlgrant::{}\n",
                workflow_property(&self.file.name),
                loc.line,
                loc.column,
                workflow_data(&sanitize(&message))
            ));
        }
        out
    }

    /// The full report: each problem with its location, the source line, the span underlined,
    /// and the hint; then a count. Past the first [`SHOWN`] problems, only the count of the rest.
    pub fn render(&self, color: bool) -> String {
        // Control characters in the source are shown as `?` (same byte length, so spans hold):
        // a hostile file must not drive the terminal.
        // Text a diagnostic marks secret is shown as `*` (same byte length too).
        let secret = |at: usize| self.items.iter().any(|d| d.secret && d.span.contains(&at));
        let mut shown = String::with_capacity(self.file.text.len());
        for (at, c) in self.file.text.char_indices() {
            if secret(at) {
                shown.extend(std::iter::repeat_n('*', c.len_utf8()));
            } else if c.is_control() && c != '\n' && c != '\t' {
                shown.extend(std::iter::repeat_n('?', c.len_utf8()));
            } else {
                shown.push(c);
            }
        }
        let files = SimpleFile::new(sanitize(&self.file.name), shown);
        let config = Config::default();
        let mut out = String::new();
        for d in self.items.iter().take(SHOWN) {
            let mut report = Report::error().with_message(&d.message).with_labels(vec![
                Label::primary((), d.span.clone()).with_message(&d.label),
            ]);
            if let Some(hint) = &d.hint {
                report = report.with_notes(vec![format!("hint: {hint}")]);
            }
            let text = if color {
                let mut buffer = termcolor::Buffer::ansi();
                term::emit_to_write_style(&mut buffer, &config, &files, &report)
                    .map(|()| String::from_utf8_lossy(buffer.as_slice()).into_owned())
            } else {
                term::emit_into_string(&config, &files, &report)
            };
            match text {
                Ok(t) => out.push_str(&t),
                Err(_) => {
                    let loc = self.file.loc(d.span.start);
                    out.push_str(&format!("error: {}:{loc}: {}\n", self.file.name, d.message));
                }
            }
        }
        let n = self.items.len();
        if n > SHOWN {
            // Problems of one kind differ only in the names they quote: count them by kind.
            let shape = |m: &str| {
                m.split('`')
                    .enumerate()
                    .map(|(i, part)| if i % 2 == 1 { "..." } else { part })
                    .collect::<Vec<_>>()
                    .join("`")
            };
            let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
            for d in &self.items {
                *kinds.entry(shape(&d.message)).or_default() += 1;
            }
            let mut kinds: Vec<(String, usize)> = kinds.into_iter().collect();
            kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
            out.push_str(&format!(
                "... and {} more problem{} not shown; by kind: {}\n",
                n - SHOWN,
                if n - SHOWN == 1 { "" } else { "s" },
                kinds
                    .iter()
                    .take(5)
                    .map(|(k, c)| format!("{c} x \"{}\"", sanitize(k)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push_str(&format!(
            "error: {n} problem{} in {}\n",
            if n == 1 { "" } else { "s" },
            sanitize(&self.file.name)
        ));
        out
    }
}

/// A workflow command's message, escaped as GitHub Actions requires (`%`, CR, LF).
fn workflow_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`.
fn workflow_property(s: &str) -> String {
    workflow_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_characters() {
        let f = SourceFile::new("x.toml", "ab\né = 1\n");
        assert_eq!(f.loc(0), Loc { line: 1, column: 1 });
        assert_eq!(f.loc(3), Loc { line: 2, column: 1 });
        assert_eq!(f.loc(6), Loc { line: 2, column: 3 });
        assert_eq!(f.loc(1000), Loc { line: 3, column: 1 });
    }

    #[test]
    fn columns_in_a_long_line_of_wide_characters_count_characters() {
        let line = "é".repeat(10_000) + "x";
        let f = SourceFile::new("x.toml", format!("a\n{line}\n"));
        let x = 2 + 20_000;
        assert_eq!(&f.text[x..x + 1], "x");
        assert_eq!(
            f.loc(x),
            Loc {
                line: 2,
                column: 10_001
            }
        );
        assert_eq!(
            f.loc(2 + 2 * 5000),
            Loc {
                line: 2,
                column: 5001
            }
        );
    }
}
