//! The only door to an organization. Plans read through [`Provider::read`], applies write
//! through the other calls; the engine never knows whether it talks to AWS or the sandbox.

pub mod aws;
pub mod lock;
pub mod poll;
pub mod sandbox;

use crate::model::{
    AccountId, AssignmentState, IdentityCenterState, IdentityScope, OrgState, PasswordPolicy, PermissionSet,
    PolicyState, Region, StackSpec, StackState, Tags,
};
use async_trait::async_trait;

/// An error from the organization's API, named as AWS names it, with its kind decided once,
/// where the error is made ([`ProviderError::new`] from the exception name; the AWS provider
/// also from the HTTP status when the name says nothing).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ProviderError {
    /// The AWS exception name, such as `ConstraintViolationException`.
    pub code: String,
    pub message: String,
    /// Throttling, concurrent modification and 5xx errors are worth retrying.
    pub retryable: bool,
    pub kind: ErrorKind,
}

impl ProviderError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        let code = code.into();
        let kind = ErrorKind::of_exception(&code);
        ProviderError { code, message: message.into(), retryable: false, kind }
    }

    pub fn retryable(code: impl Into<String>, message: impl Into<String>) -> Self {
        ProviderError { retryable: true, ..ProviderError::new(code, message) }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// What kind of failure a provider error is, whatever the exact AWS exception name; the name and
/// message stay in the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Rate limits: TooManyRequestsException, ThrottlingException, ...
    Throttled,
    /// The resource does not exist (an id, a stack, a request).
    NotFound,
    /// The caller may not do this (AccessDenied, an unassumable role).
    AccessDenied,
    /// Another change is in the way: a duplicate, a concurrent modification, a constraint.
    Conflict,
    /// The endpoint does not implement the operation (an emulator, a partition).
    Unsupported,
    /// No credentials, or the request could not be built.
    Credentials,
    Other,
}

impl ErrorKind {
    /// The kind an exception name says, by AWS's naming of its exceptions (`…NotFoundException`,
    /// `Duplicate…Exception`, `Throttling…`) and the names orgctl itself gives.
    pub fn of_exception(code: &str) -> ErrorKind {
        let name = code.strip_suffix("Exception").unwrap_or(code);
        const THROTTLED: [&str; 5] = ["TooManyRequests", "Throttling", "RequestLimitExceeded", "SlowDown", "Throttled"];
        const CONFLICT: [&str; 4] = ["ConcurrentModification", "ConstraintViolation", "Locked", "EntityAlreadyExists"];
        const DENIED: [&str; 4] = ["AccessDenied", "Unauthorized", "UnauthorizedOperation", "AuthorizationError"];
        if THROTTLED.contains(&name) {
            ErrorKind::Throttled
        } else if name.ends_with("NotFound") || name == "NoSuchEntity" || name == "NoSuchKey" {
            ErrorKind::NotFound
        } else if DENIED.contains(&name) {
            ErrorKind::AccessDenied
        } else if CONFLICT.contains(&name) || name.starts_with("Duplicate") || name.ends_with("AlreadyExists") {
            ErrorKind::Conflict
        } else if matches!(name, "NotImplemented" | "UnsupportedOperation" | "Http404" | "Http501") {
            ErrorKind::Unsupported
        } else if matches!(name, "NoCredentials" | "EndpointUnreachable" | "InvalidClientTokenId") {
            ErrorKind::Credentials
        } else {
            ErrorKind::Other
        }
    }

    /// The kind an HTTP status says, for an exception whose name says none.
    pub fn of_status(status: u16) -> ErrorKind {
        match status {
            403 => ErrorKind::AccessDenied,
            429 => ErrorKind::Throttled,
            501 => ErrorKind::Unsupported,
            _ => ErrorKind::Other,
        }
    }
}

pub type ProviderResult<T> = Result<T, ProviderError>;

/// Where a call acts inside the organization: a member account, one of its regions, and the
/// role orgctl takes there (`None`: the account's access role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At<'a> {
    pub account_id: &'a AccountId,
    pub region: &'a Region,
    pub role: Option<&'a str>,
}

impl<'a> At<'a> {
    /// `region` of `account_id`, through the account's access role.
    pub fn new(account_id: &'a AccountId, region: &'a Region) -> Self {
        At { account_id, region, role: None }
    }

    /// The same place, through `role` when given.
    pub fn as_role(self, role: Option<&'a str>) -> Self {
        At { role, ..self }
    }
}

