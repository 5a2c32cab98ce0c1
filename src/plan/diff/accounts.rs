//! The accounts: matched to the live ones (never created twice), created, renamed, moved, their
//! password policy and alias set, and closed only when the file says so.

use super::Planner;
use crate::diagnostic::Diagnostic;
use crate::model::{user_tags, AccountState, OrgState, OWNER_TAG};
use crate::plan::change::*;
use std::collections::{HashMap, HashSet};

impl Planner<'_> {
    pub(super) fn accounts(&mut self) {
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
            let handle = Handle::Existing(live.id.to_string());
            self.labels.insert(live.id.to_string(), format!("account {display}"));
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
                    OrganizationOperation::RenameAccount { account: handle.clone(), name: name.clone() },
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
                let op = OrganizationOperation::MoveAccount {
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
                self.set_alias(&subject, &handle, live.alias.as_deref(), alias, None);
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
                    Operation::Setting(SettingOperation::SetPasswordPolicy { account: handle, policy: policy.clone() }),
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
    pub(super) fn close_accounts(&mut self, closing: Vec<&AccountState>) {
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
                crate::plan::organization::CLOSE_SUMMARY,
                OrganizationOperation::CloseAccount { account_id: live.id.clone() },
                diff,
                vec![],
            );
        }
    }

    pub(super) fn new_account(
        &mut self,
        a: &crate::org_file::desired::DesiredAccount,
        subject: String,
        parent: Handle,
    ) {
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
        let op = OrganizationOperation::CreateAccount { logical_id: a.logical_id.as_str().into(), name, email, tags };
        let create = self.push(Action::Add, subject.clone(), summary, op, diff, vec![]);
        self.created.insert(a.logical_id.clone(), create);
        let handle = Handle::New(a.logical_id.as_str().into());
        self.account_handles.insert(a.logical_id.clone(), handle.clone());
        if parent.existing_id() != Some(self.actual.root.id.as_str()) {
            let diff = vec![PropertyDiff::new("Parent", Some("Root".into()), Some(self.parent_label(&parent)))];
            let deps = vec![Some(create), self.creation_of(&parent)];
            let op = OrganizationOperation::MoveAccount {
                account: handle.clone(),
                from: Handle::Existing(self.actual.root.id.clone()),
                to: parent,
            };
            self.push(Action::Move, subject.clone(), "move into its OU", op, diff, deps);
        }
        if let Some(alias) = &a.alias {
            self.set_alias(&subject, &handle, None, alias, Some(create));
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
                Operation::Setting(SettingOperation::SetPasswordPolicy { account: handle, policy: policy.clone() }),
                diff,
                vec![Some(create)],
            );
        }
    }

    /// An IAM alias is unique across AWS: one that another account of the organization holds is
    /// set only after that account's alias changes in the same plan, and refused at plan time
    /// otherwise (apply would fail halfway).
    pub(super) fn alias_order(&mut self) {
        let account_of = |h: &Handle| h.existing_id().map(str::to_string);
        let alias_changes: HashMap<String, usize> = self
            .changes
            .iter()
            .filter_map(|c| match &c.operation {
                Operation::Setting(SettingOperation::SetAlias { account, .. }) => {
                    account_of(account).map(|id| (id, c.id))
                }
                _ => None,
            })
            .collect();
        let wanted: Vec<(usize, Option<String>, String, String)> = self
            .changes
            .iter()
            .filter_map(|c| match &c.operation {
                Operation::Setting(SettingOperation::SetAlias { account, alias: Some(alias) }) => {
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
                .find(|o| o.alias.as_deref() == Some(alias.as_str()) && Some(o.id.as_str()) != account.as_deref());
            let Some(holder) = holder else { continue };
            match alias_changes.get(holder.id.as_str()) {
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

    /// Sets an account's alias (`was` the live one), after `after` when given.
    fn set_alias(&mut self, subject: &str, handle: &Handle, was: Option<&str>, alias: &str, after: Option<usize>) {
        let diff = vec![PropertyDiff::new("Alias", was.and_then(quoted), quoted(alias))];
        let op =
            Operation::Setting(SettingOperation::SetAlias { account: handle.clone(), alias: Some(alias.to_string()) });
        self.push(Action::Change, subject.to_string(), "set alias", op, diff, vec![after]);
    }
}
