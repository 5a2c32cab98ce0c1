//! AWS limits orgctl checks before any API call. AWS has been changing these quotas, so each
//! one can be overridden (`--limit name=value`); the defaults are today's AWS values.

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
        Limits { ou_depth: 5, scps_per_target: 5, scp_size: 5120, ous: 2000, scps: 10_000 }
    }
}

impl Limits {
    /// Characters a document of `policy_type` may have once minified (the SCP figure can be
    /// overridden; the others are AWS's).
    pub fn policy_size(&self, policy_type: crate::model::PolicyType) -> usize {
        match policy_type {
            crate::model::PolicyType::ServiceControl => self.scp_size,
            other => other.max_size(),
        }
    }

    /// Policies of `policy_type` one root, OU or account may have, the AWS-managed default included.
    pub fn policies_per_target(&self, policy_type: crate::model::PolicyType) -> usize {
        match policy_type {
            crate::model::PolicyType::ServiceControl => self.scps_per_target,
            other => other.max_per_target(),
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