/// Where a CreateAccount request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateAccountStatus {
    InProgress,
    Succeeded { account_id: String },
    Failed { reason: String },
}

/// What already exists for an email, found before creating an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExistingAccount {
    Account { account_id: String },
    Request { request_id: String },
}

/// What CreatePolicy is given.
#[derive(Debug, Clone, Copy)]
pub struct NewPolicy<'a> {
    pub policy_type: crate::model::PolicyType,
    pub name: &'a str,
    pub description: &'a str,
    pub content: &'a str,
    pub tags: &'a Tags,
}

/// Everything orgctl does to an organization, one supertrait per area of AWS so that each
/// provider implements each area in its own file.
#[async_trait]
pub trait Provider: Organizations + AccountSettings + Deployments + IdentityCenter + Send + Sync {
    /// A short description for messages, such as `sandbox ./org.json`.
    fn describe(&self) -> String;

    /// HTTP requests sent so far, when the provider counts them.
    fn request_count(&self) -> Option<u64> {
        None
    }

    /// How long to wait before the first CreateAccount status poll.
    fn create_account_poll_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(2)
    }
}

/// The organization itself: its OUs, accounts, policies, trusted access and delegated
/// administrators (the Organizations API, from the management account).
#[async_trait]
pub trait Organizations: Send + Sync {
    /// The whole organization as orgctl manages it.
    async fn read(&self) -> ProviderResult<OrgState>;

    /// Trusted access, delegated administrators, centralized root access (for the audit;
    /// plans do not need them, so they cost a plan nothing).
    async fn read_governance(&self) -> ProviderResult<crate::model::Governance>;

    /// EnablePolicyType: policies of `policy_type` can be attached from then on (SCPs and RCPs
    /// also get their AWS-managed default attached everywhere).
    async fn enable_policy_type(&self, root_id: &str, policy_type: crate::model::PolicyType) -> ProviderResult<()>;
    async fn create_ou(&self, parent_id: &str, name: &str, tags: &Tags) -> ProviderResult<String>;
    async fn rename_ou(&self, ou_id: &str, name: &str) -> ProviderResult<()>;
    async fn delete_ou(&self, ou_id: &str) -> ProviderResult<()>;

    /// An account, or an unfinished request to create one, with this email. CreateAccount is not
    /// idempotent, so this is asked right before every creation. `thorough` asks the organization
    /// again instead of trusting what this run has read: it is used after an attempt whose outcome
    /// is unknown (a lost response may hide an account that was created).
    /// AWS does not say which email an unfinished request is for, only its account name, so a
    /// request is recognised by `account_name`.
    async fn find_account(
        &self,
        email: &str,
        account_name: &str,
        thorough: bool,
    ) -> ProviderResult<Option<ExistingAccount>>;

    /// Starts creating an account; returns the request id to poll.
    async fn create_account(&self, name: &str, email: &str, tags: &Tags) -> ProviderResult<String>;
    async fn create_account_status(&self, request_id: &str) -> ProviderResult<CreateAccountStatus>;
    async fn rename_account(&self, account_id: &AccountId, name: &str) -> ProviderResult<()>;

    /// CloseAccount: the account goes to PENDING_CLOSURE, then SUSPENDED.
    async fn close_account(&self, account_id: &AccountId) -> ProviderResult<()>;

    async fn move_account(
        &self,
        account_id: &AccountId,
        source_parent_id: &str,
        destination_parent_id: &str,
    ) -> ProviderResult<()>;
    async fn tag_resource(&self, resource_id: &str, tags: &Tags) -> ProviderResult<()>;
    async fn untag_resource(&self, resource_id: &str, keys: &[String]) -> ProviderResult<()>;
    async fn create_policy(&self, policy: NewPolicy<'_>) -> ProviderResult<String>;
    async fn update_policy(&self, policy_id: &str, name: &str, description: &str, content: &str) -> ProviderResult<()>;
    async fn delete_policy(&self, policy_id: &str) -> ProviderResult<()>;

    /// The service control policies with this name (id, name and description only), for the
    /// apply lock. `read` leaves the lock out; this is the only way to see it.
    async fn find_policies_named(&self, name: &str) -> ProviderResult<Vec<PolicyState>>;
    async fn attach_policy(&self, policy_id: &str, target_id: &str) -> ProviderResult<()>;
    async fn detach_policy(&self, policy_id: &str, target_id: &str) -> ProviderResult<()>;
    async fn enable_service_access(&self, service: &str) -> ProviderResult<()>;
    async fn disable_service_access(&self, service: &str) -> ProviderResult<()>;
    async fn register_delegated_administrator(&self, account_id: &AccountId, service: &str) -> ProviderResult<()>;
    async fn deregister_delegated_administrator(&self, account_id: &AccountId, service: &str) -> ProviderResult<()>;
}

/// What is set inside each account: its IAM password policy and alias, alternate contacts,
/// opted-in regions, support plan, and what its principals have used.
#[async_trait]
pub trait AccountSettings: Send + Sync {
    /// IAM's organization access report for one account (Generate- and
    /// GetOrganizationsAccessReport, from the management account): the services its principals
    /// used in the reporting period. The plan reads it only with `--access-report`.
    async fn services_last_used(
        &self,
        entity: &crate::model::EntityPath,
    ) -> ProviderResult<Vec<crate::model::ServiceLastUsed>>;

