//! Account settings through the Account Management API (orgctl extensions on an account):
//! `AlternateContacts` (billing, operations and security contacts; a type the file leaves out is
//! left as it is) and `OptInRegions` (opt-in regions enabled or disabled; a region the file does
//! not list is left as it is).

use super::change::*;
use crate::model::{AlternateContact, OrgState};
use crate::spec::desired::DesiredOrg;
use std::collections::{BTreeMap, HashMap};

/// The accounts whose contacts the file sets and that exist (their contacts are read).
pub fn accounts_to_read(desired: &DesiredOrg, state: &OrgState) -> Vec<String> {
    let ids = super::account_ids(desired, state);
    desired
        .accounts
        .iter()
        .filter(|a| !a.alternate_contacts.is_empty())
        .filter_map(|a| ids.get(&a.logical_id).cloned())
        .collect()
}

/// One contact as the plan shows it, field by field.
pub fn contact_diff(contact_type: &str, old: Option<&AlternateContact>, new: &AlternateContact) -> Vec<PropertyDiff> {
    let kind =
        crate::model::CONTACT_TYPES.iter().find(|(_, api)| *api == contact_type).map_or(contact_type, |(n, _)| n);
    let fields = |c: &AlternateContact| {
        [
            ("Name", c.name.clone()),
            ("Title", c.title.clone()),
            ("EmailAddress", c.email_address.clone()),
            ("PhoneNumber", c.phone_number.clone()),
        ]
    };
    let old_fields = old.map(fields);
    fields(new)
        .into_iter()
        .enumerate()
        .filter_map(|(i, (field, value))| {
            let before = old_fields.as_ref().map(|f| f[i].1.clone());
            (before.as_ref() != Some(&value))
                .then(|| PropertyDiff::new(format!("AlternateContacts.{kind}.{field}"), before, Some(value)))
        })
        .collect()
}

/// Adds a PutAlternateContact for each contact the file sets that differs from `live`
/// (account id → type → contact).
pub fn plan_contacts(
    desired: &DesiredOrg,
    state: &OrgState,
    live: &HashMap<String, BTreeMap<String, AlternateContact>>,
    plan: &mut Plan,
) {
    let ids = super::account_ids(desired, state);
    let created = plan.account_creations();
    for account in desired.accounts.iter().filter(|a| !a.alternate_contacts.is_empty()) {
        let id = ids.get(&account.logical_id);
        let handle = id.map_or_else(|| Handle::New(account.logical_id.clone()), |id| Handle::Existing(id.clone()));
        let current = id.and_then(|id| live.get(id));
        let subject = format!("account {} ({})", desired.account_label(&account.logical_id), account.logical_id);
        for (contact_type, contact) in &account.alternate_contacts {
            let old = current.and_then(|c| c.get(contact_type));
            if old == Some(contact) {
                continue;
            }
            let diff = contact_diff(contact_type, old, contact);
            let op = Operation::PutAlternateContact {
                account: handle.clone(),
                contact_type: contact_type.clone(),
                contact: contact.clone(),
            };
            let summary = format!("set the {} contact", contact_type.to_lowercase());
            let change = super::stacks::push_change(plan, Action::Change, subject.clone(), summary, op, diff, None);
            if let (Some(creation), Some(c)) = (created.get(&account.logical_id), plan.changes.get_mut(change)) {
                c.depends_on.push(*creation);
            }
        }
    }
}

/// The accounts whose opt-in regions the file sets and that exist, with those regions.
pub fn regions_to_read(desired: &DesiredOrg, state: &OrgState) -> Vec<(String, Vec<String>)> {
    let ids = super::account_ids(desired, state);
    desired
        .accounts
        .iter()
        .filter(|a| !a.opt_in_regions.is_empty())
        .filter_map(|a| Some((ids.get(&a.logical_id)?.clone(), a.opt_in_regions.keys().cloned().collect())))
        .collect()
}

/// A region's change as the plan shows it.
pub fn region_diff(region: &str, enabled: bool) -> Vec<PropertyDiff> {
    let (old, new) = if enabled { ("disabled", "enabled") } else { ("enabled", "disabled") };
    vec![PropertyDiff::new(format!("OptInRegions.{region}"), Some(old.into()), Some(new.into()))]
}

/// Adds an EnableRegion or DisableRegion for each listed region not already (becoming) as wanted;
/// `live` is account id → region → status.
pub fn plan_regions(
    desired: &DesiredOrg,
    state: &OrgState,
    live: &HashMap<String, BTreeMap<String, String>>,
    plan: &mut Plan,
) {
    let ids = super::account_ids(desired, state);
    let created = plan.account_creations();
    for account in desired.accounts.iter().filter(|a| !a.opt_in_regions.is_empty()) {
        let id = ids.get(&account.logical_id);
        let handle = id.map_or_else(|| Handle::New(account.logical_id.clone()), |id| Handle::Existing(id.clone()));
        let subject = format!("account {} ({})", desired.account_label(&account.logical_id), account.logical_id);
        for (region, enabled) in &account.opt_in_regions {
            let status = id.and_then(|id| live.get(id)).and_then(|s| s.get(region)).map_or("DISABLED", String::as_str);
            let already = if *enabled {
                matches!(status, "ENABLED" | "ENABLING" | "ENABLED_BY_DEFAULT")
            } else {
                matches!(status, "DISABLED" | "DISABLING")
            };
            if already {
                continue;
            }
            let op = Operation::SetRegionOptIn { account: handle.clone(), region: region.clone(), enabled: *enabled };
            let summary = format!("{} {region}", if *enabled { "enable" } else { "disable" });
            let diff = region_diff(region, *enabled);
            let change = super::stacks::push_change(plan, Action::Change, subject.clone(), summary, op, diff, None);
            if let (Some(creation), Some(c)) = (created.get(&account.logical_id), plan.changes.get_mut(change)) {
                c.depends_on.push(*creation);
            }
        }
    }
}
