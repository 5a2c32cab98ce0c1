//! The policies: policy types enabled on the root before any policy of the type, each policy
//! of the file created or updated, and the ones the file no longer has deleted (detached first).

use super::Planner;
use crate::model::{OrgState, PolicyType, OWNER_TAG};
use crate::plan::change::*;
use std::collections::HashSet;

impl Planner<'_> {
    /// Enables on the root each policy type the file attaches (SCPs) or declares (the others),
    /// before any policy of the type is created or attached.
    pub(super) fn enable_policy_types(&mut self) {
        let d = self.desired;
        for policy_type in PolicyType::ALL {
            let wanted = if policy_type == PolicyType::ServiceControl {
                !d.root_scps.is_empty()
                    || d.ous.iter().any(|o| !o.scps.is_empty())
                    || d.accounts.iter().any(|a| !a.scps.is_empty())
            } else {
                d.policies.iter().any(|p| p.policy_type == policy_type)
            };
            if !wanted || self.actual.root.is_enabled(policy_type) {
                continue;
            }
            let diff = vec![PropertyDiff::new("PolicyTypes", None, Some(policy_type.api_name().into()))];
            let root_id = self.actual.root.id.clone();
            let id = self.push(
                Action::Change,
                crate::model::root_label(&root_id),
                format!("enable {}", policy_type.noun_plural()),
                OrganizationOperation::EnablePolicyType { root_id, policy_type },
                diff,
                vec![],
            );
            self.enable.insert(policy_type, id);
        }
    }

    /// How plans name a policy: "SCP Deny-regions", "tag policy Required-tags".
    pub(super) fn policy_label(policy_type: PolicyType, name: &str) -> String {
        format!("{} {name}", policy_type.short())
    }

    pub(super) fn policies(&mut self) {
        let desired_ids: HashSet<&str> = self.desired.policies.iter().map(|p| p.logical_id.as_str()).collect();
        for p in &self.desired.policies {
            let subject = format!("{} {} ({})", p.policy_type.noun(), p.name, p.logical_id);
            self.labels.insert(p.logical_id.clone(), Self::policy_label(p.policy_type, &p.name));
            let candidates = || {
                self.actual.policies.values().filter(|a| {
                    !a.aws_managed && a.policy_type == p.policy_type && !self.owned_policies.contains(&a.id)
                })
            };
            let found = candidates().find(|a| OrgState::owner_of(&a.tags) == Some(&p.logical_id)).or_else(|| {
                candidates()
                    .find(|a| a.name == p.name && OrgState::owner_of(&a.tags).is_none_or(|o| !desired_ids.contains(o)))
            });
            let Some(live) = found else {
                let mut tags = p.tags.clone().unwrap_or_default();
                tags.insert(OWNER_TAG.into(), p.logical_id.clone());
                let diff = vec![
                    PropertyDiff::new("PolicyName", None, quoted(&p.name)),
                    PropertyDiff::new("Description", None, quoted(&p.description)),
                    PropertyDiff::new("PolicyDocument", None, Some(pretty(&p.content))),
                ];
                let op = OrganizationOperation::CreatePolicy {
                    logical_id: p.logical_id.as_str().into(),
                    policy_type: p.policy_type,
                    name: p.name.clone(),
                    description: p.description.clone(),
                    content: p.content.clone(),
                    tags,
                };
                let enabled = self.enable.get(&p.policy_type).copied();
                let id = self.push(Action::Add, subject, "create", op, diff, vec![enabled]);
                self.created.insert(p.logical_id.clone(), id);
                self.policy_handles.insert(p.logical_id.clone(), Handle::New(p.logical_id.as_str().into()));
                continue;
            };
            self.owned_policies.insert(live.id.clone());
            self.labels.insert(live.id.to_string(), Self::policy_label(p.policy_type, &p.name));
            self.policy_handles.insert(p.logical_id.clone(), Handle::Existing(live.id.to_string()));
            let same_content = serde_json::from_str::<serde_json::Value>(&live.content).ok()
                == serde_json::from_str::<serde_json::Value>(&p.content).ok();
            let mut diff = Vec::new();
            if live.name != p.name {
                diff.push(PropertyDiff::new("PolicyName", quoted(&live.name), quoted(&p.name)));
            }
            if live.description != p.description {
                diff.push(PropertyDiff::new("Description", quoted(&live.description), quoted(&p.description)));
            }
            if !same_content {
                diff.push(PropertyDiff::new("PolicyDocument", Some(pretty(&live.content)), Some(pretty(&p.content))));
            }
            if !diff.is_empty() {
                let op = OrganizationOperation::UpdatePolicy {
                    policy_id: live.id.clone(),
                    name: p.name.clone(),
                    description: p.description.clone(),
                    content: p.content.clone(),
                };
                self.push(Action::Change, subject.clone(), "update", op, diff, vec![]);
            }
            self.reconcile_tags(
                &subject,
                Handle::Existing(live.id.to_string()),
                &p.logical_id,
                p.tags.as_ref(),
                &live.tags,
            );
        }
    }

    pub(super) fn removed_policies(&mut self) {
        let removed: Vec<_> = self
            .actual
            .policies
            .values()
            .filter(|p| !p.aws_managed && !self.owned_policies.contains(&p.id) && OrgState::owner_of(&p.tags).is_some())
            .collect();
        for p in removed {
            let subject = format!("{} {} ({})", p.policy_type.noun(), p.name, p.id);
            let mut deps = Vec::new();
            for target in &p.targets {
                let after = self.attaches_on.get(&Handle::Existing(target.clone())).cloned().unwrap_or_default();
                let label = self.label(target);
                deps.extend(self.detach_all(
                    p.policy_type,
                    &format!("{label} ({target})"),
                    &Handle::Existing(target.clone()),
                    &[(p.id.clone(), p.name.clone())],
                    &after,
                ));
            }
            let diff = vec![PropertyDiff::new("PolicyName", quoted(&p.name), None)];
            self.push(
                Action::Remove,
                subject,
                "delete (no longer in the file)",
                OrganizationOperation::DeletePolicy { policy_id: p.id.clone() },
                diff,
                deps.into_iter().map(Some).collect(),
            );
        }
    }
}
