//! The apply workflow: what is applied (a plan saved with `plan --out`, verified against the
//! organization as it is now, or a project planned now), then the plan carried out through
//! the rolling pool. The caller holds the organization's apply lock around both and asks for
//! confirmation between them.

use super::{plan_project, saved, PlanError, PlanOptions, Project, ReadProgress};
use crate::apply::{self, ApplyOptions, ApplyReport};
use crate::plan::saved::SavedPlanError;
use crate::plan::Plan;
use crate::provider::Provider;
use std::path::Path;
use std::sync::Arc;

/// What `orgctl apply` was given.
pub enum ApplySource {
    /// A plan saved with `plan --out`.
    Saved(Box<Plan>),
    /// An org or task file, planned now.
    File(Box<Project>),
}

/// Why nothing was applied.
#[derive(Debug)]
pub enum NotApplied {
    Saved(saved::Refusal),
    Plan(PlanError),
}

impl From<saved::Refusal> for NotApplied {
    fn from(e: saved::Refusal) -> Self {
        NotApplied::Saved(e)
    }
}

impl From<PlanError> for NotApplied {
    fn from(e: PlanError) -> Self {
        NotApplied::Plan(e)
    }
}

/// A saved plan, if `path` is one (JSON with orgctl's plan format), its digest checked; `None`
/// for any other file (an org or task file).
pub fn read_saved_plan(path: &Path) -> Result<Option<Plan>, SavedPlanError> {
    let Ok(text) = crate::source::files::read_regular(path) else { return Ok(None) };
    if !crate::plan::saved::looks_like_plan(&text) {
        return Ok(None);
    }
    crate::plan::saved::from_json(&text).map(Some)
}

/// The plan to apply: the saved one, verified against the organization now, or the project's,
/// made now.
pub async fn plan_to_apply(
    source: ApplySource,
    provider: &dyn Provider,
    options: &PlanOptions,
    progress: &dyn ReadProgress,
) -> Result<Plan, NotApplied> {
    Ok(match source {
        ApplySource::Saved(saved) => saved::verify(*saved, provider).await?.plan,
        ApplySource::File(project) => plan_project(&project, provider, options, progress).await?.plan,
    })
}

/// Carries `plan` out, `concurrency` changes at a time at most, telling `progress` of each.
pub async fn apply(
    plan: &Plan,
    provider: Arc<dyn Provider>,
    concurrency: usize,
    progress: Arc<dyn apply::Progress>,
) -> Result<ApplyReport, saved::Refusal> {
    let options = ApplyOptions::for_provider(provider.as_ref(), concurrency);
    apply::apply(plan, provider, &options, progress).await.map_err(saved::Refusal::Defects)
}
