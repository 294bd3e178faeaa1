//! `mlgrant usage collect` and `mlgrant review`: usage gathered from the cluster's query history
//! into mlgrant's schema, and the rights of the model joined with it (docs/review.md).

use std::path::Path;

use super::commands::{talk, target};
use super::opt::{ClusterArg, Format, ReviewFormat};
use super::{Done, Failure, fail};
use crate::config::AccessModel;
use crate::model::ModelName;
use crate::text::sanitize;
use crate::{audit, catalog, connect, review, usage};

fn one_cluster(cluster: &ClusterArg, what: &str) -> Result<(), Failure> {
    if cluster.many() {
        return Err(fail(format!(
            "{what} works on one cluster at a time: give it --url (or the libpq variables); --target and --all-targets are not supported by {what}"
        )));
    }
    Ok(())
}

/// The cluster's models that the model file manages: in its schemas, or under [models].
fn managed(model: &AccessModel, state: &crate::model::State) -> Vec<ModelName> {
    state
        .models
        .keys()
        .filter(|m| model.schemas.contains_key(&m.schema) || model.models.contains_key(*m))
        .cloned()
        .collect()
}

pub(super) fn collect(
    path: &Path,
    cluster: &ClusterArg,
    format: Option<Format>,
) -> Result<Done, Failure> {
    one_cluster(cluster, "usage collect")?;
    let model = super::clock::load(path)?;
    let target = target(cluster)?;
    let owner = model
        .policy
        .audit_owner
        .as_ref()
        .map(|n| n.as_str().to_owned());
    let collected = talk(cluster, async {
        let client = connect::connect(&target).await.map_err(fail)?;
        let state = catalog::read_without_ledger(&client).await.map_err(fail)?;
        let login = state
            .cluster
            .as_ref()
            .map(|i| (i.current_user.clone(), i.superuser))
            .unwrap_or_default();
        if !login.1 {
            return Err(fail(format!(
                "usage collect needs a superuser login, and {} is not one: SYS_QUERY_HISTORY shows other users only their own queries (DG SYS_QUERY_HISTORY), so their use of the models would go unseen; nothing was collected",
                sanitize(&login.0)
            )));
        }
        audit::migrate(&client, owner.as_deref())
            .await
            .map_err(fail)?;
        let models = managed(&model, &state);
        let (functions, unanswered) = usage::functions(&client, &models).await.map_err(fail)?;
        let mut collected = usage::Collected {
            functions: functions.len(),
            unanswered,
            ..usage::Collected::default()
        };
        usage::collect(&client, &functions, &login.0, &mut collected)
            .await
            .map_err(fail)?;
        Ok(collected)
    })?;
    Ok(describe(&collected, format == Some(Format::Json), &target.describe()).into())
}

fn describe(c: &usage::Collected, json: bool, cluster: &str) -> String {
    if json {
        let v = serde_json::json!({
            "format": "mlgrant.usage-collect",
            "version": 1,
            "cluster": cluster,
            "functions": c.functions,
            "unanswered": c.unanswered,
            "queries_read": c.queries_read,
            "uses_found": c.uses_found,
            "ambiguous_calls": c.ambiguous,
            "unknown_users": c.unknown_users,
            "last_query_id": c.last_query_id,
            "more": c.more,
        });
        return format!("{v}\n");
    }
    let mut out = format!(
        "mlgrant usage collect {}: {} statement{} read up to query {}, {} use{} of {} model function{} recorded\n",
        sanitize(cluster),
        c.queries_read,
        if c.queries_read == 1 { "" } else { "s" },
        c.last_query_id,
        c.uses_found,
        if c.uses_found == 1 { "" } else { "s" },
        c.functions,
        if c.functions == 1 { "" } else { "s" },
    );
    if c.ambiguous > 0 {
        out.push_str(&format!(
            "warning: {} call{} of a function name that several managed models share, without a schema: not counted\n",
            c.ambiguous,
            if c.ambiguous == 1 { "" } else { "s" }
        ));
    }
    for m in &c.unanswered {
        out.push_str(&format!(
            "warning: SHOW MODEL {} gave no function name (dropped meanwhile?): its calls were not looked for\n",
            sanitize(m)
        ));
    }
    if c.unknown_users > 0 {
        out.push_str(&format!(
            "note: {} statement{} of users the cluster no longer has: not counted\n",
            c.unknown_users,
            if c.unknown_users == 1 { "" } else { "s" }
        ));
    }
    if c.more {
        out.push_str(&format!(
            "note: {} rows is as many as one collection reads: run usage collect again to go on\n",
            usage::LIMIT
        ));
    }
    out
}

pub(super) fn review(
    path: &Path,
    cluster: &ClusterArg,
    format: ReviewFormat,
    unused: Option<i64>,
) -> Result<Done, Failure> {
    one_cluster(cluster, "review")?;
    let model = super::clock::load(path)?;
    let target = target(cluster)?;
    let (state, used) = talk(cluster, async {
        let client = connect::connect(&target).await.map_err(fail)?;
        let state = catalog::read(&client, "", 0).await.map_err(fail)?;
        let used = usage::read(&client).await.map_err(fail)?;
        Ok((state, used))
    })?;
    if let Some(inv) = state.cluster.as_ref()
        && !inv.sees_all
    {
        eprintln!(
            "warning: {} sees only its own grants and memberships: held, members and their use are partial",
            sanitize(&inv.current_user)
        );
    }
    let as_of = super::clock::now();
    let rights = review::rights(&review::Input {
        access: &model,
        cluster: &state,
        usage: &used,
        as_of,
        unused,
    });
    let mut title = format!(
        "mlgrant review of {} on {}, {}",
        model.source.name,
        target.describe(),
        super::clock::label()
    );
    if let Some(span) = unused {
        title.push_str(&format!(
            ": rights not used for {} days",
            span as f64 / 86_400.0
        ));
    }
    let style = match format {
        ReviewFormat::Markdown => review::Style::Markdown,
        ReviewFormat::Csv => review::Style::Csv,
        ReviewFormat::Html => review::Style::Html,
    };
    Ok(review::report(&rights, style, &title).into())
}
