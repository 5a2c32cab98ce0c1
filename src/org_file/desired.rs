//! The desired organization: what the plan compares with the live one, with every reference
//! between resources resolved to logical ids and every value computed.

use super::declared::*;
use super::validate::Placement;
use crate::model::{PasswordPolicy, Tags};
use serde::Serialize;

/// Where a desired OU or account sits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Parent {
    Root,
    Ou(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredOu {
    pub logical_id: String,
    pub name: String,
    pub parent: Parent,
    pub scps: Vec<String>,
    /// Policies of the other types attached here (RCPs, tag policies, ...), by logical id.
    pub other_policies: Vec<String>,
    pub tags: Option<Tags>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredAccount {
    pub logical_id: String,
    pub is_management: bool,
    pub name: Option<String>,
    pub email: Option<String>,
    pub account_id: Option<String>,
    pub alias: Option<String>,
    pub tags: Option<Tags>,
    pub parent: Parent,
    pub scps: Vec<String>,
    pub other_policies: Vec<String>,
    pub password_policy: Option<PasswordPolicy>,
    /// The role orgctl assumes to reach the account (and that CreateAccount creates in it).
    pub access_role_name: Option<String>,
    /// The role tasks assume to deploy into the account (`BuildAccessRoleName`).
    pub build_role_name: Option<String>,
    /// Services this account administers for the organization (`DelegatedAdministratorFor`).
    pub delegated_for: Vec<String>,
    /// Alternate contacts by API type; types the file leaves out are left alone.
    pub alternate_contacts: std::collections::BTreeMap<String, crate::model::AlternateContact>,
    /// Opt-in regions to enable (`true`) or disable (`false`); others are left alone.
    pub opt_in_regions: std::collections::BTreeMap<String, bool>,
    /// `SupportLevel`; `None`: the support plan is left alone.
    pub support_level: Option<crate::model::SupportLevel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredPolicy {
    pub logical_id: String,
    pub policy_type: crate::model::PolicyType,
    pub name: String,
    pub description: String,
    pub content: String,
    pub tags: Option<Tags>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredPermissionSet {
    pub logical_id: String,
    pub settings: crate::model::PermissionSet,
}

/// An account assignment, its references resolved to logical ids.
#[derive(Debug, Clone, Serialize)]
pub struct DesiredAssignment {
    pub logical_id: String,
    /// The permission set's logical id.
    pub permission_set: String,
    pub principals: Vec<PrincipalName>,
    pub all_accounts: bool,
    pub accounts: Vec<String>,
    pub ous: Vec<String>,
    pub exclude: Vec<String>,
}

/// The role AWS creates in new accounts and orgctl assumes when the file names none.
pub const DEFAULT_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

/// The org file, resolved. OUs are ordered parents first.
#[derive(Debug, Clone, Serialize)]
pub struct DesiredOrg {
    pub management_account_id: String,
    /// The logical id of the `OC::ORG::OrganizationRoot`, when the file declares one.
    pub root_logical_id: Option<String>,
    pub root_scps: Vec<String>,
    pub root_other_policies: Vec<String>,
    pub default_access_role_name: Option<String>,
    /// The update-organization task's `TaskRoleName`: the role in the management account the
    /// organization's calls go through (set by the task file's loader).
    pub organization_role: Option<String>,
    /// `DefaultBuildAccessRoleName`: the role tasks assume where nothing else says.
    pub default_build_role_name: Option<String>,
    /// `CloseAccountsOnRemoval`: accounts removed from the file are closed.
    pub close_accounts_on_removal: bool,
    /// `TrustedServiceAccess`; `None`: the file leaves trusted access alone.
    pub trusted_services: Option<Vec<String>>,
    pub ous: Vec<DesiredOu>,
    pub accounts: Vec<DesiredAccount>,
    pub policies: Vec<DesiredPolicy>,
    pub permission_sets: Vec<DesiredPermissionSet>,
    pub assignments: Vec<DesiredAssignment>,
    /// Values that name accounts not created yet, by the field they fill.
    pub pending: Vec<super::declared::PendingValue>,
}

impl DesiredOrg {
    /// How messages name an account: its AccountName, else its logical id.
    pub fn account_label(&self, logical_id: &str) -> String {
        self.accounts
            .iter()
            .find(|a| a.logical_id == logical_id)
            .and_then(|a| a.name.clone())
            .unwrap_or_else(|| logical_id.to_string())
    }

    /// The role orgctl assumes to set up `account`: its own, the organization's default, AWS's.
    pub fn access_role_of(&self, account: &DesiredAccount) -> String {
        account
            .access_role_name
            .clone()
            .or_else(|| self.default_access_role_name.clone())
            .unwrap_or_else(|| DEFAULT_ACCESS_ROLE.to_string())
    }

    /// The role tasks assume to deploy into `account`: its `BuildAccessRoleName`, the
    /// organization's `DefaultBuildAccessRoleName`, else the access role (as org-formation).
    pub fn build_role_of(&self, account: &DesiredAccount) -> String {
        account
            .build_role_name
            .clone()
            .or_else(|| self.default_build_role_name.clone())
            .unwrap_or_else(|| self.access_role_of(account))
    }

    /// The accounts (logical ids) an assignment reaches, in file order: those it names, every
    /// account below its OUs (nested OUs included), or with `Accounts: '*'` every account of the
    /// file; the management account only when named in `Accounts` (AWS advises against access
    /// to it through wide assignments); `ExcludeAccounts` taken out.
    pub fn assignment_accounts(&self, assignment: &DesiredAssignment) -> Vec<String> {
        let below = |parent: &Parent| {
            let mut current = parent.clone();
            loop {
                match current {
                    Parent::Root => return false,
                    Parent::Ou(ou) if assignment.ous.contains(&ou) => return true,
                    Parent::Ou(ou) => match self.ous.iter().find(|o| o.logical_id == ou) {
                        Some(o) => current = o.parent.clone(),
                        None => return false,
                    },
                }
            }
        };
        self.accounts
            .iter()
            .filter(|a| {
                let named = assignment.accounts.contains(&a.logical_id);
                let wide = !a.is_management && (assignment.all_accounts || below(&a.parent));
                (named || wide) && !assignment.exclude.contains(&a.logical_id)
            })
            .map(|a| a.logical_id.clone())
            .collect()
    }

    /// The text field `property` of the resource `owner`, as [`PendingValue`](super::declared::PendingValue)s name them.
    pub fn field_mut(&mut self, owner: &str, property: &str) -> Option<&mut String> {
        fn tag<'t>(tags: &'t mut Option<Tags>, property: &str) -> Option<&'t mut String> {
            tags.as_mut()?.get_mut(property.strip_prefix("Tags.")?)
        }
        if let Some(p) = self.policies.iter_mut().find(|p| p.logical_id == owner) {
            return match property {
                "PolicyName" => Some(&mut p.name),
                "Description" => Some(&mut p.description),
                "PolicyDocument" => Some(&mut p.content),
                _ => tag(&mut p.tags, property),
            };
        }
        if let Some(ou) = self.ous.iter_mut().find(|o| o.logical_id == owner) {
            return match property {
                "OrganizationalUnitName" => Some(&mut ou.name),
                _ => tag(&mut ou.tags, property),
            };
        }
        let a = self.accounts.iter_mut().find(|a| a.logical_id == owner)?;
        match property {
            "AccountName" => a.name.as_mut(),
            "Alias" => a.alias.as_mut(),
            "RootEmail" => a.email.as_mut(),
            _ => tag(&mut a.tags, property),
        }
    }

    /// Which role reaches which account: keys `id:<AccountId>` and `email:<lowercase email>`.
    pub fn access_roles(&self) -> AccessRoles {
        let mut roles = AccessRoles {
            default_role: self.default_access_role_name.clone().unwrap_or_else(|| DEFAULT_ACCESS_ROLE.to_string()),
            by_account: Default::default(),
            organization_role: self.organization_role.clone(),
        };
        for a in &self.accounts {
            if let Some(role) = &a.access_role_name {
                if let Some(id) = &a.account_id {
                    roles.by_account.insert(format!("id:{id}"), role.clone());
                }
                if let Some(email) = &a.email {
                    roles.by_account.insert(format!("email:{}", email.to_lowercase()), role.clone());
                }
            }
        }
        roles
    }
}

/// The roles orgctl assumes in member accounts, saved with a plan so that applying it later
/// reaches the accounts the same way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct AccessRoles {
    pub default_role: String,
    pub by_account: std::collections::BTreeMap<String, String>,
    /// `TaskRoleName` of the update-organization task: the role in the management account that
    /// the organization's calls go through, instead of the caller's own credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_role: Option<String>,
}

impl AccessRoles {
    pub fn role_for(&self, account_id: &str, email: &str) -> &str {
        self.by_account
            .get(&format!("id:{account_id}"))
            .or_else(|| self.by_account.get(&format!("email:{}", email.to_lowercase())))
            .map_or(self.default_role.as_str(), String::as_str)
    }
}

fn parent_of(id: &str, parents: &std::collections::HashMap<String, String>) -> Parent {
    parents.get(id).map_or(Parent::Root, |p| Parent::Ou(p.clone()))
}

fn targets(refs: &[ResourceRef]) -> Vec<String> {
    refs.iter().map(|r| r.target.clone()).collect()
}

/// Builds the desired organization from a spec that validated without errors.
pub fn build(spec: &OrgSpec, placement: &Placement) -> DesiredOrg {
    let mut ous: Vec<DesiredOu> = spec
        .ous
        .iter()
        .map(|ou| DesiredOu {
            logical_id: ou.logical_id.clone(),
            name: ou.name.as_ref().map(|n| n.value.clone()).unwrap_or_default(),
            parent: parent_of(&ou.logical_id, &placement.ou_parent),
            scps: targets(&ou.scps),
            other_policies: targets(&ou.other_policies),
            tags: ou.tags.as_ref().map(|t| t.value.clone()),
        })
        .collect();
    let depth = |id: &str| {
        let mut d = 0;
        let mut current = id;
        while let Some(p) = placement.ou_parent.get(current) {
            d += 1;
            current = p;
        }
        d
    };
    ous.sort_by_cached_key(|ou| depth(&ou.logical_id));
    let password_policy = |r: &Option<ResourceRef>| {
        r.as_ref()
            .and_then(|r| spec.password_policies.iter().find(|p| p.logical_id == r.target))
            .map(|p| p.policy.clone())
    };
    DesiredOrg {
        management_account_id: spec
            .management()
            .and_then(|m| m.account_id.as_ref())
            .map(|id| id.value.clone())
            .unwrap_or_default(),
        root_logical_id: spec.root.as_ref().map(|r| r.logical_id.clone()),
        organization_role: None,
        root_scps: spec.root.as_ref().map(|r| targets(&r.scps)).unwrap_or_default(),
        root_other_policies: spec.root.as_ref().map(|r| targets(&r.other_policies)).unwrap_or_default(),
        default_access_role_name: spec.root.as_ref().and_then(|r| r.default_access_role_name.clone()),
        default_build_role_name: spec.root.as_ref().and_then(|r| r.default_build_role_name.clone()),
        close_accounts_on_removal: spec.root.as_ref().is_some_and(|r| r.close_accounts_on_removal),
        trusted_services: spec.root.as_ref().and_then(|r| r.trusted_services.clone()),
        ous,
        accounts: spec
            .accounts
            .iter()
            .map(|a| DesiredAccount {
                logical_id: a.logical_id.clone(),
                is_management: a.is_management,
                name: a.name.as_ref().map(|n| n.value.clone()),
                email: a.email.as_ref().map(|e| e.value.clone()),
                account_id: a.account_id.as_ref().map(|i| i.value.clone()),
                alias: a.alias.as_ref().map(|l| l.value.clone()),
                tags: a.tags.as_ref().map(|t| t.value.clone()),
                parent: parent_of(&a.logical_id, &placement.account_parent),
                scps: targets(&a.scps),
                other_policies: targets(&a.other_policies),
                password_policy: password_policy(&a.password_policy),
                access_role_name: a.access_role_name.clone(),
                build_role_name: a.build_role_name.clone(),
                delegated_for: a.delegated_for.clone(),
                alternate_contacts: a.alternate_contacts.clone(),
                opt_in_regions: a.opt_in_regions.clone(),
                support_level: a.support_level,
            })
            .collect(),
        policies: spec
            .policies
            .iter()
            .map(|p| DesiredPolicy {
                logical_id: p.logical_id.clone(),
                policy_type: p.policy_type,
                name: p.name.as_ref().map(|n| n.value.clone()).unwrap_or_default(),
                description: p.description.clone(),
                content: p.content.as_ref().map(|c| c.value.clone()).unwrap_or_default(),
                tags: p.tags.as_ref().map(|t| t.value.clone()),
            })
            .collect(),
        permission_sets: spec
            .permission_sets
            .iter()
            .map(|p| DesiredPermissionSet { logical_id: p.logical_id.clone(), settings: p.settings.clone() })
            .collect(),
        assignments: spec
            .assignments
            .iter()
            .map(|a| DesiredAssignment {
                logical_id: a.logical_id.clone(),
                permission_set: a.permission_set.as_ref().map(|r| r.target.clone()).unwrap_or_default(),
                principals: a.principals.clone(),
                all_accounts: a.all_accounts,
                accounts: targets(&a.accounts),
                ous: targets(&a.ous),
                exclude: targets(&a.exclude),
            })
            .collect(),
        pending: spec.pending.clone(),
    }
}

/// The accounts of a desired organization, with the AccountIds known so far (from the file or
/// the live organization), as expressions read them.
pub struct AccountsOf<'a> {
    pub org: &'a DesiredOrg,
    pub ids: &'a dyn Fn(&str) -> Option<String>,
}