    /// Replaces the account's whole password policy.
    async fn set_password_policy(&self, account_id: &AccountId, policy: &PasswordPolicy) -> ProviderResult<()>;

    /// Sets (or with `None`, removes) the account's IAM alias.
    async fn set_alias(&self, account_id: &AccountId, alias: Option<&str>) -> ProviderResult<()>;

    /// The account's alternate contacts, by type (BILLING, OPERATIONS, SECURITY); a type not set
    /// is absent.
    async fn alternate_contacts(
        &self,
        account_id: &AccountId,
    ) -> ProviderResult<std::collections::BTreeMap<String, crate::model::AlternateContact>>;

    async fn put_alternate_contact(
        &self,
        account_id: &AccountId,
        contact_type: &str,
        contact: &crate::model::AlternateContact,
    ) -> ProviderResult<()>;

    /// The opt-in status of each of `regions` in the account (`ENABLED`, `ENABLING`, `DISABLING`,
    /// `DISABLED`, `ENABLED_BY_DEFAULT`).
    async fn region_opt_status(
        &self,
        account_id: &AccountId,
        regions: &[String],
    ) -> ProviderResult<std::collections::BTreeMap<String, String>>;
    async fn set_region_opt_in(&self, account_id: &AccountId, region: &str, enabled: bool) -> ProviderResult<()>;

    /// The account's AWS Support plan (DescribeSeverityLevels in the account: an account on
    /// Basic is refused the Support API).
    async fn support_level(&self, account_id: &AccountId) -> ProviderResult<crate::model::SupportLevel>;

