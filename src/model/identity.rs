//! IAM Identity Center as orgctl manages it: permission sets (what a person may do) and account
//! assignments (who may sign in to which account with which permission set).

use super::Tags;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Tag orgctl puts on the permission sets it creates or adopts: only those are changed, their
/// assignments managed, and removed when they leave the file.
pub const PERMISSION_SET_OWNER_TAG: &str = "orgctl:permission-set";

/// A customer managed policy a permission set references: a policy of that name and path must
/// exist in every account the permission set is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CustomerPolicyRef {
    pub name: String,
    /// `/` unless the file says otherwise.
    pub path: String,
}

impl std::fmt::Display for CustomerPolicyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.path, self.name)
    }
}

/// The permissions boundary of the roles a permission set creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionsBoundary {
    /// An AWS managed policy, by ARN.
    Managed(String),
    /// A customer managed policy, by name and path.
    Customer(CustomerPolicyRef),
}

impl std::fmt::Display for PermissionsBoundary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PermissionsBoundary::Managed(arn) => f.write_str(arn),
            PermissionsBoundary::Customer(policy) => write!(f, "customer managed {policy}"),
        }
    }
}

/// A permission set's settings, as the file declares them and as Identity Center holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionSet {
    pub name: String,
    pub description: Option<String>,
    /// ISO 8601 (`PT8H`); `None` is AWS's default, one hour.
    pub session_duration: Option<String>,
    pub relay_state: Option<String>,
    /// AWS managed policies, by ARN.
    pub managed_policies: BTreeSet<String>,
    pub customer_managed_policies: BTreeSet<CustomerPolicyRef>,
    /// The inline policy, minified JSON.
    pub inline_policy: Option<String>,
    pub permissions_boundary: Option<PermissionsBoundary>,
    /// The user's tags (orgctl's own are kept apart).
    pub tags: Tags,
}

impl PermissionSet {
    /// The session duration in minutes (AWS's default of one hour when unset); `None` when it
    /// is not an ISO 8601 duration of hours, minutes and seconds.
    pub fn session_minutes(&self) -> Option<u32> {
        self.session_duration.as_deref().map_or(Some(60), session_minutes)
    }

    /// Whether the permission set's policies (what ProvisionPermissionSet pushes to the
    /// accounts) differ from `other`'s: the accounts it is assigned to must be provisioned again.
    pub fn policies_differ(&self, other: &PermissionSet) -> bool {
        self.managed_policies != other.managed_policies
            || self.customer_managed_policies != other.customer_managed_policies
            || self.inline_policy != other.inline_policy
            || self.permissions_boundary != other.permissions_boundary
            || self.session_duration != other.session_duration
            || self.relay_state != other.relay_state
    }
}

/// Whether `name` is a permission set name Identity Center takes: 1 to 32 of `[\w+=,.@-]`
/// (checked by the org file's validation and by the sandbox alike).
pub fn valid_permission_set_name(name: &str) -> bool {
    (1..=super::quotas::identity_center::NAME_LENGTH).contains(&name.chars().count())
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || "+=,.@-".contains(c))
}

/// Minutes of an ISO 8601 duration such as `PT8H`, `PT1H30M` or `PT3600S`, the forms Identity
/// Center takes; `None` for anything else.
pub fn session_minutes(text: &str) -> Option<u32> {
    let rest = text.strip_prefix("PT")?;
    if rest.is_empty() {
        return None;
    }
    let mut seconds: u64 = 0;
    let mut number = String::new();
    let mut last_unit = 0;
    for c in rest.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let (unit, scale) = match c {
            'H' => (1, 3600),
            'M' => (2, 60),
            'S' => (3, 1),
            _ => return None,
        };
        if number.is_empty() || unit <= last_unit {
            return None;
        }
        seconds = seconds.checked_add(number.parse::<u64>().ok()?.checked_mul(scale)?)?;
        number.clear();
        last_unit = unit;
    }
    if !number.is_empty() {
        return None;
    }
    u32::try_from(seconds / 60).ok()
}

