//! Property tests over random access models built from hostile names:
//! - every valid name survives the quoting function and the SQL tokenizer unchanged;
//! - compile is deterministic, whatever the order of the file's sections;
//! - applying diff(A, B) to A's grants gives B's grants inside B's fence.

use std::collections::BTreeSet;

use mlgrant::compile::compile;
use mlgrant::config::{self, AccessModel};
use mlgrant::diff::{Fence, between};
use mlgrant::model::{Grant, Grantee, ModelName, Name, NameKind, Object, read_qualified};
use mlgrant::plan::Plan;
use mlgrant::render::{self, quote_ident};
use proptest::prelude::*;
use sqlparser::dialect::RedshiftSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

const GROUPS: &[&str] = &[
    "ml_team",
    "odd\"grp",
    "select",
    "grp.dots",
    "ünï_grp",
    "ml_viewers",
];
const USERS: &[&str] = &["IAM:alice", "Bob", "o'neil", "carol", "x; drop"];
const ROLES: &[&str] = &["ml viewer", "auditor"];
const SCHEMAS: &[&str] = &["demo_ml", "odd.schema", "group", "s2"];
const MODELS: &[&str] = &["churn", "we\"ird", "m2 -- c"];

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A SQL identifier, always quoted (independent of the crate's quoting function).
fn sql_quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[derive(Clone, Debug)]
struct Spec {
    groups: Vec<bool>,
    /// Per schema: declared, creators mask, consumers mask (over the reference pool).
    schemas: Vec<(bool, u32, u32)>,
    /// Per (schema, model): declared, consumers mask.
    models: Vec<(bool, u32)>,
    grant_only: bool,
    manage: Vec<bool>,
    protect: Vec<bool>,
}

const MANAGE: &[&str] = &["group:ml_*", "user:*", "role:a*", "public"];
const PROTECT: &[&str] = &["user:Bob", "group:select", "role:ml viewer"];

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(any::<bool>(), GROUPS.len()),
        prop::collection::vec((any::<bool>(), any::<u32>(), any::<u32>()), SCHEMAS.len()),
        prop::collection::vec(
            (prop::bool::weighted(0.3), any::<u32>()),
            SCHEMAS.len() * MODELS.len(),
        ),
        prop::bool::weighted(0.2),
        prop::collection::vec(prop::bool::weighted(0.3), MANAGE.len()),
        prop::collection::vec(prop::bool::weighted(0.2), PROTECT.len()),
    )
        .prop_map(
            |(groups, schemas, models, grant_only, manage, protect)| Spec {
                groups,
                schemas,
                models,
                grant_only,
                manage,
                protect,
            },
        )
}

impl Spec {
    /// References a rule may use: declared groups, users, roles, public.
    fn pool(&self) -> Vec<String> {
        let mut pool: Vec<String> = GROUPS
            .iter()
            .zip(&self.groups)
            .filter(|(_, d)| **d)
            .map(|(g, _)| g.to_string())
            .collect();
        pool.extend(USERS.iter().map(|u| format!("user:{u}")));
        pool.extend(ROLES.iter().map(|r| format!("role:{r}")));
        pool.push("public".into());
        pool
    }

    fn refs(&self, mask: u32) -> String {
        let pool = self.pool();
        let picked: Vec<String> = pool
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << (i % 32)) != 0 && !(mask >> 20).is_multiple_of(3))
            .map(|(_, r)| toml_str(r))
            .collect();
        format!("[{}]", picked.join(", "))
    }

    /// The file's sections, in a fixed order; `rotate` moves sections around.
    fn toml(&self, rotate: usize) -> String {
        let mut sections = Vec::new();
        for (g, d) in GROUPS.iter().zip(&self.groups) {
            if *d {
                sections.push(format!("[groups.{}]\n", toml_str(g)));
            }
        }
        for (s, (d, creators, consumers)) in SCHEMAS.iter().zip(&self.schemas) {
            if *d {
                sections.push(format!(
                    "[schemas.{}]\ncreators = {}\nconsumers = {}\n",
                    toml_str(s),
                    self.refs(*creators),
                    self.refs(*consumers)
                ));
            }
        }
        for (i, (d, consumers)) in self.models.iter().enumerate() {
            if *d {
                let (s, m) = (SCHEMAS[i / MODELS.len()], MODELS[i % MODELS.len()]);
                let key = format!("{}.{}", sql_quoted(s), sql_quoted(m));
                sections.push(format!(
                    "[models.{}]\nconsumers = {}\n",
                    toml_str(&key),
                    self.refs(*consumers)
                ));
            }
        }
        let pick = |names: &[&str], mask: &[bool]| {
            names
                .iter()
                .zip(mask)
                .filter(|(_, m)| **m)
                .map(|(n, _)| toml_str(n))
                .collect::<Vec<_>>()
                .join(", ")
        };
        sections.push(format!(
            "[policy]\nmode = \"{}\"\nmanage = [{}]\nprotect = [{}]\n",
            if self.grant_only {
                "grant-only"
            } else {
                "sync"
            },
            pick(MANAGE, &self.manage),
            pick(PROTECT, &self.protect)
        ));
        let n = sections.len();
        sections.rotate_left(rotate % n);
        format!("version = 1\n\n{}", sections.join("\n"))
    }

    fn model(&self, rotate: usize) -> AccessModel {
        let text = self.toml(rotate);
        match config::parse("spec.toml", &text) {
            Ok(m) => m,
            Err(e) => panic!("generated model is invalid: {e}\n{text}"),
        }
    }
}

fn statements(plan: &Plan) -> Vec<String> {
    plan.statements
        .iter()
        .map(|s| render::merged(&s.merged))
        .collect()
}

fn grant_plan(model: &AccessModel) -> Plan {
    Plan::grant_all(&compile(model))
}

