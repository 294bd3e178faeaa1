//! Every link of the README, the docs and the changelog resolves: a relative link names a file
//! of the repository, and its `#anchor` a heading of that file (as GitHub makes anchors from
//! headings). Links out of the repository (http, https, mailto) are not followed: the tests run
//! offline.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::util::root;

/// The pages whose links are checked.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md"), root().join("CHANGELOG.md")];
    pages.extend(crate::util::files("docs", "md"));
    pages
}

/// The text outside fenced code blocks and code spans, line by line.
fn prose(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop code spans: the text between pairs of backticks.
        let kept: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join("");
        out.push(kept);
    }
    out
}

/// The targets of the `[text](target)` links of a page.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in prose(text) {
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            match after.find(')') {
                Some(end) => {
                    found.push(after[..end].to_owned());
                    rest = &after[end..];
                }
                None => break,
            }
        }
    }
    found
}

/// GitHub's anchors for the headings of a page: lowercase, every character but letters, digits,
/// `-`, `_` and spaces dropped, spaces made `-`; a repeated anchor gets `-1`, `-2`, ...
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let heading = line.trim_start_matches('#').trim();
        let slug: String = heading
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut anchor = slug.clone();
        let mut n = 0;
        while seen.contains(&anchor) {
            n += 1;
            anchor = format!("{slug}-{n}");
        }
        seen.insert(anchor);
    }
    seen
}

fn check(page: &Path, target: &str) -> Result<(), String> {
    if target.starts_with("http://")
        || target.starts_with("https://")
        || target.starts_with("mailto:")
    {
        return Ok(());
    }
    let (file, anchor) = match target.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (target, None),
    };
    let file = if file.is_empty() {
        page.to_owned()
    } else {
        page.parent().unwrap().join(file)
    };
    if !file.exists() {
        return Err(format!("{}: no file {}", page.display(), file.display()));
    }
    if let Some(anchor) = anchor {
        let text = std::fs::read_to_string(&file).unwrap();
        if !anchors(&text).contains(anchor) {
            return Err(format!(
                "{}: {} has no heading #{anchor}",
                page.display(),
                file.display()
            ));
        }
    }
    Ok(())
}

#[test]
fn every_link_in_the_readme_and_the_docs_resolves() {
    let mut broken = Vec::new();
    let mut count = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for target in links(&text) {
            count += 1;
            if let Err(e) = check(&page, &target) {
                broken.push(e);
            }
        }
    }
    assert!(
        count >= 40,
        "only {count} links found: the link reader is broken"
    );
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_link_checker_finds_a_broken_file_and_a_broken_anchor() {
    let page = root().join("README.md");
    assert!(check(&page, "docs/reference.md#exit-codes").is_ok());
    assert!(check(&page, "docs/no-such-page.md").is_err());
    assert!(check(&page, "docs/reference.md#no-such-heading").is_err());
    let t = "# A `b`: c, d\n## A `b`: c, d\n```\n# not a heading\n```\n";
    let a = anchors(t);
    assert!(
        a.contains("a-b-c-d") && a.contains("a-b-c-d-1") && a.len() == 2,
        "{a:?}"
    );
    assert_eq!(
        links("see [x](a.md) and `[y](b.md)`\n```\n[z](c.md)\n```"),
        ["a.md"]
    );
}
