//! One function per command. Each loads what it needs, calls the library, and returns what to
//! print; none of them prints, and none decides what to change.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Cli, Command, Done, Failure, Format, IamPolicy, color_on, fail, output};
use crate::config::{self, AccessModel};
use crate::plan::Plan;
use crate::text::{plural, sanitize};
use crate::{apply, audit, catalog, compile, connect, diff, export, render};

pub(super) fn run(cli: &Cli) -> Result<Done, Failure> {
    let stdout = std::io::stdout();
    let format = cli.format.unwrap_or(if stdout.is_terminal() {
        Format::Text
    } else {
        Format::Sql
    });
    let color = color_on(&stdout);
    match &cli.command {
        Command::Check => check(cli),
        Command::Compile => compile_cmd(cli, format, color),
        Command::Diff { old, new } => diff_cmd(old, new, format, color),
        Command::Plan { exit_code } => plan(cli, *exit_code, format, color),
        Command::Apply {
            yes,
            batch_size,
            lock_timeout,
            read_timeout,
        } => {
            let settings = apply::Settings {
                batch_size: *batch_size,
                lock_timeout: Duration::from_secs(*lock_timeout),
                read_timeout: (*read_timeout > 0).then(|| Duration::from_secs(*read_timeout)),
                ask_first: !yes,
                ..apply::Settings::default()
            };
            apply_cmd(cli, settings, format)
        }
        Command::Export { partial } => export_cmd(cli, *partial),
        Command::Doctor => doctor(cli, format),
        Command::Iam { policy } => iam(cli, policy, format),
        Command::History { limit } => history(cli, *limit as usize, format),
    }
}

fn check(cli: &Cli) -> Result<Done, Failure> {
    let model = config::load(&cli.config)?;
    let desired = compile::compile(&model);
    let statements = Plan::grant_all(&desired).steps.len();
    Ok(format!(
        "{}: ok: {} group{}, {} schema{}, {} model{}; {} privilege{} in {} statement{}\n",
        sanitize(&model.source.name),
        model.groups.len(),
        plural(model.groups.len()),
        model.schemas.len(),
        plural(model.schemas.len()),
        model.models.len(),
        plural(model.models.len()),
        desired.grants.len(),
        plural(desired.grants.len()),
        statements,
        plural(statements),
    )
    .into())
}

fn compile_cmd(cli: &Cli, format: Format, color: bool) -> Result<Done, Failure> {
    let model = config::load(&cli.config)?;
    let plan = Plan::grant_all(&compile::compile(&model));
    let name = model.source.name.clone();
    let header = format!(
        "mlgrant compile {name}: {} statement{}, idempotent",
        plan.steps.len(),
        plural(plan.steps.len())
    );
    let terminal = std::io::stdout().is_terminal();
    Ok(output(&plan, format, &header, "compile", &[&name], color, terminal).into())
}

fn diff_cmd(old: &Path, new: &Path, format: Format, color: bool) -> Result<Done, Failure> {
    let (old_model, new_model) = load_both(old, new)?;
    let plan = diff::between(
        &compile::compile(&old_model),
        &new_model,
        &compile::compile(&new_model),
    );
    let header = format!(
        "mlgrant diff {} -> {}: {} statement{}",
        old_model.source.name,
        new_model.source.name,
        plan.steps.len(),
        plural(plan.steps.len())
    );
    let files = [
        old_model.source.name.as_str(),
        new_model.source.name.as_str(),
    ];
    let terminal = std::io::stdout().is_terminal();
    Ok(output(&plan, format, &header, "diff", &files, color, terminal).into())
}

fn plan(cli: &Cli, exit_code: bool, format: Format, color: bool) -> Result<Done, Failure> {
    let model = config::load(&cli.config)?;
    let target = target(cli)?;
    let plan = runtime()?.block_on(async {
        let client = connect::connect(&target).await.map_err(fail)?;
        let cluster = catalog::read(&client, "", 0).await.map_err(fail)?;
        diff::sync(&model, &cluster).map_err(fail)
    })?;
    let header = format!(
        "mlgrant plan {} against {}: {} statement{}",
        model.source.name,
        target.describe(),
        plan.steps.len(),
        plural(plan.steps.len())
    );
    let terminal = std::io::stdout().is_terminal();
    let files = [model.source.name.as_str()];
    let out = output(&plan, format, &header, "plan", &files, color, terminal);
    // 0 in sync, 2 changes pending, 3 nothing this login can plan is pending but something is
    // held back (grants it cannot confirm, revokes it may not make, models not ready).
    let held_back = !plan.unverified.is_empty() || plan.withheld > 0;
    let code = match (exit_code, plan.is_empty(), held_back) {
        (false, _, _) | (true, true, false) => 0,
        (true, false, _) => 2,
        (true, true, true) => 3,
    };
    Ok(Done { out, code })
}

