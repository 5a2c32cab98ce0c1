//! Identity Center in the audit: who can sign in to which account with which permission set
//! (the access table, in every report format), and the checks on it: administrator access
//! outside the OUs allowed for it, users assigned directly instead of through a group, sessions
//! allowed to last 12 hours or more.

use super::report::{Finding, Severity};
use super::thresholds::Thresholds;
use crate::model::{IdentityCenterState, OrgState, PermissionSet, PrincipalType};
use serde::Serialize;

/// One row of the who-can-access-what table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AccessEntry {
    /// `group` or `user`.
    pub principal_type: &'static str,
    pub principal: String,
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
}

/// A permission set as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PermissionSetEntry {
    pub name: String,
    pub arn: String,
    pub session_duration: String,
    pub managed_policies: Vec<String>,
    pub has_inline_policy: bool,
    /// Grants administrator access (AdministratorAccess, or `*` on `*` inline).
    pub administrator: bool,
    /// Tagged as orgctl's.
    pub managed_by_orgctl: bool,
    /// Accounts it is assigned in.
    pub accounts: usize,
}

/// Identity Center as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityReport {
    pub instance_arn: String,
    pub permission_sets: Vec<PermissionSetEntry>,
    /// Principal → account, with permission set: everyone who can sign in where.
    pub access: Vec<AccessEntry>,
}

/// Whether a permission set grants administrator access: AWS's AdministratorAccess policy, or
/// an inline statement allowing every action on every resource.
pub fn is_administrator(set: &PermissionSet) -> bool {
    let everything = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s == "*",
        serde_json::Value::Array(items) => items.iter().any(|i| i == "*"),
        _ => false,
    };
    let inline_admin = set
        .inline_policy
        .as_deref()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .is_some_and(|doc| {
            let statements = match &doc["Statement"] {
                serde_json::Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            statements.iter().any(|s| s["Effect"] == "Allow" && everything(&s["Action"]) && everything(&s["Resource"]))
        });
    set.managed_policies.iter().any(|p| p.ends_with(":iam::aws:policy/AdministratorAccess")) || inline_admin
}

pub fn report(state: &OrgState, identity: &IdentityCenterState) -> IdentityReport {
    let account_name = |id: &str| state.accounts.get(id).map_or_else(|| id.to_string(), |a| a.name.clone());
    let names = identity.principal_names();
    let mut access: Vec<AccessEntry> = identity
        .assignments
        .iter()
        .map(|a| AccessEntry {
            principal_type: a.principal_type.noun(),
            principal: names.of(a.principal_type, &a.principal_id),
            account_id: a.account_id.clone(),
            account_name: account_name(&a.account_id),
            permission_set: identity
                .permission_set(&a.permission_set_arn)
                .map_or_else(|| a.permission_set_arn.clone(), |p| p.settings.name.clone()),
        })
        .collect();
    access.sort_by(|a, b| {
        (a.principal_type, &a.principal)
            .cmp(&(b.principal_type, &b.principal))
            .then_with(|| super::order::natural(&a.account_name, &b.account_name))
            .then(a.permission_set.cmp(&b.permission_set))
    });
    let mut permission_sets: Vec<PermissionSetEntry> = identity
        .permission_sets
        .iter()
        .map(|p| {
            let accounts: std::collections::BTreeSet<&str> = identity
                .assignments
                .iter()
                .filter(|a| a.permission_set_arn == p.arn)
                .map(|a| a.account_id.as_str())
                .collect();
            PermissionSetEntry {
                name: p.settings.name.clone(),
                arn: p.arn.clone(),
                session_duration: p.settings.session_duration.clone().unwrap_or_else(|| "PT1H".into()),
                managed_policies: p.settings.managed_policies.iter().cloned().collect(),
                has_inline_policy: p.settings.inline_policy.is_some(),
                administrator: is_administrator(&p.settings),
                managed_by_orgctl: p.owner.is_some(),
                accounts: accounts.len(),
            }
        })
        .collect();
    permission_sets.sort_by(|a, b| super::order::natural(&a.name, &b.name));
    IdentityReport { instance_arn: identity.instance_arn.clone(), permission_sets, access }
}

/// The Identity Center checks.
pub fn checks(state: &OrgState, identity: &IdentityCenterState, t: &Thresholds, out: &mut Vec<Finding>) {
    let names = identity.principal_names();
    let account = |id: &str| {
        state.accounts.get(id).map_or_else(|| format!("account {id}"), |a| format!("account {} ({id})", a.name))
    };
    for set in &identity.permission_sets {
        let minutes = set.settings.session_minutes().unwrap_or(u32::MAX);
        if minutes >= t.session_hours_below.saturating_mul(60) {
            out.push(Finding {
                check: "ORGCTL-SSO-003",
                title: "Permission set sessions may last too long",
                severity: Severity::Low,
                resource: format!("permission set {}", set.settings.name),
                resource_id: set.arn.clone(),
                message: format!(
                    "sessions last {} ({} hours or more)",
                    set.settings.session_duration.as_deref().unwrap_or("PT1H"),
                    t.session_hours_below
                ),
                fix: format!("set SessionDuration under {} hours (PT8H is a working day)", t.session_hours_below),
            });
        }
        if !is_administrator(&set.settings) {
            continue;
        }
        for a in identity.assignments.iter().filter(|a| a.permission_set_arn == set.arn) {
            let path = state.accounts.get(&a.account_id).map(|acc| state.path_of(&acc.parent_id));
            let management = a.account_id == state.management_account_id;
            let allowed = !management
                && (t.administrator_ous.is_empty()
                    || path.as_deref().is_some_and(|p| {
                        t.administrator_ous.iter().any(|ou| p == ou || p.split('/').any(|part| part == ou))
                    }));
            if allowed {
                continue;
            }
            let who = names.of(a.principal_type, &a.principal_id);
            let where_ = if management {
                "the management account".to_string()
            } else {
                format!("{} ({})", account(&a.account_id), path.unwrap_or_default())
            };
            out.push(Finding {
                check: "ORGCTL-SSO-001",
                title: "Administrator access outside the OUs allowed for it",
                severity: if management { Severity::High } else { Severity::Medium },
                resource: account(&a.account_id),
                resource_id: a.account_id.clone(),
                message: format!("{} {who} has {} in {where_}", a.principal_type.noun(), set.settings.name),
                fix: if management {
                    "give administrator access to the management account only to a break-glass group, named explicitly; manage the organization from a delegated administrator".into()
                } else {
                    format!("assign a narrower permission set, or add the OU to administrator_ous in the audit config (now: {})", t.administrator_ous.join(", "))
                },
            });
        }
    }
    let mut direct: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for a in identity.assignments.iter().filter(|a| a.principal_type == PrincipalType::User) {
        direct.entry(names.of(PrincipalType::User, &a.principal_id)).or_default().push(account(&a.account_id));
    }
    for (user, accounts) in direct {
        out.push(Finding {
            check: "ORGCTL-SSO-002",
            title: "User assigned directly instead of through a group",
            severity: Severity::Low,
            resource: format!("user {user}"),
            resource_id: String::new(),
            message: format!("{user} is assigned directly in {} account(s): {}", accounts.len(), accounts.join(", ")),
            fix: "put the user in a group and assign the group: access then follows group membership, which the identity provider manages".into(),
        });
    }
}
