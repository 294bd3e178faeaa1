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

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::Row;
use crate::model::{FastMap, ModelName, Name};

/// What the model rows say, before they join the state.
#[derive(Default)]
pub(super) struct Models {
    /// Models and their owners (`None` when only the privilege view shows the model).
    pub owners: BTreeMap<ModelName, Option<Name>>,
    pub not_ready: BTreeMap<ModelName, String>,
    pub ambiguous: BTreeSet<ModelName>,
    /// Models only svv_ml_model_info shows, whose exact names (trailing blanks included) no
    /// other view confirms: `SHOW MODEL` confirms them before a grant names them.
    pub unconfirmed: BTreeSet<ModelName>,
    pub notes: Vec<String>,
}

/// The state svv_ml_model_info gives a model that is ready (DG r_SVV_ML_MODEL_INFO sample).
pub(super) use crate::model::READY;

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn unpad(v: &Option<String>) -> &str {
    super::unpad(text(v))
}

/// Exact names by their unpadded form (trailing blanks removed), each list in the order given.
type Index<'a> = FastMap<&'a str, Vec<&'a str>>;

fn index<'a>(exact: impl Iterator<Item = &'a str>) -> Index<'a> {
    let mut idx: Index<'a> = FastMap::default();
    for e in exact {
        idx.entry(super::unpad(e)).or_default().push(e);
    }
    idx
}

/// The exact names that pad to `padded`; `padded` itself when none does. A lookup, so that a
/// catalog of many models reads in linear time.
fn candidates<'b, 'a>(padded: &'b &'a str, idx: &'b Index<'a>) -> &'b [&'a str] {
    idx.get(*padded)
        .map_or(std::slice::from_ref(padded), Vec::as_slice)
}

