//! Shell completions (clap_complete) and the man page (clap_mangen), made from the same command
//! line definition as `--help`, so that they never drift from it.

use clap::CommandFactory;

use super::opt::Cli;
use super::{Failure, fail};

/// The completion script for `shell`.
pub(super) fn completions(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mlgrant", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The man page, roff, with a section per subcommand.
pub(super) fn man() -> Result<String, Failure> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut out)
        .map_err(|e| fail(format!("cannot write the man page: {e}")))?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("mlgrant {}", sub.get_name());
        let page = clap_mangen::Man::new(sub.clone());
        // One page: each subcommand as a section of the same document.
        let mut section = Vec::new();
        page.render_name_section(&mut section)
            .and_then(|()| page.render_synopsis_section(&mut section))
            .and_then(|()| page.render_description_section(&mut section))
            .and_then(|()| page.render_options_section(&mut section))
            .map_err(|e| fail(format!("cannot write the man page: {e}")))?;
        let text = String::from_utf8_lossy(&section)
            .replace(".SH NAME", &format!(".SH \"{}\"", name.to_uppercase()))
            .replace(".SH SYNOPSIS", ".SS Synopsis")
            .replace(".SH DESCRIPTION", ".SS Description")
            .replace(".SH OPTIONS", ".SS Options");
        out.extend_from_slice(text.as_bytes());
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}
