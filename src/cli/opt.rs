//! The command line's types, for clap: the options every command takes, the commands, and the
//! output format. Nothing here runs anything.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Sql,
    Text,
    Json,
}

/// Keeps Amazon Redshift ML access as code.
#[derive(Debug, Parser)]
#[command(name = "mlgrant", version, about, long_about = None)]
pub struct Cli {
    /// The access model file.
    #[arg(
        long,
        global = true,
        default_value = "mlgrant.toml",
        value_name = "FILE"
    )]
    pub config: PathBuf,

    /// Output format: sql (the default when stdout is not a terminal), text (the default on a
    /// terminal) or json.
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,

    /// The cluster: postgres://user@host:5439/dev?sslmode=verify-full&sslrootcert=FILE. Without
    /// it, the libpq variables PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE, PGSSLROOTCERT are
    /// read; the password comes from the URL, PGPASSWORD or ~/.pgpass.
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate the access model; report every problem with file:line:column.
    Check,
    /// Print the full idempotent GRANT script the access model requires.
    Compile,
    /// Print the GRANTs and REVOKEs between two versions of an access model.
    Diff {
        /// The access model before the change.
        old: PathBuf,
        /// The access model after the change.
        new: PathBuf,
    },
    /// Read the cluster and print the changes that would make it match the model.
    Plan {
        /// Exit 0 when in sync, 2 when changes are pending, 3 when in sync as far as this login
        /// can see but grants to others cannot be confirmed, 1 on error.
        #[arg(long)]
        exit_code: bool,
    },
    /// Plan again under a lock and apply in one transaction, with an audit record; then verify.
    Apply {
        /// Apply without asking (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Statements per round trip.
        #[arg(long, default_value_t = 1000, value_name = "N")]
        batch_size: usize,
        /// Seconds to wait for the apply lock before giving up (nothing changed).
        #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
        lock_timeout: u64,
        /// Seconds to wait for the server's answer to any one message; 0 waits forever.
        #[arg(long, default_value_t = 120, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
        read_timeout: u64,
    },
    /// Prove, read-only and in a rolled-back transaction, every Redshift behaviour sync relies
    /// on; exit 0 when all hold, 1 otherwise.
    Doctor,
    /// Write the cluster's current ML access as an access model (TOML) on stdout.
    Export {
        /// Export what a login that cannot see everything sees: the model says it is partial
        /// and is grant-only, so a sync of it never revokes.
        #[arg(long)]
        partial: bool,
    },
    /// Print the IAM policies the Redshift ML setup needs, from the model's [iam] section.
    Iam {
        #[command(subcommand)]
        policy: IamPolicy,
    },
    /// Show the audit log of applied runs, newest first.
    History {
        /// How many runs to show (1 to 100000).
        #[arg(long, default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum IamPolicy {
    /// The restrictive permission policy (JSON, for aws iam create-policy).
    Permissions,
    /// The trust policy (JSON, for aws iam create-role --assume-role-policy-document).
    Trust,
    /// The simpler alternative: the AWS managed policies to attach, one ARN a line.
    Managed,
}
