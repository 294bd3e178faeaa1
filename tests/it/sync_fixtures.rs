//! The live path without a server: a model file and a catalog as the cluster's queries would
//! answer it (rows of text per query, `catalog.json`) go through the same code as `mlgrant
//! plan` (catalog::state, diff::sync, render) and must give `expected.sql` exactly. Export
//! cases check that export's TOML plans to nothing against the catalog it came from.
//!
//! `tests/golden/sync/<case>/`: `model.toml`, `catalog.json`, `expected.sql` (a plan, or the
//! error that refuses one). `tests/golden/export/<case>/`: `catalog.json`, `expected.toml`.
//! `MLGRANT_BLESS=1` rewrites the expected files, to be reviewed before they are committed.

use std::path::{Path, PathBuf};

use mlgrant::catalog::{self, Rows};
use mlgrant::model::State;
use mlgrant::plan::Plan;
use mlgrant::{config, diff, export, render};

use crate::util::{golden, rel, root};

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("fixture folder exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// The catalog rows of a case, without its SHOW MODEL answers.
fn catalog_rows(case: &Path) -> Rows {
    let path = case.join("catalog.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", rel(&path)));
    let mut rows: Rows =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", rel(&path)));
    rows.remove("show_model");
    rows
}

/// What SHOW MODEL answers in a case: a model listed under "show_model" (schema, model, error)
/// is not found by that name; any other model asked is.
fn refusals(case: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(case.join("catalog.json")).unwrap();
    let rows: Rows = serde_json::from_str(&text).unwrap();
    rows.get("show_model")
        .into_iter()
        .flatten()
        .map(|r| {
            let v: Vec<String> = r.iter().cloned().map(Option::unwrap_or_default).collect();
            (v[0].clone(), v[1].clone(), v[2].clone())
        })
        .collect()
}

/// The plan as `mlgrant plan` makes it: synced, the unconfirmed model names asked (answered
/// from the case), and synced again.
fn sync_case(
    model: &config::AccessModel,
    state: &mut State,
    case: &Path,
) -> Result<Plan, diff::SyncError> {
    let plan = diff::sync(model, state)?;
    if plan.unconfirmed.is_empty() {
        return Ok(plan);
    }
    let refused = refusals(case);
    let answers = plan
        .unconfirmed
        .iter()
        .map(|m| {
            let why = refused
                .iter()
                .find(|(s, n, _)| s == m.schema.as_str() && n == m.model.as_str())
                .map(|(_, _, why)| why.clone());
            (m.clone(), why)
        })
        .collect();
    // As plan does: no second diff when every model asked was found; and that shortcut gives
    // exactly the plan a second diff gives.
    let mut settled = plan;
    if catalog::confirm::settle(&mut settled, state, answers) {
        let again = diff::sync(model, state)?;
        assert_eq!(
            format!("{settled:?}"),
            format!("{again:?}"),
            "{}: the plan without a second diff differs",
            case.display()
        );
        return Ok(settled);
    }
    diff::sync(model, state)
}

/// What `mlgrant plan` would print for this case (SQL format), or the error it would report.
fn plan_for(case: &Path) -> String {
    let model_path = case.join("model.toml");
    let text = std::fs::read_to_string(&model_path).expect("model.toml");
    let model = match config::parse("model.toml", &text) {
        Ok(m) => m,
        Err(e) => return format!("error: {e}"),
    };
    let mut state = match catalog::state(&catalog_rows(case)) {
        Ok(s) => s,
        Err(e) => return format!("error: {e}\n"),
    };
    match sync_case(&model, &mut state, case) {
        Ok(plan) => render::sql(&plan, "plan"),
        Err(e) => format!("error: {e}\n"),
    }
}

#[test]
fn every_sync_case_plans_as_expected() {
    let cases = cases("tests/golden/sync");
    for case in &cases {
        golden(&rel(&case.join("expected.sql")), &plan_for(case));
    }
    assert!(cases.len() >= 15, "only {} sync cases", cases.len());
}

