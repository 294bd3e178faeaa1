//! Editor support, judged by taplo itself (the TOML language server behind VS Code's Even
//! Better TOML, npm's @taplo/cli): the starter `mlgrant init` writes is valid against the schema
//! its `#:schema` line names, a misspelt key in it is refused at its line, and the
//! `.taplo.toml` rule docs/access-model.md shows (read from the page, so it cannot rot) maps
//! the schema onto a model written without the directive.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{mlgrant, root, scratch, stderr, stdout};

fn taplo() -> PathBuf {
    crate::util::npm_file("taplo-npm", "@taplo/cli@0.7", ".bin/taplo")
}

fn lint(dir: &Path, file: &str) -> Output {
    Command::new(taplo())
        .args(["lint", file])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("taplo runs")
}

/// The first ```toml block after `marker` in a page of the docs.
fn block_after(page: &str, marker: &str) -> String {
    let text = std::fs::read_to_string(root().join(page)).unwrap();
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{page} lacks {marker}"));
    let start = at + text[at..].find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = start + text[start..].find("```").expect("its end");
    text[start..end]
        .lines()
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn taplo_reads_the_schema_that_init_names_and_refuses_a_misspelt_key() {
    let dir = scratch("editor-init", "m");
    std::fs::create_dir_all(&dir).unwrap();
    let o = mlgrant(&[
        "init",
        "--config",
        dir.join("mlgrant.toml").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let good = lint(&dir, "mlgrant.toml");
    assert!(good.status.success(), "{}{}", stdout(&good), stderr(&good));

    // The same file with one key misspelt: taplo names it, at its line.
    let starter = std::fs::read_to_string(dir.join("mlgrant.toml")).unwrap();
    assert!(starter.contains("\ncreators = "), "{starter}");
    let bad = starter.replacen("\ncreators = ", "\ncreaters = ", 1);
    let line = bad[..bad.find("creaters").unwrap()].lines().count() + 1;
    std::fs::write(dir.join("mlgrant.toml"), &bad).unwrap();
    let o = lint(&dir, "mlgrant.toml");
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(!o.status.success(), "{said}");
    assert!(said.contains("'creaters' was unexpected"), "{said}");
    assert!(said.contains(&format!("mlgrant.toml:{line}:")), "{said}");
    // And mlgrant's own check agrees.
    let o = mlgrant(&[
        "check",
        "--config",
        dir.join("mlgrant.toml").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn the_documented_taplo_rule_maps_the_schema_onto_a_model_without_the_directive() {
    let dir = scratch("editor-rule", "m");
    std::fs::create_dir_all(&dir).unwrap();
    let rule = block_after("docs/access-model.md", "map the schema in a `.taplo.toml`");
    assert!(rule.contains("[[rule]]"), "{rule}");
    std::fs::write(dir.join(".taplo.toml"), &rule).unwrap();
    std::fs::copy(
        root().join("mlgrant.schema.json"),
        dir.join("mlgrant.schema.json"),
    )
    .unwrap();
    let example = std::fs::read_to_string(root().join("config.example.toml")).unwrap();
    assert!(
        !example.contains("#:schema"),
        "the example has no directive"
    );
    std::fs::write(dir.join("mlgrant.toml"), &example).unwrap();
    let good = lint(&dir, "mlgrant.toml");
    assert!(good.status.success(), "{}{}", stdout(&good), stderr(&good));
    std::fs::write(
        dir.join("mlgrant.toml"),
        format!("{example}\n[schemas.extra]\nconsumerz = []\n"),
    )
    .unwrap();
    let o = lint(&dir, "mlgrant.toml");
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(!o.status.success(), "the rule applied the schema: {said}");
    assert!(said.contains("'consumerz' was unexpected"), "{said}");
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}
