//! The organization's own structure: policy types, OUs, accounts, tags, policies and their
//! attachments. Each operation is described here (from itself and the live organization, what a
//! saved plan's review shows), addressed (the resource `--target` and the plan's blocks group it
//! by) and checked (a saved plan edited by hand is refused); `apply::organization` carries it out.
//! The changes themselves are computed from the file in [`super::diff`].

use super::change::{pretty, quoted, Action, Address, Change, Handle, PropertyDiff};
use super::check::{Checker, Kind};
use super::describe::{tag_diffs, Described, Words};
use crate::model::{user_tags, AccountId, LogicalId, PolicyId, PolicyType, Tags, OWNER_TAG};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What orgctl does to the organization's structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrganizationOperation {
    EnablePolicyType {
        root_id: String,
        policy_type: PolicyType,
    },
    CreateOu {
        logical_id: LogicalId,
        parent: Handle,
        name: String,
        tags: Tags,
    },
    RenameOu {
        ou_id: String,
        name: String,
    },
    DeleteOu {
        ou_id: String,
    },
    CreateAccount {
        logical_id: LogicalId,
        name: String,
        email: String,
        tags: Tags,
    },
    RenameAccount {
        account: Handle,
        name: String,
    },
    /// `CloseAccountsOnRemoval`: an account orgctl created or adopted, removed from the file.
    CloseAccount {
        account_id: AccountId,
    },
    MoveAccount {
        account: Handle,
        from: Handle,
        to: Handle,
    },
    TagResource {
        resource: Handle,
        tags: Tags,
    },
    UntagResource {
        resource: Handle,
        keys: Vec<String>,
    },
    CreatePolicy {
        logical_id: LogicalId,
        #[serde(default)]
        policy_type: PolicyType,
        name: String,
        description: String,
        content: String,
        tags: Tags,
    },
    UpdatePolicy {
        policy_id: PolicyId,
        name: String,
        description: String,
        content: String,
    },
    DeletePolicy {
        policy_id: PolicyId,
    },
    AttachPolicy {
        policy: Handle,
        target: Handle,
    },
    DetachPolicy {
        policy_id: PolicyId,
        target_id: String,
    },
}

/// How a plan says an account is closed: it cannot be undone for 90 days.
pub const CLOSE_SUMMARY: &str =
    "close (CloseAccountsOnRemoval; the account can be reopened within 90 days only by AWS Support)";

impl OrganizationOperation {
    /// The logical id of the resource the operation creates (an OU, an account, a policy).
    pub fn created(&self) -> Option<&str> {
        match self {
            OrganizationOperation::CreateOu { logical_id, .. }
            | OrganizationOperation::CreateAccount { logical_id, .. }
            | OrganizationOperation::CreatePolicy { logical_id, .. } => Some(logical_id),
            _ => None,
        }
    }

    /// The resource acted on: a created one by its logical id (so that its later operations,
    /// which name it the same way, join it), an existing one by its AWS id. Attachments belong to
    /// their target.
    pub fn address(&self) -> Address {
        let existing = |id: &str| Handle::Existing(id.to_string());
        let handle = match self {
            OrganizationOperation::EnablePolicyType { root_id, .. } => existing(root_id),
            OrganizationOperation::CreateOu { logical_id, .. }
            | OrganizationOperation::CreateAccount { logical_id, .. }
            | OrganizationOperation::CreatePolicy { logical_id, .. } => Handle::New(logical_id.clone()),
            OrganizationOperation::RenameOu { ou_id, .. } | OrganizationOperation::DeleteOu { ou_id } => {
                existing(ou_id)
            }
            OrganizationOperation::RenameAccount { account, .. }
            | OrganizationOperation::MoveAccount { account, .. } => account.clone(),
            OrganizationOperation::CloseAccount { account_id } => existing(account_id),
            OrganizationOperation::TagResource { resource, .. }
            | OrganizationOperation::UntagResource { resource, .. } => resource.clone(),
            OrganizationOperation::UpdatePolicy { policy_id, .. }
            | OrganizationOperation::DeletePolicy { policy_id } => existing(policy_id),
            OrganizationOperation::AttachPolicy { target, .. } => target.clone(),
            OrganizationOperation::DetachPolicy { target_id, .. } => existing(target_id),
        };
        Address::Resource(handle)
    }

