//! An update-stacks template: read (nunjucks-templated when it says so), its parameters, and the
//! bindings and resources an annotated template carries.

use super::Parser;
use crate::diagnostic::Diagnostic;
use crate::org_file::declared::ResourceKind;
use crate::org_file::load::read_tree;
use crate::org_file::report::locate;
use crate::source::text::Span;
use crate::source::yaml::{Node, NodeKind};
use crate::tasks::task_file::*;
use std::collections::BTreeMap;
use std::path::Path;

impl Parser<'_> {
    /// Reads `path`, rendered first as a nunjucks template with `context` (a `.njk` file is one
    /// even without a context).
    pub(super) fn read_maybe_templated(
        &mut self,
        path: &Path,
        context: Option<&serde_json::Value>,
    ) -> Result<Node, Box<Diagnostic>> {
        match context {
            Some(context) => crate::org_file::load::read_tree_templated(path, self.sources, context),
            None if crate::source::templating::is_template(path) => {
                crate::org_file::load::read_tree_templated(path, self.sources, &serde_json::json!({}))
            }
            None => read_tree(path, self.sources),
        }
    }

    /// Reads an annotated template: its `OrganizationBindings` section and each resource's
    /// `OrganizationBinding` / `ForeachAccount`, checked against the organization.
    pub(super) fn template(
        &mut self,
        path: &Path,
        task: &str,
        params: &TaskValues,
        task_bindings: &BTreeMap<String, Binding>,
        templating: Option<&serde_json::Value>,
        stack_parameters: Option<&Node>,
    ) -> Option<Template> {
        let root = match self.read_maybe_templated(path, templating) {
            Ok(root) => root,
            Err(d) => {
                self.diags.push(*d);
                return None;
            }
        };
        let mut template = Template {
            confinement: self.sources.confinement().clone(),
            path: path.to_path_buf(),
            bindings: BTreeMap::new(),
            default_binding: None,
            default_regions: Vec::new(),
            resources: Vec::new(),
            sections: Vec::new(),
        };
        self.template_parameters = root
            .get("Parameters")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, decl)| {
                let name = k.as_str()?;
                let value = stack_parameters.and_then(|p| p.get(name)).or_else(|| decl.get("Default"))?;
                Some((name.to_string(), value.clone()))
            })
            .collect();
        for (key, value) in root.as_map().unwrap_or_default() {
            match key.as_str().unwrap_or_default() {
                "OrganizationBindings" => {
                    for (k, v) in value.as_map().unwrap_or_default() {
                        let binding_name = k.as_str().unwrap_or_default().to_string();
                        let binding = self.binding(v, task, &format!("OrganizationBindings.{binding_name}"), params);
                        template.bindings.insert(binding_name, binding);
                    }
                }
                "DefaultOrganizationBinding" => {
                    template.default_binding = Some(self.binding(value, task, "DefaultOrganizationBinding", params));
                }
                "DefaultOrganizationBindingRegion" => {
                    template.default_regions = self.strings(value, task, "DefaultOrganizationBindingRegion", params);
                    self.check_regions(&template.default_regions, value.span, task, "DefaultOrganizationBindingRegion");
                }
                // org-formation's own sections: the organization comes from the task file.
                "Organization" | "Definitions" => {}
                "Resources" => {
                    for (k, v) in value.as_map().unwrap_or_default() {
                        let id = k.as_str().unwrap_or_default().to_string();
                        if let Some(r) = self.template_resource(&id, v, task, params) {
                            template.resources.push(r);
                        }
                    }
                }
                other => template.sections.push((other.to_string(), value.clone())),
            }
        }
        if template.resources.is_empty() {
            // As org-formation: a template without resources deploys nothing (CloudFormation would
            // refuse the stack), which is no reason to refuse the other tasks.
            let d = Diagnostic::warning(
                "empty-template",
                format!("{} has no Resources: it deploys nothing", path.display()),
            )
            .at(Some(self.sources.location(root.span)))
            .resource(task)
            .help("add a resource, or remove the task");
            self.diags.push(d);
        }
        for r in &template.resources {
            let named = [Some(&r.binding), r.foreach.as_ref()].into_iter().flatten().filter_map(|b| match b {
                ResourceBinding::Named(n) => Some(n),
                ResourceBinding::Default | ResourceBinding::Inline(_) => None,
            });
            for name in named {
                if !template.bindings.contains_key(name) && !task_bindings.contains_key(name) {
                    let d = Diagnostic::error("unknown-binding", format!("resource {} refers to binding '{name}', which neither the template's nor the task's OrganizationBindings declares", r.logical_id))
                        .at(Some(self.sources.location(r.body.span)))
                        .resource(task)
                        .property(format!("Resources.{}", r.logical_id));
                    self.diags.push(d);
                }
            }
        }
        Some(template)
    }

    pub(super) fn template_resource(
        &mut self,
        id: &str,
        node: &Node,
        task: &str,
        params: &TaskValues,
    ) -> Option<TemplateResource> {
        let Some(entries) = node.as_map() else {
            self.error(
                "invalid-template",
                node.span,
                task,
                Some(&format!("Resources.{id}")),
                "a resource is a mapping with Type and Properties",
            );
            return None;
        };
        let mut binding = ResourceBinding::Default;
        let mut foreach = None;
        let mut depends_on_accounts = Vec::new();
        let mut depends_on_regions = Vec::new();
        let mut kept = Vec::new();
        for (k, v) in entries {
            match k.as_str().unwrap_or_default() {
                "OrganizationBinding" => {
                    binding = self.resource_binding(v, task, &format!("Resources.{id}.OrganizationBinding"), params);
                }
                key @ ("ForeachAccount" | "Foreach") => {
                    if key == "Foreach" {
                        let d = Diagnostic::warning("deprecated", "Foreach is the old name of ForeachAccount")
                            .help("rename it ForeachAccount");
                        self.diags.push(locate(
                            d,
                            self.sources,
                            k.span,
                            task,
                            Some(&format!("Resources.{id}.Foreach")),
                        ));
                    }
                    foreach = Some(self.resource_binding(v, task, &format!("Resources.{id}.{key}"), params));
                }
                "DependsOnAccount" => {
                    let accounts = [ResourceKind::Account, ResourceKind::MasterAccount];
                    let at = format!("Resources.{id}.DependsOnAccount");
                    let v = through_parameters(v, params, &self.template_parameters);
                    depends_on_accounts = self.org_refs(&v, task, &at, &accounts, false).ids();
                }
                "DependsOnRegion" => {
                    let at = format!("Resources.{id}.DependsOnRegion");
                    depends_on_regions = self.strings(v, task, &at, params);
                    self.check_regions(&depends_on_regions, v.span, task, &at);
                }
                _ => kept.push((k.clone(), v.clone())),
            }
        }
        let body = Node { kind: NodeKind::Map(kept), tag: None, span: node.span };
        Some(TemplateResource {
            logical_id: id.to_string(),
            binding,
            foreach,
            depends_on_accounts,
            depends_on_regions,
            body,
        })
    }
}

