//! The stacks half of a plan: every (task, account, region) target rendered, compared with the
//! stack deployed there, and turned into changes that join the organization's DAG.
//!
//! Edges: every stack waits for the organization's changes (as org-formation's tasks wait for
//! update-organization), for the stacks of the tasks it `DependsOn`, and for the stacks it takes
//! values from. Unchanged stacks are only counted.

use super::change::*;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{EvalError, Text, Unknown, Value, KNOWN_AFTER_APPLY};
use crate::model::{OrgState, StackSpec, StackState, Tags, STACK_REGIONS_TAG, STACK_TASK_TAG};
use crate::org_file::desired::AccountsOf;
use crate::org_file::desired::DesiredOrg;
use crate::tasks::binding::Target;
use crate::tasks::instantiate::{instantiate, StackInstance};
use crate::tasks::scope::{TargetNames, TaskScope};
use crate::tasks::task_file::{StackTask, TaskFile, TaskKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use crate::tasks::scope::ExportKey;

/// The task file's stacks instantiated for every target, and what must be read to plan them.
pub struct StackTargets<'t> {
    instances: Vec<(&'t str, &'t StackTask, Vec<StackInstance>)>,
    /// Every (AccountId, region) that may hold orgctl's stacks: each active account in every
    /// region a task uses or orgctl recorded on the root.
    pub places: Vec<(String, String)>,
    /// The exports `!CopyValue` reads, as (AccountId, region, export name).
    pub exports: BTreeSet<ExportKey>,
    used_regions: BTreeSet<String>,
    recorded_regions: BTreeSet<String>,
}

/// What is deployed: orgctl's stacks in the places, and the exports `!CopyValue` names.
#[derive(Debug, Default)]
pub struct StackSnapshot {
    pub stacks: Vec<StackState>,
    pub exports: BTreeMap<ExportKey, String>,
}

