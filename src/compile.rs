//! compile: turns an access model into the [`State`] it requires. Pure: no I/O, no clock; the
//! same model (and the same list of existing models) always gives the same state.
//!
//! | rule                 | grants                                                         |
//! |----------------------|----------------------------------------------------------------|
//! | creator of schema S  | CREATE MODEL (database) + CREATE, USAGE ON SCHEMA S            |
//! | consumer of schema S | USAGE ON SCHEMA S + EXECUTE ON MODEL for every model in S      |
//! | consumer of model M  | USAGE ON SCHEMA of M + EXECUTE ON MODEL M                      |
//!
//! Every grant keeps the places in the file that require it ([`Origin`]), for the provenance
//! comments of the rendered SQL. Groups carry their members where the file lists them.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::AccessModel;
use crate::model::{
    FastMap, Grant, GrantSet, Grantee, GroupState, IamCommand, ModelName, Name, Origin, Origins,
    Rule, State,
};

/// Compiles offline: "every model in schema S" covers the models the file itself names in S.
pub fn compile(model: &AccessModel) -> State {
    compile_knowing(model, &BTreeSet::new())
}

/// As [`compile`], with `also` (models another version of the file names) counted among the
/// models "every model in schema S" covers: so that a diff never shows a revoke of what a
/// schema's consumers still reach when a model merely leaves `[models]`, nor a grant of what
/// they already reached when one is added there.
pub fn compile_knowing(model: &AccessModel, also: &BTreeSet<ModelName>) -> State {
    let mut named: BTreeSet<ModelName> = model.models.keys().cloned().collect();
    named.extend(also.iter().cloned());
    let mut state = compile_with_models(model, &named);
    if let Some(needs) = prerequisites(model) {
        state.notes.push(needs);
    }
    for (schema, rules) in &model.schemas {
        if !rules.consumers.is_empty() {
            state.notes.push(format!(
                "consumers of schema {schema} get EXECUTE on every model in it; offline, only the models this file names are listed, plan resolves the rest from the cluster"
            ));
        }
    }
    state
}

/// What the script needs on the cluster before it runs on its own (`psql -f`): the groups it
/// grants to (Redshift has no CREATE GROUP IF NOT EXISTS; `mlgrant apply` creates them), the
/// users and roles it names, the schemas and the models.
fn prerequisites(model: &AccessModel) -> Option<String> {
    let quote = |n: &Name| crate::model::quote_ident(n.as_str());
    let mut parts = Vec::new();
    let list = |names: Vec<String>| names.join(", ");
    if !model.groups.is_empty() {
        parts.push(format!(
            "groups {}",
            list(model.groups.keys().map(quote).collect())
        ));
    }
    let (mut users, mut roles) = (BTreeSet::new(), BTreeSet::new());
    for g in named(model) {
        match g {
            Grantee::User(u) => {
                users.insert(quote(&u));
            }
            Grantee::Role(r) => {
                roles.insert(quote(&r));
            }
            _ => {}
        }
    }
    if !users.is_empty() {
        parts.push(format!("users {}", list(users.into_iter().collect())));
    }
    if !roles.is_empty() {
        parts.push(format!("roles {}", list(roles.into_iter().collect())));
    }
    let schemas: BTreeSet<String> = model
        .schemas
        .keys()
        .chain(model.models.keys().map(|m| &m.schema))
        .map(quote)
        .collect();
    if !schemas.is_empty() {
        parts.push(format!("schemas {}", list(schemas.into_iter().collect())));
    }
    if !model.models.is_empty() {
        parts.push(format!(
            "models {}",
            list(model.models.keys().map(ModelName::key).collect())
        ));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "this script runs on its own (psql -f) once the cluster has: {}; Redshift has no CREATE GROUP IF NOT EXISTS, so `mlgrant apply` creates missing groups itself",
            parts.join("; ")
        )
    })
}

