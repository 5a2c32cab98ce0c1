//! plan = diff(desired, live): every difference becomes a change, with edges so that nothing
//! runs before what it needs (an OU before its accounts, a policy before its attachments, the
//! new SCP before the old one is detached, accounts out before their OU is deleted).

use super::change::*;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::Unknown;
use crate::model::{user_tags, AccountState, OrgState, OuState, PolicyType, Tags, OWNER_TAG};
use crate::org_file::desired::{DesiredOrg, Parent};
use crate::org_file::limits::Limits;
use std::collections::{BTreeMap, HashMap, HashSet};

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
    match_accounts(desired, actual, &mut ignored).into_iter().map(|(lid, a)| (lid, a.id.clone())).collect()
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
            Unknown::Id(id) => matches.get(id).map(|a| a.id.clone()),
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
    owned_policies: HashSet<String>,
    matched_ous: HashSet<String>,
    /// The change enabling each policy type the file needs and the root does not have.
    enable: HashMap<PolicyType, usize>,
    moves_out_of: HashMap<String, Vec<usize>>,
    attaches_on: HashMap<Handle, Vec<usize>>,
    detaches_on: HashMap<String, Vec<usize>>,
    errors: Diagnostics,
}

impl Planner<'_> {
    fn push(
        &mut self,
        action: Action,
        subject: String,
        summary: impl Into<String>,
        operation: Operation,
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
            operation,
            diff,
            depends_on: deps,
            after: Vec::new(),
            group: None,
        });
        id
    }

    fn creation_of(&self, handle: &Handle) -> Option<usize> {
        match handle {
            Handle::New(lid) => self.created.get(lid).copied(),
            Handle::Existing(_) => None,
        }
    }

    fn label(&self, key: &str) -> String {
        self.labels.get(key).cloned().unwrap_or_else(|| key.to_string())
    }

    fn parent_handle(&self, parent: &Parent) -> Handle {
        match parent {
            Parent::Root => Handle::Existing(self.actual.root.id.clone()),
            Parent::Ou(lid) => self.ou_handles.get(lid).cloned().unwrap_or_else(|| Handle::New(lid.clone())),
        }
    }

    fn parent_label(&self, handle: &Handle) -> String {
        match handle {
            Handle::Existing(id) => self.actual.path_of(id),
            Handle::New(lid) => format!("{} (new)", self.label(lid)),
        }
    }

    /// Tag changes that make `actual` carry the owner tag and, when the file gives tags, exactly those.
    fn reconcile_tags(
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
                Operation::TagResource { resource: resource.clone(), tags: set },
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
                Operation::UntagResource { resource, keys: remove },
                diff,
                vec![],
            );
        }
    }

    /// Enables on the root each policy type the file attaches (SCPs) or declares (the others),
    /// before any policy of the type is created or attached.
    fn enable_policy_types(&mut self) {
        let d = self.desired;
        for policy_type in PolicyType::ALL {
            let wanted = if policy_type == PolicyType::ServiceControl {
                !d.root_scps.is_empty()
                    || d.ous.iter().any(|o| !o.scps.is_empty())
                    || d.accounts.iter().any(|a| !a.scps.is_empty())
            } else {
                d.policies.iter().any(|p| p.policy_type == policy_type)
            };
            if !wanted || self.actual.root.is_enabled(policy_type) {
                continue;
            }
            let diff = vec![PropertyDiff::new("PolicyTypes", None, Some(policy_type.api_name().into()))];
            let root_id = self.actual.root.id.clone();
            let id = self.push(
                Action::Change,
                crate::model::root_label(&root_id),
                format!("enable {}", policy_type.noun_plural()),
                Operation::EnablePolicyType { root_id, policy_type },
                diff,
                vec![],
            );
            self.enable.insert(policy_type, id);
        }
    }

    /// How plans name a policy: "SCP Deny-regions", "tag policy Required-tags".
    fn policy_label(policy_type: PolicyType, name: &str) -> String {
        format!("{} {name}", policy_type.short())
    }

    fn policies(&mut self) {
        let desired_ids: HashSet<&str> = self.desired.policies.iter().map(|p| p.logical_id.as_str()).collect();
        for p in &self.desired.policies {
            let subject = format!("{} {} ({})", p.policy_type.noun(), p.name, p.logical_id);
            self.labels.insert(p.logical_id.clone(), Self::policy_label(p.policy_type, &p.name));
            let candidates = || {
                self.actual.policies.values().filter(|a| {
                    !a.aws_managed && a.policy_type == p.policy_type && !self.owned_policies.contains(&a.id)
                })
            };
            let found = candidates().find(|a| OrgState::owner_of(&a.tags) == Some(&p.logical_id)).or_else(|| {
                candidates()
                    .find(|a| a.name == p.name && OrgState::owner_of(&a.tags).is_none_or(|o| !desired_ids.contains(o)))
            });
            let Some(live) = found else {
                let mut tags = p.tags.clone().unwrap_or_default();
                tags.insert(OWNER_TAG.into(), p.logical_id.clone());
                let diff = vec![
                    PropertyDiff::new("PolicyName", None, quoted(&p.name)),
                    PropertyDiff::new("Description", None, quoted(&p.description)),
                    PropertyDiff::new("PolicyDocument", None, Some(pretty(&p.content))),
                ];
                let op = Operation::CreatePolicy {
                    logical_id: p.logical_id.clone(),
                    policy_type: p.policy_type,
                    name: p.name.clone(),
                    description: p.description.clone(),
                    content: p.content.clone(),
                    tags,
                };
                let enabled = self.enable.get(&p.policy_type).copied();
                let id = self.push(Action::Add, subject, "create", op, diff, vec![enabled]);
                self.created.insert(p.logical_id.clone(), id);
                self.policy_handles.insert(p.logical_id.clone(), Handle::New(p.logical_id.clone()));
                continue;
            };
            self.owned_policies.insert(live.id.clone());
            self.labels.insert(live.id.clone(), Self::policy_label(p.policy_type, &p.name));
            self.policy_handles.insert(p.logical_id.clone(), Handle::Existing(live.id.clone()));
            let same_content = serde_json::from_str::<serde_json::Value>(&live.content).ok()
                == serde_json::from_str::<serde_json::Value>(&p.content).ok();
            let mut diff = Vec::new();
            if live.name != p.name {
                diff.push(PropertyDiff::new("PolicyName", quoted(&live.name), quoted(&p.name)));
            }
            if live.description != p.description {
                diff.push(PropertyDiff::new("Description", quoted(&live.description), quoted(&p.description)));
            }
            if !same_content {
                diff.push(PropertyDiff::new("PolicyDocument", Some(pretty(&live.content)), Some(pretty(&p.content))));
            }
            if !diff.is_empty() {
                let op = Operation::UpdatePolicy {
                    policy_id: live.id.clone(),
                    name: p.name.clone(),
                    description: p.description.clone(),
                    content: p.content.clone(),
                };
                self.push(Action::Change, subject.clone(), "update", op, diff, vec![]);
            }
            self.reconcile_tags(
                &subject,
                Handle::Existing(live.id.clone()),
                &p.logical_id,
                p.tags.as_ref(),
                &live.tags,
            );
        }
    }

    fn ous(&mut self) {
        let desired_ids: HashSet<&str> = self.desired.ous.iter().map(|o| o.logical_id.as_str()).collect();
        for ou in &self.desired.ous {
            let subject = format!("organizational unit {} ({})", ou.name, ou.logical_id);
            self.labels.insert(ou.logical_id.clone(), format!("OU {}", ou.name));
            let parent = self.parent_handle(&ou.parent);
            let parent_id = parent.existing_id().map(str::to_string);
            let unmatched = |o: &&OuState| !self.matched_ous.contains(&o.id);
            let owned: Vec<&OuState> = self
                .actual
                .ous
                .values()
                .filter(unmatched)
                .filter(|o| OrgState::owner_of(&o.tags) == Some(&ou.logical_id))
                .collect();
            let found = owned.iter().copied().find(|o| Some(&o.parent_id) == parent_id.as_ref()).or_else(|| {
                self.actual.ous.values().filter(unmatched).find(|o| {
                    Some(&o.parent_id) == parent_id.as_ref()
                        && o.name == ou.name
                        && OrgState::owner_of(&o.tags).is_none_or(|lid| !desired_ids.contains(lid))
                })
            });
            let Some(live) = found else {
                let mut tags = ou.tags.clone().unwrap_or_default();
                tags.insert(OWNER_TAG.into(), ou.logical_id.clone());
                let mut diff = vec![
                    PropertyDiff::new("OrganizationalUnitName", None, quoted(&ou.name)),
                    PropertyDiff::new("Parent", None, Some(self.parent_label(&parent))),
                ];
                let summary = match owned.first() {
                    Some(old) => {
                        diff.push(PropertyDiff::new(
                            "Replaces",
                            Some(format!("{} in {}", old.id, self.actual.path_of(&old.parent_id))),
                            None,
                        ));
                        "create under its new parent (AWS cannot move an OU: the old one is emptied and deleted)"
                    }
                    None => "create",
                };
                let deps = vec![self.creation_of(&parent)];
                let op = Operation::CreateOu { logical_id: ou.logical_id.clone(), parent, name: ou.name.clone(), tags };
                let id = self.push(Action::Add, subject, summary, op, diff, deps);
                self.created.insert(ou.logical_id.clone(), id);
                self.ou_handles.insert(ou.logical_id.clone(), Handle::New(ou.logical_id.clone()));
                continue;
            };
            self.matched_ous.insert(live.id.clone());
            self.labels.insert(live.id.clone(), format!("OU {}", ou.name));
            self.ou_handles.insert(ou.logical_id.clone(), Handle::Existing(live.id.clone()));
            if live.name != ou.name {
                let diff = vec![PropertyDiff::new("OrganizationalUnitName", quoted(&live.name), quoted(&ou.name))];
                self.push(
                    Action::Change,
                    subject.clone(),
                    "rename",
                    Operation::RenameOu { ou_id: live.id.clone(), name: ou.name.clone() },
                    diff,
                    vec![],
                );
            }
            self.reconcile_tags(
                &subject,
                Handle::Existing(live.id.clone()),
                &ou.logical_id,
                ou.tags.as_ref(),
                &live.tags,
            );
        }
    }

    fn accounts(&mut self) {
        let desired = self.desired;
        for a in &desired.accounts {
            let display = a.name.clone().unwrap_or_else(|| a.logical_id.clone());
            let subject = format!(
                "{} {} ({})",
                if a.is_management { "management account" } else { "account" },
                display,
                a.logical_id
            );
            self.labels.insert(a.logical_id.clone(), format!("account {display}"));
            let parent = self.parent_handle(&a.parent);
            let Some(&live) = self.account_matches.get(&a.logical_id) else {
                self.new_account(a, subject, parent);
                continue;
            };
            let handle = Handle::Existing(live.id.clone());
            self.labels.insert(live.id.clone(), format!("account {display}"));
            if let Some(email) = a.email.as_ref().filter(|e| !e.eq_ignore_ascii_case(&live.email)) {
                self.notes.push(Note {
                    message: format!(
                        "{subject}: the file's RootEmail is {email}, the account's is {}; orgctl never changes a \
                         root email (AWS changes it only through the account's own primary-email update, which \
                         its owner confirms): change it there, or put {} in the file",
                        live.email, live.email
                    ),
                });
            }
            self.account_handles.insert(a.logical_id.clone(), handle.clone());
            if let Some(name) = a.name.as_ref().filter(|n| **n != live.name) {
                let diff = vec![PropertyDiff::new("AccountName", quoted(&live.name), quoted(name))];
                self.push(
                    Action::Change,
                    subject.clone(),
                    "rename",
                    Operation::RenameAccount { account: handle.clone(), name: name.clone() },
                    diff,
                    vec![],
                );
            }
            if parent.existing_id() != Some(live.parent_id.as_str()) {
                let diff = vec![PropertyDiff::new(
                    "Parent",
                    Some(self.actual.path_of(&live.parent_id)),
                    Some(self.parent_label(&parent)),
                )];
                let deps = vec![self.creation_of(&parent)];
                let op = Operation::MoveAccount {
                    account: handle.clone(),
                    from: Handle::Existing(live.parent_id.clone()),
                    to: parent,
                };
                let id = self.push(Action::Move, subject.clone(), "move", op, diff, deps);
                self.moves_out_of.entry(live.parent_id.clone()).or_default().push(id);
            }
            self.reconcile_tags(&subject, handle.clone(), &a.logical_id, a.tags.as_ref(), &live.tags);
            if live.status != crate::model::AccountStatus::Active {
                self.notes.push(Note {
                    message: format!(
                        "{subject} is {}: its alias and password policy are left as they are",
                        live.status
                    ),
                });
                continue;
            }
            if let Some(alias) = a.alias.as_ref().filter(|al| live.alias.as_ref() != Some(*al)) {
                let diff = vec![PropertyDiff::new("Alias", live.alias.as_deref().and_then(quoted), quoted(alias))];
                self.push(
                    Action::Change,
                    subject.clone(),
                    "set alias",
                    Operation::SetAlias { account: handle.clone(), alias: Some(alias.clone()) },
                    diff,
                    vec![],
                );
            }
            if let Some(policy) = a.password_policy.as_ref().filter(|p| live.password_policy.as_ref() != Some(*p)) {
                let old = live.password_policy.as_ref().map(|p| p.fields());
                let diff = policy
                    .fields()
                    .into_iter()
                    .enumerate()
                    .filter(|(i, (_, v))| old.as_ref().is_none_or(|o| &o[*i].1 != v))
                    .map(|(i, (name, v))| {
                        PropertyDiff::new(
                            format!("PasswordPolicy.{name}"),
                            old.as_ref().map(|o| o[i].1.clone()),
                            Some(v),
                        )
                    })
                    .collect();
                let summary =
                    if live.password_policy.is_some() { "update password policy" } else { "set password policy" };
                self.push(
                    Action::Change,
                    subject.clone(),
                    summary,
                    Operation::SetPasswordPolicy { account: handle, policy: policy.clone() },
                    diff,
                    vec![],
                );
            }
        }
        let managed: HashSet<&str> = self.account_matches.values().map(|a| a.id.as_str()).collect();
        let mut unmanaged = 0;
        let mut closing: Vec<&AccountState> = Vec::new();
        for live in self.actual.accounts.values().filter(|a| !managed.contains(a.id.as_str())) {
            match OrgState::owner_of(&live.tags) {
                Some(_) if self.desired.close_accounts_on_removal && live.status.is_active() => {
                    closing.push(live);
                }
                Some(lid) if !live.status.is_active() => self.notes.push(Note {
                    message: format!(
                        "account {} ({}, was {lid}) is no longer in the file and is {}",
                        live.name, live.id, live.status
                    ),
                }),
                Some(lid) => self.notes.push(Note {
                    message: format!(
                        "account {} ({}, was {lid}) is no longer in the file: it stays in {} and is not closed",
                        live.name,
                        live.id,
                        self.actual.path_of(&live.parent_id)
                    ),
                }),
                None => unmanaged += 1,
            }
        }
        if unmanaged > 0 {
            self.notes.push(Note {
                message: format!(
                    "{unmanaged} account(s) of the organization are not in the file and are left as they are"
                ),
            });
        }
        self.close_accounts(closing);
    }

    /// `CloseAccountsOnRemoval`: each owned account removed from the file is closed, within
    /// AWS's quota ([`crate::model::quotas::closable_accounts`]).
    fn close_accounts(&mut self, closing: Vec<&AccountState>) {
        let members = self.actual.accounts.len().saturating_sub(1);
        let quota = crate::model::quotas::closable_accounts(members);
        if closing.len() > quota {
            self.errors.push(
                Diagnostic::error(
                    "close-quota",
                    format!("{} accounts would be closed, but AWS closes at most {quota} per 30 days", closing.len()),
                )
                .resource("OrganizationRoot")
                .property("CloseAccountsOnRemoval")
                .help("remove fewer accounts from the file at a time, or put some back"),
            );
            return;
        }
        for live in closing {
            let subject = format!("account {} ({})", live.name, live.id);
            let diff = vec![PropertyDiff::new("Status", Some(live.status.to_string()), Some("CLOSED".into()))];
            self.push(
                Action::Remove,
                subject,
                crate::plan::describe::CLOSE_SUMMARY,
                Operation::CloseAccount { account_id: live.id.clone() },
                diff,
                vec![],
            );
        }
    }

    fn new_account(&mut self, a: &crate::org_file::desired::DesiredAccount, subject: String, parent: Handle) {
        let email = a.email.clone().unwrap_or_default();
        let name = a.name.clone().unwrap_or_else(|| a.logical_id.clone());
        let mut tags = a.tags.clone().unwrap_or_default();
        tags.insert(OWNER_TAG.into(), a.logical_id.clone());
        let pending = self.actual.pending_create_requests.iter().find(|r| r.is_for(&email, &name));
        let summary = match pending {
            Some(r) => format!("create (adopts the unfinished request {})", r.id),
            None => "create".to_string(),
        };
        let mut diff = vec![
            PropertyDiff::new("AccountName", None, quoted(&name)),
            PropertyDiff::new("RootEmail", None, quoted(&email)),
            PropertyDiff::new("Parent", None, Some(self.parent_label(&parent))),
        ];
        diff.extend(user_tags(&tags).into_iter().map(|(k, v)| PropertyDiff::new(format!("Tags.{k}"), None, Some(v))));
        let op = Operation::CreateAccount { logical_id: a.logical_id.clone(), name, email, tags };
        let create = self.push(Action::Add, subject.clone(), summary, op, diff, vec![]);
        self.created.insert(a.logical_id.clone(), create);
        let handle = Handle::New(a.logical_id.clone());
        self.account_handles.insert(a.logical_id.clone(), handle.clone());
        if parent.existing_id() != Some(self.actual.root.id.as_str()) {
            let diff = vec![PropertyDiff::new("Parent", Some("Root".into()), Some(self.parent_label(&parent)))];
            let deps = vec![Some(create), self.creation_of(&parent)];
            let op = Operation::MoveAccount {
                account: handle.clone(),
                from: Handle::Existing(self.actual.root.id.clone()),
                to: parent,
            };
            self.push(Action::Move, subject.clone(), "move into its OU", op, diff, deps);
        }
        if let Some(alias) = &a.alias {
            let diff = vec![PropertyDiff::new("Alias", None, quoted(alias))];
            self.push(
                Action::Change,
                subject.clone(),
                "set alias",
                Operation::SetAlias { account: handle.clone(), alias: Some(alias.clone()) },
                diff,
                vec![Some(create)],
            );
        }
        if let Some(policy) = &a.password_policy {
            let diff = policy
                .fields()
                .into_iter()
                .map(|(n, v)| PropertyDiff::new(format!("PasswordPolicy.{n}"), None, Some(v)))
                .collect();
            self.push(
                Action::Change,
                subject,
                "set password policy",
                Operation::SetPasswordPolicy { account: handle, policy: policy.clone() },
                diff,
                vec![Some(create)],
            );
        }
    }

    /// An IAM alias is unique across AWS: one that another account of the organization holds is
    /// set only after that account's alias changes in the same plan, and refused at plan time
    /// otherwise (apply would fail halfway).
    fn alias_order(&mut self) {
        let account_of = |h: &Handle| h.existing_id().map(str::to_string);
        let alias_changes: HashMap<String, usize> = self
            .changes
            .iter()
            .filter_map(|c| match &c.operation {
                Operation::SetAlias { account, .. } => account_of(account).map(|id| (id, c.id)),
                _ => None,
            })
            .collect();
        let wanted: Vec<(usize, Option<String>, String, String)> = self
            .changes
            .iter()
            .filter_map(|c| match &c.operation {
                Operation::SetAlias { account, alias: Some(alias) } => {
                    Some((c.id, account_of(account), alias.clone(), c.subject.clone()))
                }
                _ => None,
            })
            .collect();
        for (id, account, alias, subject) in wanted {
            let holder = self
                .actual
                .accounts
                .values()
                .find(|o| o.alias.as_deref() == Some(alias.as_str()) && Some(&o.id) != account.as_ref());
            let Some(holder) = holder else { continue };
            match alias_changes.get(&holder.id) {
                Some(&first) => self.changes[id].depends_on.push(first),
                None => self.errors.push(
                    Diagnostic::error(
                        "alias-taken",
                        format!(
                            "{subject}: the alias '{alias}' is already the alias of account {} ({}), which keeps it",
                            holder.name, holder.id
                        ),
                    )
                    .property("Alias")
                    .help(
                        "an IAM account alias is unique across AWS: choose another, or change that account's alias too",
                    ),
                ),
            }
        }
    }

    /// Every root, OU and account with the policies the file wants on it: SCPs, then the others.
    fn targets(&self) -> Vec<(String, Handle, Vec<String>, Vec<String>)> {
        let d = self.desired;
        let mut out = vec![(
            crate::model::root_label(&self.actual.root.id),
            Handle::Existing(self.actual.root.id.clone()),
            d.root_scps.clone(),
            d.root_other_policies.clone(),
        )];
        for ou in &d.ous {
            if let Some(h) = self.ou_handles.get(&ou.logical_id) {
                let subject = format!("organizational unit {} ({})", ou.name, ou.logical_id);
                out.push((subject, h.clone(), ou.scps.clone(), ou.other_policies.clone()));
            }
        }
        for a in &d.accounts {
            if let Some(h) = self.account_handles.get(&a.logical_id) {
                let subject = format!("{} ({})", self.label(&a.logical_id), a.logical_id);
                out.push((subject, h.clone(), a.scps.clone(), a.other_policies.clone()));
            }
        }
        out
    }

    fn attachments(&mut self) {
        for (subject, target, scps, others) in self.targets() {
            for policy_type in PolicyType::ALL {
                let wanted: Vec<String> = if policy_type == PolicyType::ServiceControl {
                    scps.clone()
                } else {
                    let of_type = |lid: &&String| {
                        self.desired.policies.iter().any(|p| &p.logical_id == *lid && p.policy_type == policy_type)
                    };
                    others.iter().filter(of_type).cloned().collect()
                };
                self.attach_type(policy_type, &subject, &target, &wanted);
            }
        }
    }

    /// Attaches and detaches the policies of one type on one target so that the file's are the
    /// ones attached (policies orgctl does not own are left where they are).
    fn attach_type(&mut self, policy_type: PolicyType, subject: &str, target: &Handle, lids: &[String]) {
        let wanted: Vec<Handle> = lids.iter().filter_map(|lid| self.policy_handles.get(lid).cloned()).collect();
        let attached: Vec<&crate::model::PolicyState> =
            target.existing_id().map(|id| self.actual.policies_of_type_on(policy_type, id)).unwrap_or_default();
        let to_attach: Vec<(String, Handle)> = lids
            .iter()
            .zip(&wanted)
            .filter(|(_, h)| h.existing_id().is_none_or(|pid| !attached.iter().any(|p| p.id == pid)))
            .map(|(lid, h)| (lid.clone(), h.clone()))
            .collect();
        // Only policies of the file: one that left the file is detached everywhere by its
        // deletion (removed_policies), one that orgctl does not own is never touched.
        let to_detach: Vec<(String, String)> = attached
            .iter()
            .filter(|p| self.owned_policies.contains(&p.id))
            .filter(|p| !wanted.iter().any(|h| h.existing_id() == Some(p.id.as_str())))
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect();
        if to_attach.is_empty() && to_detach.is_empty() {
            return;
        }
        let enabled = self.actual.root.is_enabled(policy_type);
        // Policies on the target now; enabling a type with an AWS-managed default attaches that
        // default to every target.
        let now = match target.existing_id() {
            Some(_) if enabled => attached.len(),
            _ => usize::from(policy_type.aws_managed_default().is_some()),
        };
        if policy_type == PolicyType::ServiceControl && (now + to_attach.len()).saturating_sub(to_detach.len()) == 0 {
            self.errors.push(
                Diagnostic::error("last-scp", format!("{subject} would be left without any SCP")).help(
                    "AWS requires at least one SCP on every target: keep FullAWSAccess or another policy attached",
                ),
            );
            return;
        }
        let limit = self.limits.policies_per_target(policy_type);
        // Attach before detach, so that a target is never without its guard rails, unless the
        // per-target limit forces room to be made first.
        let detach_first = now + to_attach.len() > limit && now > to_detach.len();
        let mut detaches = Vec::new();
        if detach_first {
            detaches = self.detach_all(policy_type, subject, target, &to_detach, &[]);
        }
        let mut attaches = Vec::new();
        for (lid, policy) in to_attach {
            let diff = vec![PropertyDiff::new(policy_type.attachment_property(), None, Some(self.label(&lid)))];
            let deps =
                vec![self.enable.get(&policy_type).copied(), self.creation_of(&policy), self.creation_of(target)]
                    .into_iter()
                    .chain(detaches.iter().map(|d| Some(*d)))
                    .collect();
            let summary = format!("attach {}", self.label(&lid));
            let id = self.push(
                Action::Change,
                subject.to_string(),
                summary,
                Operation::AttachPolicy { policy, target: target.clone() },
                diff,
                deps,
            );
            attaches.push(id);
        }
        self.attaches_on.entry(target.clone()).or_default().extend(&attaches);
        if !detach_first {
            self.detach_all(policy_type, subject, target, &to_detach, &attaches);
        }
    }

    fn detach_all(
        &mut self,
        policy_type: PolicyType,
        subject: &str,
        target: &Handle,
        policies: &[(String, String)],
        after: &[usize],
    ) -> Vec<usize> {
        let Some(target_id) = target.existing_id() else { return Vec::new() };
        let mut ids = Vec::new();
        for (policy_id, name) in policies {
            let label = Self::policy_label(policy_type, name);
            let diff = vec![PropertyDiff::new(policy_type.attachment_property(), Some(label.clone()), None)];
            let op = Operation::DetachPolicy { policy_id: policy_id.clone(), target_id: target_id.to_string() };
            let id = self.push(
                Action::Change,
                subject.into(),
                format!("detach {label}"),
                op,
                diff,
                after.iter().map(|a| Some(*a)).collect(),
            );
            self.detaches_on.entry(target_id.to_string()).or_default().push(id);
            ids.push(id);
        }
        ids
    }

    fn removed_policies(&mut self) {
        let removed: Vec<_> = self
            .actual
            .policies
            .values()
            .filter(|p| !p.aws_managed && !self.owned_policies.contains(&p.id) && OrgState::owner_of(&p.tags).is_some())
            .collect();
        for p in removed {
            let subject = format!("{} {} ({})", p.policy_type.noun(), p.name, p.id);
            let mut deps = Vec::new();
            for target in &p.targets {
                let after = self.attaches_on.get(&Handle::Existing(target.clone())).cloned().unwrap_or_default();
                let label = self.label(target);
                deps.extend(self.detach_all(
                    p.policy_type,
                    &format!("{label} ({target})"),
                    &Handle::Existing(target.clone()),
                    &[(p.id.clone(), p.name.clone())],
                    &after,
                ));
            }
            let diff = vec![PropertyDiff::new("PolicyName", quoted(&p.name), None)];
            self.push(
                Action::Remove,
                subject,
                "delete (no longer in the file)",
                Operation::DeletePolicy { policy_id: p.id.clone() },
                diff,
                deps.into_iter().map(Some).collect(),
            );
        }
    }

    /// Owned OUs no longer in the file (or replaced) are deleted once empty; an OU that would
    /// still hold something orgctl does not move out is kept, and said so.
    fn removed_ous(&mut self) {
        let removed: BTreeMap<&str, &OuState> = self
            .actual
            .ous
            .values()
            .filter(|o| !self.matched_ous.contains(&o.id) && OrgState::owner_of(&o.tags).is_some())
            .map(|o| (o.id.as_str(), o))
            .collect();
        let moving: HashSet<String> = self
            .changes
            .iter()
            .filter_map(|c| match &c.operation {
                Operation::MoveAccount { account: Handle::Existing(id), .. } => Some(id.clone()),
                _ => None,
            })
            .collect();
        let mut deletable: HashMap<&str, bool> = HashMap::new();
        let mut ordered: Vec<&OuState> = removed.values().copied().collect();
        ordered.sort_by_key(|o| std::cmp::Reverse(self.actual.depth_of(&o.id)));
        let mut delete_change: HashMap<&str, usize> = HashMap::new();
        for ou in ordered {
            let staying: Vec<&AccountState> =
                self.actual.accounts.values().filter(|a| a.parent_id == ou.id && !moving.contains(&a.id)).collect();
            let children: Vec<&OuState> = self.actual.ous.values().filter(|c| c.parent_id == ou.id).collect();
            let children_go = children.iter().all(|c| deletable.get(c.id.as_str()).copied().unwrap_or(false));
            let ok = staying.is_empty() && children_go;
            deletable.insert(&ou.id, ok);
            if !ok {
                let why = if staying.is_empty() {
                    "an OU inside it is kept".to_string()
                } else {
                    format!(
                        "it still holds {}",
                        staying.iter().map(|a| format!("{} ({})", a.name, a.id)).collect::<Vec<_>>().join(", ")
                    )
                };
                self.notes.push(Note {
                    message: format!("OU {} ({}) is no longer in the file but is kept: {why}", ou.name, ou.id),
                });
                continue;
            }
            let mut deps: Vec<Option<usize>> =
                self.moves_out_of.get(&ou.id).into_iter().flatten().map(|d| Some(*d)).collect();
            deps.extend(self.detaches_on.get(&ou.id).into_iter().flatten().map(|d| Some(*d)));
            deps.extend(children.iter().map(|c| delete_change.get(c.id.as_str()).copied()));
            let subject = format!("organizational unit {} ({})", ou.name, ou.id);
            let diff = vec![PropertyDiff::new("Parent", Some(self.actual.path_of(&ou.parent_id)), None)];
            let id = self.push(
                Action::Remove,
                subject,
                "delete (no longer in the file, or replaced)",
                Operation::DeleteOu { ou_id: ou.id.clone() },
                diff,
                deps,
            );
            delete_change.insert(&ou.id, id);
        }
    }
}
