//! The inventory part of the report, from the state `plan` reads (no second reading path).

use super::model::*;
use crate::model::{OrgState, StackState};

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
        .filter(|p| p.targets.iter().any(|t| targets.contains(t)))
        .map(|p| p.id.clone())
        .collect();
    ids.sort();
    ids
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

pub fn build(state: &OrgState, stacks: &[StackState]) -> Inventory {
    let ous = state
        .ous
        .values()
        .map(|o| OuEntry {
            id: o.id.clone(),
            name: o.name.clone(),
            path: state.path_of(&o.id),
            depth: state.depth_of(&o.id),
            parent_id: o.parent_id.clone(),
        })
        .collect();
    let accounts = state
        .accounts
        .values()
        .map(|a| {
            let mut effective: Vec<String> = effective_policy_ids(state, &a.id)
                .iter()
                .filter_map(|id| state.policies.get(id).map(|p| p.name.clone()))
                .collect();
            effective.sort();
            AccountEntry {
                id: a.id.clone(),
                name: a.name.clone(),
                email: a.email.clone(),
                status: a.status.to_string(),
                parent_path: state.path_of(&a.parent_id),
                alias: a.alias.clone(),
                tags: a.tags.clone(),
                password_policy: a.password_policy.clone(),
                effective_scps: effective,
                is_management: a.id == state.master_account_id,
            }
        })
        .collect();
    let policies = state
        .policies
        .values()
        .map(|p| PolicyEntry {
            id: p.id.clone(),
            name: p.name.clone(),
            aws_managed: p.aws_managed,
            size: p.content.chars().count(),
            attached_to: p.targets.iter().map(|t| target_label(state, t)).collect(),
        })
        .collect();
    let stacks = stacks
        .iter()
        .map(|s| StackEntry {
            account_id: s.account_id.clone(),
            region: s.region.clone(),
            name: s.name.clone(),
            status: s.status.clone(),
            task: s.task().map(str::to_string),
        })
        .collect();
    Inventory { root_id: state.root.id.clone(), scp_enabled: state.root.scp_enabled, ous, accounts, policies, stacks }
}
