//! `OC::ORG::MasterAccount` and `OC::ORG::Account`: the account's attributes, its support plan,
//! alternate contacts and opt-in regions.

use super::super::declared::*;
use super::super::eval::Env;
use super::super::report::Reporter;
use super::read::*;
use super::RawResource;
use crate::diagnostic::Diagnostic;
use crate::model::PolicyType;
use std::collections::BTreeMap;

pub(super) fn account(raw: &RawResource, env: &Env, r: &mut Reporter) -> AccountSpec {
    let is_management = raw.kind == ResourceKind::MasterAccount;
    let unused = [
        ("PartitionAccountId", "only used to mirror the organization into another partition, which orgctl does not do"),
        ("PartitionAlias", "only used to mirror the organization into another partition, which orgctl does not do"),
    ];
    for (name, why) in unused {
        if let Some(node) = raw.prop(name) {
            let d = Diagnostic::warning("not-used", format!("{name} is read but not acted on")).help(why);
            r.report(d, node.span, &raw.logical_id, Some(name));
        }
    }
    let slot = |attr: &str| {
        let node = raw.prop(attr)?;
        let value = env.account_values.get(&(raw.logical_id.clone(), attr.to_string()))?;
        Some(Located { value: env.settle(value.clone(), &raw.logical_id, attr), span: node.span })
    };
    if is_management {
        required(raw, "AccountId", r);
    } else {
        required(raw, "AccountName", r);
        if raw.prop("RootEmail").is_none() && raw.prop("AccountId").is_none() {
            r.error(
                "missing-property",
                raw.span,
                &raw.logical_id,
                Some("RootEmail"),
                "an account needs RootEmail (to create it) or AccountId (to adopt it)",
            );
        }
    }
    let delegated_for = service_principals(raw, "DelegatedAdministratorFor", env, r);
    if is_management && !delegated_for.is_empty() {
        let span = raw.prop("DelegatedAdministratorFor").map_or(raw.span, |n| n.span);
        r.error(
            "management-delegated-administrator",
            span,
            &raw.logical_id,
            Some("DelegatedAdministratorFor"),
            "the management account cannot be a delegated administrator",
        )
        .help = Some("delegate the service to a member account (a security or tooling account)".into());
    }
    AccountSpec {
        logical_id: raw.logical_id.clone(),
        span: raw.span,
        is_management,
        name: slot("AccountName"),
        account_id: slot("AccountId"),
        email: slot("RootEmail"),
        alias: slot("Alias"),
        tags: tags(raw, env, r),
        scps: refs(raw, "ServiceControlPolicies", &[ResourceKind::Policy(PolicyType::ServiceControl)], env.kinds, r),
        scps_span: raw.prop("ServiceControlPolicies").map(|n| n.span),
        other_policies: other_policies(raw, env.kinds, r),
        password_policy: refs(raw, "PasswordPolicy", &[ResourceKind::PasswordPolicy], env.kinds, r).into_iter().next(),
        access_role_name: string(raw, "OrganizationAccessRoleName", env, r).map(|l| l.value),
        build_role_name: string(raw, "BuildAccessRoleName", env, r).map(|l| l.value),
        delegated_for,
        alternate_contacts: alternate_contacts(raw, env, r),
        opt_in_regions: opt_in_regions(raw, env, r),
        support_level: support_level(raw, env, r),
    }
}

/// `SupportLevel`: basic, developer, business or enterprise (as org-formation names them).
pub(super) fn support_level(raw: &RawResource, env: &Env, r: &mut Reporter) -> Option<crate::model::SupportLevel> {
    let text = string(raw, "SupportLevel", env, r)?;
    let level = crate::model::SupportLevel::parse(&text.value);
    if level.is_none() {
        let names: Vec<&str> = crate::model::SupportLevel::ALL.iter().map(|l| l.as_str()).collect();
        r.error(
            "invalid-support-level",
            text.span,
            &raw.logical_id,
            Some("SupportLevel"),
            format!("'{}' is not a support level", text.value),
        )
        .help = Some(format!("one of: {}", names.join(", ")));
    }
    level
}

