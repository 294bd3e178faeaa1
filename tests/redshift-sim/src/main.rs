//! `redshift-sim --listen 127.0.0.1:PORT --password PW`: prints one line
//! `ready postgres://awsuser@127.0.0.1:PORT/dev?sslmode=verify-full&sslrootcert=DIR/ca.pem`
//! and serves until interrupted; then prints the counters of each connection and cleans up.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use redshift_sim::{Options, Simulator};

/// A Redshift simulator on real PostgreSQL, for trying mlgrant without a cluster.
#[derive(Debug, Parser)]
#[command(name = "redshift-sim", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:5439")]
    listen: SocketAddr,
    /// Password of the superuser awsuser.
    #[arg(long, env = "REDSHIFT_SIM_PASSWORD")]
    password: String,
    /// Milliseconds added to every round trip.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Cut a client connection after this many statements.
    #[arg(long)]
    drop_after: Option<u64>,
    /// Fail the N-th statement (numbered from 1 across all connections: each statement of a
    /// simple query, each Execute) once with Redshift's serialization error: SQLSTATE XX000,
    /// message 1023, DETAIL "Serializable isolation violation on table ...".
    #[arg(long, value_name = "N")]
    serialization_error_at: Option<u64>,
    /// Use this PostgreSQL instead of starting one: a superuser URL whose database gets
    /// Redshift's shape (e.g. postgres://postgres@/dev?host=/run/postgresql).
    #[arg(long, value_name = "URL")]
    pg: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let options = Options {
        listen: args.listen,
        password: args.password,
        latency_ms: args.latency_ms,
        drop_after: args.drop_after.unwrap_or(0),
        serialization_error_at: args.serialization_error_at.unwrap_or(0),
        pg: args.pg,
    };
    let sim = match Simulator::start(options).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("redshift-sim: {e}");
            return ExitCode::from(1);
        }
    };
    println!("ready {}", sim.url());
    // The admin door, for test setup that Redshift could not do (see Simulator::admin_url).
    println!("admin {}", sim.admin_url());
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("redshift-sim: {e}");
            return ExitCode::from(1);
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    for (i, c) in sim.stats().iter().enumerate() {
        eprintln!(
            "connection {i} user={} round_trips={} statements={}{}",
            c.user,
            c.round_trips,
            c.statements,
            if c.dropped { " dropped" } else { "" }
        );
    }
    drop(sim);
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serialization_error_flag_takes_a_statement_number() {
        let args = Args::try_parse_from([
            "redshift-sim",
            "--password",
            "pw",
            "--serialization-error-at",
            "5",
        ])
        .expect("flags parse");
        assert_eq!(args.serialization_error_at, Some(5));
        let args = Args::try_parse_from(["redshift-sim", "--password", "pw"]).expect("parse");
        assert_eq!(args.serialization_error_at, None);
    }
}
