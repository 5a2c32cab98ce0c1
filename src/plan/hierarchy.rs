//! The levels an account's SCPs and RCPs come from (the root, each OU down to it, the account
//! itself), read from the live organization or from the file alone (what will hold once it is
//! applied: the file's policies where it puts them, and FullAWSAccess and RCPFullAWSAccess
//! everywhere, which orgctl never detaches).

use crate::model::{OrgState, PolicyType};
use crate::org_file::desired::{DesiredOrg, Parent};
use crate::policy::document::statements;
use crate::policy::evaluate::{Attached, Level};
use std::collections::BTreeMap;

/// Where each SCP is declared, by name (for the live organization) or logical id (the file).
pub type Locations = BTreeMap<String, (String, usize)>;

/// Where the file declares each SCP: by its name (to match the live organization's policies) or
/// by its logical id (the file's).
pub fn file_locations(loaded: &crate::org_file::Loaded, desired: &DesiredOrg, by_name: bool) -> Locations {
    loaded
        .spec
        .policies
        .iter()
        .filter_map(|p| {
            let location = loaded.sources.location(p.span);
            let key = if by_name {
                desired.policies.iter().find(|d| d.logical_id == p.logical_id)?.name.clone()
            } else {
                p.logical_id.clone()
            };
            Some((key, (location.file.display().to_string(), location.line)))
        })
        .collect()
}

/// An account and the levels above it.
pub struct Placed {
    pub account_id: Option<String>,
    pub label: String,
    pub is_management: bool,
    /// SCPs, root first.
    pub levels: Vec<Level>,
    /// RCPs, root first; empty when RCPs are not enabled (or, for the file, not used).
    pub rcp_levels: Vec<Level>,
}

/// An attached SCP. A document AWS would not have accepted (not JSON, no Statement) neither
/// allows nor denies anything.
fn attached(name: &str, id: &str, content: &str, location: Option<(String, usize)>) -> Attached {
    let statements = statements(content).unwrap_or_default();
    Attached { name: name.to_string(), id: id.to_string(), statements, location }
}

/// An account asked about that is not where it was looked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoSuchAccount {
    #[error("no account {0} in the organization (give its id, name or logical id)")]
    InTheOrganization(String),
    #[error("no account {0} in the file (give its logical id or AccountName)")]
    InTheFile(String),
}

/// The account `who` (id, name, or orgctl logical id) in the live organization.
pub fn live(state: &OrgState, who: &str, locations: &Locations) -> Result<Placed, NoSuchAccount> {
    let account = state
        .accounts
        .get(who)
        .filter(|a| a.id == who)
        .or_else(|| state.accounts.values().find(|a| a.id == who))
        .or_else(|| state.accounts.values().find(|a| a.name.eq_ignore_ascii_case(who)))
        .or_else(|| state.accounts.values().find(|a| OrgState::owner_of(&a.tags) == Some(who)))
        .ok_or_else(|| NoSuchAccount::InTheOrganization(who.to_string()))?;
    let level = |policy_type: PolicyType, target: &str, label: String| -> Level {
        let mut policies: Vec<Attached> = state
            .policies_of_type_on(policy_type, target)
            .into_iter()
            .map(|p| attached(&p.name, &p.id, &p.content, locations.get(&p.name).cloned()))
            .collect();
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        Level { label, policies }
    };
    let label = format!("account {} ({})", account.name, account.id);
    let mut targets = vec![(state.root.id.as_str(), "Root".to_string())];
    let chain = state.ous_above(&account.parent_id);
    targets.extend(chain.iter().rev().map(|ou| (ou.id.as_str(), format!("OU {}", state.path_of(&ou.id)))));
    targets.push((account.id.as_str(), label.clone()));
    let levels_of = |policy_type: PolicyType| -> Vec<Level> {
        if !state.root.is_enabled(policy_type) {
            return Vec::new();
        }
        targets.iter().map(|(target, label)| level(policy_type, target, label.clone())).collect()
    };
    Ok(Placed {
        account_id: Some(account.id.to_string()),
        label,
        is_management: account.id == state.management_account_id,
        levels: targets.iter().map(|(t, l)| level(PolicyType::ServiceControl, t, l.clone())).collect(),
        rcp_levels: levels_of(PolicyType::ResourceControl),
    })
}

