//! Sending the plan's statements: one message per batch, each statement's completion counted
//! so that a failure names its statement, warnings failing the batch and notices kept with the
//! places in the plan they may come from.

use futures_util::{StreamExt, pin_mut};
use tokio_postgres::SimpleQueryMessage;

use super::run::{Runner, failure};
use super::{ApplyError, Heard};
use crate::server::{Notice, WireError};
use crate::text::escape_controls;

impl Runner<'_> {
    /// Runs `statements` as one message; on error, names the statement that failed by counting
    /// the statements that completed before it. A warning fails the batch (a GRANT that granted
    /// nothing may say so only with a warning); notices are handed back with the places in the
    /// plan (`offset` + their place here, from 1) of the statements they may come from.
    pub(super) async fn execute(
        &self,
        statements: &[String],
        offset: usize,
    ) -> Result<Vec<Heard>, ApplyError> {
        // Notices of earlier messages (the catalog read, the migrations) are not the plan's.
        while self.notices.is_some_and(|n| n.try_recv().is_ok()) {}
        let sql = statements.join(";\n");
        let stream = self
            .client
            .simple_query_raw(&sql)
            .await
            .map_err(|e| failure("sending a batch", &e))?;
        pin_mut!(stream);
        let mut done = 0usize;
        let mut heard = Vec::new();
        let last = offset + statements.len();
        // A statement's notices reach the channel before its completion reaches the stream, but
        // the driver reads ahead: those seen at the completion of statement i may come from any
        // statement from i to the end of the message.
        let take = |done: usize, heard: &mut Vec<Heard>| -> Result<(), ApplyError> {
            let said: Vec<Notice> = self
                .notices
                .map(|n| n.try_iter().collect())
                .unwrap_or_default();
            let first = offset + (done + 1).min(statements.len().max(1));
            for notice in said {
                if notice.is_warning() {
                    let shown: Vec<String> = statements[first - offset - 1..]
                        .iter()
                        .map(|s| escape_controls(s))
                        .collect();
                    return Err(ApplyError::Warning {
                        statement: if shown.len() == 1 {
                            shown[0].clone()
                        } else {
                            format!(
                                "one of statements {first} to {last}, sent in one message:\n    {}",
                                shown.join("\n    ")
                            )
                        },
                        notice,
                    });
                }
                heard.push(Heard {
                    first,
                    last,
                    notice,
                });
            }
            Ok(())
        };
        while let Some(message) = stream.next().await {
            match message {
                Ok(SimpleQueryMessage::CommandComplete(_)) => {
                    take(done, &mut heard)?;
                    done += 1;
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(match WireError::from(e) {
                        WireError::Server(error) => ApplyError::Statement {
                            statement: escape_controls(
                                statements.get(done).map_or("", String::as_str),
                            ),
                            error,
                        },
                        WireError::Connection(message) => ApplyError::Connection {
                            what: "a batch".to_owned(),
                            message,
                        },
                    });
                }
            }
        }
        // What came after the last completion (the message is done: nothing more is coming).
        take(done.saturating_sub(1), &mut heard)?;
        Ok(heard)
    }
}

/// How `approved` holds the statements `now` holds, in another order or some more than once.
pub(super) fn edits(approved: &[String], now: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for s in approved {
        *seen.entry(s.as_str()).or_default() += 1;
    }
    for (s, n) in seen {
        if n > 1 {
            out.push(format!("  listed {n} times: {}", escape_controls(s)));
        }
    }
    if out.is_empty() {
        let first = approved
            .iter()
            .zip(now)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        out.push(format!(
            "  in another order: statement {} is `{}` where this model and cluster put `{}`",
            first + 1,
            escape_controls(approved.get(first).map_or("", String::as_str)),
            escape_controls(now.get(first).map_or("", String::as_str))
        ));
    }
    out
}
