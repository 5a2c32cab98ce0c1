//! Stacks in the sandbox: recorded per account and region, with outputs computed from the
//! template so that cross-account references carry real-looking values (ARNs, names).

use super::store::SandboxData;
use crate::expr::{EvalError, StackValues};
use crate::model::{StackSpec, StackState};
use crate::provider::{ProviderError, ProviderResult};
use serde_json::Value;
use std::collections::BTreeMap;

fn err(message: impl Into<String>) -> ProviderError {
    ProviderError::new("ValidationError", message)
}

/// CloudFormation refuses a template whose values it cannot compute.
fn invalid(e: EvalError) -> ProviderError {
    err(e.message)
}

pub fn key(account_id: &str, region: &str, name: &str) -> String {
    format!("{account_id}/{region}/{name}")
}

/// Checks a stack request the way CloudFormation does and computes its outputs.
/// A stack as DescribeStacks returns it: a NoEcho parameter's value as `****`.
pub fn as_described(stack: &StackState) -> StackState {
    let mut described = stack.clone();
    for name in crate::model::no_echo_parameters(&stack.template) {
        if let Some(value) = described.parameters.get_mut(&name) {
            *value = "****".to_string();
        }
    }
    described
}

/// A deployed stack's template, outputs and exports.
type Deployment = (Value, BTreeMap<String, String>, BTreeMap<String, String>);

fn deploy(account: &str, region: &str, spec: &StackSpec) -> ProviderResult<Deployment> {
    let template: Value =
        serde_json::from_str(&spec.template).map_err(|e| err(format!("Template format error: {e}")))?;
    let resources = template.get("Resources").and_then(Value::as_object);
    if resources.is_none_or(|r| r.is_empty()) {
        return Err(err("Template format error: At least one Resources member must be defined."));
    }
    let declared = template.get("Parameters").and_then(Value::as_object).cloned().unwrap_or_default();
    for name in spec.parameters.keys() {
        if !declared.contains_key(name) {
            return Err(err(format!("Parameters: [{name}] do not exist in the template")));
        }
    }
    let missing: Vec<&String> = declared
        .iter()
        .filter(|(n, d)| d.get("Default").is_none() && !spec.parameters.contains_key(*n))
        .map(|(n, _)| n)
        .collect();
    if !missing.is_empty() {
        return Err(err(format!("Parameters: {missing:?} must have values")));
    }
    let given = spec.parameters.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
    if let Some(refusal) = crate::expr::template_rules::refusals(&template, &given).first() {
        return Err(err(format!("Template error: {}: {}", refusal.place, refusal.message)));
    }
    let d = StackValues {
        account,
        region,
        stack: &spec.name,
        template: &template,
        parameters: &spec.parameters,
        deployed: true,
    };
    let mut outputs = BTreeMap::new();
    let mut exports = BTreeMap::new();
    for (name, output) in template.get("Outputs").and_then(Value::as_object).into_iter().flatten() {
        if let Some(condition) = output.get("Condition").and_then(Value::as_str) {
            if !d.condition(condition).map_err(invalid)? {
                continue;
            }
        }
        let value = d.eval(output.get("Value").unwrap_or(&Value::Null)).map_err(invalid)?;
        if let Some(export) = output.get("Export").and_then(|e| e.get("Name")) {
            exports.insert(d.eval(export).map_err(invalid)?, value.clone());
        }
        outputs.insert(name.clone(), value);
    }
    Ok((template, outputs, exports))
}

impl SandboxData {
    fn check_account(&self, account_id: &str) -> ProviderResult<()> {
        match self.org.accounts.get(account_id) {
            Some(a) if a.status.is_active() => Ok(()),
            Some(_) => Err(ProviderError::new("OptInRequired", format!("account {account_id} is not active"))),
            None => Err(ProviderError::new("InvalidClientTokenId", format!("no account {account_id}"))),
        }
    }

    pub fn create_stack(&mut self, account: &str, region: &str, spec: &StackSpec) -> ProviderResult<()> {
        self.check_account(account)?;
        let k = key(account, region, &spec.name);
        match self.stacks.get(&k) {
            Some(existing) if !existing.is_failed_creation() => {
                return Err(ProviderError::new(
                    "AlreadyExistsException",
                    format!("Stack [{}] already exists", spec.name),
                ));
            }
            _ => {}
        }
        let (template, outputs, exports) = deploy(account, region, spec)?;
        let state = StackState {
            account_id: account.into(),
            region: region.into(),
            name: spec.name.clone(),
            status: "CREATE_COMPLETE".into(),
            template,
            parameters: spec.parameters.clone(),
            outputs,
            exports,
            tags: spec.tags.clone(),
            termination_protection: spec.termination_protection,
            stack_policy: spec.stack_policy.clone(),
        };
        self.stacks.insert(k, state);
        Ok(())
    }

