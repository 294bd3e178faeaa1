//! `plan` on many targets in one process: each target a task with its own connection, `--jobs`
//! of them at a time on one runtime, the parsed model shared. A plan only reads, so a task
//! needs no process of its own to keep its failure to itself; what a target's process did
//! (its environment, its warnings, its exit code) each task does the same way: the target says
//! where the cluster is (none of the environment's PGHOST, PGPORT, PGSERVICE or PGDATABASE
//! applies), its messages are its own, and a target that fails never stops the others.
//! apply, doctor, export and history keep a process per target (children.rs).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};

use super::commands::resolve;
use super::plan_cmd::{plan_done, plan_on};
use super::targets::Outcome;
use super::{Failure, Format};
use crate::config::{AccessModel, TargetDecl};
use crate::connect;

/// What the plan of each target printed and its exit code, by target name. A signal (SIGINT,
/// SIGTERM, SIGHUP) stops the run: targets not begun are "never started", the others stopped.
pub(super) fn plan_many(
    model: AccessModel,
    chosen: Vec<TargetDecl>,
    jobs: u16,
    read_timeout: u64,
    format: Format,
    warnings_as_errors: bool,
) -> Result<BTreeMap<String, Outcome>, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| super::fail(format!("cannot start the async runtime: {e}")))?;
    let (stop, stopped) = watch::channel(false);
    super::stop::on_signal(move |signal| {
        eprintln!("{signal}: stopping: no more targets start, and the running plans end");
        let _ = stop.send(true);
    });
    let model = Arc::new(model);
    let permits = Arc::new(Semaphore::new(usize::from(jobs.max(1))));
    let results = runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        let mut results = BTreeMap::new();
        // Started in name order, as a permit frees: after a signal, none more.
        let mut rest = chosen.into_iter();
        while let Some(t) = rest.next() {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            if *stopped.borrow() {
                for t in std::iter::once(t).chain(rest.by_ref()) {
                    results.insert(t.name, Outcome::never_started());
                }
                break;
            }
            let (model, stopped) = (model.clone(), stopped.clone());
            tasks.spawn(async move {
                let _permit = permit;
                let name = t.name.clone();
                // A bug in one target's plan is that target's failure, as a process's would be.
                let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(
                    one(t, &model, stopped, read_timeout, format),
                ))
                .await
                .unwrap_or_else(|_| Outcome {
                    code: Some(101),
                    stdout: String::new(),
                    stderr: "error: mlgrant failed on this target (a bug: please report it)\n"
                        .to_owned(),
                    started: true,
                    warned: 0,
                });
                (name, outcome)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            if let Ok((name, mut o)) = joined {
                if let Some(code) = o.code
                    && let Some(message) =
                        super::check::strict_failure(warnings_as_errors, o.warned, code)
                {
                    o.stderr.push_str(&message);
                    o.code = Some(1);
                }
                results.insert(name, o);
            }
        }
        results
    });
    Ok(results)
}

/// One target's plan; stopped by a signal wherever it is.
async fn one(
    t: TargetDecl,
    model: &AccessModel,
    mut stopped: watch::Receiver<bool>,
    read_timeout: u64,
    format: Format,
) -> Outcome {
    // The target's own warnings (a pgpass file others can read, ...) are shown whatever
    // becomes of its plan, as its process showed them first.
    let mut warnings = String::new();
    let work = async {
        let mut target = target_of(&t)?;
        warnings = target
            .warnings
            .iter()
            .map(|w| format!("warning: {}\n", crate::text::sanitize(w)))
            .collect();
        let iam = iam_of(&t);
        if iam.is_set() {
            let host_given = target.host_given;
            connect::iam_login(&mut target, &iam, host_given)
                .await
                .map_err(super::fail)?;
        }
        let (plan, _) = plan_on(model, &target).await?;
        let (done, warned) =
            plan_done(&plan, model, &target.describe(), format, false, false, true);
        Ok::<_, Failure>((done, warned))
    };
    let bounded = async {
        if read_timeout == 0 {
            return work.await;
        }
        tokio::time::timeout(Duration::from_secs(read_timeout), work)
            .await
            .unwrap_or_else(|_| {
                Err(super::fail(format!(
                    "the server did not answer within {read_timeout} s (--read-timeout); nothing was changed"
                )))
            })
    };
    let mut outcome = tokio::select! {
        result = bounded => match result {
            Ok((done, warned)) => Outcome {
                code: Some(i32::from(done.code)),
                stdout: done.out,
                stderr: String::new(),
                started: true,
                warned,
            },
            Err(Failure(message)) => Outcome {
                code: Some(1),
                stdout: String::new(),
                stderr: message,
                started: true,
                warned: 0,
            },
        },
        // A watcher that could not be installed drops its sender: then no signal ever comes.
        _ = async {
            if stopped.wait_for(|s| *s).await.is_err() {
                std::future::pending::<()>().await;
            }
        } => Outcome {
            code: None,
            stdout: String::new(),
            stderr: "stopped by a signal before its plan was done\n".to_owned(),
            started: true,
            warned: 0,
        },
    };
    outcome.stderr.insert_str(0, &warnings);
    outcome
}

pub(super) fn iam_of(t: &TargetDecl) -> connect::IamLogin {
    connect::IamLogin {
        cluster: t.aws_cluster.clone(),
        workgroup: t.aws_workgroup.clone(),
        region: t.aws_region.clone(),
        db_user: t.db_user.clone(),
    }
}

/// Where `t` is: its url and the environment, without the environment's host, port, service
/// and database (the target's `database` stands for PGDATABASE), as a target's process has it.
pub(super) fn target_of(t: &TargetDecl) -> Result<connect::Target, Failure> {
    resolve(t.url.as_deref(), &iam_of(t), |k| match k {
        "PGHOST" | "PGPORT" | "PGSERVICE" => None,
        "PGDATABASE" => t.database.clone(),
        _ => std::env::var(k).ok(),
    })
}
