//! The command line's types, for clap: each command with only the options it uses, and the
//! output formats. Nothing here runs anything.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Output format of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Sql,
    Text,
    Json,
    /// For a pull-request comment (compile, diff, plan).
    Markdown,
}

/// Output format of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Every problem with the text underlined and a hint.
    Text,
    /// `{"format": "mlgrant.check", ...}` with file, line, column, message and hint.
    Json,
    /// GitHub Actions annotations (`::error file=...,line=...,col=...::message`).
    Github,
}

/// Output format of `report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A table per schema and a Mermaid picture of who reaches each model.
    Markdown,
    Csv,
    /// The picture as a Graphviz digraph (`dot -Tsvg`).
    Dot,
}

/// Output format of `review`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReviewFormat {
    Markdown,
    Csv,
    /// One self-contained page, sortable and filterable, for a browser.
    Html,
}

/// Output format of `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// One line a path.
    Text,
    Json,
    /// A table of the paths and a Mermaid picture of them (GitHub draws it in a comment).
    Markdown,
    /// The picture as a Graphviz digraph (`dot -Tsvg`).
    Dot,
}

/// The access model.
#[derive(Debug, Args)]
pub struct ModelArg {
    /// The access model file (`-` reads it from stdin).
    #[arg(long, default_value = "mlgrant.toml", value_name = "FILE")]
    pub config: PathBuf,
}

/// What a warning does to the exit code.
#[derive(Debug, Args)]
pub struct WarnArg {
    /// Exit 1 when there is any warning (for CI), after printing everything as usual.
    #[arg(long)]
    pub warnings_as_errors: bool,
}

/// The cluster.
#[derive(Debug, Args)]
pub struct ClusterArg {
    /// The cluster: postgres://user@host:5439/dev?sslmode=verify-full&sslrootcert=FILE. Without
    /// it, the libpq variables PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE, PGSSLROOTCERT are
    /// read; the password comes from the URL, PGPASSWORD or ~/.pgpass.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Seconds to wait for the server's answer to any one message (apply, watch) or to the whole
    /// command (plan, export, doctor, history); 0 waits forever.
    #[arg(long, default_value_t = 120, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub read_timeout: u64,
    /// IAM login to a provisioned cluster: its identifier. mlgrant asks Redshift for temporary
    /// credentials (GetClusterCredentials for --db-user, else GetClusterCredentialsWithIAM) and,
    /// unless --url gives the host, for the endpoint (DescribeClusters).
    #[arg(long, value_name = "ID", conflicts_with = "aws_workgroup")]
    pub aws_cluster: Option<String>,
    /// IAM login to a Redshift Serverless workgroup (GetCredentials; GetWorkgroup for the
    /// endpoint unless --url gives the host).
    #[arg(long, value_name = "NAME")]
    pub aws_workgroup: Option<String>,
    /// The AWS region of --aws-cluster or --aws-workgroup (else AWS_REGION or the profile's).
    #[arg(long, value_name = "REGION", conflicts_with_all = ["targets", "all_targets"])]
    pub aws_region: Option<String>,
    /// The database user GetClusterCredentials logs in as (with --aws-cluster).
    #[arg(long, value_name = "USER", requires = "aws_cluster", conflicts_with_all = ["aws_workgroup", "targets", "all_targets"])]
    pub db_user: Option<String>,
    /// Work on the target NAME of the model's [targets] (repeatable), instead of --url.
    #[arg(long = "target", value_name = "NAME", value_hint = clap::ValueHint::Other, conflicts_with_all = ["url", "aws_cluster", "aws_workgroup"])]
    pub targets: Vec<String>,
    /// Work on every target of the model's [targets].
    #[arg(long, conflicts_with_all = ["url", "targets", "aws_cluster", "aws_workgroup"])]
    pub all_targets: bool,
    /// How many targets to work on at once.
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// The model file whose [targets] export, doctor and history read (plan and apply read
    /// --config's).
    #[arg(long, value_name = "FILE")]
    pub targets_from: Option<PathBuf>,
}