/// A group or a user of the identity store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PrincipalType {
    Group,
    User,
}

impl PrincipalType {
    /// As the API names it.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Group => "GROUP",
            PrincipalType::User => "USER",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            PrincipalType::Group => "group",
            PrincipalType::User => "user",
        }
    }
}

/// Who an assignment gives access to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Principal {
    pub kind: PrincipalType,
    /// The identity store's id.
    pub id: String,
    /// The group's display name or the user's user name, for people.
    pub name: String,
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.noun(), self.name)
    }
}

/// A permission set in Identity Center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionSetState {
    pub arn: String,
    pub settings: PermissionSet,
    /// Tagged as orgctl's (its value: the logical id).
    pub owner: Option<String>,
}

/// One account assignment: `principal` may sign in to `account_id` with the permission set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AssignmentState {
    pub permission_set_arn: String,
    pub principal_type: PrincipalType,
    pub principal_id: String,
    pub account_id: String,
}

/// Where a read looks for assignments. AWS lists assignments per (permission set, account), so
/// a read of every account costs a call per set and account; a plan needs only the accounts each
/// set is provisioned to (every account where it has an assignment) and those the file assigns
/// it to (an emulator does not list provisioned accounts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityScope {
    /// Every account of the organization (the audit and import: the whole picture).
    #[default]
    Everywhere,
    /// The accounts each set is provisioned to, and these (permission set name, account id).
    Provisioned(Vec<(String, String)>),
}

/// The organization's Identity Center instance, as read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityCenterState {
    pub instance_arn: String,
    pub identity_store_id: String,
    pub permission_sets: Vec<PermissionSetState>,
    /// The assignments of every permission set, in every account.
    pub assignments: Vec<AssignmentState>,
    /// The identity store's groups and users: name → id.
    pub groups: std::collections::BTreeMap<String, String>,
    pub users: std::collections::BTreeMap<String, String>,
    /// Whether the endpoint told which permission sets are orgctl's (moto has no
    /// ListTagsForResource for them): when not, none is removed.
    pub ownership_known: bool,
}

/// The identity store's names by principal id, built once for a report or a plan that names
/// every assignment's principal (a store can hold thousands of users).
pub struct PrincipalNames<'a>(std::collections::HashMap<(PrincipalType, &'a str), &'a str>);

impl PrincipalNames<'_> {
    /// The name of a principal, by type and id (its id when the store does not list it).
    pub fn of(&self, kind: PrincipalType, id: &str) -> String {
        self.0.get(&(kind, id)).map_or_else(|| id.to_string(), |name| name.to_string())
    }
}

impl IdentityCenterState {
    pub fn principal_names(&self) -> PrincipalNames<'_> {
        let groups = self.groups.iter().map(|(name, id)| ((PrincipalType::Group, id.as_str()), name.as_str()));
        let users = self.users.iter().map(|(name, id)| ((PrincipalType::User, id.as_str()), name.as_str()));
        PrincipalNames(groups.chain(users).collect())
    }

    pub fn permission_set(&self, arn: &str) -> Option<&PermissionSetState> {
        self.permission_sets.iter().find(|p| p.arn == arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_durations_are_read_as_identity_center_writes_them() {
        assert_eq!(session_minutes("PT1H"), Some(60));
        assert_eq!(session_minutes("PT12H"), Some(720));
        assert_eq!(session_minutes("PT1H30M"), Some(90));
        assert_eq!(session_minutes("PT3600S"), Some(60));
        assert_eq!(session_minutes("PT"), None);
        assert_eq!(session_minutes("P1D"), None);
        assert_eq!(session_minutes("PT30M1H"), None);
        assert_eq!(session_minutes("8 hours"), None);
        assert_eq!(session_minutes("PT99999999999999999999H"), None);
    }
}
