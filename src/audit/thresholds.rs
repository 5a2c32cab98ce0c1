//! Every threshold of the audit checks, in one place, overridable by a small YAML file
//! (`orgctl audit --config audit.yml`), e.g. `min_password_length: 16`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// CIS 1.8 / Security Hub IAM.15.
    pub min_password_length: u32,
    /// CIS 1.9 / IAM.16.
    pub password_reuse_prevention: u32,
    /// IAM.17: passwords expire within this many days.
    pub max_password_age: u32,
    /// A target with this many SCPs or more (FullAWSAccess included) is at or near the limit.
    pub scps_per_target_warning: usize,
    pub scps_per_target_limit: usize,
    /// An SCP this large (characters, minified) is near the limit.
    pub scp_size_warning: usize,
    pub scp_size_limit: usize,
    pub ou_depth_limit: usize,
    /// Actions a region-deny SCP must exempt (through NotAction) so that global services work.
    pub global_services: Vec<String>,
    /// Accounts (ids or names) that may be delegated administrators; empty: every delegated
    /// administrator is listed for review.
    #[serde(default)]
    pub delegated_admin_accounts: Vec<String>,
    /// OUs (names or paths such as `Root/Security`) where administrator permission sets may be
    /// assigned; empty: anywhere but the management account.
    #[serde(default)]
    pub administrator_ous: Vec<String>,
    /// Permission set sessions this many hours long or longer are reported.
    pub session_hours_below: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        let scp = crate::model::quotas::policy_quota(crate::model::PolicyType::ServiceControl);
        Thresholds {
            min_password_length: 14,
            password_reuse_prevention: 24,
            max_password_age: 90,
            // Warned of one attachment, and a tenth of the size, before AWS's limit.
            scps_per_target_warning: scp.per_target - 1,
            scps_per_target_limit: scp.per_target,
            scp_size_warning: scp.size - scp.size / 10,
            scp_size_limit: scp.size,
            ou_depth_limit: crate::model::quotas::OU_DEPTH,
            global_services: [
                "iam:*",
                "organizations:*",
                "sts:*",
                "support:*",
                "cloudfront:*",
                "route53:*",
                "budgets:*",
            ]
            .map(String::from)
            .to_vec(),
            delegated_admin_accounts: Vec::new(),
            administrator_ous: Vec::new(),
            session_hours_below: 12,
        }
    }
}

impl Thresholds {
    pub fn load(path: &std::path::Path) -> Result<Self, ThresholdsError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ThresholdsError::Read { path: path.to_path_buf(), source })?;
        serde_yaml::from_str(&text).map_err(|source| ThresholdsError::Parse { path: path.to_path_buf(), source })
    }
}

/// Why an audit configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ThresholdsError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: std::path::PathBuf, source: std::io::Error },
    #[error("{}: {source}", path.display())]
    Parse { path: std::path::PathBuf, source: serde_yaml::Error },
}
