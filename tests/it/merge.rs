//! Merged statements (plan::merge), without a server: list limits, exact products, ASSUMEROLE's
//! keywords alone.

use mlgrant::model::{Grant, GrantSet, Grantee, IamCommand, ModelName, Name, State};
use mlgrant::plan::{MAX_LIST, Plan};

fn n(s: &str) -> Name {
    Name::from_catalog(s)
}

fn plan(grants: Vec<Grant>) -> Plan {
    let state = State {
        grants: grants
            .into_iter()
            .map(|g| (g, Default::default()))
            .collect::<GrantSet>(),
        ..State::default()
    };
    Plan::grant_all(&state)
}

#[test]
fn lists_are_cut_at_the_limit_and_every_step_is_carried_once() {
    let g = Grantee::Group(n("g"));
    let models = (0..2 * MAX_LIST + 5).map(|i| ModelName {
        schema: n("s"),
        model: n(&format!("m{i:05}")),
    });
    let p = plan(models.map(|m| Grant::execute(m, g.clone())).collect());
    let sizes: Vec<usize> = p.statements.iter().map(|s| s.parts.len()).collect();
    assert_eq!(sizes, [MAX_LIST, MAX_LIST, 5]);
    let mut all: Vec<usize> = p.statements.iter().flat_map(|s| s.parts.clone()).collect();
    all.sort();
    assert_eq!(all, (0..p.steps.len()).collect::<Vec<_>>());
}

#[test]
fn only_exact_products_are_merged() {
    // g1 runs m1 and m2; g2 runs m1 only: m1 goes to both, m2 to g1 alone.
    let (g1, g2) = (Grantee::Group(n("g1")), Grantee::Group(n("g2")));
    let m = |x: &str| ModelName {
        schema: n("s"),
        model: n(x),
    };
    let p = plan(vec![
        Grant::execute(m("m1"), g1.clone()),
        Grant::execute(m("m2"), g1.clone()),
        Grant::execute(m("m1"), g2.clone()),
        Grant::execute(m("m3"), g1.clone()),
        Grant::execute(m("m3"), g2.clone()),
    ]);
    let sql: Vec<String> = p
        .statements
        .iter()
        .map(|s| mlgrant::render::merged(&s.merged))
        .collect();
    assert_eq!(
        sql,
        [
            "GRANT EXECUTE ON MODEL s.m1, s.m3 TO GROUP g1, GROUP g2;",
            "GRANT EXECUTE ON MODEL s.m2 TO GROUP g1;",
        ]
    );
}

#[test]
fn all_and_default_roles_stand_alone_and_arns_are_listed() {
    let g = Grantee::Group(n("g"));
    let cm = IamCommand::CreateModel;
    let p = plan(vec![
        Grant::assume_role("default", cm, g.clone()),
        Grant::assume_role("ALL", cm, g.clone()),
        Grant::assume_role("arn:aws:iam::1:role/a", cm, g.clone()),
        Grant::assume_role("arn:aws:iam::1:role/b", cm, g.clone()),
    ]);
    let sql: Vec<String> = p
        .statements
        .iter()
        .map(|s| mlgrant::render::merged(&s.merged))
        .collect();
    assert_eq!(sql.len(), 3, "{sql:?}");
    assert!(sql.contains(&"GRANT ASSUMEROLE ON ALL TO GROUP g FOR CREATE MODEL;".to_owned()));
    assert!(sql.contains(&"GRANT ASSUMEROLE ON default TO GROUP g FOR CREATE MODEL;".to_owned()));
    assert!(sql.contains(
        &"GRANT ASSUMEROLE ON 'arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b' TO GROUP g FOR CREATE MODEL;"
            .to_owned()
    ));
}

#[test]
fn every_statement_fits_the_audit_log_whatever_the_names() {
    // 1,000 models with 127-byte names that must be quoted, to 300 groups with long names.
    let long = |prefix: &str, i: usize| format!("{prefix}{i:04}{}", "Ä.".repeat(60));
    let grantees: Vec<Grantee> = (0..300)
        .map(|g| Grantee::Group(Name::from_catalog(&long("G", g))))
        .collect();
    let mut grants = Vec::new();
    for i in 0..1000 {
        let m = ModelName {
            schema: Name::from_catalog(&long("S", 0)),
            model: Name::from_catalog(&long("M", i)),
        };
        for g in &grantees {
            grants.push(Grant::execute(m.clone(), g.clone()));
        }
    }
    let p = plan(grants);
    assert!(p.statements.len() > 1);
    for st in &p.statements {
        let sql = mlgrant::render::merged(&st.merged);
        assert!(sql.len() <= 65_535, "{} bytes", sql.len());
    }
    let carried: usize = p.statements.iter().map(|s| s.parts.len()).sum();
    assert_eq!(carried, p.steps.len());
}
