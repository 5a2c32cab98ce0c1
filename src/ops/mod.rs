//! The operations under the command line (as cargo's `ops`): each workflow one function the CLI
//! calls — plan a project (`plan`), read what it needs (`read`, `fetch`, `access_report`),
//! verify a saved plan (`saved`), apply a saved plan or a project (`apply`), audit (`audit`),
//! import (`import`), explain a request (`explain`). The CLI parses
//! arguments, calls one of these, renders what comes back and maps exit codes; tests call them
//! directly, without the binary.

pub mod access_report;
pub mod apply;
pub mod audit;
pub mod explain;
pub mod fetch;
pub mod import;
pub mod plan;
pub mod project;
pub mod read;
pub mod saved;

pub use plan::{plan, plan_project, PlanError, PlanOptions, Planned, ReadProgress};
pub use project::Project;

use crate::model::{OrgState, STACK_REGIONS_TAG};

/// Where orgctl's stacks can be without a task file to say so: every active account, in every
/// region orgctl recorded on the root when it deployed stacks.
pub fn recorded_stack_places(state: &OrgState) -> Vec<(crate::model::AccountId, crate::model::Region)> {
    let regions: Vec<&str> =
        state.root.tags.get(STACK_REGIONS_TAG).map(|r| r.split_whitespace().collect()).unwrap_or_default();
    state
        .accounts
        .values()
        .filter(|a| a.status.is_active())
        .flat_map(|a| regions.iter().map(move |r| (a.id.clone(), crate::model::Region::from(*r))))
        .collect()
}
