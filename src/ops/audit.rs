//! The audit workflow: the organization read once (with the plan of a file, when one is given,
//! which reads it for the audit), its stacks and what it delegates, then the report.

use super::{read, Planned, Project};
use crate::audit::{self, report::Report, thresholds::Thresholds};
use crate::provider::{Provider, ProviderError};

/// The file an audit compares the organization with: its project, named, and its plan.
pub struct AuditedFile<'a> {
    pub name: String,
    pub project: &'a Project,
    pub planned: &'a Planned,
}

/// The audit report of the organization `provider` opens (as `planned` read it, when a file is
/// given; read now otherwise).
pub async fn audit(
    provider: &dyn Provider,
    file: Option<AuditedFile<'_>>,
    thresholds: &Thresholds,
) -> Result<Report, ProviderError> {
    let state = match &file {
        Some(f) => f.planned.state.clone(),
        None => provider.read().await?,
    };
    // Stacks: those the plan read for a task file, else every region orgctl recorded on the root,
    // read the same way (one parallel read either way).
    let stacks = match file.as_ref().and_then(|f| f.planned.stacks.clone()) {
        Some(stacks) => stacks,
        None => read::stacks_in(provider, &super::recorded_stack_places(&state)).await?,
    };
    let comparison = file.as_ref().map(|f| audit::FileComparison {
        name: f.name.clone(),
        plan: &f.planned.plan,
        unmanaged: audit::compare::unmanaged(&f.project.desired, &state),
        locations: audit::compare::locations(&f.project.org, &f.project.desired, &state),
    });
    let governance = provider.read_governance().await?;
    // Identity Center: an endpoint without it (or without the permission to read it) leaves the
    // access table out, said in the log; any other failure is the audit's.
    let identity = match provider.read_identity_center(&crate::model::IdentityScope::Everywhere).await {
        Ok(identity) => identity,
        Err(e)
            if matches!(
                e.kind(),
                crate::provider::ErrorKind::Unsupported | crate::provider::ErrorKind::AccessDenied
            ) =>
        {
            tracing::warn!("Identity Center not read: {e}");
            None
        }
        Err(e) => return Err(e),
    };
    let input = audit::AuditInput {
        state: &state,
        governance: &governance,
        stacks: &stacks,
        identity: identity.as_ref(),
        provider: provider.describe(),
        file: comparison,
    };
    Ok(audit::audit(&input, thresholds))
}
