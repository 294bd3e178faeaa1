//! compile: turns an access model into the set of grants it requires. Pure: no I/O, no clock;
//! the same model (and the same list of existing models) always gives the same set.
//!
//! | rule                 | grants                                                         |
//! |----------------------|----------------------------------------------------------------|
//! | creator of schema S  | CREATE MODEL (database) + CREATE, USAGE ON SCHEMA S            |
//! | consumer of schema S | USAGE ON SCHEMA S + EXECUTE ON MODEL for every model in S      |
//! | consumer of model M  | USAGE ON SCHEMA of M + EXECUTE ON MODEL M                      |
//!
//! Every grant keeps the places in the file that require it ([`Origin`]), for the provenance
//! comments of the rendered SQL.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::config::{AccessModel, Loc, toml_key};
use crate::model::{Grant, Grantee, IamCommand, ModelName, Name};

/// A place in a model file that requires a grant: the file, the grantee reference's position,
/// and the rule as a TOML key path (`schemas.demo_ml.creators`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: Arc<str>,
    pub at: Loc,
    pub rule: Arc<str>,
}

/// The places that require one grant; almost always one, kept inline.
pub type Origins = smallvec::SmallVec<[Origin; 1]>;

/// A hash map with a fast hasher (foldhash): a large plan hashes millions of grants. Nothing
/// depends on its iteration order; the plan fixes the order of statements.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Grants with the places that require them.
pub type GrantSet = FastMap<Grant, Origins>;

/// What a model requires.
#[derive(Debug, Default)]
pub struct Compiled {
    pub grants: GrantSet,
    /// Privileges the model asks to be revoked explicitly (the `[policy]
    /// revoke_public_assumerole` switch), wherever they are held.
    pub forbidden: GrantSet,
    /// Things a reviewer should know about the script (e.g. rules resolved only at plan time).
    pub notes: Vec<String>,
}

/// Compiles offline: "every model in schema S" covers the models the file itself names in S.
pub fn compile(model: &AccessModel) -> Compiled {
    let named: BTreeSet<ModelName> = model.models.keys().cloned().collect();
    let mut compiled = compile_with_models(model, &named);
    for (schema, rules) in &model.schemas {
        if !rules.consumers.is_empty() {
            compiled.notes.push(format!(
                "consumers of schema {schema} get EXECUTE on every model in it; offline, only the models this file names are listed, plan resolves the rest from the cluster"
            ));
        }
    }
    compiled
}

/// Compiles against a known list of existing models (the cluster's, at plan time); schema
/// consumers get EXECUTE on each of them in their schema, and on models the file names.
pub fn compile_with_models(model: &AccessModel, existing: &BTreeSet<ModelName>) -> Compiled {
    let file: Arc<str> = Arc::from(model.source.name.as_str());
    let mut by_schema: FastMap<&Name, Vec<&ModelName>> = FastMap::default();
    for m in existing.iter().chain(model.models.keys()) {
        by_schema.entry(&m.schema).or_default().push(m);
    }
    for list in by_schema.values_mut() {
        list.sort();
        list.dedup();
    }
    let expected: usize = model
        .schemas
        .iter()
        .map(|(s, r)| {
            r.creators.len() * (3 + r.iam_roles.len())
                + r.consumers.len() * (1 + by_schema.get(s).map_or(0, Vec::len))
        })
        .sum::<usize>()
        + model
            .models
            .values()
            .map(|r| 2 * r.consumers.len())
            .sum::<usize>();
    let mut grants = GrantSet::with_capacity_and_hasher(expected, Default::default());
    let mut add = |grant: Grant, origin: &Origin| {
        let origins = grants.entry(grant).or_default();
        if !origins.contains(origin) {
            origins.push(origin.clone());
        }
    };
    for (schema, rules) in &model.schemas {
        let path = format!("schemas.{}", toml_key(schema.as_str()));
        let creators_rule: Arc<str> = Arc::from(format!("{path}.creators"));
        for r in &rules.creators {
            let o = Origin {
                file: file.clone(),
                at: r.at,
                rule: creators_rule.clone(),
            };
            add(Grant::create_model(r.grantee.clone()), &o);
            add(Grant::schema_create(schema.clone(), r.grantee.clone()), &o);
            add(Grant::schema_usage(schema.clone(), r.grantee.clone()), &o);
        }
        let iam_rule: Arc<str> = Arc::from(format!("{path}.iam_roles"));
        for (arn, at) in &rules.iam_roles {
            let o = Origin {
                file: file.clone(),
                at: *at,
                rule: iam_rule.clone(),
            };
            for r in &rules.creators {
                add(
                    Grant::assume_role(arn.clone(), IamCommand::CreateModel, r.grantee.clone()),
                    &o,
                );
            }
        }
        let consumers_rule: Arc<str> = Arc::from(format!("{path}.consumers"));
        let in_schema: &[&ModelName] = by_schema.get(schema).map_or(&[], Vec::as_slice);
        for r in &rules.consumers {
            let o = Origin {
                file: file.clone(),
                at: r.at,
                rule: consumers_rule.clone(),
            };
            add(Grant::schema_usage(schema.clone(), r.grantee.clone()), &o);
            for m in in_schema {
                add(Grant::execute((*m).clone(), r.grantee.clone()), &o);
            }
        }
    }
    for (m, rules) in &model.models {
        let rule: Arc<str> = Arc::from(format!(
            "models.{}.consumers",
            toml_key(&crate::render::model_key(m))
        ));
        for r in &rules.consumers {
            let o = Origin {
                file: file.clone(),
                at: r.at,
                rule: rule.clone(),
            };
            add(Grant::schema_usage(m.schema.clone(), r.grantee.clone()), &o);
            add(Grant::execute(m.clone(), r.grantee.clone()), &o);
        }
    }
    for origins in grants.values_mut() {
        origins.sort();
    }
    let mut forbidden = GrantSet::default();
    if let Some(at) = model.policy.revoke_public_assumerole {
        forbidden.insert(
            Grant::assume_role("ALL", IamCommand::All, Grantee::Public),
            smallvec::smallvec![Origin {
                file: file.clone(),
                at,
                rule: Arc::from("policy.revoke_public_assumerole"),
            }],
        );
    }
    Compiled {
        grants,
        forbidden,
        notes: Vec::new(),
    }
}
