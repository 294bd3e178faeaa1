//! `mlgrant apply`: what it shows and asks (on stderr), and what it prints when done.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::commands::{runtime, saved_cluster, target};
use super::opt::ClusterArg;
use super::{Done, Failure, Format, color_on, fail, output};
use crate::config;
use crate::plan::Plan;
use crate::saved::{self, SavedPlan};
use crate::text::{plural, sanitize};
use crate::{apply, connect};

/// What apply shows and asks, on stderr: stdout carries only the result.
struct Asker<'a> {
    model: &'a config::AccessModel,
    describe: &'a str,
    format: Format,
    color: bool,
    yes: bool,
    /// One line per batch on stderr when it is not a terminal (`--verbose`).
    verbose: bool,
    bar: Option<indicatif::ProgressBar>,
    /// Set once COMMIT is on its way: Ctrl-C may no longer say "nothing changed".
    committing: Arc<AtomicBool>,
    /// For a second connection that asks who holds the lock.
    target: connect::Target,
}

/// Whether a session waits for the apply lock, and who holds it, as svv_transactions tells (DG
/// r_SVV_TRANSACTIONS: `granted` is false for a lock still waited for), asked on a connection
/// of its own and within a few seconds. `None`: nobody waits (this apply holds the lock, and the
/// catalog read behind it is merely slow to come back); `Some(holder)`: a session waits, and
/// the holder when it is visible. When the question cannot be answered, a wait is assumed.
fn lock_wait(target: &connect::Target) -> Option<Option<String>> {
    let target = target.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(async {
            let ask = async {
                let client = connect::connect(&target).await.ok()?;
                // pg_* tables and svv_* views are read in two queries, never joined.
                let oid = crate::catalog::result_sets(
                    client
                        .simple_query("SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'mlgrant' AND c.relname = 'apply_log'")
                        .await
                        .ok()?,
                )
                .pop()?
                .pop()?
                .pop()??;
                let oid: u32 = oid.trim().parse().ok()?;
                let rows = crate::catalog::result_sets(
                    client
                        .simple_query(&format!(
                            "SELECT txn_owner, pid, txn_start, lock_mode, granted FROM pg_catalog.svv_transactions WHERE relation = {oid}"
                        ))
                        .await
                        .ok()?,
                )
                .pop()?;
                let granted = |row: &Vec<Option<String>>| {
                    matches!(row.get(4).cloned().flatten().as_deref(), Some("t" | "true"))
                };
                if rows.iter().all(granted) {
                    return Some(LockWait::Nobody);
                }
                let holder = rows.iter().find(|r| granted(r)).map(|row| {
                    let text =
                        |i: usize| sanitize(row.get(i).cloned().flatten().unwrap_or_default().trim());
                    format!(
                        "held by {} (pid {}, in a transaction since {}, {})",
                        text(0),
                        text(1),
                        text(2),
                        text(3)
                    )
                });
                Some(LockWait::Waits(holder))
            };
            tokio::time::timeout(std::time::Duration::from_secs(5), ask)
                .await
                .ok()
                .flatten()
        })
    })
    .join()
    .ok()
    .flatten()
    .map_or(Some(None), |w| match w {
        LockWait::Nobody => None,
        LockWait::Waits(holder) => Some(holder),
    })
}

/// What svv_transactions says of the apply lock.
enum LockWait {
    Nobody,
    Waits(Option<String>),
}

impl apply::Prompt for Asker<'_> {
    fn confirm(&mut self, plan: &Plan) -> bool {
        let header = format!(
            "mlgrant apply {} to {}: {}, {}",
            self.model.source.name,
            self.describe,
            plan.size(),
            super::clock::label()
        );
        let files = [self.model.source.name.as_str()];
        let terminal = std::io::stderr().is_terminal();
        if self.yes && self.format == Format::Json {
            // The result document on stdout carries the plan: stderr gets no second document.
            eprintln!("{}", sanitize(&header));
            return true;
        }
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
        // Not held while waiting: the Ctrl-C watcher writes to stderr.
        drop(err);
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
    }

    fn waiting(&mut self, message: &str) {
        // Said only when a session does wait for the lock: at high latency the lock is taken
        // at once and only the answer is slow.
        if let Some(holder) = lock_wait(&self.target) {
            eprintln!("{}", sanitize(message));
            if let Some(holder) = holder {
                eprintln!("the apply lock is {holder}");
            }
        }
    }

    fn progress(&mut self, done: usize, total: usize) {
        if std::io::stderr().is_terminal() {
            let bar = self.bar.get_or_insert_with(|| {
                let bar = indicatif::ProgressBar::new(total as u64);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} statements {elapsed}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            });
            bar.set_position(done as u64);
            if done == total {
                bar.finish_and_clear();
            }
        } else if self.verbose {
            eprintln!("ran {done} of {total} statements");
        }
    }

    fn committing(&mut self) {
        self.committing.store(true, Ordering::SeqCst);
    }
}

