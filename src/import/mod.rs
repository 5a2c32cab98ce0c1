//! `orgctl import`: the live organization as an org file (org-formation's format), with
//! readable, unique logical ids. FullAWSAccess stays implicit; identical password policies
//! become one `OC::ORG::PasswordPolicy`.

mod identity;
mod names;

use crate::model::{user_tags, OrgState, PasswordPolicy, PolicyType, Tags, OWNER_TAG};
use names::LogicalIds;
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

/// The org file and the logical id given to each AWS id.
pub struct Imported {
    pub yaml: String,
    /// AWS id → logical id, for tagging what orgctl now owns.
    pub logical_ids: BTreeMap<String, String>,
}

fn reference(id: &str) -> Value {
    Value::Tagged(Box::new(TaggedValue { tag: Tag::new("Ref"), value: Value::String(id.to_string()) }))
}

fn refs(ids: Vec<String>) -> Value {
    Value::Sequence(ids.iter().map(|i| reference(i)).collect())
}

fn resource(type_name: &str, properties: Mapping) -> Value {
    let mut m = Mapping::new();
    m.insert("Type".into(), type_name.into());
    m.insert("Properties".into(), Value::Mapping(properties));
    Value::Mapping(m)
}

fn tags_value(tags: &Tags) -> Option<Value> {
    let user = user_tags(tags);
    (!user.is_empty()).then(|| Value::Mapping(user.into_iter().map(|(k, v)| (k.into(), v.into())).collect()))
}

fn password_policy_value(p: &PasswordPolicy) -> Value {
    let mut m = Mapping::new();
    m.insert("MinimumPasswordLength".into(), p.minimum_password_length.into());
    m.insert("RequireUppercaseCharacters".into(), p.require_uppercase_characters.into());
    m.insert("RequireLowercaseCharacters".into(), p.require_lowercase_characters.into());
    m.insert("RequireNumbers".into(), p.require_numbers.into());
    m.insert("RequireSymbols".into(), p.require_symbols.into());
    m.insert("AllowUsersToChangePassword".into(), p.allow_users_to_change_password.into());
    if let Some(age) = p.max_password_age {
        m.insert("MaxPasswordAge".into(), age.into());
    }
    if let Some(reuse) = p.password_reuse_prevention {
        m.insert("PasswordReusePrevention".into(), reuse.into());
    }
    if p.hard_expiry {
        m.insert("HardExpiry".into(), true.into());
    }
    resource("OC::ORG::PasswordPolicy", m)
}

/// How an import names and leaves out accounts (`annotate-organization` chooses both).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// AWS account id → logical id, given before any other name.
    pub account_names: BTreeMap<String, String>,
    /// Accounts left out of the file.
    pub excluded: std::collections::BTreeSet<String>,
    /// `DefaultOrganizationAccessRoleName` on the organization root.
    pub access_role: Option<String>,
    /// Trusted access and delegated administrators, written as `TrustedServiceAccess` and
    /// `DelegatedAdministratorFor` when there are any.
    pub governance: Option<crate::model::Governance>,
    /// Each account's alternate contacts by API type, written as `AlternateContacts`.
    pub contacts: std::collections::HashMap<String, BTreeMap<String, crate::model::AlternateContact>>,
    /// Each account's opt-in regions by status; the enabled ones are written as `OptInRegions`.
    pub region_status: std::collections::HashMap<String, BTreeMap<String, String>>,
    /// IAM Identity Center, written as permission sets and assignments.
    pub identity: Option<crate::model::IdentityCenterState>,
}

/// `AlternateContacts` as the file writes it: `{Security: {Name, Title, EmailAddress, PhoneNumber}}`.
fn contacts_value(contacts: &BTreeMap<String, crate::model::AlternateContact>) -> Option<Value> {
    let mut m = Mapping::new();
    for (file_name, api) in crate::model::CONTACT_TYPES {
        if let Some(c) = contacts.get(api) {
            let mut fields = Mapping::new();
            fields.insert("Name".into(), c.name.clone().into());
            fields.insert("Title".into(), c.title.clone().into());
            fields.insert("EmailAddress".into(), c.email_address.clone().into());
            fields.insert("PhoneNumber".into(), c.phone_number.clone().into());
            m.insert(file_name.into(), Value::Mapping(fields));
        }
    }
    (!m.is_empty()).then_some(Value::Mapping(m))
}

/// `OptInRegions: {Enabled: [...]}` for the opt-in regions the account has enabled (the others
/// are left as they are by the file, as they are now).
fn opt_in_value(status: &BTreeMap<String, String>) -> Option<Value> {
    let enabled: Vec<Value> = status
        .iter()
        .filter(|(_, s)| matches!(s.as_str(), "ENABLED" | "ENABLING"))
        .map(|(r, _)| r.clone().into())
        .collect();
    if enabled.is_empty() {
        return None;
    }
    let mut m = Mapping::new();
    m.insert("Enabled".into(), Value::Sequence(enabled));
    Some(Value::Mapping(m))
}

