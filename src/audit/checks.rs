//! The good-practice checks. Each has a stable id, a severity, the resource it fires on and a
//! fix hint; thresholds come from [`Thresholds`](super::thresholds::Thresholds).

use super::report::{Finding, Severity};
use super::thresholds::Thresholds;
use crate::model::{OrgState, PolicyType, StackState};

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

fn account_label(state: &OrgState, id: &str) -> String {
    state.accounts.get(id).map_or_else(|| format!("account {id}"), |a| format!("account {} ({})", a.name, a.id))
}

/// Every finding for `state` (and its stacks). `unmanaged` lists accounts the file does not
/// manage, when a file was given.
pub fn run(
    state: &OrgState,
    governance: &crate::model::Governance,
    stacks: &[StackState],
    unmanaged: Option<&[String]>,
    t: &Thresholds,
) -> Vec<Finding> {
    let mut out = Vec::new();
    password_policies(state, t, &mut out);
    scps(state, t, &mut out);
    delegation(state, governance, t, &mut out);
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
    sort(&mut out);
    out
}

/// Findings worst first, then by check and resource.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.check.cmp(b.check))
            .then_with(|| super::order::natural(&a.resource, &b.resource))
    });
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

/// Regions few organizations approve: a request there shows whether a region restriction holds.
const PROBE_REGIONS: [&str; 4] = ["af-south-1", "me-central-1", "ap-southeast-4", "mx-central-1"];
/// The role the SCP checks ask as: an ordinary workload role (exemptions for admin or access
/// roles do not hide a missing restriction).
const PROBE_ROLE: &str = "WorkloadDeveloper";

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
    let probe = probe_members(state, t);
    region_findings(state, &org, &probe, out);
    leave_findings(state, org, &probe, out);
    scp_limits(state, t, out);
}

/// What the SCPs decide for a workload role in each active member account.
struct ScpProbe<'a> {
    members: Vec<&'a str>,
    /// Accounts denied somewhere among the probe regions, and those denied nowhere.
    restricted: Vec<&'a str>,
    unrestricted: Vec<&'a str>,
    /// Accounts that may call organizations:LeaveOrganization.
    leavers: Vec<&'a str>,
    /// Global services a region restriction denies, by the policy that denies them.
    broken: std::collections::BTreeMap<String, Vec<String>>,
}

/// Evaluates the SCPs for each member account: the probe regions, the global services in a
/// denied region, and leaving the organization.
fn probe_members<'a>(state: &'a OrgState, t: &Thresholds) -> ScpProbe<'a> {
    let members: Vec<&str> = state
        .accounts
        .values()
        .filter(|a| a.status.is_active() && a.id != state.management_account_id)
        .map(|a| a.id.as_str())
        .collect();
    // What the SCPs allow, evaluated as AWS does, for a workload role in each member account:
    // however a policy is written (a Deny with StringNotEquals or StringNotLike, an allow-list
    // with FullAWSAccess detached), what counts is the decision.
    let mut restricted = Vec::new();
    let mut unrestricted = Vec::new();
    let mut leavers = Vec::new();
    let mut broken: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for id in &members {
        let Ok(placed) = crate::plan::hierarchy::live(state, id, &Default::default()) else { continue };
        let ask = |action: &str, region: Option<&str>| {
            let mut context = crate::policy::condition::Context::new();
            context.insert("aws:principalarn".into(), vec![format!("arn:aws:iam::{id}:role/{PROBE_ROLE}")]);
            context.insert("aws:principalaccount".into(), vec![id.to_string()]);
            if let Some(r) = region {
                context.insert("aws:requestedregion".into(), vec![r.to_string()]);
            }
            let request = crate::policy::Request { action: action.into(), resource: "*".into(), context };
            crate::policy::evaluate(&placed.levels, &request, None)
        };
        let denied = |e: &crate::policy::Explanation| !matches!(e.decision, crate::policy::Decision::Allowed);
        let region_denials: Vec<crate::policy::Explanation> =
            PROBE_REGIONS.iter().map(|r| ask("ec2:RunInstances", Some(r))).filter(denied).collect();
        if region_denials.is_empty() {
            unrestricted.push(*id);
        } else {
            restricted.push(*id);
            // In a region the restriction denies, the global services must keep working.
            let region = PROBE_REGIONS.iter().find(|r| denied(&ask("ec2:RunInstances", Some(r)))).copied();
            for service in &t.global_services {
                let action = service.replace('*', "OrgctlProbe");
                let e = ask(&action, region);
                if denied(&e) {
                    for d in e.deciding.iter().filter(|d| d.effect == "Deny") {
                        broken
                            .entry(format!("policy {} ({})", d.policy_id, d.policy))
                            .or_default()
                            .push(service.clone());
                    }
                }
            }
        }
        if !denied(&ask("organizations:LeaveOrganization", None)) {
            leavers.push(*id);
        }
    }
    ScpProbe { members, restricted, unrestricted, leavers, broken }
}

