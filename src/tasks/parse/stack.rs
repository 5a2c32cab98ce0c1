//! An `update-stacks` task: its stack name, bindings, parameters, tags, policies and roles.

use super::same_file;
use super::types::TaskAt;
use super::Parser;
use crate::diagnostic::Diagnostic;
use crate::expr::evaluate;
use crate::model::Tags;
use crate::org_file::report::locate;
use crate::source::yaml::Node;
use crate::tasks::scope::TaskScope;
use crate::tasks::task_file::*;
use std::collections::BTreeMap;

/// What `UpdateProtection: true` sets: no resource of the stack may be changed by CloudFormation.
const UPDATE_PROTECTION_POLICY: &str =
    r#"{"Statement":[{"Effect":"Deny","Action":"Update:*","Principal":"*","Resource":"*"}]}"#;

impl Parser<'_> {
    pub(super) fn stack_task(&mut self, at: &TaskAt) -> Option<Task> {
        let (name, span, node, params) = (at.name, at.span, at.node, at.params);
        let errors_before = self.diags.0.iter().filter(|d| d.is_error()).count();
        let template = self.path_of(at, "Template");
        let stack_name = self.stack_name(at);
        let region_key = self.current_name(node, name, "DefaultOrganizationBindingRegion", "OrganizationBindingRegion");
        let regions = match node.get(region_key) {
            Some(r) => {
                let regions = self.strings(r, name, region_key, params);
                self.check_regions(&regions, r.span, name, region_key);
                regions
            }
            None => Vec::new(),
        };
        let binding_key = self.current_name(node, name, "DefaultOrganizationBinding", "OrganizationBinding");
        let default_binding = node.get(binding_key).map(|b| self.binding(b, name, binding_key, params));
        let mut bindings = BTreeMap::new();
        for (k, v) in node.get("OrganizationBindings").and_then(Node::as_map).unwrap_or_default() {
            let key = k.as_str().unwrap_or_default().to_string();
            let binding = self.binding(v, name, &format!("OrganizationBindings.{key}"), params);
            bindings.insert(key, binding);
        }
        let number = |this: &mut Self, attribute: &str| -> Option<u32> {
            let n = node.get(attribute)?;
            let text = this.text(n, name, attribute, params)?;
            text.parse()
                .map_err(|_| {
                    this.error(
                        "expected-number",
                        n.span,
                        name,
                        Some(attribute),
                        format!("{attribute} must be a whole number, found '{text}'"),
                    )
                })
                .ok()
        };
        let max_concurrent_stacks = number(self, "MaxConcurrentStacks");
        let failed_stack_tolerance = number(self, "FailedStackTolerance").unwrap_or(0);
        let mut tags = Tags::new();
        for (k, v) in node.get("Tags").and_then(Node::as_map).unwrap_or_default() {
            let key = k.as_str().unwrap_or_default().to_string();
            if let Some(value) = self.text(v, name, &format!("Tags.{key}"), params) {
                tags.insert(key, value);
            }
        }
        let mut parameters = BTreeMap::new();
        for (k, v) in node.get("Parameters").and_then(Node::as_map).unwrap_or_default() {
            let key = k.as_str().unwrap_or_default().to_string();
            if let Some(value) = self.stack_param(v, name, &format!("Parameters.{key}"), params) {
                parameters.insert(key, value);
            }
        }
        let template = template?;
        let templating = node.get("TemplatingContext").map(|n| self.templating_context(n, params));
        let document = self.template(&template, name, params, &bindings, templating.as_ref(), node.get("Parameters"));
        self.template_parameters.clear();
        let document = document?;
        // The task's values lead; the template's apply where the task says nothing.
        let regions = if regions.is_empty() { document.default_regions.clone() } else { regions };
        let default_binding = default_binding.or_else(|| document.default_binding.clone()).map(|mut b| {
            if b.regions.is_empty() {
                b.regions = regions.clone();
            }
            b
        });
        // One mistake, one error: a binding already reported is not reported again for its region.
        if self.diags.0.iter().filter(|d| d.is_error()).count() == errors_before {
            self.check_bindings_have_regions(name, span, &regions, default_binding.as_ref(), &bindings, &document);
        }
        let flag_of = |this: &mut Self, attribute: &str| {
            node.get(attribute).is_some_and(|n| this.flag(n, name, attribute, params))
        };
        let update_protection = flag_of(self, "UpdateProtection");
        let disable_rollback = flag_of(self, "DisableStackRollbacks");
        let stack_policy = self.stack_policy(at, update_protection);
        self.unused_attributes(at);
        self.same_organization_file(at);
        let stack = StackTask {
            values: params.clone(),
            via_role_arn: node.get("TaskViaRoleArn").and_then(|n| self.stack_param(n, name, "TaskViaRoleArn", params)),
            stack_policy,
            disable_rollback,
            template,
            document,
            stack_name: stack_name?,
            stack_description: node
                .get("StackDescription")
                .and_then(|n| self.stack_param(n, name, "StackDescription", params)),
            parameters,
            default_binding,
            default_regions: regions,
            bindings,
            termination_protection: node
                .get("TerminationProtection")
                .is_some_and(|n| self.flag(n, name, "TerminationProtection", params)),
            tags,
            max_concurrent_stacks,
            failed_stack_tolerance,
            cloudformation_role_name: node
                .get("CloudFormationRoleName")
                .and_then(|n| self.stack_param(n, name, "CloudFormationRoleName", params)),
            task_role_name: node.get("TaskRoleName").and_then(|n| self.stack_param(n, name, "TaskRoleName", params)),
        };
        Some(at.task(TaskKind::UpdateStacks(Box::new(stack))))
    }

    /// `StackName`, required, checked as CloudFormation checks it.
    fn stack_name(&mut self, at: &TaskAt) -> Option<String> {
        let (name, span, node, params) = (at.name, at.span, at.node, at.params);
        let stack_name = match node.get("StackName") {
            Some(n) => self.text(n, name, "StackName", params),
            None => {
                self.error("missing-attribute", span, name, Some("StackName"), "an update-stacks task needs StackName");
                None
            }
        };
        if let Some(s) = &stack_name {
            let ok = !s.is_empty()
                && s.len() <= 128
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                let at = node.get("StackName").map_or(span, |n| n.span);
                self.error(
                    "invalid-stack-name",
                    at,
                    name,
                    Some("StackName"),
                    format!("'{s}' is not a valid stack name"),
                )
                .help = Some("1-128 characters: letters, digits and hyphens, starting with a letter".into());
            }
        }
        stack_name
    }

    /// The stack policy: `StackPolicy`, or the one `UpdateProtection: true` stands for (not both).
    fn stack_policy(&mut self, at: &TaskAt, update_protection: bool) -> Option<String> {
        let (name, node, params) = (at.name, at.node, at.params);
        match (node.get("StackPolicy"), update_protection) {
            (Some(n), true) => {
                self.error(
                    "conflicting-attributes",
                    n.span,
                    name,
                    Some("StackPolicy"),
                    "StackPolicy and UpdateProtection both set the stack policy",
                )
                .help = Some("keep one: UpdateProtection: true is a policy that denies every update".into());
                None
            }
            (Some(n), false) => self.value(n, name, "StackPolicy", params).and_then(|v| match v.known()? {
                serde_json::Value::String(text) => Some(text),
                json => Some(json.to_string()),
            }),
            (None, true) => Some(UPDATE_PROTECTION_POLICY.to_string()),
            (None, false) => None,
        }
    }

    /// Attributes org-formation reads that orgctl has no use for: a warning each, saying what to
    /// use instead.
    fn unused_attributes(&mut self, at: &TaskAt) {
        let (name, node) = (at.name, at.node);
        if let Some(n) = node.get("DeletionProtection") {
            let d = Diagnostic::warning(
                "not-used",
                "DeletionProtection does nothing (org-formation reads it and does not use it either)",
            )
            .help("TerminationProtection: true protects the stack from deletion");
            self.diags.push(locate(d, self.sources, n.span, name, Some("DeletionProtection")));
        }
        for attribute in ["MaxConcurrentTasks", "FailedTaskTolerance"] {
            if let Some(n) = node.get(attribute) {
                let d = Diagnostic::warning(
                    "not-used",
                    format!("{attribute} applies to tasks run together; orgctl runs all changes in one graph"),
                )
                .help("use --concurrency for the whole run, and MaxConcurrentStacks / FailedStackTolerance per task");
                self.diags.push(locate(d, self.sources, n.span, name, Some(attribute)));
            }
        }
    }

    /// `OrganizationFile` may only name the organization file of the update-organization task:
    /// every task is planned against one organization.
    fn same_organization_file(&mut self, at: &TaskAt) {
        let (name, node, params) = (at.name, at.node, at.params);
        if let Some(n) = node.get("OrganizationFile") {
            if let Some(file) = self.text(n, name, "OrganizationFile", params) {
                let path = params.dir.join(&file);
                let same = self.organization_file.as_ref().is_some_and(|o| same_file(o, &path));
                if !same {
                    self.error("organization-file-differs", n.span, name, Some("OrganizationFile"), format!("OrganizationFile names {file}, not the organization file of the update-organization task"))
                        .help = Some("orgctl plans every task against one organization: point OrganizationFile at the same file or remove it".into());
                }
            }
        }
    }

    /// `current`, or the old name org-formation still reads (with a warning, as it gives).
    pub(super) fn current_name<'k>(&mut self, node: &Node, task: &str, current: &'k str, old: &'k str) -> &'k str {
        match (node.get(current), node.get(old)) {
            (None, Some(n)) => {
                let d = Diagnostic::warning("deprecated", format!("{old} is the old name of {current}"))
                    .help(format!("rename it {current}"));
                self.diags.push(locate(d, self.sources, n.span, task, Some(old)));
                old
            }
            _ => current,
        }
    }

    /// A stack parameter: an expression checked now and evaluated for each target when planning
    /// (`!CopyValue` included: its export is read then, or when the stack deploys).
    pub(super) fn stack_param(
        &mut self,
        node: &Node,
        task: &str,
        attribute: &str,
        params: &TaskValues,
    ) -> Option<StackParam> {
        let mut scope = TaskScope::reading(params, self.org_kinds);
        match evaluate(node, &mut scope) {
            // Other failures may come from placeholder account values: the plan reports them.
            Err(e)
                if matches!(
                    e.code,
                    "unknown-reference"
                        | "bad-intrinsic"
                        | "unsupported-intrinsic"
                        | "invalid-copy-value"
                        | "reference-not-a-value"
                        | "unknown-attribute"
                ) =>
            {
                self.eval_error(e, node.span, task, attribute);
                None
            }
            _ => Some(node.clone()),
        }
    }
}
