//! The watch's one connection: opened (bounded), opened again after a loss with a backoff that
//! doubles up to ten intervals (at least 10 s, at most 10 minutes) and starts again from a
//! second only once a round succeeds, the poll (bounded), and the waits, each of which a stop
//! ends at once. None of them is inside a transaction.

use std::future::Future;
use std::time::Duration;

use tokio_postgres::Client;

use super::{Event, Failed, Seen, Watch, poll};
use crate::connect::Notices;
use crate::server::WireError;

impl Watch {
    /// `fut`, unless a stop comes first (`None`).
    pub(super) async fn unless_stopped<T>(&self, fut: impl Future<Output = T>) -> Option<T> {
        let mut stop = self.stop.clone();
        tokio::select! {
            out = fut => Some(out),
            _ = stop.wait_for(|s| *s) => None,
        }
    }

    /// The read timeout, or a day without one (a stop ends any wait anyway).
    pub(super) fn limit(&self) -> Duration {
        self.settings
            .apply
            .read_timeout
            .unwrap_or(Duration::from_secs(86_400))
    }

    /// Waits `d`, or less when asked to stop; false when asked to stop.
    pub(super) async fn wait(&self, d: Duration) -> bool {
        self.unless_stopped(tokio::time::sleep(d)).await.is_some() && !self.stopped()
    }

    /// Connects, bounded by the read timeout (30 s without one); `None` when asked to stop.
    pub(super) async fn connect(&mut self) -> Option<Result<(Client, Notices), String>> {
        let limit = self
            .settings
            .apply
            .read_timeout
            .unwrap_or(Duration::from_secs(30));
        let attempt = tokio::time::timeout(limit, (self.connector)());
        self.unless_stopped(attempt)
            .await
            .map(|r| r.unwrap_or_else(|_| Err(format!("no answer within {} s", limit.as_secs()))))
    }

    /// Opens the connection again after `why`, with the backoff; `None` when asked to stop.
    pub(super) async fn reconnect(&mut self, why: String) -> Option<(Client, Notices)> {
        self.sink.say(&Event::new(
            "disconnected",
            format!("{why}; connecting again in {} s", self.backoff.as_secs()),
        ));
        let cap =
            (self.settings.interval * 10).clamp(Duration::from_secs(10), Duration::from_secs(600));
        loop {
            if !self.wait(self.backoff).await {
                return None;
            }
            let attempt = self.connect().await?;
            // The next loss waits longer, until a round succeeds on this connection.
            self.backoff = (self.backoff * 2).min(cap);
            match attempt {
                Ok(c) => {
                    self.sink
                        .say(&Event::new("connected", "connected again: catching up"));
                    return Some(c);
                }
                Err(e) => {
                    self.sink.note(&format!(
                        "connecting failed: {e}; next attempt in {} s",
                        self.backoff.as_secs()
                    ));
                }
            }
        }
    }

    /// The poll, bounded; what the server said meanwhile is dropped (the watch keeps none).
    pub(super) async fn poll(&self, client: &Client, notices: &Notices) -> Result<Seen, Failed> {
        while notices.try_recv().is_ok() {}
        let limit = self.limit();
        let Some(answer) = self
            .unless_stopped(tokio::time::timeout(limit, poll::poll(client)))
            .await
        else {
            return Err(Failed::Stopping);
        };
        match answer {
            Err(_) => Err(Failed::Lost(format!(
                "the poll got no answer within {} s (--read-timeout)",
                limit.as_secs()
            ))),
            Ok(Ok(s)) => Ok(s),
            Ok(Err(_)) if client.is_closed() => Err(Failed::Lost("the connection was lost".into())),
            Ok(Err(WireError::Connection(m))) => Err(Failed::Lost(m)),
            Ok(Err(WireError::Server(s))) => Err(Failed::Round(format!(
                "the poll failed{}: {}",
                crate::server::sqlstate_note(&s.sqlstate),
                s.message
            ))),
        }
    }
}
