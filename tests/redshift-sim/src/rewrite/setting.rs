//! The strict front's reading of SET, RESET, SHOW and ALTER USER ... SET against the
//! configuration reference (`crate::redshift::parameters`): Redshift's own parameters are kept
//! as `mlsim.<name>` custom settings; parameters outside the reference are refused as Redshift
//! refuses them.

use sqlparser::tokenizer::Token;

use super::cursor::Statement;
use super::strict::{Verdict, unsettled};
use super::{lit, refuse};
use crate::redshift::parameters::{self, Backing};

pub(super) fn denied(name: &str) -> String {
    refuse(&parameters::permission_denied(name), "42501")
}

/// `mlsim.<name>`, the custom setting that holds a simulated parameter.
fn custom(name: &str) -> String {
    format!("mlsim.{name}")
}

/// A simulated parameter's value, as SQL.
pub(super) fn simulated_value(name: &str, default: &str) -> String {
    // Once set in a session, a custom setting reads '' after RESET, not NULL.
    format!(
        "coalesce(nullif(current_setting({}, true), ''), {})",
        lit(&custom(name)),
        lit(default)
    )
}

impl Statement<'_> {
    /// A parameter name at token `i`, with its dotted parts (`mlsim.x`), as written.
    pub(super) fn dotted_name(&self, mut i: usize) -> String {
        let mut name = String::new();
        while let Some(Token::Word(w)) = self.tokens.get(i).map(|t| &t.token) {
            name.push_str(&w.value);
            if self.tokens.get(i + 1).map(|t| &t.token) == Some(&Token::Period) {
                name.push('.');
                i += 2;
            } else {
                break;
            }
        }
        name
    }

    /// Index of the parameter name after SET / RESET / SHOW and their SESSION or LOCAL.
    fn parameter_at(&self) -> (usize, bool) {
        let mut i = 1;
        let mut local = false;
        while let Some(w) = self.word_at(i) {
            match w.as_str() {
                "SESSION"
                    if !matches!(
                        self.word_at(i + 1).as_deref(),
                        Some("AUTHORIZATION" | "CHARACTERISTICS")
                    ) => {}
                "LOCAL" => local = true,
                _ => break,
            }
            i += 1;
        }
        (i, local)
    }

    /// The statement's text from token `i` on.
    pub(super) fn rest(&self, i: usize) -> String {
        if i >= self.tokens.len() {
            return String::new();
        }
        let start = self.offsets.at(self.tokens[i].span.start);
        let end = self.offsets.at(self.tokens[self.tokens.len() - 1].span.end);
        self.sql[start..end].to_owned()
    }

    /// SET (DG r_SET): parameters of the configuration reference, SEED, SESSION AUTHORIZATION
    /// (r_SET_SESSION_AUTHORIZATION), SESSION CHARACTERISTICS (r_SET_SESSION_CHARACTERISTICS).
    pub(super) fn set(&self) -> Verdict {
        let (i, local) = self.parameter_at();
        match self.word_at(i).as_deref() {
            Some("SESSION") => return Verdict::Accepted,
            Some("ROLE") => {
                return Verdict::Refused(unsettled(
                    "SET ROLE is not a Redshift command (DG r_SET sets parameters, SEED, SESSION AUTHORIZATION and SESSION CHARACTERISTICS)",
                ));
            }
            Some("TRANSACTION") => {
                return Verdict::Refused(unsettled(
                    "SET TRANSACTION is not a Redshift command (DG c_SQL_commands; the isolation level is set with BEGIN or SET SESSION CHARACTERISTICS)",
                ));
            }
            Some("SEED") => {
                return Verdict::Refused(unsettled(
                    "SET SEED (DG r_SET) is not answered by the simulator",
                ));
            }
            _ => {}
        }
        let Some(Token::Word(w)) = self.tokens.get(i).map(|t| &t.token) else {
            return Verdict::Accepted;
        };
        // prefix.name is a session context variable (DG r_SET): PostgreSQL's custom settings.
        if self.tokens.get(i + 1).map(|t| &t.token) == Some(&Token::Period) {
            return Verdict::Accepted;
        }
        let Some(p) = parameters::find(&w.value) else {
            return Verdict::Refused(denied(&self.dotted_name(i)));
        };
        let Backing::Simulated(_) = p.backing else {
            return Verdict::Accepted;
        };
        // SET name { TO | = } { value | DEFAULT }
        let mut j = i + 1;
        if matches!(self.tokens.get(j).map(|t| &t.token), Some(Token::Eq))
            || self.word_at(j).as_deref() == Some("TO")
        {
            j += 1;
        }
        let scope = if local { "LOCAL " } else { "" };
        Verdict::Rewritten(if self.word_at(j).as_deref() == Some("DEFAULT") {
            format!("RESET {}", custom(p.name))
        } else {
            format!("SET {scope}{} TO {}", custom(p.name), self.rest(j))
        })
    }

    /// RESET { parameter | ALL } (DG r_RESET).
    pub(super) fn reset(&self) -> Verdict {
        let Some(Token::Word(w)) = self.tokens.get(1).map(|t| &t.token) else {
            return Verdict::Accepted;
        };
        if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("ALL") {
            return Verdict::Accepted;
        }
        if self.tokens.get(2).map(|t| &t.token) == Some(&Token::Period) {
            return Verdict::Accepted;
        }
        match parameters::find(&w.value) {
            None => Verdict::Refused(denied(&w.value)),
            Some(p) if p.backing == Backing::Postgres => Verdict::Accepted,
            Some(p) => Verdict::Rewritten(format!("RESET {}", custom(p.name))),
        }
    }

    /// SHOW { parameter | ALL } (DG r_SHOW): a simulated parameter reads its custom setting;
    /// ALL lists the configuration reference only.
    pub(super) fn show(&self) -> Verdict {
        let Some(Token::Word(w)) = self.tokens.get(1).map(|t| &t.token) else {
            return Verdict::Accepted;
        };
        // SHOW MODEL schema.model (DG r_SHOW_MODEL): its Key and Value rows.
        if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("MODEL") {
            let mut c = self.cursor();
            c.pos = 2;
            return match c.qualified().and_then(|q| c.end().map(|()| q)) {
                Ok((schema, model)) => Verdict::Rewritten(format!(
                    "SELECT key AS \"Key\", value AS \"Value\" FROM mlsim.show_model({}, {}) ORDER BY n",
                    schema.map_or_else(|| "current_schema()".to_owned(), |s| lit(&s)),
                    lit(&model)
                )),
                Err(e) => Verdict::Refused(refuse(&e, "42601")),
            };
        }
        if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("ALL") && self.tokens.len() == 2
        {
            let rows: Vec<String> = parameters::PARAMETERS
                .iter()
                .map(|p| {
                    let value = match p.backing {
                        Backing::Postgres => format!("current_setting({})", lit(p.name)),
                        Backing::Simulated(d) => simulated_value(p.name, d),
                    };
                    format!("({}, {value})", lit(p.name))
                })
                .collect();
            return Verdict::Rewritten(format!(
                "SELECT name, setting FROM (VALUES {}) AS s(name, setting) ORDER BY name",
                rows.join(", ")
            ));
        }
        if self.tokens.get(2).map(|t| &t.token) == Some(&Token::Period) {
            return Verdict::Accepted;
        }
        match parameters::find(&w.value).filter(|_| self.tokens.len() == 2) {
            None => Verdict::Refused(unsettled(&format!(
                "SHOW {}: not a parameter of Redshift's configuration reference (DG cm_chap_ConfigurationRef)",
                self.rest(1)
            ))),
            Some(p) => match p.backing {
                Backing::Postgres => Verdict::Accepted,
                Backing::Simulated(d) => Verdict::Rewritten(format!(
                    "SELECT {} AS {}",
                    simulated_value(p.name, d),
                    p.name
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::strict::tests::refused;
    use crate::rewrite::one;

    #[test]
    fn client_min_messages_is_refused_as_redshift_refuses_it() {
        let out = refused("SET client_min_messages TO notice");
        assert!(
            out.contains("permission denied to set parameter \"client_min_messages\""),
            "{out}"
        );
        assert!(out.ends_with("'42501')"), "{out}");
        assert!(refused("set session client_min_messages = 'error'").contains("42501"));
        assert!(refused("RESET client_min_messages").contains("42501"));
        assert_eq!(one("SET app.team TO 'ml'"), "SET app.team TO 'ml'");
        assert!(refused("SHOW client_min_messages").contains("0A000"));
        assert!(refused("ALTER USER bob SET client_min_messages = error").contains("42501"));
    }

    #[test]
    fn parameters_of_the_reference_are_taken() {
        assert_eq!(
            one("SET statement_timeout TO 5000"),
            "SET statement_timeout TO 5000"
        );
        assert_eq!(one("RESET statement_timeout"), "RESET statement_timeout");
        assert_eq!(one("SHOW search_path"), "SHOW search_path");
        assert_eq!(
            one("SET query_group TO 'etl'"),
            "SET mlsim.query_group TO 'etl'"
        );
        assert_eq!(
            one("set local query_group = default"),
            "RESET mlsim.query_group"
        );
        assert_eq!(
            one("SHOW wlm_query_slot_count"),
            "SELECT coalesce(nullif(current_setting('mlsim.wlm_query_slot_count', true), ''), '1') AS wlm_query_slot_count"
        );
        assert!(
            one("SHOW ALL")
                .starts_with("SELECT name, setting FROM (VALUES ('analyze_threshold_percent'")
        );
        assert_eq!(
            one("SET SESSION AUTHORIZATION 'bob'"),
            "SET SESSION AUTHORIZATION 'bob'"
        );
    }
}
