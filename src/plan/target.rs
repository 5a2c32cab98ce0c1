//! `--target LOGICAL_ID`: a plan narrowed to the named resources (an account, OU or SCP of the
//! organization file, a permission set with its assignments, an account assignment, or a task
//! of the task file) and every change they need, as Terraform's `-target` does. The rest is
//! left for a later, full plan (a note says how much).

use super::change::{Address, Handle, Note, Plan};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{OrgState, OWNER_TAG};
use crate::org_file::desired::DesiredOrg;
use crate::tasks::task_file::TaskFile;
use std::collections::{BTreeSet, HashMap};

/// Keeps the changes of `targets` and what they depend on. A target that names nothing in the
/// files is an error (with the closest name); a target without changes leaves an empty plan.
pub fn retain(
    plan: &mut Plan,
    targets: &[String],
    desired: &DesiredOrg,
    tasks: Option<&TaskFile>,
    state: &OrgState,
) -> Result<(), Diagnostics> {
    if targets.is_empty() {
        return Ok(());
    }
    let task_names: Vec<&str> = tasks.map(|t| t.tasks.iter().map(|t| t.name.as_str()).collect()).unwrap_or_default();
    let lids: Vec<&str> = desired
        .accounts
        .iter()
        .map(|a| a.logical_id.as_str())
        .chain(desired.ous.iter().map(|o| o.logical_id.as_str()))
        .chain(desired.policies.iter().map(|p| p.logical_id.as_str()))
        .chain(desired.permission_sets.iter().map(|p| p.logical_id.as_str()))
        .chain(desired.assignments.iter().map(|a| a.logical_id.as_str()))
        .collect();
    let mut errors = Diagnostics::default();
    for t in targets {
        let is_task = task_names.iter().any(|n| n == t || n.starts_with(&format!("{t}/")));
        if !is_task && !lids.contains(&t.as_str()) {
            let known = lids.iter().chain(task_names.iter()).copied();
            let help = crate::org_file::load::suggest(t, known).map_or_else(
                || {
                    "name a logical id of the organization file (account, OU, policy, permission set, assignment) or a task of the task file"
                        .to_string()
                },
                |g| format!("did you mean '{g}'?"),
            );
            errors.push(
                Diagnostic::error("unknown-target", format!("--target {t}: nothing in the files has that name"))
                    .help(help),
            );
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }
    // The resource keys each target stands for: new (by logical id) or existing (by AWS id).
    let mut aws_ids: HashMap<String, String> = super::account_ids(desired, state);
    let owned = state
        .ous
        .values()
        .map(|o| (&o.tags, o.id.as_str()))
        .chain(state.policies.values().map(|p| (&p.tags, p.id.as_str())))
        .chain(state.accounts.values().map(|a| (&a.tags, a.id.as_str())));
    for (tags, id) in owned {
        if let Some(lid) = tags.get(OWNER_TAG) {
            aws_ids.entry(lid.clone()).or_insert_with(|| id.to_string());
        }
    }
    // Permission sets the plan read have their ARN here.
    for (lid, id) in &plan.existing_ids {
        aws_ids.entry(lid.clone()).or_insert_with(|| id.to_string());
    }
    let handle_of = |lid: &str| Handle::of(&aws_ids, lid);
    // An assignment resource stands for the assignments it creates: its set, in its accounts.
    let assignment_places: HashMap<&str, (Handle, BTreeSet<Handle>)> = desired
        .assignments
        .iter()
        .map(|a| {
            let accounts = desired.assignment_accounts(a).iter().map(|lid| handle_of(lid)).collect();
            (a.logical_id.as_str(), (handle_of(&a.permission_set), accounts))
        })
        .collect();
    let wanted = |change: &super::Change| {
        let address = change.operation.address();
        let acts_on = |handle: Handle| address == Address::Resource(handle);
        targets.iter().any(|t| {
            let set_handle = handle_of(t);
            acts_on(Handle::New(t.as_str().into()))
                || aws_ids.get(t).is_some_and(|id| acts_on(Handle::Existing(id.clone())))
                || change.group.as_ref().is_some_and(|g| g.name == *t || g.name.starts_with(&format!("{t}/")))
                || matches!(&address, Address::Assignment(set, _, _) if *set == set_handle
                    && desired.permission_sets.iter().any(|p| p.logical_id == *t))
                || assignment_places.get(t.as_str()).is_some_and(|(set, accounts)| {
                    matches!(&change.operation, super::Operation::IdentityCenter(
                        super::IdentityOperation::CreateAccountAssignment { permission_set, account, .. },
                    ) if permission_set == set && accounts.contains(account))
                })
        })
    };
    let mut keep: BTreeSet<usize> = plan.changes.iter().filter(|c| wanted(c)).map(|c| c.id).collect();
    let mut pending: Vec<usize> = keep.iter().copied().collect();
    while let Some(id) = pending.pop() {
        let Some(change) = plan.changes.iter().find(|c| c.id == id) else { continue };
        for dep in &change.depends_on {
            if keep.insert(*dep) {
                pending.push(*dep);
            }
        }
    }
    let before = plan.changes.len();
    let new_id: HashMap<usize, usize> = keep.iter().enumerate().map(|(new, old)| (*old, new)).collect();
    plan.changes.retain(|c| keep.contains(&c.id));
    for change in &mut plan.changes {
        change.id = new_id.get(&change.id).copied().unwrap_or(change.id);
        change.depends_on = change.depends_on.iter().filter_map(|d| new_id.get(d).copied()).collect();
        change.after = change.after.iter().filter_map(|d| new_id.get(d).copied()).collect();
    }
    if plan.changes.len() < before {
        plan.notes.push(Note {
            message: format!(
                "--target: {} of {before} change(s) planned; the plan is partial, so run without --target to make the rest",
                plan.changes.len()
            ),
        });
    }
    Ok(())
}
