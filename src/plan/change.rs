//! What a plan is made of: changes, each one provider operation, with the changes it waits for.

pub use super::delegation::DelegationOperation;
pub use super::deployment::{DeploymentOperation, ImportSource, RemovalCall, StackImport, WorkloadCall};
pub use super::identity::IdentityOperation;
pub use super::organization::OrganizationOperation;
pub use super::settings::SettingOperation;
use serde::{Deserialize, Serialize};

/// A resource that exists (its AWS id) or that an earlier change of the plan creates (its
/// logical id, filled in at apply time).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handle {
    Existing(String),
    New(crate::model::LogicalId),
}

impl Handle {
    /// The resource `logical_id` names: its AWS id in `ids` when it exists, else the one this
    /// plan creates.
    pub fn of(ids: &std::collections::HashMap<String, String>, logical_id: &str) -> Handle {
        ids.get(logical_id).map_or_else(|| Handle::New(logical_id.into()), |id| Handle::Existing(id.clone()))
    }

    pub fn existing_id(&self) -> Option<&str> {
        match self {
            Handle::Existing(id) => Some(id),
            Handle::New(_) => None,
        }
    }
}

/// How a change counts in the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Add,
    Change,
    Move,
    Remove,
}

impl Action {
    pub fn symbol(self) -> char {
        match self {
            Action::Add => '+',
            Action::Change => '~',
            Action::Move => '>',
            Action::Remove => '-',
        }
    }
}

/// One call to the provider, by the area of AWS it acts in. Each area's operations are
/// described, addressed and checked in its own module and carried out in `apply`'s module of
/// the same name. Serialized flat: each operation is one object with its own `type`
/// (`create_ou`, `enable_service_access`, `create_permission_set`, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Operation {
    /// Policy types, OUs, accounts, tags, policies, attachments ([`super::organization`]).
    Organization(OrganizationOperation),
    /// What is set inside an account ([`super::settings`]).
    Setting(SettingOperation),
    /// Trusted access and delegated administrators ([`super::delegation`]).
    Delegation(DelegationOperation),
    /// IAM Identity Center: a permission set or an assignment ([`super::identity`]).
    IdentityCenter(IdentityOperation),
    /// Stacks and workload runs ([`super::deployment`]).
    Deployment(DeploymentOperation),
}

/// Read by its `type`: the area that knows the type reads the rest, and says what is wrong with
/// it (`create_ou: missing field `parent``), which an untagged enum would not.
impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        fn area<'v, T: Deserialize<'v> + Into<Operation>>(
            value: &'v serde_json::Value,
        ) -> Option<Result<Operation, serde_json::Error>> {
            match T::deserialize(value) {
                Ok(op) => Some(Ok(op.into())),
                Err(e) if e.to_string().starts_with("unknown variant") => None,
                Err(e) => Some(Err(e)),
            }
        }
        let value = serde_json::Value::deserialize(deserializer)?;
        let Some(kind) = value.get("type").and_then(|t| t.as_str()).map(str::to_string) else {
            return Err(D::Error::custom("an operation without a `type`"));
        };
        area::<OrganizationOperation>(&value)
            .or_else(|| area::<SettingOperation>(&value))
            .or_else(|| area::<DelegationOperation>(&value))
            .or_else(|| area::<IdentityOperation>(&value))
            .or_else(|| area::<DeploymentOperation>(&value))
            .unwrap_or_else(|| Err(serde_json::Error::custom(format!("no operation has the type `{kind}`"))))
            .map_err(|e| D::Error::custom(format!("{kind}: {e}")))
    }
}

macro_rules! area {
    ($($area:ident($inner:ty)),* $(,)?) => {$(
        impl From<$inner> for Operation {
            fn from(op: $inner) -> Operation {
                Operation::$area(op)
            }
        }
    )*};
}
area!(
    Organization(OrganizationOperation),
    Setting(SettingOperation),
    Delegation(DelegationOperation),
    IdentityCenter(IdentityOperation),
    Deployment(DeploymentOperation),
);

#[cfg(test)]
mod operation_json {
    use super::*;

