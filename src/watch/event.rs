//! What the watch says: one JSON line per event on stdout (the document `mlgrant.watch`,
//! version 1, see docs/watch.md), a line for people on stderr, and, for a finding
//! (`drift`), the command of `--on-drift` run with that line on its stdin.
//!
//! A finding is said once when it appears, and again only after it went away and came back
//! (its text names the rule's file:line, so an edit that moves the rule makes it a new one):
//! the findings kept are those of the last round, so memory is bounded by one plan. A watch
//! that starts again says the findings again.

use std::collections::BTreeSet;
use std::io::Write;

use serde_json::{Map, Value, json};
use tokio::sync::watch::Receiver;

use crate::text::escape_controls;

/// One event: its kind, the words for people, and its fields.
#[derive(Clone, Debug)]
pub struct Event {
    pub kind: &'static str,
    pub says: String,
    pub fields: Map<String, Value>,
    /// The words keep their line breaks on stderr (check's diagnostics of the operator's own
    /// file); otherwise every control character is shown escaped, on one line.
    pub lines: bool,
}

impl Event {
    pub fn new(kind: &'static str, says: impl Into<String>) -> Event {
        Event {
            kind,
            says: says.into(),
            fields: Map::new(),
            lines: false,
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Event {
        self.fields.insert(key.to_owned(), value.into());
        self
    }

    /// The JSON line, without its time: what tells one finding from another.
    fn key(&self) -> String {
        json!({ "event": self.kind, "fields": self.fields }).to_string()
    }

    /// The JSON line: `format`, `version`, `at`, `target`, `event`, then the fields. Every
    /// control character is escaped (serde_json), and every other hidden one (bidi controls,
    /// zero-width characters, `text::json_line`), so no name can break a line or hide in it.
    pub fn line(&self, at: &str, target: &str) -> String {
        let mut doc = Map::new();
        doc.insert("format".into(), "mlgrant.watch".into());
        doc.insert("version".into(), 1.into());
        doc.insert("at".into(), at.into());
        doc.insert("target".into(), target.into());
        doc.insert("event".into(), self.kind.into());
        doc.insert("message".into(), self.says.clone().into());
        for (k, v) in &self.fields {
            doc.insert(k.clone(), v.clone());
        }
        crate::text::json_line(&Value::Object(doc))
    }
}

/// Where events go.
pub struct Sink {
    pub target: String,
    /// Whether stderr lines name the target (one of several watched).
    pub named: bool,
    /// `--on-drift`: a shell command run for each new finding, off the round's path.
    hooks: Option<super::hook::Hooks>,
    /// The findings of the last round (their keys).
    reported: BTreeSet<String>,
    /// Whether events are written (off in unit tests).
    echo: bool,
}

impl Sink {
    pub fn new(target: String, on_drift: Option<String>, stop: Receiver<bool>) -> Sink {
        Sink {
            target,
            named: false,
            hooks: on_drift.map(|c| super::hook::Hooks::new(c, stop)),
            reported: BTreeSet::new(),
            echo: true,
        }
    }

    /// Says `event` now: the JSON line on stdout, the words on stderr.
    pub fn say(&self, event: &Event) {
        if !self.echo {
            return;
        }
        let at = now();
        let line = event.line(&at, &self.target);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        drop(out);
        let says = if event.lines {
            crate::text::escape_controls_keep_lines(&event.says)
        } else {
            escape_controls(&event.says)
        };
        let _ = writeln!(
            std::io::stderr(),
            "{at} {}{}: {says}",
            self.who(),
            event.kind
        );
    }

    /// `[target] ` when several are watched.
    fn who(&self) -> String {
        if self.named {
            format!("[{}] ", escape_controls(&self.target))
        } else {
            String::new()
        }
    }

    /// A line on stderr only (a failed connection attempt, a hook that failed).
    pub fn note(&self, text: &str) {
        if self.echo {
            let _ = writeln!(
                std::io::stderr(),
                "{} {}{}",
                now(),
                self.who(),
                escape_controls(text)
            );
        }
    }

    /// Waits for the `--on-drift` commands handed over (a stop kills the one running).
    pub async fn finish(&mut self) {
        if let Some(hooks) = self.hooks.take() {
            hooks.finish().await;
        }
    }

    /// A round's findings: those not reported in the last round are said (and a drift handed
    /// to `--on-drift`, which runs them one after another off the round's path); the rest are
    /// not said again. Returns how many were new.
    pub fn findings(&mut self, found: Vec<Event>) -> usize {
        let mut now = BTreeSet::new();
        let mut new = 0;
        for event in found {
            let key = event.key();
            if !self.reported.contains(&key) && !now.contains(&key) {
                new += 1;
                self.say(&event);
                if event.kind == "drift"
                    && let Some(hooks) = &mut self.hooks
                {
                    let line = event.line(&self::now(), &self.target);
                    if let Err(why) = hooks.hand(line) {
                        self.note(&why);
                    }
                }
            }
            now.insert(key);
        }
        self.reported = now;
        new
    }
}

/// The clock, to the second: the watch's own (each round judges expiring entries at it).
pub fn clock() -> crate::model::Instant {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    crate::model::Instant::from_unix(secs)
}

/// The current time, as events carry it.
pub fn now() -> String {
    clock().to_string()
}

#[cfg(test)]
mod tests {
    use super::Event;

    #[test]
    fn a_line_is_one_line_of_json_whatever_the_names() {
        let e = Event::new("drift", "REVOKE EXECUTE ON MODEL \"a\nb\u{1b}[2K\"")
            .with("statement", "x\r\ny\u{2028}\u{202e}z\u{200b}");
        let line = e.line("2026-12-04T00:00:00Z", "t\n");
        assert!(!line.contains('\n') && !line.contains('\r') && !line.contains('\u{1b}'));
        assert!(
            !line.contains('\u{202e}') && !line.contains('\u{200b}') && !line.contains('\u{2028}'),
            "{line}"
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["format"], "mlgrant.watch");
        assert_eq!(v["version"], 1);
        assert_eq!(v["event"], "drift");
        assert_eq!(v["statement"], "x\r\ny\u{2028}\u{202e}z\u{200b}");
        assert_eq!(v["target"], "t\n");
    }

    #[test]
    fn a_finding_is_said_once_until_it_goes_away() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (_keep, stop) = tokio::sync::watch::channel(false);
        let mut sink = super::Sink::new("t".into(), None, stop);
        sink.echo = false;
        let a = Event::new("drift", "a").with("statement", "A");
        let b = Event::new("drift", "b").with("statement", "B");
        rt.block_on(async {
            assert_eq!(sink.findings(vec![a.clone(), a.clone()]), 1);
            assert_eq!(sink.findings(vec![a.clone(), b.clone()]), 1);
            assert_eq!(sink.findings(vec![b.clone()]), 0);
            // a went away: it is new again when it comes back.
            assert_eq!(sink.findings(vec![a.clone(), b.clone()]), 1);
        });
    }
}