#[test]
fn every_export_case_round_trips() {
    let cases = cases("tests/golden/export");
    assert!(!cases.is_empty());
    for case in cases {
        let mut state = catalog::state(&catalog_rows(&case)).expect("catalog reads");
        let text = export::export(&state, "fixture", false).expect("export succeeds");
        golden(&rel(&case.join("expected.toml")), &text);
        let model = config::parse("exported.toml", &text).expect("export parses");
        let plan = sync_case(&model, &mut state, &case).expect("plans");
        assert!(
            plan.is_empty(),
            "{}: the exported model would change its own cluster:\n{}",
            rel(&case),
            render::sql(&plan, "plan")
        );
    }
}

#[test]
fn a_row_of_the_wrong_width_is_an_error_naming_its_query() {
    let mut rows = Rows::new();
    rows.insert("schemas".into(), vec![vec![Some("demo_ml".into())]]);
    let e = catalog::state(&rows).unwrap_err().to_string();
    assert!(
        e.contains("`schemas`") && e.contains("1 columns where 2"),
        "{e}"
    );
}

#[test]
fn export_refuses_a_login_that_cannot_see_everything_unless_asked_for_a_partial_one() {
    for case in [
        "partial_visibility",
        "models_hidden_from_access_system_table",
    ] {
        let dir = root().join("tests/golden/sync").join(case);
        let mut state = catalog::state(&catalog_rows(&dir)).expect("catalog reads");
        let refused = export::export(&state, "fixture", false)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("mlgrant_svc cannot see every") && refused.contains("--partial"),
            "{case}: {refused}"
        );
        let text = export::export(&state, "fixture", true).expect("a partial export");
        assert!(text.starts_with("# PARTIAL export"), "{case}: {text}");
        let model = config::parse("partial.toml", &text).expect("parses");
        assert_eq!(model.policy.mode, config::Mode::GrantOnly, "{case}");
        let plan = sync_case(&model, &mut state, &dir).expect("plans");
        assert!(
            plan.steps.iter().all(|s| s.change.action() != "revoke"),
            "{case}: a partial export must never revoke"
        );
    }
}

#[test]
fn every_statement_of_every_kind_has_a_reason_in_every_format() {
    let mut kinds = std::collections::BTreeSet::new();
    for case in cases("tests/golden/sync") {
        let text = std::fs::read_to_string(case.join("model.toml")).unwrap();
        let Ok(model) = config::parse("model.toml", &text) else {
            continue;
        };
        let mut state = catalog::state(&catalog_rows(&case)).unwrap();
        let Ok(plan) = sync_case(&model, &mut state, &case) else {
            continue;
        };
        let json: serde_json::Value =
            serde_json::from_str(&render::json(&plan, "plan", &["model.toml"])).unwrap();
        for st in json["statements"].as_array().unwrap() {
            assert!(
                !st["reason"].as_str().unwrap_or("").is_empty(),
                "{}: {st}",
                rel(&case)
            );
            kinds.insert(st["action"].as_str().unwrap().to_owned());
        }
        let shown = render::text(&plan, "h", false);
        for line in shown
            .lines()
            .filter(|l| l.starts_with("+ ") || l.starts_with("- "))
        {
            assert!(line.contains("  # "), "{}: {line}", rel(&case));
        }
        let sql = render::sql(&plan, "h");
        let lines: Vec<&str> = sql.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.starts_with("--") && !line.trim().is_empty() {
                assert!(
                    i > 0 && lines[i - 1].starts_with("-- "),
                    "{}: {line}",
                    rel(&case)
                );
            }
        }
        let md = render::markdown(&plan, "h");
        assert!(plan.steps.is_empty() || md.contains("```sql\n-- "));
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "add_member",
            "create_group",
            "drop_member",
            "grant",
            "revoke"
        ]
    );
}

#[test]
fn markdown_stays_within_githubs_comment_limit_and_says_what_it_left_out() {
    let mut text = String::from("version = 1\n");
    for g in 0..1500 {
        text.push_str(&format!("[groups.consumer_group_number_{g:04}]\n"));
    }
    text.push_str("[schemas.demo_ml]\nconsumers = [");
    for g in 0..1500 {
        text.push_str(&format!("\"consumer_group_number_{g:04}\", "));
    }
    text.push_str("]\n");
    let model = config::parse("big.toml", &text).unwrap();
    let plan = mlgrant::plan::Plan::grant_all(&mlgrant::compile::compile(&model));
    let md = render::markdown(&plan, "h");
    assert!(md.len() <= 65_536, "{}", md.len());
    assert!(md.contains("statements left out to stay within GitHub's comment limit"));
}
