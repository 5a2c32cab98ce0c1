//! CloudFormation's own evaluation of what a template computes once its parameters are known
//! (outputs, export names, conditions): the sandbox deploys stacks with it, and the planner reads
//! the export names a stack will have, to order it before the stacks that `!CopyValue` them.

use super::EvalError;
use crate::source::sub::SubPart;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

type Result<T> = std::result::Result<T, EvalError>;

fn err(message: impl Into<String>) -> EvalError {
    EvalError::new("template-error", message)
}

/// A stack's values as CloudFormation computes them.
pub struct StackValues<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub stack: &'a str,
    pub template: &'a Value,
    pub parameters: &'a BTreeMap<String, String>,
    /// Whether the resources exist (the sandbox deploys them, named after the stack and their
    /// properties); when planning they do not, and a value that reads one is unknown.
    pub deployed: bool,
}

impl StackValues<'_> {
    /// Changes with the resource's properties, as a replaced resource gets a new identity.
    fn physical_id(&self, logical: &str) -> Result<String> {
        if !self.deployed {
            return Err(EvalError::new("unknown-at-plan", format!("{logical} is known once the stack is deployed")));
        }
        let properties = self.template.get("Resources").and_then(|r| r.get(logical)).and_then(|r| r.get("Properties"));
        let props = properties.map(|p| p.to_string()).unwrap_or_default();
        let hash =
            format!("{:x}", Sha256::digest(format!("{}{}{}{logical}{props}", self.account, self.region, self.stack)));
        Ok(format!("{}-{}-{}", self.stack, logical.to_lowercase(), &hash[..8]))
    }

    fn resource_type(&self, logical: &str) -> Option<&str> {
        self.template.get("Resources")?.get(logical)?.get("Type")?.as_str()
    }

    fn reference(&self, name: &str) -> Result<String> {
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
            return self.physical_id(name);
        }
        Err(err(format!("Template format error: Unresolved resource dependencies [{name}]")))
    }

    fn attribute(&self, logical: &str, attribute: &str) -> Result<String> {
        let kind = self
            .resource_type(logical)
            .ok_or_else(|| err(format!("Template error: resource {logical} does not exist")))?;
        let service = kind.split("::").nth(1).unwrap_or("sandbox").to_lowercase();
        let id = self.physical_id(logical)?;
        Ok(match attribute {
            "Arn" => match service.as_str() {
                "iam" | "s3" => format!("arn:aws:{service}::{}:{id}", if service == "s3" { "" } else { self.account }),
                _ => format!("arn:aws:{service}:{}:{}:{id}", self.region, self.account),
            },
            other => format!("{id}.{other}"),
        })
    }

    /// A named condition of the template's `Conditions` section.
    pub fn condition(&self, name: &str) -> Result<bool> {
        let c = self
            .template
            .get("Conditions")
            .and_then(|c| c.get(name))
            .ok_or_else(|| err(format!("Template error: unresolved condition dependency {name}")))?;
        self.truth(c)
    }

    /// `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` and `Condition`, as CloudFormation evaluates them.
    fn truth(&self, v: &Value) -> Result<bool> {
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

    /// Evaluates a value: strings, Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::If.
    pub fn eval(&self, v: &Value) -> Result<String> {
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
                        let parts = crate::source::sub::parse(text)
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
                        Ok(items.iter().map(|i| self.eval(i)).collect::<Result<Vec<_>>>()?.join(delimiter))
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
                    other => Err(err(format!("{other} cannot be evaluated in an output"))),
                }
            }
            other => Ok(other.to_string()),
        }
    }
}
