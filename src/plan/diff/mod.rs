//! plan = diff(desired, live): every difference becomes a change, with edges so that nothing
//! runs before what it needs (an OU before its accounts, a policy before its attachments, the
//! new SCP before the old one is detached, accounts out before their OU is deleted).

use super::change::*;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::Unknown;
use crate::model::{user_tags, AccountState, OrgState, PolicyType, Tags, OWNER_TAG};
use crate::org_file::desired::{DesiredOrg, Parent};
use crate::org_file::limits::Limits;
use std::collections::{HashMap, HashSet};

mod accounts;
mod attachments;
mod ous;
mod policies;

/// Computes the plan that takes `actual` to `desired`.
pub fn plan(desired: &DesiredOrg, actual: &OrgState, limits: &Limits, provider: &str) -> Result<Plan, Diagnostics> {
    let mut errors = Diagnostics::default();
    if desired.management_account_id != actual.management_account_id {
        errors.push(
            Diagnostic::error(
                "wrong-organization",
                format!(
                    "the file's MasterAccount is {}, but this organization's management account is {}",
                    desired.management_account_id, actual.management_account_id
                ),
            )
            .resource("MasterAccount")
            .property("AccountId")
            .help("point orgctl at the organization the file describes, or fix MasterAccount.AccountId"),
        );
        return Err(errors);
    }
    let account_matches = match_accounts(desired, actual, &mut errors);
    let desired = resolve_deferred(desired, &account_matches, &mut errors);
    if errors.has_errors() {
        return Err(errors);
    }
    let mut p = Planner {
        actual,
        limits,
        desired: &desired,
        account_matches: &account_matches,
        changes: Vec::new(),
        notes: Vec::new(),
        created: HashMap::new(),
        labels: HashMap::new(),
        policy_handles: HashMap::new(),
        ou_handles: HashMap::new(),
        account_handles: HashMap::new(),
        owned_policies: HashSet::new(),
        matched_ous: HashSet::new(),
        enable: HashMap::new(),
        moves_out_of: HashMap::new(),
        attaches_on: HashMap::new(),
        detaches_on: HashMap::new(),
        errors,
    };
    p.enable_policy_types();
    p.policies();
    p.ous();
    p.accounts();
    p.alias_order();
    p.attachments();
    p.removed_policies();
    p.removed_ous();
    if p.errors.has_errors() {
        return Err(p.errors);
    }
    let mut existing_ids: HashMap<String, String> = [&p.account_handles, &p.ou_handles, &p.policy_handles]
        .into_iter()
        .flatten()
        .filter_map(|(lid, handle)| Some((lid.clone(), handle.existing_id()?.to_string())))
        .collect();
    if let Some(root) = &desired.root_logical_id {
        existing_ids.insert(root.clone(), actual.root.id.clone());
    }
    Ok(Plan {
        format: PLAN_FORMAT.into(),
        orgctl_version: env!("CARGO_PKG_VERSION").into(),
        provider: provider.into(),
        state_fingerprint: actual.fingerprint(),
        changes: p.changes,
        notes: p.notes,
        access_roles: desired.access_roles(),
        stack_places: Vec::new(),
        stacks_fingerprint: None,
        identity_fingerprint: None,
        identity_scope: Default::default(),
        unchanged_stacks: 0,
        digest: None,
        existing_ids,
        rendered: Vec::new(),
        policy_effect: None,
    })
}

/// The AWS id of every desired account that exists, by logical id.
pub fn account_ids(desired: &DesiredOrg, actual: &OrgState) -> HashMap<String, String> {
    let mut ignored = Diagnostics::default();
    match_accounts(desired, actual, &mut ignored).into_iter().map(|(lid, a)| (lid, a.id.to_string())).collect()
}