/// ORGCTL-SCP-002/003/004: no region restriction, an account that escapes it, a restriction
/// that breaks the global services.
fn region_findings(state: &OrgState, org: &str, probe: &ScpProbe, out: &mut Vec<Finding>) {
    let ScpProbe { members, restricted, unrestricted, broken, .. } = probe;
    if restricted.is_empty() && !members.is_empty() {
        out.push(finding(
            "ORGCTL-SCP-002",
            "No region restriction",
            Severity::High,
            org.to_string(),
            format!("the SCPs let every member account work in any region (checked {})", PROBE_REGIONS.join(", ")),
            "attach a region-deny SCP to the root (org-templates/scp/region-deny.yml)",
        ));
    } else {
        for id in unrestricted.iter().copied() {
            out.push(finding(
                "ORGCTL-SCP-003",
                "Account escapes the region restriction",
                Severity::High,
                account_label(state, id),
                format!(
                    "the SCPs that apply let the account work in any region (checked {})",
                    PROBE_REGIONS.join(", ")
                ),
                "attach the region-deny SCP to the root, or to an OU above the account",
            ));
        }
    }
    for (policy, services) in broken {
        let mut services = services.clone();
        services.sort();
        services.dedup();
        out.push(finding(
            "ORGCTL-SCP-004",
            "Region restriction breaks global services",
            Severity::Medium,
            policy.clone(),
            format!("outside the approved regions it denies {}, which are served from one region", services.join(", ")),
            "deny with NotAction listing the global services (see org-templates/scp/region-deny.yml)",
        ));
    }
}

/// ORGCTL-SCP-005: accounts that can leave the organization (all of them: one finding).
fn leave_findings(state: &OrgState, org: String, probe: &ScpProbe, out: &mut Vec<Finding>) {
    let ScpProbe { members, leavers, .. } = probe;
    if !members.is_empty() && leavers.len() == members.len() {
        out.push(finding(
            "ORGCTL-SCP-005",
            "Accounts can leave the organization",
            Severity::Medium,
            org,
            "the SCPs let every member account call organizations:LeaveOrganization".into(),
            "attach org-templates/scp/deny-leave-organization.yml to the root",
        ));
    } else {
        for id in leavers.iter().copied() {
            out.push(finding(
                "ORGCTL-SCP-005",
                "Accounts can leave the organization",
                Severity::Medium,
                account_label(state, id),
                "the SCPs that apply to this account let it call organizations:LeaveOrganization".into(),
                "attach the deny-leave SCP to the root or to an OU above the account",
            ));
        }
    }
}

