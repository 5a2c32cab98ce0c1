//! What names mean in a task file: its parameters, the organization's accounts, the target's
//! `CurrentAccount`, and the pseudo references (`AWS::AccountId`, `AWS::Region`,
//! `AWS::Partition`, `ORG::PrincipalOrgID`, `ORG::StateBucketName`).
//!
//! A task file is read before any target is known; then account values are placeholders and
//! only the shape of each expression is checked. Stack parameters are evaluated again for each
//! target when planning.

use super::task_file::{TaskParameter, TaskValues};
use crate::expr::{account_attribute, evaluate, AccountFacts, EvalError, Scope, Text, Unknown, Value};
use crate::org_file::declared::ResourceKind;
use crate::source::files::Confinement;
use crate::source::yaml::Node;
use std::collections::HashMap;
use std::path::Path;

/// One target being planned.
pub struct TargetNames<'a> {
    pub accounts: &'a dyn AccountFacts,
    /// Logical id of the target's account.
    pub account: &'a str,
    pub region: &'a str,
    /// Logical id of the management account.
    pub management: Option<&'a str>,
    pub organization_id: Option<&'a str>,
    /// A workload task's `CurrentTask.*` values (and serverless' `region`, `stage`, `config`).
    pub current_task: Option<&'a std::collections::BTreeMap<String, Text>>,
    /// The exports read before planning (`!CopyValue` of one that exists is its value).
    pub exports: Option<&'a std::collections::BTreeMap<ExportKey, String>>,
    /// Where the exports `!CopyValue` names are collected, before they are read.
    pub wanted_exports: Option<&'a std::cell::RefCell<std::collections::BTreeSet<ExportKey>>>,
}

/// An export `!CopyValue` reads: (AccountId, region, export name).
pub type ExportKey = (String, String, String);

enum Names<'a> {
    /// Reading the file: the organization's resources by kind.
    File(&'a HashMap<String, ResourceKind>),
    Target(TargetNames<'a>),
}

pub struct TaskScope<'a> {
    values: &'a TaskValues,
    /// Parameters whose expression is being evaluated: they do not see themselves.
    evaluating: Vec<String>,
    names: Names<'a>,
}

impl<'a> TaskScope<'a> {
    /// While reading the file: account values are placeholders.
    pub fn reading(values: &'a TaskValues, org_kinds: &'a HashMap<String, ResourceKind>) -> Self {
        TaskScope { values, evaluating: Vec::new(), names: Names::File(org_kinds) }
    }

    /// For one target of a plan.
    pub fn for_target(values: &'a TaskValues, target: TargetNames<'a>) -> Self {
        TaskScope { values, evaluating: Vec::new(), names: Names::Target(target) }
    }

    fn parameter(&mut self, name: &str) -> Option<Result<Value, EvalError>> {
        if self.evaluating.iter().any(|n| n == name) {
            return None;
        }
        Some(match self.values.parameters.get(name)? {
            TaskParameter::Text(t) => Ok(Value::from(t.as_str())),
            TaskParameter::List(items) => Ok(Value::List(items.iter().map(|i| Value::from(i.as_str())).collect())),
            TaskParameter::Binding(_) => Err(EvalError::new(
                "reference-not-a-value",
                format!("{name} is an OrganizationBinding parameter and has no value to use here"),
            )),
            TaskParameter::Expression(node) => {
                let node = node.clone();
                self.evaluating.push(name.to_string());
                let value = evaluate(&node, self);
                self.evaluating.pop();
                value
            }
        })
    }

    fn account(&self, account: &str, attribute: Option<&str>) -> Result<Value, EvalError> {
        match &self.names {
            Names::Target(t) => account_attribute(t.accounts, account, attribute).map(Value::Text),
            Names::File(_) => Ok(id_of(account)),
        }
    }
}