/// The live account each desired account is: by AccountId, else by orgctl's ownership tag (so a
/// changed RootEmail never makes a new account), else by RootEmail (any case). A live account is
/// matched once at most.
fn match_accounts<'a>(
    desired: &DesiredOrg,
    actual: &'a OrgState,
    errors: &mut Diagnostics,
) -> HashMap<String, &'a AccountState> {
    let by_email: HashMap<String, &AccountState> =
        actual.accounts.values().map(|a| (a.email.to_lowercase(), a)).collect();
    let by_owner: HashMap<&str, &AccountState> =
        actual.accounts.values().filter_map(|a| OrgState::owner_of(&a.tags).map(|lid| (lid, a))).collect();
    let mut out: HashMap<String, &AccountState> = HashMap::new();
    let mut taken: HashMap<&str, &str> = HashMap::new();
    // Ids and ownership tags first: they are certain; emails only for what is left.
    let certain: Vec<(&crate::org_file::desired::DesiredAccount, Option<&AccountState>)> = desired
        .accounts
        .iter()
        .map(|a| {
            let found = match &a.account_id {
                Some(id) => actual.accounts.get(id),
                None => by_owner.get(a.logical_id.as_str()).copied(),
            };
            (a, found)
        })
        .collect();
    for (a, found) in &certain {
        if let Some(live) = found {
            let how = if a.account_id.is_some() { "its AccountId" } else { "its ownership tag" };
            tracing::trace!("account {} is {} ({}), matched by {how}", a.logical_id, live.id, live.name);
            taken.insert(&live.id, &a.logical_id);
            out.insert(a.logical_id.clone(), *live);
        }
    }
    for (a, found) in certain {
        if found.is_some() {
            continue;
        }
        if let Some(id) = &a.account_id {
            errors.push(
                Diagnostic::error(
                    "account-not-in-organization",
                    format!("AccountId {id} is not a member of this organization"),
                )
                .resource(&a.logical_id)
                .property("AccountId")
                .help(
                    "invite the account first, or drop AccountId so that orgctl creates a new account from RootEmail",
                ),
            );
            continue;
        }
        let Some(live) = a.email.as_ref().and_then(|e| by_email.get(&e.to_lowercase()).copied()) else { continue };
        if let Some(other) = taken.get(live.id.as_str()) {
            errors.push(
                Diagnostic::error(
                    "account-matched-twice",
                    format!(
                        "RootEmail {} is the email of account {} ({}), which the file already manages as {other}",
                        live.email, live.name, live.id
                    ),
                )
                .resource(&a.logical_id)
                .property("RootEmail")
                .help(
                    "each account appears once in the file: remove one of the two, or give this one its own RootEmail",
                ),
            );
            continue;
        }
        tracing::trace!("account {} is {} ({}), matched by its RootEmail", a.logical_id, live.id, live.name);
        taken.insert(&live.id, &a.logical_id);
        out.insert(a.logical_id.clone(), live);
    }
    for a in desired.accounts.iter().filter(|a| !out.contains_key(&a.logical_id)) {
        tracing::trace!("account {} matches no live account: it will be created", a.logical_id);
    }
    out
}

/// Fills the AccountIds that the file left to the organization, now that accounts are matched.
fn resolve_deferred(
    desired: &DesiredOrg,
    matches: &HashMap<String, &AccountState>,
    errors: &mut Diagnostics,
) -> DesiredOrg {
    let mut out = desired.clone();
    for pending in &desired.pending {
        let filled = pending.value.resolve(|unknown| match unknown {
            Unknown::Id(id) => matches.get(id).map(|a| a.id.to_string()),
            // Org files have no !CopyValue nor targets; a plan runs its !Cmd or refuses them.
            Unknown::Export { .. } | Unknown::CommandOutput(_) | Unknown::PerTarget(_) => None,
        });
        match (filled, out.field_mut(&pending.owner, &pending.property)) {
            (Ok(text), Some(field)) => *field = text,
            (Ok(_), None) => {}
            (Err(Unknown::CommandOutput(command)), _) => errors.push(
                Diagnostic::error(
                    "command-not-run",
                    format!("needs the output of !Cmd `{command}`, which was not run"),
                )
                .resource(&pending.owner)
                .property(&pending.property),
            ),
            (Err(Unknown::PerTarget(name)), _) => errors.push(
                Diagnostic::error("unknown-at-plan", format!("needs {name}, which an org file has no target for"))
                    .resource(&pending.owner)
                    .property(&pending.property),
            ),
            (Err(Unknown::Export { name, .. }), _) => errors.push(
                Diagnostic::error("unknown-at-plan", format!("needs export {name}, which an org file cannot read"))
                    .resource(&pending.owner)
                    .property(&pending.property),
            ),
            (Err(Unknown::Id(missing)), _) => errors.push(
                Diagnostic::error(
                    "account-id-unknown",
                    format!("needs the AccountId of {missing}, which does not exist yet"),
                )
                .resource(&pending.owner)
                .property(&pending.property)
                .help(format!(
                    "apply once without this reference so that {missing} is created, or give {missing} an AccountId"
                )),
            ),
        }
    }
    out.pending.clear();
    out
}

