//! Alternate contacts (`AlternateContacts` on an account, an orgctl extension): billing,
//! operations and security contacts set through the Account Management API. A type the file
//! leaves out is left as it is.

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
