//! Identity Center in an imported file: every permission set as `OC::ORG::PermissionSet`, and
//! its assignments as one `OC::ORG::AccountAssignment` per (permission set, principal), its
//! accounts by reference. The first plan of the file adopts the sets (tags them as orgctl's).

use super::names::LogicalIds;
use super::{reference, refs, resource, tags_value};
use crate::model::{IdentityCenterState, PermissionsBoundary, PrincipalType};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

fn strings<'a>(items: impl Iterator<Item = &'a String>) -> Value {
    Value::Sequence(items.map(|s| s.clone().into()).collect())
}

fn customer(name: &str, path: &str) -> Value {
    let mut m = Mapping::new();
    m.insert("Name".into(), name.into());
    if path != "/" {
        m.insert("Path".into(), path.into());
    }
    Value::Mapping(m)
}

/// Adds the permission sets and assignments to `org`; `account_lid` names an imported account
/// (`None`: left out of the file, so not assigned there either).
pub fn add(
    identity: &IdentityCenterState,
    ids: &mut LogicalIds,
    account_lid: &dyn Fn(&str) -> Option<String>,
    org: &mut Mapping,
) {
    let mut set_lids: BTreeMap<&str, String> = BTreeMap::new();
    for set in &identity.permission_sets {
        // orgctl's tag on the set names its logical id: the imported file keeps it.
        let owner = set.owner.iter().map(|o| (crate::model::OWNER_TAG.to_string(), o.clone())).collect();
        let lid = ids.assign(&set.arn, Some(&owner), &set.settings.name, "PermissionSet");
        let s = &set.settings;
        let mut p = Mapping::new();
        p.insert("Name".into(), s.name.clone().into());
        if let Some(d) = &s.description {
            p.insert("Description".into(), d.clone().into());
        }
        if let Some(d) = &s.session_duration {
            p.insert("SessionDuration".into(), d.clone().into());
        }
        if let Some(r) = &s.relay_state {
            p.insert("RelayState".into(), r.clone().into());
        }
        if !s.managed_policies.is_empty() {
            p.insert("ManagedPolicies".into(), strings(s.managed_policies.iter()));
        }
        if !s.customer_managed_policies.is_empty() {
            let items = s.customer_managed_policies.iter().map(|c| customer(&c.name, &c.path)).collect();
            p.insert("CustomerManagedPolicies".into(), Value::Sequence(items));
        }
        if let Some(policy) = &s.inline_policy {
            let document = serde_json::from_str::<serde_json::Value>(policy)
                .ok()
                .and_then(|json| serde_yaml::to_value(json).ok())
                .unwrap_or_else(|| policy.clone().into());
            p.insert("InlinePolicy".into(), document);
        }
        if let Some(boundary) = &s.permissions_boundary {
            let mut b = Mapping::new();
            match boundary {
                PermissionsBoundary::Managed(arn) => {
                    b.insert("ManagedPolicyArn".into(), arn.clone().into());
                }
                PermissionsBoundary::Customer(c) => {
                    b.insert("CustomerManagedPolicyReference".into(), customer(&c.name, &c.path));
                }
            }
            p.insert("PermissionsBoundary".into(), Value::Mapping(b));
        }
        if let Some(t) = tags_value(&s.tags) {
            p.insert("Tags".into(), t);
        }
        org.insert(lid.clone().into(), resource("OC::ORG::PermissionSet", p));
        set_lids.insert(&set.arn, lid);
    }
    // One assignment resource per (permission set, principal), with every account it has.
    let names = identity.principal_names();
    let mut grouped: BTreeMap<(&str, PrincipalType, String), Vec<String>> = BTreeMap::new();
    for a in &identity.assignments {
        let Some(account) = account_lid(&a.account_id) else { continue };
        let name = names.of(a.principal_type, &a.principal_id);
        grouped.entry((a.permission_set_arn.as_str(), a.principal_type, name)).or_default().push(account);
    }
    for ((arn, kind, name), accounts) in grouped {
        let Some(set_lid) = set_lids.get(arn) else { continue };
        let lid = ids.fresh(&format!("{name} {set_lid}"), "Assignment");
        let mut p = Mapping::new();
        p.insert("PermissionSet".into(), reference(set_lid));
        let property = match kind {
            PrincipalType::Group => "Groups",
            PrincipalType::User => "Users",
        };
        p.insert(property.into(), Value::Sequence(vec![name.into()]));
        p.insert("Accounts".into(), refs(accounts));
        org.insert(lid.into(), resource("OC::ORG::AccountAssignment", p));
    }
}
