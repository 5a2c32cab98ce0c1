//! The policy attachments of every root, OU and account: the new policy attached before the
//! old one is detached, so that nothing is ever left without.

use super::Planner;
use crate::diagnostic::Diagnostic;
use crate::model::PolicyType;
use crate::plan::change::*;

impl Planner<'_> {
    /// Every root, OU and account with the policies the file wants on it: SCPs, then the others.
    pub(super) fn targets(&self) -> Vec<(String, Handle, Vec<String>, Vec<String>)> {
        let d = self.desired;
        let mut out = vec![(
            crate::model::root_label(&self.actual.root.id),
            Handle::Existing(self.actual.root.id.clone()),
            d.root_scps.clone(),
            d.root_other_policies.clone(),
        )];
        for ou in &d.ous {
            if let Some(h) = self.ou_handles.get(&ou.logical_id) {
                let subject = format!("organizational unit {} ({})", ou.name, ou.logical_id);
                out.push((subject, h.clone(), ou.scps.clone(), ou.other_policies.clone()));
            }
        }
        for a in &d.accounts {
            if let Some(h) = self.account_handles.get(&a.logical_id) {
                let subject = format!("{} ({})", self.label(&a.logical_id), a.logical_id);
                out.push((subject, h.clone(), a.scps.clone(), a.other_policies.clone()));
            }
        }
        out
    }

    pub(super) fn attachments(&mut self) {
        for (subject, target, scps, others) in self.targets() {
            for policy_type in PolicyType::ALL {
                let wanted: Vec<String> = if policy_type == PolicyType::ServiceControl {
                    scps.clone()
                } else {
                    let of_type = |lid: &&String| {
                        self.desired.policies.iter().any(|p| &p.logical_id == *lid && p.policy_type == policy_type)
                    };
                    others.iter().filter(of_type).cloned().collect()
                };
                self.attach_type(policy_type, &subject, &target, &wanted);
            }
        }
    }

    /// Attaches and detaches the policies of one type on one target so that the file's are the
    /// ones attached (policies orgctl does not own are left where they are).
    pub(super) fn attach_type(&mut self, policy_type: PolicyType, subject: &str, target: &Handle, lids: &[String]) {
        let wanted: Vec<Handle> = lids.iter().filter_map(|lid| self.policy_handles.get(lid).cloned()).collect();
        let attached: Vec<&crate::model::PolicyState> =
            target.existing_id().map(|id| self.actual.policies_of_type_on(policy_type, id)).unwrap_or_default();
        let to_attach: Vec<(String, Handle)> = lids
            .iter()
            .zip(&wanted)
            .filter(|(_, h)| h.existing_id().is_none_or(|pid| !attached.iter().any(|p| p.id == pid)))
            .map(|(lid, h)| (lid.clone(), h.clone()))
            .collect();
        // Only policies of the file: one that left the file is detached everywhere by its
        // deletion (removed_policies), one that orgctl does not own is never touched.
        let to_detach: Vec<(crate::model::PolicyId, String)> = attached
            .iter()
            .filter(|p| self.owned_policies.contains(&p.id))
            .filter(|p| !wanted.iter().any(|h| h.existing_id() == Some(p.id.as_str())))
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect();
        if to_attach.is_empty() && to_detach.is_empty() {
            return;
        }
        let enabled = self.actual.root.is_enabled(policy_type);
        // Policies on the target now; enabling a type with an AWS-managed default attaches that
        // default to every target.
        let now = match target.existing_id() {
            Some(_) if enabled => attached.len(),
            _ => usize::from(policy_type.aws_managed_default().is_some()),
        };
        if policy_type == PolicyType::ServiceControl && (now + to_attach.len()).saturating_sub(to_detach.len()) == 0 {
            self.errors.push(
                Diagnostic::error("last-scp", format!("{subject} would be left without any SCP")).help(
                    "AWS requires at least one SCP on every target: keep FullAWSAccess or another policy attached",
                ),
            );
            return;
        }
        let limit = self.limits.policies_per_target(policy_type);
        // Attach before detach, so that a target is never without its guard rails, unless the
        // per-target limit forces room to be made first.
        let detach_first = now + to_attach.len() > limit && now > to_detach.len();
        let mut detaches = Vec::new();
        if detach_first {
            detaches = self.detach_all(policy_type, subject, target, &to_detach, &[]);
        }
        let mut attaches = Vec::new();
        for (lid, policy) in to_attach {
            let diff = vec![PropertyDiff::new(policy_type.attachment_property(), None, Some(self.label(&lid)))];
            let deps =
                vec![self.enable.get(&policy_type).copied(), self.creation_of(&policy), self.creation_of(target)]
                    .into_iter()
                    .chain(detaches.iter().map(|d| Some(*d)))
                    .collect();
            let summary = format!("attach {}", self.label(&lid));
            let id = self.push(
                Action::Change,
                subject.to_string(),
                summary,
                OrganizationOperation::AttachPolicy { policy, target: target.clone() },
                diff,
                deps,
            );
            attaches.push(id);
        }
        self.attaches_on.entry(target.clone()).or_default().extend(&attaches);
        if !detach_first {
            self.detach_all(policy_type, subject, target, &to_detach, &attaches);
        }
    }

    pub(super) fn detach_all(
        &mut self,
        policy_type: PolicyType,
        subject: &str,
        target: &Handle,
        policies: &[(crate::model::PolicyId, String)],
        after: &[usize],
    ) -> Vec<usize> {
        let Some(target_id) = target.existing_id() else { return Vec::new() };
        let mut ids = Vec::new();
        for (policy_id, name) in policies {
            let label = Self::policy_label(policy_type, name);
            let diff = vec![PropertyDiff::new(policy_type.attachment_property(), Some(label.clone()), None)];
            let op =
                OrganizationOperation::DetachPolicy { policy_id: policy_id.clone(), target_id: target_id.to_string() };
            let id = self.push(
                Action::Change,
                subject.into(),
                format!("detach {label}"),
                op,
                diff,
                after.iter().map(|a| Some(*a)).collect(),
            );
            self.detaches_on.entry(target_id.to_string()).or_default().push(id);
            ids.push(id);
        }
        ids
    }
}
