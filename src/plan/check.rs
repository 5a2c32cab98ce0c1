//! Checks that a plan can be carried out as it stands, before anything runs: its structure
//! (change ids, edges, no cycle) and every operation against the live organization (each id it
//! names exists and is of the right kind, nothing orgctl does not own is deleted, no target is
//! left without an SCP, no resource is created twice). A plan made by `orgctl plan` always
//! passes; a saved plan edited by hand, or corrupted, is refused here.

use super::change::{Change, Handle, Operation, Plan};
use crate::model::{OrgState, StackState, OWNER_TAG};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// One reason a plan cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defect {
    /// The change at fault, when there is one.
    pub change: Option<usize>,
    pub message: String,
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.change {
            Some(id) => write!(f, "change #{id}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// What kind of resource an id or logical id must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Account,
    /// The root or an OU: where an account or OU can be.
    Parent,
    /// The root, an OU or an account: what a policy attaches to.
    Target,
    Policy,
    /// Anything that can carry tags.
    Taggable,
}

/// Checks the plan's structure only (no organization needed).
pub fn check_structure(plan: &Plan) -> Vec<Defect> {
    let mut defects = Vec::new();
    let n = plan.changes.len();
    for (position, c) in plan.changes.iter().enumerate() {
        if c.id != position {
            defects.push(Defect {
                change: None,
                message: format!("the change at position {position} has id {}: ids must be 0, 1, 2... in order", c.id),
            });
            return defects;
        }
        for &d in c.depends_on.iter().chain(&c.after) {
            if d >= n || d == c.id {
                defects.push(Defect {
                    change: Some(c.id),
                    message: format!("depends on change #{d}, which is not in the plan"),
                });
            }
        }
        if c.group.as_ref().is_some_and(|g| g.limit == 0) {
            defects.push(Defect { change: Some(c.id), message: "its group allows 0 changes at once".into() });
        }
    }
    if defects.is_empty() {
        if let Some(id) = cycle(&plan.changes) {
            defects.push(Defect { change: Some(id), message: "its dependencies form a cycle".into() });
        }
    }
    defects
}

/// A change on a dependency cycle, if there is one.
fn cycle(changes: &[Change]) -> Option<usize> {
    let mut graph = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = changes.iter().map(|c| graph.add_node(c.id)).collect();
    for c in changes {
        for &d in c.depends_on.iter().chain(&c.after) {
            graph.add_edge(nodes[d], nodes[c.id], ());
        }
    }
    petgraph::algo::toposort(&graph, None).err().map(|e| graph[e.node_id()])
}

/// Checks the plan's structure, then every operation against `state` (the live organization) and
/// `stacks` (the live stacks of the places the plan read).
pub fn check(plan: &Plan, state: &OrgState, stacks: &[StackState]) -> Vec<Defect> {
    let mut defects = check_structure(plan);
    if !defects.is_empty() {
        return defects;
    }
    let mut checker = Checker { state, plan, creators: HashMap::new(), defects: Vec::new() };
    checker.collect_creators();
    let live_stacks: HashMap<(&str, &str, &str), &StackState> =
        stacks.iter().map(|s| ((s.account_id.as_str(), s.region.as_str(), s.name.as_str()), s)).collect();
    // SCPs on each target once the plan has run, for the last-SCP rule.
    let mut attached: BTreeMap<String, isize> = BTreeMap::new();
    for c in &plan.changes {
        checker.operation(c, &live_stacks, &mut attached);
    }
    for (target, count) in attached {
        if count < 1 {
            checker.defects.push(Defect {
                change: None,
                message: format!("{target} would be left without any SCP (AWS requires one on every target)"),
            });
        }
    }
    defects.append(&mut checker.defects);
    defects
}

struct Checker<'a> {
    state: &'a OrgState,
    plan: &'a Plan,
    /// The change that creates each new resource, and its kind, by logical id.
    creators: HashMap<&'a str, (usize, Kind)>,
    defects: Vec<Defect>,
}

impl<'a> Checker<'a> {
    fn fail(&mut self, change: usize, message: String) {
        self.defects.push(Defect { change: Some(change), message });
    }

    fn collect_creators(&mut self) {
        let mut emails: HashSet<String> = HashSet::new();
        for c in &self.plan.changes {
            let (lid, kind) = match &c.operation {
                Operation::CreateOu { logical_id, .. } => (logical_id, Kind::Parent),
                Operation::CreatePolicy { logical_id, .. } => (logical_id, Kind::Policy),
                Operation::CreateAccount { logical_id, email, .. } => {
                    if !emails.insert(email.to_lowercase()) {
                        self.fail(c.id, format!("creates a second account with the email {email}"));
                    }
                    (logical_id, Kind::Account)
                }
                _ => continue,
            };
            if self.creators.insert(lid.as_str(), (c.id, kind)).is_some() {
                self.fail(c.id, format!("creates {lid} a second time"));
            }
        }
    }

