//! Statement kinds: the SQL command reference (DG c_SQL_commands) lists every command Redshift
//! has, one page each. A statement whose leading words name none of them is refused (SQLSTATE
//! 0A000): triggers, event triggers, rules, extensions, indexes, sequences, LISTEN and NOTIFY, DO
//! blocks, SET ROLE, savepoints and the rest of PostgreSQL's own. Within commands Redshift has,
//! the clauses its pages do not document are refused too: `INSERT ... ON CONFLICT` and
//! `RETURNING` (DG r_INSERT_30, r_UPDATE, r_DELETE document neither), `COPY ... FROM STDIN`
//! (DG r_COPY reads from Amazon S3, DynamoDB, EMR or SSH hosts).

use super::Source;

/// One command of the reference: its leading words, uppercase, and its page.
#[derive(Clone, Copy, Debug)]
pub struct Command {
    pub words: &'static str,
    pub source: Source,
}

const fn c(words: &'static str, source: Source) -> Command {
    Command { words, source }
}

/// The SQL command reference (DG c_SQL_commands). `CREATE OR REPLACE`, `CREATE TEMP` and their
/// kin are matched as the command they modify (the pages document those words).
pub const COMMANDS: &[Command] = &[
    c("ABORT", "r_ABORT"),
    c("ALTER DATABASE", "r_ALTER_DATABASE"),
    c("ALTER DATASHARE", "r_ALTER_DATASHARE"),
    c("ALTER DEFAULT PRIVILEGES", "r_ALTER_DEFAULT_PRIVILEGES"),
    c("ALTER EXTERNAL SCHEMA", "r_ALTER_EXTERNAL_SCHEMA"),
    c("ALTER EXTERNAL VIEW", "r_ALTER_EXTERNAL_VIEW"),
    c("ALTER FUNCTION", "r_ALTER_FUNCTION"),
    c("ALTER GROUP", "r_ALTER_GROUP"),
    c("ALTER IDENTITY PROVIDER", "r_ALTER_IDENTITY_PROVIDER"),
    c("ALTER MASKING POLICY", "r_ALTER_MASKING_POLICY"),
    c("ALTER MATERIALIZED VIEW", "r_ALTER_MATERIALIZED_VIEW"),
    c("ALTER PROCEDURE", "r_ALTER_PROCEDURE"),
    c("ALTER RLS POLICY", "r_ALTER_RLS_POLICY"),
    c("ALTER ROLE", "r_ALTER_ROLE"),
    c("ALTER SCHEMA", "r_ALTER_SCHEMA"),
    c("ALTER SYSTEM", "r_ALTER_SYSTEM"),
    c("ALTER TABLE", "r_ALTER_TABLE"),
    c("ALTER TEMPLATE", "r_ALTER_TEMPLATE"),
    c("ALTER USER", "r_ALTER_USER"),
    c("ANALYZE", "r_ANALYZE"),
    c("ATTACH MASKING POLICY", "r_ATTACH_MASKING_POLICY"),
    c("ATTACH RLS POLICY", "r_ATTACH_RLS_POLICY"),
    c("BEGIN", "r_BEGIN"),
    c("CALL", "r_CALL_procedure"),
    c("CANCEL", "r_CANCEL"),
    c("CLOSE", "close"),
    c("COMMENT", "r_COMMENT"),
    c("COMMIT", "r_COMMIT"),
    c("COPY", "r_COPY"),
    c("CREATE DATABASE", "r_CREATE_DATABASE"),
    c("CREATE DATASHARE", "r_CREATE_DATASHARE"),
    c("CREATE EXTERNAL FUNCTION", "r_CREATE_EXTERNAL_FUNCTION"),
    c("CREATE EXTERNAL MODEL", "r_create_external_model"),
    c("CREATE EXTERNAL SCHEMA", "r_CREATE_EXTERNAL_SCHEMA"),
    c("CREATE EXTERNAL TABLE", "r_CREATE_EXTERNAL_TABLE"),
    c("CREATE EXTERNAL VIEW", "r_CREATE_EXTERNAL_VIEW"),
    c("CREATE FUNCTION", "r_CREATE_FUNCTION"),
    c("CREATE GROUP", "r_CREATE_GROUP"),
    c("CREATE IDENTITY PROVIDER", "r_CREATE_IDENTITY_PROVIDER"),
    c("CREATE LIBRARY", "r_CREATE_LIBRARY"),
    c("CREATE MASKING POLICY", "r_CREATE_MASKING_POLICY"),
    c(
        "CREATE MATERIALIZED VIEW",
        "materialized-view-create-sql-command",
    ),
    c("CREATE MODEL", "r_CREATE_MODEL"),
    c("CREATE PROCEDURE", "r_CREATE_PROCEDURE"),
    c("CREATE RLS POLICY", "r_CREATE_RLS_POLICY"),
    c("CREATE ROLE", "r_CREATE_ROLE"),
    c("CREATE SCHEMA", "r_CREATE_SCHEMA"),
    c("CREATE TABLE", "r_CREATE_TABLE_NEW"),
    c("CREATE TEMPLATE", "r_CREATE_TEMPLATE"),
    c("CREATE USER", "r_CREATE_USER"),
    c("CREATE VIEW", "r_CREATE_VIEW"),
    c("DEALLOCATE", "r_DEALLOCATE"),
    c("DECLARE", "declare"),
    c("DELETE", "r_DELETE"),
    c("DESC DATASHARE", "r_DESC_DATASHARE"),
    c("DESC IDENTITY PROVIDER", "r_DESC_IDENTITY_PROVIDER"),
    c("DETACH MASKING POLICY", "r_DETACH_MASKING_POLICY"),
    c("DETACH RLS POLICY", "r_DETACH_RLS_POLICY"),
    c("DROP DATABASE", "r_DROP_DATABASE"),
    c("DROP DATASHARE", "r_DROP_DATASHARE"),
    c("DROP EXTERNAL VIEW", "r_DROP_EXTERNAL_VIEW"),
    c("DROP FUNCTION", "r_DROP_FUNCTION"),
    c("DROP GROUP", "r_DROP_GROUP"),
    c("DROP IDENTITY PROVIDER", "r_DROP_IDENTITY_PROVIDER"),
    c("DROP LIBRARY", "r_DROP_LIBRARY"),
    c("DROP MASKING POLICY", "r_DROP_MASKING_POLICY"),
    c(
        "DROP MATERIALIZED VIEW",
        "materialized-view-drop-sql-command",
    ),
    c("DROP MODEL", "r_DROP_MODEL"),
    c("DROP PROCEDURE", "r_DROP_PROCEDURE"),
    c("DROP RLS POLICY", "r_DROP_RLS_POLICY"),
    c("DROP ROLE", "r_DROP_ROLE"),
    c("DROP SCHEMA", "r_DROP_SCHEMA"),
    c("DROP TABLE", "r_DROP_TABLE"),
    c("DROP TEMPLATE", "r_DROP_TEMPLATE"),
    c("DROP USER", "r_DROP_USER"),
    c("DROP VIEW", "r_DROP_VIEW"),
    c("END", "r_END"),
    c("EXECUTE", "r_EXECUTE"),
    c("EXPLAIN", "r_EXPLAIN"),
    c("FETCH", "fetch"),
    c("GRANT", "r_GRANT"),
    c("INSERT", "r_INSERT_30"),
    c("LOCK", "r_LOCK"),
    c("MERGE", "r_MERGE"),
    c("PREPARE", "r_PREPARE"),
    c(
        "REFRESH MATERIALIZED VIEW",
        "materialized-view-refresh-sql-command",
    ),
    c("RESET", "r_RESET"),
    c("REVOKE", "r_REVOKE"),
    c("ROLLBACK", "r_ROLLBACK"),
    c("SELECT", "r_SELECT_synopsis"),
    c("SET", "r_SET"),
    c("SHOW", "r_SHOW"),
    c("START TRANSACTION", "r_START_TRANSACTION"),
    c("TRUNCATE", "r_TRUNCATE"),
    c("UNLOAD", "r_UNLOAD"),
    c("UPDATE", "r_UPDATE"),
    c("USE", "r_USE_command"),
    c("VACUUM", "r_VACUUM_command"),
    // A query may start with its WITH clause (DG r_WITH_clause) or a parenthesis.
    c("WITH", "r_WITH_clause"),
];