/// Describes `state` as an org file.
pub fn import(state: &OrgState) -> Imported {
    import_with(state, &ImportOptions::default())
}

/// Describes `state` as an org file, named and filtered as `options` say.
pub fn import_with(state: &OrgState, options: &ImportOptions) -> Imported {
    let mut ids = LogicalIds::default();
    for (id, lid) in &options.account_names {
        ids.reserve(id, lid);
    }
    let included = |a: &&crate::model::AccountState| !options.excluded.contains(a.id.as_str());
    let management = state.accounts.get(&state.management_account_id);
    let management_lid = ids.assign(&state.management_account_id, management.map(|a| &a.tags), "Management", "Account");
    let policies: Vec<_> = state.policies.values().filter(|p| !p.aws_managed).collect();
    for p in &policies {
        ids.assign(
            &p.id,
            Some(&p.tags),
            &p.name,
            if p.policy_type == PolicyType::ServiceControl { "SCP" } else { "Policy" },
        );
    }
    for ou in state.ous.values() {
        ids.assign(&ou.id, Some(&ou.tags), &ou.name, "OU");
    }
    for a in state.accounts.values().filter(|a| a.id != state.management_account_id).filter(included) {
        ids.assign(&a.id, Some(&a.tags), &a.name, "Account");
    }
    let mut password_policies: Vec<(&PasswordPolicy, String)> = Vec::new();
    for a in state.accounts.values().filter(included) {
        if let Some(p) = &a.password_policy {
            if !password_policies.iter().any(|(q, _)| *q == p) {
                let lid = ids.fresh("PasswordPolicy", "");
                password_policies.push((p, lid));
            }
        }
    }
    let root_lid = ids.fresh("OrganizationRoot", "");
    // Each policy type's attachment property on a root, OU or account.
    let attach = |p: &mut Mapping, target: &str| {
        for policy_type in PolicyType::ALL {
            let lids: Vec<String> = policies
                .iter()
                .filter(|q| q.policy_type == policy_type && q.targets.iter().any(|t| t == target))
                .map(|q| ids.get(&q.id))
                .collect();
            if !lids.is_empty() {
                p.insert(policy_type.attachment_property().into(), refs(lids));
            }
        }
    };

    let mut org = Mapping::new();
    for a in std::iter::once(management)
        .flatten()
        .chain(state.accounts.values().filter(|a| a.id != state.management_account_id).filter(included))
    {
        let is_management = a.id == state.management_account_id;
        let p = account_properties(a, options, &attach, &password_policies);
        let type_name = if is_management { "OC::ORG::MasterAccount" } else { "OC::ORG::Account" };
        let lid = if is_management { management_lid.clone() } else { ids.get(&a.id) };
        org.insert(lid.into(), resource(type_name, p));
    }
    let trusted: Vec<Value> =
        options.governance.iter().flat_map(|g| &g.trusted_services).map(|s| s.clone().into()).collect();
    let mut root = Mapping::new();
    attach(&mut root, &state.root.id);
    if !root.is_empty() || options.access_role.is_some() || !trusted.is_empty() {
        let mut p = root;
        if let Some(role) = &options.access_role {
            p.insert("DefaultOrganizationAccessRoleName".into(), role.clone().into());
        }
        if !trusted.is_empty() {
            p.insert("TrustedServiceAccess".into(), Value::Sequence(trusted));
        }
        org.insert(root_lid.into(), resource("OC::ORG::OrganizationRoot", p));
    }
    for ou in state.ous.values() {
        let p = ou_properties(ou, state, &ids, &included, &attach);
        org.insert(ids.get(&ou.id).into(), resource("OC::ORG::OrganizationalUnit", p));
    }
    for policy in &policies {
        org.insert(ids.get(&policy.id).into(), resource(policy.policy_type.resource_type(), policy_properties(policy)));
    }
    for (policy, lid) in &password_policies {
        org.insert(lid.clone().into(), password_policy_value(policy));
    }
    if let Some(identity) = &options.identity {
        let imported: std::collections::BTreeSet<String> =
            state.accounts.values().filter(included).map(|a| a.id.to_string()).collect();
        let account_lids: BTreeMap<String, String> = imported
            .iter()
            .map(|id| {
                (id.clone(), if *id == state.management_account_id { management_lid.clone() } else { ids.get(id) })
            })
            .collect();
        identity::add(identity, &mut ids, &|id| account_lids.get(id).cloned(), &mut org);
    }

    let mut doc = Mapping::new();
    doc.insert("AWSTemplateFormatVersion".into(), "2010-09-09-OC".into());
    doc.insert(
        "Description".into(),
        format!("Imported from organization {} by orgctl {}", state.organization_id, env!("CARGO_PKG_VERSION")).into(),
    );
    doc.insert("Organization".into(), Value::Mapping(org));
    let yaml = crate::source::yaml_write::to_string(&Value::Mapping(doc)).unwrap_or_default();
    Imported { yaml, logical_ids: ids.into_map() }
}

