//! The good-practice checks. Each has a stable id, a severity, the resource it fires on and a
//! fix hint; thresholds come from [`Thresholds`](super::thresholds::Thresholds).

use super::inventory::effective_policy_ids;
use super::model::{Finding, Severity};
use super::thresholds::Thresholds;
use crate::model::{OrgState, StackState};
use serde_json::Value;
use std::collections::HashSet;

fn finding(
    check: &'static str,
    title: &'static str,
    severity: Severity,
    resource: String,
    message: String,
    fix: &str,
) -> Finding {
    let resource_id = aws_id_in(&resource).unwrap_or_default().to_string();
    Finding { check, title, severity, resource, resource_id, message, fix: fix.to_string() }
}

/// The AWS id a resource label carries (`account Name (123456789012)`, `policy p-1 (Name)`).
fn aws_id_in(label: &str) -> Option<&str> {
    label.split(|c: char| c.is_whitespace() || c == '(' || c == ')').find(|w| {
        (w.len() == 12 && w.chars().all(|c| c.is_ascii_digit()))
            || ["p-", "ou-", "r-", "o-"].iter().any(|p| w.starts_with(p) && w.len() > p.len())
    })
}

fn statements(content: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(content).unwrap_or(Value::Null);
    match doc.get("Statement") {
        Some(Value::Array(s)) => s.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn is_deny(s: &Value) -> bool {
    s.get("Effect").and_then(Value::as_str) == Some("Deny")
}

/// A Deny statement conditioned on the requested region not being in an allow-list.
fn is_region_deny(s: &Value) -> bool {
    is_deny(s)
        && s.get("Condition").and_then(Value::as_object).is_some_and(|c| {
            c.iter().any(|(op, m)| {
                let negated = op.starts_with("StringNotEquals") || op.starts_with("StringNotLike");
                negated
                    && m.as_object().is_some_and(|m| m.keys().any(|k| k.eq_ignore_ascii_case("aws:RequestedRegion")))
            })
        })
}

fn denies_leaving(s: &Value) -> bool {
    is_deny(s)
        && s.get("Condition").is_none()
        && strings(s.get("Action"))
            .iter()
            .any(|a| matches!(a.as_str(), "organizations:LeaveOrganization" | "organizations:*" | "*"))
}

fn account_label(state: &OrgState, id: &str) -> String {
    state.accounts.get(id).map_or_else(|| format!("account {id}"), |a| format!("account {} ({})", a.name, a.id))
}

/// Every finding for `state` (and its stacks). `unmanaged` lists accounts the file does not
/// manage, when a file was given.
pub fn run(state: &OrgState, stacks: &[StackState], unmanaged: Option<&[String]>, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    password_policies(state, t, &mut out);
    scps(state, t, &mut out);
    structure(state, unmanaged, t, &mut out);
    for s in stacks {
        let failed = s.status.is_failed();
        if failed {
            out.push(finding(
                "ORGCTL-STK-001",
                "Stack in a failed or rolled-back state",
                Severity::High,
                format!("stack {} in {}/{}", s.name, s.account_id, s.region),
                format!("the stack is {}", s.status),
                "look at the stack's events; fix the template or parameters and apply again (UPDATE_ROLLBACK_FAILED needs continue-update-rollback)",
            ));
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.check.cmp(b.check))
            .then_with(|| super::order::natural(&a.resource, &b.resource))
    });
    out
}

fn password_policies(state: &OrgState, t: &Thresholds, out: &mut Vec<Finding>) {
    for a in state.accounts.values().filter(|a| a.status.is_active()) {
        let resource = account_label(state, &a.id);
        let Some(p) = &a.password_policy else {
            out.push(finding(
                "ORGCTL-PWD-001",
                "No IAM password policy",
                Severity::High,
                resource,
                "the account has no password policy, so IAM's weak defaults apply".into(),
                "give the account a PasswordPolicy (org-templates/password-policy/cis.yml)",
            ));
            continue;
        };
        if p.minimum_password_length < t.min_password_length {
            out.push(finding(
                "ORGCTL-PWD-002",
                "Password minimum length too short",
                Severity::Medium,
                resource.clone(),
                format!(
                    "MinimumPasswordLength is {}, below {} (CIS 1.8, IAM.15)",
                    p.minimum_password_length, t.min_password_length
                ),
                "set MinimumPasswordLength to 14 or more",
            ));
        }
        if p.password_reuse_prevention.unwrap_or(0) < t.password_reuse_prevention {
            let now = p.password_reuse_prevention.map_or_else(|| "not set".to_string(), |n| n.to_string());
            out.push(finding(
                "ORGCTL-PWD-003",
                "Password reuse not prevented",
                Severity::Medium,
                resource.clone(),
                format!("PasswordReusePrevention is {now}, not {} (CIS 1.9, IAM.16)", t.password_reuse_prevention),
                "set PasswordReusePrevention to 24",
            ));
        }
        match p.max_password_age {
            Some(age) if age <= t.max_password_age => {}
            other => {
                let now = other.map_or_else(|| "never".to_string(), |n| format!("after {n} days"));
                out.push(finding(
                    "ORGCTL-PWD-004",
                    "Passwords expire too late",
                    Severity::Medium,
                    resource.clone(),
                    format!("passwords expire {now}, not within {} days (IAM.17)", t.max_password_age),
                    "set MaxPasswordAge to 90 or less",
                ));
            }
        }
        let missing: Vec<&str> = [
            (p.require_uppercase_characters, "uppercase"),
            (p.require_lowercase_characters, "lowercase"),
            (p.require_numbers, "numbers"),
            (p.require_symbols, "symbols"),
        ]
        .into_iter()
        .filter(|(on, _)| !on)
        .map(|(_, name)| name)
        .collect();
        if !missing.is_empty() {
            out.push(finding(
                "ORGCTL-PWD-005",
                "Password character classes not required",
                Severity::Medium,
                resource,
                format!("passwords need not contain {} (IAM.11-IAM.14)", missing.join(", ")),
                "require uppercase, lowercase, numbers and symbols",
            ));
        }
    }
}

fn scps(state: &OrgState, t: &Thresholds, out: &mut Vec<Finding>) {
    let org = format!("organization {}", state.organization_id);
    if !state.root.scp_enabled {
        out.push(finding(
            "ORGCTL-SCP-001",
            "Service control policies not enabled",
            Severity::High,
            org.clone(),
            "the SERVICE_CONTROL_POLICY type is not enabled on the root: no guard rail applies".into(),
            "enable SCPs (orgctl does when the file attaches any)",
        ));
        return;
    }
    let members: Vec<&str> = state
        .accounts
        .values()
        .filter(|a| a.status.is_active() && a.id != state.management_account_id)
        .map(|a| a.id.as_str())
        .collect();
    let region_deny: HashSet<&str> = state
        .policies
        .values()
        .filter(|p| statements(&p.content).iter().any(is_region_deny))
        .map(|p| p.id.as_str())
        .collect();
    let deny_leave: HashSet<&str> = state
        .policies
        .values()
        .filter(|p| statements(&p.content).iter().any(denies_leaving))
        .map(|p| p.id.as_str())
        .collect();
    if region_deny.is_empty() {
        out.push(finding(
            "ORGCTL-SCP-002",
            "No region-deny SCP",
            Severity::High,
            org.clone(),
            "no SCP denies requests outside an allow-list of regions".into(),
            "attach a region-deny SCP to the root (org-templates/scp/region-deny.yml)",
        ));
    } else {
        for id in &members {
            if !effective_policy_ids(state, id).iter().any(|p| region_deny.contains(p.as_str())) {
                out.push(finding(
                    "ORGCTL-SCP-003",
                    "Account escapes the region deny",
                    Severity::High,
                    account_label(state, id),
                    "no region-deny SCP is attached to the account, its OUs or the root".into(),
                    "attach the region-deny SCP to the root, or to an OU above the account",
                ));
            }
        }
        for p in state.policies.values().filter(|p| region_deny.contains(p.id.as_str())) {
            let missing: Vec<String> = statements(&p.content)
                .iter()
                .filter(|s| is_region_deny(s))
                .flat_map(|s| {
                    let exempt = strings(s.get("NotAction"));
                    t.global_services.iter().filter(move |g| !exempt.contains(g)).cloned().collect::<Vec<_>>()
                })
                .collect();
            if !missing.is_empty() {
                out.push(finding(
                    "ORGCTL-SCP-004",
                    "Region deny breaks global services",
                    Severity::Medium,
                    format!("policy {} ({})", p.id, p.name),
                    format!("the region deny does not exempt {} through NotAction", missing.join(", ")),
                    "deny with NotAction listing the global services (see org-templates/scp/region-deny.yml)",
                ));
            }
        }
    }
    if deny_leave.is_empty() {
        out.push(finding(
            "ORGCTL-SCP-005",
            "Accounts can leave the organization",
            Severity::Medium,
            org,
            "no SCP denies organizations:LeaveOrganization".into(),
            "attach org-templates/scp/deny-leave-organization.yml to the root",
        ));
    } else {
        for id in &members {
            if !effective_policy_ids(state, id).iter().any(|p| deny_leave.contains(p.as_str())) {
                out.push(finding(
                    "ORGCTL-SCP-005",
                    "Accounts can leave the organization",
                    Severity::Medium,
                    account_label(state, id),
                    "no SCP that denies leaving the organization applies to this account".into(),
                    "attach the deny-leave SCP to the root or to an OU above the account",
                ));
            }
        }
    }
    let mut targets: Vec<(String, String)> = vec![(state.root.id.clone(), "Root".into())];
    targets.extend(state.ous.values().map(|o| (o.id.clone(), format!("OU {}", state.path_of(&o.id)))));
    targets.extend(state.accounts.keys().map(|id| (id.clone(), account_label(state, id))));
    for (id, label) in targets {
        let n = state.policies_on(&id).len();
        if n >= t.scps_per_target_warning {
            out.push(finding(
                "ORGCTL-SCP-006",
                "Target at the SCP limit",
                Severity::Low,
                label,
                format!("{n} SCPs attached, the limit is {}", t.scps_per_target_limit),
                "merge policies, or attach some to a parent OU",
            ));
        }
    }
    for p in state.policies.values().filter(|p| !p.aws_managed) {
        let size = p.content.chars().count();
        if size >= t.scp_size_warning {
            out.push(finding(
                "ORGCTL-SCP-007",
                "SCP near the size limit",
                Severity::Low,
                format!("policy {} ({})", p.id, p.name),
                format!("{size} characters of {}", t.scp_size_limit),
                "split the policy or shorten it with wildcards",
            ));
        }
        if p.targets.is_empty() {
            out.push(finding(
                "ORGCTL-SCP-008",
                "SCP attached nowhere",
                Severity::Low,
                format!("policy {} ({})", p.id, p.name),
                "the policy is not attached to any root, OU or account".into(),
                "attach it where it belongs, or delete it",
            ));
        }
    }
}

fn structure(state: &OrgState, unmanaged: Option<&[String]>, t: &Thresholds, out: &mut Vec<Finding>) {
    for a in state.accounts.values() {
        let label = account_label(state, &a.id);
        if a.parent_id == state.root.id && a.id != state.management_account_id {
            out.push(finding(
                "ORGCTL-ORG-001",
                "Account directly under the root",
                Severity::Low,
                label.clone(),
                "the account is in no OU, so only root-level guard rails apply".into(),
                "place it in an OU",
            ));
        }
        if a.status == crate::model::AccountStatus::Suspended {
            out.push(finding(
                "ORGCTL-ORG-002",
                "Suspended account",
                Severity::Info,
                label.clone(),
                "the account is suspended (closed)".into(),
                "it leaves the organization after 90 days; nothing to do unless unexpected",
            ));
        }
    }
    for id in unmanaged.unwrap_or_default() {
        out.push(finding(
            "ORGCTL-ORG-003",
            "Account not in the file",
            Severity::Medium,
            account_label(state, id),
            "the organization has this account, the file does not".into(),
            "add it to the file (orgctl import shows how), or close it if unknown",
        ));
    }
    for ou in state.ous.values() {
        let path = format!("OU {}", state.path_of(&ou.id));
        let depth = state.depth_of(&ou.id);
        if depth > t.ou_depth_limit {
            out.push(finding(
                "ORGCTL-ORG-004",
                "OU nested too deep",
                Severity::Medium,
                path.clone(),
                format!("{depth} levels below the root, over {}", t.ou_depth_limit),
                "flatten the OU tree",
            ));
        }
        let empty =
            !state.accounts.values().any(|a| a.parent_id == ou.id) && !state.ous.values().any(|c| c.parent_id == ou.id);
        if empty {
            out.push(finding(
                "ORGCTL-ORG-005",
                "Empty OU",
                Severity::Info,
                path,
                "the OU holds no account and no OU".into(),
                "remove it if it is not needed",
            ));
        }
    }
}
