//! Pictures of who reaches a right and through what: the paths of explain and report as a graph
//! of grantees (users, groups, roles, PUBLIC) and rights, written as Mermaid (which GitHub draws
//! in a pull-request comment) or as Graphviz's DOT. Every name is written through one escaping
//! function per language, so no name can end a label, a statement or the Markdown block.

use std::collections::{BTreeSet, HashMap};

use super::{How, Path};

/// Mermaid's default limits (its `maxEdges` and `maxTextSize` settings): past them GitHub shows
/// an error instead of a picture, so a larger graph is left out, with a note saying why.
pub const MERMAID_MAX_EDGES: usize = 500;
pub const MERMAID_MAX_TEXT: usize = 50_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    User,
    Group,
    Role,
    Public,
    Right,
}

fn kind(reference: &str) -> Kind {
    if reference == "public" {
        Kind::Public
    } else if reference.starts_with("user:") {
        Kind::User
    } else if reference.starts_with("group:") {
        Kind::Group
    } else if reference.starts_with("role:") {
        Kind::Role
    } else {
        Kind::Right
    }
}

/// Grantees and rights, and the steps between them (each edge once).
#[derive(Debug, Default)]
pub struct Graph {
    nodes: Vec<(String, Kind)>,
    index: HashMap<(String, bool), usize>,
    edges: BTreeSet<(usize, usize, String)>,
}

impl Graph {
    /// The graph of `paths`. A superuser's "every right" points at `every` when given (the
    /// model an explain is about).
    pub fn of<'a>(paths: impl IntoIterator<Item = &'a Path>, every: Option<&str>) -> Graph {
        let mut g = Graph::default();
        for p in paths {
            let right = match (p.how == How::Superuser, every) {
                (true, Some(every)) => every,
                _ => p.right.as_str(),
            };
            let mut from = g.node(&p.who, kind(&p.who));
            for step in &p.via {
                let k = kind(step);
                let to = g.node(step, k);
                let label = match k {
                    Kind::Group => "member of",
                    Kind::Role => "holds",
                    _ => "is in",
                };
                g.edges.insert((from, to, label.to_owned()));
                from = to;
            }
            let to = g.node(right, Kind::Right);
            let label = match &p.how {
                How::Granted => "granted".to_owned(),
                How::Owner => "owns".to_owned(),
                How::Superuser => "superuser".to_owned(),
                How::Rule(rules) => rules.clone(),
            };
            g.edges.insert((from, to, label));
        }
        g
    }

    fn node(&mut self, label: &str, kind: Kind) -> usize {
        let key = (label.to_owned(), kind == Kind::Right);
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.nodes.push((label.to_owned(), kind));
        self.index.insert(key, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    pub fn edges(&self) -> usize {
        self.edges.len()
    }
}

/// A Mermaid label: letters, digits, blanks and `_.:-` as they are, every other character as
/// Mermaid's numeric entity (`#34;`), so that no name can close the quotes, start markup or
/// end the diagram; hidden characters are first shown escaped.
fn mermaid_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::text::escape_controls(s).chars() {
        if c.is_alphanumeric() || " _.:-".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("#{};", c as u32));
        }
    }
    out
}

/// The graph as a Mermaid flowchart (without the Markdown fence), or None past Mermaid's
/// default limits.
pub fn mermaid(g: &Graph) -> Option<String> {
    if g.edges() > MERMAID_MAX_EDGES {
        return None;
    }
    let mut out = String::from("flowchart LR\n");
    for (i, (label, kind)) in g.nodes.iter().enumerate() {
        let l = mermaid_label(label);
        let shape = match kind {
            Kind::User => format!("[\"{l}\"]"),
            Kind::Group => format!("([\"{l}\"])"),
            Kind::Role => format!("{{{{\"{l}\"}}}}"),
            Kind::Public => format!("((\"{l}\"))"),
            Kind::Right => format!("[(\"{l}\")]"),
        };
        out.push_str(&format!("  n{i}{shape}\n"));
    }
    for (from, to, label) in &g.edges {
        out.push_str(&format!(
            "  n{from} -->|\"{}\"| n{to}\n",
            mermaid_label(label)
        ));
    }
    (out.len() <= MERMAID_MAX_TEXT).then_some(out)
}

/// A DOT string's contents: hidden characters shown escaped, then `\` and `"` escaped, so that
/// no name can end the string or become one of DOT's label escapes (`\N`, `\l`).
fn dot_string(s: &str) -> String {
    crate::text::escape_controls(s)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

/// The graph as a Graphviz digraph.
pub fn dot(g: &Graph) -> String {
    let mut out = String::from(
        "digraph mlgrant {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for (i, (label, kind)) in g.nodes.iter().enumerate() {
        let shape = match kind {
            Kind::User => "shape=box",
            Kind::Group => "shape=box, style=rounded",
            Kind::Role => "shape=hexagon",
            Kind::Public => "shape=ellipse",
            Kind::Right => "shape=cylinder",
        };
        out.push_str(&format!(
            "  n{i} [label=\"{}\", {shape}];\n",
            dot_string(label)
        ));
    }
    for (from, to, label) in &g.edges {
        out.push_str(&format!(
            "  n{from} -> n{to} [label=\"{}\"];\n",
            dot_string(label)
        ));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_name_escapes_its_label() {
        let hostile = "x\"]\n  evil[\"a`\\N#35;\u{202e}end";
        let m = mermaid_label(hostile);
        assert!(
            m.chars()
                .all(|c| c.is_alphanumeric() || " _.:-#;".contains(c)),
            "{m}"
        );
        let d = dot_string(hostile);
        // Every quote is escaped, and every backslash is doubled.
        assert!(
            !d.replace("\\\\", "")
                .replace("\\\"", "")
                .contains(['"', '\\']),
            "{d}"
        );
        assert!(!d.contains('\n') && !d.contains('\u{202e}'), "{d}");
    }
}
