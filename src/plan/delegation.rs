//! Trusted service access and delegated administrators, declared in the file (orgctl extensions:
//! `TrustedServiceAccess` on the root, `DelegatedAdministratorFor` on an account).
//!
//! orgctl removes only what it set up: the services it enabled are recorded in a tag on the
//! root, the services an account administers because of the file in a tag on that account. A
//! service or administrator set up by someone else (Control Tower, a console click) is never
//! disabled or deregistered.

use super::change::*;
use crate::model::{Governance, OrgState};
use crate::org_file::desired::DesiredOrg;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// What orgctl does about the services the organization trusts and delegates to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DelegationOperation {
    /// EnableAWSServiceAccess (`TrustedServiceAccess`).
    EnableServiceAccess { service: String },
    /// DisableAWSServiceAccess: only a service orgctl enabled (recorded on the root).
    DisableServiceAccess { service: String },
    /// RegisterDelegatedAdministrator (`DelegatedAdministratorFor`).
    RegisterDelegatedAdministrator { account: Handle, service: String },
    /// DeregisterDelegatedAdministrator: only what orgctl registered (recorded on the account).
    DeregisterDelegatedAdministrator { account_id: crate::model::AccountId, service: String },
}

/// Root tag: the trusted services orgctl enabled (short names, `guardduty sso`).
pub const TRUSTED_TAG: &str = "orgctl:trusted-services";
/// Account tag: the services the account administers because of the file.
pub const DELEGATED_TAG: &str = "orgctl:delegated-for";

const SUFFIX: &str = ".amazonaws.com";