impl AccountsOf<'_> {
    fn account(&self, logical_id: &str) -> Option<&DesiredAccount> {
        self.org.accounts.iter().find(|a| a.logical_id == logical_id)
    }
}

impl crate::expr::AccountFacts for AccountsOf<'_> {
    fn is_account(&self, account: &str) -> bool {
        self.account(account).is_some()
    }

    fn account_id(&self, account: &str) -> Option<String> {
        (self.ids)(account).or_else(|| self.account(account)?.account_id.clone())
    }

    fn resource_id(&self, name: &str) -> Option<crate::expr::Text> {
        let declared = self.org.root_logical_id.as_deref() == Some(name)
            || self.org.ous.iter().any(|o| o.logical_id == name)
            || self.org.policies.iter().any(|p| p.logical_id == name)
            || self.org.permission_sets.iter().any(|p| p.logical_id == name);
        declared.then(|| match (self.ids)(name) {
            Some(id) => crate::expr::Text::known(id),
            None => crate::expr::Text::unknown(crate::expr::Unknown::Id(name.to_string())),
        })
    }

    fn is_permission_set(&self, name: &str) -> bool {
        self.org.permission_sets.iter().any(|p| p.logical_id == name)
    }

    fn attribute(&self, account: &str, attribute: &crate::expr::AccountAttribute) -> Option<String> {
        use crate::expr::AccountAttribute as A;
        let a = self.account(account)?;
        match attribute {
            A::AccountId => self.account_id(account),
            A::AccountName => a.name.clone(),
            A::RootEmail => a.email.clone(),
            A::Alias => a.alias.clone(),
            A::Tag(key) => a.tags.as_ref()?.get(key).cloned(),
            A::OrganizationAccessRoleName => Some(self.org.access_role_of(a)),
            A::BuildAccessRoleName => Some(self.org.build_role_of(a)),
        }
    }
}
