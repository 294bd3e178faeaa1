//! Where a fact comes from: a place in a model file ([`Loc`], [`Origin`]), and the fast hashed
//! sets and maps of the small lookups a large plan makes per grant.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use super::Instant;

/// A 1-based line and column (columns count characters) in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub line: u32,
    pub column: u32,
}

impl Default for Loc {
    fn default() -> Self {
        Loc { line: 1, column: 1 }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A rule of a model file: the file and the rule as a TOML key path
/// (`schemas.demo_ml.creators`), computed once by config and shared by every origin it gives.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rule {
    pub file: Arc<str>,
    pub path: Arc<str>,
    /// When the entry that gives this rule ends (an expiring entry has a rule of its own).
    pub until: Option<Until>,
}

/// The end of an expiring entry: `{ grantee = "user:alice", until = 2027-01-31, reason = ".." }`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Until {
    /// From this instant on the entry requires nothing.
    pub at: Instant,
    /// Free text (a ticket), as written.
    pub reason: Option<Arc<str>>,
}

impl Until {
    /// `2027-01-31, INC-1234` (the date alone when it is midnight UTC).
    pub fn describe(&self) -> String {
        match &self.reason {
            Some(r) => format!("{}, {r}", self.at.short()),
            None => self.at.short(),
        }
    }
}

impl Rule {
    pub fn new(file: &Arc<str>, path: impl Into<Arc<str>>) -> Arc<Rule> {
        Arc::new(Rule {
            file: file.clone(),
            path: path.into(),
            until: None,
        })
    }

    /// The rule of one expiring entry of `rule`.
    pub fn expiring(rule: &Rule, until: Until) -> Arc<Rule> {
        Arc::new(Rule {
            file: rule.file.clone(),
            path: rule.path.clone(),
            until: Some(until),
        })
    }
}

/// A place in a model file that requires a change: the rule, and the position of the grantee
/// reference (or member, or declaration). Two words: a large plan holds millions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub rule: Arc<Rule>,
    pub at: Loc,
}

impl Origin {
    pub fn file(&self) -> &str {
        &self.rule.file
    }

    /// The rule's TOML key path.
    pub fn path(&self) -> &str {
        &self.rule.path
    }

    /// When the entry ends, if it is an expiring one.
    pub fn until(&self) -> Option<&Until> {
        self.rule.until.as_ref()
    }

    /// Whether the entry has ended at `as_of` (never, when no time is given).
    pub fn expired(&self, as_of: Option<Instant>) -> bool {
        matches!((self.until(), as_of), (Some(u), Some(t)) if u.at <= t)
    }

    /// ` (until 2027-01-31, INC-1234)` for an expiring entry, else nothing.
    pub fn until_suffix(&self) -> String {
        self.until()
            .map(|u| format!(" (until {})", u.describe()))
            .unwrap_or_default()
    }
}

/// Origins sort by file, then position, then rule.
impl Ord for Origin {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.rule.file, self.at, &self.rule.path).cmp(&(
            &other.rule.file,
            other.at,
            &other.rule.path,
        ))
    }
}

impl PartialOrd for Origin {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The places that require one grant; almost always one, kept inline.
pub type Origins = smallvec::SmallVec<[Origin; 1]>;

/// A hash map with a fast hasher (foldhash): a large plan hashes millions of grants. Nothing
/// depends on its iteration order; the plan fixes the order of statements.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A hash set with the same fast hasher.
pub type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;
