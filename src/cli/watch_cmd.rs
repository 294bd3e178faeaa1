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
    let seconds = crate::model::Instant::parse_span_in(
        text,
        &[("", 1), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)],
        "seconds (30s), minutes (5m), hours (1h) or days (1d)",
    )?;
    if !(1..=7 * 86_400).contains(&seconds) {
        return Err(format!(
            "`{}`: between 1s and 7d",
            crate::text::sanitize(text)
        ));
    }
    Ok(Duration::from_secs(seconds as u64))
}

/// Parses and checks the model file's bytes as `check` does; a file that does not check is
/// its error's text.
/// Not stamped with the time: each round judges the entries' ends at its own.
fn load(name: &str, bytes: Vec<u8>) -> Result<AccessModel, String> {
    match crate::config::from_bytes(name, bytes) {
        Ok(model) => Ok(model),
        Err(ConfigError::Invalid(d)) => Err(d.render(false)),
        Err(other) => Err(crate::text::sanitize(&other.to_string())),
    }
}

/// One cluster to watch: what its events are named by, where it is, how to log in.
struct Place {
    name: String,
    target: connect::Target,
    iam: connect::IamLogin,
    /// The target's credentials are fresh (commands::target logged in already).
    logged_in: bool,
}

/// The clusters: `--url` (or the environment, or IAM login), or the model's targets.
fn places(args: &WatchArgs, model: &AccessModel) -> Result<Vec<Place>, Failure> {
    let cluster = &args.cluster;
    if !cluster.many() {
        let target = super::commands::target(cluster)?;
        let iam = cluster.iam();
        return Ok(vec![Place {
            name: target.describe(),
            target,
            iam,
            logged_in: true,
        }]);
    }
    let chosen = super::targets::choose(&model.targets, cluster, &args.model.config)?;
    let mut out = Vec::new();
    for t in chosen {
        let target = super::fleet::target_of(t)?;
        for w in &target.warnings {
            eprintln!("{}: warning: {}", t.name, crate::text::sanitize(w));
        }
        out.push(Place {
            name: t.name.clone(),
            target,
            iam: super::fleet::iam_of(t),
            logged_in: false,
        });
    }
    Ok(out)
}

/// Opens a connection to `place`; with IAM login, fresh credentials each time.
fn connector(place: Place) -> Connector {
    let Place {
        target,
        iam,
        mut logged_in,
        ..
    } = place;
    Box::new(move || {
        let mut target = target.clone();
        let iam = iam.clone();
        let login = iam.is_set() && !std::mem::take(&mut logged_in);
        Box::pin(async move {
            if login {
                let host_given = target.host_given;
                connect::iam_login(&mut target, &iam, host_given)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            connect::connect_with_notices(&target)
                .await
                .map_err(|e| e.to_string())
        })
    })
}

pub(super) fn watch(
    args: &WatchArgs,
    as_of: Option<crate::model::Instant>,
) -> Result<Done, Failure> {
    let cluster = &args.cluster;
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
    if cluster.targets_from.is_some() {
        return Err(fail(
            "watch reads its targets from --config, the model it watches; --targets-from is for export, doctor and history",
        ));
    }
    // Not stamped with the time either (the rounds judge expiring entries at theirs); the
    // file's own warnings are said now, and its entries' ends at the first round.
    let model = crate::config::load(&args.model.config)?;
    super::commands::warn(&model);
    let places = places(args, &model)?;
    let read_timeout = cluster.read_timeout;
    let settings = Settings {
        interval: args.interval,
        recheck: args.recheck,
        once: args.once,
        retry_first: places.len() > 1,
        as_of,
        expiring_within: super::clock::EXPIRING_WITHIN,
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
    // The first signal stops every watch between transactions; a second ends the process at
    // once (an open transaction dies with its connection, and the server rolls it back).
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
    // Every cluster a watch of its own, all on one runtime, each with its own connection.
    let mut names = Vec::new();
    let mut watches = Vec::new();
    let many = places.len() > 1;
    let mut first = Some(model);
    for place in places {
        // Each watch keeps its own model (the file read again for each after the first).
        let model = match first.take() {
            Some(m) => m,
            None => crate::config::load(&args.model.config)?,
        };
        names.push(place.name.clone());
        let mut sink = Sink::new(place.name.clone(), args.on_drift.clone(), stopped.clone());
        sink.named = many;
        watches.push(
            Watch::new(
                args.model.config.clone(),
                model,
                settings.clone(),
                sink,
                Box::new(load) as Loader,
                connector(place),
                stopped.clone(),
            )
            .run(),
        );
    }
    let ended = super::commands::runtime()?.block_on(futures_util::future::join_all(watches));
    let mut failed = String::new();
    let mut bad = false;
    for (name, ended) in names.iter().zip(ended) {
        let prefix = if many {
            format!("{name}: ")
        } else {
            String::new()
        };
        match ended {
            Ended::Stopped | Ended::Once { failed: false } => {}
            Ended::Once { failed: true } => {
                bad = true;
                if many {
                    failed.push_str(&format!("{prefix}the round failed or held grants back\n"));
                }
            }
            Ended::CannotConnect(e) => {
                bad = true;
                failed.push_str(&format!(
                    "error: {prefix}{}\n",
                    crate::text::escape_controls(&e)
                ));
            }
        }
    }
    if bad {
        return Err(Failure(failed));
    }
    Ok(String::new().into())
}
