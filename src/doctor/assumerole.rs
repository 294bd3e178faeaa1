//! doctor's ASSUMEROLE trials: GRANT ASSUMEROLE ... FOR CREATE MODEL on default, on an ARN and
//! on two ARNs in one statement (two grants, or one role chain?), their revokes, and whether
//! PUBLIC still holds the new-cluster default, each in a transaction that is rolled back.

use tokio_postgres::Client;

use super::Check;
use super::session::{Scratch, Session, error_text, held};
use super::trials::meaning;
use crate::catalog;
use crate::connect::Notices;
use crate::model::{Grantee, IamCommand, Object, Privilege, State, quote_ident, quote_literal};
use crate::plan::{Change, Merged};
use crate::render;

/// The role ARNs the ASSUMEROLE trials name: well-formed, in an account that does not exist, so
/// that no real role is ever touched (the grants are rolled back in any case).
const TRIAL_ARNS: [&str; 3] = [
    "arn:aws:iam::000000000000:role/mlgrant-doctor-trial-1",
    "arn:aws:iam::000000000000:role/mlgrant-doctor-trial-2",
    "arn:aws:iam::000000000000:role/mlgrant-doctor-trial-3",
];

/// ASSUMEROLE for CREATE MODEL: on default, on an ARN, on two ARNs in one statement, and the
/// revokes, in one transaction of their own.
pub(super) async fn assumerole(
    client: &Client,
    notices: Option<&Notices>,
    scratch: &Scratch,
) -> Vec<Check> {
    let mut s = Session::begin(client, notices).await;
    let group = Grantee::Group(scratch.group.clone());
    let create = render::statement(&Change::CreateGroup {
        group: scratch.group.clone(),
    });
    let role = |arn: &str| Object::IamRole(crate::model::Name::from_catalog(arn));
    let statement = |on: bool, objects: Vec<Object>| {
        render::merged(&Merged::Privileges {
            grant: on,
            privileges: vec![Privilege::AssumeRole(IamCommand::CreateModel)],
            objects,
            grantees: vec![group.clone()],
        })
    };
    let holds = |state: &State, arn: &str| {
        held(
            state,
            &role(arn),
            Privilege::AssumeRole(IamCommand::CreateModel),
            &group,
        )
    };
    s.run("assumerole_default", &create).await;
    for (name, objects) in [
        ("assumerole_default", vec![role("default")]),
        ("assumerole_arn", vec![role(TRIAL_ARNS[0])]),
    ] {
        let sql = statement(true, objects.clone());
        if s.run(name, &sql).await.is_some()
            && let Some(state) = s.read(name).await
        {
            let arn = match &objects[0] {
                Object::IamRole(a) => a.as_str().to_owned(),
                _ => String::new(),
            };
            let reads = holds(&state, &arn);
            s.judge(
                name,
                reads,
                format!(
                    "{sql} ran inside the transaction; svv_iam_privileges {}",
                    if reads {
                        "shows it"
                    } else {
                        "does not show it"
                    }
                ),
            );
        }
    }
    let two = vec![role(TRIAL_ARNS[1]), role(TRIAL_ARNS[2])];
    let sql = statement(true, two);
    if s.run("assumerole_two_arns", &sql).await.is_some()
        && let Some(state) = s.read("assumerole_two_arns").await
    {
        let both = holds(&state, TRIAL_ARNS[1]) && holds(&state, TRIAL_ARNS[2]);
        let chain = format!("{},{}", TRIAL_ARNS[1], TRIAL_ARNS[2]);
        let as_chain = state
            .cluster
            .as_ref()
            .is_some_and(|i| i.unrecognised_iam.iter().any(|r| r.contains(&chain)));
        s.judge(
            "assumerole_two_arns",
            both,
            format!(
                "{sql} ran; it reads back as {}",
                if both {
                    "two grants, one per role, as mlgrant means it"
                } else if as_chain {
                    "one role chain (the two ARNs in one row)"
                } else {
                    "neither two grants nor a chain mlgrant can see"
                }
            ),
        );
    }
    let revokes = [
        statement(false, vec![role("default")]),
        statement(false, vec![role(TRIAL_ARNS[0])]),
        statement(false, vec![role(TRIAL_ARNS[1]), role(TRIAL_ARNS[2])]),
    ]
    .join("\n");
    if s.run("revoke_assumerole", &revokes).await.is_some()
        && let Some(state) = s.read("revoke_assumerole").await
    {
        let gone = ["default", TRIAL_ARNS[0], TRIAL_ARNS[1], TRIAL_ARNS[2]]
            .iter()
            .all(|a| !holds(&state, a));
        s.judge(
            "revoke_assumerole",
            gone,
            format!(
                "the REVOKE ASSUMEROLE statements ran; {}",
                if gone {
                    "no grant reads back"
                } else {
                    "some still read back"
                }
            ),
        );
    }
    s.end().await
}

/// Whether PUBLIC still holds the new-cluster default, asked of has_assumerole_privilege for a
/// scratch user that holds nothing (DG r_HAS_ASSUMEROLE_PRIVILEGE), and whether the catalog
/// reader sees the grant that answers it.
pub(super) async fn public_default(
    client: &Client,
    notices: Option<&Notices>,
    scratch: &Scratch,
) -> Vec<Check> {
    let name = "public_assumerole";
    let mut s = Session::begin(client, notices).await;
    s.run(
        name,
        &format!(
            "CREATE USER {} PASSWORD DISABLE",
            quote_ident(scratch.user.as_str())
        ),
    )
    .await;
    if !s.ok() {
        return s.end().await;
    }
    let sql = format!(
        "SELECT has_assumerole_privilege({}, 'default', 'create model')",
        quote_literal(scratch.user.as_str())
    );
    let answer = match client.simple_query(&sql).await {
        Ok(m) => catalog::result_sets(m)
            .pop()
            .and_then(|rows| rows.into_iter().next())
            .and_then(|row| row.into_iter().next().flatten()),
        Err(e) => {
            s.checks.push(Check::fail(
                name,
                format!("{}\n  in: {sql}", error_text(&e)),
                meaning(name),
            ));
            return s.end().await;
        }
    };
    let Some(state) = s.read(name).await else {
        return s.end().await;
    };
    let public = Grantee::Public;
    let seen = ["ALL", "default"].iter().any(|arn| {
        held(
            &state,
            &Object::IamRole(crate::model::Name::from_catalog(arn)),
            Privilege::AssumeRole(IamCommand::CreateModel),
            &public,
        )
    });
    match answer.as_deref() {
        Some("t" | "true") => s.judge(
            name,
            seen,
            if seen {
                "PUBLIC still holds the new-cluster default (a user granted nothing may assume the default role for CREATE MODEL), and svv_iam_privileges shows it as a grant to PUBLIC".to_owned()
            } else {
                "PUBLIC still holds the new-cluster default (a user granted nothing may assume the default role for CREATE MODEL), but svv_iam_privileges shows no grant to PUBLIC that mlgrant recognises".to_owned()
            },
        ),
        Some("f" | "false") => s.judge(
            name,
            true,
            "PUBLIC's new-cluster default is revoked: a user granted nothing may not assume the default role".to_owned(),
        ),
        other => s.judge(
            name,
            false,
            format!("has_assumerole_privilege answered {other:?}"),
        ),
    }
    s.end().await
}