pub(super) fn through_parameters(
    node: &Node,
    params: &TaskValues,
    template_parameters: &BTreeMap<String, Node>,
) -> Node {
    let reference = |id: &str, span: Span| Node {
        kind: NodeKind::Scalar { text: id.to_string(), quoted: false },
        tag: Some("Ref".into()),
        span,
    };
    match (&node.kind, node.tag.as_deref(), node.as_str()) {
        (_, Some("Ref"), Some(name)) if template_parameters.contains_key(name) => {
            let mut without = template_parameters.clone();
            let value = without.remove(name).unwrap_or_else(|| node.clone());
            through_parameters(&value, params, &without)
        }
        (_, Some("Ref"), Some(name)) => match params.parameters.get(name) {
            Some(TaskParameter::Expression(e)) if e.tag.as_deref() == Some("Ref") => {
                through_parameters(e, params, template_parameters)
            }
            Some(TaskParameter::Text(id)) => reference(id, node.span),
            Some(TaskParameter::List(ids)) => Node {
                kind: NodeKind::Seq(ids.iter().map(|id| reference(id, node.span)).collect()),
                tag: None,
                span: node.span,
            },
            _ => node.clone(),
        },
        (NodeKind::Seq(items), None, _) => Node {
            kind: NodeKind::Seq(items.iter().map(|i| through_parameters(i, params, template_parameters)).collect()),
            tag: None,
            span: node.span,
        },
        _ => node.clone(),
    }
}

/// A YAML expression as CloudFormation's JSON form: `!Sub x` is `{"Fn::Sub": "x"}`.
pub(super) fn expression_json(node: &Node) -> serde_json::Value {
    let body = match &node.kind {
        NodeKind::Null => serde_json::Value::Null,
        NodeKind::Scalar { text, quoted: true } => serde_json::Value::String(text.clone()),
        NodeKind::Scalar { text, .. } => crate::source::yaml::typed_scalar(text),
        NodeKind::Seq(items) => items.iter().map(expression_json).collect(),
        NodeKind::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), expression_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    };
    match node.tag.as_deref() {
        Some(tag @ ("Ref" | "Condition")) => serde_json::json!({ tag: body }),
        Some(tag) => serde_json::json!({ format!("Fn::{tag}"): body }),
        None => body,
    }
}
