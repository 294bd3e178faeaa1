//! Tests against the Redshift simulator: each starts its own on a free loopback port and
//! removes it afterwards. Skipped by the fast loop (`--skip live::`). The helpers they share are
//! here, written once.

mod faults;
mod secrets;
mod sync_cli;

use redshift_sim::Simulator;
use tokio_postgres::{Client, SimpleQueryMessage};

/// A connection to `sim` as `user`, through mlgrant's own connect (verified TLS).
pub async fn connect_as(sim: &Simulator, user: &str, password: &str) -> Client {
    let url = sim.url().replace("awsuser@", &format!("{user}@"));
    let env = |k: &str| (k == "PGPASSWORD").then(|| password.to_owned());
    let target = mlgrant::connect::resolve(Some(&url), &env, None).expect("target");
    mlgrant::connect::connect(&target).await.expect("connects")
}

/// A connection as the simulator's superuser.
pub async fn admin(sim: &Simulator) -> Client {
    connect_as(sim, "awsuser", sim.password()).await
}

/// The rows `sql` returns, as text with char(n) padding trimmed (NULL as "NULL").
pub async fn rows(client: &Client, sql: &str) -> Vec<Vec<String>> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| r.get(i).unwrap_or("NULL").trim_end().to_owned())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}
