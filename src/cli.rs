//! cli: the command line. Parses arguments, runs a command, turns errors into messages on stderr
//! and exit codes (0 success, 1 error). The only module that prints.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::compile::{Compiled, compile};
use crate::config::{self, AccessModel, ConfigError};
use crate::diff::diff;
use crate::plan::{Membership, Plan};
use crate::render::{self, Format};

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
}

/// A failure, already worded for the user.
struct Failure(String);

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
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(Failure(message)) => {
            let _ = std::io::stderr().write_all(message.as_bytes());
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> Result<String, Failure> {
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
            ))
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
            Ok(output(&plan, format, &header, "compile", &[&name], color))
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
            ))
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
        &Default::default(),
        &compiled.grants,
        compiled.notes.clone(),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
