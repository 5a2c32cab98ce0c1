//! What a change does, in words, derived from its operation and the live organization alone.
//!
//! Applying a saved plan shows this description, never the subjects and diffs stored in the
//! file: whatever an edited plan claims, the reviewer sees what its operations will do (an SCP
//! document as sent, the real account a password policy goes to, a detach that was added). Each
//! area describes its own operations ([`super::organization`], [`super::settings`],
//! [`super::delegation`], [`super::identity`], [`super::deployment`]); this module holds what
//! they share: the names of the resources involved.

use super::change::{Action, Change, Handle, Operation, Plan, PropertyDiff};
use super::organization::OrganizationOperation;
use crate::model::{OrgState, PolicyType, StackState};
use std::collections::{BTreeMap, HashMap};

/// Replaces every change's action, subject, summary and diff with what its operation does to
/// `state` (and to `stacks`, the live stacks the plan read). Notes are dropped: they are text.
pub fn describe_from_operations(plan: &mut Plan, state: &OrgState, stacks: &[StackState]) {
    let created: HashMap<String, OrganizationOperation> = plan
        .changes
        .iter()
        .filter_map(|c| match &c.operation {
            Operation::Organization(op) => op.created().map(|lid| (lid.to_string(), op.clone())),
            _ => None,
        })
        .collect();
    let words = Words { state, created: &created, stacks: live_stacks(stacks) };
    for change in &mut plan.changes {
        let (action, subject, summary, diff) = words.describe(&change.operation);
        *change = Change { action, subject, summary, diff, ..change.clone() };
    }
    plan.notes.clear();
}

/// The live stacks by place (account, region, name).
pub(super) fn live_stacks(stacks: &[StackState]) -> HashMap<(&str, &str, &str), &StackState> {
    stacks.iter().map(|s| ((s.account_id.as_str(), s.region.as_str(), s.name.as_str()), s)).collect()
}

/// What an operation's description is made of: the action, the subject, the summary, the diff.
pub(super) type Described = (Action, String, String, Vec<PropertyDiff>);

/// Names for the resources an operation involves, from the live organization and the
/// resources the plan creates.
pub(super) struct Words<'a> {
    pub(super) state: &'a OrgState,
    created: &'a HashMap<String, OrganizationOperation>,
    stacks: HashMap<(&'a str, &'a str, &'a str), &'a StackState>,
}

impl Words<'_> {
    fn describe(&self, op: &Operation) -> Described {
        match op {
            Operation::Organization(op) => op.describe(self),
            Operation::Setting(op) => op.describe(&|h| self.resource(h), self.state),
            Operation::Delegation(op) => op.describe(&|h| self.resource(h)),
            Operation::IdentityCenter(op) => super::identity::describe(op, &|h| self.resource(h)),
            Operation::Deployment(op) => op.describe(self),
        }
    }

    /// `account Name (id)`, `organizational unit Name (id)`, `organization root r-1`, `SCP Name`.
    pub(super) fn resource(&self, handle: &Handle) -> String {
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
            Handle::New(lid) => match self.created.get(lid.as_str()) {
                Some(OrganizationOperation::CreateAccount { name, .. }) => format!("account {name} ({lid}, new)"),
                Some(OrganizationOperation::CreateOu { name, .. }) => {
                    format!("organizational unit {name} ({lid}, new)")
                }
                Some(OrganizationOperation::CreatePolicy { name, policy_type, .. }) => {
                    format!("{} {name} ({lid}, new)", policy_type.noun())
                }
                _ => format!("{lid} (new)"),
            },
        }
    }

    /// Where an account or OU is: `Root/Workloads/Prod`.
    pub(super) fn place(&self, handle: &Handle) -> String {
        match handle {
            Handle::Existing(id) => self.state.path_of(id),
            Handle::New(_) => self.resource(handle),
        }
    }

    /// A policy as attachments name it ("SCP Deny-regions"), with the property that attaches it.
    pub(super) fn policy_name(&self, handle: &Handle) -> (String, &'static str) {
        let (name, policy_type) = match handle {
            Handle::Existing(id) => match self.state.policies.get(id) {
                Some(p) => (p.name.clone(), p.policy_type),
                None => (id.clone(), PolicyType::ServiceControl),
            },
            Handle::New(lid) => match self.created.get(lid.as_str()) {
                Some(OrganizationOperation::CreatePolicy { name, policy_type, .. }) => (name.clone(), *policy_type),
                _ => (format!("{lid} (new)"), PolicyType::ServiceControl),
            },
        };
        (format!("{} {name}", policy_type.short()), policy_type.attachment_property())
    }

    pub(super) fn tags_of(&self, handle: &Handle) -> BTreeMap<String, String> {
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

    pub(super) fn account(&self, handle: &Handle) -> Option<&crate::model::AccountState> {
        handle.existing_id().and_then(|id| self.state.accounts.get(id))
    }

    /// The live stack at a place, if the plan read one.
    pub(super) fn stack(&self, account_id: &str, region: &str, name: &str) -> Option<&StackState> {
        self.stacks.get(&(account_id, region, name)).copied()
    }
}

/// Tag differences, one line per tag that changes.
pub(super) fn tag_diffs(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<PropertyDiff> {
    new.iter()
        .filter(|(k, v)| old.get(*k) != Some(v))
        .map(|(k, v)| PropertyDiff::new(format!("Tags.{k}"), old.get(k).cloned(), Some(v.clone())))
        .collect()
}
