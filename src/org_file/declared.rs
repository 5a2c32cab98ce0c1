//! The org file as typed resources, each with the place it was written.

use crate::expr::Text;
use crate::model::{PasswordPolicy, PolicyType, Tags};
use crate::source::text::Span;
use serde::Serialize;

/// The `OC::ORG::*` resource types orgctl understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    MasterAccount,
    Account,
    OrganizationalUnit,
    OrganizationRoot,
    /// `OC::ORG::ServiceControlPolicy`, and the other policy types (orgctl extensions).
    Policy(PolicyType),
    PasswordPolicy,
    /// `OC::ORG::PermissionSet` (an orgctl extension): an IAM Identity Center permission set.
    PermissionSet,
    /// `OC::ORG::AccountAssignment` (an orgctl extension): who signs in where with a permission set.
    AccountAssignment,
}

impl ResourceKind {
    /// Every type, in the order error messages list them.
    pub fn all() -> impl Iterator<Item = ResourceKind> {
        [
            ResourceKind::MasterAccount,
            ResourceKind::Account,
            ResourceKind::OrganizationalUnit,
            ResourceKind::OrganizationRoot,
        ]
        .into_iter()
        .chain(PolicyType::ALL.map(ResourceKind::Policy))
        .chain([ResourceKind::PasswordPolicy, ResourceKind::PermissionSet, ResourceKind::AccountAssignment])
    }

    /// Whether `!Ref` of it in a task file is an AWS id (the root, an OU, a policy, a
    /// permission set's ARN; accounts too). A password policy and an assignment have none.
    pub fn has_id(self) -> bool {
        !matches!(self, ResourceKind::PasswordPolicy | ResourceKind::AccountAssignment)
    }

    pub fn type_name(self) -> &'static str {
        match self {
            ResourceKind::MasterAccount => "OC::ORG::MasterAccount",
            ResourceKind::Account => "OC::ORG::Account",
            ResourceKind::OrganizationalUnit => "OC::ORG::OrganizationalUnit",
            ResourceKind::OrganizationRoot => "OC::ORG::OrganizationRoot",
            ResourceKind::Policy(t) => t.resource_type(),
            ResourceKind::PasswordPolicy => "OC::ORG::PasswordPolicy",
            ResourceKind::PermissionSet => "OC::ORG::PermissionSet",
            ResourceKind::AccountAssignment => "OC::ORG::AccountAssignment",
        }
    }

    pub fn from_type_name(name: &str) -> Option<Self> {
        Self::all().find(|k| k.type_name() == name)
    }

    /// Accounts (the management account included) are what `!GetAtt` and a value `!Ref` read.
    pub fn is_account(self) -> bool {
        matches!(self, ResourceKind::MasterAccount | ResourceKind::Account)
    }

    /// Properties the type accepts: its own, then (on roots, OUs and accounts) the attachment
    /// property of every policy type besides SCPs.
    pub fn properties(self) -> Vec<&'static str> {
        let attaches = matches!(
            self,
            ResourceKind::MasterAccount
                | ResourceKind::Account
                | ResourceKind::OrganizationalUnit
                | ResourceKind::OrganizationRoot
        );
        let others = PolicyType::ALL
            .into_iter()
            .filter(|t| attaches && *t != PolicyType::ServiceControl)
            .map(PolicyType::attachment_property);
        self.own_properties().iter().copied().chain(others).collect()
    }

    fn own_properties(self) -> &'static [&'static str] {
        match self {
            ResourceKind::MasterAccount | ResourceKind::Account => &[
                "AccountName",
                "AccountId",
                "RootEmail",
                "Alias",
                "Tags",
                "ServiceControlPolicies",
                "PasswordPolicy",
                "OrganizationAccessRoleName",
                "BuildAccessRoleName",
                "SupportLevel",
                "PartitionAccountId",
                "PartitionAlias",
                "DelegatedAdministratorFor",
                "AlternateContacts",
                "OptInRegions",
            ],
            ResourceKind::OrganizationalUnit => {
                &["OrganizationalUnitName", "Accounts", "OrganizationalUnits", "ServiceControlPolicies", "Tags"]
            }
            ResourceKind::OrganizationRoot => &[
                "ServiceControlPolicies",
                "DefaultOrganizationAccessRoleName",
                "DefaultBuildAccessRoleName",
                "DefaultDevelopmentBuildAccessRoleName",
                "CloseAccountsOnRemoval",
                "MirrorInPartition",
                "TrustedServiceAccess",
            ],
            ResourceKind::Policy(_) => &["PolicyName", "Description", "PolicyDocument", "Tags"],
            ResourceKind::PasswordPolicy => &[
                "MaxPasswordAge",
                "MinimumPasswordLength",
                "RequireLowercaseCharacters",
                "RequireNumbers",
                "RequireSymbols",
                "RequireUppercaseCharacters",
                "PasswordReusePrevention",
                "AllowUsersToChangePassword",
                "HardExpiry",
            ],
            ResourceKind::PermissionSet => &[
                "Name",
                "Description",
                "SessionDuration",
                "RelayState",
                "ManagedPolicies",
                "CustomerManagedPolicies",
                "InlinePolicy",
                "PermissionsBoundary",
                "Tags",
            ],
            ResourceKind::AccountAssignment => {
                &["PermissionSet", "Groups", "Users", "Accounts", "OrganizationalUnits", "ExcludeAccounts"]
            }
        }
    }

    /// A short human name, as in "account Dev".
    pub fn noun(self) -> &'static str {
        match self {
            ResourceKind::MasterAccount => "management account",
            ResourceKind::Account => "account",
            ResourceKind::OrganizationalUnit => "organizational unit",
            ResourceKind::OrganizationRoot => "organization root",
            ResourceKind::Policy(t) => t.noun(),
            ResourceKind::PasswordPolicy => "password policy",
            ResourceKind::PermissionSet => "permission set",
            ResourceKind::AccountAssignment => "account assignment",
        }
    }
}

