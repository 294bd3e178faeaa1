//! Expiring entries: an entry of `creators`, `consumers`, `members` or `iam_roles` may be an
//! inline table `{ grantee = "user:alice", until = 2027-01-31, reason = "INC-1234" }` (`user =`
//! in members, `role =` in iam_roles). `until` is a TOML date or date-time, in UTC when no offset
//! is written; a date alone is midnight UTC, the start of that day. Before `until` the entry
//! requires what it always did; from `until` on it requires nothing, and plan revokes what it
//! granted. Reading the file needs no clock: whether an entry has ended is decided by compile,
//! against the time it is given ([`super::AccessModel::as_of`]); the warnings of entries that end
//! soon or have ended are made here, against the same time ([`warnings`]).

use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;
use toml::de::DeValue;

use super::reader::{Reader, entries};
use super::{AccessModel, Diagnostic};
use crate::model::{Instant, Loc, Origin, Until};
use crate::text::sanitize;

/// The longest `reason` kept, in characters.
pub const MAX_REASON: usize = 500;

/// One entry of a list that may expire: its text, where it is written, and its end.
pub(super) type Entry = (String, Range<usize>, Option<Until>);

impl Reader {
    /// The entries of `what` (strings, or inline tables whose `key` names the entry).
    pub(super) fn expiring_list(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        what: &str,
        key: &str,
    ) -> Vec<Entry> {
        let DeValue::Array(items) = v.get_ref() else {
            // The plain list's own message.
            return self
                .strings(v, what)
                .into_iter()
                .map(|(s, r)| (s, r, None))
                .collect();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span(), None)),
                DeValue::Table(_) => {
                    if let Some(e) = self.expiring_entry(item, what, key) {
                        out.push(e);
                    }
                }
                other => self.push(
                    Diagnostic::new(
                        item.span(),
                        format!(
                            "`{what}` must hold strings or {{ {key} = \"...\", until = DATE }} tables, found {}",
                            other.type_str()
                        ),
                        "expected a string",
                    ),
                ),
            }
        }
        out
    }

    fn expiring_entry(
        &mut self,
        item: &Spanned<DeValue<'_>>,
        what: &str,
        key: &str,
    ) -> Option<Entry> {
        let DeValue::Table(t) = item.get_ref() else {
            return None;
        };
        let allowed = [key, "until", "reason"];
        let (mut name, mut until, mut reason) = (None, None, None);
        let mut ok = true;
        for (k, v) in entries(t) {
            match k.get_ref().as_ref() {
                k2 if k2 == key => match v.get_ref() {
                    DeValue::String(s) => name = Some((s.to_string(), v.span())),
                    _ => {
                        self.string(v, key);
                        ok = false;
                    }
                },
                "until" => match v.get_ref() {
                    DeValue::Datetime(d) => match Instant::parse(&d.to_string()) {
                        Ok(i) => until = Some(i),
                        Err(_) => {
                            self.push(
                                Diagnostic::new(v.span(), "`until` is a time of day without a date", "not a date")
                                    .hint("write a date (until = 2027-01-31) or a date-time (until = 2027-01-31T18:00:00Z)"),
                            );
                            ok = false;
                        }
                    },
                    other => {
                        let hint = match other {
                            DeValue::String(s) if Instant::parse(s).is_ok() => format!(
                                "write the date without quotes: until = {}",
                                sanitize(s)
                            ),
                            _ => "write a TOML date (until = 2027-01-31) or date-time (until = 2027-01-31T18:00:00Z), in UTC unless an offset is written".to_owned(),
                        };
                        self.push(
                            Diagnostic::new(
                                v.span(),
                                format!(
                                    "`until` must be a date or a date-time, found {}",
                                    other.type_str()
                                ),
                                "expected a date",
                            )
                            .hint(hint),
                        );
                        ok = false;
                    }
                },
                "reason" => match self.string(v, "reason") {
                    Some(r) if r.chars().count() > MAX_REASON || r.trim().is_empty() => {
                        self.push(Diagnostic::new(
                            v.span(),
                            format!("`reason` must be 1 to {MAX_REASON} characters"),
                            "reason",
                        ));
                        ok = false;
                    }
                    Some(r) => reason = Some(Arc::<str>::from(r.as_str())),
                    None => ok = false,
                },
                other => {
                    self.unknown_key(other, k.span(), &allowed, &format!("in an entry of {what}"));
                    ok = false;
                }
            }
        }
        let Some((name, span)) = name else {
            self.push(
                Diagnostic::new(
                    item.span(),
                    format!("this entry of `{what}` names no `{key}`"),
                    format!("no {key}"),
                )
                .hint(format!(
                    "write {{ {key} = \"...\", until = 2027-01-31, reason = \"...\" }}"
                )),
            );
            return None;
        };
        if until.is_none() {
            self.push(
                Diagnostic::new(
                    item.span(),
                    format!("this entry of `{what}` has no `until`"),
                    "no until",
                )
                .hint(format!(
                    "an entry that never ends is written as a string: \"{}\"",
                    sanitize(&name)
                )),
            );
            return None;
        }
        ok.then(|| (name, span, until.map(|at| Until { at, reason })))
    }
}

