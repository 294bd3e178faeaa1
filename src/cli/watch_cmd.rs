//! `mlgrant watch`: its options, and the process around the library's loop (`crate::watch`):
//! the model loaded and checked as `check` does, the connection made as plan makes it (an IAM
//! login asks for fresh credentials at each reconnection), and a signal turned into a stop
//! that the loop obeys between transactions.

use std::time::Duration;

use clap::Args;

use super::opt::{ClusterArg, ModelArg};
use super::{Done, Failure, fail};
use crate::config::{AccessModel, ConfigError};
use crate::watch::{Connector, Ended, Loader, Settings, Sink, Watch};
use crate::{apply, connect};

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub model: ModelArg,
    #[command(flatten)]
    pub cluster: ClusterArg,
    /// How often to poll the model inventory (`30s`, `1m`, `5m`), give or take a tenth.
    #[arg(long, default_value = "60s", value_name = "SPAN", value_parser = span)]
    pub interval: Duration,
    /// A whole round (catalog read and plan) at least this often, even when the poll sees no
    /// change: drift on schemas, groups and members shows only in a round.
    #[arg(long, default_value = "1h", value_name = "SPAN", value_parser = span)]
    pub recheck: Duration,
    /// One round, then exit (for cron and scheduled functions): exit 0 when it completed, 1 when
    /// it failed or a guard held grants back.
    #[arg(long)]
    pub once: bool,
    /// A shell command run once for each new finding (drift the watch does not apply), with
    /// the finding's JSON line on its stdin; killed after 30 s.
    #[arg(long, value_name = "COMMAND")]
    pub on_drift: Option<String>,
    /// Seconds to wait for the apply lock before giving up on a round (tried again later).
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub lock_timeout: u64,
}

/// `30s`, `5m`, `1h`, `1d`: at least a second, at most a week.
fn span(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a span such as 30s, 5m or 1h"))?;
    let seconds = match unit {
        "s" | "" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("`{text}`: the unit is s, m, h or d")),
    };
    if !(1..=7 * 86_400).contains(&seconds) {
        return Err(format!("`{text}`: between 1s and 7d"));
    }
    Ok(Duration::from_secs(seconds))
}

/// Parses and checks the model file's bytes as `check` does; a file that does not check is
/// its error's text.
fn load(name: &str, bytes: Vec<u8>) -> Result<AccessModel, String> {
    match crate::config::from_bytes(name, bytes) {
        Ok(mut model) => {
            super::clock::stamp(&mut model, super::clock::EXPIRING_WITHIN);
            Ok(model)
        }
        Err(ConfigError::Invalid(d)) => Err(d.render(false)),
        Err(other) => Err(crate::text::sanitize(&other.to_string())),
    }
}

pub(super) fn watch(
    args: &WatchArgs,
    as_of: Option<crate::model::Instant>,
) -> Result<Done, Failure> {
    let cluster = &args.cluster;
    if cluster.many() {
        return Err(fail(
            "watch keeps one cluster: give it --url (or the libpq variables, or --aws-cluster / --aws-workgroup) and run one watch per cluster",
        ));
    }
    if as_of.is_some() && !args.once {
        return Err(fail(
            "--as-of fixes the time expiring entries are judged at: a watch that runs on would keep granting what has ended; use it with --once",
        ));
    }
    if args.model.config == std::path::Path::new("-") {
        return Err(fail(
            "watch reads its model file again when it changes: give it a file, not `-`",
        ));
    }
    let model = super::clock::load(&args.model.config)?;
    super::commands::warn(&model);
    let target = super::commands::target(cluster)?;
    let iam = connect::IamLogin {
        cluster: cluster.aws_cluster.clone(),
        workgroup: cluster.aws_workgroup.clone(),
        region: cluster.aws_region.clone(),
        db_user: cluster.db_user.clone(),
    };
    let describe = target.describe();
    let connector: Connector = Box::new(move || {
        let mut target = target.clone();
        let iam = iam.clone();
        Box::pin(async move {
            if iam.is_set() {
                let host_given = target.host_given;
                connect::iam_login(&mut target, &iam, host_given)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            connect::connect_with_notices(&target)
                .await
                .map_err(|e| e.to_string())
        })
    });
    let loader: Loader = Box::new(load);
    let read_timeout = cluster.read_timeout;
    let settings = Settings {
        interval: args.interval,
        recheck: args.recheck,
        once: args.once,
        as_of,
        apply: apply::Settings {
            lock_timeout: Duration::from_secs(args.lock_timeout),
            read_timeout: (read_timeout > 0).then(|| Duration::from_secs(read_timeout)),
            audit_owner: model
                .policy
                .audit_owner
                .as_ref()
                .map(|n| n.as_str().to_owned()),
            watch: true,
            ..apply::Settings::default()
        },
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // The first signal stops the watch between transactions; a second ends it at once (an open
    // transaction dies with the connection, and the server rolls it back).
    super::stop::on_signals(move |signal| {
        if *stop.borrow() {
            eprintln!(
                "{} {signal} again: exiting now; a transaction not committed is rolled back",
                crate::watch::now()
            );
            std::process::exit(1);
        }
        eprintln!(
            "{} {signal}: stopping after the transaction under way, if any",
            crate::watch::now()
        );
        let _ = stop.send(true);
    });
    let sink = Sink::new(describe, args.on_drift.clone());
    let path = args.model.config.clone();
    let watch = Watch::new(path, model, settings, sink, loader, connector, stopped);
    let ended = super::commands::runtime()?.block_on(watch.run());
    match ended {
        Ended::Stopped | Ended::Once { failed: false } => Ok(String::new().into()),
        Ended::Once { failed: true } => Err(Failure(String::new())),
        Ended::CannotConnect(e) => Err(fail(e)),
    }
}
