//! The stacks half of a plan: every (task, account, region) target rendered, compared with the
//! stack deployed there, and turned into changes that join the organization's DAG.
//!
//! Edges: every stack waits for the organization's changes (as org-formation's tasks wait for
//! update-organization), for the stacks of the tasks it `DependsOn`, and for the stacks it takes
//! values from. Unchanged stacks are only counted.

mod diff;
mod evaluate;
mod orphans;
mod targets;

pub(crate) use diff::stack_diff;
use evaluate::{never_known, stack_spec, template_refused, TargetEvaluation};
use orphans::{plan_orphans, record_stack_regions};
pub use targets::{stack_targets, StackSnapshot, StackTargets};

use super::change::*;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::KNOWN_AFTER_APPLY;
use crate::model::{OrgState, StackKey, StackState};
use crate::org_file::desired::DesiredOrg;
use crate::tasks::binding::Target;
use crate::tasks::instantiate::StackInstance;
use crate::tasks::task_file::{StackTask, TaskFile, TaskKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use crate::tasks::scope::ExportKey;

/// Adds the stack changes of `targets` to `plan`, against what `snapshot` says is deployed
/// (pure: nothing is read here).
pub fn plan_stacks(
    targets: &StackTargets,
    snapshot: &StackSnapshot,
    tasks: &TaskFile,
    desired: &DesiredOrg,
    actual: &OrgState,
    plan: &mut Plan,
    prune: bool,
) -> Result<(), Diagnostics> {
    let mut errors = Diagnostics::default();
    let account_ids = plan.existing_ids.clone();
    let used = &targets.used_regions;
    let recorded = &targets.recorded_regions;
    plan.stack_places = targets.places.clone();
    plan.stacks_fingerprint = Some(stacks_fingerprint(&snapshot.stacks));
    let live: HashMap<StackKey, &StackState> = snapshot.stacks.iter().map(|s| (s.key(), s)).collect();
    let org_changes: Vec<usize> = plan.changes.iter().map(|c| c.id).collect();
    let creations = plan.account_creations();
    let lookup = |lid: &str| account_ids.get(lid).cloned();
    let planner = StackPlanner {
        desired,
        actual,
        snapshot,
        account_ids: &account_ids,
        lookup: &lookup,
        live: &live,
        // What the organization's changes create, before any stack is added to the plan.
        created: plan.created_logical_ids().into_iter().map(str::to_string).collect(),
    };

    let mut by_task: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_target: HashMap<(&str, Target), usize> = HashMap::new();
    let mut wanted: BTreeSet<StackKey> = BTreeSet::new();
    let mut unchanged = 0usize;
    let mut pending_edges: Vec<(usize, Vec<(String, Target)>)> = Vec::new();
    for (task_name, task, stacks) in &targets.instances {
        let (stacks, absent): (Vec<_>, Vec<_>) = stacks
            .iter()
            .partition(|s| account_ids.contains_key(&s.target.account) || creations.contains_key(&s.target.account));
        plan.note_absent_accounts(task_name, absent.iter().map(|s| s.target.account.as_str()));
        for stack in stacks {
            if let Some(id) = account_ids.get(&stack.target.account) {
                wanted.insert((id.into(), stack.target.region.as_str().into(), task.stack_name.clone()));
            }
            let id = match planner.stack(plan, task_name, task, stack) {
                Ok(Some(id)) => id,
                Ok(None) => {
                    unchanged += 1;
                    continue;
                }
                Err(d) => {
                    errors.push(*d);
                    continue;
                }
            };
            let mut deps = org_changes.clone();
            deps.extend(creations.get(&stack.target.account));
            plan.changes[id].depends_on.extend(deps);
            by_task.entry(task_name).or_default().push(id);
            by_target.insert((task_name, stack.target.clone()), id);
            let mut before: Vec<(String, Target)> =
                stack.imports.iter().map(|i| (task_name.to_string(), i.producer.clone())).collect();
            before.extend(stack.depends_on.iter().map(|t| (task_name.to_string(), t.clone())));
            pending_edges.push((id, before));
        }
    }
    let known = crate::plan::workloads::Known {
        organization_id: Some(actual.organization_id.as_str()).filter(|id| !id.is_empty()),
        exports: Some(&snapshot.exports),
        wanted: None,
    };
    let workloads = crate::plan::workloads::plan_workloads(
        tasks,
        desired,
        &account_ids,
        &known,
        &snapshot.stacks,
        plan,
        &mut errors,
    );
    for (task, id, account) in &workloads.changes {
        let mut deps = org_changes.clone();
        deps.extend(account.as_ref().and_then(|a| creations.get(a)));
        plan.changes[*id].depends_on.extend(deps);
        by_task.entry(task.as_str()).or_default().push(*id);
    }
    wanted.extend(workloads.kept);
    unchanged += workloads.unchanged;
    // Producers before consumers, and DependsOn between tasks.
    for (id, producers) in pending_edges {
        for (task, target) in producers {
            if let Some(p) = by_target.get(&(task.as_str(), target)) {
                plan.changes[id].depends_on.push(*p);
            }
        }
    }
    super::exports::order_by_exports(plan);
    order_by_task_dependencies(plan, tasks, &by_task);
    let still_there = plan_orphans(plan, &live, &wanted, tasks, actual, prune, used, &org_changes);
    record_stack_regions(plan, actual, &still_there, recorded);
    for c in &mut plan.changes {
        c.depends_on.sort_unstable();
        c.depends_on.dedup();
        c.after.sort_unstable();
        c.after.dedup();
    }
    plan.unchanged_stacks = unchanged;
    if errors.has_errors() {
        return Err(errors);
    }
    Ok(())
}

/// What planning one stack needs: the file, the live organization and stacks, and the ids of
/// the resources that exist or that the organization's changes create.
struct StackPlanner<'a> {
    desired: &'a DesiredOrg,
    actual: &'a OrgState,
    snapshot: &'a StackSnapshot,
    account_ids: &'a HashMap<String, String>,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    live: &'a HashMap<StackKey, &'a StackState>,
    created: std::collections::HashSet<String>,
}

