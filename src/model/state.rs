//! The live organization as a provider reads it. Plans are diffs against this, and a saved
//! plan records its fingerprint so that `apply` can refuse a plan made against another state.

use super::{AccountStatus, PasswordPolicy, PolicyType, Tags, OWNER_TAG};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RootState {
    pub id: String,
    pub scp_enabled: bool,
    /// Policy types other than SCPs enabled on the root (EnablePolicyType).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_policy_types: Vec<PolicyType>,
    pub tags: Tags,
}

impl RootState {
    /// Whether policies of `policy_type` can be attached.
    pub fn is_enabled(&self, policy_type: PolicyType) -> bool {
        match policy_type {
            PolicyType::ServiceControl => self.scp_enabled,
            other => self.other_policy_types.contains(&other),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OuState {
    pub id: String,
    pub name: String,
    pub parent_id: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountState {
    pub id: super::AccountId,
    pub name: String,
    pub email: String,
    pub parent_id: String,
    pub status: AccountStatus,
    pub tags: Tags,
    pub alias: Option<String>,
    pub password_policy: Option<PasswordPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyState {
    pub id: super::PolicyId,
    pub name: String,
    pub description: String,
    pub content: String,
    pub aws_managed: bool,
    /// Service control policy unless said otherwise (as saved states before other types had it).
    #[serde(default)]
    pub policy_type: PolicyType,
    pub tags: Tags,
    /// Ids of the roots, OUs and accounts the policy is attached to.
    pub targets: Vec<String>,
}

/// A CreateAccount request that has not finished; adopting it is what keeps a re-run after a
/// crash from creating a second account with the same email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateRequestState {
    pub id: String,
    /// Known to the sandbox; AWS only reports the account name of a request.
    pub email: Option<String>,
    pub account_name: String,
    pub state: super::CreateRequestStatus,
}

/// Everything orgctl manages in an organization, keyed by AWS id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgState {
    pub organization_id: String,
    /// The management account (org-formation's `MasterAccount`).
    #[serde(alias = "master_account_id")]
    pub management_account_id: super::AccountId,
    pub root: RootState,
    pub ous: BTreeMap<String, OuState>,
    pub accounts: BTreeMap<super::AccountId, AccountState>,
    pub policies: BTreeMap<super::PolicyId, PolicyState>,
    pub pending_create_requests: Vec<CreateRequestState>,
}

impl CreateRequestState {
    /// Whether this request creates the account with `email` and `account_name`.
    pub fn is_for(&self, email: &str, account_name: &str) -> bool {
        match &self.email {
            Some(e) => e.eq_ignore_ascii_case(email),
            None => self.account_name == account_name,
        }
    }
}

impl OrgState {
    /// A stable hash of the whole state: equal states give equal fingerprints.
    pub fn fingerprint(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        let digest = Sha256::digest(&bytes);
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The OUs from `parent_id` up to the root, nearest first (`parent_id` itself when it is an
    /// OU); a loop in the tree, which AWS never has, ends the walk.
    pub fn ous_above(&self, parent_id: &str) -> Vec<&OuState> {
        let mut chain: Vec<&OuState> = Vec::new();
        let mut current = parent_id;
        while let Some(ou) = self.ous.get(current) {
            if chain.len() >= self.ous.len() {
                break;
            }
            chain.push(ou);
            current = &ou.parent_id;
        }
        chain
    }

    /// Number of ancestors between `parent_id` and the root, the root counting as 0.
    pub fn depth_of(&self, parent_id: &str) -> usize {
        self.ous_above(parent_id).len()
    }

    /// Human path of a parent, such as `Root/Workloads/Prod`.
    pub fn path_of(&self, parent_id: &str) -> String {
        let names = self.ous_above(parent_id).into_iter().rev().map(|ou| ou.name.as_str());
        std::iter::once("Root").chain(names).collect::<Vec<_>>().join("/")
    }

    /// The SCPs attached to `target_id`.
    pub fn policies_on(&self, target_id: &str) -> Vec<&PolicyState> {
        self.policies_of_type_on(PolicyType::ServiceControl, target_id)
    }

    /// The policies of `policy_type` attached to `target_id`.
    pub fn policies_of_type_on(&self, policy_type: PolicyType, target_id: &str) -> Vec<&PolicyState> {
        self.policies
            .values()
            .filter(|p| p.policy_type == policy_type && p.targets.iter().any(|t| t == target_id))
            .collect()
    }

    pub fn owner_of(tags: &Tags) -> Option<&str> {
        tags.get(OWNER_TAG).map(String::as_str)
    }
}

/// What the organization delegates beyond its tree and policies, read for the audit: trusted
/// service access, delegated administrators, centralized root access.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Governance {
    /// Service principals with trusted access (`EnableAWSServiceAccess`).
    #[serde(default)]
    pub trusted_services: Vec<String>,
    /// Delegated administrators: the account and the service it administers.
    #[serde(default)]
    pub delegated_administrators: Vec<DelegatedAdministrator>,
    /// IAM's centralized root access features enabled for the organization
    /// (`RootCredentialsManagement`, `RootSessions`); `None` when the endpoint cannot say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_access_features: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DelegatedAdministrator {
    pub account_id: String,
    pub service: String,
}

/// An account's alternate contact (billing, operations or security), as the Account
/// Management API holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlternateContact {
    pub name: String,
    pub title: String,
    pub email_address: String,
    pub phone_number: String,
}

/// The contact types AWS has, as the file names them and as the API does.
pub const CONTACT_TYPES: [(&str, &str); 3] =
    [("Billing", "BILLING"), ("Operations", "OPERATIONS"), ("Security", "SECURITY")];

/// Regions an account must opt in to (AWS's list; every other region is enabled by default and
/// cannot be disabled).
pub const OPT_IN_REGIONS: [&str; 15] = [
    "af-south-1",
    "ap-east-1",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];
