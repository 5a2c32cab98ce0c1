//! Account settings (orgctl extensions on an account, through the Account Management API):
//! `AlternateContacts` (billing, operations and security contacts; a type the file leaves out is
//! left as it is) and `OptInRegions` (opt-in regions enabled or disabled; a region the file does
//! not list is left as it is); and org-formation's `SupportLevel` (the AWS Support plan, asked of
//! AWS Support in a case from the management account, as org-formation does).

use super::change::*;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{AlternateContact, OrgState, SupportLevel, SUPPORT_REQUEST_TAG};
use crate::org_file::desired::DesiredOrg;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What orgctl sets inside an account: its password policy, alias, alternate contacts, opt-in
/// regions and support plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SettingOperation {
    SetPasswordPolicy {
        account: Handle,
        policy: crate::model::PasswordPolicy,
    },
    SetAlias {
        account: Handle,
        alias: Option<String>,
    },
    /// PutAlternateContact (`AlternateContacts`): `contact_type` is BILLING, OPERATIONS or SECURITY.
    PutAlternateContact {
        account: Handle,
        contact_type: String,
        contact: crate::model::AlternateContact,
    },
    /// EnableRegion / DisableRegion (`OptInRegions`); AWS finishes it in the background.
    SetRegionOptIn {
        account: Handle,
        region: String,
        enabled: bool,
    },
    /// `SupportLevel`: a support case from the management account asking AWS Support to put the
    /// account on `level`, then a tag on the account recording the request (asked once).
    RequestSupportLevel {
        account: Handle,
        level: crate::model::SupportLevel,
        /// The account's root email, copied on the case.
        cc: String,
    },
}

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

/// Adds a change to an account's settings, after the account's creation when this plan creates
/// it (`created`: the creations by logical id).
fn push_setting(
    plan: &mut Plan,
    created: &HashMap<crate::model::LogicalId, usize>,
    desired: &DesiredOrg,
    logical_id: &str,
    summary: String,
    op: Operation,
    diff: Vec<PropertyDiff>,
) {
    let subject = format!("account {} ({logical_id})", desired.account_label(logical_id));
    let change = plan.push_change(Action::Change, subject, summary, op, diff, None);
    if let (Some(creation), Some(c)) = (created.get(logical_id), plan.changes.get_mut(change)) {
        c.depends_on.push(*creation);
    }
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
        let handle = Handle::of(&ids, &account.logical_id);
        let current = ids.get(&account.logical_id).and_then(|id| live.get(id));
        for (contact_type, contact) in &account.alternate_contacts {
            let old = current.and_then(|c| c.get(contact_type));
            if old == Some(contact) {
                continue;
            }
            let diff = contact_diff(contact_type, old, contact);
            let op = Operation::Setting(SettingOperation::PutAlternateContact {
                account: handle.clone(),
                contact_type: contact_type.clone(),
                contact: contact.clone(),
            });
            let summary = format!("set the {} contact", contact_type.to_lowercase());
            push_setting(plan, &created, desired, &account.logical_id, summary, op, diff);
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
        let handle = Handle::of(&ids, &account.logical_id);
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
            let op = Operation::Setting(SettingOperation::SetRegionOptIn {
                account: handle.clone(),
                region: region.clone(),
                enabled: *enabled,
            });
            let summary = format!("{} {region}", if *enabled { "enable" } else { "disable" });
            let diff = region_diff(region, *enabled);
            push_setting(plan, &created, desired, &account.logical_id, summary, op, diff);
        }
    }
}

/// What the plan says of a support plan request.
pub const SUPPORT_SUMMARY: &str = "ask AWS Support for this support plan (a case from the management account)";

/// Whether the file sets any account's `SupportLevel` (only then are support plans read).
pub fn wants_support_levels(desired: &DesiredOrg) -> bool {
    desired.accounts.iter().any(|a| a.support_level.is_some())
}

