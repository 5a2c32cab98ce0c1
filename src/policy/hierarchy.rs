//! The levels an account's SCPs come from (the root, each OU down to it, the account itself),
//! read from the live organization or from the file alone (what will hold once it is applied:
//! the file's SCPs where it puts them, and FullAWSAccess everywhere, which orgctl never detaches).

use super::document::statements;
use super::evaluate::{Attached, Level};
use crate::model::{OrgState, FULL_AWS_ACCESS_ID, FULL_AWS_ACCESS_NAME};
use crate::spec::desired::{DesiredOrg, Parent};
use std::collections::BTreeMap;

/// Where each SCP is declared, by name (for the live organization) or logical id (the file).
pub type Locations = BTreeMap<String, (String, usize)>;

/// An account and the levels above it.
pub struct Placed {
    pub account_id: Option<String>,
    pub label: String,
    pub is_management: bool,
    pub levels: Vec<Level>,
}

/// An attached SCP. A document AWS would not have accepted (not JSON, no Statement) neither
/// allows nor denies anything.
fn attached(name: &str, id: &str, content: &str, location: Option<(String, usize)>) -> Attached {
    let statements = statements(content).unwrap_or_default();
    Attached { name: name.to_string(), id: id.to_string(), statements, location }
}

/// The account `who` (id, name, or orgctl logical id) in the live organization.
pub fn live(state: &OrgState, who: &str, locations: &Locations) -> Result<Placed, String> {
    let account = state
        .accounts
        .values()
        .find(|a| a.id == who)
        .or_else(|| state.accounts.values().find(|a| a.name.eq_ignore_ascii_case(who)))
        .or_else(|| state.accounts.values().find(|a| OrgState::owner_of(&a.tags) == Some(who)))
        .ok_or_else(|| format!("no account {who} in the organization (give its id, name or logical id)"))?;
    let level = |target: &str, label: String| -> Level {
        let mut policies: Vec<Attached> = state
            .policies
            .values()
            .filter(|p| p.targets.iter().any(|t| t == target))
            .map(|p| attached(&p.name, &p.id, &p.content, locations.get(&p.name).cloned()))
            .collect();
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        Level { label, policies }
    };
    let mut chain = Vec::new();
    let mut current = account.parent_id.as_str();
    while let Some(ou) = state.ous.get(current) {
        chain.push(ou.id.as_str());
        current = &ou.parent_id;
        if chain.len() > state.ous.len() {
            break;
        }
    }
    let mut levels = vec![level(&state.root.id, "Root".to_string())];
    for ou in chain.iter().rev() {
        levels.push(level(ou, format!("OU {}", state.path_of(ou))));
    }
    let label = format!("account {} ({})", account.name, account.id);
    levels.push(level(&account.id, label.clone()));
    Ok(Placed {
        account_id: Some(account.id.clone()),
        label,
        is_management: account.id == state.management_account_id,
        levels,
    })
}

/// The account `who` (logical id or AccountName) as the file will have it.
pub fn planned(desired: &DesiredOrg, who: &str, locations: &Locations) -> Result<Placed, String> {
    let account = desired
        .accounts
        .iter()
        .find(|a| a.logical_id == who || a.account_id.as_deref() == Some(who))
        .or_else(|| desired.accounts.iter().find(|a| a.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(who))))
        .ok_or_else(|| format!("no account {who} in the file (give its logical id or AccountName)"))?;
    let full_access = || -> Attached {
        attached(
            FULL_AWS_ACCESS_NAME,
            FULL_AWS_ACCESS_ID,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            None,
        )
    };
    let level = |lids: &[String], label: String| -> Level {
        let mut policies = vec![full_access()];
        for lid in lids {
            if let Some(p) = desired.policies.iter().find(|p| &p.logical_id == lid) {
                policies.push(attached(&p.name, &p.logical_id, &p.content, locations.get(lid).cloned()));
            }
        }
        Level { label, policies }
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
    let mut levels = vec![level(&desired.root_scps, "Root".to_string())];
    let mut path = String::from("Root");
    for ou in chain.iter().rev() {
        path = format!("{path}/{}", ou.name);
        levels.push(level(&ou.scps, format!("OU {path} ({})", ou.logical_id)));
    }
    let label = format!("account {} ({})", account.name.as_deref().unwrap_or(&account.logical_id), account.logical_id);
    levels.push(level(&account.scps, label.clone()));
    Ok(Placed { account_id: account.account_id.clone(), label, is_management: account.is_management, levels })
}
