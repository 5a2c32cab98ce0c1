//! What a plan is made of: changes, each one provider operation, with the changes it waits for.

use crate::model::{PasswordPolicy, StackSpec, Tags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A resource that exists (its AWS id) or that an earlier change of the plan creates (its
/// logical id, filled in at apply time).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handle {
    Existing(String),
    New(String),
}

impl Handle {
    /// The resource `logical_id` names: its AWS id in `ids` when it exists, else the one this
    /// plan creates.
    pub fn of(ids: &std::collections::HashMap<String, String>, logical_id: &str) -> Handle {
        ids.get(logical_id).map_or_else(|| Handle::New(logical_id.to_string()), |id| Handle::Existing(id.clone()))
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

/// A stack parameter whose value is read when the stack is deployed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackImport {
    pub parameter: String,
    pub account: Handle,
    pub region: String,
    pub source: ImportSource,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportSource {
    /// Another stack's output (a cross-account reference in a template). (`!CopyValue`'s
    /// exports are [`crate::expr::Unknown::Export`] pieces of the parameter's value.)
    Output { stack: String, output: String },
}

/// One call to the provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Operation {
    EnablePolicyType {
        root_id: String,
        policy_type: crate::model::PolicyType,
    },
    CreateOu {
        logical_id: String,
        parent: Handle,
        name: String,
        tags: Tags,
    },
    RenameOu {
        ou_id: String,
        name: String,
    },
    DeleteOu {
        ou_id: String,
    },
    CreateAccount {
        logical_id: String,
        name: String,
        email: String,
        tags: Tags,
    },
    RenameAccount {
        account: Handle,
        name: String,
    },
    /// `CloseAccountsOnRemoval`: an account orgctl created or adopted, removed from the file.
    CloseAccount {
        account_id: String,
    },
    MoveAccount {
        account: Handle,
        from: Handle,
        to: Handle,
    },
    TagResource {
        resource: Handle,
        tags: Tags,
    },
    UntagResource {
        resource: Handle,
        keys: Vec<String>,
    },
    CreatePolicy {
        logical_id: String,
        #[serde(default)]
        policy_type: crate::model::PolicyType,
        name: String,
        description: String,
        content: String,
        tags: Tags,
    },
    UpdatePolicy {
        policy_id: String,
        name: String,
        description: String,
        content: String,
    },
    DeletePolicy {
        policy_id: String,
    },
    AttachPolicy {
        policy: Handle,
        target: Handle,
    },
    DetachPolicy {
        policy_id: String,
        target_id: String,
    },
    /// `replace_failed`: a ROLLBACK_COMPLETE stack of that name is deleted first.
    CreateStack {
        account: Handle,
        region: String,
        spec: StackSpec<crate::expr::Text>,
        imports: Vec<StackImport>,
        replace_failed: bool,
    },
    UpdateStack {
        account_id: String,
        region: String,
        spec: StackSpec<crate::expr::Text>,
        imports: Vec<StackImport>,
    },
    /// A workload task's commands in one target, then its record stack (with the inputs' hash)
    /// written, so that the next plan skips the target while nothing changed.
    RunWorkload {
        account: Handle,
        region: String,
        task: String,
        directory: std::path::PathBuf,
        commands: Vec<super::command::WorkloadCommand>,
        environment: BTreeMap<String, crate::expr::Text>,
        role: Option<String>,
        record: StackSpec<crate::expr::Text>,
        record_exists: bool,
        /// What the run asks of an AWS API instead of commands (register-type, copy-to-s3).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call: Option<Box<WorkloadCall>>,
    },
    /// A target left a workload task's binding: its remove command, then its record deleted.
    RemoveWorkload {
        account_id: String,
        region: String,
        task: String,
        directory: std::path::PathBuf,
        /// Known but for exports a `!CopyValue` reads when the removal runs.
        commands: Vec<super::command::WorkloadCommand>,
        environment: BTreeMap<String, String>,
        role: Option<String>,
        record_name: String,
        /// What the removal asks of an AWS API (deregister the type, delete the object).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call: Option<RemovalCall>,
    },
    DeleteStack {
        account_id: String,
        region: String,
        name: String,
    },
    // The areas whose operations are described, checked and carried out side by side in their
    // own modules. Untagged, so that the JSON stays flat: each inner operation carries its own
    // `type` (`enable_service_access`, `create_permission_set`, ...), as every other does.
    /// What is set inside an account ([`super::settings`], `apply::settings`).
    #[serde(untagged)]
    Setting(SettingOperation),
    /// Trusted access and delegated administrators ([`super::delegation`], `apply::delegation`).
    #[serde(untagged)]
    Delegation(DelegationOperation),
    /// IAM Identity Center: a permission set or an assignment ([`super::identity`],
    /// `apply::identity`).
    #[serde(untagged)]
    IdentityCenter(IdentityOperation),
}

#[cfg(test)]
mod operation_json {
    use super::*;

    #[test]
    fn every_operation_is_one_flat_object_with_its_type() {
        let ops = [
            Operation::DeleteOu { ou_id: "ou-1".into() },
            Operation::Delegation(DelegationOperation::EnableServiceAccess { service: "sso.amazonaws.com".into() }),
            Operation::IdentityCenter(IdentityOperation::DeletePermissionSet {
                instance_arn: "arn:aws:sso:::instance/ssoins-1".into(),
                arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".into(),
                name: "ReadOnly".into(),
            }),
        ];
        let types: Vec<serde_json::Value> =
            ops.iter().map(|op| serde_json::to_value(op).map(|v| v["type"].clone()).unwrap_or_default()).collect();
        assert_eq!(types, ["delete_ou", "enable_service_access", "delete_permission_set"]);
        for op in ops {
            let text = serde_json::to_string(&op).unwrap_or_default();
            let back: Operation = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back, op);
        }
        assert!(serde_json::from_str::<Operation>(r#"{"type":"format_disk"}"#).is_err());
    }
}

/// What orgctl sets inside an account: its password policy, alias, alternate contacts, opt-in
/// regions and support plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SettingOperation {
    SetPasswordPolicy {
        account: Handle,
        policy: PasswordPolicy,
    },
    SetAlias {
        account: Handle,
        alias: Option<String>,
    },
    /// PutAlternateContact (`AlternateContacts`): `contact_type` is BILLING, OPERATIONS or SECURITY.
    PutAlternateContact {
        account: Handle,
        contact_type: String,
        contact: crate::model::AlternateContact,
    },
    /// EnableRegion / DisableRegion (`OptInRegions`); AWS finishes it in the background.
    SetRegionOptIn {
        account: Handle,
        region: String,
        enabled: bool,
    },
    /// `SupportLevel`: a support case from the management account asking AWS Support to put the
    /// account on `level`, then a tag on the account recording the request (asked once).
    RequestSupportLevel {
        account: Handle,
        level: crate::model::SupportLevel,
        /// The account's root email, copied on the case.
        cc: String,
    },
}

/// What orgctl does about the services the organization trusts and delegates to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DelegationOperation {
    /// EnableAWSServiceAccess (`TrustedServiceAccess`).
    EnableServiceAccess { service: String },
    /// DisableAWSServiceAccess: only a service orgctl enabled (recorded on the root).
    DisableServiceAccess { service: String },
    /// RegisterDelegatedAdministrator (`DelegatedAdministratorFor`).
    RegisterDelegatedAdministrator { account: Handle, service: String },
    /// DeregisterDelegatedAdministrator: only what orgctl registered (recorded on the account).
    DeregisterDelegatedAdministrator { account_id: String, service: String },
}

/// What orgctl does in IAM Identity Center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IdentityOperation {
    /// CreatePermissionSet with its policies, tagged as orgctl's.
    CreatePermissionSet { logical_id: String, instance_arn: String, settings: crate::model::PermissionSet },
    /// The permission set's settings and policies made the file's (and the set tagged as
    /// orgctl's); `provision`: then ProvisionPermissionSet to the accounts it is assigned to.
    UpdatePermissionSet {
        logical_id: String,
        instance_arn: String,
        arn: String,
        old: Box<crate::model::PermissionSet>,
        new: Box<crate::model::PermissionSet>,
        provision: bool,
    },
    /// DeletePermissionSet: only one orgctl owns (tagged), once its assignments are gone.
    DeletePermissionSet { instance_arn: String, arn: String, name: String },
    CreateAccountAssignment {
        instance_arn: String,
        permission_set: Handle,
        /// The permission set's name, for people.
        permission_set_name: String,
        principal: crate::model::Principal,
        account: Handle,
    },
    DeleteAccountAssignment {
        instance_arn: String,
        permission_set_name: String,
        principal: crate::model::Principal,
        assignment: crate::model::AssignmentState,
    },
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
    pub stack_places: Vec<(String, String)>,
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
        operation: Operation,
        diff: Vec<PropertyDiff>,
        group: Option<Group>,
    ) -> usize {
        let id = self.changes.len();
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
    pub fn account_creations(&self) -> std::collections::HashMap<String, usize> {
        self.changes
            .iter()
            .filter_map(|c| match &c.operation {
                Operation::CreateAccount { logical_id, .. } => Some((logical_id.clone(), c.id)),
                _ => None,
            })
            .collect()
    }

    /// The logical ids of the accounts, OUs and policies this plan creates.
    pub fn created_logical_ids(&self) -> std::collections::HashSet<&str> {
        self.changes
            .iter()
            .filter_map(|c| match &c.operation {
                Operation::CreateAccount { logical_id, .. }
                | Operation::CreateOu { logical_id, .. }
                | Operation::CreatePolicy { logical_id, .. }
                | Operation::IdentityCenter(IdentityOperation::CreatePermissionSet { logical_id, .. }) => {
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
    /// stack or workload by its place. SCP attachments belong to their target.
    pub fn address(&self) -> Address {
        let handle = |h: &Handle| h.clone();
        let existing = |id: &str| Handle::Existing(id.to_string());
        let place = |account: Handle, region: &str, name: &str| Place {
            account,
            region: region.to_string(),
            name: name.to_string(),
        };
        match self {
            Operation::EnablePolicyType { root_id, .. } => Address::Resource(existing(root_id)),
            Operation::CreateOu { logical_id, .. }
            | Operation::CreateAccount { logical_id, .. }
            | Operation::CreatePolicy { logical_id, .. } => Address::Resource(Handle::New(logical_id.clone())),
            Operation::RenameOu { ou_id, .. } | Operation::DeleteOu { ou_id } => Address::Resource(existing(ou_id)),
            Operation::RenameAccount { account, .. } | Operation::MoveAccount { account, .. } => {
                Address::Resource(handle(account))
            }
            Operation::Setting(op) => Address::Resource(op.account().clone()),
            Operation::CloseAccount { account_id } => Address::Resource(existing(account_id)),
            Operation::Delegation(op) => op.address(),
            Operation::TagResource { resource, .. } | Operation::UntagResource { resource, .. } => {
                Address::Resource(handle(resource))
            }
            Operation::UpdatePolicy { policy_id, .. } | Operation::DeletePolicy { policy_id } => {
                Address::Resource(existing(policy_id))
            }
            Operation::AttachPolicy { target, .. } => Address::Resource(handle(target)),
            Operation::DetachPolicy { target_id, .. } => Address::Resource(existing(target_id)),
            Operation::CreateStack { account, region, spec, .. } => {
                Address::Stack(place(handle(account), region, &spec.name))
            }
            Operation::UpdateStack { account_id, region, spec, .. } => {
                Address::Stack(place(existing(account_id), region, &spec.name))
            }
            Operation::DeleteStack { account_id, region, name } => {
                Address::Stack(place(existing(account_id), region, name))
            }
            Operation::RunWorkload { account, region, task, .. } => {
                Address::Workload(place(handle(account), region, task))
            }
            Operation::RemoveWorkload { account_id, region, task, .. } => {
                Address::Workload(place(existing(account_id), region, task))
            }
            Operation::IdentityCenter(op) => op.address(),
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

/// The AWS call a workload run makes instead of commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call")]
pub enum WorkloadCall {
    /// `register-type`: RegisterType from the handler package, made the default version.
    RegisterType { type_name: String, package: String },
    /// `copy-to-s3`: PutObject of the file (packed as `packing` says) at `remote`
    /// (`s3://bucket/key`); `md5` is the content the plan showed, checked again at apply.
    PutObject {
        remote: crate::expr::Text,
        file: std::path::PathBuf,
        packing: crate::tasks::upload::Packing,
        md5: String,
        size: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        server_side_encryption: Option<String>,
        /// The object the last run wrote, when RemotePath moved: deleted after the upload.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<String>,
    },
}

/// The AWS call removing what a workload run made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call")]
pub enum RemovalCall {
    DeregisterType {
        type_name: String,
    },
    /// `copy-to-s3`: DeleteObject at `remote` (`s3://bucket/key`).
    DeleteObject {
        remote: String,
    },
}