/// What apply shows and asks, on stderr: stdout carries only the result.
struct Asker<'a> {
    model: &'a config::AccessModel,
    describe: &'a str,
    format: Format,
    color: bool,
    yes: bool,
}

impl apply::Prompt for Asker<'_> {
    fn confirm(&mut self, plan: &Plan) -> bool {
        let header = format!(
            "mlgrant apply {} to {}: {} statement{}",
            self.model.source.name,
            self.describe,
            plan.steps.len(),
            plural(plan.steps.len())
        );
        let files = [self.model.source.name.as_str()];
        let terminal = std::io::stderr().is_terminal();
        let shown = output(
            plan,
            self.format,
            &header,
            "apply",
            &files,
            self.color,
            terminal,
        );
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(shown.as_bytes());
        if self.yes {
            return true;
        }
        let _ = write!(
            err,
            "Apply these {} change{}? [y/N] ",
            plan.steps.len(),
            plural(plan.steps.len())
        );
        let _ = err.flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
    }

    fn waiting(&mut self, message: &str) {
        eprintln!("{}", sanitize(message));
    }
}

fn apply_cmd(cli: &Cli, mut settings: apply::Settings, format: Format) -> Result<Done, Failure> {
    let yes = !settings.ask_first;
    let interactive = std::io::stdin().is_terminal();
    if !yes && !interactive {
        return Err(fail(
            "apply asks before it changes anything: pass --yes when stdin is not a terminal",
        ));
    }
    let model = config::load(&cli.config)?;
    let model_text = model.source.text.clone();
    let target = target(cli)?;
    settings.audit_owner = model
        .policy
        .audit_owner
        .as_ref()
        .map(|n| n.as_str().to_owned());
    let describe = target.describe();
    let mut asker = Asker {
        model: &model,
        describe: &describe,
        format,
        color: color_on(&std::io::stderr()),
        yes,
    };
    let outcome = runtime()?.block_on(async {
        let (client, notices) = connect::connect_with_notices(&target).await.map_err(fail)?;
        apply::apply(
            &client,
            Some(&notices),
            &model,
            &model_text,
            &settings,
            &mut asker,
        )
        .await
        .map_err(fail)
    })?;
    let plan = &outcome.plan;
    let held_back = match (plan.unverified.len(), plan.withheld) {
        (0, 0) => String::new(),
        (unverified, withheld) => format!(
            "; held back as the plan's notes say: {unverified} grant{} this login cannot confirm, {withheld} other change{}",
            plural(unverified),
            plural(withheld)
        ),
    };
    Ok(match &outcome.run {
        None => format!("{describe}: nothing to change{held_back}\n").into(),
        Some(run) => format!(
            "applied {} statement{} to {describe} in one transaction (run {}); verified{}\n",
            plan.steps.len(),
            plural(plan.steps.len()),
            run.run_id,
            if held_back.is_empty() {
                " in sync".to_owned()
            } else {
                held_back
            }
        )
        .into(),
    })
}

fn export_cmd(cli: &Cli, partial: bool) -> Result<Done, Failure> {
    let target = target(cli)?;
    let text = runtime()?.block_on(async {
        let client = connect::connect(&target).await.map_err(fail)?;
        let cluster = catalog::read(&client, "", 0).await.map_err(fail)?;
        export::export(&cluster, &target.describe(), partial).map_err(fail)
    })?;
    Ok(text.into())
}

fn doctor(cli: &Cli, format: Format) -> Result<Done, Failure> {
    let target = target(cli)?;
    let checks = runtime()?.block_on(async {
        let client = connect::connect(&target).await.map_err(fail)?;
        Ok::<_, Failure>(crate::doctor::run(&client).await)
    })?;
    let ok = checks.iter().all(|c| c.passed);
    let out = crate::doctor::report(&checks, &target.describe(), format == Format::Json);
    Ok(Done {
        out,
        code: if ok { 0 } else { 1 },
    })
}

fn iam(cli: &Cli, policy: &IamPolicy, format: Format) -> Result<Done, Failure> {
    let model = config::load(&cli.config)?;
    let Some(iam) = &model.iam else {
        return Err(fail(format!(
            "{} has no [iam] section: add one with account_id, role_name, region and s3_bucket (see the README, \"From nothing to a working CREATE MODEL\")",
            sanitize(&model.source.name)
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

fn history(cli: &Cli, limit: usize, format: Format) -> Result<Done, Failure> {
    let target = target(cli)?;
    let entries = runtime()?.block_on(async {
        let client = connect::connect(&target).await.map_err(fail)?;
        audit::history(&client, limit).await.map_err(fail)
    })?;
    Ok(render::history(&entries, format == Format::Json).into())
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
