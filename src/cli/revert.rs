//! `mlgrant revert RUN`: finds the run in mlgrant's ledger, then hands apply the run's inverse
//! (`ledger::inverse`) to plan, show, ask, lock, apply, read back and audit like any plan.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use super::commands::{talk, target};
use super::opt::ClusterArg;
use super::{Done, Failure, Format, fail};
use crate::text::sanitize;
use crate::{apply, audit, connect};

pub(super) fn revert(
    run: &str,
    config: &Path,
    cluster: &ClusterArg,
    format: Option<Format>,
    yes: bool,
    force: bool,
    rehearse: bool,
) -> Result<Done, Failure> {
    let target = target(cluster)?;
    let ledger = talk(cluster, async {
        let client = connect::connect(&target).await.map_err(fail)?;
        audit::ledger(&client).await.map_err(fail)
    })?;
    let ids: std::collections::BTreeSet<String> = ledger
        .iter()
        .filter_map(|r| r.first().cloned().flatten())
        .map(|id| id.trim_end().to_owned())
        .filter(|id| id.starts_with(&run.to_ascii_lowercase()))
        .collect();
    let id = match (run.is_empty(), ids.len()) {
        (false, 1) => ids.into_iter().next().unwrap_or_default(),
        (false, 0) | (true, _) => {
            return Err(fail(format!(
                "no run `{}` in mlgrant's ledger: `mlgrant history` lists the runs (runs applied before the ledger, migration 5, cannot be reverted)",
                sanitize(run)
            )));
        }
        _ => {
            return Err(fail(format!(
                "`{}` names {} runs: give more of its id",
                sanitize(run),
                ids.len()
            )));
        }
    };
    let revert = crate::ledger::Revert::of(&id, ledger, force);
    let settings = apply::Settings {
        read_timeout: (cluster.read_timeout > 0).then(|| Duration::from_secs(cluster.read_timeout)),
        ask_first: !yes && !rehearse,
        rehearse,
        revert,
        ..apply::Settings::default()
    };
    let format = format.unwrap_or(if std::io::stderr().is_terminal() {
        Format::Text
    } else {
        Format::Sql
    });
    super::apply::apply_cmd(config, cluster, settings, format, None, false)
}
