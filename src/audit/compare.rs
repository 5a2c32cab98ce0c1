//! What the file is compared with: which live accounts, OUs and SCPs it does not manage (each
//! listed as drift), and where it declares the ones it does (for SARIF's locations).

use crate::model::{OrgState, OWNER_TAG};
use crate::org_file::desired::{DesiredOrg, Parent};
use crate::org_file::Loaded;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Live resources the file does not manage, by AWS id.
#[derive(Debug, Clone, Default)]
pub struct Unmanaged {
    pub accounts: Vec<String>,
    pub ous: Vec<String>,
    pub policies: Vec<String>,
}

/// The live accounts, OUs and customer-managed SCPs that nothing in `desired` stands for: not
/// matched (accounts as the planner matches them), not at a path the file declares (OUs), not
/// named by the file (SCPs), and not tagged with one of its logical ids.
pub fn unmanaged(desired: &DesiredOrg, state: &OrgState) -> Unmanaged {
    let managed_accounts: HashSet<String> = crate::plan::account_ids(desired, state).into_values().collect();
    let owner = |tags: &crate::model::Tags| tags.get(OWNER_TAG).cloned();
    let ou_lids: HashSet<&str> = desired.ous.iter().map(|o| o.logical_id.as_str()).collect();
    let ou_paths: HashSet<String> = desired.ous.iter().map(|o| desired_path(desired, &o.logical_id)).collect();
    let policy_lids: HashSet<&str> = desired.policies.iter().map(|p| p.logical_id.as_str()).collect();
    let policy_names: HashSet<(crate::model::PolicyType, &str)> =
        desired.policies.iter().map(|p| (p.policy_type, p.name.as_str())).collect();
    Unmanaged {
        accounts: state
            .accounts
            .keys()
            .filter(|id| !managed_accounts.contains(id.as_str()))
            .map(|id| id.to_string())
            .collect(),
        ous: state
            .ous
            .values()
            .filter(|o| {
                !ou_paths.contains(&state.path_of(&o.id))
                    && !owner(&o.tags).is_some_and(|l| ou_lids.contains(l.as_str()))
            })
            .map(|o| o.id.clone())
            .collect(),
        policies: state
            .policies
            .values()
            .filter(|p| !p.aws_managed && !policy_names.contains(&(p.policy_type, p.name.as_str())))
            .filter(|p| !owner(&p.tags).is_some_and(|l| policy_lids.contains(l.as_str())))
            .map(|p| p.id.to_string())
            .collect(),
    }
}

/// `Root/Workloads/Prod` for a desired OU.
fn desired_path(desired: &DesiredOrg, lid: &str) -> String {
    let by_lid: HashMap<&str, &crate::org_file::desired::DesiredOu> =
        desired.ous.iter().map(|o| (o.logical_id.as_str(), o)).collect();
    let mut names = Vec::new();
    let mut current = by_lid.get(lid).copied();
    while let Some(ou) = current {
        names.push(ou.name.as_str());
        current = match &ou.parent {
            Parent::Ou(parent) if names.len() <= by_lid.len() => by_lid.get(parent.as_str()).copied(),
            _ => None,
        };
    }
    names.push("Root");
    names.reverse();
    names.join("/")
}

/// Where the file declares each resource it manages that exists: AWS id → (file, line).
pub fn locations(loaded: &Loaded, desired: &DesiredOrg, state: &OrgState) -> BTreeMap<String, (String, usize)> {
    let mut out = BTreeMap::new();
    let mut at = |id: &str, span| {
        let location = loaded.sources.location(span);
        out.insert(id.to_string(), (location.file.display().to_string(), location.line));
    };
    let accounts = crate::plan::account_ids(desired, state);
    for a in &loaded.spec.accounts {
        if let Some(id) = accounts.get(&a.logical_id) {
            at(id, a.span);
        }
    }
    let by_path: HashMap<String, &str> = state.ous.values().map(|o| (state.path_of(&o.id), o.id.as_str())).collect();
    for ou in &loaded.spec.ous {
        if let Some(id) = by_path.get(&desired_path(desired, &ou.logical_id)) {
            at(id, ou.span);
        }
    }
    for p in &loaded.spec.policies {
        let name = desired.policies.iter().find(|d| d.logical_id == p.logical_id).map(|d| d.name.as_str());
        let same = |l: &&crate::model::PolicyState| l.policy_type == p.policy_type && Some(l.name.as_str()) == name;
        if let Some(live) = state.policies.values().filter(|l| !l.aws_managed).find(same) {
            at(&live.id, p.span);
        }
    }
    if let Some(root) = &loaded.spec.root {
        at(&state.root.id, root.span);
    }
    out
}
