//! Stacks orgctl owns that no task targets any more (kept and noted, or deleted with
//! `--prune`), and the regions orgctl has stacks in, recorded on the root.

use crate::model::{OrgState, StackKey, StackState, Tags, STACK_REGIONS_TAG};
use crate::plan::change::*;
use crate::tasks::task_file::TaskFile;
use std::collections::{BTreeSet, HashMap};

/// Stacks orgctl owns that no task targets any more: kept and noted, or deleted with `--prune`
/// (never with termination protection). Returns the regions orgctl has stacks in afterwards.
#[allow(clippy::too_many_arguments)]
pub(super) fn plan_orphans(
    plan: &mut Plan,
    live: &HashMap<StackKey, &StackState>,
    wanted: &BTreeSet<StackKey>,
    tasks: &TaskFile,
    actual: &OrgState,
    prune: bool,
    used: &BTreeSet<String>,
    org_changes: &[usize],
) -> BTreeSet<String> {
    let task_names: BTreeSet<&str> = tasks.tasks.iter().map(|t| t.name.as_str()).collect();
    let mut orphans: Vec<&&StackState> = live.values().filter(|s| !wanted.contains(&s.key())).collect();
    // In the order people read them: by account name, then region and stack.
    let account_name = |s: &StackState| actual.accounts.get(&s.account_id).map(|a| a.name.clone());
    orphans.sort_by_key(|s| (account_name(s), s.account_id.clone(), s.region.clone(), s.name.clone()));
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
            still_there.insert(s.region.to_string());
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
pub(super) fn record_stack_regions(
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
