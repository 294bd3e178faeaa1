//! JSON written as it is serialized, with every hidden character ([`super::is_hidden`]) that JSON
//! allows raw (bidi controls, zero-width characters, C1 controls) written as a `\uXXXX` escape:
//! the same value for a program, inert text in a terminal or a CI log. Escaped as each string is
//! written, so a document of tens of megabytes goes to its writer without being held whole.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

/// Whether every byte is below 0x7f (ASCII without DEL), eight bytes at a time: a byte is
/// 0x7f or more exactly when it has its top bit set, or gets it once one is added to its low
/// seven bits (which cannot carry into the next byte).
fn below_del(bytes: &[u8]) -> bool {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    for word in words.by_ref() {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if (w | ((w & LOW) + ONES)) & TOPS != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&b| b < 0x7f)
}

/// A formatter that escapes hidden characters inside strings and lays out as `F` does.
struct Inert<F>(F);

impl<F: Formatter> Formatter for Inert<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Almost every fragment is plain ASCII without DEL: one scan, one write.
        if below_del(fragment.as_bytes()) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            // DEL is the one ASCII character serde_json leaves raw that a terminal may act on.
            if (c == '\u{7f}' || !c.is_ascii()) && super::is_hidden(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// serde_json's `PrettyFormatter` with a two-space indent, laid out byte for byte as it lays
/// out, but each line break and its indent written at once (a plan of 100,000 changes has
/// three million lines, most of them six levels deep).
#[derive(Default)]
struct Pretty {
    level: usize,
    has_value: bool,
}

/// `,`, a line break and the deepest indent written at once.
const LINE: &[u8; 2 + 2 * 32] =
    b",\n                                                                ";

impl Pretty {
    fn line<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> io::Result<()> {
        let from = usize::from(!comma);
        let spaces = 2 * self.level;
        if spaces <= LINE.len() - 2 {
            return w.write_all(&LINE[from..2 + spaces]);
        }
        w.write_all(&LINE[from..2])?;
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(w, false)?;
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, !first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(w, false)?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, !first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `doc` pretty-printed (two-space indent) to `w`, hidden characters escaped.
pub fn write_pretty<T: Serialize + ?Sized>(w: impl Write, doc: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Inert(Pretty::default()));
    doc.serialize(&mut ser).map_err(io::Error::other)
}

/// A JSON document, pretty-printed, hidden characters escaped.
pub fn json_pretty<T: Serialize>(doc: &T) -> String {
    let mut out = Vec::new();
    // Writing to a Vec fails only when the document cannot be serialized.
    if write_pretty(&mut out, doc).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A JSON document on one line, escaped as [`json_pretty`] escapes: for line-per-event streams.
pub fn json_line<T: Serialize>(doc: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Inert(CompactFormatter));
    if doc.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_escaped_and_the_value_is_kept() {
        let doc =
            serde_json::json!({"a\u{202e}b": ["x\u{200b}y\u{1F600}", "\u{85}", "é\"\n\u{7f}"]});
        for text in [json_pretty(&doc), json_line(&doc)] {
            assert!(
                text.contains("\\u202e") && text.contains("\\u200b") && text.contains("\\u0085")
            );
            assert!(
                !text
                    .chars()
                    .any(|c| !c.is_ascii() && crate::text::is_hidden(c))
            );
            assert!(text.contains('\u{1F600}') && text.contains('é'));
            assert!(text.contains("\\u007f") && !text.contains('\u{7f}'));
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, doc);
        }
        assert_eq!(json_pretty(&doc).lines().count(), 7);
        assert_eq!(json_line(&doc).lines().count(), 1);
    }

    #[test]
    fn below_del_is_every_byte_below_0x7f() {
        for len in 0..20 {
            for at in 0..len {
                for b in [0x00, 0x20, 0x7e, 0x7f, 0x80, 0xc3, 0xff] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert_eq!(below_del(&bytes), b < 0x7f, "{bytes:?}");
                }
            }
            assert!(below_del(&vec![0x7e; len]));
        }
    }

    /// The layout is serde_json's own, byte for byte: empty and nested arrays and objects, and
    /// deeper than the indent written at once.
    #[test]
    fn laid_out_as_serde_json_lays_out() {
        let mut deep = serde_json::json!({"leaf": [1, {}, [], "x"]});
        for i in 0..40 {
            deep = serde_json::json!({"level": i, "next": [deep, {"a": []}], "empty": {}});
        }
        for doc in [
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!(1),
            deep,
        ] {
            assert_eq!(
                json_pretty(&doc),
                serde_json::to_string_pretty(&doc).unwrap()
            );
        }
    }
}
