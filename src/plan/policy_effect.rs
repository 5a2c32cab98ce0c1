//! The plan's **Policy effect** section: when the plan changes an SCP, an attachment or where an
//! account sits, what that does — for every member account, what goes from allowed to denied and
//! back ([`crate::policy::effect`]), with the live organization before and the file after — and
//! the lockout guard: a plan whose policies would deny what orgctl itself needs afterwards in the
//! accounts it manages (its access role, CloudFormation where tasks deploy) is refused.

use super::change::{Operation, OrganizationOperation, Plan};
use crate::model::{OrgState, PolicyType, ServiceLastUsed};
use crate::org_file::desired::DesiredOrg;
use crate::plan::hierarchy::{self, Locations};
use crate::policy::effect::{self, Direction, Lockout, PolicyEffect, ServiceInUse, Subject};
use crate::policy::evaluate::{evaluate, Request};

/// Whether `plan` changes what SCPs allow anywhere: a document, an attachment, an account moved.
fn touches_scps(plan: &Plan, state: &OrgState) -> bool {
    let is_scp = |id: &str| {
        state
            .policies
            .get(id)
            .is_none_or(|p| matches!(p.policy_type, PolicyType::ServiceControl | PolicyType::ResourceControl))
    };
    plan.changes.iter().any(|c| match &c.operation {
        Operation::Organization(OrganizationOperation::UpdatePolicy { policy_id, .. }) => is_scp(policy_id),
        Operation::Organization(
            OrganizationOperation::AttachPolicy { .. }
            | OrganizationOperation::DetachPolicy { .. }
            | OrganizationOperation::MoveAccount { .. },
        ) => true,
        _ => false,
    })
}

/// The effect of `plan` on the member accounts the file and the organization share; `None`
/// when the plan changes no SCP, attachment or placement. `regions` are where tasks deploy.
pub fn compute(
    plan: &Plan,
    state: &OrgState,
    desired: &DesiredOrg,
    locations_by_name: &Locations,
    locations_by_id: &Locations,
    regions: &[String],
) -> Option<PolicyEffect> {
    if !touches_scps(plan, state) {
        return None;
    }
    let roles = desired.access_roles();
    let mut subjects = Vec::new();
    let mut lockouts = Vec::new();
    for account in desired.accounts.iter().filter(|a| !a.is_management) {
        let live = state.accounts.values().find(|l| {
            account.account_id.as_deref() == Some(l.id.as_str())
                || account.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&l.email))
        });
        let Some(live) = live.filter(|l| l.id != state.management_account_id) else { continue };
        let (Ok(before), Ok(after)) = (
            hierarchy::live(state, &live.id, locations_by_name),
            hierarchy::planned(desired, &account.logical_id, locations_by_id),
        ) else {
            continue;
        };
        let label = format!("{} ({})", live.name, live.id);
        let role = roles.role_for(&live.id, &live.email);
        lockouts.extend(locked_out(&label, &live.id, role, &before.levels, &after.levels, regions));
        subjects.push(Subject {
            account: label,
            account_id: live.id.to_string(),
            before: before.levels,
            after: after.levels,
            rcp_before: before.rcp_levels,
            rcp_after: after.rcp_levels,
            place: state.path_of(&live.parent_id),
        });
    }
    // Accounts the plan creates have no "before": with no account already there, nothing to say.
    if subjects.is_empty() {
        return None;
    }
    Some(PolicyEffect { groups: effect::effect(&subjects), lockouts })
}

/// What orgctl does in a member account, as its access role: reach it (assume the role), set
/// its password policy and alias, and deploy stacks in the regions tasks use.
fn needs(account_id: &str, role: &str, regions: &[String]) -> Vec<(String, String, String)> {
    let role_arn = format!("arn:aws:iam::{account_id}:role/{role}");
    let mut out = vec![("sts:AssumeRole".to_string(), role_arn, "us-east-1".to_string())];
    for action in ["iam:UpdateAccountPasswordPolicy", "iam:GetAccountPasswordPolicy", "iam:CreateAccountAlias"] {
        out.push((action.to_string(), "*".to_string(), "us-east-1".to_string()));
    }
    for region in regions {
        for action in ["cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DescribeStacks"] {
            out.push((action.to_string(), "*".to_string(), region.clone()));
        }
    }
    out
}

fn locked_out(
    label: &str,
    account_id: &str,
    role: &str,
    before: &[crate::policy::evaluate::Level],
    after: &[crate::policy::evaluate::Level],
    regions: &[String],
) -> Vec<Lockout> {
    let principal = format!("arn:aws:iam::{account_id}:role/{role}");
    needs(account_id, role, regions)
        .into_iter()
        .filter_map(|(action, resource, region)| {
            let context = [
                ("aws:requestedregion".to_string(), vec![region.clone()]),
                ("aws:principalarn".to_string(), vec![principal.clone()]),
                ("aws:principalaccount".to_string(), vec![account_id.to_string()]),
            ]
            .into();
            let request = Request { action: action.clone(), resource, context };
            let now = evaluate(after, &request, None);
            if now.is_allowed() || !evaluate(before, &request, None).is_allowed() {
                return None;
            }
            let decided_by = now.reason().unwrap_or_else(|| "the policies".to_string());
            Some(Lockout { account: label.to_string(), action, region, decided_by })
        })
        .collect()
}

/// The accounts some change newly denies something, each once (whose access reports count).
pub fn newly_denying(effect: &PolicyEffect) -> Vec<String> {
    let ids: std::collections::BTreeSet<&String> = effect
        .groups
        .iter()
        .filter(|g| g.flips.iter().any(|f| f.direction == Direction::NewlyDenied))
        .flat_map(|g| &g.account_ids)
        .collect();
    ids.into_iter().cloned().collect()
}

/// Marks each newly denied service that IAM's access report (`uses`, by account id) says an
/// account of the group used, in a region the flip denies (or anywhere, when the report gives
/// no region).
pub fn mark_in_use(effect: &mut PolicyEffect, uses: &std::collections::BTreeMap<String, Vec<ServiceLastUsed>>) {
    for group in &mut effect.groups {
        let accounts: Vec<(&String, &String)> = group.accounts.iter().zip(&group.account_ids).collect();
        for flip in group.flips.iter_mut().filter(|f| f.direction == Direction::NewlyDenied) {
            let mut in_use: Vec<ServiceInUse> = accounts
                .iter()
                .flat_map(|(label, id)| uses.get(*id).into_iter().flatten().map(move |u| (*label, u)))
                .filter(|(_, u)| flip.services.contains(&u.service))
                .filter(|(_, u)| u.region.as_ref().is_none_or(|r| flip.regions.contains(r)))
                .map(|(label, u)| ServiceInUse {
                    service: u.service.clone(),
                    account: label.clone(),
                    region: u.region.clone(),
                    last_used: u.last_used.chars().take(10).collect(),
                })
                .collect();
            // The most recent use first.
            in_use.sort_by(|a, b| b.last_used.cmp(&a.last_used).then_with(|| a.cmp(b)));
            flip.in_use = in_use;
        }
    }
}
