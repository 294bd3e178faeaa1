//! cli: the command line. Parses arguments, runs one command (one function each, in
//! `commands`), turns errors into messages on stderr and exit codes (0 success, 1 error). The
//! only module that prints. Whether to color is anstream's decision (none when the stream is not
//! a terminal or `NO_COLOR` is set, forced with `CLICOLOR_FORCE`); output is written as rendered,
//! never filtered, so SQL written to a file or pipe is exactly the SQL.

mod apply;
mod check;
mod children;
mod clock;
mod commands;
mod docs;
mod explain;
mod fleet;
mod iam;
mod init;
mod inspect;
mod opt;
mod plan_cmd;
mod revert;
mod review_cmd;
mod stop;
mod targets;
mod watch_cmd;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::config::ConfigError;
use crate::plan::Plan;
use crate::render;
pub use opt::{Cli, Command, Format, IamPolicy};

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

/// An error, worded for the user; control characters in it (a name from the catalog) are shown
/// escaped, keeping the message's own line breaks.
fn fail(e: impl std::fmt::Display) -> Failure {
    Failure(format!(
        "error: {}\n",
        crate::text::escape_controls_keep_lines(&e.to_string())
    ))
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        match e {
            ConfigError::Invalid(d) => Failure(d.render(color_on(&std::io::stderr()))),
            other => Failure(format!("error: {other}\n")),
        }
    }
}

/// Whether to color what goes to `stream`, as anstream decides (terminal, NO_COLOR,
/// CLICOLOR_FORCE).
fn color_on<S: anstream::stream::RawStream>(stream: &S) -> bool {
    anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never
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
    clock::set(cli.as_of);
    match commands::run(&cli) {
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
            let _ = std::io::stderr().lock().write_all(message.as_bytes());
            ExitCode::from(1)
        }
    }
}

/// Writes the plan's JSON document to stdout as it is made: a plan of 100,000 changes (or a
/// compile of a million grants) is tens of megabytes, never held whole. The run ends with
/// `code`, or fails (1) when stdout refused the document (a pipe's reader gone, a full disk),
/// as with any output.
fn stream_json(plan: &Plan, command: &str, files: &[&str], code: u8) -> Done {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = render::write_json(&mut out, plan, command, files).and_then(|()| out.flush());
    Done {
        out: String::new(),
        code: if written.is_ok() { code } else { 1 },
    }
}

/// A plan in the chosen format. On a terminal, SQL shows control characters escaped (a name
/// must not drive the terminal); written to a file or a pipe it stays exact SQL. Text escapes
/// them always; JSON escapes them as JSON does.
fn output(
    plan: &Plan,
    format: Format,
    header: &str,
    command: &str,
    files: &[&str],
    color: bool,
    terminal: bool,
) -> String {
    match format {
        Format::Sql if terminal => render::sql_for_terminal(plan, header),
        Format::Sql => render::sql(plan, header),
        Format::Text => render::text(plan, header, color),
        Format::Json => render::json(plan, command, files),
        Format::Markdown => render::markdown(plan, header),
    }
}