impl StackPlanner<'_> {
    /// Plans one target's stack: its change's id, `None` when the stack is already as the task
    /// wants it, or why it cannot be planned.
    fn stack(
        &self,
        plan: &mut Plan,
        task_name: &str,
        task: &StackTask,
        stack: &StackInstance,
    ) -> Result<Option<usize>, Box<Diagnostic>> {
        let label = |lid: &str| self.desired.account_label(lid);
        let subject = format!(
            "stack {} in {}/{} ({task_name})",
            task.stack_name,
            label(&stack.target.account),
            stack.target.region
        );
        let values = TargetEvaluation {
            exports: Some(&self.snapshot.exports),
            ..TargetEvaluation::new(task, &stack.target, self.desired, self.actual, self.lookup)
        };
        let mut spec = stack_spec(task_name, stack, self.desired, &values).map_err(|(parameter, e)| {
            let mut d = Diagnostic::error(e.code, format!("{}: {}", label(&stack.target.account), e.message))
                .resource(task_name.to_string())
                .property(parameter);
            d.help = e.help;
            Box::new(d)
        })?;
        plan.rendered.push(super::RenderedTemplate {
            task: task_name.to_string(),
            stack: task.stack_name.clone(),
            account: stack.target.account.clone(),
            region: stack.target.region.clone(),
            template: spec.template.shown(),
        });
        if let Some(d) = template_refused(&spec, stack, &subject, task_name) {
            return Err(Box::new(d));
        }
        if let Some(d) = never_known(&spec, self.account_ids, &self.created, &subject, task_name) {
            return Err(Box::new(d));
        }
        let handle = |lid: &str| Handle::of(self.account_ids, lid);
        let imports: Vec<StackImport> = stack
            .imports
            .iter()
            .map(|i| StackImport {
                parameter: i.parameter.clone(),
                account: handle(&i.producer.account),
                region: i.producer.region.as_str().into(),
                source: ImportSource::Output { stack: task.stack_name.clone(), output: i.output.clone() },
            })
            .collect();
        let live_at = |account: &str, region: &str| {
            let id = self.account_ids.get(account)?;
            self.live.get(&(id.into(), region.into(), task.stack_name.clone())).copied()
        };
        let current = live_at(&stack.target.account, &stack.target.region);
        // Import values as they would be now, from the producers' current outputs.
        let import_values: BTreeMap<String, Option<String>> = stack
            .imports
            .iter()
            .map(|i| {
                let value = live_at(&i.producer.account, &i.producer.region).and_then(|p| p.outputs.get(&i.output));
                (i.parameter.clone(), value.cloned())
            })
            .collect();
        if let Some(live) = current {
            crate::plan::sensitive::keep_unchanged_records(&mut spec, live);
        }
        // Values read at apply time are shown as they would be now.
        let mut shown: BTreeMap<String, String> = spec.parameters.iter().map(|(k, v)| (k.clone(), v.shown())).collect();
        for (k, v) in &import_values {
            shown.insert(k.clone(), v.clone().unwrap_or_else(|| KNOWN_AFTER_APPLY.to_string()));
        }
        let id = match current {
            Some(live) if live.is_stuck() => {
                return Err(Box::new(Diagnostic::error(
                    "stack-stuck",
                    format!("{subject} is {}: orgctl will not touch it", live.status),
                )
                .resource(task_name)
                .help(
                    "recover it in the CloudFormation console (for example continue-update-rollback), then plan again",
                )));
            }
            Some(live) if !live.is_failed_creation() => {
                let diff = stack_diff(Some(live), &spec, &shown);
                let producers_changing =
                    import_values.values().any(Option::is_none) || spec.parameters.values().any(|p| !p.is_known());
                if diff.is_empty() && !producers_changing {
                    tracing::trace!("{subject}: unchanged (template, parameters and tags as deployed)");
                    return Ok(None);
                }
                tracing::trace!(
                    "{subject}: update ({} propert(ies) differ{})",
                    diff.len(),
                    if producers_changing { ", or a value it reads is changing" } else { "" }
                );
                let op = DeploymentOperation::UpdateStack {
                    account_id: live.account_id.clone(),
                    region: live.region.clone(),
                    spec,
                    imports,
                };
                push(plan, Action::Change, subject, "update", op, diff, (task_name, task))
            }
            failed => {
                let summary =
                    if failed.is_some() { "create (replaces a stack that failed to create)" } else { "create" };
                let diff = stack_diff(None, &spec, &shown);
                let op = DeploymentOperation::CreateStack {
                    account: handle(&stack.target.account),
                    region: stack.target.region.as_str().into(),
                    spec,
                    imports,
                    replace_failed: failed.is_some(),
                };
                push(plan, Action::Add, subject, summary, op, diff, (task_name, task))
            }
        };
        Ok(Some(id))
    }
}