    #[test]
    fn every_operation_is_one_flat_object_with_its_type() {
        let ops = [
            Operation::Organization(OrganizationOperation::DeleteOu { ou_id: "ou-1".into() }),
            Operation::Delegation(DelegationOperation::EnableServiceAccess { service: "sso.amazonaws.com".into() }),
            Operation::Setting(SettingOperation::SetAlias {
                account: Handle::Existing("111111111111".into()),
                alias: Some("prod".into()),
            }),
            Operation::Deployment(DeploymentOperation::DeleteStack {
                account_id: "111111111111".into(),
                region: "eu-west-1".into(),
                name: "baseline".into(),
            }),
            Operation::IdentityCenter(IdentityOperation::DeletePermissionSet {
                instance_arn: "arn:aws:sso:::instance/ssoins-1".into(),
                arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".into(),
                name: "ReadOnly".into(),
            }),
        ];
        let types: Vec<serde_json::Value> =
            ops.iter().map(|op| serde_json::to_value(op).map(|v| v["type"].clone()).unwrap_or_default()).collect();
        assert_eq!(types, ["delete_ou", "enable_service_access", "set_alias", "delete_stack", "delete_permission_set"]);
        for op in ops {
            let text = serde_json::to_string(&op).unwrap_or_default();
            let back: Operation = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back, op);
        }
        let error = |json: &str| serde_json::from_str::<Operation>(json).err().map(|e| e.to_string());
        assert_eq!(
            error(r#"{"type":"format_disk"}"#).as_deref(),
            Some("format_disk: no operation has the type `format_disk`")
        );
        assert_eq!(
            error(r#"{"type":"create_ou","logical_id":"Prod","name":"Prod","tags":{}}"#).as_deref(),
            Some("create_ou: missing field `parent`")
        );
        assert_eq!(error(r#"{"ou_id":"ou-1"}"#).as_deref(), Some("an operation without a `type`"));
    }
}

/// One property's old and new value, for the plan output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyDiff {
    pub property: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl PropertyDiff {
    pub fn new(property: impl Into<String>, old: Option<String>, new: Option<String>) -> Self {
        PropertyDiff { property: property.into(), old, new }
    }
}

/// A value in quotes, as the plan shows names.
pub(super) fn quoted(s: &str) -> Option<String> {
    Some(format!("\"{s}\""))
}

/// A policy document pretty-printed, so that the plan can show it as a line diff.
pub(super) fn pretty(content: &str) -> String {
    serde_json::from_str::<serde_json::Value>(content)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| content.to_string())
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub id: usize,
    pub action: Action,
    /// What the change is about, for people: `organizational unit Prod (ProdOU)`.
    pub subject: String,
    /// What it does, in a few words: `create`, `attach DenyLeave`, `move`.
    pub summary: String,
    pub operation: Operation,
    pub diff: Vec<PropertyDiff>,
    /// Ids of the changes that must finish first.
    pub depends_on: Vec<usize>,
    /// Changes that must finish first, successfully or not (ordering only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<usize>,
    /// The task a stack change belongs to: its concurrency limit and failure tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Group>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    /// At most this many changes of the group at once (MaxConcurrentStacks).
    pub limit: usize,
    /// This many changes of the group may fail without failing the apply (FailedStackTolerance).
    #[serde(default)]
    pub tolerance: usize,
}

/// Something the user should know that is not a change (an account left unmanaged, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub message: String,
}

pub const PLAN_FORMAT: &str = "orgctl-plan/1";

/// The contract between `plan` and `apply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format: String,
    pub orgctl_version: String,
    /// The provider the plan was made against.
    pub provider: String,
    /// Fingerprint of the live organization the plan was computed from; `apply` refuses a saved
    /// plan when the organization no longer has it.
    pub state_fingerprint: String,
    pub changes: Vec<Change>,
    pub notes: Vec<Note>,
    /// The roles that reach member accounts, so that a saved plan is applied the same way.
    #[serde(default)]
    pub access_roles: crate::org_file::desired::AccessRoles,
    /// The (account, region) pairs whose stacks the plan read, and their fingerprint: a saved
    /// plan is refused when those stacks changed too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stack_places: Vec<(crate::model::AccountId, crate::model::Region)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacks_fingerprint: Option<String>,
    /// Fingerprint of the Identity Center instance the plan read (permission sets, assignments,
    /// the identity store's names): a saved plan is refused when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_fingerprint: Option<String>,
    /// Where the plan read Identity Center's assignments: a saved plan is checked against the
    /// same read.
    #[serde(default)]
    pub identity_scope: crate::model::IdentityScope,
    /// What the plan's SCP changes do to the accounts (the plan's Policy effect section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_effect: Option<crate::policy::effect::PolicyEffect>,
    /// Stacks that are already as the task file wants them.
    #[serde(default)]
    pub unchanged_stacks: usize,
    /// Set in a saved plan: see [`super::saved::digest`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The AWS id of every resource of the organization file that exists (accounts, OUs,
    /// policies, the root), by logical id: what a task file's `!Ref` of one reads while the
    /// stacks are planned. Not saved: the operations carry what apply needs.
    #[serde(skip)]
    pub existing_ids: std::collections::HashMap<String, String>,
    /// Every template rendered for a target, changed or not (`plan --show-templates`, as
    /// org-formation's `print-stacks`). Not saved: the operations carry what apply sends.
    #[serde(skip)]
    pub rendered: Vec<RenderedTemplate>,
}

/// The template one stack of a task gets in one target.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedTemplate {
    pub task: String,
    pub stack: String,
    /// The account's logical id.
    pub account: String,
    pub region: String,
    /// CloudFormation's JSON; values known only after apply shown as such.
    pub template: String,
}

