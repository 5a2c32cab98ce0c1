//! Stacks in the sandbox: recorded per account and region, with outputs computed from the
//! template so that cross-account references carry real-looking values (ARNs, names).

use super::store::SandboxData;
use crate::model::{StackSpec, StackState};
use crate::provider::{ProviderError, ProviderResult};
use crate::spec::sub::SubPart;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

fn err(message: impl Into<String>) -> ProviderError {
    ProviderError::new("ValidationError", message)
}

pub fn key(account_id: &str, region: &str, name: &str) -> String {
    format!("{account_id}/{region}/{name}")
}

/// What a stack's resources are called once "deployed".
struct Deployed<'a> {
    account: &'a str,
    region: &'a str,
    stack: &'a str,
    template: &'a Value,
    parameters: &'a BTreeMap<String, String>,
}

impl Deployed<'_> {
    /// Changes with the resource's properties, as a replaced resource gets a new identity.
    fn physical_id(&self, logical: &str) -> String {
        let properties = self.template.get("Resources").and_then(|r| r.get(logical)).and_then(|r| r.get("Properties"));
        let props = properties.map(|p| p.to_string()).unwrap_or_default();
        let hash =
            format!("{:x}", Sha256::digest(format!("{}{}{}{logical}{props}", self.account, self.region, self.stack)));
        format!("{}-{}-{}", self.stack, logical.to_lowercase(), &hash[..8])
    }

    fn resource_type(&self, logical: &str) -> Option<&str> {
        self.template.get("Resources")?.get(logical)?.get("Type")?.as_str()
    }

    fn reference(&self, name: &str) -> ProviderResult<String> {
        match name {
            "AWS::AccountId" => return Ok(self.account.to_string()),
            "AWS::Region" => return Ok(self.region.to_string()),
            "AWS::StackName" => return Ok(self.stack.to_string()),
            "AWS::Partition" => return Ok("aws".to_string()),
            _ => {}
        }
        if let Some(v) = self.parameters.get(name) {
            return Ok(v.clone());
        }
        if let Some(default) = self.template.get("Parameters").and_then(|p| p.get(name)).and_then(|p| p.get("Default"))
        {
            return Ok(default.as_str().map_or_else(|| default.to_string(), str::to_string));
        }
        if self.resource_type(name).is_some() {
            return Ok(self.physical_id(name));
        }
        Err(err(format!("Template format error: Unresolved resource dependencies [{name}]")))
    }

    fn attribute(&self, logical: &str, attribute: &str) -> ProviderResult<String> {
        let kind = self
            .resource_type(logical)
            .ok_or_else(|| err(format!("Template error: resource {logical} does not exist")))?;
        let service = kind.split("::").nth(1).unwrap_or("sandbox").to_lowercase();
        let id = self.physical_id(logical);
        Ok(match attribute {
            "Arn" => match service.as_str() {
                "iam" | "s3" => format!("arn:aws:{service}::{}:{id}", if service == "s3" { "" } else { self.account }),
                _ => format!("arn:aws:{service}:{}:{}:{id}", self.region, self.account),
            },
            other => format!("{id}.{other}"),
        })
    }

    /// Evaluates an output value: strings, Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select.
    /// A named condition of the template's `Conditions` section.
    fn condition(&self, name: &str) -> ProviderResult<bool> {
        let c = self
            .template
            .get("Conditions")
            .and_then(|c| c.get(name))
            .ok_or_else(|| err(format!("Template error: unresolved condition dependency {name}")))?;
        self.truth(c)
    }

    /// `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` and `Condition`, as CloudFormation evaluates them.
    fn truth(&self, v: &Value) -> ProviderResult<bool> {
        let Some((k, arg)) = v.as_object().filter(|m| m.len() == 1).and_then(|m| m.iter().next()) else {
            return Err(err("Template error: a condition must be a condition function"));
        };
        let items = || arg.as_array().cloned().unwrap_or_default();
        match k.as_str() {
            "Fn::Equals" => {
                let a = items();
                Ok(a.len() == 2 && self.eval(&a[0])? == self.eval(&a[1])?)
            }
            "Fn::Not" => Ok(!self.truth(items().first().unwrap_or(&Value::Null))?),
            "Fn::And" => items().iter().try_fold(true, |acc, c| Ok(acc && self.truth(c)?)),
            "Fn::Or" => items().iter().try_fold(false, |acc, c| Ok(acc || self.truth(c)?)),
            "Condition" => self.condition(arg.as_str().unwrap_or_default()),
            other => Err(err(format!("Template error: {other} is not a condition function"))),
        }
    }

    fn eval(&self, v: &Value) -> ProviderResult<String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Object(m) if m.len() == 1 => {
                let (k, arg) = m.iter().next().ok_or_else(|| err("empty function"))?;
                match k.as_str() {
                    "Ref" => self.reference(arg.as_str().unwrap_or_default()),
                    "Fn::GetAtt" => {
                        let parts: Vec<&str> = match arg {
                            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                            Value::String(s) => s.splitn(2, '.').collect(),
                            _ => Vec::new(),
                        };
                        self.attribute(
                            parts.first().copied().unwrap_or_default(),
                            parts.get(1).copied().unwrap_or_default(),
                        )
                    }
                    "Fn::Sub" => {
                        let (text, vars) = match arg {
                            Value::Array(a) => (a.first().and_then(Value::as_str).unwrap_or_default(), a.get(1)),
                            _ => (arg.as_str().unwrap_or_default(), None),
                        };
                        let parts = crate::spec::sub::parse(text)
                            .map_err(|_| err("Template format error: unterminated ${ in Fn::Sub"))?;
                        let mut out = String::new();
                        for part in parts {
                            match part {
                                SubPart::Text(t) => out.push_str(t),
                                SubPart::Escaped(e) => out.push_str(&format!("${{{e}}}")),
                                SubPart::Var(var) => out.push_str(&match vars.and_then(|v| v.get(var)) {
                                    Some(local) => self.eval(local)?,
                                    None => match var.split_once('.') {
                                        Some((res, attr)) => self.attribute(res, attr)?,
                                        None => self.reference(var)?,
                                    },
                                }),
                            }
                        }
                        Ok(out)
                    }
                    "Fn::Join" => {
                        let a = arg.as_array().ok_or_else(|| err("Fn::Join takes [delimiter, list]"))?;
                        let delimiter = a.first().and_then(Value::as_str).unwrap_or_default();
                        let items = a.get(1).and_then(Value::as_array).cloned().unwrap_or_default();
                        Ok(items.iter().map(|i| self.eval(i)).collect::<ProviderResult<Vec<_>>>()?.join(delimiter))
                    }
                    "Fn::Select" => {
                        let a = arg.as_array().ok_or_else(|| err("Fn::Select takes [index, list]"))?;
                        let index = a.first().and_then(|i| i.as_u64().or_else(|| i.as_str()?.parse().ok())).unwrap_or(0)
                            as usize;
                        let item = a
                            .get(1)
                            .and_then(Value::as_array)
                            .and_then(|l| l.get(index))
                            .ok_or_else(|| err("Fn::Select index out of range"))?;
                        self.eval(item)
                    }
                    "Fn::If" => {
                        let a = arg
                            .as_array()
                            .filter(|a| a.len() == 3)
                            .ok_or_else(|| err("Fn::If takes [condition, then, else]"))?;
                        let chosen = if self.condition(a[0].as_str().unwrap_or_default())? { &a[1] } else { &a[2] };
                        self.eval(chosen)
                    }
                    other => Err(err(format!("the sandbox cannot evaluate {other} in an output"))),
                }
            }
            other => Ok(other.to_string()),
        }
    }
}

/// Checks a stack request the way CloudFormation does and computes its outputs.
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
    let d = Deployed { account, region, stack: &spec.name, template: &template, parameters: &spec.parameters };
    let mut outputs = BTreeMap::new();
    let mut exports = BTreeMap::new();
    for (name, output) in template.get("Outputs").and_then(Value::as_object).into_iter().flatten() {
        if let Some(condition) = output.get("Condition").and_then(Value::as_str) {
            if !d.condition(condition)? {
                continue;
            }
        }
        let value = d.eval(output.get("Value").unwrap_or(&Value::Null))?;
        if let Some(export) = output.get("Export").and_then(|e| e.get("Name")) {
            exports.insert(d.eval(export)?, value.clone());
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