    /// What CloudFormation leaves after a failed creation.
    pub fn failed_stack(&mut self, account: &str, region: &str, spec: &StackSpec) {
        let state = StackState {
            account_id: account.into(),
            region: region.into(),
            name: spec.name.clone(),
            // DisableStackRollbacks leaves the failed stack as it failed.
            status: if spec.disable_rollback { "CREATE_FAILED".into() } else { "ROLLBACK_COMPLETE".into() },
            template: serde_json::from_str(&spec.template).unwrap_or(Value::Null),
            parameters: spec.parameters.clone(),
            outputs: BTreeMap::new(),
            exports: BTreeMap::new(),
            tags: spec.tags.clone(),
            termination_protection: false,
            stack_policy: spec.stack_policy.clone(),
        };
        self.stacks.insert(key(account, region, &spec.name), state);
    }

    pub fn update_stack(&mut self, account: &str, region: &str, spec: &StackSpec) -> ProviderResult<()> {
        self.check_account(account)?;
        let k = key(account, region, &spec.name);
        let existing = self.stacks.get(&k).ok_or_else(|| err(format!("Stack [{}] does not exist", spec.name)))?;
        if existing.is_stuck() || existing.is_failed_creation() {
            return Err(err(format!("Stack [{}] is in {} state and can not be updated.", spec.name, existing.status)));
        }
        let (template, outputs, exports) = deploy(account, region, spec)?;
        if denies_updates(existing.stack_policy.as_deref())
            && existing.template.get("Resources") != template.get("Resources")
        {
            return Err(err(format!("Action denied by stack policy: Stack [{}] is update-protected", spec.name)));
        }
        if let Some(s) = self.stacks.get_mut(&k) {
            s.stack_policy = spec.stack_policy.clone();
            s.exports = exports;
            s.template = template;
            s.parameters = spec.parameters.clone();
            s.outputs = outputs;
            s.tags = spec.tags.clone();
            s.termination_protection = spec.termination_protection;
            s.status = "UPDATE_COMPLETE".into();
        }
        Ok(())
    }

    pub fn delete_stack(&mut self, account: &str, region: &str, name: &str) -> ProviderResult<()> {
        let k = key(account, region, name);
        match self.stacks.get(&k) {
            None => Ok(()),
            Some(s) if s.termination_protection => {
                Err(err(format!("Stack [{name}] cannot be deleted while TerminationProtection is enabled")))
            }
            Some(_) => {
                self.stacks.remove(&k);
                Ok(())
            }
        }
    }
}

/// Whether a stack policy denies every update (what `UpdateProtection` sets).
fn denies_updates(policy: Option<&str>) -> bool {
    let Some(policy) = policy.and_then(|p| serde_json::from_str::<Value>(p).ok()) else { return false };
    let statements = policy.get("Statement").and_then(Value::as_array).cloned().unwrap_or_default();
    statements.iter().any(|s| {
        let has = |key: &str, want: &str| match s.get(key) {
            Some(Value::String(v)) => v == want,
            Some(Value::Array(items)) => items.iter().any(|i| i == want),
            _ => false,
        };
        s.get("Effect") == Some(&Value::from("Deny")) && has("Action", "Update:*") && has("Resource", "*")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(template: &str) -> StackSpec {
        let parameters = BTreeMap::from([("Size".to_string(), "big".to_string())]);
        StackSpec { name: "s".into(), template: template.into(), parameters, ..Default::default() }
    }

    /// The sandbox refuses what CloudFormation refuses, with the same rules as the planner: a
    /// reference naming nothing in the template, a value that does not fit its parameter.
    #[test]
    fn the_sandbox_refuses_the_templates_cloudformation_refuses() {
        let dangling = r#"{"Parameters":{"Size":{"Type":"String"}},"Resources":{"Q":{"Type":"AWS::SQS::Queue","DependsOn":"Gone"}}}"#;
        let refused = deploy("222222222222", "eu-west-1", &spec(dangling)).err().map(|e| e.message);
        assert!(refused.is_some_and(|m| m.contains("DependsOn Gone")), "a DependsOn on nothing is refused");
        let misfit = r#"{"Parameters":{"Size":{"Type":"Number"}},"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#;
        let refused = deploy("222222222222", "eu-west-1", &spec(misfit)).err().map(|e| e.message);
        assert!(refused.is_some_and(|m| m.contains("'big' is not a Number")), "a value of the wrong type is refused");
        let fine = r#"{"Parameters":{"Size":{"Type":"String"}},"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#;
        assert!(deploy("222222222222", "eu-west-1", &spec(fine)).is_ok());
    }
}
