//! SARIF 2.1.0, the format code-scanning tools read: one rule per check, one result per finding.

use crate::audit::report::{Report, Severity};
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
    // A finding points at the line that declares its resource when the file declares it; else
    // at the file given (SARIF needs a location), or only at the resource when there is none.
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let logical = json!([{ "name": f.resource, "fullyQualifiedName": f.resource_id, "kind": "resource" }]);
            let location = match (r.locations.get(&f.resource_id), &r.file) {
                (Some((file, line)), _) => json!({
                    "physicalLocation": { "artifactLocation": { "uri": file }, "region": { "startLine": line } },
                    "logicalLocations": logical
                }),
                (None, Some(file)) => json!({
                    "physicalLocation": { "artifactLocation": { "uri": file } },
                    "logicalLocations": logical
                }),
                (None, None) => json!({ "logicalLocations": logical }),
            };
            json!({
                "ruleId": f.check,
                "ruleIndex": rule_index.get(f.check).copied().unwrap_or(0),
                "level": level(f.severity),
                "message": { "text": format!("{}: {} ({})", f.resource, f.message, f.fix) },
                "locations": [location],
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