/// `DependsOn` between tasks: each change of a task after every change of the tasks it names
/// (only waiting, not stopping, after a task that tolerates failures).
fn order_by_task_dependencies(plan: &mut Plan, tasks: &TaskFile, by_task: &HashMap<&str, Vec<usize>>) {
    for task in &tasks.tasks {
        let Some(mine) = by_task.get(task.name.as_str()).cloned() else { continue };
        for d in &task.depends_on {
            let theirs = by_task.get(d.as_str()).cloned().unwrap_or_default();
            // A task that tolerates failures does not stop the tasks after it: they only wait.
            let tolerant = tasks
                .tasks
                .iter()
                .any(|t| &t.name == d && matches!(&t.kind, TaskKind::UpdateStacks(s) if s.failed_stack_tolerance > 0));
            for &id in &mine {
                if tolerant {
                    plan.changes[id].after.extend(&theirs);
                } else {
                    plan.changes[id].depends_on.extend(&theirs);
                }
            }
        }
    }
}

fn push(
    plan: &mut Plan,
    action: Action,
    subject: String,
    summary: &str,
    op: DeploymentOperation,
    diff: Vec<PropertyDiff>,
    task: (&str, &StackTask),
) -> usize {
    let (name, task) = task;
    let group = Group {
        name: name.to_string(),
        limit: task.max_concurrent_stacks.map_or(usize::MAX, |l| l as usize),
        tolerance: task.failed_stack_tolerance as usize,
    };
    plan.push_change(action, subject, summary.to_string(), op, diff, Some(group))
}
