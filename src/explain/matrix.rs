//! The access matrix of `report`: for each schema, who can run each model, as Markdown (with a
//! picture per schema) or CSV.

use std::collections::{BTreeMap, BTreeSet};

use super::{Path, model};
use crate::config::AccessModel;
use crate::model::{ModelName, Name, State, quote_ident};

/// The access matrix: for each schema, who can run each model. From a cluster: every user, with
/// membership and roles expanded. From the model: each grantee the rules name, with a column for
/// "every model in S" where the schema has consumers (resolved only against a cluster).
pub fn matrix(access: Option<&AccessModel>, cluster: Option<&State>) -> Vec<(ModelName, Path)> {
    let models: BTreeSet<ModelName> = match (cluster, access) {
        (Some(state), _) => state.models.keys().cloned().collect(),
        (None, Some(a)) => {
            let mut m: BTreeSet<ModelName> = a.models.keys().cloned().collect();
            for (schema, rules) in &a.schemas {
                if !rules.consumers.is_empty() {
                    m.insert(ModelName {
                        schema: schema.clone(),
                        model: Name::from_catalog("*"),
                    });
                }
            }
            m
        }
        (None, None) => BTreeSet::new(),
    };
    let mut out = Vec::new();
    for m in &models {
        for mut p in model(access, cluster, m) {
            // The column of a schema's consumers stands for every model in it, present and
            // future: its right says so (a picture draws it as such).
            if cluster.is_none() && m.model.as_str() == "*" {
                p.right = format!(
                    "EXECUTE ON every model in {}",
                    quote_ident(m.schema.as_str())
                );
            }
            out.push((m.clone(), p));
        }
    }
    out
}

/// How report writes the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixStyle {
    /// A table per schema, a mark where a grantee can run a model, and a picture of the paths.
    Markdown,
    /// schema, model, grantee, why.
    Csv,
    /// Every path as one Graphviz digraph.
    Dot,
}

/// The matrix in `style`.
pub fn matrix_report(rows: &[(ModelName, Path)], style: MatrixStyle) -> String {
    if style == MatrixStyle::Dot {
        return super::dot(&super::Graph::of(rows.iter().map(|(_, p)| p), None));
    }
    if style == MatrixStyle::Csv {
        let field = crate::text::csv_field;
        let mut out = String::from("schema,model,grantee,why\n");
        for (m, p) in rows {
            out.push_str(&format!(
                "{},{},{},{}\n",
                field(m.schema.as_str()),
                field(m.model.as_str()),
                field(&p.who),
                field(&p.why)
            ));
        }
        return out;
    }
    let mut by_schema: BTreeMap<&Name, BTreeMap<&str, BTreeSet<&ModelName>>> = BTreeMap::new();
    let mut models: BTreeMap<&Name, BTreeSet<&ModelName>> = BTreeMap::new();
    let mut paths: BTreeMap<&Name, Vec<&Path>> = BTreeMap::new();
    for (m, p) in rows {
        by_schema
            .entry(&m.schema)
            .or_default()
            .entry(p.who.as_str())
            .or_default()
            .insert(m);
        models.entry(&m.schema).or_default().insert(m);
        paths.entry(&m.schema).or_default().push(p);
    }
    let cell = crate::text::markdown_text;
    let mut out = String::new();
    for (schema, who) in &by_schema {
        let columns: Vec<&&ModelName> = models[schema].iter().collect();
        out.push_str(&format!(
            "#### schema {}\n\n| grantee |",
            cell(&quote_ident(schema.as_str()))
        ));
        for m in &columns {
            let name = if m.model.as_str() == "*" {
                "every model".to_owned()
            } else {
                quote_ident(m.model.as_str())
            };
            out.push_str(&format!(" {} |", cell(&name)));
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(columns.len()));
        out.push('\n');
        for (grantee, can) in who {
            out.push_str(&format!("| {} |", cell(grantee)));
            for m in &columns {
                out.push_str(if can.contains(**m) { " ✓ |" } else { "  |" });
            }
            out.push('\n');
        }
        out.push('\n');
        let drawn = super::Graph::of(paths[schema].iter().copied(), None);
        out.push_str(&super::picture(&drawn));
    }
    if out.is_empty() {
        out.push_str("nobody can run any model, as far as this source tells\n");
    }
    out
}