    /// Whether live resource `id` is of `kind`.
    fn exists(&self, id: &str, kind: Kind) -> bool {
        let s = self.state;
        let is_root = id == s.root.id;
        let (ou, account, policy) = (s.ous.contains_key(id), s.accounts.contains_key(id), s.policies.contains_key(id));
        match kind {
            Kind::Account => account,
            Kind::Parent => is_root || ou,
            Kind::Target => is_root || ou || account,
            Kind::Policy => policy,
            Kind::Taggable => is_root || ou || account || policy,
        }
    }

    /// Checks that `handle` names a resource of `kind`: live, or created earlier by a change this
    /// change depends on.
    fn handle(&mut self, change: &Change, handle: &Handle, kind: Kind) {
        match handle {
            Handle::Existing(id) if !self.exists(id, kind) => {
                self.fail(change.id, format!("names {id}, which is not {} of this organization", describe_kind(kind)));
            }
            Handle::Existing(_) => {}
            Handle::New(lid) => match self.creators.get(lid.as_str()).copied() {
                None => self.fail(change.id, format!("uses {lid}, which no change of the plan creates")),
                Some((_, made)) if !compatible(made, kind) => self.fail(
                    change.id,
                    format!("uses {lid} as {}, but the plan creates it as something else", describe_kind(kind)),
                ),
                Some((creator, _)) if !change.depends_on.contains(&creator) => self.fail(
                    change.id,
                    format!("uses {lid}, created by change #{creator}, without depending on that change"),
                ),
                Some(_) => {}
            },
        }
    }

    fn owned(tags: &crate::model::Tags) -> bool {
        tags.contains_key(OWNER_TAG)
    }

    fn operation(
        &mut self,
        c: &Change,
        stacks: &HashMap<(&str, &str, &str), &StackState>,
        attached: &mut BTreeMap<String, isize>,
    ) {
        let state = self.state;
        let target_key = |h: &Handle| match h {
            Handle::Existing(id) => id.clone(),
            Handle::New(lid) => lid.clone(),
        };
        match &c.operation {
            Operation::IdentityCenter(op) => {
                let plan = self.plan;
                let created = |lid: &str| {
                    plan.changes.iter().find_map(|other| match &other.operation {
                        Operation::IdentityCenter(crate::plan::IdentityOperation::CreatePermissionSet {
                            logical_id,
                            ..
                        }) if logical_id == lid => Some((other.id, true)),
                        Operation::CreateAccount { logical_id, .. } if logical_id == lid => Some((other.id, false)),
                        _ => None,
                    })
                };
                for defect in op.defects(&c.depends_on, &created) {
                    self.fail(c.id, defect);
                }
            }
            Operation::EnablePolicyType { root_id, policy_type } if *root_id != state.root.id => {
                self.fail(c.id, format!("enables {policy_type} on {root_id}, which is not this organization's root"));
            }
            Operation::EnablePolicyType { .. } => {}
            Operation::CreateOu { parent, .. } => self.handle(c, parent, Kind::Parent),
            Operation::RenameOu { ou_id, .. } if !state.ous.contains_key(ou_id) => {
                self.fail(c.id, format!("renames {ou_id}, which is not an OU of this organization"));
            }
            Operation::RenameOu { .. } => {}
            Operation::DeleteOu { ou_id } => match state.ous.get(ou_id) {
                None => self.fail(c.id, format!("deletes {ou_id}, which is not an OU of this organization")),
                Some(ou) if !Self::owned(&ou.tags) => {
                    self.fail(c.id, format!("deletes OU {ou_id}, which orgctl does not own (no {OWNER_TAG} tag)"));
                }
                Some(_) => {}
            },
            Operation::CreateAccount { .. } => {}
            Operation::CloseAccount { account_id } => match state.accounts.get(account_id) {
                None => self.fail(c.id, format!("closes {account_id}, which is not an account of this organization")),
                Some(_) if *account_id == state.management_account_id => {
                    self.fail(c.id, "closes the management account".to_string());
                }
                Some(a) if !Self::owned(&a.tags) => {
                    self.fail(
                        c.id,
                        format!("closes account {account_id}, which orgctl does not own (no {OWNER_TAG} tag)"),
                    );
                }
                Some(_) => {}
            },
            Operation::RenameAccount { account, .. } => self.handle(c, account, Kind::Account),
            Operation::Setting(op) => {
                self.handle(c, op.account(), Kind::Account);
                for defect in op.defects(&self.state.management_account_id) {
                    self.fail(c.id, defect);
                }
            }
            Operation::Delegation(op) => {
                if let Some(account) = op.account() {
                    self.handle(c, &account, Kind::Account);
                }
                for defect in op.defects() {
                    self.fail(c.id, defect);
                }
            }
            Operation::MoveAccount { account, from, to } => {
                self.handle(c, account, Kind::Account);
                self.handle(c, to, Kind::Parent);
                let current = match account {
                    Handle::Existing(id) => state.accounts.get(id).map(|a| a.parent_id.as_str()),
                    Handle::New(_) => Some(state.root.id.as_str()),
                };
                if current.is_some_and(|p| from.existing_id() != Some(p)) {
                    self.fail(c.id, format!("moves an account from {}, which is not where it is", target_key(from)));
                }
            }
            Operation::TagResource { resource, .. } | Operation::UntagResource { resource, .. } => {
                self.handle(c, resource, Kind::Taggable);
            }
            Operation::CreatePolicy { .. } => {}
            Operation::UpdatePolicy { policy_id, .. } | Operation::DeletePolicy { policy_id } => {
                let deleting = matches!(c.operation, Operation::DeletePolicy { .. });
                match state.policies.get(policy_id) {
                    None => self.fail(c.id, format!("names policy {policy_id}, which is not in this organization")),
                    Some(p) if p.aws_managed => self.fail(c.id, format!("changes {}, which AWS manages", p.name)),
                    Some(p) if deleting && !Self::owned(&p.tags) => {
                        self.fail(c.id, format!("deletes policy {}, which orgctl does not own", p.name));
                    }
                    Some(_) => {}
                }
            }
            Operation::AttachPolicy { policy, target } => {
                self.handle(c, policy, Kind::Policy);
                self.handle(c, target, Kind::Target);
                if self.is_scp(policy) {
                    *attached.entry(target_key(target)).or_insert_with(|| self.scps_on(target)) += 1;
                }
            }
            Operation::DetachPolicy { policy_id, target_id } => {
                match state.policies.get(policy_id) {
                    None => {
                        self.fail(c.id, format!("detaches {policy_id}, which is not a policy of this organization"))
                    }
                    Some(p) if p.aws_managed => {
                        self.fail(c.id, format!("detaches {}, which orgctl never detaches", p.name));
                    }
                    Some(p) if !p.targets.contains(target_id) => {
                        self.fail(c.id, format!("detaches {} from {target_id}, where it is not attached", p.name));
                    }
                    Some(_) => {}
                }
                let target = Handle::Existing(target_id.clone());
                if self.is_scp(&Handle::Existing(policy_id.clone())) {
                    *attached.entry(target_id.clone()).or_insert_with(|| self.scps_on(&target)) -= 1;
                }
            }
            Operation::CreateStack { account, region, .. } => {
                self.handle(c, account, Kind::Account);
                self.region(c, region);
            }
            Operation::UpdateStack { account_id, region, .. } => {
                self.handle(c, &Handle::Existing(account_id.clone()), Kind::Account);
                self.region(c, region);
            }
            Operation::RunWorkload { account, record, .. } => {
                self.handle(c, account, Kind::Account);
                if !record.name.starts_with("orgctl-workload-") {
                    self.fail(c.id, format!("writes {}, which is not a workload record", record.name));
                }
            }
            Operation::RemoveWorkload { account_id, region, record_name, .. } => {
                match stacks.get(&(account_id.as_str(), region.as_str(), record_name.as_str())) {
                    Some(s) if crate::plan::workloads::record_of(s).is_some() => {}
                    _ => self.fail(c.id, format!("removes workload record {record_name} in {account_id}/{region}, which the plan did not read")),
                }
            }
            Operation::DeleteStack { account_id, region, name } => {
                match stacks.get(&(account_id.as_str(), region.as_str(), name.as_str())) {
                    None => self.fail(
                        c.id,
                        format!("deletes stack {name} in {account_id}/{region}, which the plan did not read"),
                    ),
                    Some(s) if s.task().is_none() => {
                        self.fail(c.id, format!("deletes stack {name}, which orgctl does not own (no task tag)"));
                    }
                    Some(s) if s.termination_protection => {
                        self.fail(c.id, format!("deletes stack {name}, which has termination protection"));
                    }
                    Some(_) => {}
                }
            }
        }
    }

