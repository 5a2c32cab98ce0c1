//! What a change does, in words, derived from its operation and the live organization alone.
//!
//! Applying a saved plan shows this description, never the subjects and diffs stored in the
//! file: whatever an edited plan claims, the reviewer sees what its operations will do (an SCP
//! document as sent, the real account a password policy goes to, a detach that was added).

use super::change::{pretty, quoted, Action, Change, Handle, ImportSource, Operation, Plan, PropertyDiff};
use crate::model::{user_tags, OrgState, PolicyType, StackState};
use std::collections::{BTreeMap, HashMap};

/// How a plan says an account is closed: it cannot be undone for 90 days.
pub const CLOSE_SUMMARY: &str =
    "close (CloseAccountsOnRemoval; the account can be reopened within 90 days only by AWS Support)";

/// Replaces every change's action, subject, summary and diff with what its operation does to
/// `state` (and to `stacks`, the live stacks the plan read). Notes are dropped: they are text.
pub fn describe_from_operations(plan: &mut Plan, state: &OrgState, stacks: &[StackState]) {
    let created: HashMap<String, Operation> = plan
        .changes
        .iter()
        .filter_map(|c| match &c.operation {
            Operation::CreateOu { logical_id, .. }
            | Operation::CreateAccount { logical_id, .. }
            | Operation::CreatePolicy { logical_id, .. } => Some((logical_id.clone(), c.operation.clone())),
            _ => None,
        })
        .collect();
    let live: HashMap<(&str, &str, &str), &StackState> =
        stacks.iter().map(|s| ((s.account_id.as_str(), s.region.as_str(), s.name.as_str()), s)).collect();
    let words = Words { state, created: &created };
    for change in &mut plan.changes {
        let (action, subject, summary, diff) = words.describe(&change.operation, &live);
        *change = Change { action, subject, summary, diff, ..change.clone() };
    }
    plan.notes.clear();
}

struct Words<'a> {
    state: &'a OrgState,
    created: &'a HashMap<String, Operation>,
}

type Described = (Action, String, String, Vec<PropertyDiff>);