/// One identifier token whose value is exactly `name`.
fn tokenizes_to(sql: &str, name: &str) -> bool {
    let tokens = Tokenizer::new(&RedshiftSqlDialect {}, sql)
        .tokenize()
        .unwrap_or_default();
    matches!(tokens.as_slice(), [Token::Word(w)] if w.value == name)
}

fn valid_name() -> impl Strategy<Value = (NameKind, String)> {
    let kinds = prop::sample::select(vec![
        NameKind::Group,
        NameKind::User,
        NameKind::Role,
        NameKind::Schema,
        NameKind::Model,
    ]);
    let text = prop_oneof![
        "[a-z_][a-z0-9_$]{0,12}",
        "[a-zA-Z0-9_ .;:'\"$#\\-/éüß中\\[\\]]{1,24}",
        "[a-z]{120,127}",
        "[a-zé]{60,64}",
    ];
    (kinds, text).prop_filter_map("not a valid name", |(k, t)| {
        Name::new(k, &t).ok().map(|_| (k, t))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_name_survives_quoting_and_the_tokenizer((kind, name) in valid_name()) {
        let quoted = quote_ident(&name);
        prop_assert!(tokenizes_to(&quoted, &name), "{kind} {name:?} -> {quoted}");
        let m = ModelName {
            schema: Name::new(NameKind::Schema, "s").unwrap(),
            model: Name::new(NameKind::Model, &name.to_ascii_lowercase())
                .unwrap_or_else(|_| Name::new(NameKind::Model, "m").unwrap()),
        };
        let [(s, _), (model, _)] = read_qualified(&m.key()).unwrap();
        prop_assert_eq!((s.as_str(), model.as_str()), (m.schema.as_str(), m.model.as_str()));
    }

    #[test]
    fn compile_is_deterministic_whatever_the_section_order(spec in spec(), rotate in 0usize..16) {
        let a = grant_plan(&spec.model(0));
        let b = grant_plan(&spec.model(0));
        prop_assert_eq!(
            render::sql(&a, "h"),
            render::sql(&b, "h"),
            "two compiles of one file differ"
        );
        let c = grant_plan(&spec.model(rotate));
        prop_assert_eq!(statements(&a), statements(&c));
    }

    #[test]
    fn applying_the_diff_gives_the_new_grants_inside_the_fence(a in spec(), b in spec()) {
        let (ma, mb) = (a.model(0), b.model(0));
        let (ca, cb) = (compile(&ma), compile(&mb));
        let plan = between(&ca, &mb, &cb);
        let before: BTreeSet<Grant> = ca.grants.keys().cloned().collect();
        let wanted: BTreeSet<Grant> = cb.grants.keys().cloned().collect();
        let after = plan.apply_to(&before);
        let fence = Fence::of(&mb);
        let inside = |s: &BTreeSet<Grant>| -> BTreeSet<Grant> {
            s.iter().filter(|g| fence.contains(g)).cloned().collect()
        };
        prop_assert!(wanted.is_subset(&after), "a required grant is missing after the diff");
        prop_assert_eq!(inside(&after), inside(&wanted));
        // Nothing outside the fence is ever revoked.
        for g in before.difference(&after) {
            prop_assert!(fence.contains(g), "revoked outside the fence: {g:?}");
        }
        // Each merged statement means exactly the steps it carries, and carries each step once.
        let mut carried = vec![0; plan.steps.len()];
        for st in &plan.statements {
            let mut named: Vec<Grant> = st.merged.grants();
            let mut parts: Vec<Grant> =
                st.parts.iter().flat_map(|&i| plan.steps[i].change.grants()).collect();
            named.sort();
            parts.sort();
            prop_assert_eq!(named, parts, "{}", render::merged(&st.merged));
            prop_assert!(st.parts.len() <= mlgrant::plan::MAX_LIST * mlgrant::plan::MAX_LIST);
            for &i in &st.parts {
                carried[i] += 1;
            }
        }
        prop_assert!(carried.iter().all(|&n| n == 1), "a step is carried {carried:?} times");
        // Every statement names only things that survive the tokenizer.
        for s in statements(&plan) {
            prop_assert!(
                Tokenizer::new(&RedshiftSqlDialect {}, &s).tokenize().is_ok(),
                "cannot tokenize {s}"
            );
        }
    }
}

proptest! {
    /// The sort keys that sorts cache order objects and grantees as `Ord` does, whatever the
    /// texts: NULs, multibyte characters, long shared prefixes, names interned in any order.
    #[test]
    fn sort_keys_order_as_ord_does(texts in prop::collection::vec("[\\x00a-b\"é]{0,3}(abcdefghijklmnop)?[\\x00ab]{0,2}", 1..10)) {
        let n = |s: &str| Name::from_catalog(s);
        let mut grantees: Vec<Grantee> = texts
            .iter()
            .flat_map(|s| [Grantee::Group(n(s)), Grantee::Role(n(s)), Grantee::User(n(s))])
            .chain([Grantee::Public])
            .collect();
        let mut objects: Vec<Object> = texts
            .iter()
            .zip(texts.iter().rev())
            .flat_map(|(a, b)| {
                [
                    Object::IamRole(n(a)),
                    Object::Schema(n(a)),
                    Object::Model(ModelName { schema: n(a), model: n(b) }),
                ]
            })
            .chain([Object::Database])
            .collect();
        let mut by_key = grantees.clone();
        by_key.sort_by_cached_key(Grantee::sort_key);
        grantees.sort();
        prop_assert_eq!(by_key, grantees);
        let mut by_key = objects.clone();
        by_key.sort_by_cached_key(Object::sort_key);
        objects.sort();
        prop_assert_eq!(by_key, objects);
    }
}
