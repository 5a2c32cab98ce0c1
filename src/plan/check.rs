//! Checks that a plan can be carried out as it stands, before anything runs: its structure
//! (change ids, edges, no cycle) and every operation against the live organization (each id it
//! names exists and is of the right kind, nothing orgctl does not own is deleted, no target is
//! left without an SCP, no resource is created twice). A plan made by `orgctl plan` always
//! passes; a saved plan edited by hand, or corrupted, is refused here.

use super::change::{Change, Handle, Operation, Plan};
use super::identity::IdentityOperation;
use super::organization::OrganizationOperation;
use crate::model::{OrgState, StackState};
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
pub(super) enum Kind {
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
    let mut checker = Checker {
        state,
        plan,
        stacks: super::describe::live_stacks(stacks),
        creators: HashMap::new(),
        scps: BTreeMap::new(),
        defects: Vec::new(),
    };
    checker.collect_creators();
    for c in &plan.changes {
        checker.operation(c);
    }
    for (target, count) in std::mem::take(&mut checker.scps) {
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

/// What the areas' checks share: the live organization and stacks, the resources the plan
/// creates, the SCPs each target will have, and the defects found so far.
pub(super) struct Checker<'a> {
    pub(super) state: &'a OrgState,
    plan: &'a Plan,
    stacks: HashMap<(&'a str, &'a str, &'a str), &'a StackState>,
    /// The change that creates each new resource, and its kind, by logical id.
    creators: HashMap<&'a str, (usize, Kind)>,
    /// SCPs on each target once the plan has run, for the last-SCP rule.
    scps: BTreeMap<String, isize>,
    defects: Vec<Defect>,
}

impl<'a> Checker<'a> {
    pub(super) fn fail(&mut self, change: usize, message: String) {
        self.defects.push(Defect { change: Some(change), message });
    }

    fn collect_creators(&mut self) {
        let mut emails: HashSet<String> = HashSet::new();
        for c in &self.plan.changes {
            let Operation::Organization(op) = &c.operation else { continue };
            let (lid, kind) = match op {
                OrganizationOperation::CreateOu { logical_id, .. } => (logical_id, Kind::Parent),
                OrganizationOperation::CreatePolicy { logical_id, .. } => (logical_id, Kind::Policy),
                OrganizationOperation::CreateAccount { logical_id, email, .. } => {
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
    pub(super) fn handle(&mut self, change: &Change, handle: &Handle, kind: Kind) {
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

    /// The live stack at a place, if the plan read one.
    pub(super) fn stack(&self, account_id: &str, region: &str, name: &str) -> Option<&'a StackState> {
        self.stacks.get(&(account_id, region, name)).copied()
    }

    fn operation(&mut self, c: &Change) {
        match &c.operation {
            Operation::Organization(op) => op.check(c, self),
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
            Operation::IdentityCenter(op) => {
                let plan = self.plan;
                let created =
                    |lid: &str| {
                        plan.changes.iter().find_map(|other| match &other.operation {
                            Operation::IdentityCenter(IdentityOperation::CreatePermissionSet {
                                logical_id, ..
                            }) if logical_id == lid => Some((other.id, true)),
                            Operation::Organization(OrganizationOperation::CreateAccount { logical_id, .. })
                                if logical_id == lid =>
                            {
                                Some((other.id, false))
                            }
                            _ => None,
                        })
                    };
                for defect in op.defects(&c.depends_on, &created) {
                    self.fail(c.id, defect);
                }
            }
            Operation::Deployment(op) => op.check(c, self),
        }
    }

    /// Counts an SCP attached to (`delta` 1) or detached from (-1) a target; other policy types
    /// are not counted (the last-SCP rule is about SCPs).
    pub(super) fn count_scp(&mut self, policy: &Handle, target: &Handle, delta: isize) {
        if !self.is_scp(policy) {
            return;
        }
        let key = match target {
            Handle::Existing(id) => id.clone(),
            Handle::New(lid) => lid.to_string(),
        };
        // The SCPs a target has before the plan are counted once, on its first attach or detach.
        if !self.scps.contains_key(&key) {
            let before = self.scps_on(target);
            self.scps.insert(key.clone(), before);
        }
        *self.scps.entry(key).or_default() += delta;
    }

    /// Whether the policy is an SCP.
    fn is_scp(&self, policy: &Handle) -> bool {
        let policy_type =
            match policy {
                Handle::Existing(id) => self.state.policies.get(id).map(|p| p.policy_type),
                Handle::New(lid) => self.plan.changes.iter().find_map(|c| match &c.operation {
                    Operation::Organization(OrganizationOperation::CreatePolicy {
                        logical_id, policy_type, ..
                    }) if logical_id == lid => Some(*policy_type),
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

    pub(super) fn region(&mut self, c: &Change, region: &str) {
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
