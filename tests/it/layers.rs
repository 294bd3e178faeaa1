//! Dependencies point one way: no module of `src/` imports a module above it in this order.
//! The order is the one the README's Development section describes.

const ORDER: &[&str] = &[
    "text", "file", "model", "config", "compile", "plan", "ledger", "diff", "render", "saved",
    "explain", "iam", "server", "connect", "catalog", "audit", "usage", "review", "apply",
    "doctor", "watch", "export", "cli",
];

/// The `crate::X` paths a file uses, including `crate::{X, Y}` lists.
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let end = list.find('}').unwrap_or(list.len());
            for item in list[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        } else {
            out.push(
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    out
}

#[test]
fn no_module_imports_a_module_above_it() {
    let src = crate::util::root().join("src");
    let mut problems = Vec::new();
    for (level, module) in ORDER.iter().enumerate() {
        let mut files = Vec::new();
        let single = src.join(format!("{module}.rs"));
        if single.exists() {
            files.push(single);
        }
        let dir = src.join(module);
        if dir.is_dir() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        assert!(!files.is_empty(), "module {module} has no file");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for used in imports(&text) {
                if let Some(above) = ORDER.iter().position(|m| *m == used)
                    && above > level
                {
                    problems.push(format!("{} imports {used}", crate::util::rel(&f)));
                }
            }
        }
    }
    assert!(problems.is_empty(), "imports point up: {problems:#?}");
    // Every module of lib.rs is placed in the order.
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(m) = line.strip_prefix("pub mod ") {
            let m = m.trim_end_matches(';');
            assert!(ORDER.contains(&m), "module {m} is not placed in the order");
        }
    }
}

#[test]
fn no_source_file_is_over_500_lines() {
    let mut big = Vec::new();
    let mut stack = vec![
        crate::util::root().join("src"),
        crate::util::root().join("tests/redshift-sim/src"),
    ];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let n = std::fs::read_to_string(&p).unwrap().lines().count();
                if n > 500 {
                    big.push(format!("{} ({n} lines)", crate::util::rel(&p)));
                }
            }
        }
    }
    assert!(big.is_empty(), "files over 500 lines: {big:?}");
}
