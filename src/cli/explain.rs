//! `mlgrant explain`: who can run a model, or what a grantee can do, and why.

use std::path::Path;

use super::commands::{talk, target};
use super::opt::{ClusterArg, ExplainFormat, ExplainSubject};
use super::{Done, Failure, fail};
use crate::text::sanitize;
use crate::{catalog, config, connect};

/// The model file, or the cluster's state when a URL is given, and a name for the source.
fn source(
    path: &Path,
    url: Option<&str>,
) -> Result<
    (
        Option<crate::model::State>,
        Option<config::AccessModel>,
        String,
    ),
    Failure,
> {
    match url {
        Some(url) => {
            let cluster = ClusterArg::from_url(url);
            let target = target(&cluster)?;
            let state = talk(&cluster, async {
                let client = connect::connect(&target).await.map_err(fail)?;
                catalog::read(&client, "", 0).await.map_err(fail)
            })?;
            if let Some(inv) = state.cluster.as_ref()
                && !inv.sees_all
            {
                eprintln!(
                    "warning: {} sees only its own grants: the answer is partial",
                    sanitize(&inv.current_user)
                );
            }
            Ok((Some(state), None, target.describe()))
        }
        None => {
            let model = super::clock::load(path)?;
            let name = model.source.name.clone();
            Ok((None, Some(model), name))
        }
    }
}

pub(super) fn report(
    path: &Path,
    url: Option<&str>,
    format: super::opt::ReportFormat,
) -> Result<Done, Failure> {
    let (state, access, _) = source(path, url)?;
    let rows = crate::explain::matrix(access.as_ref(), state.as_ref());
    use super::opt::ReportFormat;
    use crate::explain::MatrixStyle;
    let style = match format {
        ReportFormat::Markdown => MatrixStyle::Markdown,
        ReportFormat::Csv => MatrixStyle::Csv,
        ReportFormat::Dot => MatrixStyle::Dot,
    };
    Ok(crate::explain::matrix_report(&rows, style).into())
}

pub(super) fn explain(
    subject: &ExplainSubject,
    path: &Path,
    url: Option<&str>,
    format: Option<ExplainFormat>,
) -> Result<Done, Failure> {
    use crate::explain::Style;
    use crate::model::{Grantee, GranteeKind, Name, NameKind, read_qualified};
    let style = match format.unwrap_or(ExplainFormat::Text) {
        ExplainFormat::Text => Style::Text,
        ExplainFormat::Json => Style::Json,
        ExplainFormat::Markdown => Style::Markdown,
        ExplainFormat::Dot => Style::Dot,
    };
    let mut every = None;
    let (state, access, source) = source(path, url)?;
    let (subject_text, paths) = match subject {
        ExplainSubject::Model { name } => {
            let [(s, _), (m, _)] = read_qualified(name).map_err(|e| {
                fail(format!(
                    "`{}` is not schema.model: {}",
                    sanitize(name),
                    e.message
                ))
            })?;
            let model = crate::model::ModelName {
                schema: Name::from_catalog(&s),
                model: Name::from_catalog(&m),
            };
            // A cluster that shows this login every model, and not this one: no such model.
            if let Some(st) = &state
                && st
                    .cluster
                    .as_ref()
                    .is_some_and(|i| i.sees_all_models && !i.ambiguous.contains(&model))
                && !st.models.contains_key(&model)
            {
                let close = crate::config::closest(
                    &model.key(),
                    st.models
                        .keys()
                        .map(|m| m.key())
                        .collect::<Vec<_>>()
                        .iter()
                        .map(String::as_str),
                )
                .map(|c| format!(": did you mean `{}`?", sanitize(c)))
                .unwrap_or_default();
                return Err(fail(format!(
                    "{source} has no model {}{close}",
                    sanitize(&model.key())
                )));
            }
            let paths = crate::explain::model(access.as_ref(), state.as_ref(), &model);
            every = Some(format!("EXECUTE ON MODEL {}", model.key()));
            (
                format!("who can run model {} ({source})", model.key()),
                paths,
            )
        }
        ExplainSubject::Grantee { reference } => {
            let (kind, name) = crate::model::split_kind(reference)
                .map_err(|k| fail(format!("unknown grantee kind `{}:`", sanitize(k))))?;
            let nk = match kind {
                GranteeKind::User => NameKind::User,
                GranteeKind::Role => NameKind::Role,
                _ => NameKind::Group,
            };
            let grantee = match kind {
                GranteeKind::Public => Grantee::Public,
                _ => {
                    let n = Name::new(nk, name).map_err(|e| fail(e.message))?;
                    match kind {
                        GranteeKind::User => Grantee::User(n),
                        GranteeKind::Role => Grantee::Role(n),
                        _ => Grantee::Group(n),
                    }
                }
            };
            // Offline, a bare name is a group the file declares, as everywhere in the model.
            if let (Grantee::Group(g), None, Some(a)) = (&grantee, &state, &access)
                && !a.groups.contains_key(g)
            {
                let close = crate::config::closest(g.as_str(), a.groups.keys().map(|k| k.as_str()))
                    .map(|c| format!("did you mean `{c}`? "))
                    .unwrap_or_default();
                return Err(fail(format!(
                    "`{}` is not a group {} declares: {close}a user is `user:{}`, a role `role:{}`",
                    sanitize(reference),
                    sanitize(&a.source.name),
                    sanitize(g.as_str()),
                    sanitize(g.as_str())
                )));
            }
            // A cluster that shows this login everyone, and not this grantee: no such grantee.
            if let Some(st) = &state
                && st.cluster.as_ref().is_some_and(|i| i.sees_all)
                && !st.has(&grantee)
            {
                let hint = match &grantee {
                    Grantee::Group(g) => format!(
                        ": a bare name is a group; a user is `user:{}`, a role `role:{}`",
                        sanitize(g.as_str()),
                        sanitize(g.as_str())
                    ),
                    _ => String::new(),
                };
                return Err(fail(format!(
                    "{source} has no {}{hint}",
                    crate::diff::describe(&grantee)
                )));
            }
            let paths = crate::explain::grantee(access.as_ref(), state.as_ref(), &grantee);
            (
                format!("what {} can create and run ({source})", sanitize(reference)),
                paths,
            )
        }
    };
    Ok(crate::explain::report(&subject_text, &paths, style, every.as_deref()).into())
}
