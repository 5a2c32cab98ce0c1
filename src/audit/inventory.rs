//! The inventory part of the report, from the state `plan` reads (no second reading path).

use super::order::natural;
use super::report::*;
use crate::model::{OrgState, PolicyType, StackState};

/// Ids of the targets whose SCPs apply to `target_id`: itself, every ancestor OU and the root.
pub fn chain(state: &OrgState, target_id: &str, parent_id: &str) -> Vec<String> {
    let mut ids = vec![target_id.to_string()];
    let mut current = parent_id.to_string();
    while let Some(ou) = state.ous.get(&current) {
        ids.push(ou.id.clone());
        current = ou.parent_id.clone();
        if ids.len() > state.ous.len() + 1 {
            break;
        }
    }
    ids.push(state.root.id.clone());
    ids
}

/// Ids of the SCPs that apply to an account.
pub fn effective_policy_ids(state: &OrgState, account_id: &str) -> Vec<String> {
    let Some(account) = state.accounts.get(account_id) else { return Vec::new() };
    let targets = chain(state, account_id, &account.parent_id);
    let mut ids: Vec<String> = state
        .policies
        .values()
        .filter(|p| p.policy_type == PolicyType::ServiceControl && p.targets.iter().any(|t| targets.contains(t)))
        .map(|p| p.id.to_string())
        .collect();
    ids.sort();
    ids
}

/// Root first, then OUs by path, then accounts by name: the order a reader looks for them in.
fn target_order(state: &OrgState, id: &str) -> (u8, String) {
    if id == state.root.id {
        (0, String::new())
    } else if state.accounts.contains_key(id) {
        (2, target_label(state, id))
    } else {
        (1, state.path_of(id))
    }
}

fn target_label(state: &OrgState, id: &str) -> String {
    if id == state.root.id {
        return "Root".into();
    }
    if let Some(a) = state.accounts.get(id) {
        return format!("account {} ({})", a.name, a.id);
    }
    state.path_of(id)
}

/// Names of the SCPs attached to `target` itself, in natural order.
fn attached(state: &OrgState, target: &str) -> Vec<String> {
    let mut names: Vec<String> = state.policies_on(target).into_iter().map(|p| p.name.clone()).collect();
    names.sort_by(|a, b| natural(a, b));
    names
}

pub fn build(state: &OrgState, stacks: &[StackState]) -> Inventory {
    let mut ous: Vec<OuEntry> = state
        .ous
        .values()
        .map(|o| OuEntry {
            id: o.id.clone(),
            name: o.name.clone(),
            path: state.path_of(&o.id),
            depth: state.depth_of(&o.id),
            parent_id: o.parent_id.clone(),
            scps: attached(state, &o.id),
        })
        .collect();
    let mut accounts: Vec<AccountEntry> = state
        .accounts
        .values()
        .map(|a| {
            // SCPs never apply to the management account, whatever is attached above it.
            let mut effective: Vec<String> = effective_policy_ids(state, &a.id)
                .iter()
                .filter(|_| a.id != state.management_account_id)
                .filter_map(|id| state.policies.get(id).map(|p| p.name.clone()))
                .collect();
            effective.sort();
            AccountEntry {
                id: a.id.to_string(),
                name: a.name.clone(),
                email: a.email.clone(),
                status: a.status.to_string(),
                parent_path: state.path_of(&a.parent_id),
                alias: a.alias.clone(),
                tags: a.tags.clone(),
                password_policy: a.password_policy.clone(),
                effective_scps: effective,
                is_management: a.id == state.management_account_id,
            }
        })
        .collect();
    let mut policies: Vec<PolicyEntry> = state
        .policies
        .values()
        .map(|p| {
            let mut targets: Vec<(u8, String, &String)> =
                p.targets.iter().map(|t| (target_order(state, t).0, target_order(state, t).1, t)).collect();
            targets.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| natural(&a.1, &b.1)));
            PolicyEntry {
                id: p.id.to_string(),
                name: p.name.clone(),
                policy_type: p.policy_type.noun().to_string(),
                aws_managed: p.aws_managed,
                size: p.content.chars().count(),
                attached_to: targets.into_iter().map(|(_, _, t)| target_label(state, t)).collect(),
            }
        })
        .collect();
    ous.sort_by(|a, b| natural(&a.path, &b.path));
    accounts.sort_by(|a, b| {
        b.is_management
            .cmp(&a.is_management)
            .then_with(|| natural(&a.parent_path, &b.parent_path))
            .then_with(|| natural(&a.name, &b.name))
    });
    policies.sort_by(|a, b| {
        (&a.policy_type, a.aws_managed).cmp(&(&b.policy_type, b.aws_managed)).then_with(|| natural(&a.name, &b.name))
    });
    let mut stacks: Vec<StackEntry> = stacks
        .iter()
        .map(|s| StackEntry {
            account_id: s.account_id.to_string(),
            region: s.region.to_string(),
            name: s.name.clone(),
            status: s.status.to_string(),
            task: s.task().map(str::to_string),
        })
        .collect();
    stacks.sort_by(|a, b| (&a.name, &a.region, &a.account_id).cmp(&(&b.name, &b.region, &b.account_id)));
    Inventory {
        root_id: state.root.id.clone(),
        scp_enabled: state.root.scp_enabled,
        policy_types_enabled: PolicyType::ALL
            .into_iter()
            .filter(|t| state.root.is_enabled(*t))
            .map(|t| t.api_name().to_string())
            .collect(),
        root_scps: attached(state, &state.root.id),
        ous,
        accounts,
        policies,
        stacks,
    }
}