    /// Whether the policy is an SCP (the last-SCP rule counts only those).
    fn is_scp(&self, policy: &Handle) -> bool {
        let policy_type = match policy {
            Handle::Existing(id) => self.state.policies.get(id).map(|p| p.policy_type),
            Handle::New(lid) => self.plan.changes.iter().find_map(|c| match &c.operation {
                Operation::CreatePolicy { logical_id, policy_type, .. } if logical_id == lid => Some(*policy_type),
                _ => None,
            }),
        };
        policy_type.unwrap_or_default() == crate::model::PolicyType::ServiceControl
    }

    /// SCPs on a target before the plan runs.
    fn scps_on(&self, target: &Handle) -> isize {
        match target.existing_id() {
            Some(id) if self.state.root.scp_enabled => self.state.policies_on(id).len() as isize,
            // SCPs get enabled by the plan (FullAWSAccess everywhere), or the target is new.
            _ => 1,
        }
    }

    fn region(&mut self, c: &Change, region: &str) {
        let ok = !region.is_empty()
            && region.len() <= 32
            && region.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-');
        if !ok {
            self.fail(c.id, format!("names the region {region:?}, which is not a region name"));
        }
    }
}

fn compatible(made: Kind, wanted: Kind) -> bool {
    made == wanted || matches!((made, wanted), (Kind::Parent | Kind::Account, Kind::Target)) || wanted == Kind::Taggable
}

fn describe_kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Account => "an account",
        Kind::Parent => "the root or an OU",
        Kind::Target => "the root, an OU or an account",
        Kind::Policy => "a policy",
        Kind::Taggable => "a resource",
    }
}
