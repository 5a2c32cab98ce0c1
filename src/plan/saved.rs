//! A plan saved with `plan --out`, and read back by `apply PLAN.json`.
//!
//! A saved plan is as sensitive as the credentials that will apply it: whoever can edit it chooses
//! what apply does. So apply trusts nothing in it but its operations: their structure is checked
//! ([`super::check`]), what is shown is described from the operations themselves
//! ([`super::describe`]), never from text stored in the file, and a digest over everything that
//! decides what runs catches a file corrupted on the way.

use super::change::{Plan, PLAN_FORMAT};
use sha2::{Digest, Sha256};

/// Why a file is not a plan that can be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SavedPlanError {
    #[error("it is not JSON: {0}")]
    NotJson(String),
    #[error("it is not an orgctl plan (no \"format\": \"{PLAN_FORMAT}\")")]
    NotAPlan,
    #[error("it does not have the shape of a plan: {0}")]
    Shape(String),
    #[error("its digest does not match its content: it was modified after `orgctl plan --out` wrote it")]
    Digest,
    #[error("it has no digest: it was not written by `orgctl plan --out`")]
    NoDigest,
}

/// The digest of what decides what apply does: every change's operation, edges and group, the
/// state it was planned against, where it applies and the roles it assumes. Human text (subjects,
/// summaries, diffs, notes) is left out: apply never shows it.
pub fn digest(plan: &Plan) -> String {
    let changes: Vec<serde_json::Value> = plan
        .changes
        .iter()
        .map(|c| serde_json::json!([c.id, c.action, c.operation, c.depends_on, c.after, c.group]))
        .collect();
    let decisive = serde_json::json!({
        "format": plan.format,
        "orgctl_version": plan.orgctl_version,
        "provider": plan.provider,
        "state_fingerprint": plan.state_fingerprint,
        "changes": changes,
        "access_roles": plan.access_roles,
        "stack_places": plan.stack_places,
        "stacks_fingerprint": plan.stacks_fingerprint,
        "identity_fingerprint": plan.identity_fingerprint,
        "identity_scope": plan.identity_scope,
    });
    let bytes = serde_json::to_vec(&decisive).unwrap_or_default();
    format!("sha256:{}", Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The plan as the JSON `plan --out` writes, digest included.
pub fn to_json(plan: &Plan) -> serde_json::Result<String> {
    let mut sealed = plan.clone();
    sealed.digest = Some(digest(plan));
    serde_json::to_string_pretty(&sealed)
}

/// Whether `text` looks like a saved plan (so that `orgctl apply FILE` knows which it was given).
pub fn looks_like_plan(text: &str) -> bool {
    text.trim_start().starts_with('{')
        && serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|v| v.get("format").and_then(|f| f.as_str()) == Some(PLAN_FORMAT))
}

/// Reads a saved plan and checks its digest. Structure and consistency with the organization are
/// checked separately, once the organization is read ([`super::check::check`]).
pub fn from_json(text: &str) -> Result<Plan, SavedPlanError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| SavedPlanError::NotJson(e.to_string()))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(PLAN_FORMAT) {
        return Err(SavedPlanError::NotAPlan);
    }
    let plan: Plan = serde_json::from_value(value).map_err(|e| SavedPlanError::Shape(e.to_string()))?;
    match &plan.digest {
        None => Err(SavedPlanError::NoDigest),
        Some(d) if *d != digest(&plan) => Err(SavedPlanError::Digest),
        Some(_) => Ok(plan),
    }
}
