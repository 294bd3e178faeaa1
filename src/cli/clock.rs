//! The one time a run judges expiring entries at: `--as-of` when given, else the clock, read
//! once per process so that every stage (and every target of a fleet) agrees. Config and
//! compile never read a clock: the command line stamps each model it loads here.

use std::sync::OnceLock;

use crate::config::AccessModel;
use crate::model::Instant;

static AS_OF: OnceLock<(Instant, bool)> = OnceLock::new();

/// How far ahead an entry's end is worth a warning, by default (`check --expiring-within`).
pub const EXPIRING_WITHIN: i64 = 14 * 86_400;

/// For clap: `--as-of 2027-01-31` or `--as-of 2027-01-31T12:00:00Z`.
pub fn parse(text: &str) -> Result<Instant, String> {
    Instant::parse(text)
}

/// For clap: `--expiring-within 14d`, `--unused 90d`.
pub fn parse_span(text: &str) -> Result<i64, String> {
    Instant::parse_span(text)
}

/// Fixes the run's time: `given` (`--as-of`), else the clock. Later calls change nothing.
pub fn set(given: Option<Instant>) {
    AS_OF.get_or_init(|| match given {
        Some(t) => (t, true),
        None => (clock(), false),
    });
}

fn clock() -> Instant {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Instant::from_unix(secs)
}

/// The run's time.
pub fn now() -> Instant {
    AS_OF.get_or_init(|| (clock(), false)).0
}

/// Whether the run's time was given with `--as-of`.
pub fn given() -> bool {
    AS_OF.get().is_some_and(|(_, g)| *g)
}

/// `as of 2027-01-31T00:00:00Z` (with `(--as-of)` when given), for headers.
pub fn label() -> String {
    format!("as of {}{}", now(), if given() { " (--as-of)" } else { "" })
}

/// Stamps a loaded model with the run's time, and adds the warnings of its entries that end
/// within `within` seconds or have ended.
pub fn stamp(model: &mut AccessModel, within: i64) {
    let t = now();
    model.as_of = Some(t);
    let mut more = crate::config::expiry::warnings(model, t, within);
    if !more.is_empty() {
        model.warnings.append(&mut more);
        model.warnings.sort_by_key(|(at, _)| *at);
    }
}

/// Loads a model file and stamps it (the default warning horizon).
pub fn load(path: &std::path::Path) -> Result<AccessModel, crate::config::ConfigError> {
    let mut model = crate::config::load(path)?;
    stamp(&mut model, EXPIRING_WITHIN);
    Ok(model)
}

/// Whether a model has any expiring entry (then its outputs say the time they were made at).
pub fn matters(model: &AccessModel) -> bool {
    !crate::config::expiry::expiring(model).is_empty()
}