impl TaskScope<'_> {
    /// `!CopyValue name` or `!CopyValue [name, account, region]`: the export's value when it
    /// exists now, else an [`Unknown::Export`] read when the stack deploys.
    fn copy_value(&mut self, arg: &Node) -> Result<Value, EvalError> {
        let items: Vec<&Node> = match &arg.kind {
            crate::source::yaml::NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![arg],
        };
        let usage = || {
            EvalError::new("invalid-copy-value", "!CopyValue takes an export name, or [name, account, region]")
                .help("Parameters: {Name: !CopyValue [ExportName, !Ref Account, region]}")
        };
        if items.is_empty() || items.len() > 3 {
            return Err(usage());
        }
        let text = |this: &mut Self, node: &Node| -> Result<Text, EvalError> {
            // `!CopyValue name`: the argument is the function's own node, a plain name.
            let value = if std::ptr::eq(node, arg) {
                Value::from(node.as_str().ok_or_else(usage)?)
            } else {
                evaluate(node, this)?
            };
            value.as_text().ok_or_else(usage)
        };
        let name = text(self, items[0])?;
        let account = items.get(1).map(|n| text(self, n)).transpose()?;
        let region = items.get(2).map(|n| text(self, n)).transpose()?;
        let Names::Target(t) = &self.names else { return Ok(per_target("CopyValue")) };
        let known = |t: &Text| -> Option<String> {
            t.as_known().map(str::to_string).or_else(|| {
                t.unknowns().find_map(|u| match u {
                    Unknown::Id(lid) => Some(lid.clone()),
                    Unknown::Export { .. } | Unknown::CommandOutput(_) | Unknown::PerTarget(_) => None,
                })
            })
        };
        let name = name
            .as_known()
            .map(str::to_string)
            .ok_or_else(|| EvalError::new("unknown-at-plan", "!CopyValue needs an export name known before apply"))?;
        let account = match account {
            Some(a) => known(&a).ok_or_else(usage)?,
            None => t.accounts.account_id(t.account).unwrap_or_else(|| t.account.to_string()),
        };
        let region = match region {
            Some(r) => r.as_known().map(str::to_string).ok_or_else(usage)?,
            None => t.region.to_string(),
        };
        let key = (account.clone(), region.clone(), name.clone());
        if let Some(value) = t.exports.and_then(|e| e.get(&key)) {
            return Ok(Value::from(value.as_str()));
        }
        if let Some(wanted) = t.wanted_exports {
            wanted.borrow_mut().insert(key);
        }
        Ok(Value::Text(Text::unknown(Unknown::Export { account, region, name })))
    }
}

/// What a name of the organization file is, to a task file.
enum OrgName {
    Account,
    /// The root, an OU or a policy: `!Ref` is its id (`None` while the file is read).
    Other(Option<Text>),
    /// A permission set: `!Ref` and `!GetAtt X.Arn` are its ARN (`None` while the file is read).
    PermissionSet(Option<Text>),
}

/// A value known once the target is: while reading the file, only its shape matters.
/// The AWS id of the resource `logical_id` names, known once it exists.
fn id_of(logical_id: &str) -> Value {
    Value::Text(Text::unknown(Unknown::Id(logical_id.to_string())))
}

/// What a target's value (`name`) is while the file is read: known for each target only.
fn per_target(name: &str) -> Value {
    Value::Text(Text::unknown(Unknown::PerTarget(name.to_string())))
}