/// ORGCTL-SCP-006/007/008: targets at the SCP limit, SCPs near the size limit, SCPs attached
/// nowhere.
fn scp_limits(state: &OrgState, t: &Thresholds, out: &mut Vec<Finding>) {
    let mut targets: Vec<(String, String)> = vec![(state.root.id.clone(), "Root".into())];
    targets.extend(state.ous.values().map(|o| (o.id.clone(), format!("OU {}", state.path_of(&o.id)))));
    targets.extend(state.accounts.keys().map(|id| (id.to_string(), account_label(state, id))));
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
    for p in state.policies.values().filter(|p| !p.aws_managed && p.policy_type == PolicyType::ServiceControl) {
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

/// Delegated administrators against the allowed list, and the tag and AI opt-out policies a
/// well-run organization has in force (Prowler's organizations checks).
fn delegation(state: &OrgState, g: &crate::model::Governance, t: &Thresholds, out: &mut Vec<Finding>) {
    let org = format!("organization {}", state.organization_id);
    for d in &g.delegated_administrators {
        let name = state.accounts.get(&d.account_id).map(|a| a.name.as_str()).unwrap_or_default();
        let allowed = t.delegated_admin_accounts.iter().any(|a| a == &d.account_id || (!name.is_empty() && a == name));
        let (title, severity, message, fix) = match (t.delegated_admin_accounts.is_empty(), allowed) {
            (true, _) => (
                "Delegated administrator to review",
                Severity::Info,
                format!("administers {} for the organization", d.service),
                "list the accounts that may be delegated administrators in the audit config (delegated_admin_accounts)",
            ),
            (false, false) => (
                "Delegated administrator not allowed",
                Severity::Medium,
                format!("administers {} for the organization but is not in delegated_admin_accounts", d.service),
                "deregister it (aws organizations deregister-delegated-administrator), or add it to the allowed list",
            ),
            (false, true) => continue,
        };
        out.push(finding("ORGCTL-GOV-001", title, severity, account_label(state, &d.account_id), message, fix));
    }
    let attached = |policy_type: PolicyType| {
        state.policies.values().any(|p| p.policy_type == policy_type && !p.aws_managed && !p.targets.is_empty())
    };
    let enabled = |policy_type: PolicyType| state.root.is_enabled(policy_type);
    for (check, policy_type, what, fix) in [
        (
            "ORGCTL-GOV-002",
            PolicyType::Tag,
            "tag policies",
            "enable the TAG_POLICY type on the root and attach a tag policy that standardises your tag keys",
        ),
        (
            "ORGCTL-GOV-003",
            PolicyType::AiServicesOptOut,
            "AI services opt-out policy",
            "enable AISERVICES_OPT_OUT_POLICY and attach an opt-out policy to the root",
        ),
    ] {
        if !(enabled(policy_type) && attached(policy_type)) {
            let why =
                if enabled(policy_type) { "no such policy is attached" } else { "the policy type is not enabled" };
            out.push(finding(
                check,
                if policy_type == PolicyType::Tag { "No tag policy in force" } else { "No AI services opt-out" },
                Severity::Low,
                org.clone(),
                format!("the organization has no {what} in force: {why}"),
                fix,
            ));
        }
    }
    // An organization trail needs CloudTrail's trusted access: without it, there is none.
    if !g.trusted_services.iter().any(|s| s == "cloudtrail.amazonaws.com") {
        out.push(finding(
            "ORGCTL-GOV-005",
            "No organization trail",
            Severity::Medium,
            org.clone(),
            "CloudTrail has no trusted access, so no organization trail records the member accounts".into(),
            "enable trusted access for cloudtrail.amazonaws.com (TrustedServiceAccess in the file) and create an organization trail in the management or a delegated administrator account",
        ));
    }
    if let Some(features) = &g.root_access_features {
        let missing: Vec<&str> = ["RootCredentialsManagement", "RootSessions"]
            .into_iter()
            .filter(|f| !features.iter().any(|e| e == f))
            .collect();
        if !missing.is_empty() {
            out.push(finding(
                "ORGCTL-GOV-004",
                "Centralized root access not enabled",
                Severity::Medium,
                org,
                format!("IAM's {} for member accounts is not enabled", missing.join(" and ")),
                "enable centralized root access (aws iam enable-organizations-root-credentials-management and enable-organizations-root-sessions), then remove member root credentials",
            ));
        }
    }
}
