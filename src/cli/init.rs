//! `mlgrant init`: a first model file. The commented starter (or, with --from-cluster, what
//! export reads), opened by a `#:schema` directive that points editors at the JSON Schema,
//! which is written beside it. Never writes over a model file; the schema file is replaced only
//! when it is mlgrant's own.

use std::io::Write;
use std::path::Path;

use super::opt::ClusterArg;
use super::{Done, Failure, fail};
use crate::config::schema;
use crate::text::sanitize;

/// The commented starter model.
pub(crate) const STARTER: &str = include_str!("starter.toml");

/// The directive taplo (and Even Better TOML) reads on a model's first line.
fn directive() -> String {
    format!("#:schema ./{}\n", schema::FILE_NAME)
}

pub(super) fn init(
    file: &Path,
    from_cluster: bool,
    partial: bool,
    cluster: &ClusterArg,
) -> Result<Done, Failure> {
    if cluster.many() || cluster.targets_from.is_some() {
        return Err(fail(if from_cluster {
            "init --from-cluster reads one cluster: give --url (or --aws-cluster, --aws-workgroup), not targets"
        } else {
            "init writes the starter, for no cluster: the target options are for init --from-cluster, which reads one cluster with --url (or --aws-cluster, --aws-workgroup)"
        }));
    }
    let names_a_cluster = cluster.url.is_some()
        || cluster.aws_cluster.is_some()
        || cluster.aws_workgroup.is_some()
        || cluster.aws_region.is_some()
        || cluster.db_user.is_some();
    if names_a_cluster && !from_cluster {
        return Err(fail(
            "init without --from-cluster writes the starter and reads no cluster: add --from-cluster to write what the cluster holds, or leave out --url and the AWS options",
        ));
    }
    let text = if from_cluster {
        format!(
            "{}{}",
            directive(),
            super::inspect::exported(cluster, partial)?
        )
    } else {
        STARTER.to_owned()
    };
    if file == Path::new("-") {
        return Ok(text.into());
    }
    let shown = sanitize(&file.display().to_string());
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => fail(format!(
                "{shown} exists: init never writes over a file; remove it, or name another with --config FILE"
            )),
            _ => fail(format!("cannot write {shown}: {e}")),
        })?;
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.sync_all()) {
        drop(out);
        let _ = std::fs::remove_file(file);
        return Err(fail(format!("cannot write {shown}: {e}")));
    }
    let dir = file.parent().filter(|p| !p.as_os_str().is_empty());
    let schema_path = dir.map_or_else(|| schema::FILE_NAME.into(), |d| d.join(schema::FILE_NAME));
    let schema_note = write_schema(&schema_path);
    eprintln!(
        "wrote {shown}{schema_note}\nnext: mlgrant check --config {shown}, then mlgrant plan --config {shown} --url postgres://USER@HOST:5439/DATABASE"
    );
    Ok(String::new().into())
}

/// Writes the JSON Schema at `path` unless a file that is not mlgrant's schema is there; says
/// what it did, for init's message.
fn write_schema(path: &Path) -> String {
    let shown = sanitize(&path.display().to_string());
    match std::fs::read_to_string(path) {
        Ok(old) if !old.contains(schema::ID) => {
            return format!(
                "; {shown} exists and is not mlgrant's schema, so it was left alone (`mlgrant schema` prints the schema)"
            );
        }
        Ok(old) if old == schema::text() => return format!(" ({shown} is already current)"),
        _ => {}
    }
    match std::fs::write(path, schema::text()) {
        Ok(()) => format!(" and {shown}, the JSON Schema your editor reads"),
        Err(e) => format!("; {shown} could not be written ({e}): `mlgrant schema` prints it"),
    }
}