/// The SCP levels of an account placed directly under `parent` (the root or an OU) in the live
/// organization, the account's own level holding FullAWSAccess alone: what that OU allows.
pub fn live_under(state: &OrgState, parent: &str) -> Vec<Level> {
    let level = |target: &str, label: String| -> Level {
        let mut policies: Vec<Attached> = state
            .policies_of_type_on(PolicyType::ServiceControl, target)
            .into_iter()
            .map(|p| attached(&p.name, &p.id, &p.content, None))
            .collect();
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        Level { label, policies }
    };
    let mut levels = vec![level(&state.root.id, "Root".to_string())];
    let chain = state.ous_above(parent);
    levels.extend(chain.iter().rev().map(|ou| level(&ou.id, format!("OU {}", state.path_of(&ou.id)))));
    let full = PolicyType::ServiceControl.aws_managed_default().map(|d| attached(d.name, d.id, d.content, None));
    levels.push(Level { label: "an account there".into(), policies: full.into_iter().collect() });
    levels
}

/// The account `who` (logical id or AccountName) as the file will have it.
pub fn planned(desired: &DesiredOrg, who: &str, locations: &Locations) -> Result<Placed, NoSuchAccount> {
    let account = desired
        .accounts
        .iter()
        .find(|a| a.logical_id == who || a.account_id.as_deref() == Some(who))
        .or_else(|| desired.accounts.iter().find(|a| a.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(who))))
        .ok_or_else(|| NoSuchAccount::InTheFile(who.to_string()))?;
    let level = |policy_type: PolicyType, lids: &[String], label: &str| -> Level {
        let mut policies: Vec<Attached> =
            policy_type.aws_managed_default().map(|d| attached(d.name, d.id, d.content, None)).into_iter().collect();
        for lid in lids {
            if let Some(p) = desired.policies.iter().find(|p| &p.logical_id == lid && p.policy_type == policy_type) {
                policies.push(attached(&p.name, &p.logical_id, &p.content, locations.get(lid).cloned()));
            }
        }
        Level { label: label.to_string(), policies }
    };
    let mut chain = Vec::new();
    let mut parent = &account.parent;
    while let Parent::Ou(lid) = parent {
        let Some(ou) = desired.ous.iter().find(|o| &o.logical_id == lid) else { break };
        chain.push(ou);
        parent = &ou.parent;
        if chain.len() > desired.ous.len() {
            break;
        }
    }
    let label = format!("account {} ({})", account.name.as_deref().unwrap_or(&account.logical_id), account.logical_id);
    // Each level: its label, its SCPs, its other policies.
    let mut targets = vec![("Root".to_string(), &desired.root_scps, &desired.root_other_policies)];
    let mut path = String::from("Root");
    for ou in chain.iter().rev() {
        path = format!("{path}/{}", ou.name);
        targets.push((format!("OU {path} ({})", ou.logical_id), &ou.scps, &ou.other_policies));
    }
    targets.push((label.clone(), &account.scps, &account.other_policies));
    let uses_rcps = desired.policies.iter().any(|p| p.policy_type == PolicyType::ResourceControl);
    Ok(Placed {
        account_id: account.account_id.clone(),
        label,
        is_management: account.is_management,
        levels: targets.iter().map(|(l, scps, _)| level(PolicyType::ServiceControl, scps, l)).collect(),
        rcp_levels: if uses_rcps {
            targets.iter().map(|(l, _, others)| level(PolicyType::ResourceControl, others, l)).collect()
        } else {
            Vec::new()
        },
    })
}
