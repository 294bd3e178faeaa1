//! `mlgrant check`, and what a warning does in every command: the model file's warnings as a
//! plan carries them, and `--warnings-as-errors`.

use std::path::Path;

use super::commands::warn;
use super::opt::{CheckFormat, WarnArg};
use super::{Done, Failure};
use crate::compile;
use crate::config::{self, AccessModel, ConfigError};
use crate::plan::Plan;
use crate::text::{plural, sanitize};

/// With `--warnings-as-errors`, a command that warned exits 1 (after its output, as usual).
pub(super) fn strict(mut done: Done, warned: usize, warn: &WarnArg) -> Done {
    if let Some(message) = strict_failure(warn.warnings_as_errors, warned, done.code.into()) {
        eprint!("{message}");
        done.code = 1;
    }
    done
}

/// What `--warnings-as-errors` says of a run that warned and would have succeeded, or None.
pub(super) fn strict_failure(asked: bool, warned: usize, code: i32) -> Option<String> {
    (asked && warned > 0 && code == 0).then(|| {
        format!(
            "error: {warned} warning{} and --warnings-as-errors\n",
            plural(warned)
        )
    })
}

/// The model file's warnings, each with its place, as a plan carries them.
pub(super) fn model_warnings(model: &AccessModel) -> Vec<crate::plan::Warning> {
    crate::plan::Warning::in_file(&model.source.name, &model.warnings).collect()
}

pub(super) fn check(
    path: &Path,
    format: CheckFormat,
    expiring_within: i64,
) -> Result<(Done, usize), Failure> {
    let model = match config::load(path) {
        Ok(mut model) => {
            super::clock::stamp(&mut model, expiring_within);
            model
        }
        // The JSON and GitHub forms are the product: they go to stdout, with exit code 1.
        Err(ConfigError::Invalid(d)) if format != CheckFormat::Text => {
            let out = match format {
                CheckFormat::Json => d.json(),
                _ => d.github(),
            };
            return Ok((Done { out, code: 1 }, 0));
        }
        Err(e) => return Err(e.into()),
    };
    let warnings = model_warnings(&model);
    warn(&model);
    let desired = compile::compile(&model);
    let statements = Plan::grant_all(&desired).statements.len();
    let summary = format!(
        "{}: ok: {} group{}, {} schema{}, {} model{}; {} privilege{} in {} statement{}",
        sanitize(&model.source.name),
        model.groups.len(),
        plural(model.groups.len()),
        model.schemas.len(),
        plural(model.schemas.len()),
        model.models.len(),
        plural(model.models.len()),
        desired.grants.len(),
        plural(desired.grants.len()),
        statements,
        plural(statements),
    );
    let ending = crate::config::expiry::expiring(&model).len();
    let summary = if ending > 0 {
        format!(
            "{summary}; {ending} expiring entr{}, {}",
            if ending == 1 { "y" } else { "ies" },
            super::clock::label()
        )
    } else {
        summary
    };
    let located: Vec<(u32, u32, String)> = warnings
        .iter()
        .map(|w| {
            let at = w.at.unwrap_or_default();
            (at.line, at.column, w.message.clone())
        })
        .collect();
    let done: Done = match format {
        CheckFormat::Text => format!("{summary}\n").into(),
        CheckFormat::Json => {
            config::Diagnostics::ok_json(&model.source.name, &summary, &located).into()
        }
        CheckFormat::Github => {
            config::Diagnostics::github_warnings(&model.source.name, &located).into()
        }
    };
    Ok((done, warnings.len()))
}