/// Reads the info rows (`schema, model, owner, state`, padded) against the exact schema and
/// user names, and the exact model names of the privilege rows (`schema, model`). A row whose
/// schema, model or owner more than one exact name fits makes every model it could be
/// ambiguous. A login that sees only its own models (`sees_all_models` false) cannot tell its
/// model from another's that pads alike, so for it a row that resolves to another spelling is
/// ambiguous too.
pub(super) fn models<'a>(
    info: &[Row],
    privileged: impl Iterator<Item = (&'a str, &'a str)>,
    schemas: &BTreeSet<&str>,
    users: &BTreeSet<&str>,
    sees_all_models: bool,
) -> Models {
    let mut out = Models::default();
    let exact: BTreeSet<(&str, &str)> = privileged.collect();
    for &(s, m) in &exact {
        out.owners.insert(model_name(s, m), None);
    }
    let schema_index = index(schemas.iter().copied());
    let user_index = index(users.iter().copied());
    let mut model_index: FastMap<&str, Index<'_>> = FastMap::default();
    for &(s, m) in &exact {
        model_index
            .entry(s)
            .or_default()
            .entry(super::unpad(m))
            .or_default()
            .push(m);
    }
    let no_models = Index::default();
    let mut noted: HashSet<String> = HashSet::new();
    // The rows that name one model each, sorted once at the end: the maps below are then built
    // from sorted lists rather than by a search per row.
    let mut named: Vec<(ModelName, Name, &str)> = Vec::with_capacity(info.len());
    let mut ambiguous: BTreeSet<ModelName> = BTreeSet::new();
    for row in info {
        let (schema, model) = (unpad(&row[0]), unpad(&row[1]));
        // Every exact (schema, model) the row may name; almost always one, counted without
        // a list of its own.
        let fitting = || {
            candidates(&schema, &schema_index).iter().flat_map(|s| {
                let in_schema = model_index.get(s).unwrap_or(&no_models);
                candidates(&model, in_schema).iter().map(move |m| (*s, *m))
            })
        };
        let mut fits_at = fitting();
        let (only, more) = (fits_at.next(), fits_at.next().is_some());
        let owner = unpad(&row[2]);
        let owners = candidates(&owner, &user_index);
        let renamed = only.is_some_and(|(s, m)| s != schema || m != model);
        if only.is_none() || more || owners.len() != 1 || (renamed && !sees_all_models) {
            let fits: Vec<ModelName> = fitting().map(|(s, m)| model_name(s, m)).collect();
            let note = format!(
                "model {}: the catalog pads names with blanks, and more than one model (or owner) fits this row: it is neither granted on nor revoked from; rename the models (or users) so that they differ in more than trailing blanks",
                crate::text::escape_controls(&model_name(schema, model).key())
            );
            if noted.insert(note.clone()) {
                out.notes.push(note);
            }
            ambiguous.extend(fits);
            continue;
        }
        let (s, m) = only.expect("one model fits");
        named.push((
            model_name(s, m),
            Name::from_catalog(owners[0]),
            unpad(&row[3]),
        ));
    }
    // Stable: of two rows for one name, the later one's owner and state stand, as before.
    named.sort_by_cached_key(|a| (a.0.schema.sort_key(), a.0.model.sort_key()));
    let (mut owners, mut unconfirmed, mut not_ready) = (Vec::new(), Vec::new(), Vec::new());
    for run in named.chunk_by(|a, b| a.0 == b.0) {
        let (name, owner, state) = &run[run.len() - 1];
        if run.len() > 1 {
            out.notes.push(format!(
                "model {}: {} models read as this name once the catalog's blank padding is removed: it is neither granted on nor revoked from; rename the models so that they differ in more than trailing blanks",
                crate::text::escape_controls(&name.key()),
                run.len()
            ));
            ambiguous.insert(name.clone());
        }
        if !exact.contains(&(name.schema.as_str(), name.model.as_str())) {
            unconfirmed.push(name.clone());
        }
        owners.push((name.clone(), Some(owner.clone())));
        if !state.is_empty() && *state != READY {
            not_ready.push((name.clone(), (*state).to_owned()));
        }
    }
    // Built from sorted lists (a pass each); a model the privilege view named takes its owner.
    let privileged = std::mem::take(&mut out.owners);
    out.owners = privileged.into_iter().chain(owners).collect();
    out.unconfirmed = unconfirmed.into_iter().collect();
    out.not_ready = not_ready.into_iter().collect();
    // A name with a control, bidi or zero-width character cannot be written safely into a line
    // of SQL, a CI log or a terminal (a line break in it can forge a line, `::warning::` in a
    // GitHub log; a bidi override makes it read as another name): such a model is held back.
    for name in out.owners.keys() {
        if name.schema.as_str().chars().any(crate::text::is_hidden)
            || name.model.as_str().chars().any(crate::text::is_hidden)
        {
            out.notes.push(format!(
                "model {}: its name holds a control, bidirectional or zero-width character: it is neither granted on nor revoked from; rename it",
                crate::text::escape_controls(&name.key())
            ));
            ambiguous.insert(name.clone());
        }
    }
    for name in &ambiguous {
        out.owners.remove(name);
        out.not_ready.remove(name);
        out.unconfirmed.remove(name);
    }
    out.ambiguous = ambiguous;
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
        let m = models(&info, std::iter::empty(), &schemas, &users, true);
        assert!(m.owners.contains_key(&model_name(" sp", "m1")));
        assert!(m.ambiguous.contains(&model_name("demo", "churn")));
        assert!(!m.owners.contains_key(&model_name("demo", "churn")));
        // An exact name from the privilege view that pads to the info row's name is that model.
        let privileged = [("demo", "churn ")];
        let info = vec![row(&["demo", "churn", "alice", "Model is Ready"])];
        let m = models(&info, privileged.into_iter(), &schemas, &users, true);
        assert_eq!(
            m.owners.get(&model_name("demo", "churn ")),
            Some(&Some(Name::from_catalog("alice")))
        );
        assert!(m.ambiguous.is_empty());
        assert!(m.unconfirmed.is_empty());
        // A model only the padded view shows cannot be told from one whose name ends in blanks.
        let info = vec![row(&["demo", "m3", "alice", "Model is Ready"])];
        let m = models(&info, std::iter::empty(), &schemas, &users, true);
        assert!(m.unconfirmed.contains(&model_name("demo", "m3")));
        assert!(m.owners.contains_key(&model_name("demo", "m3")));
    }
}
