//! cli: the command line. Parses arguments, runs a command, turns errors into messages on stderr
//! and exit codes (0 success, 1 error). The only module that prints.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::compile::{Compiled, compile};
use crate::config::{self, AccessModel, ConfigError};
use crate::diff::{self, diff};
use crate::plan::{Membership, Plan};
use crate::render::{self, Format};
use crate::{apply, audit, catalog, connect, export};

/// Keeps Amazon Redshift ML access as code.
#[derive(Debug, Parser)]
#[command(name = "mlgrant", version, about, long_about = None)]
struct Cli {
    /// The access model file.
    #[arg(
        long,
        global = true,
        default_value = "mlgrant.toml",
        value_name = "FILE"
    )]
    config: PathBuf,

    /// Output format: sql (the default when stdout is not a terminal), text (the default on a
    /// terminal) or json.
    #[arg(long, global = true, value_enum)]
    format: Option<Format>,

    /// The cluster: postgres://user@host:5439/dev?sslmode=verify-full&sslrootcert=FILE. Without
    /// it, the libpq variables PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE, PGSSLROOTCERT are
    /// read; the password comes from the URL, PGPASSWORD or ~/.pgpass.
    #[arg(long, global = true, value_name = "URL")]
    url: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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
        /// Exit 0 when in sync, 2 when changes are pending, 1 on error.
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
    },
    /// Write the cluster's current ML access as an access model (TOML) on stdout.
    Export,
    /// Print the IAM policies the Redshift ML setup needs, from the model's [iam] section.
    Iam {
        #[command(subcommand)]
        policy: IamPolicy,
    },
    /// Show the audit log of applied runs, newest first.
    History {
        /// How many runs to show.
        #[arg(long, default_value_t = 20, value_name = "N")]
        limit: usize,
    },
}

#[derive(Debug, Subcommand)]
enum IamPolicy {
    /// The restrictive permission policy (JSON, for aws iam create-policy).
    Permissions,
    /// The trust policy (JSON, for aws iam create-role --assume-role-policy-document).
    Trust,
    /// The simpler alternative: the AWS managed policies to attach, one ARN a line.
    Managed,
}

/// A failure, already worded for the user, with its exit code.
struct Failure(String);

/// What a command printed and the exit code it asks for.
struct Done {
    out: String,
    code: u8,
}

impl From<String> for Done {
    fn from(out: String) -> Self {
        Done { out, code: 0 }
    }
}

fn fail(e: impl std::fmt::Display) -> Failure {
    Failure(format!("error: {e}\n"))
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        match e {
            ConfigError::Invalid(d) => Failure(d.render(color_for(&std::io::stderr()))),
            other => Failure(format!("error: {other}\n")),
        }
    }
}

