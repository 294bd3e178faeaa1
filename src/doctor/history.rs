//! The check `query_history`: `mlgrant usage collect` reads sys_query_history after a
//! watermark of `query_id`, which assumes that a later statement gets a larger query_id (DG
//! SYS_QUERY_HISTORY says what query_id is, not that it grows). Two statements, each a
//! message of its own and each carrying a token of this run, are looked for in the history
//! (a login sees its own rows, DG SYS_QUERY_HISTORY), and their ids compared. The history may
//! show a statement some time after it ended: it is read up to three times, a second apart.

use std::time::Duration;

use tokio_postgres::Client;

use super::{Check, rows};

const MEANING: &str = "usage collect's watermark (query_id grows with time) is unproven on this cluster: a collection could skip or count twice the calls of statements it reads out of order";

pub(super) async fn check(client: &Client) -> Check {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // Digits only: the token goes into a literal and a LIKE pattern as it is.
    let token = format!("mlgrant-doctor-{nanos}");
    for part in ["a", "b"] {
        if let Err(e) = client
            .simple_query(&format!("SELECT '{token}-{part}' AS mlgrant_doctor"))
            .await
        {
            return Check::fail("query_history", super::error_text(&e), MEANING);
        }
    }
    let sql = format!(
        "SELECT query_id, query_text FROM pg_catalog.sys_query_history WHERE query_text LIKE '%{token}-%' ORDER BY query_id"
    );
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let found = match rows(client, &sql).await {
            Ok(found) => found,
            Err(e) => return Check::fail("query_history", e, MEANING),
        };
        let id = |part: &str| {
            found.iter().find_map(|r| {
                let text = r.get(1).cloned().flatten().unwrap_or_default();
                (text.contains(&format!("'{token}-{part}'")) && !text.contains("LIKE"))
                    .then(|| r.first().cloned().flatten()?.trim().parse::<i64>().ok())
                    .flatten()
            })
        };
        match (id("a"), id("b")) {
            (Some(a), Some(b)) if b > a => {
                return Check::pass(
                    "query_history",
                    format!(
                        "sys_query_history shows this login's statements, a later one with a larger query_id ({a} then {b})"
                    ),
                );
            }
            (Some(a), Some(b)) => {
                return Check::fail(
                    "query_history",
                    format!("a later statement got a smaller or equal query_id ({a} then {b})"),
                    MEANING,
                );
            }
            _ => {}
        }
    }
    Check::skipped(
        "query_history",
        "the two statements doctor ran did not show in sys_query_history within 3 s",
        MEANING,
    )
}