pub(super) fn apply_cmd(
    path: &Path,
    cluster: &ClusterArg,
    mut settings: apply::Settings,
    format: Format,
    saved_file: Option<&Path>,
    verbose: bool,
) -> Result<Done, Failure> {
    let yes = !settings.ask_first;
    let interactive = std::io::stdin().is_terminal();
    if !yes && !interactive {
        return Err(fail(
            "apply asks before it changes anything: pass --yes when stdin is not a terminal (or apply a reviewed plan with --plan FILE)",
        ));
    }
    let model = super::clock::load(path)?;
    super::commands::warn(&model);
    let model_text = model.source.text.clone();
    let target = target(cluster)?;
    if let Some(file) = saved_file {
        let name = sanitize(&file.display().to_string());
        let bytes = crate::file::read_bounded(file, config::MAX_FILE_BYTES)
            .map_err(|e| fail(format!("cannot read {name}: {e}")))?;
        let saved = SavedPlan::parse(&name, &bytes).map_err(fail)?;
        saved
            .check(&name, &model, &saved_cluster(&target))
            .map_err(fail)?;
        settings.saved = Some((saved, SavedPlan::digest(&bytes)));
    }
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
        verbose,
        bar: None,
        committing: Arc::new(AtomicBool::new(false)),
        target: target.clone(),
    };
    let committing = asker.committing.clone();
    let json = format == Format::Json;
    let outcome = runtime()?.block_on(async {
        // Ctrl-C, SIGTERM or SIGHUP, wherever it comes (at the question too, where the main
        // thread blocks on the terminal): a watcher of its own says what is true, then ends the
        // process, which drops the connection and with it the open transaction, which the
        // server rolls back.
        super::stop::apply_ends_on_signal(committing.clone());
        let (client, notices) = connect::connect_with_notices(&target).await.map_err(fail)?;
        Ok::<_, Failure>(
            apply::apply(
                &client,
                Some(&notices),
                &model,
                &model_text,
                &settings,
                &mut asker,
            )
            .await,
        )
    })?;
    // Declining is no error: a plain word, exit code 1, nothing changed (not even the audit
    // schema: it is migrated only after a yes).
    let outcome = match outcome {
        Err(apply::ApplyError::Cancelled) => {
            eprintln!("apply cancelled: nothing was changed");
            return Ok(Done {
                out: String::new(),
                code: 1,
            });
        }
        other => other.map_err(fail)?,
    };
    let plan = &outcome.plan;
    if !outcome.heard.is_empty() && !outcome.rehearsed {
        // Shown here as they are recorded in mlgrant.apply_notices.
        for h in &outcome.heard {
            eprintln!(
                "the server said, while {} ran: {}",
                h.statements(),
                sanitize(&h.notice.to_string())
            );
        }
    }
    if outcome.rehearsed && !json {
        return Ok(rehearsal(&outcome, &describe, format).into());
    }
    if json {
        return Ok(apply_json(
            &outcome,
            &describe,
            settings.saved.as_ref().map(|(_, d)| d.as_str()),
        )
        .into());
    }
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
        // A revert is verified against its own plan (the run's inverse), not the model file:
        // a plan afterwards may well find work, and says what.
        Some(run) if settings.revert.is_some() => format!(
            "reverted: applied {} to {describe} in one transaction (run {}); every change read back; `mlgrant plan` shows how the cluster now differs from the model file{held_back}\n",
            plan.size(),
            run.run_id,
        )
        .into(),
        Some(run) => format!(
            "applied {} to {describe} in one transaction (run {}); verified{}\n",
            plan.size(),
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

/// `apply --format json`: one document on stdout.
fn apply_json(outcome: &apply::Outcome, target: &str, plan_file: Option<&str>) -> String {
    let doc = serde_json::json!({
        "format": "mlgrant.apply",
        "version": 1,
        "target": target,
        "run_id": outcome.run.as_ref().map(|r| r.run_id.clone()),
        "outcome": match (&outcome.run, outcome.rehearsed) {
            (Some(_), true) => "rehearsed",
            (Some(_), false) => "applied",
            (None, _) => "nothing_to_change",
        },
        "rehearsed": outcome.rehearsed,
        "heard": outcome.heard,
        "attempts": outcome.attempts,
        "plan_file_digest": plan_file,
        "summary": outcome.plan.counts(),
        "statements": saved::statements(&outcome.plan),
        "held_back": {
            "unverified": outcome.plan.unverified.iter().map(|s| crate::render::statement(&s.change)).collect::<Vec<_>>(),
            "withheld": outcome.plan.withheld,
        },
        "notes": outcome.plan.notes,
    });
    let mut s = crate::text::json_pretty(&doc);
    s.push('\n');
    s
}

/// `apply --rehearse`: what would have been committed, statement by statement, with what the
/// server said to each; as SQL (a script with the server's words as comments) or as text.
fn rehearsal(outcome: &apply::Outcome, target: &str, format: Format) -> String {
    let statements = saved::statements(&outcome.plan);
    let Some(run) = &outcome.run else {
        return format!(
            "rehearsed on {target}: nothing to change (the migrations and the lock ran, and were rolled back); nothing was changed\n"
        );
    };
    let sql = format == Format::Sql;
    let c = if sql { "-- " } else { "" };
    let mut out = format!(
        "{c}rehearsed on {target}: {} would have been committed as run {} with its audit rows; rolled back, nothing was changed\n",
        outcome.plan.size(),
        run.run_id
    );
    for (i, statement) in statements.iter().enumerate() {
        let said: Vec<String> = outcome
            .heard
            .iter()
            .filter(|h| h.first == i + 1)
            .map(|h| sanitize(&h.notice.to_string()))
            .collect();
        if sql {
            out.push_str(&format!("{statement}\n"));
            for s in &said {
                out.push_str(&format!("-- the server said: {s}\n"));
            }
        } else {
            out.push_str(&format!(
                "{:>4}  {}  {}\n",
                i + 1,
                if said.is_empty() { "ok    " } else { "notice" },
                crate::text::escape_controls(statement)
            ));
            for s in &said {
                out.push_str(&format!("            the server said: {s}\n"));
            }
        }
    }
    out.push_str(&format!(
        "{c}every statement ran, every change read back inside the transaction, and the audit rows were written: `mlgrant apply` would commit this plan\n"
    ));
    out
}
