//! Carrying out a plan. A rolling pool runs every change whose dependencies are done,
//! up to `concurrency` at once (no waves: a slow change holds up only what needs it). When a
//! change fails, everything that depends on it is skipped and the rest still runs; a re-run
//! plans again from the live organization and finishes the job.

mod delegation;
mod deployment;
mod identity;
mod operation;
mod organization;
mod ready;
pub mod retry;
mod settings;
mod workload;

use operation::{execute, CreatedIds};
pub use organization::AccountWait;
use retry::RetryPolicy;

use crate::plan::check::{check_structure, Defect};
use crate::plan::{Change, Plan};
use crate::provider::Provider;
use ready::Ready;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub concurrency: usize,
    pub retry: RetryPolicy,
    pub account_wait: AccountWait,
}

impl ApplyOptions {
    pub fn for_provider(provider: &dyn Provider, concurrency: usize) -> Self {
        ApplyOptions {
            concurrency: concurrency.max(1),
            retry: RetryPolicy::default(),
            account_wait: AccountWait::new(provider.create_account_poll_interval(), Duration::from_secs(20 * 60)),
        }
    }
}

/// What became of one change.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Done; with the id of what it created, if anything.
    Done(Option<String>),
    /// Failed, as the organization's API said (its kind, retryability and message kept).
    Failed(crate::provider::ProviderError),
    /// Not run because the change with this id failed.
    Skipped { because: usize },
}

/// Told about each change as it starts and ends (progress bars, logs).
pub trait Progress: Send + Sync {
    fn started(&self, change: &Change);
    fn finished(&self, change: &Change, outcome: &Outcome);
}

/// The outcome of every change, by change id.
#[derive(Debug)]
pub struct ApplyReport {
    pub outcomes: Vec<Outcome>,
}

impl ApplyReport {
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(o)).count()
    }

    pub fn succeeded(&self) -> bool {
        self.outcomes.iter().all(|o| matches!(o, Outcome::Done(_)))
    }

    /// Changes that did not succeed, by group, where the group tolerates that many
    /// (`FailedStackTolerance`); the apply still succeeds when these are the only ones.
    pub fn tolerated(&self, plan: &Plan) -> Option<Vec<usize>> {
        let mut per_group: std::collections::HashMap<&str, (usize, usize)> = std::collections::HashMap::new();
        let mut ids = Vec::new();
        for (change, outcome) in plan.changes.iter().zip(&self.outcomes) {
            if matches!(outcome, Outcome::Done(_)) {
                continue;
            }
            let group = change.group.as_ref().filter(|g| g.tolerance > 0)?;
            let entry = per_group.entry(group.name.as_str()).or_insert((0, group.tolerance));
            entry.0 += 1;
            ids.push(change.id);
        }
        per_group.values().all(|(failed, tolerance)| failed <= tolerance).then_some(ids)
    }
}

/// Runs the plan's changes in dependency order. A plan whose structure is broken (ids out of
/// order, edges to nowhere, a cycle) is refused before anything runs.
pub async fn apply(
    plan: &Plan,
    provider: Arc<dyn Provider>,
    options: &ApplyOptions,
    progress: Arc<dyn Progress>,
) -> Result<ApplyReport, Vec<Defect>> {
    let defects = check_structure(plan);
    if !defects.is_empty() {
        return Err(defects);
    }
    let n = plan.changes.len();
    let mut waiting_on: Vec<usize> = plan.changes.iter().map(|c| c.depends_on.len() + c.after.len()).collect();
    // Hard edges (`depends_on`): skipped when the change fails. Soft ones (`after`): only wait.
    let mut dependents: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
    for c in &plan.changes {
        for &d in &c.depends_on {
            if d < n {
                dependents[d].push((c.id, true));
            }
        }
        for &d in &c.after {
            if d < n {
                dependents[d].push((c.id, false));
            }
        }
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    let mut ready = Ready::default();
    for i in (0..n).filter(|&i| waiting_on[i] == 0) {
        ready.push(i, &plan.changes[i]);
    }
    let ids = Arc::new(CreatedIds::default());
    let mut running = JoinSet::new();
    loop {
        while running.len() < options.concurrency {
            let Some(i) = ready.start() else { break };
            let change = plan.changes[i].clone();
            let (provider, ids, progress, options) = (provider.clone(), ids.clone(), progress.clone(), options.clone());
            running.spawn(async move {
                progress.started(&change);
                let outcome =
                    match execute(&change.operation, provider.as_ref(), &ids, &options.retry, &options.account_wait)
                        .await
                    {
                        Ok(created) => Outcome::Done(created),
                        Err(e) => Outcome::Failed(e),
                    };
                progress.finished(&change, &outcome);
                (i, outcome)
            });
        }
        let Some(joined) = running.join_next().await else { break };
        let (i, outcome) = match joined {
            Ok(result) => result,
            // A task that panicked is a bug; its change cannot be identified, so stop scheduling.
            Err(e) => {
                tracing::error!("an apply task ended abnormally: {e}");
                continue;
            }
        };
        ready.finished(&plan.changes[i]);
        // Settle the change, then everything that waited on it: a hard dependent of a change
        // that did not succeed is skipped (and settles in turn), the others may become ready.
        let mut settled = vec![(i, outcome)];
        while let Some((c, outcome)) = settled.pop() {
            let ok = matches!(outcome, Outcome::Done(_));
            let because = match &outcome {
                Outcome::Skipped { because } => *because,
                _ => c,
            };
            outcomes[c] = Some(outcome);
            for &(d, hard) in &dependents[c] {
                if outcomes[d].is_some() {
                    continue;
                }
                if hard && !ok {
                    // Decided now, so that another failed change it needs does not skip it again.
                    let skipped = Outcome::Skipped { because };
                    progress.finished(&plan.changes[d], &skipped);
                    outcomes[d] = Some(skipped.clone());
                    settled.push((d, skipped));
                    continue;
                }
                waiting_on[d] -= 1;
                if waiting_on[d] == 0 {
                    ready.push(d, &plan.changes[d]);
                }
            }
        }
    }
    Ok(ApplyReport {
        outcomes: outcomes.into_iter().enumerate().map(|(i, o)| o.unwrap_or(Outcome::Skipped { because: i })).collect(),
    })
}
