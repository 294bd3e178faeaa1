//! `mlgrant plan`: read the cluster, compare, and print what would change; its parts are
//! shared with a plan of many targets in one process (fleet.rs).

use std::io::IsTerminal;
use std::path::Path;

use super::check::model_warnings;
use super::commands::{saved_cluster, talk, target, warn};
use super::opt::ClusterArg;
use super::{Done, Failure, Format, fail, output};
use crate::config::AccessModel;
use crate::plan::Plan;
use crate::saved::SavedPlan;
use crate::text::sanitize;
use crate::{audit, catalog, connect, diff, render};

pub(super) fn plan(
    path: &Path,
    cluster: &ClusterArg,
    format: Format,
    color: bool,
    exit_code: bool,
    out_file: Option<&Path>,
) -> Result<(Done, usize), Failure> {
    let model = super::clock::load(path)?;
    warn(&model);
    let target = target(cluster)?;
    let (plan, state) = talk(cluster, plan_on(&model, &target))?;
    if let Some(file) = out_file {
        let saved = SavedPlan::new(
            &plan,
            &model,
            &state,
            saved_cluster(&target),
            audit::now_utc(),
        );
        std::fs::write(file, saved.to_json()).map_err(|e| {
            fail(format!(
                "cannot write the plan to {}: {e}",
                sanitize(&file.display().to_string())
            ))
        })?;
        eprintln!(
            "saved the plan ({}) to {}: review it, then `mlgrant apply --plan {}`",
            plan.size(),
            sanitize(&file.display().to_string()),
            sanitize(&file.display().to_string())
        );
    }
    // The cluster's state is not shown: freed before the output is made.
    drop(state);
    if matches!(format, Format::Json) {
        let (code, warned) = exit_code_of(&plan, exit_code);
        let files = [model.source.name.as_str()];
        return Ok((super::stream_json(&plan, "plan", &files, code), warned));
    }
    let terminal = std::io::stdout().is_terminal();
    Ok(plan_done(
        &plan,
        &model,
        &target.describe(),
        format,
        color,
        terminal,
        exit_code,
    ))
}

/// A plan of `target`: connect, read the catalog (one round trip; a second only for models
/// that SHOW MODEL must confirm, or a directory's namespaces) and compare.
pub(super) async fn plan_on(
    model: &AccessModel,
    target: &connect::Target,
) -> Result<(Plan, crate::model::State), Failure> {
    let client = connect::connect(target).await.map_err(fail)?;
    let mut cluster = catalog::read(&client, "", 0).await.map_err(fail)?;
    // A directory's namespaces are checked when the login may read them (one more round
    // trip, only for a model that names them).
    let superuser = cluster.cluster.as_ref().is_some_and(|i| i.superuser);
    let known = if superuser && !diff::directory_namespaces(model).is_empty() {
        Some(catalog::identity_namespaces(&client).await.map_err(fail)?)
    } else {
        None
    };
    let directory_notes = diff::check_directories(model, known.as_ref()).map_err(fail)?;
    let mut plan = diff::sync(model, &cluster).map_err(fail)?;
    if !plan.unconfirmed.is_empty() {
        // Models only the padded svv_ml_model_info shows: SHOW MODEL confirms their exact
        // names before any statement names them (catalog::confirm).
        let asked = catalog::confirm::first(&plan.unconfirmed);
        let answers = catalog::confirm::ask(&client, asked, None)
            .await
            .map_err(fail)?;
        if !catalog::confirm::settle(&mut plan, &mut cluster, answers) {
            plan = diff::sync(model, &cluster).map_err(fail)?;
        }
    }
    plan.notes.extend(directory_notes);
    plan.warnings.splice(0..0, model_warnings(model));
    Ok((plan, cluster))
}

/// What plan prints, its exit code and its count of warnings.
pub(super) fn plan_done(
    plan: &Plan,
    model: &AccessModel,
    describe: &str,
    format: Format,
    color: bool,
    terminal: bool,
    exit_code: bool,
) -> (Done, usize) {
    let header = format!(
        "mlgrant plan {} against {describe}: {}, {}",
        model.source.name,
        plan.size(),
        super::clock::label()
    );
    let files = [model.source.name.as_str()];
    let out = output(plan, format, &header, "plan", &files, color, terminal);
    let (code, warned) = exit_code_of(plan, exit_code);
    (Done { out, code }, warned)
}

/// Plan's exit code and its count of warnings: 0 in sync, 2 changes pending, 3 nothing this
/// login can plan is pending but something is held back (grants it cannot confirm, revokes it
/// may not make, models not ready); 0 always without `--exit-code`.
fn exit_code_of(plan: &Plan, exit_code: bool) -> (u8, usize) {
    let held_back = !plan.unverified.is_empty() || plan.withheld > 0;
    let code = match (exit_code, plan.is_empty(), held_back) {
        (false, _, _) | (true, true, false) => 0,
        (true, false, _) => 2,
        (true, true, true) => 3,
    };
    (code, render::warnings(plan).len())
}
