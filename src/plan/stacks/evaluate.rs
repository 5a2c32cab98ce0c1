//! A task's values evaluated for one target: its parameters, roles and description, the stack
//! it should have, and the checks that refuse a stack that could never deploy (an id never
//! known, a template CloudFormation would refuse).

use crate::diagnostic::Diagnostic;
use crate::expr::{EvalError, Text, Unknown, Value};
use crate::model::{OrgState, StackSpec, Tags, STACK_TASK_TAG};
use crate::org_file::desired::AccountsOf;
use crate::org_file::desired::DesiredOrg;
use crate::tasks::binding::Target;
use crate::tasks::instantiate::StackInstance;
use crate::tasks::scope::{ExportKey, TargetNames, TaskScope};
use crate::tasks::task_file::StackTask;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A task's expressions evaluated for one target. `exports` are the exports read (a
/// `!CopyValue` of one is its value); `wanted` collects the exports `!CopyValue` names, before
/// they are read.
pub(super) struct TargetEvaluation<'a> {
    pub(super) task: &'a StackTask,
    pub(super) target: &'a Target,
    pub(super) accounts: AccountsOf<'a>,
    pub(super) management: Option<&'a str>,
    pub(super) organization_id: Option<&'a str>,
    pub(super) exports: Option<&'a BTreeMap<ExportKey, String>>,
    pub(super) wanted: Option<&'a std::cell::RefCell<BTreeSet<ExportKey>>>,
}

impl<'a> TargetEvaluation<'a> {
    pub(super) fn new(
        task: &'a StackTask,
        target: &'a Target,
        desired: &'a DesiredOrg,
        actual: &'a OrgState,
        ids: &'a dyn Fn(&str) -> Option<String>,
    ) -> Self {
        TargetEvaluation {
            task,
            target,
            accounts: AccountsOf { org: desired, ids },
            management: desired.accounts.iter().find(|a| a.is_management).map(|a| a.logical_id.as_str()),
            organization_id: Some(actual.organization_id.as_str()).filter(|id| !id.is_empty()),
            exports: None,
            wanted: None,
        }
    }

    /// One expression as a stack parameter value; an error names `attribute`.
    fn text(&self, attribute: &str, node: &crate::source::yaml::Node) -> Result<Text, (String, EvalError)> {
        let names = TargetNames {
            accounts: &self.accounts,
            account: &self.target.account,
            region: &self.target.region,
            management: self.management,
            organization_id: self.organization_id,
            current_task: None,
            exports: self.exports,
            wanted_exports: self.wanted,
        };
        crate::expr::evaluate(node, &mut TaskScope::for_target(&self.task.values, names))
            .and_then(|v| parameter_text(&v))
            .map_err(|e| (attribute.to_string(), e))
    }

    /// The task's stack parameters.
    pub(super) fn parameters(&self) -> Result<BTreeMap<String, Text>, (String, EvalError)> {
        self.task
            .parameters
            .iter()
            .map(|(name, node)| Ok((name.clone(), self.text(&format!("Parameters.{name}"), node)?)))
            .collect()
    }
}

/// The stack a target should have (imports not yet filled in); an error names the parameter.
pub(super) fn stack_spec(
    task_name: &str,
    stack: &StackInstance,
    desired: &DesiredOrg,
    values: &TargetEvaluation,
) -> Result<StackSpec<Text>, (String, EvalError)> {
    let task = values.task;
    let ids = values.accounts.ids;
    let parameters = values.parameters()?;
    let access_role = match &task.task_role_name {
        Some(node) => Some(
            values.text("TaskRoleName", node)?.require_known("TaskRoleName").map_err(|e| ("TaskRoleName".into(), e))?,
        ),
        None => desired
            .accounts
            .iter()
            .find(|a| a.logical_id == stack.target.account)
            .and_then(|a| a.build_role_name.clone().or_else(|| desired.default_build_role_name.clone())),
    };
    let mut tags: Tags = task.tags.clone();
    tags.insert(STACK_TASK_TAG.into(), task_name.to_string());
    let account_id = match ids(&stack.target.account) {
        Some(id) => Text::known(id),
        None => Text::unknown(Unknown::Id(stack.target.account.clone())),
    };
    let template = match &task.stack_description {
        Some(node) => {
            let description = values.text("StackDescription", node)?;
            let mut template = stack.template.clone();
            if let Value::Map(sections) = &mut template {
                sections.retain(|(k, _)| k != "Description");
                sections.push(("Description".into(), Value::Text(description)));
            }
            template.to_json_text()
        }
        None => stack.template.to_json_text(),
    };
    let sensitive = template.json_structure().map(|t| crate::plan::sensitive::no_echo_parameters(&t));
    Ok(StackSpec {
        sensitive: sensitive.unwrap_or_default(),
        name: task.stack_name.clone(),
        template,
        parameters,
        tags,
        termination_protection: task.termination_protection,
        access_role,
        via_role_arn: task.via_role_arn.as_ref().map(|n| values.text("TaskViaRoleArn", n)).transpose()?,
        stack_policy: task.stack_policy.clone(),
        disable_rollback: task.disable_rollback,
        role_arn: match &task.cloudformation_role_name {
            Some(node) => {
                let mut arn = Text::known("arn:aws:iam::");
                arn.push_text(&account_id);
                arn.push_str(":role/");
                arn.push_text(&values.text("CloudFormationRoleName", node)?);
                Some(arn)
            }
            None => None,
        },
    })
}