    /// What it does, in words, from the operation and the live organization alone.
    pub(super) fn describe(&self, words: &Words) -> Described {
        let s = words.state;
        let existing = |id: &str| Handle::Existing(id.to_string());
        match self {
            OrganizationOperation::EnablePolicyType { root_id, policy_type } => (
                Action::Change,
                words.resource(&existing(root_id)),
                format!("enable {}", policy_type.noun_plural()),
                vec![PropertyDiff::new("PolicyTypes", None, Some(policy_type.api_name().into()))],
            ),
            OrganizationOperation::CreateOu { logical_id, parent, name, tags } => {
                let mut diff = vec![
                    PropertyDiff::new("OrganizationalUnitName", None, quoted(name)),
                    PropertyDiff::new("Parent", None, Some(words.place(parent))),
                ];
                diff.extend(tag_diffs(&BTreeMap::new(), &user_tags(tags)));
                (Action::Add, format!("organizational unit {name} ({logical_id})"), "create".into(), diff)
            }
            OrganizationOperation::RenameOu { ou_id, name } => {
                let old = s.ous.get(ou_id).map(|o| o.name.as_str()).unwrap_or_default();
                let diff = vec![PropertyDiff::new("OrganizationalUnitName", quoted(old), quoted(name))];
                (Action::Change, words.resource(&existing(ou_id)), "rename".into(), diff)
            }
            OrganizationOperation::CloseAccount { account_id } => {
                let status = s.accounts.get(account_id).map(|a| a.status.to_string());
                let diff = vec![PropertyDiff::new("Status", status, Some("CLOSED".into()))];
                (Action::Remove, words.resource(&existing(account_id)), CLOSE_SUMMARY.into(), diff)
            }
            OrganizationOperation::DeleteOu { ou_id } => {
                let parent = s.ous.get(ou_id).map(|o| s.path_of(&o.parent_id));
                let diff = vec![PropertyDiff::new("Parent", parent, None)];
                (Action::Remove, words.resource(&existing(ou_id)), "delete".into(), diff)
            }
            OrganizationOperation::CreateAccount { logical_id, name, email, tags } => {
                let mut diff = vec![
                    PropertyDiff::new("AccountName", None, quoted(name)),
                    PropertyDiff::new("RootEmail", None, quoted(email)),
                ];
                diff.extend(tag_diffs(&BTreeMap::new(), &user_tags(tags)));
                (Action::Add, format!("account {name} ({logical_id})"), "create".into(), diff)
            }
            OrganizationOperation::RenameAccount { account, name } => {
                let old = words.account(account).map(|a| a.name.as_str()).and_then(quoted);
                let diff = vec![PropertyDiff::new("AccountName", old, quoted(name))];
                (Action::Change, words.resource(account), "rename".into(), diff)
            }
            OrganizationOperation::MoveAccount { account, from, to } => (
                Action::Move,
                words.resource(account),
                "move".into(),
                vec![PropertyDiff::new("Parent", Some(words.place(from)), Some(words.place(to)))],
            ),
            OrganizationOperation::TagResource { resource, tags } => {
                let old = words.tags_of(resource);
                (Action::Change, words.resource(resource), "tag".into(), tag_diffs(&old, tags))
            }
            OrganizationOperation::UntagResource { resource, keys } => {
                let old = words.tags_of(resource);
                let diff =
                    keys.iter().map(|k| PropertyDiff::new(format!("Tags.{k}"), old.get(k).cloned(), None)).collect();
                (Action::Change, words.resource(resource), "remove tags".into(), diff)
            }
            OrganizationOperation::CreatePolicy { logical_id, policy_type, name, description, content, .. } => (
                Action::Add,
                format!("{} {name} ({logical_id})", policy_type.noun()),
                "create".into(),
                vec![
                    PropertyDiff::new("PolicyName", None, quoted(name)),
                    PropertyDiff::new("Description", None, quoted(description)),
                    PropertyDiff::new("PolicyDocument", None, Some(pretty(content))),
                ],
            ),
            OrganizationOperation::UpdatePolicy { policy_id, name, description, content } => {
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
                (Action::Change, words.resource(&existing(policy_id)), "update".into(), diff)
            }
            OrganizationOperation::DeletePolicy { policy_id } => {
                let name = s.policies.get(policy_id).map(|p| p.name.as_str()).and_then(quoted);
                let diff = vec![PropertyDiff::new("PolicyName", name, None)];
                (Action::Remove, words.resource(&existing(policy_id)), "delete".into(), diff)
            }
            OrganizationOperation::AttachPolicy { policy, target } => {
                let (name, property) = words.policy_name(policy);
                let diff = vec![PropertyDiff::new(property, None, Some(name.clone()))];
                (Action::Change, words.resource(target), format!("attach {name}"), diff)
            }
            OrganizationOperation::DetachPolicy { policy_id, target_id } => {
                let (name, property) = words.policy_name(&existing(policy_id));
                let diff = vec![PropertyDiff::new(property, Some(name.clone()), None)];
                (Action::Change, words.resource(&existing(target_id)), format!("detach {name}"), diff)
            }
        }
    }

