//! One function per command. Each loads what it needs, calls the library, and returns what to
//! print; none of them prints, and none decides what to change.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::check::{check, model_warnings, strict};
use super::opt::{ClusterArg, FormatArg};
use super::{Cli, Command, Done, Failure, Format, color_on, fail, output};
use crate::config::{self, AccessModel, ConfigError};
use crate::plan::Plan;
use crate::saved;
use crate::text::sanitize;
use crate::{apply, audit, compile, connect, diff, render};

/// The format asked for, or the default for stdout: text on a terminal, SQL otherwise.
fn plan_format(arg: &FormatArg) -> Format {
    arg.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Text
    } else {
        Format::Sql
    })
}

pub(super) fn run(cli: &Cli) -> Result<Done, Failure> {
    if let Some(many) = super::targets::run(&cli.command) {
        return many;
    }
    let color = color_on(&std::io::stdout());
    match &cli.command {
        Command::Check {
            model,
            format,
            expiring_within,
            warn,
        } => check(&model.config, *format, *expiring_within)
            .map(|(done, warned)| strict(done, warned, warn)),
        Command::Completions { shell } => Ok(super::docs::completions(*shell).into()),
        Command::Man => super::docs::man().map(Into::into),
        Command::Compile {
            model,
            format,
            warn,
        } => compile_cmd(&model.config, plan_format(format), color)
            .map(|(done, warned)| strict(done, warned, warn)),
        Command::Diff {
            files,
            git,
            format,
            exit_code,
            warn,
        } => {
            let (old_model, new_model) = match (files.as_slice(), git) {
                ([old, new], None) => load_both(old, new)?,
                ([new], Some(rev)) => (from_git(rev, new)?, super::clock::load(new)?),
                ([_], None) => {
                    return Err(fail(
                        "diff needs two files (OLD NEW), or one with --git REV to compare it with its version in git",
                    ));
                }
                _ => return Err(fail("with --git REV, diff takes one file: the new version")),
            };
            diff_cmd(
                &old_model,
                &new_model,
                plan_format(format),
                color,
                *exit_code,
            )
            .map(|(done, warned)| strict(done, warned, warn))
        }
        Command::Plan {
            model,
            cluster,
            format,
            exit_code,
            out,
            warn,
        } => super::plan_cmd::plan(
            &model.config,
            cluster,
            plan_format(format),
            color,
            *exit_code,
            out.as_deref(),
        )
        .map(|(done, warned)| strict(done, warned, warn)),
        Command::Apply {
            model,
            cluster,
            format,
            yes,
            plan,
            ask,
            rehearse,
            batch_size,
            lock_timeout,
            verbose,
            only_expired,
        } => {
            let read_timeout = &cluster.read_timeout;
            let settings = apply::Settings {
                batch_size: *batch_size as usize,
                lock_timeout: Duration::from_secs(*lock_timeout),
                read_timeout: (*read_timeout > 0).then(|| Duration::from_secs(*read_timeout)),
                ask_first: ((!yes && plan.is_none()) || *ask) && !rehearse,
                rehearse: *rehearse,
                only_expired: *only_expired,
                ..apply::Settings::default()
            };
            let format = format.format.unwrap_or(if std::io::stderr().is_terminal() {
                Format::Text
            } else {
                Format::Sql
            });
            super::apply::apply_cmd(
                &model.config,
                cluster,
                settings,
                format,
                plan.as_deref(),
                *verbose,
            )
        }
        Command::Watch(args) => super::watch_cmd::watch(args, cli.as_of),
        Command::Export { cluster, partial } => super::inspect::export_cmd(cluster, *partial),
        Command::Init {
            config,
            from_cluster,
            partial,
            cluster,
        } => super::init::init(config, *from_cluster, *partial, cluster),
        Command::Schema => Ok(config::schema::text().into()),
        Command::Revert {
            run,
            model,
            cluster,
            format,
            yes,
            force,
            rehearse,
        } => super::revert::revert(
            run,
            &model.config,
            cluster,
            format.format,
            *yes,
            *force,
            *rehearse,
        ),
        Command::Doctor { cluster, format } => super::inspect::doctor(cluster, *format),
        Command::Iam {
            config,
            format,
            role,
            all,
            policy,
        } => super::iam::iam(config, policy, *format, role.as_deref(), *all),
        Command::Explain {
            subject,
            config,
            url,
            format,
        } => super::explain::explain(subject, config, url.as_deref(), *format),
        Command::Report {
            config,
            url,
            format,
        } => super::explain::report(config, url.as_deref(), *format),
        Command::Usage {
            action:
                super::opt::UsageAction::Collect {
                    model,
                    cluster,
                    format,
                },
        } => super::review_cmd::collect(&model.config, cluster, *format),
        Command::Review {
            model,
            cluster,
            format,
            unused,
        } => super::review_cmd::review(&model.config, cluster, *format, *unused),
        Command::History {
            cluster,
            format,
            run,
            limit,
        } => history(cluster, *format, run.as_deref(), *limit as usize),
    }
}