/// An account's properties: its attributes, tags, policies, password policy, the services it
/// administers, its contacts and opt-in regions.
fn account_properties(
    a: &crate::model::AccountState,
    options: &ImportOptions,
    attach: &dyn Fn(&mut Mapping, &str),
    password_policies: &[(&PasswordPolicy, String)],
) -> Mapping {
    let mut p = Mapping::new();
    p.insert("AccountName".into(), a.name.clone().into());
    p.insert("AccountId".into(), a.id.to_string().into());
    p.insert("RootEmail".into(), a.email.clone().into());
    if let Some(alias) = &a.alias {
        p.insert("Alias".into(), alias.clone().into());
    }
    if let Some(t) = tags_value(&a.tags) {
        p.insert("Tags".into(), t);
    }
    attach(&mut p, &a.id);
    if let Some(policy) = &a.password_policy {
        if let Some((_, lid)) = password_policies.iter().find(|(q, _)| *q == policy) {
            p.insert("PasswordPolicy".into(), reference(lid));
        }
    }
    let delegated: Vec<Value> = options
        .governance
        .iter()
        .flat_map(|g| &g.delegated_administrators)
        .filter(|d| d.account_id == a.id)
        .map(|d| d.service.clone().into())
        .collect();
    if !delegated.is_empty() {
        p.insert("DelegatedAdministratorFor".into(), Value::Sequence(delegated));
    }
    if let Some(contacts) = options.contacts.get(a.id.as_str()).and_then(contacts_value) {
        p.insert("AlternateContacts".into(), contacts);
    }
    if let Some(regions) = options.region_status.get(a.id.as_str()).and_then(opt_in_value) {
        p.insert("OptInRegions".into(), regions);
    }
    p
}

/// An OU's properties: its name, child OUs and accounts, policies and tags.
fn ou_properties(
    ou: &crate::model::OuState,
    state: &OrgState,
    ids: &LogicalIds,
    included: &dyn Fn(&&crate::model::AccountState) -> bool,
    attach: &dyn Fn(&mut Mapping, &str),
) -> Mapping {
    let mut p = Mapping::new();
    p.insert("OrganizationalUnitName".into(), ou.name.clone().into());
    let children: Vec<String> = state.ous.values().filter(|c| c.parent_id == ou.id).map(|c| ids.get(&c.id)).collect();
    if !children.is_empty() {
        p.insert("OrganizationalUnits".into(), refs(children));
    }
    let accounts: Vec<String> =
        state.accounts.values().filter(included).filter(|a| a.parent_id == ou.id).map(|a| ids.get(&a.id)).collect();
    if !accounts.is_empty() {
        p.insert("Accounts".into(), refs(accounts));
    }
    attach(&mut p, &ou.id);
    if let Some(t) = tags_value(&ou.tags) {
        p.insert("Tags".into(), t);
    }
    p
}

/// A policy's properties: its name, description, document (as YAML when it is JSON) and tags.
fn policy_properties(policy: &crate::model::PolicyState) -> Mapping {
    let mut p = Mapping::new();
    p.insert("PolicyName".into(), policy.name.clone().into());
    if !policy.description.is_empty() {
        p.insert("Description".into(), policy.description.clone().into());
    }
    let document = serde_json::from_str::<serde_json::Value>(&policy.content)
        .ok()
        .and_then(|json| serde_yaml::to_value(json).ok())
        .unwrap_or_else(|| policy.content.clone().into());
    p.insert("PolicyDocument".into(), document);
    if let Some(t) = tags_value(&policy.tags) {
        p.insert("Tags".into(), t);
    }
    p
}

/// The resources whose ownership tag is missing or differs from the imported logical id.
pub fn untagged<'a>(state: &'a OrgState, imported: &'a Imported) -> Vec<(&'a str, &'a str)> {
    let tags_of = |id: &str| -> Option<&Tags> {
        state
            .ous
            .get(id)
            .map(|o| &o.tags)
            .or_else(|| state.accounts.get(id).map(|a| &a.tags))
            .or_else(|| state.policies.get(id).map(|p| &p.tags))
    };
    imported
        .logical_ids
        .iter()
        .filter(|(id, lid)| tags_of(id).is_some_and(|t| t.get(OWNER_TAG) != Some(*lid)))
        .map(|(id, lid)| (id.as_str(), lid.as_str()))
        .collect()
}
