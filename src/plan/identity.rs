//! IAM Identity Center in the plan: permission sets compared with the file's, and assignments
//! expanded from the file's targets (accounts, OUs with the OUs below them, the whole
//! organization) to one (principal, permission set, account) each, compared with the live ones.
//!
//! Ownership as for the rest of the organization: orgctl changes the permission sets the file
//! declares (a set of the same name made by hand is adopted, and tagged), manages the
//! assignments of those sets, and removes only sets tagged as its own. Sets made by hand or by
//! Control Tower, and their assignments, are never touched.

use super::change::*;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{AssignmentState, IdentityCenterState, OrgState, PermissionSet, Principal, PrincipalType};
use crate::org_file::desired::DesiredOrg;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// What orgctl does in IAM Identity Center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IdentityOperation {
    /// CreatePermissionSet with its policies, tagged as orgctl's.
    CreatePermissionSet {
        logical_id: crate::model::LogicalId,
        instance_arn: String,
        settings: crate::model::PermissionSet,
    },
    /// The permission set's settings and policies made the file's (and the set tagged as
    /// orgctl's); `provision`: then ProvisionPermissionSet to the accounts it is assigned to.
    UpdatePermissionSet {
        logical_id: crate::model::LogicalId,
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

/// Whether the file declares anything of Identity Center (else nothing of it is read).
pub fn wanted(desired: &DesiredOrg) -> bool {
    !desired.permission_sets.is_empty() || !desired.assignments.is_empty()
}

/// Where the plan reads assignments: the accounts each set is provisioned to, and the existing
/// accounts the file assigns each set to (by set name).
pub fn scope(desired: &DesiredOrg, state: &OrgState) -> crate::model::IdentityScope {
    let ids = super::account_ids(desired, state);
    let mut reads: BTreeSet<(String, String)> = BTreeSet::new();
    for assignment in &desired.assignments {
        let Some(set) = desired.permission_sets.iter().find(|p| p.logical_id == assignment.permission_set) else {
            continue;
        };
        for account in desired.assignment_accounts(assignment) {
            if let Some(id) = ids.get(&account) {
                reads.insert((set.settings.name.clone(), id.clone()));
            }
        }
    }
    crate::model::IdentityScope::Provisioned(reads.into_iter().collect())
}

/// The error when the organization has no Identity Center instance.
pub fn not_enabled() -> Diagnostic {
    Diagnostic::error("identity-center-not-enabled", "the organization has no IAM Identity Center instance")
        .help("enable IAM Identity Center in the management account (console: IAM Identity Center → Enable), in the region orgctl reads it in (AWS_REGION, or ORGCTL_SSO_REGION), then plan again")
}

/// How a permission set's settings show in the plan, property by property.
pub fn settings_diff(old: Option<&PermissionSet>, new: Option<&PermissionSet>) -> Vec<PropertyDiff> {
    let field = |f: &dyn Fn(&PermissionSet) -> Option<String>| (old.and_then(f), new.and_then(f));
    let list = |items: Vec<String>| (!items.is_empty()).then(|| items.join(", "));
    type Row = (&'static str, (Option<String>, Option<String>));
    let rows: Vec<Row> = vec![
        ("Name", field(&|p| quoted(&p.name))),
        ("Description", field(&|p| p.description.as_deref().and_then(quoted))),
        ("SessionDuration", field(&|p| p.session_duration.clone())),
        ("RelayState", field(&|p| p.relay_state.clone())),
        ("ManagedPolicies", field(&|p| list(p.managed_policies.iter().cloned().collect()))),
        (
            "CustomerManagedPolicies",
            field(&|p| list(p.customer_managed_policies.iter().map(|c| c.to_string()).collect())),
        ),
        ("InlinePolicy", field(&|p| p.inline_policy.as_deref().map(pretty))),
        ("PermissionsBoundary", field(&|p| p.permissions_boundary.as_ref().map(|b| b.to_string()))),
        ("Tags", field(&|p| list(p.tags.iter().map(|(k, v)| format!("{k}={v}")).collect()))),
    ];
    rows.into_iter().filter(|(_, (o, n))| o != n).map(|(name, (o, n))| PropertyDiff::new(name, o, n)).collect()
}

/// The subject of a permission set's changes.
fn set_subject(name: &str) -> String {
    format!("permission set {name}")
}

/// The subject of an assignment's changes: who, where.
pub fn assignment_subject(principal: &Principal, account: &str) -> String {
    format!("assignment {principal} → {account}")
}

/// Adds the permission set and assignment changes to `plan`; a principal the identity store
/// does not have is an error located where the file names it.
pub fn plan_identity(
    desired: &DesiredOrg,
    state: &OrgState,
    live: &IdentityCenterState,
    plan: &mut Plan,
) -> Result<(), Diagnostics> {
    plan.identity_fingerprint = Some(identity_fingerprint(live));
    let mut errors = Diagnostics::default();
    let (set_handles, managed_arns) = plan_permission_sets(desired, live, plan);
    let wanted_live = plan_assignments(desired, state, live, &set_handles, plan, &mut errors);
    plan_removals(desired, state, live, &managed_arns, &wanted_live, plan);
    if !live.ownership_known {
        plan.notes.push(Note {
            message: "Identity Center: the endpoint does not list permission sets' tags, so orgctl cannot tell which are its own: none is removed or adopted by tag".into(),
        });
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(())
    }
}

/// Each permission set of the file, by its logical id: its handle, the change that creates or
/// updates it, and its name.
type SetHandles<'a> = HashMap<&'a str, (Handle, Option<usize>, String)>;

/// The file's permission sets created, updated or adopted; returns their handles and the ARNs
/// of the live sets the file manages.
fn plan_permission_sets<'a>(
    desired: &'a DesiredOrg,
    live: &IdentityCenterState,
    plan: &mut Plan,
) -> (SetHandles<'a>, BTreeSet<String>) {
    let instance = &live.instance_arn;
    // Permission sets: matched by name (Identity Center's key, case-insensitive).
    let mut set_handles: HashMap<&str, (Handle, Option<usize>, String)> = HashMap::new();
    let mut managed_arns: BTreeSet<String> = BTreeSet::new();
    for set in &desired.permission_sets {
        let existing = live.permission_sets.iter().find(|p| p.settings.name.eq_ignore_ascii_case(&set.settings.name));
        match existing {
            None => {
                let op = IdentityOperation::CreatePermissionSet {
                    logical_id: set.logical_id.as_str().into(),
                    instance_arn: instance.clone(),
                    settings: set.settings.clone(),
                };
                let diff = settings_diff(None, Some(&set.settings));
                let id = plan.push_change(
                    Action::Add,
                    set_subject(&set.settings.name),
                    "create".into(),
                    Operation::IdentityCenter(op),
                    diff,
                    None,
                );
                set_handles.insert(
                    &set.logical_id,
                    (Handle::New(set.logical_id.as_str().into()), Some(id), set.settings.name.clone()),
                );
            }
            Some(live_set) => {
                managed_arns.insert(live_set.arn.clone());
                let owned = live_set.owner.as_deref() == Some(set.logical_id.as_str());
                let differs = live_set.settings != set.settings;
                let mut change = None;
                if differs || (!owned && live.ownership_known) {
                    let assigned = live.assignments.iter().any(|a| a.permission_set_arn == live_set.arn);
                    let provision = assigned && live_set.settings.policies_differ(&set.settings);
                    let mut diff = settings_diff(Some(&live_set.settings), Some(&set.settings));
                    if !owned && live.ownership_known {
                        diff.push(PropertyDiff::new(
                            format!("Tags.{}", crate::model::PERMISSION_SET_OWNER_TAG),
                            live_set.owner.clone(),
                            Some(set.logical_id.clone()),
                        ));
                    }
                    let summary = match (differs, provision, owned) {
                        (_, true, _) => "update, then provision to the accounts it is assigned to",
                        (true, false, _) => "update",
                        (false, _, false) => "adopt (tag as orgctl's)",
                        (false, _, true) => "update",
                    };
                    let op = IdentityOperation::UpdatePermissionSet {
                        logical_id: set.logical_id.as_str().into(),
                        instance_arn: instance.clone(),
                        arn: live_set.arn.clone(),
                        old: Box::new(live_set.settings.clone()),
                        new: Box::new(set.settings.clone()),
                        provision,
                    };
                    change = Some(plan.push_change(
                        Action::Change,
                        set_subject(&set.settings.name),
                        summary.into(),
                        Operation::IdentityCenter(op),
                        diff,
                        None,
                    ));
                }
                // Task files' `!Ref` and `!GetAtt .Arn` of the set read its ARN.
                plan.existing_ids.insert(set.logical_id.clone(), live_set.arn.clone());
                set_handles.insert(
                    &set.logical_id,
                    (Handle::Existing(live_set.arn.clone()), change, set.settings.name.clone()),
                );
            }
        }
    }

    (set_handles, managed_arns)
}

/// The assignments the file wants that are missing; returns every live assignment the file
/// wants (those present and those it can name now).
fn plan_assignments(
    desired: &DesiredOrg,
    state: &OrgState,
    live: &IdentityCenterState,
    set_handles: &SetHandles,
    plan: &mut Plan,
    errors: &mut Diagnostics,
) -> BTreeSet<AssignmentState> {
    let instance = &live.instance_arn;
    let ids = super::account_ids(desired, state);
    let created_accounts = plan.account_creations();
    // Assignments the file wants, one per (permission set, principal, account). Looked up in
    // sets and maps: an organization of thousands of accounts has tens of thousands of them.
    let existing: std::collections::HashSet<&AssignmentState> = live.assignments.iter().collect();
    let labels: HashMap<&str, String> =
        desired.accounts.iter().map(|a| (a.logical_id.as_str(), desired.account_label(&a.logical_id))).collect();
    let mut wanted_live: BTreeSet<AssignmentState> = BTreeSet::new();
    // Two resources (or one name listed twice) may give the same access: planned once.
    let mut planned: std::collections::HashSet<(Handle, String, Handle)> = Default::default();
    for assignment in &desired.assignments {
        let Some((set_handle, set_change, set_name)) = set_handles.get(assignment.permission_set.as_str()).cloned()
        else {
            continue;
        };
        let accounts = desired.assignment_accounts(assignment);
        for principal in &assignment.principals {
            let names = match principal.kind {
                PrincipalType::Group => &live.groups,
                PrincipalType::User => &live.users,
            };
            let Some(principal_id) = names.get(&principal.name) else {
                errors.push(unknown_principal(principal, names, &assignment.logical_id));
                continue;
            };
            let who = Principal { kind: principal.kind, id: principal_id.clone(), name: principal.name.clone() };
            for account in &accounts {
                let account_handle = Handle::of(&ids, account);
                if let (Handle::Existing(set_arn), Handle::Existing(account_id)) = (&set_handle, &account_handle) {
                    let live_assignment = AssignmentState {
                        permission_set_arn: set_arn.clone(),
                        principal_type: principal.kind,
                        principal_id: principal_id.clone(),
                        account_id: account_id.clone(),
                    };
                    let exists = existing.contains(&live_assignment);
                    wanted_live.insert(live_assignment);
                    if exists {
                        continue;
                    }
                }
                if !planned.insert((set_handle.clone(), principal_id.clone(), account_handle.clone())) {
                    continue;
                }
                let label = labels.get(account.as_str()).cloned().unwrap_or_else(|| account.clone());
                let op = IdentityOperation::CreateAccountAssignment {
                    instance_arn: instance.clone(),
                    permission_set: set_handle.clone(),
                    permission_set_name: set_name.clone(),
                    principal: who.clone(),
                    account: account_handle,
                };
                let diff = vec![PropertyDiff::new("PermissionSet", None, Some(set_name.clone()))];
                let id = plan.push_change(
                    Action::Add,
                    assignment_subject(&who, &label),
                    format!("assign {set_name}"),
                    Operation::IdentityCenter(op),
                    diff,
                    None,
                );
                let deps: Vec<usize> = set_change.into_iter().chain(created_accounts.get(account).copied()).collect();
                if let Some(change) = plan.changes.get_mut(id) {
                    change.depends_on = deps;
                }
            }
        }
    }

    wanted_live
}

/// Live assignments of the sets orgctl manages that the file no longer wants, and the sets
/// orgctl owns that left the file (their assignments first).
fn plan_removals(
    desired: &DesiredOrg,
    state: &OrgState,
    live: &IdentityCenterState,
    managed_arns: &BTreeSet<String>,
    wanted_live: &BTreeSet<AssignmentState>,
    plan: &mut Plan,
) {
    let instance = &live.instance_arn;
    let declared: BTreeSet<&str> = desired.permission_sets.iter().map(|p| p.settings.name.as_str()).collect();
    let leaving: Vec<&crate::model::PermissionSetState> = live
        .permission_sets
        .iter()
        .filter(|p| p.owner.is_some() && !declared.iter().any(|d| d.eq_ignore_ascii_case(&p.settings.name)))
        .collect();
    let removable: BTreeSet<&str> =
        managed_arns.iter().map(String::as_str).chain(leaving.iter().map(|p| p.arn.as_str())).collect();
    let mut removals: HashMap<&str, Vec<usize>> = HashMap::new();
    let names = live.principal_names();
    for a in live.assignments.iter().filter(|a| removable.contains(a.permission_set_arn.as_str())) {
        if wanted_live.contains(a) {
            continue;
        }
        let set_name = live
            .permission_set(&a.permission_set_arn)
            .map_or_else(|| a.permission_set_arn.clone(), |p| p.settings.name.clone());
        let who = Principal {
            kind: a.principal_type,
            id: a.principal_id.clone(),
            name: names.of(a.principal_type, &a.principal_id),
        };
        let label = state.accounts.get(&a.account_id).map_or_else(|| a.account_id.clone(), |acc| acc.name.clone());
        let op = IdentityOperation::DeleteAccountAssignment {
            instance_arn: instance.clone(),
            permission_set_name: set_name.clone(),
            principal: who.clone(),
            assignment: a.clone(),
        };
        let diff = vec![PropertyDiff::new("PermissionSet", Some(set_name.clone()), None)];
        let id = plan.push_change(
            Action::Remove,
            assignment_subject(&who, &label),
            format!("unassign {set_name}"),
            Operation::IdentityCenter(op),
            diff,
            None,
        );
        removals.entry(a.permission_set_arn.as_str()).or_default().push(id);
    }
    for set in leaving {
        let op = IdentityOperation::DeletePermissionSet {
            instance_arn: instance.clone(),
            arn: set.arn.clone(),
            name: set.settings.name.clone(),
        };
        let diff = settings_diff(Some(&set.settings), None);
        let subject = set_subject(&set.settings.name);
        let id = plan.push_change(Action::Remove, subject, "delete".into(), Operation::IdentityCenter(op), diff, None);
        if let Some(change) = plan.changes.get_mut(id) {
            change.depends_on = removals.get(set.arn.as_str()).cloned().unwrap_or_default();
        }
    }
}

/// An assignment names a group or user the identity store does not have: the error at the
/// place the file names it, with the closest names.
fn unknown_principal(
    principal: &crate::org_file::declared::PrincipalName,
    names: &std::collections::BTreeMap<String, String>,
    assignment: &str,
) -> Diagnostic {
    let guess = crate::org_file::load::suggest(&principal.name, names.keys().map(String::as_str));
    let mut closest: Vec<&str> = names.keys().map(String::as_str).collect();
    closest.sort_by(|a, b| {
        let score = |c: &str| strsim::jaro_winkler(&principal.name.to_lowercase(), &c.to_lowercase());
        score(b).partial_cmp(&score(a)).unwrap_or(std::cmp::Ordering::Equal)
    });
    closest.truncate(3);
    let help = match guess {
        Some(g) => format!("did you mean '{g}'?"),
        None if closest.is_empty() => {
            format!("the identity store has no {}s yet: create it in IAM Identity Center", principal.kind.noun())
        }
        None => format!("the closest names: {}", closest.join(", ")),
    };
    Diagnostic::error(
        "unknown-principal",
        format!("the identity store has no {} named '{}'", principal.kind.noun(), principal.name),
    )
    .at(Some(principal.location.clone()))
    .resource(assignment.to_string())
    .property(match principal.kind {
        PrincipalType::Group => "Groups",
        PrincipalType::User => "Users",
    })
    .help(help)
}

/// What an Identity Center operation does, in words, from the operation alone (for a saved
/// plan's review).
pub fn describe(
    op: &IdentityOperation,
    account_label: &dyn Fn(&Handle) -> String,
) -> (Action, String, String, Vec<PropertyDiff>) {
    match op {
        IdentityOperation::CreatePermissionSet { settings, .. } => {
            (Action::Add, set_subject(&settings.name), "create".into(), settings_diff(None, Some(settings)))
        }
        IdentityOperation::UpdatePermissionSet { old, new, provision, .. } => (
            Action::Change,
            set_subject(&new.name),
            if *provision { "update, then provision to the accounts it is assigned to" } else { "update" }.into(),
            settings_diff(Some(old), Some(new)),
        ),
        IdentityOperation::DeletePermissionSet { name, .. } => {
            (Action::Remove, set_subject(name), "delete".into(), vec![])
        }
        IdentityOperation::CreateAccountAssignment { permission_set_name, principal, account, .. } => (
            Action::Add,
            assignment_subject(principal, &account_label(account)),
            format!("assign {permission_set_name}"),
            vec![PropertyDiff::new("PermissionSet", None, Some(permission_set_name.clone()))],
        ),
        IdentityOperation::DeleteAccountAssignment { permission_set_name, principal, assignment, .. } => (
            Action::Remove,
            assignment_subject(principal, &account_label(&Handle::Existing(assignment.account_id.clone()))),
            format!("unassign {permission_set_name}"),
            vec![PropertyDiff::new("PermissionSet", Some(permission_set_name.clone()), None)],
        ),
    }
}

impl IdentityOperation {
    /// What the operation acts on: a permission set (the one the plan creates, or its ARN) or
    /// one assignment.
    pub fn address(&self) -> Address {
        let existing = |id: &str| Handle::Existing(id.to_string());
        match self {
            IdentityOperation::CreatePermissionSet { logical_id, .. } => {
                Address::Resource(Handle::New(logical_id.as_str().into()))
            }
            IdentityOperation::UpdatePermissionSet { arn, .. } | IdentityOperation::DeletePermissionSet { arn, .. } => {
                Address::Resource(existing(arn))
            }
            IdentityOperation::CreateAccountAssignment { permission_set, principal, account, .. } => {
                Address::Assignment(permission_set.clone(), principal.id.clone(), account.clone())
            }
            IdentityOperation::DeleteAccountAssignment { assignment, .. } => Address::Assignment(
                existing(&assignment.permission_set_arn),
                assignment.principal_id.clone(),
                existing(&assignment.account_id),
            ),
        }
    }

    /// What a saved plan's change must satisfy: the handles it uses are made by changes it
    /// waits for (`created` gives the creating change and whether it creates a permission set)
    /// and name what they should. Returns what is wrong.
    pub fn defects(&self, depends_on: &[usize], created: &dyn Fn(&str) -> Option<(usize, bool)>) -> Vec<String> {
        let mut out = Vec::new();
        let mut handle = |h: &Handle, permission_set: bool| match h {
            Handle::Existing(id) if permission_set && !id.starts_with("arn:") => {
                out.push(format!("names {id}, which is not a permission set ARN"))
            }
            Handle::Existing(id) if !permission_set && (id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit())) => {
                out.push(format!("names {id}, which is not an account id"))
            }
            Handle::Existing(_) => {}
            Handle::New(lid) => match created(lid) {
                None => out.push(format!("uses {lid}, which no change of the plan creates")),
                Some((_, made)) if made != permission_set => {
                    out.push(format!("uses {lid} as something the plan does not create it as"))
                }
                Some((creator, _)) if !depends_on.contains(&creator) => {
                    out.push(format!("uses {lid}, created by change #{creator}, without depending on that change"))
                }
                Some(_) => {}
            },
        };
        match self {
            IdentityOperation::CreateAccountAssignment { permission_set, account, .. } => {
                handle(permission_set, true);
                handle(account, false);
            }
            IdentityOperation::DeleteAccountAssignment { assignment, .. } => {
                handle(&Handle::Existing(assignment.account_id.clone()), false);
                handle(&Handle::Existing(assignment.permission_set_arn.clone()), true);
            }
            IdentityOperation::UpdatePermissionSet { arn, old, new, .. } => {
                handle(&Handle::Existing(arn.clone()), true);
                if !old.name.eq_ignore_ascii_case(&new.name) {
                    out.push(format!(
                        "renames permission set {} to {}, which Identity Center cannot do",
                        old.name, new.name
                    ));
                }
            }
            IdentityOperation::DeletePermissionSet { arn, .. } => handle(&Handle::Existing(arn.clone()), true),
            IdentityOperation::CreatePermissionSet { .. } => {}
        }
        out
    }
}