    /// Asks AWS Support, in a support case opened from the management account, to put
    /// `account_id` on `level`; `cc` (the account's root email) is copied on the case.
    async fn request_support_level(
        &self,
        account_id: &AccountId,
        level: crate::model::SupportLevel,
        cc: &str,
    ) -> ProviderResult<()>;
}

/// What is deployed into accounts and regions: CloudFormation stacks and types, S3 objects, and
/// the credentials a workload's commands run with.
#[async_trait]
pub trait Deployments: Send + Sync {
    /// The stacks orgctl owns (tagged with their task) in one account and region.
    async fn read_stacks(&self, at: At<'_>) -> ProviderResult<Vec<StackState>>;

    /// RegisterType (and make the new version the default), waiting until it is registered.
    async fn register_type(&self, at: At<'_>, type_name: &str, package: &str) -> ProviderResult<()>;

    /// DeregisterType (every version).
    async fn deregister_type(&self, at: At<'_>, type_name: &str) -> ProviderResult<()>;

    /// PutObject in the target account (through `role`, else its access role), in `region`.
    async fn put_object(&self, at: At<'_>, object: &PutObject<'_>) -> ProviderResult<()>;

    /// GetObject as the management account (a template named by an `s3://` URL).
    async fn get_object(&self, bucket: &str, key: &str) -> ProviderResult<Vec<u8>>;

    /// DeleteObject; an object already gone is not an error.
    async fn delete_object(&self, at: At<'_>, bucket: &str, key: &str) -> ProviderResult<()>;

    /// Credentials in `account_id` (through `role`, else the account's access role) as the
    /// environment variables a workload's commands read. Never printed.
    async fn workload_credentials(
        &self,
        account_id: &AccountId,
        role: Option<&str>,
    ) -> ProviderResult<Vec<(String, String)>>;

    /// Creates a stack and waits until it is complete (or failed, as an error).
    async fn create_stack(&self, at: At<'_>, spec: &StackSpec) -> ProviderResult<()>;

    /// Updates a stack and waits; a stack already as asked is not an error.
    async fn update_stack(&self, at: At<'_>, spec: &StackSpec) -> ProviderResult<()>;

    /// Deletes a stack and waits (termination protection is an error, not a crash).
    async fn delete_stack(&self, at: At<'_>, name: &str) -> ProviderResult<()>;

    /// The value of a CloudFormation export in one account and region (`!CopyValue`).
    async fn export_value(&self, at: At<'_>, name: &str) -> ProviderResult<Option<String>>;

    /// A stack's outputs, read at apply time to feed the stacks that consume them.
    async fn stack_outputs(&self, at: At<'_>, name: &str)
        -> ProviderResult<std::collections::BTreeMap<String, String>>;
}

/// IAM Identity Center: permission sets and account assignments (the SSO admin and identity
/// store APIs, from the management account). Every call that starts asynchronous work on AWS
/// (provisioning, assignments) waits until it finishes and names the failure AWS gives.
#[async_trait]
pub trait IdentityCenter: Send + Sync {
    /// The organization's instance, its permission sets (with their policies and orgctl's tag),
    /// their assignments (in the accounts `scope` says) and the identity store's groups and
    /// users; `None` when the organization has no Identity Center instance.
    async fn read_identity_center(&self, scope: &IdentityScope) -> ProviderResult<Option<IdentityCenterState>>;
    /// Creates a permission set with its policies, tagged as orgctl's (`owner`: its logical
    /// id); returns its ARN.
    async fn create_permission_set(
        &self,
        instance_arn: &str,
        set: &PermissionSet,
        owner: &str,
    ) -> ProviderResult<String>;
    /// Makes the permission set `old` into `new` (and tags it as orgctl's, `owner`).
    async fn update_permission_set(
        &self,
        instance_arn: &str,
        arn: &str,
        old: &PermissionSet,
        new: &PermissionSet,
        owner: &str,
    ) -> ProviderResult<()>;
    async fn delete_permission_set(&self, instance_arn: &str, arn: &str) -> ProviderResult<()>;
    /// ProvisionPermissionSet to every account it is assigned to, waiting for its status.
    async fn provision_permission_set(&self, instance_arn: &str, arn: &str) -> ProviderResult<()>;
    /// CreateAccountAssignment, waiting for its creation status.
    async fn create_account_assignment(&self, instance_arn: &str, assignment: &AssignmentState) -> ProviderResult<()>;
    /// DeleteAccountAssignment, waiting for its deletion status.
    async fn delete_account_assignment(&self, instance_arn: &str, assignment: &AssignmentState) -> ProviderResult<()>;
}

/// An object a `copy-to-s3` task writes.
pub struct PutObject<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub body: &'a [u8],
    /// `AES256`, `aws:kms` or `aws:kms:dsse`; the bucket's default when `None`.
    pub server_side_encryption: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_aws_exception_names() {
        let kind = |code: &str| ProviderError::new(code, "").kind();
        assert_eq!(kind("TooManyRequestsException"), ErrorKind::Throttled);
        assert_eq!(kind("Throttling"), ErrorKind::Throttled);
        assert_eq!(kind("PolicyNotFoundException"), ErrorKind::NotFound);
        assert_eq!(kind("NoSuchEntity"), ErrorKind::NotFound);
        assert_eq!(kind("AccessDenied"), ErrorKind::AccessDenied);
        assert_eq!(kind("DuplicatePolicyException"), ErrorKind::Conflict);
        assert_eq!(kind("ConcurrentModificationException"), ErrorKind::Conflict);
        assert_eq!(kind("Http404"), ErrorKind::Unsupported);
        assert_eq!(kind("NoCredentials"), ErrorKind::Credentials);
        assert_eq!(kind("SomethingNew"), ErrorKind::Other);
        assert_eq!(kind("ThrottlingException"), ErrorKind::Throttled);
        assert_eq!(kind("EntityAlreadyExists"), ErrorKind::Conflict);
        // A name that only contains a kind's word is not of that kind.
        assert_eq!(kind("PolicyNotAttachedException"), ErrorKind::Other);
        assert_eq!(ErrorKind::of_status(429), ErrorKind::Throttled);
        assert_eq!(ErrorKind::of_status(403), ErrorKind::AccessDenied);
    }
}