/// A stable hash of stacks (in any order).
pub fn stacks_fingerprint(stacks: &[crate::model::StackState]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&crate::model::StackState> = stacks.iter().collect();
    sorted.sort_by(|a, b| (&a.account_id, &a.region, &a.name).cmp(&(&b.account_id, &b.region, &b.name)));
    let bytes = serde_json::to_vec(&sorted).unwrap_or_default();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint of an Identity Center instance as read.
pub fn identity_fingerprint(identity: &crate::model::IdentityCenterState) -> String {
    use sha2::{Digest, Sha256};
    let bytes = serde_json::to_vec(identity).unwrap_or_default();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Resources per action, for the summary line, and the operations they take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    #[serde(rename = "move")]
    pub moves: usize,
    pub remove: usize,
    pub operations: usize,
}

/// The changes of one resource (an account, an OU, a policy, the root, a stack in one place, a
/// workload in one place), as the plan shows them: one block.
pub struct ResourceChanges<'a> {
    pub action: Action,
    pub changes: Vec<&'a Change>,
}

impl Plan {
    /// Adds a change (no dependencies yet) and returns its id.
    pub fn push_change(
        &mut self,
        action: Action,
        subject: String,
        summary: String,
        operation: impl Into<Operation>,
        diff: Vec<PropertyDiff>,
        group: Option<Group>,
    ) -> usize {
        let id = self.changes.len();
        let operation = operation.into();
        self.changes.push(Change {
            id,
            action,
            subject,
            summary,
            operation,
            diff,
            depends_on: Vec::new(),
            after: Vec::new(),
            group,
        });
        id
    }

    /// Targets in accounts that neither exist nor are created by this plan (an account of the
    /// file while the update-organization task is skipped) are left out, as org-formation binds
    /// only the accounts it knows; the plan says which.
    pub fn note_absent_accounts<'a>(&mut self, task: &str, accounts: impl Iterator<Item = &'a str>) {
        let accounts: std::collections::BTreeSet<&str> = accounts.collect();
        if accounts.is_empty() {
            return;
        }
        let list: Vec<&str> = accounts.into_iter().collect();
        self.notes.push(Note {
            message: format!(
                "task {task}: {} not in the organization and not created by this plan (is update-organization skipped?): its targets there are left out",
                list.join(", ")
            ),
        });
    }

    /// The change that creates each new account, by logical id.
    pub fn account_creations(&self) -> std::collections::HashMap<crate::model::LogicalId, usize> {
        self.changes
            .iter()
            .filter_map(|c| match &c.operation {
                Operation::Organization(OrganizationOperation::CreateAccount { logical_id, .. }) => {
                    Some((logical_id.clone(), c.id))
                }
                _ => None,
            })
            .collect()
    }

    /// The logical ids of the accounts, OUs and policies this plan creates.
    pub fn created_logical_ids(&self) -> std::collections::HashSet<&str> {
        self.changes
            .iter()
            .filter_map(|c| match &c.operation {
                Operation::Organization(op) => op.created(),
                Operation::IdentityCenter(IdentityOperation::CreatePermissionSet { logical_id, .. }) => {
                    Some(logical_id.as_str())
                }
                _ => None,
            })
            .collect()
    }

    /// Resources counted once each, by what happens to them (created beats removed beats moved
    /// beats changed), with the number of operations.
    pub fn summary(&self) -> Summary {
        let mut s = Summary { operations: self.changes.len(), ..Summary::default() };
        for resource in self.by_resource() {
            match resource.action {
                Action::Add => s.add += 1,
                Action::Change => s.change += 1,
                Action::Move => s.moves += 1,
                Action::Remove => s.remove += 1,
            }
        }
        s
    }

    /// The changes grouped by the resource they act on, in the order each resource is first
    /// changed.
    pub fn by_resource(&self) -> Vec<ResourceChanges<'_>> {
        let mut order: Vec<ResourceChanges<'_>> = Vec::new();
        let mut index: std::collections::HashMap<Address, usize> = std::collections::HashMap::new();
        for change in &self.changes {
            let key = change.operation.address();
            match index.get(&key) {
                Some(&i) => order[i].changes.push(change),
                None => {
                    index.insert(key, order.len());
                    order.push(ResourceChanges { action: change.action, changes: vec![change] });
                }
            }
        }
        for resource in &mut order {
            let has = |a: Action| resource.changes.iter().any(|c| c.action == a);
            resource.action =
                [Action::Add, Action::Remove, Action::Move].into_iter().find(|a| has(*a)).unwrap_or(Action::Change);
        }
        order
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl Operation {
    /// The resource the operation acts on: a created resource by its logical id (so that its
    /// later operations, which name it the same way, join it), an existing one by its AWS id, a
    /// stack or workload by its place.
    pub fn address(&self) -> Address {
        match self {
            Operation::Organization(op) => op.address(),
            Operation::Setting(op) => Address::Resource(op.account().clone()),
            Operation::Delegation(op) => op.address(),
            Operation::IdentityCenter(op) => op.address(),
            Operation::Deployment(op) => op.address(),
        }
    }
}

/// Where a stack or a workload is: its account, region and name (the stack's, or the task's).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub account: Handle,
    pub region: String,
    pub name: String,
}

/// What a change acts on: the plan groups changes by it, and `--target` selects by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    /// An OU, account, policy or root: the one the plan creates, or an existing one.
    Resource(Handle),
    /// The organization's trusted service access, one setting for all services.
    TrustedAccess,
    Stack(Place),
    Workload(Place),
    /// An Identity Center assignment: permission set, principal id, account.
    Assignment(Handle, String, Handle),
}