/// A value with the place it was written.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

/// A `!Ref` to another resource of the file.
#[derive(Debug, Clone)]
pub struct ResourceRef {
    pub target: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct AccountSpec {
    pub logical_id: String,
    pub span: Span,
    pub is_management: bool,
    pub name: Option<Located<String>>,
    pub account_id: Option<Located<String>>,
    pub email: Option<Located<String>>,
    pub alias: Option<Located<String>>,
    /// `None` when the file says nothing about tags: orgctl then leaves them alone.
    pub tags: Option<Located<Tags>>,
    pub scps: Vec<ResourceRef>,
    pub scps_span: Option<Span>,
    /// Policies of the other types attached here (`TagPolicies`, `ResourceControlPolicies`, ...).
    pub other_policies: Vec<ResourceRef>,
    pub password_policy: Option<ResourceRef>,
    pub access_role_name: Option<String>,
    /// The role tasks assume to deploy into this account (`BuildAccessRoleName`).
    pub build_role_name: Option<String>,
    /// `DelegatedAdministratorFor` (an orgctl extension): the services this account administers
    /// for the organization.
    pub delegated_for: Vec<String>,
    /// `AlternateContacts` (an orgctl extension): by API type (`BILLING`, `OPERATIONS`, `SECURITY`).
    pub alternate_contacts: std::collections::BTreeMap<String, crate::model::AlternateContact>,
    /// `OptInRegions: {Enabled: [...], Disabled: [...]}` (an orgctl extension): region → wanted on.
    pub opt_in_regions: std::collections::BTreeMap<String, bool>,
    /// `SupportLevel`: the AWS Support plan the account should have.
    pub support_level: Option<crate::model::SupportLevel>,
}

#[derive(Debug, Clone)]
pub struct OuSpec {
    pub logical_id: String,
    pub span: Span,
    pub name: Option<Located<String>>,
    pub accounts: Vec<ResourceRef>,
    pub children: Vec<ResourceRef>,
    pub scps: Vec<ResourceRef>,
    pub scps_span: Option<Span>,
    pub other_policies: Vec<ResourceRef>,
    pub tags: Option<Located<Tags>>,
}

#[derive(Debug, Clone)]
pub struct RootSpec {
    pub logical_id: String,
    pub span: Span,
    pub scps: Vec<ResourceRef>,
    pub scps_span: Option<Span>,
    pub other_policies: Vec<ResourceRef>,
    pub default_access_role_name: Option<String>,
    /// The role tasks assume in every account that names none (`DefaultBuildAccessRoleName`).
    pub default_build_role_name: Option<String>,
    /// `CloseAccountsOnRemoval: true`: accounts removed from the file are closed.
    pub close_accounts_on_removal: bool,
    /// `TrustedServiceAccess` (an orgctl extension): service principals with trusted access;
    /// `None` when the file does not say (orgctl then leaves trusted access alone).
    pub trusted_services: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct PolicySpec {
    pub logical_id: String,
    pub span: Span,
    pub policy_type: PolicyType,
    pub name: Option<Located<String>>,
    pub description: String,
    /// The document as minified JSON, which is what AWS counts against the size limit.
    pub content: Option<Located<String>>,
    pub tags: Option<Located<Tags>>,
}

#[derive(Debug, Clone)]
pub struct PasswordPolicySpec {
    pub logical_id: String,
    pub span: Span,
    pub policy: PasswordPolicy,
}

#[derive(Debug, Clone)]
pub struct PermissionSetSpec {
    pub logical_id: String,
    pub span: Span,
    pub settings: crate::model::PermissionSet,
}

/// A group or user of an assignment, by name as the identity store knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrincipalName {
    pub kind: crate::model::PrincipalType,
    pub name: String,
    /// Where the file names it, for the error when the identity store has no such principal.
    pub location: crate::diagnostic::Location,
}

#[derive(Debug, Clone)]
pub struct AssignmentSpec {
    pub logical_id: String,
    pub span: Span,
    pub permission_set: Option<ResourceRef>,
    pub principals: Vec<PrincipalName>,
    /// `Accounts: '*'`: every account of the organization but the management account.
    pub all_accounts: bool,
    pub accounts: Vec<ResourceRef>,
    pub ous: Vec<ResourceRef>,
    pub exclude: Vec<ResourceRef>,
}

/// A whole org file, typed.
#[derive(Debug, Clone, Default)]
pub struct OrgSpec {
    pub description: Option<String>,
    /// Every account, the management account included (`is_management`).
    pub accounts: Vec<AccountSpec>,
    pub ous: Vec<OuSpec>,
    pub root: Option<RootSpec>,
    pub policies: Vec<PolicySpec>,
    pub password_policies: Vec<PasswordPolicySpec>,
    pub permission_sets: Vec<PermissionSetSpec>,
    pub assignments: Vec<AssignmentSpec>,
    /// Values that name accounts not created yet (shown with their unknowns in the fields above).
    pub pending: Vec<PendingValue>,
}

impl OrgSpec {
    pub fn management(&self) -> Option<&AccountSpec> {
        self.accounts.iter().find(|a| a.is_management)
    }

    /// What each logical id of the file is (password policies aside: nothing names them but
    /// the org file itself).
    pub fn kinds(&self) -> std::collections::HashMap<String, ResourceKind> {
        let accounts = self.accounts.iter().map(|a| {
            let kind = if a.is_management { ResourceKind::MasterAccount } else { ResourceKind::Account };
            (a.logical_id.clone(), kind)
        });
        let ous = self.ous.iter().map(|ou| (ou.logical_id.clone(), ResourceKind::OrganizationalUnit));
        let root = self.root.iter().map(|r| (r.logical_id.clone(), ResourceKind::OrganizationRoot));
        let policies = self.policies.iter().map(|p| (p.logical_id.clone(), ResourceKind::Policy(p.policy_type)));
        let sets = self.permission_sets.iter().map(|p| (p.logical_id.clone(), ResourceKind::PermissionSet));
        accounts.chain(ous).chain(root).chain(policies).chain(sets).collect()
    }
}

/// A value of the file that names an account not created yet: the plan fills it in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingValue {
    /// The resource (logical id) and the property it is the value of (`PolicyDocument`, `Tags.x`).
    pub owner: String,
    pub property: String,
    pub value: Text,
}