struct Planner<'a> {
    actual: &'a OrgState,
    limits: &'a Limits,
    desired: &'a DesiredOrg,
    account_matches: &'a HashMap<String, &'a AccountState>,
    changes: Vec<Change>,
    notes: Vec<Note>,
    /// Change that creates each new resource, by logical id.
    created: HashMap<String, usize>,
    /// Human labels by logical id and by AWS id.
    labels: HashMap<String, String>,
    policy_handles: HashMap<String, Handle>,
    ou_handles: HashMap<String, Handle>,
    account_handles: HashMap<String, Handle>,
    /// Live policies that belong to the file.
    owned_policies: HashSet<crate::model::PolicyId>,
    matched_ous: HashSet<String>,
    /// The change enabling each policy type the file needs and the root does not have.
    enable: HashMap<PolicyType, usize>,
    moves_out_of: HashMap<String, Vec<usize>>,
    attaches_on: HashMap<Handle, Vec<usize>>,
    detaches_on: HashMap<String, Vec<usize>>,
    errors: Diagnostics,
}

impl Planner<'_> {
    pub(super) fn push(
        &mut self,
        action: Action,
        subject: String,
        summary: impl Into<String>,
        operation: impl Into<Operation>,
        diff: Vec<PropertyDiff>,
        depends_on: Vec<Option<usize>>,
    ) -> usize {
        let id = self.changes.len();
        let mut deps: Vec<usize> = depends_on.into_iter().flatten().collect();
        deps.sort_unstable();
        deps.dedup();
        self.changes.push(Change {
            id,
            action,
            subject,
            summary: summary.into(),
            operation: operation.into(),
            diff,
            depends_on: deps,
            after: Vec::new(),
            group: None,
        });
        id
    }

    pub(super) fn creation_of(&self, handle: &Handle) -> Option<usize> {
        match handle {
            Handle::New(lid) => self.created.get(lid.as_str()).copied(),
            Handle::Existing(_) => None,
        }
    }

    pub(super) fn label(&self, key: &str) -> String {
        self.labels.get(key).cloned().unwrap_or_else(|| key.to_string())
    }

    pub(super) fn parent_handle(&self, parent: &Parent) -> Handle {
        match parent {
            Parent::Root => Handle::Existing(self.actual.root.id.clone()),
            Parent::Ou(lid) => self.ou_handles.get(lid).cloned().unwrap_or_else(|| Handle::New(lid.as_str().into())),
        }
    }

    pub(super) fn parent_label(&self, handle: &Handle) -> String {
        match handle {
            Handle::Existing(id) => self.actual.path_of(id),
            Handle::New(lid) => format!("{} (new)", self.label(lid)),
        }
    }

    /// Tag changes that make `actual` carry the owner tag and, when the file gives tags, exactly those.
    pub(super) fn reconcile_tags(
        &mut self,
        subject: &str,
        resource: Handle,
        logical_id: &str,
        desired: Option<&Tags>,
        actual: &Tags,
    ) {
        let mut wanted = desired.cloned().unwrap_or_else(|| user_tags(actual));
        wanted.insert(OWNER_TAG.into(), logical_id.into());
        let set: Tags =
            wanted.iter().filter(|(k, v)| actual.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        let remove: Vec<String> =
            actual.keys().filter(|k| !wanted.contains_key(*k) && !k.starts_with("orgctl:")).cloned().collect();
        if !set.is_empty() {
            let diff = set
                .iter()
                .map(|(k, v)| PropertyDiff::new(format!("Tags.{k}"), actual.get(k).cloned(), Some(v.clone())))
                .collect();
            let summary =
                if actual.contains_key(OWNER_TAG) { "update tags" } else { "adopt (tag with its logical id)" };
            self.push(
                Action::Change,
                subject.into(),
                summary,
                OrganizationOperation::TagResource { resource: resource.clone(), tags: set },
                diff,
                vec![],
            );
        }
        if !remove.is_empty() {
            let diff =
                remove.iter().map(|k| PropertyDiff::new(format!("Tags.{k}"), actual.get(k).cloned(), None)).collect();
            self.push(
                Action::Change,
                subject.into(),
                "remove tags",
                OrganizationOperation::UntagResource { resource, keys: remove },
                diff,
                vec![],
            );
        }
    }
}
