//! What changes in a stack, property by property, for the plan output.

use crate::expr::Text;
use crate::model::{StackSpec, StackState};
use crate::plan::change::*;
use std::collections::BTreeMap;

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// Differences between the deployed stack and the wanted one, for the plan output.
pub(crate) fn stack_diff(
    live: Option<&StackState>,
    spec: &StackSpec<Text>,
    parameters: &BTreeMap<String, String>,
) -> Vec<PropertyDiff> {
    let mut diff = Vec::new();
    let wanted: serde_json::Value = spec.template.json_structure().unwrap_or_default();
    let old_params = live.map(|l| l.parameters.clone()).unwrap_or_default();
    for (k, v) in parameters {
        if spec.sensitive.contains(k) {
            diff.extend(crate::plan::sensitive::parameter_diff(k, live, spec));
        } else if old_params.get(k) != Some(v) || live.is_none() {
            diff.push(PropertyDiff::new(format!("Parameters.{k}"), old_params.get(k).cloned(), Some(v.clone())));
        }
    }
    for k in old_params.keys().filter(|k| !parameters.contains_key(*k)) {
        diff.push(PropertyDiff::new(format!("Parameters.{k}"), old_params.get(k).cloned(), None));
    }
    match live {
        // A new stack: what it holds, one resource a line (the full template is in --json).
        None => {
            let resources: Vec<String> = wanted
                .get("Resources")
                .and_then(|r| r.as_object())
                .into_iter()
                .flatten()
                .map(|(id, r)| format!("{id} ({})", r.get("Type").and_then(|t| t.as_str()).unwrap_or("?")))
                .collect();
            diff.push(PropertyDiff::new("Resources", None, Some(format!("{}\n", resources.join("\n")))));
        }
        Some(l) if l.template != wanted => {
            diff.push(PropertyDiff::new("Template", Some(pretty(&l.template)), Some(pretty(&wanted))));
        }
        Some(_) => {}
    }
    if live.is_some_and(|l| l.termination_protection != spec.termination_protection) {
        diff.push(PropertyDiff::new(
            "TerminationProtection",
            live.map(|l| l.termination_protection.to_string()),
            Some(spec.termination_protection.to_string()),
        ));
    }
    if let Some(l) = live.filter(|l| l.stack_policy.is_some() && l.stack_policy != spec.stack_policy) {
        diff.push(PropertyDiff::new("StackPolicy", l.stack_policy.clone(), spec.stack_policy.clone()));
    }
    let shown_tags = |tags: &crate::model::Tags| {
        let kept = tags.iter().filter(|(k, _)| !crate::plan::sensitive::is_digest_tag(k));
        kept.map(|(k, v)| (k.clone(), v.clone())).collect::<crate::model::Tags>()
    };
    if let Some(l) = live.filter(|l| shown_tags(&l.tags) != shown_tags(&spec.tags)) {
        let (old, new) = (shown_tags(&l.tags), shown_tags(&spec.tags));
        diff.push(PropertyDiff::new("Tags", Some(format!("{old:?}")), Some(format!("{new:?}"))));
    }
    diff
}
