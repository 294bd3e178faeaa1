//! The pictures of explain and report, judged by the programs that draw them: Graphviz (`dot`,
//! Debian's graphviz) renders the DOT, and Mermaid itself (npm's mermaid, in Debian's headless
//! chromium) parses and renders every Mermaid block. Each picture must show exactly the names
//! its paths hold, hostile ones included, as text.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use crate::util::{mlgrant, scratch, stderr, stdout};

/// The Mermaid blocks of a Markdown document.
pub fn mermaid_blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("```mermaid\n") {
        let body = &rest[start + "```mermaid\n".len()..];
        let end = body.find("```").expect("a closed block");
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

/// The node labels a Mermaid block declares, decoded as Mermaid decodes `#N;` entities.
pub fn declared_labels(block: &str) -> BTreeSet<String> {
    block
        .lines()
        .filter(|l| l.starts_with("  n") && !l.contains("-->"))
        .map(|l| {
            let q1 = l.find('"').unwrap();
            let q2 = l.rfind('"').unwrap();
            decode(&l[q1 + 1..q2])
        })
        .collect()
}

fn decode(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').unwrap() + i;
        let n: u32 = rest[i + 1..end].parse().unwrap();
        out.push(char::from_u32(n).unwrap());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Mermaid's bundle, installed with npm under target/ when missing.
fn mermaid_js() -> PathBuf {
    crate::util::npm_file("mermaid-npm", "mermaid@11", "mermaid/dist/mermaid.min.js")
}

/// Renders each Mermaid source in headless chromium; for each, the text of its drawn node
/// labels, or Mermaid's error.
pub fn mermaid_render(sources: &[String]) -> Vec<Result<BTreeSet<String>, String>> {
    let js = mermaid_js();
    let page = scratch("mermaid", "page.html");
    let profile = page.with_file_name("profile");
    let html = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"></head><body><pre id="out">pending</pre><div id="work"></div>
<script src="file://{js}"></script>
<script>
const sources = {sources};
mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});
(async () => {{
  const out = [];
  for (const [i, s] of sources.entries()) {{
    try {{
      await mermaid.parse(s);
      const {{svg}} = await mermaid.render("g" + i, s);
      const work = document.getElementById("work");
      work.innerHTML = svg;
      const labels = [...work.querySelectorAll("g.node")].map(n => n.textContent.trim());
      work.innerHTML = "";
      out.push(JSON.stringify({{ok: labels}}));
    }} catch (e) {{
      out.push(JSON.stringify({{error: String(e && e.message || e)}}));
    }}
  }}
  document.getElementById("out").textContent = out.join("\n");
}})();
</script></body></html>"#,
        js = js.display(),
        sources = serde_json::to_string(sources).unwrap(),
    );
    std::fs::write(&page, html).unwrap();
    let o = crate::util::chromium_dom(&format!("file://{}", page.display()), &profile);
    let _ = std::fs::remove_dir_all(page.parent().unwrap());
    let dom = stdout(&o);
    let start = dom.find("<pre id=\"out\">").expect("the page's output") + "<pre id=\"out\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let results: Vec<_> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
            match v.get("ok") {
                Some(labels) => Ok(labels
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect()),
                None => Err(v["error"].as_str().unwrap_or("?").to_owned()),
            }
        })
        .collect();
    assert_eq!(
        results.len(),
        sources.len(),
        "chromium gave: {dom}\n{}",
        stderr(&o)
    );
    results
}

/// The node labels of Graphviz's SVG for a DOT graph (dot -Tsvg must accept it silently).
pub fn dot_labels(dot: &str) -> BTreeSet<String> {
    use std::io::Write;
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dot runs (this test needs Debian's graphviz)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "dot: {}\n{dot}",
        stderr(&o)
    );
    let svg = stdout(&o);
    // Each node is a <g class="node"> whose <text> holds its label.
    svg.split("<g id=\"node")
        .skip(1)
        .map(|node| {
            let t = node.find("<text").unwrap();
            let start = t + node[t..].find('>').unwrap() + 1;
            let end = start + node[start..].find("</text>").unwrap();
            xml_text(&node[start..end])
        })
        .collect()
}

/// XML character data as text: the named entities and numeric ones (`&#45;`).
fn xml_text(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = i + rest[i..].find(';').expect("an entity ends");
        let entity = &rest[i + 1..end];
        out.push(match entity {
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "amp" => '&',
            n => {
                let n = n.strip_prefix('#').expect("a numeric entity");
                let code = match n.strip_prefix('x') {
                    Some(hex) => u32::from_str_radix(hex, 16).unwrap(),
                    None => n.parse().unwrap(),
                };
                char::from_u32(code).unwrap()
            }
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn graphviz_draws_every_name_of_explain_and_report() {
    for (args, expect) in [
        (
            vec![
                "explain",
                "model",
                "demo_ml.customer_churn_auto_model",
                "--config",
                "config.example.toml",
            ],
            vec![
                "group:marketing_analyst_grp",
                "EXECUTE ON MODEL demo_ml.customer_churn_auto_model",
            ],
        ),
        (
            vec!["report", "--config", "tests/golden/compile/hostile.toml"],
            vec![
                "group:\"semi;colon -- not a comment\"",
                "user:\"Bobby\"\"Tables\"",
                "EXECUTE ON MODEL analytics.\"x;drop table y\"",
                "role:\"ml viewer\"",
            ],
        ),
    ] {
        let mut full = args.clone();
        full.extend(["--format", "dot"]);
        let o = mlgrant(&full);
        assert!(o.status.success(), "{}", stderr(&o));
        let labels = dot_labels(&stdout(&o));
        for e in expect {
            assert!(labels.contains(e), "{e} not drawn: {labels:?}");
        }
    }
}

#[test]
fn mermaid_parses_and_draws_every_picture_with_its_names() {
    let mut blocks = Vec::new();
    for args in [
        vec![
            "explain",
            "model",
            "demo_ml.customer_churn_auto_model",
            "--config",
            "config.example.toml",
            "--format",
            "markdown",
        ],
        vec![
            "explain",
            "grantee",
            "user:alice",
            "--config",
            "tests/golden/compile/kinds.toml",
            "--format",
            "markdown",
        ],
        vec!["report", "--config", "tests/golden/compile/kinds.toml"],
        vec!["report", "--config", "tests/golden/compile/hostile.toml"],
    ] {
        let o = mlgrant(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let found = mermaid_blocks(&stdout(&o));
        assert!(!found.is_empty(), "no picture in {args:?}:\n{}", stdout(&o));
        blocks.extend(found);
    }
    let drawn = mermaid_render(&blocks);
    for (block, result) in blocks.iter().zip(drawn) {
        let labels = result.unwrap_or_else(|e| panic!("Mermaid refused:\n{block}\n{e}"));
        assert_eq!(labels, declared_labels(block), "{block}");
    }
}
