//! Every output a reviewer opens elsewhere is safe against any name, by construction: arbitrary
//! names from the cluster (models, schemas, users, groups) go through the catalog reader, the
//! diff and every renderer (SQL for a pipe and for a terminal, text, JSON, Markdown, the report
//! as CSV and Markdown), and each format's rule is checked:
//! - no line of SQL, text, Markdown or CSV starts with `::` (a GitHub Actions workflow
//!   command), and none holds a control, bidirectional or zero-width character;
//! - JSON parses;
//! - Markdown outside its code fences escapes every character that could open HTML, an image, a
//!   link, a code span or a mention, or add a table cell; a code fence is longer than any run of
//!   backticks inside it;
//! - a Mermaid picture's lines are nodes and edges whose labels hold only letters, digits,
//!   blanks, `_.:-` and entities; DOT statements are one line each, their strings closed;
//! - no CSV field starts a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR: OWASP).

use mlgrant::catalog::{self, Row, Rows};
use mlgrant::text::is_hidden;
use mlgrant::{config, diff, explain, render};
use proptest::prelude::*;

/// Characters hostile names are made of: formula starters, Markdown and HTML punctuation,
/// workflow-command colons, SQL quotes, line breaks, bidi and zero-width characters.
const ALPHABET: &[char] = &[
    'a', 'b', 'é', ' ', '=', '+', '-', '@', '\t', '\r', '\n', ':', '`', '<', '>', '[', ']', '(',
    ')', '!', '*', '_', '|', '#', '\\', '"', '\'', '.', ',', ';', '\u{202e}', '\u{200b}', '\u{85}',
    '\u{1b}', '&',
];

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 1..10)
        .prop_map(|v| v.into_iter().collect::<String>())
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn row(v: &[&str]) -> Row {
    v.iter().map(|s| Some((*s).to_owned())).collect()
}

/// A superuser's catalog with hostile names everywhere: a user and a group that hold
/// privileges in the managed schema and another, models that hold grants, a model only the
/// padded view shows.
fn catalog(user: &str, group: &str, schema: &str, model: &str, other: &str) -> Rows {
    let mut rows = Rows::new();
    let mut put = |q: &str, r: Vec<Row>| {
        rows.insert(q.to_owned(), r);
    };
    put("whoami", vec![row(&["awsuser", "t"])]);
    put(
        "users",
        vec![row(&["awsuser", "100", "t"]), row(&[user, "101", "f"])],
    );
    put(
        "groups",
        vec![row(&["viewers", "{101}"]), row(&[group, "{101}"])],
    );
    put(
        "schemas",
        vec![row(&["demo_ml", "awsuser"]), row(&[schema, user])],
    );
    put(
        "models",
        vec![
            row(&["demo_ml", model, user, "Model is Ready"]),
            row(&["demo_ml", other, user, "Model is Ready"]),
            row(&[schema, model, user, "Model is Ready"]),
        ],
    );
    put(
        "model_privileges",
        vec![
            row(&["demo_ml", model, "EXECUTE", group, "group"]),
            row(&[schema, model, "EXECUTE", user, "user"]),
        ],
    );
    put(
        "schema_privileges",
        vec![
            row(&["demo_ml", "USAGE", group, "group", "SCHEMA"]),
            row(&["demo_ml", "CREATE", user, "user", "SCHEMA"]),
            row(&[schema, "USAGE", group, "group", "SCHEMA"]),
        ],
    );
    rows
}

const MODEL: &str = "version = 1\n[groups.viewers]\nmembers = [\"awsuser\"]\n\
    [schemas.demo_ml]\nconsumers = [\"viewers\"]\n[policy]\nmanage = [\"group:*\", \"user:*\"]\n";

/// A line-oriented format's rules.
fn lines_are_safe(format: &str, text: &str) -> Result<(), TestCaseError> {
    for line in text.lines() {
        prop_assert!(!line.starts_with("::"), "{format}: {line:?}");
        prop_assert!(!line.chars().any(is_hidden), "{format}: {line:?}");
    }
    Ok(())
}

/// Markdown's rules: outside code fences, nothing a name holds can open markup; fences are
/// longer than any backtick run inside them.
fn markdown_is_safe(md: &str) -> Result<(), TestCaseError> {
    lines_are_safe("markdown", md)?;
    let mut fence: Option<usize> = None;
    let mut mermaid = false;
    for line in md.lines() {
        let ticks = line.chars().take_while(|&c| c == '`').count();
        match fence {
            Some(n) if ticks == n && line.len() == n => {
                fence = None;
                mermaid = false;
            }
            Some(_) if mermaid => mermaid_line_is_safe(line)?,
            Some(n) => {
                let longest = line.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                prop_assert!(longest < n, "a backtick run closes the fence: {line:?}");
            }
            None if ticks >= 3 => {
                fence = Some(ticks);
                mermaid = line == "```mermaid";
            }
            None => {
                let chars: Vec<char> = line.chars().collect();
                for (i, c) in chars.iter().enumerate() {
                    let escaped = i > 0 && chars[i - 1] == '\\';
                    if matches!(c, '<' | '[' | '`' | '@' | '!' | '&') {
                        prop_assert!(escaped, "unescaped {c:?} in {line:?}");
                    }
                }
                // A table row has as many unescaped pipes as its header.
                if line.starts_with('|') {
                    let pipes = chars
                        .iter()
                        .enumerate()
                        .filter(|&(i, &c)| c == '|' && (i == 0 || chars[i - 1] != '\\'))
                        .count();
                    prop_assert!(pipes >= 2, "{line:?}");
                }
            }
        }
    }
    Ok(())
}

