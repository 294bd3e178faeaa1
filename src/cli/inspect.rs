//! The commands that read a cluster and change nothing: export (and init --from-cluster's
//! reading) and doctor.

use super::commands::{talk, target};
use super::opt::ClusterArg;
use super::{Done, Failure, Format, fail};
use crate::{catalog, connect, export};

pub(super) fn export_cmd(cluster: &ClusterArg, partial: bool) -> Result<Done, Failure> {
    exported(cluster, partial).map(Into::into)
}

/// The cluster's current ML access as an access model (TOML).
pub(super) fn exported(cluster: &ClusterArg, partial: bool) -> Result<String, Failure> {
    let target = target(cluster)?;
    talk(cluster, async {
        let client = connect::connect(&target).await.map_err(fail)?;
        let cluster = catalog::read(&client, "", 0).await.map_err(fail)?;
        export::export(&cluster, &target.describe(), partial).map_err(fail)
    })
}

pub(super) fn doctor(cluster: &ClusterArg, format: Option<Format>) -> Result<Done, Failure> {
    let target = target(cluster)?;
    let checks = talk(cluster, async {
        let (client, notices) = connect::connect_with_notices(&target).await.map_err(fail)?;
        Ok::<_, Failure>(crate::doctor::run(&client, Some(&notices)).await)
    })?;
    let ok = checks.iter().all(|c| c.passed);
    let out = crate::doctor::report(&checks, &target.describe(), format == Some(Format::Json));
    Ok(Done {
        out,
        code: if ok { 0 } else { 1 },
    })
}