/// Words between CREATE and the object kind that the pages document as modifiers: `CREATE OR
/// REPLACE VIEW` (r_CREATE_VIEW), `CREATE [LOCAL] { TEMPORARY | TEMP } TABLE`
/// (r_CREATE_TABLE_NEW), `CREATE OR REPLACE PROCEDURE` ...
const CREATE_MODIFIERS: &[&str] = &["OR", "REPLACE", "LOCAL", "TEMP", "TEMPORARY"];

/// The command whose leading words `words` (uppercase, unquoted words only, in order) start with;
/// the longest match wins.
pub fn find(words: &[String]) -> Option<&'static Command> {
    let mut key: Vec<&str> = Vec::with_capacity(4);
    for (i, w) in words.iter().enumerate() {
        if i > 0 && words[0] == "CREATE" && key.len() == 1 && CREATE_MODIFIERS.contains(&w.as_str())
        {
            continue;
        }
        key.push(w);
        if key.len() == 4 {
            break;
        }
    }
    COMMANDS
        .iter()
        .filter(|c| {
            let cw: Vec<&str> = c.words.split(' ').collect();
            cw.len() <= key.len() && cw[..] == key[..cw.len()]
        })
        .max_by_key(|c| c.words.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn every_command_cites_its_page_once() {
        for (i, c) in COMMANDS.iter().enumerate() {
            assert!(!c.source.is_empty() && c.words == c.words.to_ascii_uppercase());
            assert!(
                COMMANDS[..i].iter().all(|d| d.words != c.words),
                "{}",
                c.words
            );
        }
    }

    #[test]
    fn finds_commands_and_not_postgresql_s_own() {
        assert_eq!(
            find(&words("CREATE OR REPLACE VIEW V")).map(|c| c.source),
            Some("r_CREATE_VIEW")
        );
        assert_eq!(
            find(&words("CREATE LOCAL TEMP TABLE T")).map(|c| c.source),
            Some("r_CREATE_TABLE_NEW")
        );
        assert_eq!(
            find(&words("CREATE EXTERNAL MODEL M")).map(|c| c.source),
            Some("r_create_external_model")
        );
        assert_eq!(
            find(&words("ALTER GROUP G ADD")).map(|c| c.source),
            Some("r_ALTER_GROUP")
        );
        for pg_only in [
            "CREATE TRIGGER T",
            "CREATE EVENT TRIGGER T",
            "CREATE RULE R",
            "CREATE EXTENSION E",
            "CREATE INDEX I",
            "CREATE SEQUENCE S",
            "CREATE OR REPLACE TRIGGER T",
            "LISTEN C",
            "NOTIFY C",
            "DO",
            "SAVEPOINT A",
            "RELEASE A",
            "DISCARD ALL",
            "VALUES",
            "REASSIGN OWNED",
        ] {
            assert!(find(&words(pg_only)).is_none(), "{pg_only}");
        }
    }
}