/// Instantiates every task's template for its targets (pure).
/// `plan` is the organization's plan: the ids of what exists are read from it.
pub fn stack_targets<'t>(
    tasks: &'t TaskFile,
    desired: &DesiredOrg,
    actual: &OrgState,
    plan: &Plan,
) -> Result<StackTargets<'t>, Diagnostics> {
    let mut errors = Diagnostics::default();
    let account_ids = &plan.existing_ids;
    let lookup = |lid: &str| account_ids.get(lid).cloned();
    let mut instances: Vec<(&str, &StackTask, Vec<StackInstance>)> = Vec::new();
    for task in tasks.tasks.iter().filter(|t| !t.skip) {
        let TaskKind::UpdateStacks(stack) = &task.kind else { continue };
        match instantiate(stack, desired, &lookup) {
            Ok(stacks) => instances.push((&task.name, stack, stacks)),
            Err(problems) => {
                for p in problems {
                    let mut d = Diagnostic::error("template-error", format!("{}: {}", p.resource, p.error.message))
                        .at(Some(p.location))
                        .resource(&task.name)
                        .property("Template");
                    d.help = p.error.help;
                    errors.push(d);
                }
            }
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }
    let mut used_regions: BTreeSet<String> =
        instances.iter().flat_map(|(_, _, s)| s.iter().map(|s| s.target.region.clone())).collect();
    for task in tasks.tasks.iter().filter(|t| !t.skip) {
        if let TaskKind::Workload(w) = &task.kind {
            used_regions.extend(super::workloads::workload_targets(w, desired).into_iter().map(|t| t.region));
        }
    }
    let recorded_regions: BTreeSet<String> = actual
        .root
        .tags
        .get(STACK_REGIONS_TAG)
        .map(|r| r.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let regions: BTreeSet<&String> = used_regions.union(&recorded_regions).collect();
    let places = actual
        .accounts
        .values()
        .filter(|a| a.status.is_active())
        .flat_map(|a| regions.iter().map(move |r| (a.id.clone(), r.to_string())))
        .collect();
    // The exports `!CopyValue` names, to read with the stacks (errors are reported when planning).
    let wanted = std::cell::RefCell::new(BTreeSet::new());
    for (_, task, stacks) in &instances {
        for stack in stacks {
            let values = TargetEvaluation {
                wanted: Some(&wanted),
                ..TargetEvaluation::new(task, &stack.target, desired, actual, &lookup)
            };
            let _ = values.parameters();
        }
    }
    let collecting = super::workloads::Known { wanted: Some(&wanted), ..Default::default() };
    for task in tasks.tasks.iter().filter(|t| !t.skip) {
        if let TaskKind::Workload(w) = &task.kind {
            for target in super::workloads::workload_targets(w, desired) {
                let _ = super::workloads::run_for(w, &target, desired, &lookup, &collecting, false);
            }
        }
    }
    let exports = wanted.into_inner().into_iter().filter(|(account, _, _)| is_account_id(account)).collect();
    Ok(StackTargets { instances, places, exports, used_regions, recorded_regions })
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.chars().all(|c| c.is_ascii_digit())
}

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
    let lookup = |lid: &str| account_ids.get(lid).cloned();
    let rendered = &targets.instances;
    let used = &targets.used_regions;
    let recorded = &targets.recorded_regions;
    plan.stack_places = targets.places.clone();
    plan.stacks_fingerprint = Some(stacks_fingerprint(&snapshot.stacks));
    let live: HashMap<(String, String, String), &StackState> =
        snapshot.stacks.iter().map(|s| ((s.account_id.clone(), s.region.clone(), s.name.clone()), s)).collect();

    let org_changes: Vec<usize> = plan.changes.iter().map(|c| c.id).collect();
    let creations = plan.account_creations();
    // What the organization's changes create, before any stack is added to the plan.
    let created: std::collections::HashSet<String> =
        plan.created_logical_ids().into_iter().map(str::to_string).collect();
    let handle = |lid: &str| Handle::of(&account_ids, lid);
    let label = |lid: &str| desired.account_label(lid);

    let mut by_task: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_target: HashMap<(&str, Target), usize> = HashMap::new();
    let mut wanted: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut unchanged = 0usize;
    let mut pending_edges: Vec<(usize, Vec<(String, Target)>)> = Vec::new();
    for (task_name, task, stacks) in rendered {
        let (stacks, absent): (Vec<_>, Vec<_>) = stacks
            .iter()
            .partition(|s| account_ids.contains_key(&s.target.account) || creations.contains_key(&s.target.account));
        plan.note_absent_accounts(task_name, absent.iter().map(|s| s.target.account.as_str()));
        for stack in stacks {
            let account_id = account_ids.get(&stack.target.account).cloned();
            let subject = format!(
                "stack {} in {}/{} ({task_name})",
                task.stack_name,
                label(&stack.target.account),
                stack.target.region
            );
            let values = TargetEvaluation {
                exports: Some(&snapshot.exports),
                ..TargetEvaluation::new(task, &stack.target, desired, actual, &lookup)
            };
            let mut spec = match stack_spec(task_name, stack, desired, &values) {
                Ok(spec) => spec,
                Err((parameter, e)) => {
                    let mut d = Diagnostic::error(e.code, format!("{}: {}", label(&stack.target.account), e.message))
                        .resource(task_name.to_string())
                        .property(parameter);
                    d.help = e.help;
                    errors.push(d);
                    continue;
                }
            };
            plan.rendered.push(super::RenderedTemplate {
                task: task_name.to_string(),
                stack: task.stack_name.clone(),
                account: stack.target.account.clone(),
                region: stack.target.region.clone(),
                template: spec.template.shown(),
            });
            if let Some(d) = template_refused(&spec, stack, &subject, task_name) {
                errors.push(d);
                continue;
            }
            if let Some(d) = never_known(&spec, &account_ids, &created, &subject, task_name) {
                errors.push(d);
                continue;
            }
            let imports: Vec<StackImport> = stack
                .imports
                .iter()
                .map(|i| StackImport {
                    parameter: i.parameter.clone(),
                    account: handle(&i.producer.account),
                    region: i.producer.region.clone(),
                    source: ImportSource::Output { stack: task.stack_name.clone(), output: i.output.clone() },
                })
                .collect();
            let current = account_id
                .as_ref()
                .and_then(|id| live.get(&(id.clone(), stack.target.region.clone(), task.stack_name.clone())));
            if let Some(id) = &account_id {
                wanted.insert((id.clone(), stack.target.region.clone(), task.stack_name.clone()));
            }
            // Import values as they would be now, from the producers' current outputs.
            let import_values: BTreeMap<String, Option<String>> = stack
                .imports
                .iter()
                .map(|i| {
                    let value = account_ids
                        .get(&i.producer.account)
                        .and_then(|pid| live.get(&(pid.clone(), i.producer.region.clone(), task.stack_name.clone())))
                        .and_then(|p| p.outputs.get(&i.output).cloned());
                    (i.parameter.clone(), value)
                })
                .collect();
            if let Some(live) = current {
                super::sensitive::keep_unchanged_records(&mut spec, live);
            }
            // Values read at apply time are shown as they would be now.
            let mut shown: BTreeMap<String, String> =
                spec.parameters.iter().map(|(k, v)| (k.clone(), v.shown())).collect();
            for (k, v) in &import_values {
                shown.insert(k.clone(), v.clone().unwrap_or_else(|| KNOWN_AFTER_APPLY.to_string()));
            }
            let id = match current {
                Some(live) if live.is_stuck() => {
                    errors.push(
                        Diagnostic::error("stack-stuck", format!("{subject} is {}: orgctl will not touch it", live.status))
                            .resource(*task_name)
                            .help("recover it in the CloudFormation console (for example continue-update-rollback), then plan again"),
                    );
                    continue;
                }
                Some(live) if !live.is_failed_creation() => {
                    let diff = stack_diff(Some(live), &spec, &shown);
                    let producers_changing =
                        import_values.values().any(Option::is_none) || spec.parameters.values().any(|p| !p.is_known());
                    if diff.is_empty() && !producers_changing {
                        tracing::trace!("{subject}: unchanged (template, parameters and tags as deployed)");
                        unchanged += 1;
                        continue;
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
                        region: stack.target.region.clone(),
                        spec,
                        imports,
                        replace_failed: failed.is_some(),
                    };
                    push(plan, Action::Add, subject, summary, op, diff, (task_name, task))
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
    let known = super::workloads::Known {
        organization_id: Some(actual.organization_id.as_str()).filter(|id| !id.is_empty()),
        exports: Some(&snapshot.exports),
        wanted: None,
    };
    let workloads =
        super::workloads::plan_workloads(tasks, desired, &account_ids, &known, &snapshot.stacks, plan, &mut errors);
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

/// Stacks orgctl owns that no task targets any more: kept and noted, or deleted with `--prune`
/// (never with termination protection). Returns the regions orgctl has stacks in afterwards.
#[allow(clippy::too_many_arguments)]
fn plan_orphans(
    plan: &mut Plan,
    live: &HashMap<(String, String, String), &StackState>,
    wanted: &BTreeSet<(String, String, String)>,
    tasks: &TaskFile,
    actual: &OrgState,
    prune: bool,
    used: &BTreeSet<String>,
    org_changes: &[usize],
) -> BTreeSet<String> {
    let task_names: BTreeSet<&str> = tasks.tasks.iter().map(|t| t.name.as_str()).collect();
    let mut orphans: Vec<&&StackState> =
        live.values().filter(|s| !wanted.contains(&(s.account_id.clone(), s.region.clone(), s.name.clone()))).collect();
    orphans.sort_by_key(|s| (s.account_id.clone(), s.region.clone(), s.name.clone()));
    let mut still_there: BTreeSet<String> = used.clone();
    for s in orphans {
        let owner = s.task().unwrap_or_default();
        let why = if task_names.contains(owner) {
            "its task no longer targets this account and region"
        } else {
            "its task is no longer in the file"
        };
        let subject = format!(
            "stack {} in {}/{} ({owner})",
            s.name,
            actual.accounts.get(&s.account_id).map_or(s.account_id.as_str(), |a| a.name.as_str()),
            s.region
        );
        if !prune || s.termination_protection {
            still_there.insert(s.region.clone());
        }
        if !prune {
            plan.notes.push(Note { message: format!("{subject}: {why}; it is kept (run with --prune to delete it)") });
            continue;
        }
        if s.termination_protection {
            plan.notes.push(Note {
                message: format!(
                    "{subject}: {why}, but termination protection is on; disable it to let --prune delete the stack"
                ),
            });
            continue;
        }
        let op = DeploymentOperation::DeleteStack {
            account_id: s.account_id.clone(),
            region: s.region.clone(),
            name: s.name.clone(),
        };
        let id = plan.push_change(
            Action::Remove,
            subject,
            format!("delete ({why})"),
            op,
            vec![PropertyDiff::new("StackName", Some(s.name.clone()), None)],
            None,
        );
        plan.changes[id].depends_on.extend(org_changes);
    }
    still_there
}

/// The regions orgctl has stacks in, recorded on the root when they change (a later plan also
/// looks in regions no task uses any more).
fn record_stack_regions(
    plan: &mut Plan,
    actual: &OrgState,
    still_there: &BTreeSet<String>,
    recorded: &BTreeSet<String>,
) {
    if still_there != recorded && !still_there.is_empty() {
        let value = still_there.iter().cloned().collect::<Vec<_>>().join(" ");
        let tags = Tags::from([(STACK_REGIONS_TAG.to_string(), value.clone())]);
        let diff = vec![PropertyDiff::new(
            format!("Tags.{STACK_REGIONS_TAG}"),
            actual.root.tags.get(STACK_REGIONS_TAG).cloned(),
            Some(value),
        )];
        let op = OrganizationOperation::TagResource { resource: Handle::Existing(actual.root.id.clone()), tags };
        plan.push_change(
            Action::Change,
            crate::model::root_label(&actual.root.id),
            "record the regions orgctl has stacks in".into(),
            op,
            diff,
            None,
        );
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

/// A task's expressions evaluated for one target. `exports` are the exports read (a
/// `!CopyValue` of one is its value); `wanted` collects the exports `!CopyValue` names, before
/// they are read.
struct TargetEvaluation<'a> {
    task: &'a StackTask,
    target: &'a Target,
    accounts: AccountsOf<'a>,
    management: Option<&'a str>,
    organization_id: Option<&'a str>,
    exports: Option<&'a BTreeMap<ExportKey, String>>,
    wanted: Option<&'a std::cell::RefCell<BTreeSet<ExportKey>>>,
}

impl<'a> TargetEvaluation<'a> {
    fn new(
        task: &'a StackTask,
        target: &'a Target,
        desired: &'a DesiredOrg,
        actual: &'a OrgState,
        ids: &'a dyn Fn(&str) -> Option<String>,
    ) -> Self {
        TargetEvaluation {
            task,
            target,
            accounts: AccountsOf { org: desired, ids },
            management: desired.accounts.iter().find(|a| a.is_management).map(|a| a.logical_id.as_str()),
            organization_id: Some(actual.organization_id.as_str()).filter(|id| !id.is_empty()),
            exports: None,
            wanted: None,
        }
    }

    /// One expression as a stack parameter value; an error names `attribute`.
    fn text(&self, attribute: &str, node: &crate::source::yaml::Node) -> Result<Text, (String, EvalError)> {
        let names = TargetNames {
            accounts: &self.accounts,
            account: &self.target.account,
            region: &self.target.region,
            management: self.management,
            organization_id: self.organization_id,
            current_task: None,
            exports: self.exports,
            wanted_exports: self.wanted,
        };
        crate::expr::evaluate(node, &mut TaskScope::for_target(&self.task.values, names))
            .and_then(|v| parameter_text(&v))
            .map_err(|e| (attribute.to_string(), e))
    }

    /// The task's stack parameters.
    fn parameters(&self) -> Result<BTreeMap<String, Text>, (String, EvalError)> {
        self.task
            .parameters
            .iter()
            .map(|(name, node)| Ok((name.clone(), self.text(&format!("Parameters.{name}"), node)?)))
            .collect()
    }
}

/// The stack a target should have (imports not yet filled in); an error names the parameter.
fn stack_spec(
    task_name: &str,
    stack: &StackInstance,
    desired: &DesiredOrg,
    values: &TargetEvaluation,
) -> Result<StackSpec<Text>, (String, EvalError)> {
    let task = values.task;
    let ids = values.accounts.ids;
    let parameters = values.parameters()?;
    let access_role = match &task.task_role_name {
        Some(node) => Some(
            values.text("TaskRoleName", node)?.require_known("TaskRoleName").map_err(|e| ("TaskRoleName".into(), e))?,
        ),
        None => desired
            .accounts
            .iter()
            .find(|a| a.logical_id == stack.target.account)
            .and_then(|a| a.build_role_name.clone().or_else(|| desired.default_build_role_name.clone())),
    };
    let mut tags: Tags = task.tags.clone();
    tags.insert(STACK_TASK_TAG.into(), task_name.to_string());
    let account_id = match ids(&stack.target.account) {
        Some(id) => Text::known(id),
        None => Text::unknown(Unknown::Id(stack.target.account.clone())),
    };
    let template = match &task.stack_description {
        Some(node) => {
            let description = values.text("StackDescription", node)?;
            let mut template = stack.template.clone();
            if let Value::Map(sections) = &mut template {
                sections.retain(|(k, _)| k != "Description");
                sections.push(("Description".into(), Value::Text(description)));
            }
            template.to_json_text()
        }
        None => stack.template.to_json_text(),
    };
    let sensitive = serde_json::from_str(&template.shown()).map(|t| super::sensitive::no_echo_parameters(&t));
    Ok(StackSpec {
        sensitive: sensitive.unwrap_or_default(),
        name: task.stack_name.clone(),
        template,
        parameters,
        tags,
        termination_protection: task.termination_protection,
        access_role,
        via_role_arn: task.via_role_arn.as_ref().map(|n| values.text("TaskViaRoleArn", n)).transpose()?,
        stack_policy: task.stack_policy.clone(),
        disable_rollback: task.disable_rollback,
        role_arn: match &task.cloudformation_role_name {
            Some(node) => {
                let mut arn = Text::known("arn:aws:iam::");
                arn.push_text(&account_id);
                arn.push_str(":role/");
                arn.push_text(&values.text("CloudFormationRoleName", node)?);
                Some(arn)
            }
            None => None,
        },
    })
}

/// A stack parameter's value as CloudFormation takes it: text, or a list joined with commas.
fn parameter_text(value: &Value) -> Result<Text, EvalError> {
    let items = match value {
        Value::List(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    let mut out = Text::default();
    for (i, item) in items.iter().enumerate() {
        let text = item.as_text().ok_or_else(|| {
            EvalError::new("expected-string", format!("a stack parameter is text, found {}", item.describe()))
        })?;
        if i > 0 {
            out.push_str(",");
        }
        out.push_text(&text);
    }
    Ok(out)
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// A stack that needs the id of a resource of the file which neither exists nor is created by
/// this plan (an account while update-organization is skipped) could never be deployed: an error
/// now, rather than a stack that fails at apply.
fn never_known(
    spec: &StackSpec<Text>,
    existing: &HashMap<String, String>,
    created: &std::collections::HashSet<String>,
    subject: &str,
    task_name: &str,
) -> Option<Diagnostic> {
    let texts = std::iter::once(&spec.template).chain(spec.parameters.values()).chain(spec.role_arn.as_ref());
    let missing: BTreeSet<&str> = texts
        .flat_map(Text::unknowns)
        .filter_map(|u| match u {
            Unknown::Id(lid) if !existing.contains_key(lid) && !created.contains(lid) => Some(lid.as_str()),
            _ => None,
        })
        .collect();
    if missing.is_empty() {
        return None;
    }
    let list: Vec<&str> = missing.into_iter().collect();
    Some(
        Diagnostic::error(
            "id-never-known",
            format!(
                "{subject} needs the id of {}, which is not in the organization and not created by this plan",
                list.join(", ")
            ),
        )
        .resource(task_name.to_string())
        .help(
            "run the update-organization task (it is skipped) so that it creates them, or leave them out of this task",
        ),
    )
}

/// The template rendered for one target, checked as CloudFormation checks it before it creates
/// anything ([`crate::expr::template_rules`]): a template CloudFormation would refuse is an error
/// of the plan, naming the task, the target and the resource.
fn template_refused(
    spec: &StackSpec<Text>,
    stack: &StackInstance,
    subject: &str,
    task_name: &str,
) -> Option<Diagnostic> {
    let template = serde_json::from_str::<serde_json::Value>(&spec.template.shown()).ok()?;
    let mut parameters: BTreeMap<String, Option<String>> =
        spec.parameters.iter().map(|(k, v)| (k.clone(), v.as_known().map(str::to_string))).collect();
    parameters.extend(stack.imports.iter().map(|i| (i.parameter.clone(), None)));
    let refusals = crate::expr::template_rules::refusals(&template, &parameters);
    if refusals.is_empty() {
        return None;
    }
    let list: Vec<String> = refusals.iter().map(|r| format!("{}: {}", r.place, r.message)).collect();
    Some(Diagnostic::error(
        "template-refused",
        format!("{subject}: CloudFormation would refuse the template rendered for this target: {}", list.join("; ")),
    )
    .resource(task_name.to_string())
    .property("Template")
    .help("CloudFormation checks these before it creates anything; note that a resource bound to fewer targets than the rest is left out of the other targets' templates, so what refers to it must be bound the same way"))
}

/// Differences between the deployed stack and the wanted one, for the plan output.
pub(super) fn stack_diff(
    live: Option<&StackState>,
    spec: &StackSpec<Text>,
    parameters: &BTreeMap<String, String>,
) -> Vec<PropertyDiff> {
    let mut diff = Vec::new();
    let wanted: serde_json::Value = serde_json::from_str(&spec.template.shown()).unwrap_or_default();
    let old_params = live.map(|l| l.parameters.clone()).unwrap_or_default();
    for (k, v) in parameters {
        if spec.sensitive.contains(k) {
            diff.extend(super::sensitive::parameter_diff(k, live, spec));
        } else if old_params.get(k) != Some(v) || live.is_none() {
            diff.push(PropertyDiff::new(format!("Parameters.{k}"), old_params.get(k).cloned(), Some(v.clone())));
        }
    }
    for k in old_params.keys().filter(|k| !parameters.contains_key(*k)) {
        diff.push(PropertyDiff::new(format!("Parameters.{k}"), old_params.get(k).cloned(), None));
    }
    match live {
        // A new stack: what it holds, one resource a line (the full template is in --json).
        None => {
            let resources: Vec<String> = wanted
                .get("Resources")
                .and_then(|r| r.as_object())
                .into_iter()
                .flatten()
                .map(|(id, r)| format!("{id} ({})", r.get("Type").and_then(|t| t.as_str()).unwrap_or("?")))
                .collect();
            diff.push(PropertyDiff::new("Resources", None, Some(format!("{}\n", resources.join("\n")))));
        }
        Some(l) if l.template != wanted => {
            diff.push(PropertyDiff::new("Template", Some(pretty(&l.template)), Some(pretty(&wanted))));
        }
        Some(_) => {}
    }
    if live.is_some_and(|l| l.termination_protection != spec.termination_protection) {
        diff.push(PropertyDiff::new(
            "TerminationProtection",
            live.map(|l| l.termination_protection.to_string()),
            Some(spec.termination_protection.to_string()),
        ));
    }
    if let Some(l) = live.filter(|l| l.stack_policy.is_some() && l.stack_policy != spec.stack_policy) {
        diff.push(PropertyDiff::new("StackPolicy", l.stack_policy.clone(), spec.stack_policy.clone()));
    }
    let shown_tags = |tags: &crate::model::Tags| {
        let kept = tags.iter().filter(|(k, _)| !super::sensitive::is_digest_tag(k));
        kept.map(|(k, v)| (k.clone(), v.clone())).collect::<crate::model::Tags>()
    };
    if let Some(l) = live.filter(|l| shown_tags(&l.tags) != shown_tags(&spec.tags)) {
        let (old, new) = (shown_tags(&l.tags), shown_tags(&spec.tags));
        diff.push(PropertyDiff::new("Tags", Some(format!("{old:?}")), Some(format!("{new:?}"))));
    }
    diff
}
