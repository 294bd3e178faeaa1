//! CREATE MODEL, CREATE EXTERNAL MODEL and DROP MODEL become calls to `mlsim.create_model` and
//! `mlsim.drop_model`, with schema and model names folded as Redshift folds them.
//!
//! Every kind of model DG r_CREATE_MODEL and r_create_external_model describe, each with the
//! clauses its synopsis requires, recorded in the model's info as `kind`:
//! - `auto` / `xgboost` / `mlp` / `linear_learner` / `kmeans`: trained from a query (FROM query,
//!   TARGET, FUNCTION, IAM_ROLE, SETTINGS with S3_BUCKET);
//! - `forecast` (MODEL_TYPE FORECAST): FROM query, TARGET, SETTINGS with S3_BUCKET, HORIZON and
//!   FREQUENCY. The synopsis lists FUNCTION, and no AWS page says how a forecast is called: the
//!   simulator requires FUNCTION as the synopsis does (unverified);
//! - `byom_local`: FROM 'job name' or 's3 path' (a string), FUNCTION f (types) RETURNS type,
//!   IAM_ROLE, SETTINGS with S3_BUCKET;
//! - `byom_remote`: FUNCTION f (types) RETURNS type SAGEMAKER 'endpoint'[:'model'], IAM_ROLE;
//! - `bedrock` (CREATE EXTERNAL MODEL ... MODEL_TYPE BEDROCK SETTINGS (MODEL_ID ...)): FUNCTION
//!   f, IAM_ROLE; the function takes and returns varchar (REQUEST_TYPE UNIFIED, the default).
//!
//! Which state Redshift shows for a bring-your-own, FORECAST or Bedrock model is not documented:
//! every new model here is `Model is Ready` (explicit, unverified).
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
    "SAGEMAKER",
];

impl<'a> Statement<'a> {
    /// CREATE MODEL (`external` false) or CREATE EXTERNAL MODEL (true), after those words.
    pub(super) fn create_model(&self, mut c: Cursor<'_, 'a>, external: bool) -> Parsed<String> {
        let (schema, model) = c.qualified()?;
        let mut info = serde_json::Map::new();
        let (mut function, mut arg_types, mut returns, mut iam_role): (
            Option<String>,
            Vec<String>,
            Option<String>,
            Option<String>,
        ) = (None, Vec::new(), None, None);
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
                "SAGEMAKER" => {
                    let text = c.text_until(is_clause);
                    if text.is_empty() {
                        return Err(c.unexpected());
                    }
                    info.insert("sagemaker".to_owned(), serde_json::Value::String(text));
                }
                other => {
                    let text = c.text_until(is_clause);
                    if text.is_empty() {
                        return Err(c.unexpected());
                    }
                    info.insert(other.to_ascii_lowercase(), serde_json::Value::String(text));
                }
            }
        }
        let has = |k: &str| info.contains_key(k);
        let text = |k: &str| {
            info.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        let model_type = text("model_type").to_ascii_lowercase();
        let from_string = text("from").starts_with('\'');
        let kind = if external {
            if model_type != "bedrock" {
                return Err("CREATE EXTERNAL MODEL needs MODEL_TYPE BEDROCK".to_owned());
            }
            "bedrock"
        } else if has("sagemaker") {
            "byom_remote"
        } else if from_string {
            "byom_local"
        } else if model_type == "forecast" {
            "forecast"
        } else if model_type.is_empty() {
            "auto"
        } else if ["xgboost", "mlp", "linear_learner", "kmeans"].contains(&model_type.as_str()) {
            // MODEL_TYPE's values (DG r_CREATE_MODEL).
            match model_type.as_str() {
                "xgboost" => "xgboost",
                "mlp" => "mlp",
                "linear_learner" => "linear_learner",
                _ => "kmeans",
            }
        } else {
            return Err(format!("unknown MODEL_TYPE {model_type}"));
        };
        let required: &[&str] = match kind {
            "bedrock" => &["settings"],
            "byom_remote" => &["sagemaker"],
            "byom_local" => &["from", "settings"],
            _ => &["from", "target", "settings"],
        };
        for r in required {
            if !has(r) {
                return Err(format!(
                    "{} needs a {} clause",
                    if external {
                        "CREATE EXTERNAL MODEL"
                    } else {
                        "CREATE MODEL"
                    },
                    r.to_ascii_uppercase()
                ));
            }
        }
        let settings = text("settings").to_ascii_uppercase();
        let needs: &[&str] = match kind {
            "bedrock" => &["MODEL_ID"],
            "byom_remote" => &[],
            "forecast" => &["S3_BUCKET", "HORIZON", "FREQUENCY"],
            _ => &["S3_BUCKET"],
        };
        for n in needs {
            if !settings.contains(n) {
                return Err(format!("{kind} models need SETTINGS ({n} ...)"));
            }
        }
        if matches!(kind, "byom_local" | "byom_remote") && returns.is_none() {
            return Err("a bring-your-own model needs FUNCTION f (types) RETURNS type".to_owned());
        }
        if kind == "bedrock" {
            // REQUEST_TYPE UNIFIED (the default): the function takes the prompt's varchar.
            if arg_types.is_empty() {
                arg_types.push("varchar".to_owned());
            }
            returns.get_or_insert_with(|| "varchar".to_owned());
        }
        info.insert(
            "kind".to_owned(),
            serde_json::Value::String(kind.to_owned()),
        );
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

    #[test]
    fn reads_every_kind_of_model() {
        for (sql, kind) in [
            (
                "CREATE MODEL s.local FROM 'sagemaker-job-1' FUNCTION f1(int) RETURNS float IAM_ROLE default SETTINGS (S3_BUCKET 'b')",
                "byom_local",
            ),
            (
                "CREATE MODEL s.remote FUNCTION f2(int, varchar) RETURNS int SAGEMAKER 'churn-endpoint' IAM_ROLE default",
                "byom_remote",
            ),
            (
                "CREATE MODEL s.fc FROM (SELECT a, t, v FROM x) TARGET v FUNCTION f3 IAM_ROLE default MODEL_TYPE FORECAST SETTINGS (S3_BUCKET 'b', HORIZON 4, FREQUENCY 'D')",
                "forecast",
            ),
            (
                "CREATE EXTERNAL MODEL s.llm FUNCTION ask IAM_ROLE default MODEL_TYPE BEDROCK SETTINGS (MODEL_ID 'anthropic.claude-v2:1', PROMPT 'Summarize')",
                "bedrock",
            ),
            (
                "CREATE MODEL s.x FROM t TARGET y FUNCTION f4 IAM_ROLE default MODEL_TYPE XGBOOST SETTINGS (S3_BUCKET 'b')",
                "xgboost",
            ),
        ] {
            let out = one(sql);
            assert!(
                out.contains(&format!("\"kind\":\"{kind}\"")),
                "{sql} -> {out}"
            );
        }
        for bad in [
            "CREATE MODEL s.remote FUNCTION f2(int) SAGEMAKER 'e' IAM_ROLE default",
            "CREATE MODEL s.fc FROM (SELECT 1) TARGET v FUNCTION f3 IAM_ROLE default MODEL_TYPE FORECAST SETTINGS (S3_BUCKET 'b')",
            "CREATE EXTERNAL MODEL s.llm FUNCTION ask IAM_ROLE default MODEL_TYPE BEDROCK SETTINGS (PROMPT 'x')",
            "CREATE EXTERNAL MODEL s.llm FUNCTION ask IAM_ROLE default SETTINGS (MODEL_ID 'x')",
        ] {
            assert!(one(bad).contains("mlsim.refuse"), "{bad}");
        }
    }
}
