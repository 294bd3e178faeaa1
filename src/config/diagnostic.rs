//! Diagnostics for access model files: each problem with its byte span, rendered as
//! `file:line:column`, the offending text underlined, what is wrong and how to fix it.
//!
//! Rendering is codespan-reporting's; this module only owns the data and the line arithmetic.
//! It never prints: the CLI decides where the text goes.

use std::ops::Range;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
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

/// How many problems the JSON document and the GitHub annotations list (with the total).
pub const LISTED: usize = 1000;

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

    /// `{"format": "mlgrant.check", "version": 1, "ok": false, "problems": [...],
    /// "problems_total": n}`: each problem with file, line, column, message, label and hint; the
    /// first [`LISTED`] of them (so that the document stays proportional to what a program can
    /// use, not to a hostile file), and how many there are in all.
    pub fn json(&self) -> String {
        let problems: Vec<serde_json::Value> = self
            .items
            .iter()
            .take(LISTED)
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
            "problems_total": self.items.len(),
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
        for d in self.items.iter().take(LISTED) {
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
        if self.items.len() > LISTED {
            out.push_str(&format!(
                "::error file={},title=mlgrant::{} more problems not listed; `mlgrant check` shows them by kind\n",
                workflow_property(&self.file.name),
                self.items.len() - LISTED
            ));
        }
        out
    }

    /// The full report: each problem with its location, the part of its source line around the
    /// span, the span underlined, and the hint; then a count. Past the first [`SHOWN`] problems,
    /// only the count of the rest. Linear in the file plus the problems: each shown problem
    /// echoes at most a window of its line ([`Window`]), and its message at most [`CLIP`]
    /// characters.
    pub fn render(&self, color: bool) -> String {
        let secrets: Vec<&Range<usize>> = self
            .items
            .iter()
            .filter(|d| d.secret)
            .map(|d| &d.span)
            .collect();
        let config = Config::default();
        let name = sanitize(&self.file.name);
        let mut out = String::new();
        for d in self.items.iter().take(SHOWN) {
            let window = Window::around(&self.file, &name, &d.span, &secrets);
            let mut report = Report::error()
                .with_message(clip(&d.message))
                .with_labels(vec![
                    Label::primary((), window.label.clone()).with_message(clip(&d.label)),
                ]);
            if let Some(hint) = &d.hint {
                report = report.with_notes(vec![format!("hint: {}", clip(hint))]);
            }
            let text = if color {
                let mut buffer = termcolor::Buffer::ansi();
                term::emit_to_write_style(&mut buffer, &config, &window, &report)
                    .map(|()| String::from_utf8_lossy(buffer.as_slice()).into_owned())
            } else {
                term::emit_into_string(&config, &window, &report)
            };
            match text {
                Ok(t) => out.push_str(&t),
                Err(_) => {
                    let loc = self.file.loc(d.span.start);
                    out.push_str(&format!("error: {name}:{loc}: {}\n", clip(&d.message)));
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

/// Characters of a message, label or hint a report shows: a name quoted in it is cut there.
pub const CLIP: usize = 400;

/// `s` cut to [`CLIP`] characters, with `...` where it was cut.
fn clip(s: &str) -> String {
    match s.char_indices().nth(CLIP) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}...", &s[..at]),
    }
}

/// Characters of the source line shown before a span's start, and from its start on.
const BEFORE: usize = 40;
const AFTER: usize = 100;

/// The part of one source line a diagnostic shows, as a file of one line that reports the real
/// line and column numbers: a 64 MiB line costs a report no more than a short one. Control
/// characters show as `?` and secret text as `*` (each the same byte length, so spans hold): a
/// hostile file must not drive the terminal, and a password never reaches it.
struct Window {
    name: String,
    text: String,
    line: usize,
    /// Characters of the line before the window.
    column: usize,
    /// The span, within the window (cut to it).
    label: Range<usize>,
}

impl Window {
    fn around(
        file: &SourceFile,
        name: &str,
        span: &Range<usize>,
        secrets: &[&Range<usize>],
    ) -> Window {
        let text = &file.text;
        let at = span.start.min(text.len());
        let at = (0..=at)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let line = file.line_starts.partition_point(|&s| s <= at) - 1;
        let line_start = file.line_starts[line];
        let line_end = file
            .line_starts
            .get(line + 1)
            .map_or(text.len(), |&next| next - 1);
        let line_end = line_end.max(at);
        let start = text[line_start..at]
            .char_indices()
            .rev()
            .nth(BEFORE - 1)
            .map_or(line_start, |(i, _)| line_start + i);
        let end = text[at..line_end]
            .char_indices()
            .nth(AFTER)
            .map_or(line_end, |(i, _)| at + i);
        let secrets: Vec<&&Range<usize>> = secrets
            .iter()
            .filter(|r| r.start < end && r.end > start)
            .collect();
        let mut shown = String::with_capacity(end - start);
        for (i, c) in text[start..end].char_indices() {
            let offset = start + i;
            if secrets.iter().any(|r| r.contains(&offset)) {
                shown.extend(std::iter::repeat_n('*', c.len_utf8()));
            } else if c.is_control() && c != '\t' {
                shown.extend(std::iter::repeat_n('?', c.len_utf8()));
            } else {
                shown.push(c);
            }
        }
        let label_end = span.end.clamp(at, end);
        Window {
            name: name.to_owned(),
            text: shown,
            line: line + 1,
            column: file.loc(start).column as usize - 1,
            label: (at - start)..(label_end - start),
        }
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Window {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), _: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(0)
    }

    fn line_number(&'a self, (): (), _: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.line)
    }

    fn column_number(
        &'a self,
        (): (),
        _: usize,
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        let byte = byte.min(self.text.len());
        let before = self.text.get(..byte).map_or(byte, |s| s.chars().count());
        Ok(self.column + before + 1)
    }

    fn line_range(
        &'a self,
        (): (),
        _: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        Ok(0..self.text.len())
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