impl Words<'_> {
    /// `account Name (id)`, `organizational unit Name (id)`, `organization root r-1`, `SCP Name`.
    fn resource(&self, handle: &Handle) -> String {
        let s = self.state;
        match handle {
            Handle::Existing(id) if *id == s.root.id => crate::model::root_label(id),
            Handle::Existing(id) => {
                if let Some(a) = s.accounts.get(id) {
                    let kind = if a.id == s.management_account_id { "management account" } else { "account" };
                    format!("{kind} {} ({id})", a.name)
                } else if let Some(ou) = s.ous.get(id) {
                    format!("organizational unit {} ({id})", ou.name)
                } else if let Some(p) = s.policies.get(id) {
                    format!("{} {} ({id})", p.policy_type.noun(), p.name)
                } else {
                    format!("unknown resource {id}")
                }
            }
            Handle::New(lid) => match self.created.get(lid) {
                Some(Operation::CreateAccount { name, .. }) => format!("account {name} ({lid}, new)"),
                Some(Operation::CreateOu { name, .. }) => format!("organizational unit {name} ({lid}, new)"),
                Some(Operation::CreatePolicy { name, policy_type, .. }) => {
                    format!("{} {name} ({lid}, new)", policy_type.noun())
                }
                _ => format!("{lid} (new)"),
            },
        }
    }

    /// Where an account or OU is: `Root/Workloads/Prod`.
    fn place(&self, handle: &Handle) -> String {
        match handle {
            Handle::Existing(id) => self.state.path_of(id),
            Handle::New(_) => self.resource(handle),
        }
    }

    /// A policy as attachments name it ("SCP Deny-regions"), with the property that attaches it.
    fn policy_name(&self, handle: &Handle) -> (String, &'static str) {
        let (name, policy_type) = match handle {
            Handle::Existing(id) => match self.state.policies.get(id) {
                Some(p) => (p.name.clone(), p.policy_type),
                None => (id.clone(), PolicyType::ServiceControl),
            },
            Handle::New(lid) => match self.created.get(lid) {
                Some(Operation::CreatePolicy { name, policy_type, .. }) => (name.clone(), *policy_type),
                _ => (format!("{lid} (new)"), PolicyType::ServiceControl),
            },
        };
        (format!("{} {name}", policy_type.short()), policy_type.attachment_property())
    }

    fn tags_of(&self, handle: &Handle) -> BTreeMap<String, String> {
        let s = self.state;
        let Some(id) = handle.existing_id() else { return BTreeMap::new() };
        let tags = if id == s.root.id {
            Some(&s.root.tags)
        } else {
            s.accounts
                .get(id)
                .map(|a| &a.tags)
                .or_else(|| s.ous.get(id).map(|o| &o.tags))
                .or_else(|| s.policies.get(id).map(|p| &p.tags))
        };
        tags.cloned().unwrap_or_default()
    }

    fn account(&self, handle: &Handle) -> Option<&crate::model::AccountState> {
        handle.existing_id().and_then(|id| self.state.accounts.get(id))
    }

    fn describe(&self, op: &Operation, stacks: &HashMap<(&str, &str, &str), &StackState>) -> Described {
        let s = self.state;
        let existing = |id: &str| Handle::Existing(id.to_string());
        match op {
            Operation::IdentityCenter(op) => super::identity::describe(op, &|h| self.resource(h)),
            Operation::EnablePolicyType { root_id, policy_type } => (
                Action::Change,
                self.resource(&existing(root_id)),
                format!("enable {}", policy_type.noun_plural()),
                vec![PropertyDiff::new("PolicyTypes", None, Some(policy_type.api_name().into()))],
            ),
            Operation::CreateOu { logical_id, parent, name, tags } => {
                let mut diff = vec![
                    PropertyDiff::new("OrganizationalUnitName", None, quoted(name)),
                    PropertyDiff::new("Parent", None, Some(self.place(parent))),
                ];
                diff.extend(tag_diffs(&BTreeMap::new(), &user_tags(tags)));
                (Action::Add, format!("organizational unit {name} ({logical_id})"), "create".into(), diff)
            }
            Operation::RenameOu { ou_id, name } => {
                let old = s.ous.get(ou_id).map(|o| o.name.as_str()).unwrap_or_default();
                let diff = vec![PropertyDiff::new("OrganizationalUnitName", quoted(old), quoted(name))];
                (Action::Change, self.resource(&existing(ou_id)), "rename".into(), diff)
            }
            Operation::CloseAccount { account_id } => {
                let status = s.accounts.get(account_id).map(|a| a.status.to_string());
                let diff = vec![PropertyDiff::new("Status", status, Some("CLOSED".into()))];
                (Action::Remove, self.resource(&existing(account_id)), CLOSE_SUMMARY.into(), diff)
            }
            Operation::DeleteOu { ou_id } => {
                let parent = s.ous.get(ou_id).map(|o| s.path_of(&o.parent_id));
                (
                    Action::Remove,
                    self.resource(&existing(ou_id)),
                    "delete".into(),
                    vec![PropertyDiff::new("Parent", parent, None)],
                )
            }
            Operation::CreateAccount { logical_id, name, email, tags } => {
                let mut diff = vec![
                    PropertyDiff::new("AccountName", None, quoted(name)),
                    PropertyDiff::new("RootEmail", None, quoted(email)),
                ];
                diff.extend(tag_diffs(&BTreeMap::new(), &user_tags(tags)));
                (Action::Add, format!("account {name} ({logical_id})"), "create".into(), diff)
            }
            Operation::RenameAccount { account, name } => {
                let old = self.account(account).map(|a| a.name.as_str()).and_then(quoted);
                (
                    Action::Change,
                    self.resource(account),
                    "rename".into(),
                    vec![PropertyDiff::new("AccountName", old, quoted(name))],
                )
            }
            Operation::MoveAccount { account, from, to } => (
                Action::Move,
                self.resource(account),
                "move".into(),
                vec![PropertyDiff::new("Parent", Some(self.place(from)), Some(self.place(to)))],
            ),
            Operation::TagResource { resource, tags } => {
                let old = self.tags_of(resource);
                (Action::Change, self.resource(resource), "tag".into(), tag_diffs(&old, tags))
            }
            Operation::UntagResource { resource, keys } => {
                let old = self.tags_of(resource);
                let diff =
                    keys.iter().map(|k| PropertyDiff::new(format!("Tags.{k}"), old.get(k).cloned(), None)).collect();
                (Action::Change, self.resource(resource), "remove tags".into(), diff)
            }
            Operation::CreatePolicy { logical_id, policy_type, name, description, content, .. } => (
                Action::Add,
                format!("{} {name} ({logical_id})", policy_type.noun()),
                "create".into(),
                vec![
                    PropertyDiff::new("PolicyName", None, quoted(name)),
                    PropertyDiff::new("Description", None, quoted(description)),
                    PropertyDiff::new("PolicyDocument", None, Some(pretty(content))),
                ],
            ),
            Operation::UpdatePolicy { policy_id, name, description, content } => {
                let live = s.policies.get(policy_id);
                let mut diff = Vec::new();
                let old_name = live.map(|p| p.name.as_str()).unwrap_or_default();
                let old_description = live.map(|p| p.description.as_str()).unwrap_or_default();
                let old_content = live.map(|p| p.content.as_str()).unwrap_or_default();
                if old_name != name {
                    diff.push(PropertyDiff::new("PolicyName", quoted(old_name), quoted(name)));
                }
                if old_description != description {
                    diff.push(PropertyDiff::new("Description", quoted(old_description), quoted(description)));
                }
                if pretty(old_content) != pretty(content) {
                    diff.push(PropertyDiff::new("PolicyDocument", Some(pretty(old_content)), Some(pretty(content))));
                }
                (Action::Change, self.resource(&existing(policy_id)), "update".into(), diff)
            }
            Operation::DeletePolicy { policy_id } => {
                let name = s.policies.get(policy_id).map(|p| p.name.as_str()).and_then(quoted);
                (
                    Action::Remove,
                    self.resource(&existing(policy_id)),
                    "delete".into(),
                    vec![PropertyDiff::new("PolicyName", name, None)],
                )
            }
            Operation::AttachPolicy { policy, target } => {
                let (name, property) = self.policy_name(policy);
                let diff = vec![PropertyDiff::new(property, None, Some(name.clone()))];
                (Action::Change, self.resource(target), format!("attach {name}"), diff)
            }
            Operation::DetachPolicy { policy_id, target_id } => {
                let (name, property) = self.policy_name(&existing(policy_id));
                let diff = vec![PropertyDiff::new(property, Some(name.clone()), None)];
                (Action::Change, self.resource(&existing(target_id)), format!("detach {name}"), diff)
            }
            Operation::Setting(op) => op.describe(&|h| self.resource(h), self.state),
            Operation::Delegation(op) => op.describe(&|h| self.resource(h)),
            Operation::CreateStack { account, region, spec, imports, replace_failed } => {
                let params = with_imports(&spec.parameters, imports, |h| self.resource(h));
                let summary =
                    if *replace_failed { "create (replaces a stack that failed to create)" } else { "create" };
                let subject = format!("stack {} in {} {region}", spec.name, self.resource(account));
                (Action::Add, subject, summary.into(), super::stacks::stack_diff(None, spec, &params))
            }
            Operation::UpdateStack { account_id, region, spec, imports } => {
                let params = with_imports(&spec.parameters, imports, |h| self.resource(h));
                let live = stacks.get(&(account_id.as_str(), region.as_str(), spec.name.as_str())).copied();
                let subject = format!("stack {} in {} {region}", spec.name, self.resource(&existing(account_id)));
                (Action::Change, subject, "update".into(), super::stacks::stack_diff(live, spec, &params))
            }
            Operation::RunWorkload { account, region, task, directory, commands, record_exists, call, .. } => {
                let diff = super::workloads::run_diff(commands, call.as_deref(), directory);
                let summary = if *record_exists { "run again (its inputs changed)" } else { "run" };
                (
                    Action::Change,
                    format!("workload {task} in {} {region}", self.resource(account)),
                    summary.into(),
                    diff,
                )
            }
            Operation::RemoveWorkload { account_id, region, task, commands, call, .. } => {
                let diff = super::workloads::removal_diff(commands, call.as_ref());
                let subject = format!("workload {task} in {} {region}", self.resource(&existing(account_id)));
                (Action::Remove, subject, "remove (the target left the binding)".into(), diff)
            }
            Operation::DeleteStack { account_id, region, name } => (
                Action::Remove,
                format!("stack {name} in {} {region}", self.resource(&existing(account_id))),
                "delete".into(),
                vec![PropertyDiff::new("StackName", Some(name.clone()), None)],
            ),
        }
    }
}

/// Tag differences, one line per tag that changes.
fn tag_diffs(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<PropertyDiff> {
    new.iter()
        .filter(|(k, v)| old.get(*k) != Some(v))
        .map(|(k, v)| PropertyDiff::new(format!("Tags.{k}"), old.get(k).cloned(), Some(v.clone())))
        .collect()
}

/// Stack parameters with the values read at apply time shown as where they come from.
fn with_imports(
    parameters: &BTreeMap<String, crate::expr::Text>,
    imports: &[super::change::StackImport],
    resource: impl Fn(&Handle) -> String,
) -> BTreeMap<String, String> {
    let mut shown: BTreeMap<String, String> = parameters.iter().map(|(k, v)| (k.clone(), v.shown())).collect();
    for i in imports {
        let from = match &i.source {
            ImportSource::Output { stack, output } => format!("output {output} of stack {stack}"),
        };
        shown.insert(
            i.parameter.clone(),
            format!("({from} in {} {}, read at apply time)", resource(&i.account), i.region),
        );
    }
    shown
}
