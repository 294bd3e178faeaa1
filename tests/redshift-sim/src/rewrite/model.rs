//! CREATE MODEL and DROP MODEL become calls to `mlsim.create_model` and `mlsim.drop_model`, with
//! schema and model names folded as Redshift folds them.
//!
//! It checks only the statement's shape (the clauses CREATE MODEL needs); it must never decide
//! anything about the model itself (existence, ownership, privileges): the procedures do, as the
//! calling user, so those errors are PostgreSQL's.

use sqlparser::tokenizer::Token;

use super::cursor::{Cursor, Parsed, Statement, fold};
use super::{lit, lit_or_null, text_array};

const MODEL_CLAUSES: &[&str] = &[
    "FROM",
    "TARGET",
    "FUNCTION",
    "RETURNS",
    "IAM_ROLE",
    "AUTO",
    "MODEL_TYPE",
    "PROBLEM_TYPE",
    "OBJECTIVE",
    "PREPROCESSORS",
    "HYPERPARAMETERS",
    "SETTINGS",
];

impl<'a> Statement<'a> {
    pub(super) fn create_model(&self, mut c: Cursor<'_, 'a>) -> Parsed<String> {
        let (schema, model) = c.qualified()?;
        let mut info = serde_json::Map::new();
        let (mut function, mut arg_types, mut returns, mut iam_role) =
            (None, Vec::new(), None, None);
        let is_clause = |c: &Cursor<'_, 'a>| MODEL_CLAUSES.iter().any(|k| c.is_kw(k));
        while !c.at_end() {
            let Some(Token::Word(w)) = c.peek() else {
                return Err(c.unexpected());
            };
            let clause = w.value.to_ascii_uppercase();
            if !MODEL_CLAUSES.contains(&clause.as_str()) || w.quote_style.is_some() {
                return Err(c.unexpected());
            }
            c.pos += 1;
            match clause.as_str() {
                "FUNCTION" => {
                    function = Some(fold(c.word()?, false));
                    if c.eat(&Token::LParen) && !c.eat(&Token::RParen) {
                        loop {
                            let t = c.text_until(|c| {
                                matches!(c.peek(), Some(Token::Comma | Token::RParen))
                            });
                            arg_types.push(t);
                            if c.eat(&Token::RParen) {
                                break;
                            }
                            if !c.eat(&Token::Comma) {
                                return Err(c.unexpected());
                            }
                        }
                    }
                }
                "IAM_ROLE" => {
                    // The cluster's default role, named as svv_iam_privileges names it.
                    iam_role = Some(if c.eat_kw("DEFAULT") {
                        "default-aws-iam-role".to_owned()
                    } else {
                        c.string()?
                    });
                }
                "RETURNS" => returns = Some(c.text_until(is_clause)),
                other => {
                    let text = c.text_until(is_clause);
                    if text.is_empty() {
                        return Err(c.unexpected());
                    }
                    info.insert(other.to_ascii_lowercase(), serde_json::Value::String(text));
                }
            }
        }
        for required in ["from", "target", "settings"] {
            if !info.contains_key(required) {
                return Err(format!(
                    "CREATE MODEL needs a {} clause",
                    required.to_ascii_uppercase()
                ));
            }
        }
        if !info["settings"]
            .as_str()
            .unwrap_or("")
            .to_ascii_uppercase()
            .contains("S3_BUCKET")
        {
            return Err("CREATE MODEL needs SETTINGS (S3_BUCKET 'bucket')".to_owned());
        }
        let function = function.ok_or("CREATE MODEL needs a FUNCTION clause")?;
        let iam_role = iam_role.ok_or("CREATE MODEL needs an IAM_ROLE clause")?;
        Ok(format!(
            "CALL mlsim.create_model({}, {}, {}, {}, {}, {}, {}::jsonb)",
            lit_or_null(schema.as_deref()),
            lit(&model),
            lit(&function),
            text_array(&arg_types),
            lit(returns.as_deref().unwrap_or("float8")),
            lit(&iam_role),
            lit(&serde_json::Value::Object(info).to_string())
        ))
    }

    pub(super) fn drop_model(&self, mut c: Cursor<'_, 'a>) -> Parsed<String> {
        let if_exists = c.eat_kw("IF") && {
            c.expect_kw("EXISTS")?;
            true
        };
        let (schema, model) = c.qualified()?;
        c.end()?;
        Ok(format!(
            "CALL mlsim.drop_model({}, {}, {if_exists})",
            lit_or_null(schema.as_deref()),
            lit(&model)
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::rewrite::one;

    #[test]
    fn reads_create_model() {
        let sql = "CREATE MODEL demo_ml.churn FROM (SELECT a, b FROM t WHERE c > 1) TARGET b \
                   FUNCTION predict_churn(int, varchar(20)) IAM_ROLE default \
                   SETTINGS (S3_BUCKET 'bucket', MAX_RUNTIME 1800)";
        let out = one(sql);
        assert!(out.starts_with("CALL mlsim.create_model('demo_ml', 'churn', 'predict_churn', ARRAY['int', 'varchar(20)']::text[], 'float8', 'default-aws-iam-role', '{"), "{out}");
        assert!(out.contains("(SELECT a, b FROM t WHERE c > 1)"), "{out}");
        assert!(
            one("CREATE MODEL m FROM t TARGET x FUNCTION f IAM_ROLE default")
                .contains("mlsim.refuse")
        );
    }
}
