//! `orgctl audit` — what the organization is (inventory), how it differs from the file
//! (drift, in the plan's own terms), and where it falls short of good practice (findings).

pub mod checks;
pub mod compare;
pub mod identity;
pub mod inventory;
pub mod order;
pub mod render;
pub mod report;
pub mod thresholds;

use crate::model::{OrgState, StackState};
use crate::plan::Plan;
use report::*;
use thresholds::Thresholds;

pub const SCHEMA: &str = "orgctl-audit/1";

/// What the audit looks at.
pub struct AuditInput<'a> {
    pub state: &'a OrgState,
    pub governance: &'a crate::model::Governance,
    pub stacks: &'a [StackState],
    /// The Identity Center instance, when the organization has one.
    pub identity: Option<&'a crate::model::IdentityCenterState>,
    pub provider: String,
    /// The file compared with, when one is given.
    pub file: Option<FileComparison<'a>>,
}

/// A file the organization is compared with: its plan, what it does not manage, and where it
/// declares what it does.
pub struct FileComparison<'a> {
    pub name: String,
    pub plan: &'a Plan,
    pub unmanaged: compare::Unmanaged,
    pub locations: std::collections::BTreeMap<String, (String, usize)>,
}

/// The plan's changes, one item per resource as the plan shows them, its notes, and every
/// account, OU and SCP the file does not manage.
fn drift(plan: &Plan, unmanaged: &compare::Unmanaged, state: &OrgState) -> Vec<DriftItem> {
    let mut items: Vec<DriftItem> = plan
        .by_resource()
        .iter()
        .filter_map(|resource| {
            let first = resource.changes.first()?;
            let mut summaries: Vec<&str> = Vec::new();
            for c in &resource.changes {
                if !summaries.contains(&c.summary.as_str()) {
                    summaries.push(&c.summary);
                }
            }
            Some(DriftItem {
                symbol: resource.action.symbol().to_string(),
                subject: first.subject.clone(),
                summary: summaries.join(", "),
                details: resource.changes.iter().flat_map(|c| c.diff.iter().map(detail)).collect(),
            })
        })
        .collect();
    items.extend(plan.notes.iter().map(|n| DriftItem {
        symbol: "!".into(),
        subject: n.message.clone(),
        summary: "noted by the plan".into(),
        details: Vec::new(),
    }));
    let not_managed = |subject: String| DriftItem {
        symbol: "!".into(),
        subject,
        summary: "in the organization, not managed by the file".into(),
        details: Vec::new(),
    };
    let mut accounts: Vec<&crate::model::AccountState> =
        unmanaged.accounts.iter().filter_map(|id| state.accounts.get(id)).collect();
    accounts.sort_by(|a, b| order::natural(&a.name, &b.name));
    items.extend(accounts.iter().map(|a| not_managed(format!("account {} ({})", a.name, a.id))));
    let mut ous: Vec<(String, &str)> = unmanaged.ous.iter().map(|id| (state.path_of(id), id.as_str())).collect();
    ous.sort_by(|a, b| order::natural(&a.0, &b.0));
    items.extend(ous.iter().map(|(path, id)| not_managed(format!("organizational unit {path} ({id})"))));
    let mut policies: Vec<&crate::model::PolicyState> =
        unmanaged.policies.iter().filter_map(|id| state.policies.get(id)).collect();
    policies.sort_by(|a, b| order::natural(&a.name, &b.name));
    items.extend(policies.iter().map(|p| not_managed(format!("{} {} ({})", p.policy_type.noun(), p.name, p.id))));
    items
}

/// One property difference as a line of the report.
fn detail(d: &crate::plan::PropertyDiff) -> String {
    let multiline =
        d.old.as_deref().is_some_and(|v| v.contains('\n')) || d.new.as_deref().is_some_and(|v| v.contains('\n'));
    match (&d.old, &d.new) {
        _ if multiline => format!("{}: differs", d.property),
        (Some(o), Some(n)) => format!("{}: {o} → {n}", d.property),
        (None, Some(n)) => format!("{}: {n}", d.property),
        (Some(o), None) => format!("{}: {o} (removed)", d.property),
        (None, None) => d.property.clone(),
    }
}

pub fn audit(input: &AuditInput, thresholds: &Thresholds) -> Report {
    let inventory = inventory::build(input.state, input.stacks);
    let unmanaged = input.file.as_ref().map(|f| f.unmanaged.accounts.as_slice());
    let mut findings = checks::run(input.state, input.governance, input.stacks, unmanaged, thresholds);
    if let Some(identity) = input.identity {
        identity::checks(input.state, identity, thresholds, &mut findings);
        checks::sort(&mut findings);
    }
    let drift = input.file.as_ref().map(|f| drift(f.plan, &f.unmanaged, input.state));
    let mut counts = std::collections::BTreeMap::new();
    for s in Severity::ALL {
        counts.insert(s.name(), findings.iter().filter(|f| f.severity == s).count());
    }
    Report {
        schema: SCHEMA,
        orgctl_version: env!("CARGO_PKG_VERSION"),
        organization_id: input.state.organization_id.clone(),
        management_account_id: input.state.management_account_id.to_string(),
        provider: input.provider.clone(),
        file: input.file.as_ref().map(|f| f.name.clone()),
        summary: Summary {
            accounts: inventory.accounts.len(),
            ous: inventory.ous.len(),
            policies: inventory.policies.len(),
            stacks: inventory.stacks.len(),
            findings: counts,
            drift: drift.as_ref().map_or(0, Vec::len),
        },
        inventory,
        governance: input.governance.clone(),
        drift,
        findings,
        effective_access: effective_access(input.state),
        identity_center: input.identity.map(|i| identity::report(input.state, i)),
        locations: input.file.as_ref().map(|f| f.locations.clone()).unwrap_or_default(),
    }
}

/// The effective-access view: for the root and each OU, what an account there may do where
/// (computed once per distinct set of policies on the path). Empty when SCPs are not enabled.
fn effective_access(state: &crate::model::OrgState) -> Vec<report::OuAccess> {
    if !state.root.scp_enabled {
        return Vec::new();
    }
    let mut parents: Vec<(String, &str)> = vec![("Root".to_string(), state.root.id.as_str())];
    parents.extend(state.ous.values().map(|ou| (state.path_of(&ou.id), ou.id.as_str())));
    parents.sort();
    // One evaluation per distinct set of policies on the path.
    let paths: Vec<Vec<crate::policy::evaluate::Level>> =
        parents.iter().map(|(_, id)| crate::plan::hierarchy::live_under(state, id)).collect();
    let key = |levels: &[crate::policy::evaluate::Level]| -> Vec<Vec<String>> {
        levels.iter().map(|l| l.policies.iter().map(|p| p.id.clone()).collect()).collect()
    };
    let mut distinct: Vec<Vec<crate::policy::evaluate::Level>> = Vec::new();
    let mut index: std::collections::HashMap<Vec<Vec<String>>, usize> = Default::default();
    let slots: Vec<usize> = paths
        .iter()
        .map(|levels| {
            *index.entry(key(levels)).or_insert_with(|| {
                distinct.push(levels.clone());
                distinct.len() - 1
            })
        })
        .collect();
    let access = crate::policy::effect::access(&distinct, "000000000000");
    parents
        .into_iter()
        .zip(slots)
        .map(|((path, _), slot)| report::OuAccess { path, access: access[slot].clone() })
        .collect()
}