/// A stack parameter's value as CloudFormation takes it: text, or a list joined with commas.
fn parameter_text(value: &Value) -> Result<Text, EvalError> {
    let items = match value {
        Value::List(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    let mut out = Text::default();
    for (i, item) in items.iter().enumerate() {
        let text = item.as_text().ok_or_else(|| {
            EvalError::new("expected-string", format!("a stack parameter is text, found {}", item.describe()))
        })?;
        if i > 0 {
            out.push_str(",");
        }
        out.push_text(&text);
    }
    Ok(out)
}

/// A stack that needs the id of a resource of the file which neither exists nor is created by
/// this plan (an account while update-organization is skipped) could never be deployed: an error
/// now, rather than a stack that fails at apply.
pub(super) fn never_known(
    spec: &StackSpec<Text>,
    existing: &HashMap<String, String>,
    created: &std::collections::HashSet<String>,
    subject: &str,
    task_name: &str,
) -> Option<Diagnostic> {
    let texts = std::iter::once(&spec.template).chain(spec.parameters.values()).chain(spec.role_arn.as_ref());
    let missing: BTreeSet<&str> = texts
        .flat_map(Text::unknowns)
        .filter_map(|u| match u {
            Unknown::Id(lid) if !existing.contains_key(lid) && !created.contains(lid) => Some(lid.as_str()),
            _ => None,
        })
        .collect();
    if missing.is_empty() {
        return None;
    }
    let list: Vec<&str> = missing.into_iter().collect();
    Some(
        Diagnostic::error(
            "id-never-known",
            format!(
                "{subject} needs the id of {}, which is not in the organization and not created by this plan",
                list.join(", ")
            ),
        )
        .resource(task_name.to_string())
        .help(
            "run the update-organization task (it is skipped) so that it creates them, or leave them out of this task",
        ),
    )
}

/// The template rendered for one target, checked as CloudFormation checks it before it creates
/// anything ([`crate::expr::template_rules`]): a template CloudFormation would refuse is an error
/// of the plan, naming the task, the target and the resource.
pub(super) fn template_refused(
    spec: &StackSpec<Text>,
    stack: &StackInstance,
    subject: &str,
    task_name: &str,
) -> Option<Diagnostic> {
    let template = spec.template.json_structure()?;
    let mut parameters: BTreeMap<String, Option<String>> =
        spec.parameters.iter().map(|(k, v)| (k.clone(), v.as_known().map(str::to_string))).collect();
    parameters.extend(stack.imports.iter().map(|i| (i.parameter.clone(), None)));
    let refusals = crate::expr::template_rules::refusals(&template, &parameters);
    if refusals.is_empty() {
        return None;
    }
    let list: Vec<String> = refusals.iter().map(|r| format!("{}: {}", r.place, r.message)).collect();
    Some(Diagnostic::error(
        "template-refused",
        format!("{subject}: CloudFormation would refuse the template rendered for this target: {}", list.join("; ")),
    )
    .resource(task_name.to_string())
    .property("Template")
    .help("CloudFormation checks these before it creates anything; note that a resource bound to fewer targets than the rest is left out of the other targets' templates, so what refers to it must be bound the same way"))
}
