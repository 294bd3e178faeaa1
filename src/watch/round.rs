//! One round of the watch: the catalog read (new models asked with SHOW MODEL, as plan asks
//! them), the plan, doctor's read-only guards, the apply of what `diff::watched` allows, and
//! then the findings: every other change of the plan, and its warnings (their `--on-drift`
//! commands run off the round's path, hook.rs).

use tokio_postgres::Client;

use super::{Event, Failed, GUARDS, Next, Watch};
use crate::apply::{self, ApplyError};
use crate::catalog::confirm::Answers;
use crate::catalog::{self, CatalogError};
use crate::connect::Notices;
use crate::diff::Watched;
use crate::model::State;
use crate::plan::Warning;
use crate::render;

fn lost_or_round(e: CatalogError) -> Failed {
    match e {
        CatalogError::Connection(m) => Failed::Lost(m),
        other => Failed::Round(other.to_string()),
    }
}

impl Watch {
    /// `fut` bounded by the read timeout and ended by a stop; `what` names it in a timeout.
    async fn step<T>(
        &self,
        what: &str,
        fut: impl std::future::Future<Output = T>,
    ) -> Result<T, Failed> {
        let limit = self.limit();
        match self.unless_stopped(tokio::time::timeout(limit, fut)).await {
            None => Err(Failed::Stopping),
            Some(Err(_)) => Err(Failed::Lost(format!(
                "{what} got no answer within {} s (--read-timeout)",
                limit.as_secs()
            ))),
            Some(Ok(out)) => Ok(out),
        }
    }

    /// The catalog, with the first models only svv_ml_model_info shows asked with SHOW MODEL
    /// (and the answers, for the apply).
    async fn read(&self, client: &Client) -> Result<(State, Watched, Answers), Failed> {
        let mut state = self
            .step("the catalog read", catalog::read(client, "", 0))
            .await?
            .map_err(lost_or_round)?;
        let watched =
            crate::diff::watched(&self.model, &state).map_err(|e| Failed::Round(e.to_string()))?;
        if watched.full.unconfirmed.is_empty() {
            return Ok((state, watched, Vec::new()));
        }
        let first = catalog::confirm::first(&watched.full.unconfirmed);
        let bound = self.settings.apply.read_timeout;
        let answers = self
            .step("SHOW MODEL", catalog::confirm::ask(client, first, bound))
            .await?
            .map_err(lost_or_round)?;
        catalog::confirm::record(&mut state, answers.clone());
        let watched =
            crate::diff::watched(&self.model, &state).map_err(|e| Failed::Round(e.to_string()))?;
        Ok((state, watched, answers))
    }

    /// The guards that fail, as `name: detail`, on the catalog just read.
    async fn failing_guards(&self, client: &Client, state: State) -> Result<Vec<String>, Failed> {
        let owner = self.settings.apply.audit_owner.clone();
        let (checks, _) = self
            .step(
                "doctor's read-only checks",
                crate::doctor::read_only(client, owner.as_deref(), Some(state)),
            )
            .await?;
        if client.is_closed() {
            return Err(Failed::Lost(
                "the connection was lost during doctor's read-only checks".into(),
            ));
        }
        Ok(checks
            .iter()
            .filter(|c| !c.passed && !c.skipped && GUARDS.contains(&c.name))
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect())
    }

    /// One round: read, plan, apply what is watch's to apply, report the rest.
    pub(super) async fn round(
        &mut self,
        client: &Client,
        notices: &Notices,
    ) -> Result<Next, Failed> {
        let now = self.settings.as_of.unwrap_or_else(super::event::clock);
        self.model.as_of = Some(now);
        let (state, watched, answers) = self.read(client).await?;
        let mut next = Next::Quiet;
        if !watched.applies.is_empty() {
            let failing = self.failing_guards(client, state).await?;
            if failing.is_empty() {
                self.cleared("guard");
                next = self.apply(client, notices, answers).await?;
            } else {
                self.held_back = true;
                next = Next::Again;
                self.failure(
                    "guard",
                    "not_applied",
                    format!(
                        "{} held back: doctor's read-only checks fail: {}",
                        watched.applies.size(),
                        failing.join("; ")
                    ),
                );
            }
        }
        let mut findings: Vec<Event> = watched
            .reported()
            .map(|s| {
                let statement = render::statement(&s.change);
                Event::new(
                    "drift",
                    format!("not applied by watch (apply it after review): {statement}"),
                )
                .with("action", s.change.action())
                .with("statement", statement)
                .with("why", render::reason(s))
            })
            .collect();
        // The plan's warnings, as plan shows them: the model file's, the catalog's, and a model
        // in a state no page documents.
        let ending =
            crate::config::expiry::warnings(&self.model, now, self.settings.expiring_within);
        let file = &self.model.source.name;
        let warnings = Warning::in_file(file, self.model.warnings.iter().chain(&ending))
            .map(|w| w.located())
            .chain(watched.full.warnings.iter().map(Warning::located))
            .chain(
                watched
                    .full
                    .notes
                    .iter()
                    .filter(|n| n.starts_with("UNKNOWN MODEL STATE"))
                    .cloned(),
            );
        findings.extend(warnings.map(|w| Event::new("warning", w.clone()).with("warning", w)));
        self.sink.findings(findings);
        Ok(next)
    }

    /// The apply of what watch may apply, unless a stop came first.
    async fn apply(
        &mut self,
        client: &Client,
        notices: &Notices,
        confirmed: Answers,
    ) -> Result<Next, Failed> {
        if self.stopped() {
            return Err(Failed::Stopping);
        }
        let mut settings = self.settings.apply.clone();
        settings.confirmed = confirmed;
        settings.stop = Some(self.stop.clone());
        settings.watch = true;
        settings.ask_first = false;
        let mut yes = |_: &crate::plan::Plan| true;
        // Not ended by a stop: it runs to its COMMIT or ROLLBACK, each wait bounded.
        let done = apply::apply(
            client,
            Some(notices),
            &self.model,
            &self.model.source.text,
            &settings,
            &mut yes,
        )
        .await;
        match done {
            Ok(outcome) => {
                let Some(run) = &outcome.run else {
                    return Ok(Next::Quiet);
                };
                let statements: Vec<String> = outcome
                    .plan
                    .statements
                    .iter()
                    .map(|s| render::merged(&s.merged))
                    .collect();
                self.sink.say(
                    &Event::new(
                        "applied",
                        format!(
                            "applied {} (run {}): {}",
                            outcome.plan.size(),
                            run.run_id,
                            statements.join(" ")
                        ),
                    )
                    .with("run_id", run.run_id.clone())
                    .with("statements", statements),
                );
                Ok(Next::Again)
            }
            // The connection is gone, or holds a question without an answer: a new one.
            Err(e @ (ApplyError::Connection { .. } | ApplyError::NoAnswer { .. })) => {
                Err(Failed::Lost(e.to_string()))
            }
            Err(ApplyError::Cancelled) => Err(Failed::Stopping),
            Err(e) => Err(Failed::Round(format!("apply failed: {e}"))),
        }
    }
}
