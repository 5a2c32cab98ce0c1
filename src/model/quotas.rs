//! AWS's quotas orgctl checks before it sends anything, in one table: validation, the planner,
//! the sandbox, the audit's thresholds and the `--limit` defaults all read these numbers.
//!
//! AWS changes them (the SCP limits doubled on 15 May 2026, automatically in every partition),
//! so every figure names the page it comes from; the ones a user may need to move ahead of a new
//! orgctl can be overridden with `--limit` ([`crate::org_file::limits::Limits`]).
//!
//! - QUOTAS: "Quotas and service limits for AWS Organizations",
//!   <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html>
//! - POLICIES: "Managing organization policies", the table of policy types,
//!   <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies.html>
//! - CREATE: CreateAccount in the Organizations API reference,
//!   <https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html>
//! - CLOSE: CloseAccount in the Organizations API reference,
//!   <https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html>

use super::PolicyType;

/// What AWS allows for one policy type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyQuota {
    /// Characters of a document as sent (orgctl minifies JSON first). QUOTAS, "Maximum size of
    /// a policy document".
    pub size: usize,
    /// Policies of the type attached directly to one root, OU or account, the AWS-managed
    /// default (FullAWSAccess, RCPFullAWSAccess) included. POLICIES, "Maximum number you can
    /// attach to a root, OU, or account".
    pub per_target: usize,
    /// Policies of the type in the organization. QUOTAS, "Number of policies of each type in
    /// an organization".
    pub per_organization: usize,
}

/// The quota of each policy type.
pub const fn policy_quota(policy_type: PolicyType) -> PolicyQuota {
    match policy_type {
        // 10,240 characters and 10 per target since 15 May 2026 (were 5,120 and 5).
        PolicyType::ServiceControl => PolicyQuota { size: 10_240, per_target: 10, per_organization: 10_000 },
        PolicyType::ResourceControl => PolicyQuota { size: 5_120, per_target: 5, per_organization: 1_000 },
        PolicyType::AiServicesOptOut => PolicyQuota { size: 2_500, per_target: 5, per_organization: 1_000 },
        PolicyType::Chatbot => PolicyQuota { size: 10_000, per_target: 5, per_organization: 1_000 },
        PolicyType::Tag | PolicyType::Backup | PolicyType::DeclarativeEc2 => {
            PolicyQuota { size: 10_000, per_target: 10, per_organization: 1_000 }
        }
    }
}

/// SCP limits before 15 May 2026: a sandbox created then enforced them, and AWS raised them for
/// every organization without a request, so the sandbox raises them when it is opened.
pub const SCP_BEFORE_MAY_2026: (usize, usize) = (5_120, 5);

/// OU levels below the root. QUOTAS, "OU maximum nesting in a root".
pub const OU_DEPTH: usize = 5;

/// OUs in an organization. QUOTAS, "Number of OUs in an organization".
pub const OUS: usize = 2_000;

/// CreateAccount requests in progress at once; a further one fails with
/// ConcurrentModificationException / CONCURRENT_ACCOUNT_MODIFICATION. CREATE.
pub const CREATIONS_IN_PROGRESS: usize = 5;

/// Member accounts CloseAccount may close per rolling 30 days: 10% of them, at least 10 and at
/// most 1,000. CLOSE.
pub fn closable_accounts(members: usize) -> usize {
    (members / 10).clamp(10, 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scps_have_the_limits_of_may_2026() {
        let scp = policy_quota(PolicyType::ServiceControl);
        assert_eq!((scp.size, scp.per_target), (10_240, 10));
        assert_ne!((scp.size, scp.per_target), SCP_BEFORE_MAY_2026);
    }

    #[test]
    fn the_close_quota_is_a_tenth_within_its_bounds() {
        assert_eq!(closable_accounts(5), 10);
        assert_eq!(closable_accounts(250), 25);
        assert_eq!(closable_accounts(50_000), 1_000);
    }
}

/// IAM Identity Center's rules for a permission set, checked by validation and the sandbox
/// (moto checks none of them but the managed-policy count).
///
/// - SSO_QUOTAS: "IAM Identity Center quotas",
///   <https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html>
/// - SSO_API: CreatePermissionSet and PutInlinePolicyToPermissionSet in the Identity Center API
///   reference, <https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html>
pub mod identity_center {
    /// AWS managed and customer managed policies attached to one permission set, together
    /// (SSO_QUOTAS; the default, which AWS raises to 20 on request).
    pub const MANAGED_POLICIES_PER_PERMISSION_SET: usize = 10;
    /// Characters of the inline policy (SSO_API, PutInlinePolicyToPermissionSet).
    pub const INLINE_POLICY_SIZE: usize = 32_768;
    /// A permission set's name: 1 to 32 of `[\w+=,.@-]` (SSO_API).
    pub const NAME_LENGTH: usize = 32;
    /// Description: up to 700 characters (SSO_API).
    pub const DESCRIPTION_LENGTH: usize = 700;
    /// Relay state: up to 240 characters (SSO_API).
    pub const RELAY_STATE_LENGTH: usize = 240;
    /// Session duration in minutes: 1 to 12 hours (SSO_QUOTAS, "Set session duration").
    pub const SESSION_MINUTES: std::ops::RangeInclusive<u32> = 60..=720;
    /// Permission sets in one Identity Center instance (SSO_QUOTAS).
    pub const PERMISSION_SETS: usize = 2_000;
}
