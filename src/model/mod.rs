//! Types shared by every stage: what an organization looks like (desired or live).

mod access;
mod identity;
mod ids;
mod password_policy;
mod policy_type;
pub mod quotas;
mod stack;
mod state;
mod support;
#[macro_use]
mod status;

pub use access::{EntityPath, ServiceLastUsed};
pub use identity::{
    session_minutes, valid_permission_set_name, AssignmentState, CustomerPolicyRef, IdentityCenterState, IdentityScope,
    PermissionSet, PermissionSetState, PermissionsBoundary, Principal, PrincipalType, PERMISSION_SET_OWNER_TAG,
};
pub use ids::{AccountId, LogicalId, PolicyId, Region};
pub use password_policy::PasswordPolicy;
pub use policy_type::{AwsManagedDefault, PolicyType};
pub use stack::{no_echo_parameters, StackKey, StackSpec, StackState, STACK_REGIONS_TAG, STACK_TASK_TAG};
pub use state::{
    AccountState, AlternateContact, CreateRequestState, DelegatedAdministrator, Governance, OrgState, OuState,
    PolicyState, RootState, CONTACT_TYPES, OPT_IN_REGIONS,
};
pub use status::{AccountStatus, CreateRequestStatus, StackStatus};
pub use support::{SupportLevel, SUPPORT_REQUEST_TAG};

use std::collections::BTreeMap;

/// Resource tags, sorted so that output and fingerprints are stable.
pub type Tags = BTreeMap<String, String>;

/// Tag key orgctl puts on the OUs, policies and accounts it manages; its value is the logical id.
/// This is how a rename becomes an update: the tag, not the name, says which resource it is.
pub const OWNER_TAG: &str = "orgctl:logical-id";

/// Name and id of the AWS-managed policy that allows everything. AWS attaches it to every root,
/// OU and account when SCPs are enabled; orgctl never detaches it.
pub const FULL_AWS_ACCESS_NAME: &str = "FullAWSAccess";
pub const FULL_AWS_ACCESS_ID: &str = "p-FullAWSAccess";

/// Splits tags into the ones a user manages and orgctl's own (which live under `orgctl:`).
pub fn user_tags(tags: &Tags) -> Tags {
    tags.iter().filter(|(k, _)| !k.starts_with("orgctl:")).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// How messages and plans name the organization root, everywhere the same.
pub fn root_label(root_id: &str) -> String {
    format!("organization root {root_id}")
}

/// The MD5 of `bytes` in hex, as S3 gives it for an object put in one part (its ETag): what a
/// plan shows for a file it uploads, and what the apply checks before it puts it.
pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