/// The expiring entries of a model: where each is written, its origin, and its end.
pub fn expiring(model: &AccessModel) -> Vec<(Loc, Origin)> {
    let mut out: Vec<(Loc, Origin)> = Vec::new();
    for rules in model.schemas.values() {
        for r in rules.creators.iter().chain(&rules.consumers) {
            out.push((r.at, r.origin()));
        }
        for (_, o) in &rules.iam_roles {
            out.push((o.at, o.clone()));
        }
    }
    for rules in model.models.values() {
        for r in &rules.consumers {
            out.push((r.at, r.origin()));
        }
    }
    for decl in model.groups.values() {
        for m in decl.members.iter().flatten() {
            out.push((m.at, m.origin()));
        }
    }
    out.retain(|(_, o)| o.until().is_some());
    out.sort_by_key(|(at, _)| *at);
    out.dedup_by_key(|(at, _)| *at);
    out
}

/// Grantees that only entries which have ended at the model's time name: the cluster need not
/// have them any more (plan revokes what they still hold, if they exist).
pub fn only_ended(model: &AccessModel) -> std::collections::BTreeSet<crate::model::Grantee> {
    let mut ended = std::collections::BTreeSet::new();
    let mut live = std::collections::BTreeSet::new();
    let refs = model
        .schemas
        .values()
        .flat_map(|s| s.creators.iter().chain(&s.consumers))
        .chain(model.models.values().flat_map(|m| &m.consumers));
    for r in refs {
        if r.origin().expired(model.as_of) {
            ended.insert(r.grantee.clone());
        } else {
            live.insert(r.grantee.clone());
        }
    }
    &ended - &live
}

/// The warnings of entries that end within `within` seconds of `as_of`, or have ended: the
/// second kind means the file no longer says what the cluster holds once plan has run.
pub fn warnings(model: &AccessModel, as_of: Instant, within: i64) -> Vec<(Loc, String)> {
    let mut out = Vec::new();
    for (at, o) in expiring(model) {
        let Some(u) = o.until() else { continue };
        let why = u
            .reason
            .as_ref()
            .map(|r| format!(" ({})", sanitize(r)))
            .unwrap_or_default();
        if u.at <= as_of {
            out.push((
                at,
                format!(
                    "{} expired on {}{why}: it requires nothing now and plan revokes what it granted; delete the entry",
                    o.path(),
                    u.at.short()
                ),
            ));
        } else if u.at <= as_of.plus(within) {
            let days = (u.at.unix() - as_of.unix() + 86_399) / 86_400;
            out.push((
                at,
                format!(
                    "{} expires on {}{why}, in {days} day{}",
                    o.path(),
                    u.at.short(),
                    if days == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    out
}
