//! What IAM's organization access report says an account used: the last time each service was
//! reached from it, and where. The plan's policy effect marks a newly denied service that was.

use serde::{Deserialize, Serialize};

/// One service an account's principals used in IAM's reporting period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLastUsed {
    /// The service namespace (`ec2`), as in an action.
    pub service: String,
    /// Where it was last used, when the report says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// When it was last used, as an ISO 8601 date (`2026-11-28`) or instant.
    pub last_used: String,
}

/// Where an access report is read: the Organizations entity path of an account
/// (`o-a1b2c3d4e5/r-f6g7/ou-f6g7-11111111/111111111111`), root and OUs down to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityPath(String);

impl EntityPath {
    /// The path of `account_id` in `state`, through the OUs above its parent.
    pub fn of_account(state: &super::OrgState, account_id: &str) -> Option<EntityPath> {
        let account = state.accounts.get(account_id)?;
        let ous = state.ous_above(&account.parent_id).into_iter().rev().map(|ou| ou.id.as_str());
        let ids: Vec<&str> = [state.organization_id.as_str(), state.root.id.as_str()]
            .into_iter()
            .chain(ous)
            .chain([account_id])
            .collect();
        Some(EntityPath(ids.join("/")))
    }

    /// The account the path ends at.
    pub fn account_id(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