/// `AlternateContacts: {Billing|Operations|Security: {Name, Title, EmailAddress, PhoneNumber}}`,
/// every field required and within the Account Management API's limits.
pub(super) fn alternate_contacts(
    raw: &RawResource,
    env: &Env,
    r: &mut Reporter,
) -> BTreeMap<String, crate::model::AlternateContact> {
    let mut out = BTreeMap::new();
    let Some(node) = raw.prop("AlternateContacts") else { return out };
    let Some(entries) = node.as_map() else {
        r.error(
            "invalid-contacts",
            node.span,
            &raw.logical_id,
            Some("AlternateContacts"),
            "AlternateContacts must be a mapping of Billing, Operations and Security",
        );
        return out;
    };
    for (k, v) in entries {
        let kind = k.as_str().unwrap_or_default();
        let Some((_, api)) = crate::model::CONTACT_TYPES.iter().find(|(name, _)| *name == kind) else {
            r.error(
                "invalid-contacts",
                k.span,
                &raw.logical_id,
                Some("AlternateContacts"),
                format!("'{kind}' is not a contact type"),
            )
            .help = Some("one of: Billing, Operations, Security".into());
            continue;
        };
        let field = |name: &str, max: usize, r: &mut Reporter| -> Option<String> {
            let property = format!("AlternateContacts.{kind}.{name}");
            let Some(n) = v.get(name) else {
                r.error(
                    "missing-property",
                    v.span,
                    &raw.logical_id,
                    Some(&property),
                    format!("{property} is required"),
                );
                return None;
            };
            match env.string(n, &raw.logical_id, &property) {
                Ok(text) if !text.is_empty() && text.chars().count() <= max => Some(text),
                Ok(text) => {
                    r.error(
                        "invalid-contacts",
                        n.span,
                        &raw.logical_id,
                        Some(&property),
                        format!("{property} must be 1 to {max} characters, found {}", text.chars().count()),
                    );
                    None
                }
                Err(e) => {
                    r.eval_error(e, n.span, &raw.logical_id, &property);
                    None
                }
            }
        };
        let (name, title, email, phone) =
            (field("Name", 64, r), field("Title", 50, r), field("EmailAddress", 254, r), field("PhoneNumber", 25, r));
        if let Some(email) = &email {
            if !email.contains('@') {
                let at = v.get("EmailAddress").map_or(v.span, |n| n.span);
                r.error(
                    "invalid-contacts",
                    at,
                    &raw.logical_id,
                    Some("AlternateContacts"),
                    format!("'{email}' is not an email address"),
                );
            }
        }
        if let (Some(name), Some(title), Some(email_address), Some(phone_number)) = (name, title, email, phone) {
            out.insert(api.to_string(), crate::model::AlternateContact { name, title, email_address, phone_number });
        }
    }
    out
}

/// `OptInRegions: {Enabled: [af-south-1], Disabled: [me-south-1]}`: opt-in regions only (the
/// others cannot be disabled), each in one list.
pub(super) fn opt_in_regions(raw: &RawResource, env: &Env, r: &mut Reporter) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    let Some(node) = raw.prop("OptInRegions") else { return out };
    for (key, wanted) in [("Enabled", true), ("Disabled", false)] {
        let Some(list) = node.get(key) else { continue };
        let property = format!("OptInRegions.{key}");
        let regions: Vec<String> = match env.value(list) {
            Ok(crate::expr::Value::List(items)) => {
                items.iter().filter_map(|i| i.as_text()).map(|t| t.shown()).collect()
            }
            Ok(other) => other.as_text().map(|t| vec![t.shown()]).unwrap_or_default(),
            Err(e) => {
                r.eval_error(e, list.span, &raw.logical_id, &property);
                continue;
            }
        };
        for region in regions {
            if !crate::model::OPT_IN_REGIONS.contains(&region.as_str()) {
                r.error(
                    "not-an-opt-in-region",
                    list.span,
                    &raw.logical_id,
                    Some(&property),
                    format!("{region} is not an opt-in region"),
                )
                .help = Some(format!(
                    "opt-in regions: {}; the others are always enabled",
                    crate::model::OPT_IN_REGIONS.join(", ")
                ));
            } else if out.insert(region.clone(), wanted).is_some() {
                r.error(
                    "conflicting-regions",
                    list.span,
                    &raw.logical_id,
                    Some(&property),
                    format!("{region} is listed more than once"),
                );
            }
        }
    }
    for (k, _) in node.as_map().unwrap_or_default() {
        let key = k.as_str().unwrap_or_default();
        if key != "Enabled" && key != "Disabled" {
            r.error(
                "unknown-property",
                k.span,
                &raw.logical_id,
                Some("OptInRegions"),
                format!("OptInRegions has Enabled and Disabled, not '{key}'"),
            );
        }
    }
    out
}