/// The accounts whose support plan is read: the management account (member accounts can only
/// have its plan) and every existing account whose file sets `SupportLevel`.
pub fn support_accounts_to_read(desired: &DesiredOrg, state: &OrgState) -> Vec<String> {
    let ids = super::account_ids(desired, state);
    let mut out: Vec<String> = desired
        .accounts
        .iter()
        .filter(|a| a.support_level.is_some())
        .filter_map(|a| ids.get(&a.logical_id).cloned())
        .chain([state.management_account_id.to_string()])
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Plans `SupportLevel` as org-formation does: a member account may be put on the management
/// account's plan, by a support case (asked once: the request is recorded in a tag, and AWS
/// Support takes a while); any other level, or a management account whose plan is not the
/// file's, is an error, since only the AWS console changes those.
pub fn plan_support(
    desired: &DesiredOrg,
    state: &OrgState,
    live: &HashMap<String, SupportLevel>,
    plan: &mut Plan,
) -> Result<(), Diagnostics> {
    let ids = super::account_ids(desired, state);
    let created = plan.account_creations();
    let level_of = |id: Option<&String>| id.and_then(|id| live.get(id)).copied().unwrap_or(SupportLevel::Basic);
    let management = level_of(Some(&state.management_account_id.to_string()));
    let mut errors = Diagnostics::default();
    for account in desired.accounts.iter() {
        let Some(wanted) = account.support_level else { continue };
        let id = ids.get(&account.logical_id);
        let current = level_of(id);
        if current == wanted {
            continue;
        }
        let label = desired.account_label(&account.logical_id);
        if account.is_management {
            errors.push(
                Diagnostic::error(
                    "support-level-differs",
                    format!("the management account is on the {current} support plan, not {wanted}"),
                )
                .resource(account.logical_id.clone())
                .property("SupportLevel")
                .help(format!(
                    "change the plan in the AWS Support Center (orgctl cannot), or write SupportLevel: {current}"
                )),
            );
            continue;
        }
        if wanted != management {
            errors.push(
                Diagnostic::error(
                    "support-level-unavailable",
                    format!("{label} asks for {wanted} support, but the management account is on {management}: member accounts can have the management account's plan"),
                )
                .resource(account.logical_id.clone())
                .property("SupportLevel")
                .help(format!("write SupportLevel: {management}, or change the management account's plan first")),
            );
            continue;
        }
        let requested = id
            .and_then(|id| state.accounts.get(id))
            .and_then(|a| a.tags.get(SUPPORT_REQUEST_TAG))
            .is_some_and(|t| t == wanted.as_str());
        if requested {
            plan.notes.push(Note {
                message: format!("account {label}: AWS Support was asked for the {wanted} plan (a case from the management account); the account is still on {current}"),
            });
            continue;
        }
        let op = Operation::Setting(SettingOperation::RequestSupportLevel {
            account: Handle::of(&ids, &account.logical_id),
            level: wanted,
            cc: account.email.clone().unwrap_or_default(),
        });
        let diff = vec![PropertyDiff::new("SupportLevel", Some(current.to_string()), Some(wanted.to_string()))];
        push_setting(plan, &created, desired, &account.logical_id, SUPPORT_SUMMARY.into(), op, diff);
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(())
    }
}

impl SettingOperation {
    /// The account the setting is made in.
    pub fn account(&self) -> &Handle {
        match self {
            SettingOperation::SetPasswordPolicy { account, .. }
            | SettingOperation::SetAlias { account, .. }
            | SettingOperation::PutAlternateContact { account, .. }
            | SettingOperation::SetRegionOptIn { account, .. }
            | SettingOperation::RequestSupportLevel { account, .. } => account,
        }
    }

    /// What it does, in words, from the operation and the live organization alone (`resource`
    /// names the account).
    pub fn describe(
        &self,
        resource: &dyn Fn(&Handle) -> String,
        state: &OrgState,
    ) -> (Action, String, String, Vec<PropertyDiff>) {
        let live = |h: &Handle| h.existing_id().and_then(|id| state.accounts.get(id));
        let subject = resource(self.account());
        let (summary, diff) = match self {
            SettingOperation::SetPasswordPolicy { account, policy } => {
                let old = live(account).and_then(|a| a.password_policy.as_ref()).map(|p| p.fields());
                let diff = policy
                    .fields()
                    .into_iter()
                    .enumerate()
                    .map(|(i, (name, v))| {
                        let was = old.as_ref().map(|o| o[i].1.clone());
                        PropertyDiff::new(format!("PasswordPolicy.{name}"), was, Some(v))
                    })
                    .filter(|d| d.old != d.new)
                    .collect();
                ("set password policy".to_string(), diff)
            }
            SettingOperation::SetAlias { account, alias } => {
                let old = live(account).and_then(|a| a.alias.as_deref()).and_then(quoted);
                ("set alias".to_string(), vec![PropertyDiff::new("Alias", old, alias.as_deref().and_then(quoted))])
            }
            SettingOperation::PutAlternateContact { contact_type, contact, .. } => {
                (format!("set the {} contact", contact_type.to_lowercase()), contact_diff(contact_type, None, contact))
            }
            SettingOperation::SetRegionOptIn { region, enabled, .. } => {
                (format!("{} {region}", if *enabled { "enable" } else { "disable" }), region_diff(region, *enabled))
            }
            SettingOperation::RequestSupportLevel { level, .. } => {
                (SUPPORT_SUMMARY.to_string(), vec![PropertyDiff::new("SupportLevel", None, Some(level.to_string()))])
            }
        };
        (Action::Change, subject, summary, diff)
    }

    /// What is wrong with the operation itself, whatever the plan around it: a region that is
    /// not opt-in, a contact type AWS does not have, a support plan asked for the management
    /// account (`management`), which only the console changes.
    pub fn defects(&self, management: &str) -> Vec<String> {
        match self {
            SettingOperation::SetRegionOptIn { region, .. }
                if !crate::model::OPT_IN_REGIONS.contains(&region.as_str()) =>
            {
                vec![format!("changes {region}, which is not an opt-in region")]
            }
            SettingOperation::RequestSupportLevel { account: Handle::Existing(id), .. } if id == management => {
                vec!["asks for a support plan for the management account".to_string()]
            }
            SettingOperation::PutAlternateContact { contact_type, .. }
                if !crate::model::CONTACT_TYPES.iter().any(|(_, api)| api == contact_type) =>
            {
                vec![format!("sets a {contact_type} contact, which is not a contact type")]
            }
            _ => Vec::new(),
        }
    }
}
