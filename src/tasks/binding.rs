//! Organization bindings → deployment targets: the (account, region) pairs a task deploys to.
//!
//! `Account: '*'` is every account but the management account; `OrganizationalUnit` takes the
//! OU's accounts and those of every OU nested in it; `IncludeMasterAccount` adds the management
//! account; `AccountsWithTag` adds accounts carrying a tag key; the two `Exclude*` keys remove
//! accounts (OU exclusion is nested too). The accounts are then crossed with the regions.

use super::task_file::{AccountSelector, Binding};
use crate::org_file::desired::{DesiredOrg, Parent};
use std::collections::{BTreeSet, HashMap};

/// One place a stack goes: an account (by logical id) and a region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub account: String,
    pub region: String,
}

/// The OUs each account sits in, directly or through nesting, by logical id.
fn ancestry(org: &DesiredOrg) -> HashMap<&str, Vec<&str>> {
    let ou_parent: HashMap<&str, &Parent> = org.ous.iter().map(|o| (o.logical_id.as_str(), &o.parent)).collect();
    org.accounts
        .iter()
        .map(|a| {
            let mut chain = Vec::new();
            let mut parent = &a.parent;
            while let Parent::Ou(id) = parent {
                if chain.contains(&id.as_str()) {
                    break;
                }
                chain.push(id.as_str());
                parent = ou_parent.get(id.as_str()).copied().unwrap_or(&Parent::Root);
            }
            (a.logical_id.as_str(), chain)
        })
        .collect()
}

/// The accounts a binding selects, by logical id, sorted.
pub fn accounts(binding: &Binding, org: &DesiredOrg) -> BTreeSet<String> {
    let chains = ancestry(org);
    let in_any = |account: &str, ous: &[String]| {
        chains.get(account).is_some_and(|c| c.iter().any(|o| ous.iter().any(|x| x == o)))
    };
    let mut selected = BTreeSet::new();
    for a in &org.accounts {
        let id = a.logical_id.as_str();
        let by_account = match &binding.accounts {
            AccountSelector::None => false,
            AccountSelector::All => !a.is_management,
            AccountSelector::Some(ids) => ids.iter().any(|x| x == id),
        };
        let by_tag =
            binding.accounts_with_tag.as_ref().is_some_and(|k| a.tags.as_ref().is_some_and(|t| t.contains_key(k)));
        if by_account || by_tag || in_any(id, &binding.ous) || (binding.include_master && a.is_management) {
            selected.insert(id.to_string());
        }
    }
    selected.retain(|id| !binding.exclude_accounts.contains(id) && !in_any(id, &binding.exclude_ous));
    selected
}

/// Every (account, region) target of a binding.
pub fn targets(binding: &Binding, org: &DesiredOrg) -> Vec<Target> {
    let accounts = accounts(binding, org);
    let mut out: Vec<Target> = accounts
        .iter()
        .flat_map(|a| binding.regions.iter().map(move |r| Target { account: a.clone(), region: r.clone() }))
        .collect();
    out.sort();
    out.dedup();
    out
}
