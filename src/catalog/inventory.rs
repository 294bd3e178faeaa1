//! The model inventory, read exactly. svv_ml_model_info's columns are char(128), blank padded;
//! svv_ml_model_privileges' are text, exact (DG r_SVV_ML_MODEL_INFO, r_SVV_ML_MODEL_PRIVILEGES).
//! Padding is stripped from the end only, never from the start, and a padded value is matched
//! against the exact names the other views give: one exact name that pads to it is that name;
//! none is the value itself; two or more make the model ambiguous (as do two info rows that pad
//! to one name), and an ambiguous model is never granted on or revoked from.
//!
//! The inventory is the union of what the info view and the privilege view show: a login that is
//! not a superuser sees only its own models in the first, and every model that holds a grant in
//! the second (with ACCESS SYSTEM TABLE).

use std::collections::{BTreeMap, BTreeSet};

use super::Row;
use crate::model::{ModelName, Name};

/// What the model rows say, before they join the state.
#[derive(Default)]
pub(super) struct Models {
    /// Models and their owners (`None` when only the privilege view shows the model).
    pub owners: BTreeMap<ModelName, Option<Name>>,
    pub not_ready: BTreeMap<ModelName, String>,
    pub ambiguous: BTreeSet<ModelName>,
    pub notes: Vec<String>,
}

/// The state svv_ml_model_info gives a model that is ready (DG r_SVV_ML_MODEL_INFO sample).
pub(super) const READY: &str = "Model is Ready";

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn unpad(v: &Option<String>) -> &str {
    text(v).trim_end_matches(' ')
}

/// The one exact name among `exact` that pads to `padded`, or `padded` itself when none does;
/// `None` when several do.
fn resolve<'a>(padded: &'a str, exact: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut found = exact.filter(|e| e.trim_end_matches(' ') == padded);
    match (found.next(), found.next()) {
        (None, _) => Some(padded),
        (Some(one), None) => Some(one),
        (Some(_), Some(_)) => None,
    }
}

/// Reads the info rows (`schema, model, owner, state`, padded) against the exact schema and
/// user names, and the exact model names of the privilege rows (`schema, model`).
pub(super) fn models<'a>(
    info: &[Row],
    privileged: impl Iterator<Item = (&'a str, &'a str)>,
    schemas: &BTreeSet<&str>,
    users: &BTreeSet<&str>,
) -> Models {
    let mut out = Models::default();
    let exact: BTreeSet<(&str, &str)> = privileged.collect();
    for &(s, m) in &exact {
        out.owners.insert(model_name(s, m), None);
    }
    let mut seen: BTreeMap<ModelName, usize> = BTreeMap::new();
    for row in info {
        let (schema, model) = (unpad(&row[0]), unpad(&row[1]));
        let schema_exact = resolve(schema, schemas.iter().copied());
        let model_exact = schema_exact.and_then(|s| {
            resolve(
                model,
                exact.iter().filter(|(es, _)| *es == s).map(|(_, m)| *m),
            )
        });
        let (Some(s), Some(m)) = (schema_exact, model_exact) else {
            out.ambiguous.insert(model_name(schema, model));
            out.notes.push(format!(
                "model {}: the catalog pads names with blanks and more than one model fits this one: it is neither granted on nor revoked from; rename the models so that they differ in more than trailing blanks",
                model_name(schema, model).key()
            ));
            continue;
        };
        let name = model_name(s, m);
        *seen.entry(name.clone()).or_default() += 1;
        let owner = resolve(unpad(&row[2]), users.iter().copied()).map(Name::from_catalog);
        out.owners.insert(name.clone(), owner);
        let state = unpad(&row[3]);
        if !state.is_empty() && state != READY {
            out.not_ready.insert(name, state.to_owned());
        }
    }
    for (name, count) in seen {
        if count > 1 {
            out.notes.push(format!(
                "model {}: {count} models read as this name once the catalog's blank padding is removed: it is neither granted on nor revoked from; rename the models so that they differ in more than trailing blanks",
                name.key()
            ));
            out.owners.remove(&name);
            out.ambiguous.insert(name);
        }
    }
    out
}

fn model_name(schema: &str, model: &str) -> ModelName {
    ModelName {
        schema: Name::from_catalog(schema),
        model: Name::from_catalog(model),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: &[&str]) -> Row {
        v.iter().map(|s| Some((*s).to_owned())).collect()
    }

    #[test]
    fn padding_is_stripped_from_the_end_only_and_ambiguity_is_caught() {
        let schemas: BTreeSet<&str> = [" sp", "demo"].into();
        let users: BTreeSet<&str> = ["alice"].into();
        let info = vec![
            row(&[" sp   ", "m1   ", "alice   ", "Model is Ready  "]),
            row(&["demo  ", "churn  ", "alice  ", "Model is Ready"]),
            row(&[
                "demo  ",
                "churn  ",
                "alice  ",
                "Train Model On SageMaker In Progress",
            ]),
        ];
        let m = models(&info, std::iter::empty(), &schemas, &users);
        assert!(m.owners.contains_key(&model_name(" sp", "m1")));
        assert!(m.ambiguous.contains(&model_name("demo", "churn")));
        assert!(!m.owners.contains_key(&model_name("demo", "churn")));
        // An exact name from the privilege view that pads to the info row's name is that model.
        let privileged = [("demo", "churn ")];
        let info = vec![row(&["demo", "churn", "alice", "Model is Ready"])];
        let m = models(&info, privileged.into_iter(), &schemas, &users);
        assert_eq!(
            m.owners.get(&model_name("demo", "churn ")),
            Some(&Some(Name::from_catalog("alice")))
        );
        assert!(m.ambiguous.is_empty());
    }
}
