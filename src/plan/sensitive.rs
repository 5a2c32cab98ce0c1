//! Parameters a template declares `NoEcho: true` (passwords, tokens): never shown, and changed
//! only when their value changes.
//!
//! Every output a user or a CI log can read (the plan's text and JSON, `show`, apply's progress,
//! logs, the audit, errors) shows such a value as `(sensitive value)`. Only a saved plan (`plan
//! --out`) holds it, because apply sends it: a plan file is as secret as the values in it.
//!
//! CloudFormation returns a NoEcho parameter as `****`, so the deployed value cannot be compared
//! with the file's. orgctl keeps no state of its own, so the stack itself records a digest of the
//! value it was given: the tag `orgctl:sensitive:<Parameter>` holds a random salt and
//! PBKDF2-HMAC-SHA256 of the value with it. A plan computes the digest of the file's value with
//! the recorded salt: the same digest, the value is unchanged; another, or no tag (a stack
//! orgctl deployed before, or that another tool made), and the parameter is sent again, the
//! plan saying `(sensitive value changed)`. The digest is not the value and cannot be reversed;
//! the salt makes one value's digest differ from stack to stack, and the rounds make guessing
//! slow, but a weak password stays guessable from its digest, as from any hash: use a strong one.

use crate::expr::Text;
pub use crate::model::no_echo_parameters;
use crate::model::{StackSpec, StackState};
use crate::plan::{DeploymentOperation, Operation, PropertyDiff};
use pbkdf2::pbkdf2_hmac;
use sha2::Sha256;

/// How a sensitive value is shown.
pub const SHOWN: &str = "(sensitive value)";

/// How a plan shows a sensitive value it will send again.
pub const CHANGED: &str = "(sensitive value changed)";

/// Tags the digests: `orgctl:sensitive:DbPassword`.
pub const TAG_PREFIX: &str = "orgctl:sensitive:";

/// PBKDF2 rounds: slow enough to make guessing costly, quick enough for a plan of hundreds of
/// stacks (a few milliseconds a value).
const ROUNDS: u32 = 20_000;

/// The tag that records `parameter`'s digest.
pub fn tag_key(parameter: &str) -> String {
    format!("{TAG_PREFIX}{parameter}")
}

/// Whether a tag is one of these digests (compared on its own, never as a tag change).
pub fn is_digest_tag(key: &str) -> bool {
    key.starts_with(TAG_PREFIX)
}

/// A new record of `value`: `v1:<salt>:<digest>`, hex.
pub fn record(value: &str) -> String {
    let salt: String = (0..16).map(|_| format!("{:02x}", fastrand::u8(..))).collect();
    format!("v1:{salt}:{}", digest(value, &salt))
}

/// Whether `recorded` (a tag's value) is a record of `value`.
pub fn matches(value: &str, recorded: &str) -> bool {
    match recorded.split(':').collect::<Vec<_>>().as_slice() {
        ["v1", salt, expected] => digest(value, salt) == *expected,
        _ => false,
    }
}

/// Keeps, in `spec`, the record of each sensitive value the deployed stack already has: the
/// value is unchanged, so it is not sent again for its own sake. A value without a record here
/// is recorded at apply ([`record_new_values`]).
pub fn keep_unchanged_records(spec: &mut StackSpec<Text>, live: &StackState) {
    for name in &spec.sensitive {
        let key = tag_key(name);
        let value = spec.parameters.get(name).and_then(Text::as_known);
        if let (Some(value), Some(recorded)) = (value, live.tags.get(&key)) {
            if matches(value, recorded) {
                spec.tags.insert(key, recorded.clone());
            }
        }
    }
}

/// Records, in the stack apply sends, each sensitive value the plan found changed or new.
pub fn record_new_values(spec: &mut StackSpec) {
    for name in &spec.sensitive {
        let key = tag_key(name);
        if let (false, Some(value)) = (spec.tags.contains_key(&key), spec.parameters.get(name)) {
            spec.tags.insert(key, record(value));
        }
    }
}

/// What the plan shows of sensitive parameter `name`: `+ (sensitive value)` on a new stack,
/// `~ (sensitive value changed)` when it will be sent again, nothing when unchanged.
pub fn parameter_diff(name: &str, live: Option<&StackState>, spec: &StackSpec<Text>) -> Option<PropertyDiff> {
    let property = format!("Parameters.{name}");
    match live {
        None => Some(PropertyDiff::new(property, None, Some(SHOWN.into()))),
        Some(_) if spec.tags.contains_key(&tag_key(name)) => None,
        Some(_) => Some(PropertyDiff::new(property, Some(SHOWN.into()), Some(CHANGED.into()))),
    }
}

/// `plan` as every output a user reads shows it: each sensitive parameter's value replaced by
/// [`SHOWN`] (the plan's text never shows them; this is for `plan --json` and `show --json`).
pub fn redacted(plan: &crate::plan::Plan) -> crate::plan::Plan {
    let mut shown = plan.clone();
    for change in &mut shown.changes {
        if let Operation::Deployment(
            DeploymentOperation::CreateStack { spec, .. } | DeploymentOperation::UpdateStack { spec, .. },
        ) = &mut change.operation
        {
            for name in &spec.sensitive {
                if let Some(value) = spec.parameters.get_mut(name) {
                    *value = Text::known(SHOWN);
                }
            }
        }
    }
    shown
}

fn digest(value: &str, salt: &str) -> String {
    let mut out = [0u8; 32];
    pbkdf2_hmac::<Sha256>(value.as_bytes(), salt.as_bytes(), ROUNDS, &mut out);
    out.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn a_record_matches_its_value_only_and_never_holds_it() {
        let recorded = record("hunter2-but-longer");
        assert!(matches("hunter2-but-longer", &recorded));
        assert!(!matches("hunter3-but-longer", &recorded));
        assert!(!recorded.contains("hunter2"));
        assert_ne!(record("hunter2-but-longer"), recorded, "salted: the same value records differently");
        assert!(recorded.len() <= 256, "fits a tag value");
        assert!(!matches("x", "garbage"));
    }

    #[test]
    fn no_echo_is_read_as_cloudformation_reads_it() {
        let template = serde_json::json!({"Parameters": {
            "Password": {"Type": "String", "NoEcho": true},
            "Token": {"Type": "String", "NoEcho": "true"},
            "Name": {"Type": "String"},
        }});
        assert_eq!(no_echo_parameters(&template), BTreeSet::from(["Password".to_string(), "Token".to_string()]));
    }
}