impl Scope for TaskScope<'_> {
    fn reference(&mut self, name: &str, attribute: Option<&str>) -> Option<Result<Value, EvalError>> {
        if attribute.is_none() {
            if let Some(v) = self.parameter(name) {
                return Some(v);
            }
        }
        let target = match &self.names {
            Names::Target(t) => Some(t),
            Names::File(_) => None,
        };
        if let Some(values) = target.and_then(|t| t.current_task) {
            let key = match (name, attribute) {
                ("CurrentTask", Some(a)) => Some(a),
                (n, None) if matches!(n, "region" | "stage" | "config") => Some(n),
                _ => None,
            };
            if let Some(value) = key.and_then(|k| values.get(k)) {
                return Some(Ok(Value::Text(value.clone())));
            }
        }
        let value = match name {
            "CurrentAccount" | "AWSAccount" => match target {
                Some(t) => self.account(t.account, attribute),
                None => Ok(per_target(name)),
            },
            "AWS::AccountId" => match target {
                Some(t) => self.account(t.account, None),
                None => Ok(per_target(name)),
            },
            "AWS::Region" => Ok(target.map_or_else(|| per_target(name), |t| Value::from(t.region))),
            "AWS::Partition" => Ok(Value::from("aws")),
            "ORG::PrincipalOrgID" => match target {
                Some(t) => t.organization_id.map(Value::from).ok_or_else(|| {
                    EvalError::new("unknown-at-plan", "ORG::PrincipalOrgID: the organization does not exist yet")
                }),
                None => Ok(per_target(name)),
            },
            // org-formation's state bucket, named after the management account.
            "ORG::StateBucketName" => {
                let management = match target {
                    Some(t) => t.management.map(|m| self.account(m, None)),
                    None => Some(Ok(per_target(name))),
                };
                let id = match management {
                    Some(Ok(v)) => v.as_text().unwrap_or_default(),
                    Some(Err(e)) => return Some(Err(e)),
                    None => {
                        return Some(Err(EvalError::new(
                            "unknown-reference",
                            "the organization has no management account",
                        )))
                    }
                };
                let mut text = Text::known("organization-formation-");
                text.push_text(&id);
                Ok(Value::Text(text))
            }
            other => {
                let kind = match &self.names {
                    Names::Target(t) if t.accounts.is_account(other) => OrgName::Account,
                    Names::Target(t) => match t.accounts.resource_id(other) {
                        Some(id) if t.accounts.is_permission_set(other) => OrgName::PermissionSet(Some(id)),
                        Some(id) => OrgName::Other(Some(id)),
                        None => return None,
                    },
                    Names::File(kinds) => match kinds.get(other) {
                        Some(k) if k.is_account() => OrgName::Account,
                        Some(crate::org_file::declared::ResourceKind::PermissionSet) => OrgName::PermissionSet(None),
                        Some(k) if k.has_id() => OrgName::Other(None),
                        _ => return None,
                    },
                };
                match (kind, attribute) {
                    (OrgName::Account, _) => self.account(other, attribute),
                    (OrgName::PermissionSet(arn), None | Some("Arn")) => {
                        Ok(arn.map_or_else(|| id_of(other), Value::Text))
                    }
                    (OrgName::PermissionSet(_), Some(a)) => Err(EvalError::new(
                        "unknown-attribute",
                        format!("permission set {other} has no attribute '{a}'"),
                    )
                    .help(format!("!Ref {other} and !GetAtt {other}.Arn are its ARN"))),
                    (OrgName::Other(id), None) => Ok(id.map_or_else(|| id_of(other), Value::Text)),
                    (OrgName::Other(_), Some(a)) => Err(EvalError::new(
                        "unknown-attribute",
                        format!("{other} is not an account: it has no attribute '{a}'"),
                    )
                    .help(format!("!Ref {other} is its id; only accounts have attributes"))),
                }
            }
        };
        Some(value)
    }

    fn function(&mut self, name: &str, arg: &Node) -> Option<Result<Value, EvalError>> {
        (name == "CopyValue").then(|| self.copy_value(arg))
    }

    fn mappings(&self) -> Option<&Node> {
        self.values.mappings.as_ref()
    }

    fn files(&self) -> Option<(&Path, &Confinement)> {
        Some((&self.values.dir, &self.values.confinement))
    }

    fn unknown_reference(&self, name: &str) -> EvalError {
        let mut candidates: Vec<&str> = self.values.parameters.keys().map(String::as_str).collect();
        if let Names::File(kinds) = &self.names {
            candidates.extend(kinds.iter().filter(|(_, k)| k.is_account()).map(|(n, _)| n.as_str()));
        }
        let help = match crate::org_file::load::suggest(name, candidates.into_iter()) {
            Some(s) => format!("did you mean '{s}'?"),
            None => "refer to a parameter of the task file, an account of the organization, or CurrentAccount".into(),
        };
        EvalError::new("unknown-reference", format!("'{name}' is not a parameter or account")).help(help)
    }

    fn context(&self) -> &'static str {
        "a task file"
    }
}
