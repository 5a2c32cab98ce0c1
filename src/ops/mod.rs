//! The operations under the command line (as cargo's `ops`): read the organization, plan a file
//! against it, verify a saved plan. The CLI parses arguments, calls one of these, renders what
//! comes back and maps exit codes; tests call them directly, without the binary.

pub mod access_report;
pub mod fetch;
pub mod read;
pub mod saved;

use crate::diagnostic::Diagnostics;
use crate::model::{OrgState, StackState, STACK_REGIONS_TAG};
use crate::org_file::desired::DesiredOrg;
use crate::org_file::limits::Limits;
use crate::plan::{self, Note, Plan};
use crate::provider::{Provider, ProviderError};
use crate::tasks::task_file::{TaskFile, TaskKind};

/// A plan with what it was made from.
pub struct Planned {
    pub plan: Plan,
    /// The organization as read for the plan.
    pub state: OrgState,
    /// The stacks read for a task file's plan (`None` for an org file).
    pub stacks: Option<Vec<StackState>>,
}

/// Why no plan could be made.
#[derive(Debug)]
pub enum PlanError {
    /// The file does not fit the organization (another management account, an unknown
    /// AccountId, an alias taken...).
    Invalid(Diagnostics),
    Provider(ProviderError),
    /// The plan made does not pass the checks a saved plan must pass: a bug in orgctl, refused
    /// rather than applied.
    Defects(Vec<plan::check::Defect>),
}

impl From<ProviderError> for PlanError {
    fn from(e: ProviderError) -> Self {
        PlanError::Provider(e)
    }
}

/// Reads the organization once and plans `desired` against it, and for a task file its stacks
/// too: one plan, organization and stacks in one dependency graph.
pub async fn plan(
    desired: &DesiredOrg,
    tasks: Option<&TaskFile>,
    provider: &dyn Provider,
    limits: &Limits,
    prune: bool,
    targets: &[String],
) -> Result<Planned, PlanError> {
    let state = provider.read().await?;
    let mut plan = plan::plan(desired, &state, limits, &provider.describe()).map_err(PlanError::Invalid)?;
    // Trusted access and delegated administrators: read only when the file or orgctl's records
    // involve them.
    if plan::delegation::wanted(desired, &state) {
        let governance = provider.read_governance().await?;
        plan::delegation::plan_delegation(desired, &state, &governance, &mut plan);
    }
    // Account settings: read only for the accounts whose file sets them.
    if desired.accounts.iter().any(|a| !a.alternate_contacts.is_empty()) {
        let live = read::contacts(provider, &plan::settings::accounts_to_read(desired, &state)).await?;
        plan::settings::plan_contacts(desired, &state, &live, &mut plan);
    }
    if desired.accounts.iter().any(|a| !a.opt_in_regions.is_empty()) {
        let live = read::region_status(provider, &plan::settings::regions_to_read(desired, &state)).await?;
        plan::settings::plan_regions(desired, &state, &live, &mut plan);
    }
    if plan::settings::wants_support_levels(desired) {
        let live = read::support_levels(provider, &plan::settings::support_accounts_to_read(desired, &state)).await?;
        plan::settings::plan_support(desired, &state, &live, &mut plan).map_err(PlanError::Invalid)?;
    }
    let stacks = match tasks {
        Some(tasks) => {
            skip_organization_if_asked(tasks, &mut plan);
            let targets = plan::stacks::stack_targets(tasks, desired, &state, &plan).map_err(PlanError::Invalid)?;
            let snapshot = read::snapshot(provider, &targets).await?;
            plan::stacks::plan_stacks(&targets, &snapshot, tasks, desired, &state, &mut plan, prune)
                .map_err(PlanError::Invalid)?;
            Some(snapshot.stacks)
        }
        None => None,
    };
    plan::target::retain(&mut plan, targets, desired, tasks, &state).map_err(PlanError::Invalid)?;
    // Every plan passes the same checks as a saved plan before anyone sees it.
    let defects = plan::check::check(&plan, &state, stacks.as_deref().unwrap_or_default());
    if !defects.is_empty() {
        return Err(PlanError::Defects(defects));
    }
    Ok(Planned { plan, state, stacks })
}

/// `Skip: true` on the task file's update-organization task, or no such task (the organization
/// file came from --organization-file or `.org-formationrc`): the organization's changes are
/// left out (and said so); the stacks are still planned.
fn skip_organization_if_asked(tasks: &TaskFile, plan: &mut Plan) {
    let updates: Vec<bool> =
        tasks.tasks.iter().filter(|t| matches!(t.kind, TaskKind::UpdateOrganization { .. })).map(|t| t.skip).collect();
    let annotated = tasks.tasks.iter().any(|t| matches!(t.kind, TaskKind::AnnotateOrganization(_)));
    let why = match updates.as_slice() {
        _ if annotated => {
            "annotate-organization: another account factory manages the organization, so orgctl leaves it as it is"
        }
        [] => "the task file has no update-organization task",
        u if u.iter().all(|skip| *skip) => "the update-organization task is skipped",
        _ => return,
    };
    if annotated {
        plan.notes.push(Note { message: why.to_string() });
        plan.changes.clear();
    } else if !plan.changes.is_empty() {
        plan.notes.push(Note { message: format!("{why}: {} organization change(s) left out", plan.changes.len()) });
        plan.changes.clear();
    }
}

/// Where orgctl's stacks can be without a task file to say so: every active account, in every
/// region orgctl recorded on the root when it deployed stacks.
pub fn recorded_stack_places(state: &OrgState) -> Vec<(String, String)> {
    let regions: Vec<&str> =
        state.root.tags.get(STACK_REGIONS_TAG).map(|r| r.split_whitespace().collect()).unwrap_or_default();
    state
        .accounts
        .values()
        .filter(|a| a.status.is_active())
        .flat_map(|a| regions.iter().map(move |r| (a.id.clone(), r.to_string())))
        .collect()
}
