//! Every task's template instantiated for its targets, and what must be read to plan them: the
//! places (account, region) that may hold orgctl's stacks and the exports `!CopyValue` names.

use super::evaluate::TargetEvaluation;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{OrgState, StackState, STACK_REGIONS_TAG};
use crate::org_file::desired::DesiredOrg;
use crate::plan::change::*;
use crate::tasks::instantiate::{instantiate, StackInstance};
use crate::tasks::scope::ExportKey;
use crate::tasks::task_file::{StackTask, TaskFile, TaskKind};
use std::collections::{BTreeMap, BTreeSet};

/// The task file's stacks instantiated for every target, and what must be read to plan them.
pub struct StackTargets<'t> {
    pub(super) instances: Vec<(&'t str, &'t StackTask, Vec<StackInstance>)>,
    /// Every (AccountId, region) that may hold orgctl's stacks: each active account in every
    /// region a task uses or orgctl recorded on the root.
    pub places: Vec<(crate::model::AccountId, crate::model::Region)>,
    /// The exports `!CopyValue` reads, as (AccountId, region, export name).
    pub exports: BTreeSet<ExportKey>,
    pub(super) used_regions: BTreeSet<String>,
    pub(super) recorded_regions: BTreeSet<String>,
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
            used_regions.extend(crate::plan::workloads::workload_targets(w, desired).into_iter().map(|t| t.region));
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
        .flat_map(|a| regions.iter().map(move |r| (a.id.clone(), crate::model::Region::from(r.as_str()))))
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
    let collecting = crate::plan::workloads::Known { wanted: Some(&wanted), ..Default::default() };
    for task in tasks.tasks.iter().filter(|t| !t.skip) {
        if let TaskKind::Workload(w) = &task.kind {
            for target in crate::plan::workloads::workload_targets(w, desired) {
                let _ = crate::plan::workloads::run_for(w, &target, desired, &lookup, &collecting, false);
            }
        }
    }
    let exports = wanted.into_inner().into_iter().filter(|(account, _, _)| is_account_id(account)).collect();
    Ok(StackTargets { instances, places, exports, used_regions, recorded_regions })
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.chars().all(|c| c.is_ascii_digit())
}
