//! Applying a saved plan: verified before anything runs. It must have been made by this version,
//! for this organization, from the organization (and stacks) as they are now, and every operation
//! must fit them (see [`crate::plan::check`]); what is shown is then described from the operations.

use crate::model::{OrgState, StackState};
use crate::plan::check::Defect;
use crate::plan::{self, Plan};
use crate::provider::{Provider, ProviderError};
use std::fmt;

/// Why a saved plan is not applied.
#[derive(Debug)]
pub enum Refusal {
    Version { made_by: String },
    Organization { made_for: String, this: String },
    Stale,
    Defects(Vec<Defect>),
    Provider(ProviderError),
}

impl From<ProviderError> for Refusal {
    fn from(e: ProviderError) -> Self {
        Refusal::Provider(e)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Version { made_by } => {
                write!(f, "this plan was made by orgctl {made_by}, this is {}", env!("CARGO_PKG_VERSION"))
            }
            Refusal::Organization { made_for, this } => write!(f, "this plan was made for {made_for}, not {this}"),
            Refusal::Stale => write!(
                f,
                "the organization changed since this plan was made; the saved plan is stale and was not applied"
            ),
            Refusal::Defects(defects) => {
                write!(f, "the plan cannot be applied as it stands; nothing was changed:")?;
                for d in defects.iter().take(20) {
                    write!(f, "\n  - {d}")?;
                }
                if defects.len() > 20 {
                    write!(f, "\n  ... and {} more", defects.len() - 20)?;
                }
                Ok(())
            }
            Refusal::Provider(e) => write!(f, "{e}"),
        }
    }
}

impl Refusal {
    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            Refusal::Version { .. } => "make the plan again with this version",
            Refusal::Organization { .. } => "apply it to the organization it was made for",
            Refusal::Stale => "run `orgctl plan --out PLAN` again, review it, and apply the new plan",
            Refusal::Defects(_) => {
                "a saved plan must be applied as `orgctl plan --out` wrote it: make the plan again and review it"
            }
            Refusal::Provider(_) => "check the credentials and the organization",
        }
    }
}

/// A saved plan ready to apply: its changes described from their operations.
pub struct Verified {
    pub plan: Plan,
    pub state: OrgState,
    pub stacks: Vec<StackState>,
}

/// Verifies `plan` against the organization `provider` opens, and describes it from its operations.
pub async fn verify(mut plan: Plan, provider: &dyn Provider) -> Result<Verified, Refusal> {
    if plan.orgctl_version != env!("CARGO_PKG_VERSION") {
        return Err(Refusal::Version { made_by: plan.orgctl_version });
    }
    if plan.provider != provider.describe() {
        return Err(Refusal::Organization { made_for: plan.provider, this: provider.describe() });
    }
    let state = provider.read().await?;
    let mut stacks = Vec::new();
    for (account, region) in &plan.stack_places {
        stacks.extend(provider.read_stacks(crate::provider::At::new(account, region)).await?);
    }
    let stacks_changed =
        plan.stacks_fingerprint.as_ref().is_some_and(|expected| &plan::stacks_fingerprint(&stacks) != expected);
    let identity_changed = match &plan.identity_fingerprint {
        Some(expected) => {
            let live = provider.read_identity_center(&plan.identity_scope).await?;
            live.map(|i| plan::identity_fingerprint(&i)).as_ref() != Some(expected)
        }
        None => false,
    };
    if state.fingerprint() != plan.state_fingerprint || stacks_changed || identity_changed {
        return Err(Refusal::Stale);
    }
    let defects = plan::check::check(&plan, &state, &stacks);
    if !defects.is_empty() {
        return Err(Refusal::Defects(defects));
    }
    // Shown from the operations that will run, never from text stored in the file.
    plan::describe_from_operations(&mut plan, &state, &stacks);
    Ok(Verified { plan, state, stacks })
}