/// Compiles against a known list of existing models (the cluster's, at plan time); schema
/// consumers get EXECUTE on each of them in their schema, and on models the file names.
pub fn compile_with_models(model: &AccessModel, existing: &BTreeSet<ModelName>) -> State {
    let file = &model.file;
    let mut by_schema: FastMap<&Name, Vec<&ModelName>> = FastMap::default();
    for m in existing.iter().chain(model.models.keys()) {
        by_schema.entry(&m.schema).or_default().push(m);
    }
    // In the order of grants' keys (names' ids), so that what compile makes is nearly in the
    // set's order and its one sort is close to a pass.
    for list in by_schema.values_mut() {
        list.sort_by_key(|m| (m.model.id(), m.schema.id()));
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
    let mut grants: Vec<(Grant, Origins)> = Vec::with_capacity(expected);
    // What entries that have ended would require: plan revokes it, saying why.
    let mut expired = Vec::new();
    // The time matters (and is told) only to a model with expiring entries.
    let as_of = model
        .as_of
        .filter(|_| !crate::config::expiry::expiring(model).is_empty());
    // Listed as they come; the sets merge a grant's origins.
    let mut add = |grant: Grant, origin: &Origin| {
        let list = if origin.expired(as_of) {
            &mut expired
        } else {
            &mut grants
        };
        list.push((grant, smallvec::smallvec![origin.clone()]));
    };
    for (schema, rules) in &model.schemas {
        for r in &rules.creators {
            let o = r.origin();
            add(Grant::create_model(r.grantee.clone()), &o);
            add(Grant::schema_create(schema.clone(), r.grantee.clone()), &o);
            add(Grant::schema_usage(schema.clone(), r.grantee.clone()), &o);
        }
        for (arn, o) in &rules.iam_roles {
            for r in &rules.creators {
                add(
                    Grant::assume_role(arn, IamCommand::CreateModel, r.grantee.clone()),
                    o,
                );
            }
        }
        for r in &rules.consumers {
            add(
                Grant::schema_usage(schema.clone(), r.grantee.clone()),
                &r.origin(),
            );
        }
    }
    // EXECUTE on every model of a schema, the bulk of a large model, object by object in the
    // keys' order: schemas by id, then models by id, then consumers by grantee key.
    let mut schemas: Vec<_> = model.schemas.iter().collect();
    schemas.sort_by_key(|(s, _)| s.id());
    for (schema, rules) in schemas {
        let in_schema: &[&ModelName] = by_schema.get(schema).map_or(&[], Vec::as_slice);
        if in_schema.is_empty() {
            continue;
        }
        let mut consumers: Vec<_> = rules
            .consumers
            .iter()
            .map(|r| {
                (
                    crate::model::grantee_key(&r.grantee),
                    &r.grantee,
                    r.origin(),
                )
            })
            .collect();
        consumers.sort_by_key(|c| c.0);
        for m in in_schema {
            for (_, grantee, o) in &consumers {
                add(Grant::execute((*m).clone(), (*grantee).clone()), o);
            }
        }
    }
    for (m, rules) in &model.models {
        for r in &rules.consumers {
            let o = r.origin();
            add(Grant::schema_usage(m.schema.clone(), r.grantee.clone()), &o);
            add(Grant::execute(m.clone(), r.grantee.clone()), &o);
        }
    }
    let mut forbidden = GrantSet::default();
    if let Some(at) = model.policy.revoke_public_assumerole {
        forbidden.insert(
            Grant::assume_role("ALL", IamCommand::All, Grantee::Public),
            smallvec::smallvec![Origin {
                rule: Rule::new(file, "policy.revoke_public_assumerole"),
                at,
            }],
        );
    }
    let grants = GrantSet::from_unsorted(grants);
    let mut expired = GrantSet::from_unsorted(expired);
    // A grant another entry still requires is not expired.
    expired.retain(|g, _| !grants.contains_key(g));
    let (groups, expired_members) = groups(model);
    State {
        grants,
        expired,
        expired_members,
        as_of,
        forbidden,
        groups,
        schemas: model.schemas.keys().map(|s| (s.clone(), None)).collect(),
        models: model.models.keys().map(|m| (m.clone(), None)).collect(),
        named: named(model),
        cluster: None,
        notes: Vec::new(),
    }
}

/// The declared groups, with the members the file lists and where; and the members whose
/// entries have ended (by group and user), with where they are listed.
type Groups = (
    BTreeMap<Name, GroupState>,
    BTreeMap<(Name, Name), crate::model::Origins>,
);

fn groups(model: &AccessModel) -> Groups {
    let mut ended = BTreeMap::new();
    let groups = model
        .groups
        .iter()
        .map(|(group, decl)| {
            let state = GroupState {
                members: decl.members.as_ref().map(|list| {
                    let mut members = BTreeMap::new();
                    for m in list {
                        let o = m.origin();
                        if o.expired(model.as_of) {
                            ended.insert((group.clone(), m.user.clone()), smallvec::smallvec![o]);
                        } else {
                            members.insert(m.user.clone(), smallvec::smallvec![o]);
                        }
                    }
                    members
                }),
                declared: Some(Origin {
                    rule: decl.rule.clone(),
                    at: decl.at,
                }),
            };
            (group.clone(), state)
        })
        .collect();
    (groups, ended)
}

/// Every grantee the model names: declared groups and those its rules name.
pub fn named(model: &AccessModel) -> BTreeSet<Grantee> {
    let mut named: BTreeSet<Grantee> = model.groups.keys().cloned().map(Grantee::Group).collect();
    let rules = model
        .schemas
        .values()
        .flat_map(|s| s.creators.iter().chain(&s.consumers))
        .chain(model.models.values().flat_map(|m| &m.consumers));
    named.extend(rules.map(|r| r.grantee.clone()));
    named
}