impl ClusterArg {
    /// The cluster at `url`, with the defaults of the command line.
    pub fn from_url(url: &str) -> ClusterArg {
        ClusterArg {
            url: Some(url.to_owned()),
            read_timeout: 120,
            aws_cluster: None,
            aws_workgroup: None,
            aws_region: None,
            db_user: None,
            targets: Vec::new(),
            all_targets: false,
            jobs: 4,
            targets_from: None,
        }
    }

    /// The IAM login asked for (none set when there is none).
    pub fn iam(&self) -> crate::connect::IamLogin {
        crate::connect::IamLogin {
            cluster: self.aws_cluster.clone(),
            workgroup: self.aws_workgroup.clone(),
            region: self.aws_region.clone(),
            db_user: self.db_user.clone(),
        }
    }

    /// Whether targets of the model were asked for.
    pub fn many(&self) -> bool {
        self.all_targets || !self.targets.is_empty()
    }
}

/// The output format of a plan.
#[derive(Debug, Args)]
pub struct FormatArg {
    /// Output format: sql (the default when stdout is not a terminal), text (the default on a
    /// terminal) or json.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

/// Keeps Amazon Redshift ML access as code.
#[derive(Debug, Parser)]
#[command(name = "mlgrant", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// The time expiring entries (`until`) are judged at, in UTC: 2027-01-31 or
    /// 2027-01-31T12:00:00Z. Default: now. Reproduces a plan made at that time.
    #[arg(long, global = true, value_name = "TIME", value_parser = super::clock::parse)]
    pub as_of: Option<crate::model::Instant>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate the access model; report every problem with file:line:column.
    Check {
        #[command(flatten)]
        model: ModelArg,
        /// text (for people), json, or github (annotations on a pull request's lines).
        #[arg(long, value_enum, default_value = "text")]
        format: CheckFormat,
        /// Warn about expiring entries that end this soon (90d, 12h, 2w), besides those that
        /// have ended.
        #[arg(long, default_value = "14d", value_name = "SPAN", value_parser = super::clock::parse_span)]
        expiring_within: i64,
        #[command(flatten)]
        warn: WarnArg,
    },
    /// Write a commented starter access model (never over an existing file), with the JSON
    /// Schema editors read beside it; or, with --from-cluster, what a cluster holds (as export).
    Init {
        /// The file to write (`-` prints it on stdout).
        #[arg(long, default_value = "mlgrant.toml", value_name = "FILE")]
        config: PathBuf,
        /// Write the cluster's current ML access (as `mlgrant export`) instead of the starter.
        #[arg(long)]
        from_cluster: bool,
        /// With --from-cluster: what a login that cannot see everything sees (as `export
        /// --partial`).
        #[arg(long, requires = "from_cluster")]
        partial: bool,
        #[command(flatten)]
        cluster: ClusterArg,
    },
    /// Print the JSON Schema of the access model (for editors: taplo, Even Better TOML).
    Schema,
    /// Print the full idempotent GRANT script the access model requires.
    Compile {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        format: FormatArg,
        #[command(flatten)]
        warn: WarnArg,
    },
    /// Print the GRANTs and REVOKEs between two versions of an access model.
    Diff {
        /// The access models before and after the change (OLD NEW); with --git, only NEW.
        #[arg(num_args = 1..=2, required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Read the old version of NEW from git at revision REV (`git show REV:NEW`), labelled
        /// `REV:NEW` in the output.
        #[arg(long, value_name = "REV")]
        git: Option<String>,
        #[command(flatten)]
        format: FormatArg,
        /// Exit 0 when the two require the same, 2 when they differ, 1 on error.
        #[arg(long)]
        exit_code: bool,
        #[command(flatten)]
        warn: WarnArg,
    },
    /// Read the cluster and print the changes that would make it match the model.
    Plan {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        cluster: ClusterArg,
        #[command(flatten)]
        format: FormatArg,
        /// Exit 0 when in sync, 2 when changes are pending, 3 when nothing this login can plan
        /// is pending but something is held back (see the notes), 1 on error.
        #[arg(long)]
        exit_code: bool,
        /// Also save the plan to FILE, for `apply --plan FILE` after review.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        warn: WarnArg,
    },
    /// Plan again under a lock and apply in one transaction, with an audit record; then verify.
    Apply {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        cluster: ClusterArg,
        #[command(flatten)]
        format: FormatArg,
        /// Apply without asking (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Apply exactly the plan saved by `plan --out FILE` (no question: it was reviewed);
        /// refused when the cluster, the model or the managed catalog changed since.
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
        /// With --plan: show the plan and ask all the same.
        #[arg(long, requires = "plan")]
        ask: bool,
        /// Rehearse: the whole apply on the cluster (migrations, lock, every statement, the
        /// read-back, the audit rows) in one transaction that is then rolled back. Prints what
        /// would have been committed and what the server said to each statement; exit 0 only
        /// when all of it would have committed. Changes nothing, and asks nothing.
        #[arg(long, conflicts_with = "ask")]
        rehearse: bool,
        /// Statements per round trip.
        #[arg(long, default_value_t = 1000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000))]
        batch_size: u64,
        /// Seconds to wait for the apply lock before giving up (nothing changed).
        #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
        lock_timeout: u64,
        /// One line per batch on stderr when it is not a terminal (a terminal gets a progress
        /// bar).
        #[arg(long)]
        verbose: bool,
        /// Apply only what entries whose `until` has passed call for (their revokes and member
        /// drops), nothing else: for a nightly job. Recorded with outcome `expired`.
        #[arg(long, conflicts_with = "plan")]
        only_expired: bool,
    },
    /// Take back what an applied run did: revoke what it granted and grant back what it revoked
    /// (from mlgrant's ledger), through apply's own path: shown and asked, under the lock,
    /// read back, audited. Refused when a later run changed the same privileges, unless --force.
    Revert {
        /// The run to revert (its id, or a unique prefix; `mlgrant history` lists them).
        #[arg(value_name = "RUN")]
        run: String,
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        cluster: ClusterArg,
        #[command(flatten)]
        format: FormatArg,
        /// Revert without asking (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Revert privileges that later runs changed again, too.
        #[arg(long)]
        force: bool,
        /// Rehearse the revert: run it all in a transaction that is rolled back.
        #[arg(long)]
        rehearse: bool,
    },
    /// Prove, read-only and in a rolled-back transaction, every Redshift behaviour sync relies
    /// on; exit 0 when all hold, 1 otherwise.
    Doctor {
        #[command(flatten)]
        cluster: ClusterArg,
        /// text or json.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Write the cluster's current ML access as an access model (TOML) on stdout.
    Export {
        #[command(flatten)]
        cluster: ClusterArg,
        /// Export what a login that cannot see everything sees: the model says it is partial
        /// and is grant-only, so a sync of it never revokes.
        #[arg(long)]
        partial: bool,
    },
    /// Who can run a model, or what a grantee can create and run, and why: from the model, or
    /// with --url from the cluster (membership and nested roles expanded).
    Explain {
        #[command(subcommand)]
        subject: ExplainSubject,
        /// The access model file (offline, without --url).
        #[arg(
            long,
            global = true,
            default_value = "mlgrant.toml",
            value_name = "FILE"
        )]
        config: PathBuf,
        /// The cluster; without it, the answer comes from the model file.
        #[arg(long, global = true, value_name = "URL")]
        url: Option<String>,
        /// text (the default), json, markdown (with a Mermaid picture) or dot (Graphviz).
        #[arg(long, global = true, value_enum)]
        format: Option<ExplainFormat>,
    },
    /// The access matrix: who can run which model, per schema, as Markdown, CSV or DOT; from the
    /// model, or with --url from the cluster (every user, membership and roles expanded).
    Report {
        /// The access model file (offline, without --url).
        #[arg(long, default_value = "mlgrant.toml", value_name = "FILE")]
        config: PathBuf,
        /// The cluster; without it, the matrix comes from the model file.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// markdown (with a Mermaid picture per schema), csv, or dot (Graphviz).
        #[arg(long, value_enum, default_value = "markdown")]
        format: ReportFormat,
    },
    /// Print the IAM policies the Redshift ML setup needs, from the model's [iam] section.
    Iam {
        /// The access model file.
        #[arg(
            long,
            global = true,
            default_value = "mlgrant.toml",
            value_name = "FILE"
        )]
        config: PathBuf,
        /// json, or text (`managed` prints one ARN a line).
        #[arg(long, global = true, value_enum)]
        format: Option<Format>,
        /// One role: `default` ([iam]'s own) or the NAME of an [iam.roles.NAME] section.
        /// cloudformation and terraform make every role unless told one.
        #[arg(long, global = true, value_name = "NAME")]
        role: Option<String>,
        /// Every role's document, as one JSON object keyed by role name.
        #[arg(long, global = true, conflicts_with = "role")]
        all: bool,
        #[command(subcommand)]
        policy: IamPolicy,
    },
    /// Print a shell completion script on stdout (bash, zsh, fish, powershell or elvish).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print mlgrant's man page (roff) on stdout: `mlgrant man > mlgrant.1`.
    Man,
    /// Who used which managed model: `usage collect` reads the cluster's query history since
    /// the last collection into mlgrant's schema (a superuser login).
    Usage {
        #[command(subcommand)]
        action: UsageAction,
    },
    /// The access review: each right the model grants (EXECUTE on a model, CREATE MODEL), its
    /// rule (file:line), whether it is held, since when (the ledger), its last use (from `usage
    /// collect`) and when it ends; as Markdown, CSV or one HTML page.
    Review {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        cluster: ClusterArg,
        /// markdown, csv, or html (one self-contained page).
        #[arg(long, value_enum, default_value = "markdown")]
        format: ReviewFormat,
        /// Only rights nobody they reach has used for this long (`90d`, `12w`), or ever.
        #[arg(long, value_name = "SPAN", value_parser = super::clock::parse_span)]
        unused: Option<i64>,
    },
    /// Keep new and recreated models reachable: poll the model inventory every interval and
    /// apply only the EXECUTE grants the model requires on models holding none of them
    /// (audited, outcome `watch`); report all other drift as JSON lines, never apply it.
    Watch(super::watch_cmd::WatchArgs),
    /// Show the audit log of applied runs, newest first, or one run with its statements.
    History {
        #[command(flatten)]
        cluster: ClusterArg,
        /// text or json.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// One run (its run_id, or a unique prefix of it): its record and every statement.
        run: Option<String>,
        /// How many runs to show (1 to 100000).
        #[arg(long, default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsageAction {
    /// Read SYS_QUERY_HISTORY since the last collection: calls of the managed models'
    /// prediction functions and CREATE MODEL, per user and model, into mlgrant.usage.
    Collect {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        cluster: ClusterArg,
        /// text or json.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExplainSubject {
    /// Who can run SCHEMA.MODEL, and why.
    Model {
        /// The model, as a key of the access model (`demo_ml.churn`, `'"odd.schema".m'`).
        name: String,
    },
    /// What a grantee (a group, `user:NAME`, `role:NAME` or `public`) can create and run.
    Grantee {
        /// The grantee reference.
        reference: String,
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
    /// A CloudFormation template (JSON) that makes the role with its policies.
    Cloudformation,
    /// The same as Terraform's JSON syntax (`.tf.json`) for the AWS provider.
    Terraform,
}