fn color_for(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs mlgrant with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(&cli) {
        Ok(Done { out, code }) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::from(1);
            }
            ExitCode::from(code)
        }
        Err(Failure(message)) => {
            let _ = std::io::stderr().write_all(message.as_bytes());
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> Result<Done, Failure> {
    let stdout = std::io::stdout();
    let format = cli.format.unwrap_or(if stdout.is_terminal() {
        Format::Text
    } else {
        Format::Sql
    });
    let color = color_for(&stdout);
    match &cli.command {
        Command::Check => {
            let model = config::load(&cli.config)?;
            let compiled = compile(&model);
            let statements = grant_plan(&compiled).steps.len();
            Ok(format!(
                "{}: ok: {} group{}, {} schema{}, {} model{}; {} privilege{} in {} statement{}\n",
                config::sanitize(&model.source.name),
                model.groups.len(),
                plural(model.groups.len()),
                model.schemas.len(),
                plural(model.schemas.len()),
                model.models.len(),
                plural(model.models.len()),
                compiled.grants.len(),
                plural(compiled.grants.len()),
                statements,
                plural(statements),
            )
            .into())
        }
        Command::Compile => {
            let model = config::load(&cli.config)?;
            let compiled = compile(&model);
            let plan = grant_plan(&compiled);
            let name = model.source.name.clone();
            let header = format!(
                "mlgrant compile {name}: {} statement{}, idempotent",
                plan.steps.len(),
                plural(plan.steps.len())
            );
            Ok(output(&plan, format, &header, "compile", &[&name], color).into())
        }
        Command::Diff { old, new } => {
            let (old_model, new_model) = load_both(old, new)?;
            let old_c = compile(&old_model);
            let new_c = compile(&new_model);
            let plan = diff(&old_model, &old_c, &new_model, &new_c);
            let header = format!(
                "mlgrant diff {} -> {}: {} statement{}",
                old_model.source.name,
                new_model.source.name,
                plan.steps.len(),
                plural(plan.steps.len())
            );
            Ok(output(
                &plan,
                format,
                &header,
                "diff",
                &[&old_model.source.name, &new_model.source.name],
                color,
            )
            .into())
        }
        Command::Plan { exit_code } => {
            let model = config::load(&cli.config)?;
            let target = target(cli)?;
            let plan = runtime()?.block_on(async {
                let client = connect::connect(&target).await.map_err(fail)?;
                let cluster = catalog::read(&client, "").await.map_err(fail)?;
                diff::sync(&model, &cluster).map_err(fail)
            })?;
            let header = format!(
                "mlgrant plan {} against {}: {} statement{}",
                model.source.name,
                target.describe(),
                plan.steps.len(),
                plural(plan.steps.len())
            );
            let out = output(&plan, format, &header, "plan", &[&model.source.name], color);
            let code = if *exit_code && !plan.is_empty() { 2 } else { 0 };
            Ok(Done { out, code })
        }
        Command::Apply { yes, batch_size } => {
            let interactive = std::io::stdin().is_terminal();
            if !yes && !interactive {
                return Err(fail(
                    "apply asks before it changes anything: pass --yes when stdin is not a terminal",
                ));
            }
            let model = config::load(&cli.config)?;
            let model_text = model.source.text.clone();
            let target = target(cli)?;
            let settings = apply::Settings {
                batch_size: *batch_size,
                ..apply::Settings::default()
            };
            let describe = target.describe();
            let mut confirm = |plan: &Plan| {
                let header = format!(
                    "mlgrant apply {} to {describe}: {} statement{}",
                    model.source.name,
                    plan.steps.len(),
                    plural(plan.steps.len())
                );
                let shown = output(plan, format, &header, "apply", &[&model.source.name], color);
                if *yes {
                    let mut err = std::io::stderr().lock();
                    let _ = err.write_all(shown.as_bytes());
                    return true;
                }
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(shown.as_bytes());
                let _ = write!(out, "Apply these {} changes? [y/N] ", plan.steps.len());
                let _ = out.flush();
                let mut answer = String::new();
                let _ = std::io::stdin().read_line(&mut answer);
                matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
            };
            let outcome = runtime()?.block_on(async {
                let client = connect::connect(&target).await.map_err(fail)?;
                apply::apply(&client, &model, &model_text, &settings, &mut confirm)
                    .await
                    .map_err(fail)
            })?;
            Ok(match &outcome.run {
                None => format!("{describe}: nothing to change\n").into(),
                Some(run) => format!(
                    "applied {} statement{} to {describe} in one transaction (run {}); verified in sync\n",
                    outcome.plan.steps.len(),
                    plural(outcome.plan.steps.len()),
                    run.run_id
                )
                .into(),
            })
        }
        Command::Export => {
            let target = target(cli)?;
            let text = runtime()?.block_on(async {
                let client = connect::connect(&target).await.map_err(fail)?;
                let cluster = catalog::read(&client, "").await.map_err(fail)?;
                export::export(&cluster, &target.describe()).map_err(fail)
            })?;
            Ok(text.into())
        }
        Command::Iam { policy } => {
            let model = config::load(&cli.config)?;
            let Some(iam) = &model.iam else {
                return Err(fail(format!(
                    "{} has no [iam] section: add one with account_id, role_name, region and s3_bucket (see the README, \"From nothing to CREATE MODEL\")",
                    config::sanitize(&model.source.name)
                )));
            };
            let pretty = |v: serde_json::Value| {
                let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
                s.push('\n');
                s
            };
            Ok(match policy {
                IamPolicy::Permissions => pretty(iam.permission_policy()),
                IamPolicy::Trust => pretty(iam.trust_policy()),
                IamPolicy::Managed => match format {
                    Format::Json => pretty(serde_json::json!(iam.managed_policies())),
                    _ => iam.managed_policies().join("\n") + "\n",
                },
            }
            .into())
        }
        Command::History { limit } => {
            let target = target(cli)?;
            let entries = runtime()?.block_on(async {
                let client = connect::connect(&target).await.map_err(fail)?;
                audit::history(&client, *limit).await.map_err(fail)
            })?;
            Ok(history_output(&entries, format).into())
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}")))
}

/// The connection target from --url and the environment; warnings go to stderr.
fn target(cli: &Cli) -> Result<connect::Target, Failure> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let env = |k: &str| std::env::var(k).ok();
    let target = connect::resolve(cli.url.as_deref(), &env, home.as_deref()).map_err(fail)?;
    for w in &target.warnings {
        eprintln!("warning: {w}");
    }
    Ok(target)
}

fn history_output(entries: &[audit::LogEntry], format: Format) -> String {
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "format": "mlgrant.history",
                "version": 1,
                "runs": entries,
            });
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        _ => {
            if entries.is_empty() {
                return "no applied runs recorded on this cluster\n".to_owned();
            }
            let mut out = String::from(
                "applied_at (UTC)            user             statements  grants  revokes  run_id                            model_file\n",
            );
            for e in entries {
                out.push_str(&format!(
                    "{:<27} {:<16} {:>10}  {:>6}  {:>7}  {:<32}  {}\n",
                    e.applied_at,
                    config::sanitize(&e.db_user),
                    e.statements,
                    e.grants,
                    e.revokes,
                    e.run_id,
                    config::sanitize(&e.model_file)
                ));
            }
            out
        }
    }
}

/// Loads two files and reports the problems of both before failing.
fn load_both(old: &Path, new: &Path) -> Result<(AccessModel, AccessModel), Failure> {
    match (config::load(old), config::load(new)) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e.into()),
        (Err(a), Err(b)) => {
            let (Failure(a), Failure(b)) = (a.into(), b.into());
            Err(Failure(a + &b))
        }
    }
}

fn output(
    plan: &Plan,
    format: Format,
    header: &str,
    command: &str,
    files: &[&str],
    color: bool,
) -> String {
    match format {
        Format::Sql => render::sql(plan, header),
        Format::Text => render::text(plan, header, color),
        Format::Json => render::json(plan, command, files),
    }
}

/// The plan that grants everything a compiled model requires, as `compile` prints it.
fn grant_plan(compiled: &Compiled) -> Plan {
    Plan::build(
        Membership::default(),
        &compiled.forbidden,
        &compiled.grants,
        compiled.notes.clone(),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
