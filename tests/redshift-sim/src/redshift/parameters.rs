//! Run-time parameters: the configuration reference (DG cm_chap_ConfigurationRef) lists what a
//! session may SET, RESET and SHOW; session context variables, named `prefix.name` (DG r_SET,
//! r_SET_CONFIG, r_CURRENT_SETTING), may be set and read too. Everything else is refused: SET and RESET with SQLSTATE 42501
//! and Redshift's own words, `permission denied to set parameter "client_min_messages"` (padb's
//! guc.c, as two public driver reports show it: brianc/node-postgres issue 1212,
//! python-postgres/fe issue 72); SHOW, current_setting and set_config of them as unsettled
//! (current_setting('server_version') answers "must be superuser to examine" to ordinary users,
//! duckdb/duckdb-postgres issue 245; what a superuser is told is not documented).

use super::Source;

/// How the simulator gives a parameter its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// PostgreSQL has a parameter of the same name and meaning: SET, RESET and SHOW pass through.
    Postgres,
    /// Redshift's own: kept as the custom setting `mlsim.<name>` (which the database may set, for
    /// tests), shown with this default when unset. The simulator only reports it: it does not
    /// change behaviour (enable_case_sensitive_identifier does not change how names fold).
    Simulated(&'static str),
}

/// One parameter of the configuration reference.
#[derive(Clone, Copy, Debug)]
pub struct Parameter {
    pub name: &'static str,
    pub backing: Backing,
    pub source: Source,
}

const fn pg(name: &'static str, source: Source) -> Parameter {
    Parameter {
        name,
        backing: Backing::Postgres,
        source,
    }
}

const fn sim(name: &'static str, default: &'static str, source: Source) -> Parameter {
    Parameter {
        name,
        backing: Backing::Simulated(default),
        source,
    }
}

/// The configuration reference's parameters (DG cm_chap_ConfigurationRef, one page each, as its
/// table of contents read in 2026; most pages are r_<name>). Defaults are the pages' own where
/// they give one. The simulator only reports the simulated ones.
pub const PARAMETERS: &[Parameter] = &[
    sim(
        "analyze_threshold_percent",
        "10",
        "r_analyze_threshold_percent",
    ),
    sim(
        "cast_super_null_on_error",
        "on",
        "r_cast_super_null_on_error",
    ),
    sim(
        "datashare_break_glass_session_var",
        "",
        "r_datashare_break_glass_session_var",
    ),
    pg("datestyle", "r_datestyle"),
    sim(
        "default_array_search_null_handling",
        "false",
        "r_default_array_search_null_handling",
    ),
    sim(
        "default_geometry_encoding",
        "2",
        "r_default_geometry_encoding",
    ),
    sim(
        "describe_field_name_in_uppercase",
        "off",
        "r_describe_field_name_in_uppercase",
    ),
    sim(
        "downcase_delimited_identifier",
        "on",
        "r_downcase_delimited_identifier",
    ),
    sim(
        "enable_case_sensitive_identifier",
        "off",
        "r_enable_case_sensitive_identifier",
    ),
    sim(
        "enable_case_sensitive_super_attribute",
        "off",
        "r_enable_case_sensitive_super_attribute",
    ),
    sim("enable_numeric_rounding", "on", "r_enable_numeric_rounding"),
    sim(
        "enable_result_cache_for_session",
        "on",
        "r_enable_result_cache_for_session",
    ),
    sim("enable_vacuum_boost", "false", "r_enable_vacuum_boost"),
    sim(
        "error_on_nondeterministic_update",
        "false",
        "r_error_on_nondeterministic_update",
    ),
    pg("extra_float_digits", "r_extra_float_digits"),
    sim(
        "interval_forbid_composite_literals",
        "error",
        "r_interval_forbid_composite_literals",
    ),
    sim(
        "json_serialization_enable",
        "false",
        "r_json_serialization_enable",
    ),
    sim(
        "json_serialization_parse_nested_strings",
        "false",
        "r_json_serialization_parse_nested_strings",
    ),
    sim(
        "max_concurrency_scaling_clusters",
        "1",
        "r_max_concurrency_scaling_clusters",
    ),
    sim(
        "max_cursor_result_set_size",
        "0",
        "max_cursor_result_set_size",
    ),
    sim(
        "max_failed_login_attempts",
        "0",
        "max_failed_login_attempts",
    ),
    sim(
        "mv_enable_aqmv_for_session",
        "true",
        "r_mv_enable_aqmv_for_session",
    ),
    sim(
        "navigate_super_null_on_error",
        "on",
        "r_navigate_super_null_on_error",
    ),
    sim(
        "parse_super_null_on_error",
        "off",
        "r_parse_super_null_on_error",
    ),
    sim(
        "pg_federation_repeatable_read",
        "true",
        "r_pg_federation_repeatable_read",
    ),
    sim("query_group", "default", "r_query_group"),
    pg("search_path", "r_search_path"),
    sim(
        "spectrum_enable_pseudo_columns",
        "true",
        "r_spectrum_enable_pseudo_columns",
    ),
    sim(
        "enable_spectrum_oid",
        "false",
        "r_spectrum_enable_spectrum_oid",
    ),
    sim("spectrum_query_maxerror", "-1", "r_spectrum_query_maxerror"),
    pg("statement_timeout", "r_statement_timeout"),
    sim(
        "stored_proc_log_min_messages",
        "log",
        "r_stored_proc_log_min_messages",
    ),
    pg("timezone", "r_timezone_config"),
    sim("use_fips_ssl", "false", "use_fips_ssl"),
    sim("wlm_query_slot_count", "1", "r_wlm_query_slot_count"),
];

/// The parameter of the configuration reference called `name` (any case), if any.
pub fn find(name: &str) -> Option<&'static Parameter> {
    PARAMETERS
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

/// What Redshift answers SET or RESET of a parameter outside the configuration reference:
/// SQLSTATE 42501 and these words (brianc/node-postgres issue 1212, python-postgres/fe issue 72).
pub fn permission_denied(name: &str) -> String {
    format!(
        "permission denied to set parameter \"{}\"",
        name.to_ascii_lowercase()
    )
}

/// What Redshift answers an ordinary user's current_setting of a parameter outside the
/// configuration reference (duckdb/duckdb-postgres issue 245): SQLSTATE 42501.
pub fn must_be_superuser(name: &str) -> String {
    format!(
        "must be superuser to examine \"{}\"",
        name.to_ascii_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_cites_its_page_and_appears_once() {
        for (i, p) in PARAMETERS.iter().enumerate() {
            assert!(
                p.source.contains(p.name.trim_start_matches("enable_")),
                "{}",
                p.name
            );
            assert_eq!(p.name, p.name.to_ascii_lowercase());
            assert!(
                PARAMETERS[..i].iter().all(|q| q.name != p.name),
                "{} twice",
                p.name
            );
        }
    }

    #[test]
    fn client_min_messages_is_not_a_redshift_parameter() {
        assert!(find("client_min_messages").is_none());
        assert!(find("application_name").is_none());
        assert!(find("server_version").is_none());
        assert_eq!(
            permission_denied("CLIENT_MIN_MESSAGES"),
            "permission denied to set parameter \"client_min_messages\""
        );
        assert_eq!(
            find("Statement_Timeout").map(|p| p.backing),
            Some(Backing::Postgres)
        );
    }
}
