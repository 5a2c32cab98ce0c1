//! A stack that `!CopyValue`s an export another stack of the same plan creates is deployed after
//! that stack: the reference orders the graph, so no `DependsOn` (and no luck with the order of
//! the task file) is needed.

use super::change::{DeploymentOperation, Handle, Operation, Plan};
use crate::expr::{StackValues, Text, Unknown};
use crate::model::StackSpec;
use std::collections::{BTreeMap, HashMap};

/// Where an export is: (account — an AccountId, or the logical id of an account this plan
/// creates —, region, export name).
type Place = (String, String, String);

/// Adds an edge from every stack change that reads an export not there yet to the stack changes
/// of the plan that will export it.
pub fn order_by_exports(plan: &mut Plan) {
    let mut exporters: HashMap<Place, Vec<usize>> = HashMap::new();
    for change in &plan.changes {
        let Some((account, region, spec)) = stack_of(&change.operation) else { continue };
        for name in export_names(spec, &account, region) {
            exporters.entry((account.clone(), region.to_string(), name)).or_default().push(change.id);
        }
    }
    if exporters.is_empty() {
        return;
    }
    for change in &mut plan.changes {
        let Some((_, _, spec)) = stack_of(&change.operation) else { continue };
        let producers: Vec<usize> = spec
            .parameters
            .values()
            .flat_map(Text::unknowns)
            .filter_map(|u| match u {
                Unknown::Export { account, region, name } => {
                    exporters.get(&(account.clone(), region.clone(), name.clone()))
                }
                Unknown::Id(_) | Unknown::CommandOutput(_) | Unknown::PerTarget(_) => None,
            })
            .flatten()
            .copied()
            .filter(|p| *p != change.id)
            .collect();
        for p in producers {
            if !change.depends_on.contains(&p) {
                tracing::trace!("change {} reads an export change {p} creates: ordered after it", change.id);
                change.depends_on.push(p);
            }
        }
    }
}

/// The account (AccountId, or logical id when created by this plan), region and spec of a
/// stack the change deploys.
fn stack_of(op: &Operation) -> Option<(String, &str, &StackSpec<Text>)> {
    let Operation::Deployment(op) = op else { return None };
    match op {
        DeploymentOperation::CreateStack { account, region, spec, .. } => {
            let account = match account {
                Handle::Existing(id) => id.clone(),
                Handle::New(lid) => lid.to_string(),
            };
            Some((account, region, spec))
        }
        DeploymentOperation::UpdateStack { account_id, region, spec, .. } => {
            Some((account_id.to_string(), region, spec))
        }
        _ => None,
    }
}

/// The names the stack's outputs export, as far as they can be computed before it deploys
/// (from the stack's name, account, region and parameters; a name that reads a resource is left
/// out).
fn export_names(spec: &StackSpec<Text>, account: &str, region: &str) -> Vec<String> {
    let Some(template) = spec.template.json_structure() else { return Vec::new() };
    let parameters: BTreeMap<String, String> = spec.parameters.iter().map(|(k, v)| (k.clone(), v.shown())).collect();
    let values = StackValues {
        account,
        region,
        stack: &spec.name,
        template: &template,
        parameters: &parameters,
        deployed: false,
    };
    let outputs = template.get("Outputs").and_then(serde_json::Value::as_object);
    outputs
        .into_iter()
        .flatten()
        .filter_map(|(_, output)| values.eval(output.get("Export")?.get("Name")?).ok())
        .collect()
}
