//! Reading a task file: parameters, tasks of the supported types with their attributes checked,
//! `include` tasks expanded (their tasks prefixed with the include's name), `DependsOn` checked
//! (unknown names, loops), and organization bindings checked against the organization file.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{evaluate, EvalError, Value};
use crate::org_file::declared::ResourceKind;
use crate::org_file::report::locate;
use crate::source::text::{Sources, Span};
use crate::source::yaml::{Node, NodeKind};
use crate::tasks::scope::TaskScope;
use crate::tasks::task_file::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use template::expression_json;

mod binding;
mod dependencies;
mod stack;
mod template;
mod types;
mod workload;

struct Parser<'a> {
    sources: &'a mut Sources,
    diags: Diagnostics,
    /// Resource kinds of the organization file, by logical id, to check binding references.
    org_kinds: &'a HashMap<String, ResourceKind>,
    overrides: &'a BTreeMap<String, String>,
    /// Templates named by URL, fetched before parsing: URL → local copy.
    fetched: &'a BTreeMap<String, PathBuf>,
    stack: Vec<PathBuf>,
    /// The organization file of the update-organization task.
    organization_file: Option<PathBuf>,
    /// While a template's bindings are read: its parameters' values (the task's, else the
    /// defaults), which a binding may name (`Account: !Ref functionAccount`).
    template_parameters: BTreeMap<String, Node>,
    /// Tasks skipped because a task they depend on is (`Skip`: "the task and dependent tasks
    /// will not be executed"), by full name: their files are not read.
    skipped_by_dependency: BTreeSet<String>,
}

/// Whether two paths name the same file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Reads `path` and everything it includes. `org_kinds` are the organization's resources.
pub fn parse(
    path: &Path,
    sources: &mut Sources,
    org_kinds: &HashMap<String, ResourceKind>,
    options: &crate::org_file::LoadOptions,
    organization_file: Option<PathBuf>,
    diags: &mut Diagnostics,
) -> TaskFile {
    let mut p = Parser {
        sources,
        diags: Diagnostics::default(),
        org_kinds,
        overrides: &options.parameters,
        fetched: &options.fetched_templates,
        stack: Vec::new(),
        organization_file,
        template_parameters: BTreeMap::new(),
        skipped_by_dependency: BTreeSet::new(),
    };
    let tasks = p.file(path, "", &BTreeMap::new(), None);
    let mut file = TaskFile { tasks };
    p.resolve_dependencies(&mut file);
    p.check_dependencies(&file);
    diags.extend(p.diags);
    file
}

fn as_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

