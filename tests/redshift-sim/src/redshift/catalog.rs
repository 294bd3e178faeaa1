//! Catalog relations and functions where Redshift and PostgreSQL part: what the simulator
//! refuses to read, and which function calls it answers with Redshift's own.

use super::Source;

/// A PostgreSQL catalog relation the simulator refuses to read, and why.
#[derive(Clone, Copy, Debug)]
pub struct Relation {
    pub name: &'static str,
    pub why: &'static str,
    pub source: Source,
}

/// Relations PostgreSQL has that Redshift's documentation never lists among its system catalog
/// tables (DG c_intro_catalog_views) or that describe what Redshift lacks. The list is not every
/// such relation: it is the ones a tool of this kind reaches for (settings, triggers).
pub const REFUSED_RELATIONS: &[Relation] = &[
    Relation {
        name: "pg_settings",
        why: "run-time parameters are read with SHOW (DG r_SHOW, cm_chap_ConfigurationRef); pg_settings is not among Redshift's documented catalog tables",
        source: "c_intro_catalog_views",
    },
    Relation {
        name: "pg_trigger",
        why: "Redshift has no triggers (its SQL command reference has no CREATE TRIGGER) and does not document pg_trigger",
        source: "c_SQL_commands",
    },
    Relation {
        name: "pg_event_trigger",
        why: "Redshift has no event triggers (its SQL command reference has no CREATE EVENT TRIGGER)",
        source: "c_SQL_commands",
    },
    Relation {
        name: "pg_rewrite",
        why: "Redshift has no rules (its SQL command reference has no CREATE RULE) and does not document pg_rewrite",
        source: "c_SQL_commands",
    },
];

/// A PostgreSQL catalog table whose columns Redshift shows in another form: the front reads it
/// from the simulator's view of it instead.
#[derive(Clone, Copy, Debug)]
pub struct Shown {
    pub name: &'static str,
    pub view: &'static str,
    pub why: &'static str,
    pub source: Source,
}

/// Catalog tables read through views that show Redshift's forms (sql/catalog.sql).
pub const SHOWN_AS: &[Shown] = &[
    Shown {
        name: "pg_namespace",
        view: "mlsim.pg_namespace",
        why: "nspacl names a group's entry `group NAME=U/owner`",
        source: "aws-samples/redshift-roles query_schema_group_grants.sql",
    },
    Shown {
        name: "pg_language",
        view: "mlsim.pg_language",
        why: "lanacl names a group's entry `group NAME=U/owner` (CREATE MODEL is USAGE on mlfunc)",
        source: "aws-samples/redshift-roles query_create_model_group_grants.sql",
    },
];

/// The view that shows the catalog table `name` as Redshift does, if it is one.
pub fn shown_as(name: &str) -> Option<&'static Shown> {
    SHOWN_AS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// What the simulator does with a call of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// Refused with SQLSTATE 0A000 and these words.
    Refused(&'static str),
    /// Answered by this function of the simulator's, with the same arguments.
    Simulated(&'static str),
}

/// A function whose calls the simulator answers as Redshift does.
#[derive(Clone, Copy, Debug)]
pub struct Function {
    /// The name, lowercase; a prefix when it ends with `*`.
    pub name: &'static str,
    pub call: Call,
    pub source: Source,
}

/// Functions Redshift answers differently from PostgreSQL. current_setting is decided by the
/// parameter it names (parameters.rs), so it is not here.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "version",
        call: Call::Simulated("mlsim.version"),
        source: "r_VERSION",
    },
    Function {
        name: "has_assumerole_privilege",
        call: Call::Simulated("mlsim.has_assumerole_privilege"),
        source: "r_HAS_ASSUMEROLE_PRIVILEGE",
    },
    Function {
        name: "pg_advisory*",
        call: Call::Refused("advisory locks are not supported (Amazon Redshift)"),
        source: "redshift-facts: no advisory locks",
    },
    Function {
        name: "pg_try_advisory*",
        call: Call::Refused("advisory locks are not supported (Amazon Redshift)"),
        source: "redshift-facts: no advisory locks",
    },
    Function {
        name: "set_config",
        call: Call::Refused(
            "set_config is not answered by the simulator: set a parameter of the configuration reference with SET (DG r_SET)",
        ),
        source: "r_SET_CONFIG",
    },
];

/// The entry for a function called `name` (any case).
pub fn function(name: &str) -> Option<&'static Function> {
    let name = name.to_ascii_lowercase();
    FUNCTIONS.iter().find(|f| match f.name.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => f.name == name,
    })
}

/// The refused relation called `name` (any case).
pub fn refused_relation(name: &str) -> Option<&'static Relation> {
    REFUSED_RELATIONS
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name))
}
