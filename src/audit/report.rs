//! The audit report: what the organization is, how it differs from the file, and what falls
//! short of good practice. Its JSON form (schema `orgctl-audit/1`) is a stable interface.

use crate::model::{PasswordPolicy, Tags};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == text)
    }
}

/// One shortfall, on one resource.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable check id, such as `ORGCTL-PWD-002`.
    pub check: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// The resource: `account 123456789012 (Production)`, `policy p-... (DenyRegions)`, ...
    pub resource: String,
    /// The resource's AWS id (account id, `p-…`, `ou-…`, `r-…`, `o-…`).
    pub resource_id: String,
    pub message: String,
    pub fix: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountEntry {
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub parent_path: String,
    pub alias: Option<String>,
    pub tags: Tags,
    pub password_policy: Option<PasswordPolicy>,
    /// SCP names that apply: attached directly, to an ancestor OU, or to the root. Empty for
    /// the management account, to which SCPs never apply (see [`AccountEntry::scps_summary`]).
    pub effective_scps: Vec<String>,
    pub is_management: bool,
}

impl AccountEntry {
    /// `min 14 · reuse 24 · age 90`, or `none`.
    pub fn password_summary(&self) -> String {
        self.password_policy.as_ref().map_or_else(
            || "none".to_string(),
            |p| {
                format!(
                    "min {} · reuse {} · age {}",
                    p.minimum_password_length,
                    p.password_reuse_prevention.map_or("-".into(), |n| n.to_string()),
                    p.max_password_age.map_or("never".into(), |n| n.to_string())
                )
            },
        )
    }

    /// The effective SCPs as people read them; the management account says SCPs do not apply.
    pub fn scps_summary(&self) -> String {
        if self.is_management {
            "none: SCPs do not apply to the management account".to_string()
        } else {
            self.effective_scps.join(", ")
        }
    }

    /// The user's tags as `key=value, ...` (orgctl's own left out).
    pub fn tags_summary(&self) -> String {
        crate::model::user_tags(&self.tags).iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OuEntry {
    pub id: String,
    pub name: String,
    pub path: String,
    pub depth: usize,
    pub parent_id: String,
    /// Names of the SCPs attached to this OU itself.
    pub scps: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyEntry {
    pub id: String,
    pub name: String,
    /// "service control policy", "tag policy", ...
    pub policy_type: String,
    pub aws_managed: bool,
    pub size: usize,
    /// Paths of the roots, OUs and accounts it is attached to.
    pub attached_to: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StackEntry {
    pub account_id: String,
    pub region: String,
    pub name: String,
    pub status: String,
    pub task: Option<String>,
}

impl Inventory {
    /// `Name (id)` for an account id, or the id alone when the account is not known.
    pub fn account_label(&self, id: &str) -> String {
        self.accounts.iter().find(|a| a.id == id).map_or_else(|| id.to_string(), |a| format!("{} ({id})", a.name))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub root_id: String,
    pub scp_enabled: bool,
    /// Every policy type enabled on the root, as AWS names them.
    pub policy_types_enabled: Vec<String>,
    /// Names of the SCPs attached to the root.
    pub root_scps: Vec<String>,
    pub ous: Vec<OuEntry>,
    pub accounts: Vec<AccountEntry>,
    pub policies: Vec<PolicyEntry>,
    pub stacks: Vec<StackEntry>,
}

/// A difference between the file and the organization, in the plan's terms.
#[derive(Debug, Clone, Serialize)]
pub struct DriftItem {
    /// `+`, `~`, `>`, `-`, or `!` for something the file does not manage.
    pub symbol: String,
    pub subject: String,
    pub summary: String,
    pub details: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub accounts: usize,
    pub ous: usize,
    pub policies: usize,
    pub stacks: usize,
    pub findings: std::collections::BTreeMap<&'static str, usize>,
    pub drift: usize,
}

/// What the SCPs on the path to an OU (or the root) let an account there do.
#[derive(Debug, Clone, Serialize)]
pub struct OuAccess {
    /// `Root`, `Root/Workloads/Prod`.
    pub path: String,
    pub access: Vec<crate::policy::effect::AccessRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub orgctl_version: &'static str,
    pub organization_id: String,
    pub management_account_id: String,
    pub provider: String,
    /// The org or task file compared with, if any.
    pub file: Option<String>,
    pub summary: Summary,
    pub inventory: Inventory,
    /// Trusted access, delegated administrators, centralized root access.
    pub governance: crate::model::Governance,
    /// `None` when no file was given.
    pub drift: Option<Vec<DriftItem>>,
    pub findings: Vec<Finding>,
    /// What the SCPs let an account directly under the root and under each OU do, by region.
    pub effective_access: Vec<OuAccess>,
    /// Who can sign in where through IAM Identity Center; `None` without an instance.
    pub identity_center: Option<super::identity::IdentityReport>,
    /// Where each resource the file manages is declared (AWS id → file and line), for SARIF.
    #[serde(skip)]
    pub locations: std::collections::BTreeMap<String, (String, usize)>,
}

impl Report {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}
