//! What the simulator knows of Amazon Redshift, as cited data: which statements it accepts, which
//! run-time parameters may be set, shown and read, and which PostgreSQL relations and functions
//! it refuses. Each row names the page of AWS's documentation it comes from (DG = the Database
//! Developer Guide, docs.aws.amazon.com/redshift/latest/dg/<page>.html), or the public report
//! that shows Redshift's behaviour where the documentation does not.
//!
//! The front (rewrite/strict.rs) consults these tables; it never decides what Redshift accepts
//! on its own. Where the documentation is silent, the tables leave a thing out, and the front
//! refuses it with a message that says the documentation does not settle it: a guess fails in
//! mlgrant's tests, not on a customer's cluster. The tables hold no SQL.

pub mod catalog;
pub mod commands;
pub mod parameters;

/// Where a fact comes from: a DG page name (`r_SET`), or a report (`brianc/node-postgres#1212`).
pub type Source = &'static str;

/// The words the simulator says when it refuses what the documentation does not settle.
pub const UNSETTLED: &str =
    "the simulator refuses what Amazon Redshift's documentation does not settle";

/// "Identifiers must consist of only UTF-8 printable characters" (DG r_names): a character that
/// is not printable is a control character (Unicode Cc) or a format character that does not
/// print (bidi controls, zero-width characters, separators of lines and paragraphs).
pub const NAMES: Source = "r_names";

/// Whether `c` may stand in an identifier ([`NAMES`]).
pub fn printable(c: char) -> bool {
    !(c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{061C}'
                | '\u{FEFF}'
                | '\u{2028}'
                | '\u{2029}'
        ))
}
