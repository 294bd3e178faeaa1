//! Where a fact comes from: a place in a model file ([`Loc`], [`Origin`]), and the fast sets and
//! maps that hold millions of grants with their origins.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use super::Grant;

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
}

impl Rule {
    pub fn new(file: &Arc<str>, path: impl Into<Arc<str>>) -> Arc<Rule> {
        Arc::new(Rule {
            file: file.clone(),
            path: path.into(),
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

/// Grants with the places that require them (none for grants read from a cluster).
pub type GrantSet = FastMap<Grant, Origins>;
