//! What a reviewer must not miss, as one list for every format: the model file's warnings (each
//! with its file, line and column: creators left with no IAM role, ...) and what the plan's
//! statements call for (PUBLIC granted or revoked, CREATE MODEL taken away, PUBLIC's default
//! access to IAM roles revoked). Plain text: each format escapes it its own way.

use super::statement;
use crate::model::{Grantee, IamCommand, Object, Privilege};
use crate::plan::{Change, Plan, Warning};

/// Every warning of `plan`: the model's first, then the statements'.
pub fn warnings(plan: &Plan) -> Vec<Warning> {
    let mut out = plan.warnings.clone();
    let mut push = |message: String| {
        out.push(Warning {
            file: String::new(),
            at: None,
            message,
        });
    };
    for step in &plan.steps {
        let (privileges, object, grantee, revoke) = match &step.change {
            Change::Grant {
                privileges,
                object,
                grantee,
            } => (privileges, object, grantee, false),
            Change::Revoke {
                privileges,
                object,
                grantee,
            } => (privileges, object, grantee, true),
            _ => continue,
        };
        // The statement's text is made only for a step that warns (a plan of 100,000 grants
        // has none that do).
        let sql = || {
            let mut sql = statement(&step.change);
            sql.pop();
            sql
        };
        if revoke
            && matches!(object, Object::IamRole(a) if a.as_str() == "ALL")
            && *grantee == Grantee::Public
            && privileges.contains(&Privilege::AssumeRole(IamCommand::All))
        {
            push(format!(
                "{}: stops every COPY, UNLOAD and CREATE MODEL that relied on PUBLIC's default access to IAM roles; removing the policy line later restores nothing: GRANT ASSUMEROLE ON ALL TO PUBLIC FOR ALL does",
                sql()
            ));
        } else if revoke && privileges.contains(&Privilege::CreateModel) {
            push(format!("{}: takes away the right to create models", sql()));
        } else if *grantee == Grantee::Public {
            push(format!("{}: touches PUBLIC, every user", sql()));
        }
    }
    out
}
