//! `orgctl audit` — what the organization is (inventory), how it differs from the file
//! (drift, in the plan's own terms), and where it falls short of good practice (findings).

pub mod checks;
pub mod inventory;
pub mod model;
pub mod order;
pub mod render;
pub mod thresholds;

use crate::model::{OrgState, StackState};
use crate::plan::Plan;
use model::*;
use thresholds::Thresholds;

pub const SCHEMA: &str = "orgctl-audit/1";

/// What the audit looks at.
pub struct AuditInput<'a> {
    pub state: &'a OrgState,
    pub stacks: &'a [StackState],
    pub provider: String,
    /// The file compared with, its plan, and the accounts it does not manage.
    pub file: Option<(String, &'a Plan, Vec<String>)>,
}

/// The plan's changes and notes, as drift.
fn drift(plan: &Plan) -> Vec<DriftItem> {
    let mut items: Vec<DriftItem> = plan
        .changes
        .iter()
        .map(|c| DriftItem {
            symbol: c.action.symbol().to_string(),
            subject: c.subject.clone(),
            summary: c.summary.clone(),
            details: c
                .diff
                .iter()
                .map(|d| {
                    let multiline = d.old.as_deref().is_some_and(|v| v.contains('\n'))
                        || d.new.as_deref().is_some_and(|v| v.contains('\n'));
                    match (&d.old, &d.new) {
                        _ if multiline => format!("{}: differs", d.property),
                        (Some(o), Some(n)) => format!("{}: {o} → {n}", d.property),
                        (None, Some(n)) => format!("{}: {n}", d.property),
                        (Some(o), None) => format!("{}: {o} (removed)", d.property),
                        (None, None) => d.property.clone(),
                    }
                })
                .collect(),
        })
        .collect();
    items.extend(plan.notes.iter().map(|n| DriftItem {
        symbol: "!".into(),
        subject: n.message.clone(),
        summary: "not managed by the file".into(),
        details: Vec::new(),
    }));
    items
}

pub fn audit(input: &AuditInput, thresholds: &Thresholds) -> Report {
    let inventory = inventory::build(input.state, input.stacks);
    let unmanaged = input.file.as_ref().map(|(_, _, u)| u.as_slice());
    let findings = checks::run(input.state, input.stacks, unmanaged, thresholds);
    let drift = input.file.as_ref().map(|(_, plan, _)| drift(plan));
    let mut counts = std::collections::BTreeMap::new();
    for s in Severity::ALL {
        counts.insert(s.name(), findings.iter().filter(|f| f.severity == s).count());
    }
    Report {
        schema: SCHEMA,
        orgctl_version: env!("CARGO_PKG_VERSION"),
        organization_id: input.state.organization_id.clone(),
        management_account_id: input.state.management_account_id.clone(),
        provider: input.provider.clone(),
        file: input.file.as_ref().map(|(f, _, _)| f.clone()),
        summary: Summary {
            accounts: inventory.accounts.len(),
            ous: inventory.ous.len(),
            policies: inventory.policies.len(),
            stacks: inventory.stacks.len(),
            findings: counts,
            drift: drift.as_ref().map_or(0, Vec::len),
        },
        inventory,
        drift,
        findings,
    }
}
