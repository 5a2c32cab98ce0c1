//! SARIF 2.1.0, the format code-scanning tools read: one rule per check, one result per finding.

use crate::audit::model::{Report, Severity};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

pub fn render(r: &Report) -> Value {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for f in &r.findings {
        rules.entry(f.check).or_insert_with(|| {
            json!({
                "id": f.check,
                "name": f.title.replace(' ', ""),
                "shortDescription": { "text": f.title },
                "help": { "text": f.fix },
                "defaultConfiguration": { "level": level(f.severity) },
                "properties": { "severity": f.severity.name() }
            })
        });
    }
    let rule_index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let artifact = r.file.clone().unwrap_or_else(|| "organization.yml".to_string());
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.check,
                "ruleIndex": rule_index.get(f.check).copied().unwrap_or(0),
                "level": level(f.severity),
                "message": { "text": format!("{}: {} ({})", f.resource, f.message, f.fix) },
                "locations": [{
                    "physicalLocation": { "artifactLocation": { "uri": artifact }, "region": { "startLine": 1 } },
                    "logicalLocations": [{ "name": f.resource, "kind": "resource" }]
                }],
                "properties": { "severity": f.severity.name() }
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "orgctl",
                "version": r.orgctl_version,
                "rules": rules.into_values().collect::<Vec<_>>()
            }},
            "results": results,
            "properties": { "organizationId": r.organization_id }
        }]
    })
}
