//! The OUs: created parent first, renamed, and the ones the file no longer has deleted once
//! their accounts are out.

use super::Planner;
use crate::model::{AccountState, OrgState, OuState, OWNER_TAG};
use crate::plan::change::*;
use std::collections::{BTreeMap, HashMap, HashSet};

impl Planner<'_> {
    pub(super) fn ous(&mut self) {
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
                let op = OrganizationOperation::CreateOu {
                    logical_id: ou.logical_id.as_str().into(),
                    parent,
                    name: ou.name.clone(),
                    tags,
                };
                let id = self.push(Action::Add, subject, summary, op, diff, deps);
                self.created.insert(ou.logical_id.clone(), id);
                self.ou_handles.insert(ou.logical_id.clone(), Handle::New(ou.logical_id.as_str().into()));
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
                    OrganizationOperation::RenameOu { ou_id: live.id.clone(), name: ou.name.clone() },
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

    /// Owned OUs no longer in the file (or replaced) are deleted once empty; an OU that would
    /// still hold something orgctl does not move out is kept, and said so.
    pub(super) fn removed_ous(&mut self) {
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
                Operation::Organization(OrganizationOperation::MoveAccount {
                    account: Handle::Existing(id), ..
                }) => Some(id.clone()),
                _ => None,
            })
            .collect();
        let mut deletable: HashMap<&str, bool> = HashMap::new();
        let mut ordered: Vec<&OuState> = removed.values().copied().collect();
        ordered.sort_by_key(|o| std::cmp::Reverse(self.actual.depth_of(&o.id)));
        let mut delete_change: HashMap<&str, usize> = HashMap::new();
        for ou in ordered {
            let staying: Vec<&AccountState> = self
                .actual
                .accounts
                .values()
                .filter(|a| a.parent_id == ou.id && !moving.contains(a.id.as_str()))
                .collect();
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
                OrganizationOperation::DeleteOu { ou_id: ou.id.clone() },
                diff,
                deps,
            );
            delete_change.insert(&ou.id, id);
        }
    }
}
