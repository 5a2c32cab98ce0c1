//! The plan workflow: one read of the organization (and of the stacks a task file targets),
//! one plan over it, then what the plan's policy changes do (the Policy effect, the lockout
//! guard, and, when asked, IAM's access reports marking the denied services in use).

use super::project::Project;
use super::{access_report, read};
use crate::diagnostic::Diagnostics;
use crate::model::{OrgState, StackState};
use crate::org_file::desired::DesiredOrg;
use crate::org_file::limits::Limits;
use crate::plan::{self, Note, Plan};
use crate::policy::effect::Lockout;
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
    /// The plan's SCPs would deny what orgctl needs afterwards in the accounts it manages
    /// (refused unless [`PlanOptions::allow_lockout`]).
    Lockout(Vec<Lockout>),
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
    // Identity Center: read only when the file declares permission sets or assignments.
    if plan::identity::wanted(desired) {
        let scope = plan::identity::scope(desired, &state);
        let Some(live) = provider.read_identity_center(&scope).await? else {
            let mut diagnostics = Diagnostics::default();
            diagnostics.push(plan::identity::not_enabled());
            return Err(PlanError::Invalid(diagnostics));
        };
        plan::identity::plan_identity(desired, &state, &live, &mut plan).map_err(PlanError::Invalid)?;
        plan.identity_scope = scope;
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

/// How a project is planned.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Delete stacks orgctl owns that no task targets any more.
    pub prune: bool,
    /// `--target`: only these resources and what they need.
    pub targets: Vec<String>,
    /// Plan even though the new SCPs would lock orgctl out.
    pub allow_lockout: bool,
    /// Read IAM's organization access report for the accounts newly denied something.
    pub access_report: bool,
}

/// Told how the reading of access reports goes (a progress bar).
pub trait ReadProgress: Sync {
    fn begin(&self, total: usize);
    fn one_done(&self);
    fn end(&self);
}

/// Plans a loaded project against an organization already open: the plan, its Policy effect
/// (refused when it would lock orgctl out), and the notes of what reading the files ran.
pub async fn plan_project(
    project: &Project,
    provider: &dyn Provider,
    options: &PlanOptions,
    progress: &dyn ReadProgress,
) -> Result<Planned, PlanError> {
    let mut planned =
        plan(&project.desired, project.tasks.as_ref(), provider, &project.limits, options.prune, &options.targets)
            .await?;
    let regions: Vec<String> = planned
        .plan
        .rendered
        .iter()
        .map(|t| t.region.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let by_name = plan::hierarchy::file_locations(&project.org, &project.desired, true);
    let by_id = plan::hierarchy::file_locations(&project.org, &project.desired, false);
    let mut effect =
        plan::policy_effect::compute(&planned.plan, &planned.state, &project.desired, &by_name, &by_id, &regions);
    if let Some(lockouts) = effect.as_ref().map(|e| &e.lockouts).filter(|l| !l.is_empty() && !options.allow_lockout) {
        return Err(PlanError::Lockout(lockouts.clone()));
    }
    if let Some(effect) = effect.as_mut() {
        let accounts = plan::policy_effect::newly_denying(effect);
        if options.access_report && !accounts.is_empty() {
            progress.begin(accounts.len());
            let reports = access_report::read(provider, &planned.state, &accounts, &|| progress.one_done()).await;
            progress.end();
            plan::policy_effect::mark_in_use(effect, &reports.by_account);
            let marked = effect.groups.iter().flat_map(|g| &g.flips).any(|f| !f.in_use.is_empty());
            if reports.note.is_none() && !marked {
                let message = format!(
                    "IAM's access reports of {} account(s) show none of the newly denied services in use",
                    reports.by_account.len()
                );
                planned.plan.notes.push(Note { message });
            }
            planned.plan.notes.extend(reports.note.map(|message| Note { message }));
        } else if !accounts.is_empty() {
            let message = format!(
                "{} account(s) are newly denied something: pass --access-report to see which denied services they used",
                accounts.len()
            );
            planned.plan.notes.push(Note { message });
        }
    }
    planned.plan.policy_effect = effect;
    // Planning reads the task file again (templates, parameters): every command has run by now.
    for (dir, command) in project.commands.ran() {
        let message = format!("ran !Cmd `{command}` in {} (--allow-commands)", dir.display());
        planned.plan.notes.push(Note { message });
    }
    Ok(planned)
}