/// Whether `text` is an AWS service principal (`guardduty.amazonaws.com`).
pub fn is_service_principal(text: &str) -> bool {
    text.len() > SUFFIX.len()
        && text.ends_with(SUFFIX)
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

fn short(service: &str) -> &str {
    service.strip_suffix(SUFFIX).unwrap_or(service)
}

fn recorded(tags: &crate::model::Tags, key: &str) -> BTreeSet<String> {
    tags.get(key).map(|v| v.split_whitespace().map(|s| format!("{s}{SUFFIX}")).collect()).unwrap_or_default()
}

fn record(services: &BTreeSet<String>) -> String {
    services.iter().map(|s| short(s)).collect::<Vec<_>>().join(" ")
}

/// The record's change as the plan shows it (an empty record is no value).
fn record_diff(key: &str, old: &BTreeSet<String>, new: &BTreeSet<String>) -> Vec<PropertyDiff> {
    let shown = |s: &BTreeSet<String>| (!s.is_empty()).then(|| record(s));
    vec![PropertyDiff::new(format!("Tags.{key}"), shown(old), shown(new))]
}

/// Whether the file or the organization's records involve delegation at all (else the
/// governance read is skipped: plans that do not use it pay nothing).
pub fn wanted(desired: &DesiredOrg, state: &OrgState) -> bool {
    desired.trusted_services.is_some()
        || desired.accounts.iter().any(|a| !a.delegated_for.is_empty())
        || state.root.tags.contains_key(TRUSTED_TAG)
        || state.accounts.values().any(|a| a.tags.contains_key(DELEGATED_TAG))
}

/// Adds the enable/disable and register/deregister changes, and the records, to `plan`.
pub fn plan_delegation(desired: &DesiredOrg, state: &OrgState, live: &Governance, plan: &mut Plan) {
    let ids = super::account_ids(desired, state);
    let created = plan.account_creations();
    let push = |plan: &mut Plan, subject: String, summary: String, op: Operation, diff, deps: Vec<usize>| {
        let id = plan.push_change(Action::Change, subject, summary, op, diff, None);
        if let Some(change) = plan.changes.get_mut(id) {
            change.depends_on = deps;
        }
        id
    };
    let trusted_now: BTreeSet<String> = live.trusted_services.iter().cloned().collect();
    let mine = recorded(&state.root.tags, TRUSTED_TAG);
    let mut enabled: HashMap<String, usize> = HashMap::new();
    let mut disables: Vec<(String, usize)> = Vec::new();
    if let Some(wanted) = &desired.trusted_services {
        let wanted: BTreeSet<String> = wanted.iter().cloned().collect();
        for service in wanted.difference(&trusted_now) {
            let diff = vec![PropertyDiff::new("TrustedServiceAccess", None, Some(service.clone()))];
            let op = Operation::Delegation(DelegationOperation::EnableServiceAccess { service: service.clone() });
            let id = push(plan, "trusted service access".into(), format!("enable {service}"), op, diff, vec![]);
            enabled.insert(service.clone(), id);
        }
        for service in mine.intersection(&trusted_now).filter(|s| !wanted.contains(*s)) {
            let diff = vec![PropertyDiff::new("TrustedServiceAccess", Some(service.clone()), None)];
            let op = Operation::Delegation(DelegationOperation::DisableServiceAccess { service: service.clone() });
            let id = push(plan, "trusted service access".into(), format!("disable {service}"), op, diff, vec![]);
            disables.push((service.clone(), id));
        }
        // The record: what orgctl manages from now on (what it enabled, and keeps wanting).
        let keep: BTreeSet<String> =
            wanted.iter().filter(|s| mine.contains(*s) || enabled.contains_key(*s)).cloned().collect();
        if keep != mine {
            let tags = crate::model::Tags::from([(TRUSTED_TAG.to_string(), record(&keep))]);
            let diff = record_diff(TRUSTED_TAG, &mine, &keep);
            let op =
                OrganizationOperation::TagResource { resource: Handle::Existing(state.root.id.clone()), tags }.into();
            let deps = enabled.values().chain(disables.iter().map(|(_, id)| id)).copied().collect();
            push(
                plan,
                crate::model::root_label(&state.root.id),
                "record the trusted services orgctl manages".into(),
                op,
                diff,
                deps,
            );
        }
    }
    // Delegated administrators, account by account (accounts that left the file included).
    let registered: BTreeSet<(String, String)> =
        live.delegated_administrators.iter().map(|d| (d.account_id.clone(), d.service.clone())).collect();
    let mut deregistered: Vec<(String, usize)> = Vec::new();
    let mut seen = BTreeSet::new();
    for account in &desired.accounts {
        let id = ids.get(&account.logical_id);
        let handle = Handle::of(&ids, &account.logical_id);
        let tags = id.and_then(|id| state.accounts.get(id)).map(|a| a.tags.clone()).unwrap_or_default();
        if let Some(id) = id {
            seen.insert(id.clone());
        }
        let label = desired.account_label(&account.logical_id);
        let subject = format!("account {label} ({})", account.logical_id);
        let wanted: BTreeSet<String> = account.delegated_for.iter().cloned().collect();
        let mine = recorded(&tags, DELEGATED_TAG);
        let mut registers = Vec::new();
        let mut registering = BTreeSet::new();
        for service in &wanted {
            if id.is_some_and(|id| registered.contains(&(id.clone(), service.clone()))) {
                continue;
            }
            registering.insert(service.clone());
            let deps = enabled.get(service).into_iter().chain(created.get(&account.logical_id)).copied().collect();
            let diff = vec![PropertyDiff::new("DelegatedAdministratorFor", None, Some(service.clone()))];
            let op = Operation::Delegation(DelegationOperation::RegisterDelegatedAdministrator {
                account: handle.clone(),
                service: service.clone(),
            });
            let summary = format!("register as delegated administrator for {service}");
            registers.push(push(plan, subject.clone(), summary, op, diff, deps));
        }
        let mut dropped = Vec::new();
        if let Some(id) = id {
            for service in
                mine.iter().filter(|s| !wanted.contains(*s) && registered.contains(&(id.clone(), (*s).clone())))
            {
                let diff = vec![PropertyDiff::new("DelegatedAdministratorFor", Some(service.clone()), None)];
                let op = Operation::Delegation(DelegationOperation::DeregisterDelegatedAdministrator {
                    account_id: id.as_str().into(),
                    service: service.clone(),
                });
                let summary = format!("deregister as delegated administrator for {service}");
                let change = push(plan, subject.clone(), summary, op, diff, vec![]);
                dropped.push(change);
                deregistered.push((service.clone(), change));
            }
        }
        // What orgctl manages from now on: what it registered, and keeps wanting.
        let keep: BTreeSet<String> =
            wanted.iter().filter(|s| mine.contains(*s) || registering.contains(*s)).cloned().collect();
        if keep != mine && (!keep.is_empty() || !mine.is_empty()) {
            let tags = crate::model::Tags::from([(DELEGATED_TAG.to_string(), record(&keep))]);
            let diff = record_diff(DELEGATED_TAG, &mine, &keep);
            let op = OrganizationOperation::TagResource { resource: handle.clone(), tags }.into();
            let deps =
                registers.iter().chain(&dropped).copied().chain(created.get(&account.logical_id).copied()).collect();
            push(plan, subject.clone(), "record the services it administers for orgctl".into(), op, diff, deps);
        }
    }
    for account in state.accounts.values().filter(|a| !seen.contains(a.id.as_str())) {
        for service in recorded(&account.tags, DELEGATED_TAG) {
            if registered.contains(&(account.id.to_string(), service.clone())) {
                let diff = vec![PropertyDiff::new("DelegatedAdministratorFor", Some(service.clone()), None)];
                let op = Operation::Delegation(DelegationOperation::DeregisterDelegatedAdministrator {
                    account_id: account.id.clone(),
                    service: service.clone(),
                });
                let subject = format!("account {} ({})", account.name, account.id);
                let summary = format!("deregister as delegated administrator for {service}");
                let change = push(plan, subject, summary, op, diff, vec![]);
                deregistered.push((service, change));
            }
        }
    }
    // A service's trusted access goes only after its administrators are deregistered.
    for (service, disable) in disables {
        let before: Vec<usize> = deregistered.iter().filter(|(s, _)| *s == service).map(|(_, id)| *id).collect();
        if let Some(change) = plan.changes.get_mut(disable) {
            change.depends_on.extend(before);
        }
    }
}

impl DelegationOperation {
    /// What the operation acts on: the organization's trusted access, or an account.
    pub fn address(&self) -> Address {
        match self {
            DelegationOperation::EnableServiceAccess { .. } | DelegationOperation::DisableServiceAccess { .. } => {
                Address::TrustedAccess
            }
            DelegationOperation::RegisterDelegatedAdministrator { account, .. } => Address::Resource(account.clone()),
            DelegationOperation::DeregisterDelegatedAdministrator { account_id, .. } => {
                Address::Resource(Handle::Existing(account_id.to_string()))
            }
        }
    }

    /// What it does, in words, from the operation alone (`resource` names an account).
    pub fn describe(&self, resource: &dyn Fn(&Handle) -> String) -> (Action, String, String, Vec<PropertyDiff>) {
        let trusted = "trusted service access".to_string();
        match self {
            DelegationOperation::EnableServiceAccess { service } => (
                Action::Change,
                trusted,
                format!("enable {service}"),
                vec![PropertyDiff::new("TrustedServiceAccess", None, Some(service.clone()))],
            ),
            DelegationOperation::DisableServiceAccess { service } => (
                Action::Change,
                trusted,
                format!("disable {service}"),
                vec![PropertyDiff::new("TrustedServiceAccess", Some(service.clone()), None)],
            ),
            DelegationOperation::RegisterDelegatedAdministrator { account, service } => (
                Action::Change,
                resource(account),
                format!("register as delegated administrator for {service}"),
                vec![PropertyDiff::new("DelegatedAdministratorFor", None, Some(service.clone()))],
            ),
            DelegationOperation::DeregisterDelegatedAdministrator { account_id, service } => (
                Action::Change,
                resource(&Handle::Existing(account_id.to_string())),
                format!("deregister as delegated administrator for {service}"),
                vec![PropertyDiff::new("DelegatedAdministratorFor", Some(service.clone()), None)],
            ),
        }
    }

    /// The account the operation acts in, which a saved plan's check verifies.
    pub fn account(&self) -> Option<Handle> {
        match self {
            DelegationOperation::RegisterDelegatedAdministrator { account, .. } => Some(account.clone()),
            DelegationOperation::DeregisterDelegatedAdministrator { account_id, .. } => {
                Some(Handle::Existing(account_id.to_string()))
            }
            _ => None,
        }
    }

    /// What is wrong with the operation itself: a service that is not a service principal.
    pub fn defects(&self) -> Vec<String> {
        let service = match self {
            DelegationOperation::EnableServiceAccess { service }
            | DelegationOperation::DisableServiceAccess { service }
            | DelegationOperation::RegisterDelegatedAdministrator { service, .. }
            | DelegationOperation::DeregisterDelegatedAdministrator { service, .. } => service,
        };
        if is_service_principal(service) {
            Vec::new()
        } else {
            vec![format!("names '{service}', which is not an AWS service principal")]
        }
    }
}