fn compile_cmd(path: &Path, format: Format, color: bool) -> Result<(Done, usize), Failure> {
    let model = super::clock::load(path)?;
    warn(&model);
    let mut plan = Plan::grant_all(&compile::compile(&model));
    plan.warnings.splice(0..0, model_warnings(&model));
    let name = model.source.name.clone();
    let mut header = format!("mlgrant compile {name}: {}, idempotent", plan.size());
    if super::clock::matters(&model) {
        header = format!("{header}, {}", super::clock::label());
    }
    let warned = render::warnings(&plan).len();
    if matches!(format, Format::Json) {
        return Ok((super::stream_json(&plan, "compile", &[&name], 0), warned));
    }
    let terminal = std::io::stdout().is_terminal();
    Ok((
        output(&plan, format, &header, "compile", &[&name], color, terminal).into(),
        warned,
    ))
}

/// The model at `path` as it was at git revision `rev`, labelled `REV:PATH`. Read with a
/// bound, like every model.
fn from_git(rev: &str, path: &Path) -> Result<AccessModel, Failure> {
    use std::io::Read;
    let label = format!("{rev}:{}", path.display());
    if rev.starts_with('-') || rev.contains(char::is_whitespace) {
        return Err(fail(format!("`{}` is not a git revision", sanitize(rev))));
    }
    let mut child = std::process::Command::new("git")
        .arg("show")
        .arg(format!("{rev}:./{}", path.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run git: {e}")))?;
    let mut text = Vec::new();
    if let Some(out) = child.stdout.take() {
        out.take(config::MAX_FILE_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(|e| fail(format!("cannot read {}: {e}", sanitize(&label))))?;
    }
    if text.len() as u64 > config::MAX_FILE_BYTES {
        let _ = child.kill();
        let _ = child.wait();
        return Err(ConfigError::TooLarge {
            path: sanitize(&label),
        }
        .into());
    }
    let status = child
        .wait_with_output()
        .map_err(|e| fail(format!("git: {e}")))?;
    if !status.status.success() {
        return Err(fail(format!(
            "git show {}: {}",
            sanitize(&label),
            sanitize(String::from_utf8_lossy(&status.stderr).trim())
        )));
    }
    let text = String::from_utf8(text)
        .map_err(|_| fail(format!("{} is not valid UTF-8", sanitize(&label))))?;
    let mut model = config::parse(&label, &text)?;
    model.as_of = Some(super::clock::now());
    Ok(model)
}

fn diff_cmd(
    old_model: &AccessModel,
    new_model: &AccessModel,
    format: Format,
    color: bool,
    exit_code: bool,
) -> Result<(Done, usize), Failure> {
    // The models either version names: "every model in S" covers them in both.
    let known: std::collections::BTreeSet<_> = old_model
        .models
        .keys()
        .chain(new_model.models.keys())
        .cloned()
        .collect();
    let mut plan = diff::between(
        &compile::compile_knowing(old_model, &known),
        new_model,
        &compile::compile_knowing(new_model, &known),
    );
    plan.warnings.splice(0..0, model_warnings(new_model));
    let mut header = format!(
        "mlgrant diff {} -> {}: {}",
        old_model.source.name,
        new_model.source.name,
        plan.size()
    );
    if super::clock::matters(old_model) || super::clock::matters(new_model) {
        header = format!("{header}, {}", super::clock::label());
    }
    let files = [
        old_model.source.name.as_str(),
        new_model.source.name.as_str(),
    ];
    let code = if exit_code && !plan.is_empty() { 2 } else { 0 };
    let warned = render::warnings(&plan).len();
    if matches!(format, Format::Json) {
        return Ok((super::stream_json(&plan, "diff", &files, code), warned));
    }
    let terminal = std::io::stdout().is_terminal();
    let out = output(&plan, format, &header, "diff", &files, color, terminal);
    Ok((Done { out, code }, warned))
}

/// The model's warnings, on stderr, each with its place.
pub(super) fn warn(model: &AccessModel) {
    for (at, message) in &model.warnings {
        eprintln!(
            "warning: {}:{at}: {}",
            sanitize(&model.source.name),
            sanitize(message)
        );
    }
}

/// The cluster a saved plan is for, as the connection target names it.
pub(super) fn saved_cluster(target: &connect::Target) -> saved::Cluster {
    saved::Cluster {
        host: target.host.clone(),
        port: target.port,
        database: target.dbname.clone(),
        user: target.user.clone(),
    }
}

fn history(
    cluster: &ClusterArg,
    format: Option<Format>,
    run: Option<&str>,
    limit: usize,
) -> Result<Done, Failure> {
    let target = target(cluster)?;
    let json = format == Some(Format::Json);
    let seconds = cluster.read_timeout;
    talk(cluster, async {
        let client = connect::connect(&target).await.map_err(fail)?;
        // An apply holds LOCK on mlgrant.apply_log until it commits, and a reader waits for it
        // (DG r_LOCK): say so rather than wait in silence.
        let say = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            eprintln!(
                "still waiting to read mlgrant.apply_log after 3 s: an apply in progress holds its lock until it commits or rolls back, and readers wait for it (or the server is slow to answer); {}",
                if seconds == 0 {
                    "waiting as long as it takes (--read-timeout 0)".to_owned()
                } else {
                    format!("giving up {seconds} s after the start (--read-timeout)")
                }
            );
        })
        .abort_handle();
        let _abort = AbortOnDrop(say);
        match run {
            None => {
                let entries = audit::history(&client, limit).await.map_err(fail)?;
                Ok(render::history(&entries, json).into())
            }
            Some(id) => {
                let (entry, statements) = audit::run(&client, id).await.map_err(fail)?;
                Ok(render::history_run(&entry, &statements, json).into())
            }
        }
    })
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs a command's conversation with the cluster, bounded by `--read-timeout` as a whole.
pub(super) fn talk<T>(
    cluster: &ClusterArg,
    fut: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    let seconds = cluster.read_timeout;
    runtime()?.block_on(async {
        if seconds == 0 {
            return fut.await;
        }
        tokio::time::timeout(Duration::from_secs(seconds), fut)
            .await
            .unwrap_or_else(|_| {
                Err(fail(format!(
                    "the server did not answer within {seconds} s (--read-timeout); nothing was changed"
                )))
            })
    })
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}")))
}

/// The connection target from --url and the environment; warnings go to stderr.
pub(super) fn target(cluster: &ClusterArg) -> Result<connect::Target, Failure> {
    let iam = cluster.iam();
    let mut target = resolve(cluster.url.as_deref(), &iam, |k| std::env::var(k).ok())?;
    for w in &target.warnings {
        eprintln!("warning: {w}");
    }
    if iam.is_set() {
        let host_given = target.host_given;
        runtime()?
            .block_on(connect::iam_login(&mut target, &iam, host_given))
            .map_err(fail)?;
    }
    Ok(target)
}

/// The connection target from `url` and the variables `env` gives, before any IAM login; its
/// warnings are in it. With IAM login the user comes from AWS: a placeholder stands in until
/// then.
pub(super) fn resolve(
    url: Option<&str>,
    iam: &connect::IamLogin,
    env: impl Fn(&str) -> Option<String>,
) -> Result<connect::Target, Failure> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let env = |k: &str| {
        env(k).or_else(|| (iam.is_set() && k == "PGUSER").then(|| "(IAM login)".to_owned()))
    };
    connect::resolve(url, &env, home.as_deref()).map_err(fail)
}

/// Loads two files and reports the problems of both before failing.
fn load_both(old: &Path, new: &Path) -> Result<(AccessModel, AccessModel), Failure> {
    match (config::load(old), super::clock::load(new)) {
        (Ok(mut a), Ok(b)) => {
            a.as_of = Some(super::clock::now());
            Ok((a, b))
        }
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e.into()),
        (Err(a), Err(b)) => {
            let (Failure(a), Failure(b)) = (a.into(), b.into());
            Err(Failure(a + &b))
        }
    }
}