/// A line of a Mermaid picture: the header, a node (`nN` and a shape around one quoted label)
/// or an edge (`nA -->|"label"| nB`), every label made only of letters, digits, blanks,
/// `_.:-` and entities (`#34;`), so no name can close it, start markup or end the block.
fn mermaid_line_is_safe(line: &str) -> Result<(), TestCaseError> {
    if line == "flowchart LR" {
        return Ok(());
    }
    let label_ok = |l: &str| {
        l.chars()
            .all(|c| c.is_alphanumeric() || " _.:-#;".contains(c))
    };
    let id =
        |t: &str| t.starts_with('n') && t.len() > 1 && t[1..].chars().all(|c| c.is_ascii_digit());
    let body = line.strip_prefix("  ").unwrap_or("");
    if let Some((from, rest)) = body.split_once(" -->|\"") {
        let (label, to) = rest.split_once("\"| ").unwrap_or(("", ""));
        prop_assert!(
            id(from) && id(to) && label_ok(label),
            "mermaid edge: {line:?}"
        );
        return Ok(());
    }
    let q1 = body.find('"');
    let q2 = body.rfind('"');
    prop_assert!(q1.is_some() && q1 != q2, "mermaid node: {line:?}");
    let (q1, q2) = (q1.unwrap(), q2.unwrap());
    let shapes = [
        ("[", "]"),
        ("([", "])"),
        ("{{", "}}"),
        ("((", "))"),
        ("[(", ")]"),
    ];
    let (node, open) = body[..q1].split_at(body[..q1].find(['[', '(', '{']).unwrap_or(0));
    let close = &body[q2 + 1..];
    prop_assert!(
        id(node) && shapes.contains(&(open, close)) && label_ok(&body[q1 + 1..q2]),
        "mermaid node: {line:?}"
    );
    Ok(())
}

/// DOT's rule: every statement is one line, and every quoted string is closed on it, so no
/// name can end a label and add a statement.
fn dot_is_safe(dot: &str) -> Result<(), TestCaseError> {
    lines_are_safe("dot", dot)?;
    for line in dot.lines() {
        let mut quoted = false;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' if quoted => {
                    chars.next();
                }
                '"' => quoted = !quoted,
                _ => {}
            }
        }
        prop_assert!(!quoted, "an open string in {line:?}");
        prop_assert!(
            line.starts_with("  n")
                || line.starts_with("digraph")
                || line == "}"
                || line.starts_with("  rankdir")
                || line.starts_with("  node")
                || line.starts_with("  edge"),
            "dot: {line:?}"
        );
    }
    Ok(())
}

fn csv_is_safe(csv: &str) -> Result<(), TestCaseError> {
    lines_are_safe("csv", csv)?;
    for field in crate::util::csv_fields(csv) {
        prop_assert!(
            !field.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{field:?} in {csv:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_format_is_safe_against_any_name(
        user in name(), group in name(), schema in name(), model in name(), other in name()
    ) {
        let access = config::parse("m.toml", MODEL).expect("the model parses");
        let state = catalog::state(&catalog(&user, &group, &schema, &model, &other));
        let Ok(mut state) = state else {
            // Two names the catalog cannot tell apart: refused whole, never guessed.
            return Ok(());
        };
        let plan = diff::sync(&access, &state).expect("plans");
        let answers = plan.unconfirmed.iter().map(|m| (m.clone(), None)).collect();
        catalog::confirm::record(&mut state, answers);
        let plan = diff::sync(&access, &state).expect("plans");
        lines_are_safe("sql", &render::sql(&plan, "plan"))?;
        lines_are_safe("sql at a terminal", &render::sql_for_terminal(&plan, "plan"))?;
        lines_are_safe("text", &render::text(&plan, "plan", false))?;
        let json = render::json(&plan, "plan", &["m.toml"]);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
        lines_are_safe("json", &json)?;
        markdown_is_safe(&render::markdown(&plan, "plan"))?;
        let matrix = explain::matrix(Some(&access), Some(&state));
        csv_is_safe(&explain::matrix_report(&matrix, explain::MatrixStyle::Csv))?;
        let md = explain::matrix_report(&matrix, explain::MatrixStyle::Markdown);
        prop_assert!(matrix.is_empty() || md.contains("```mermaid\n"), "{md}");
        markdown_is_safe(&md)?;
        dot_is_safe(&explain::matrix_report(&matrix, explain::MatrixStyle::Dot))?;
        let paths: Vec<explain::Path> = matrix.into_iter().map(|(_, p)| p).collect();
        markdown_is_safe(&explain::report("who", &paths, explain::Style::Markdown, None))?;
    }
}