impl Parser<'_> {
    pub(super) fn error(
        &mut self,
        code: &'static str,
        span: Span,
        task: &str,
        attribute: Option<&str>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags.push(locate(Diagnostic::error(code, message), self.sources, span, task, attribute));
        let last = self.diags.0.len() - 1;
        &mut self.diags.0[last]
    }

    /// The tasks of one file; `prefix` names the include it comes from.
    /// `context`: the including task's `TemplatingContext` (a `.njk` file is a template anyway).
    pub(super) fn file(
        &mut self,
        path: &Path,
        prefix: &str,
        passed: &BTreeMap<String, TaskParameter>,
        context: Option<&serde_json::Value>,
    ) -> Vec<Task> {
        if self.stack.iter().any(|p| p == path) {
            let chain: Vec<String> =
                self.stack.iter().chain([&path.to_path_buf()]).map(|p| p.display().to_string()).collect();
            self.diags.push(Diagnostic::error("include-cycle", format!("include loop: {}", chain.join(" → "))));
            return Vec::new();
        }
        let root = match self.read_maybe_templated(path, context) {
            Ok(root) => root,
            Err(d) => {
                self.diags.push(*d);
                return Vec::new();
            }
        };
        let Some(entries) = root.as_map() else {
            // An empty task file has nothing to do (org-formation runs it as such).
            let d = if root.is_null() {
                Diagnostic::warning("empty-file", "the task file is empty: it has no task to run")
            } else {
                Diagnostic::error("not-a-mapping", "a task file is a mapping of task names to tasks")
            }
            .at(Some(self.sources.location(root.span)));
            self.diags.push(d);
            return Vec::new();
        };
        self.stack.push(path.to_path_buf());
        let section = |name: &str| entries.iter().find(|(k, _)| k.as_str() == Some(name)).map(|(_, v)| v);
        let parameters = section("Parameters").map(|v| self.parameters(v, passed)).unwrap_or_default();
        let params = TaskValues {
            parameters,
            mappings: section("Mappings").cloned(),
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            confinement: self.sources.confinement().clone(),
        };
        self.note_skipped_dependents(entries, prefix, &params);
        let mut tasks = Vec::new();
        for (key, value) in entries {
            let name = key.as_str().unwrap_or_default();
            if matches!(name, "Parameters" | "OrganizationBindings" | "Definitions" | "Mappings") {
                continue;
            }
            let full = if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
            tasks.extend(self.task(&full, prefix, key.span, value, path, &params));
        }
        self.stack.pop();
        tasks
    }

    pub(super) fn parameters(
        &mut self,
        node: &Node,
        passed: &BTreeMap<String, TaskParameter>,
    ) -> BTreeMap<String, TaskParameter> {
        let mut out = BTreeMap::new();
        for (key, decl) in node.as_map().unwrap_or_default() {
            let name = key.as_str().unwrap_or_default().to_string();
            let kind = decl.get("Type").and_then(Node::as_str).unwrap_or("String").to_string();
            // A value an include passes in (a list stays a list) wins over --parameter.
            if let Some(value) = passed.get(&name) {
                out.insert(name, value.clone());
                continue;
            }
            let given = self.overrides.get(&name).cloned();
            let default = decl.get("Default");
            let Some(value) = TaskParameter::declared(&kind, given, default) else {
                self.error(
                    "parameter-missing",
                    key.span,
                    "Parameters",
                    Some(&name),
                    format!("parameter {name} has no Default and no value was given"),
                )
                .help = Some(format!("pass --parameter {name}=VALUE or give it a Default"));
                continue;
            };
            if !["String", "Number", "Boolean", "List<String>", "CommaDelimitedList", "OrganizationBinding"]
                .contains(&kind.as_str())
            {
                self.error(
                    "parameter-type",
                    key.span,
                    "Parameters",
                    Some(&name),
                    format!("unknown parameter type '{kind}'"),
                )
                .help = Some("String, Number, Boolean, List<String> or OrganizationBinding".into());
            }
            out.insert(name, value);
        }
        out
    }

    /// Reports an evaluation error at `span`.
    pub(super) fn eval_error(&mut self, e: EvalError, span: Span, task: &str, attribute: &str) {
        let help = e.help.clone();
        self.error(e.code, span, task, Some(attribute), e.message).help = help;
    }

    /// An attribute's value, known when the file is read.
    pub(super) fn value(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> Option<Value> {
        let mut scope = TaskScope::reading(params, self.org_kinds);
        match evaluate(node, &mut scope) {
            Ok(v) if v.unknowns().is_empty() => Some(v),
            Ok(_) => {
                self.error(
                    "depends-on-target",
                    node.span,
                    task,
                    Some(attribute),
                    format!("{attribute} must be known when the task file is read, not per account"),
                )
                .help = Some("only stack Parameters may use CurrentAccount or account attributes".into());
                None
            }
            Err(e) => {
                self.eval_error(e, node.span, task, attribute);
                None
            }
        }
    }

    /// A `TemplatingContext`, as org-formation gives it to the template: what is known when the
    /// file is read is its value; what is known only per target (`!Sub '${CurrentAccount}'`)
    /// stays the expression it is (`{"Fn::Sub": ...}`), for the template to write where a
    /// stack parameter evaluates it (`{{ value | object }}`).
    pub(super) fn templating_context(&mut self, node: &Node, params: &TaskValues) -> serde_json::Value {
        if crate::expr::intrinsic(node).is_none() {
            match &node.kind {
                NodeKind::Map(entries) => {
                    return entries
                        .iter()
                        .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), self.templating_context(v, params)))
                        .collect::<serde_json::Map<_, _>>()
                        .into()
                }
                NodeKind::Seq(items) => return items.iter().map(|i| self.templating_context(i, params)).collect(),
                _ => {}
            }
        }
        let mut scope = TaskScope::reading(params, self.org_kinds);
        match evaluate(node, &mut scope).ok().and_then(|v| v.known()) {
            Some(known) => known,
            None => expression_json(node),
        }
    }

    /// A scalar attribute (parameters and functions of the file evaluated).
    pub(super) fn text(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> Option<String> {
        let value = self.value(node, task, attribute, params)?;
        self.as_text(&value, node, task, attribute, "text")
    }

    /// `value` as text, or an error saying it should be `expected`.
    pub(super) fn as_text(
        &mut self,
        value: &Value,
        node: &Node,
        task: &str,
        attribute: &str,
        expected: &str,
    ) -> Option<String> {
        let text = value.as_text().map(|t| t.shown());
        if text.is_none() {
            let message = format!("{attribute} must be {expected}, found {}", value.describe());
            self.error("expected-string", node.span, task, Some(attribute), message);
        }
        text
    }

    pub(super) fn strings(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> Vec<String> {
        match self.value(node, task, attribute, params) {
            Some(Value::List(items)) => items.iter().filter_map(|i| i.as_text()).map(|t| t.shown()).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(v) => self.as_text(&v, node, task, attribute, "text or a list").into_iter().collect(),
        }
    }

    pub(super) fn flag(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> bool {
        let text = self.text(node, task, attribute, params).unwrap_or_default();
        as_bool(&text).unwrap_or_else(|| {
            self.error(
                "expected-boolean",
                node.span,
                task,
                Some(attribute),
                format!("{attribute} must be true or false, found '{text}'"),
            );
            false
        })
    }
}