    /// Checks the operation against the live organization: what it names exists and is of the
    /// right kind, nothing orgctl does not own is deleted or closed, the SCPs left on each target
    /// are counted (the last-SCP rule).
    pub(super) fn check(&self, c: &Change, checker: &mut Checker) {
        let state = checker.state;
        let fail = |checker: &mut Checker, message: String| checker.fail(c.id, message);
        match self {
            OrganizationOperation::EnablePolicyType { root_id, policy_type } if *root_id != state.root.id => {
                fail(checker, format!("enables {policy_type} on {root_id}, which is not this organization's root"));
            }
            OrganizationOperation::EnablePolicyType { .. }
            | OrganizationOperation::CreateAccount { .. }
            | OrganizationOperation::CreatePolicy { .. } => {}
            OrganizationOperation::CreateOu { parent, .. } => checker.handle(c, parent, Kind::Parent),
            OrganizationOperation::RenameOu { ou_id, .. } if !state.ous.contains_key(ou_id) => {
                fail(checker, format!("renames {ou_id}, which is not an OU of this organization"));
            }
            OrganizationOperation::RenameOu { .. } => {}
            OrganizationOperation::DeleteOu { ou_id } => match state.ous.get(ou_id) {
                None => fail(checker, format!("deletes {ou_id}, which is not an OU of this organization")),
                Some(ou) if !owned(&ou.tags) => {
                    fail(checker, format!("deletes OU {ou_id}, which orgctl does not own (no {OWNER_TAG} tag)"));
                }
                Some(_) => {}
            },
            OrganizationOperation::CloseAccount { account_id } => match state.accounts.get(account_id) {
                None => fail(checker, format!("closes {account_id}, which is not an account of this organization")),
                Some(_) if *account_id == state.management_account_id => {
                    fail(checker, "closes the management account".to_string());
                }
                Some(a) if !owned(&a.tags) => {
                    fail(
                        checker,
                        format!("closes account {account_id}, which orgctl does not own (no {OWNER_TAG} tag)"),
                    );
                }
                Some(_) => {}
            },
            OrganizationOperation::RenameAccount { account, .. } => checker.handle(c, account, Kind::Account),
            OrganizationOperation::MoveAccount { account, from, to } => {
                checker.handle(c, account, Kind::Account);
                checker.handle(c, to, Kind::Parent);
                let current = match account {
                    Handle::Existing(id) => state.accounts.get(id).map(|a| a.parent_id.as_str()),
                    Handle::New(_) => Some(state.root.id.as_str()),
                };
                if current.is_some_and(|p| from.existing_id() != Some(p)) {
                    let from = match from {
                        Handle::Existing(id) => id.as_str(),
                        Handle::New(lid) => lid.as_str(),
                    };
                    fail(checker, format!("moves an account from {from}, which is not where it is"));
                }
            }
            OrganizationOperation::TagResource { resource, .. }
            | OrganizationOperation::UntagResource { resource, .. } => checker.handle(c, resource, Kind::Taggable),
            OrganizationOperation::UpdatePolicy { policy_id, .. }
            | OrganizationOperation::DeletePolicy { policy_id } => {
                let deleting = matches!(self, OrganizationOperation::DeletePolicy { .. });
                match state.policies.get(policy_id) {
                    None => fail(checker, format!("names policy {policy_id}, which is not in this organization")),
                    Some(p) if p.aws_managed => fail(checker, format!("changes {}, which AWS manages", p.name)),
                    Some(p) if deleting && !owned(&p.tags) => {
                        fail(checker, format!("deletes policy {}, which orgctl does not own", p.name));
                    }
                    Some(_) => {}
                }
            }
            OrganizationOperation::AttachPolicy { policy, target } => {
                checker.handle(c, policy, Kind::Policy);
                checker.handle(c, target, Kind::Target);
                checker.count_scp(policy, target, 1);
            }
            OrganizationOperation::DetachPolicy { policy_id, target_id } => {
                match state.policies.get(policy_id) {
                    None => fail(checker, format!("detaches {policy_id}, which is not a policy of this organization")),
                    Some(p) if p.aws_managed => {
                        fail(checker, format!("detaches {}, which orgctl never detaches", p.name));
                    }
                    Some(p) if !p.targets.contains(target_id) => {
                        fail(checker, format!("detaches {} from {target_id}, where it is not attached", p.name));
                    }
                    Some(_) => {}
                }
                checker.count_scp(&Handle::Existing(policy_id.to_string()), &Handle::Existing(target_id.clone()), -1);
            }
        }
    }
}

/// Whether orgctl owns the resource (it carries the owner tag).
fn owned(tags: &Tags) -> bool {
    tags.contains_key(OWNER_TAG)
}
