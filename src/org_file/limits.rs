//! The AWS limits a user can override (`--limit name=value`), ahead of an orgctl that knows a
//! quota AWS raised; the defaults come from the one table of AWS's quotas, [`crate::model::quotas`].

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// OU levels below the root.
    pub ou_depth: usize,
    /// SCPs attached to one root, OU or account, FullAWSAccess included.
    pub scps_per_target: usize,
    /// Characters of an SCP document once minified.
    pub scp_size: usize,
    /// OUs in the organization.
    pub ous: usize,
    /// Customer-managed SCPs in the organization.
    pub scps: usize,
}

impl Default for Limits {
    fn default() -> Self {
        use crate::model::{quotas, PolicyType};
        let scp = quotas::policy_quota(PolicyType::ServiceControl);
        Limits {
            ou_depth: quotas::OU_DEPTH,
            scps_per_target: scp.per_target,
            scp_size: scp.size,
            ous: quotas::OUS,
            scps: scp.per_organization,
        }
    }
}

impl Limits {
    /// Characters a document of `policy_type` may have once minified (the SCP figure can be
    /// overridden; the others are AWS's).
    pub fn policy_size(&self, policy_type: crate::model::PolicyType) -> usize {
        match policy_type {
            crate::model::PolicyType::ServiceControl => self.scp_size,
            other => other.quota().size,
        }
    }

    /// Policies of `policy_type` one root, OU or account may have, the AWS-managed default included.
    pub fn policies_per_target(&self, policy_type: crate::model::PolicyType) -> usize {
        match policy_type {
            crate::model::PolicyType::ServiceControl => self.scps_per_target,
            other => other.quota().per_target,
        }
    }

    /// Policies of `policy_type` the organization may hold.
    pub fn policies_per_organization(&self, policy_type: crate::model::PolicyType) -> usize {
        match policy_type {
            crate::model::PolicyType::ServiceControl => self.scps,
            other => other.quota().per_organization,
        }
    }

    /// Raises the SCP limits a sandbox recorded before AWS raised them (15 May 2026), as AWS
    /// raised them for every organization; limits a test lowered on purpose stay.
    pub fn follow_aws_raises(&mut self) {
        if (self.scp_size, self.scps_per_target) == crate::model::quotas::SCP_BEFORE_MAY_2026 {
            let today = Limits::default();
            self.scp_size = today.scp_size;
            self.scps_per_target = today.scps_per_target;
        }
    }

    pub const NAMES: [&'static str; 5] = ["ou-depth", "scps-per-target", "scp-size", "ous", "scps"];

    /// Applies one `name=value` override.
    pub fn set(&mut self, assignment: &str) -> Result<(), LimitError> {
        let (name, value) = assignment.split_once('=').ok_or_else(|| LimitError::Syntax(assignment.to_string()))?;
        let value: usize = value
            .trim()
            .parse()
            .map_err(|_| LimitError::NotANumber { name: name.to_string(), value: value.to_string() })?;
        let slot = match name.trim() {
            "ou-depth" => &mut self.ou_depth,
            "scps-per-target" => &mut self.scps_per_target,
            "scp-size" => &mut self.scp_size,
            "ous" => &mut self.ous,
            "scps" => &mut self.scps,
            other => return Err(LimitError::Unknown(other.to_string())),
        };
        *slot = value;
        Ok(())
    }
}

/// Why a `--limit` override was refused.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("expected NAME=VALUE, got '{0}'")]
    Syntax(String),
    #[error("limit '{name}' needs a whole number, got '{value}'")]
    NotANumber { name: String, value: String },
    #[error("unknown limit '{0}' (known: ou-depth, scps-per-target, scp-size, ous, scps)")]
    Unknown(String),
}
