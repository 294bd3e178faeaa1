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

/// What `--help` does not say: exit codes, the environment and the files mlgrant reads.
const EXTRA: &str = r#".SH "EXIT STATUS"
.TP
0
Success; a plan with nothing to change.
.TP
1
An error: a bad model file, a bad command line, a cluster that refuses; with several targets, any target that failed.
.TP
2
\fBplan \-\-exit\-code\fR or \fBdiff \-\-exit\-code\fR with changes pending; with several targets, any target with changes pending.
.TP
3
\fBplan \-\-exit\-code\fR with only held\-back changes.
.SH ENVIRONMENT
.TP
PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT
Where the cluster is when \fB\-\-url\fR leaves it out, as libpq reads them.
.TP
PGSERVICE, PGSERVICEFILE, PGSYSCONFDIR
A section of pg_service.conf, between \fB\-\-url\fR and the variables above.
.TP
PGPASSFILE
The password file (default ~/.pgpass).
.TP
AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL
The AWS SDK's settings, for IAM login (\fB\-\-aws\-cluster\fR, \fB\-\-aws\-workgroup\fR).
.TP
NO_COLOR
No color, even on a terminal.
.SH FILES
.TP
mlgrant.toml
The access model (\fB\-\-config\fR), with its [targets].
.TP
~/.pgpass, ~/.pg_service.conf
The password file and the connection service file.
"#;

/// The man page, roff, with a section per subcommand.
pub(super) fn man() -> Result<String, Failure> {
    let cmd = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut page)
        .map_err(|e| fail(format!("cannot write the man page: {e}")))?;
    // The subcommands are sections of this page, not pages of their own.
    let mut out = String::from_utf8_lossy(&page)
        .replace("(1)", "")
        .into_bytes();
    out.extend_from_slice(EXTRA.as_bytes());
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
