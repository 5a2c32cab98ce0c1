//! Reading a task file: parameters, tasks of the supported types with their attributes checked,
//! `include` tasks expanded (their tasks prefixed with the include's name), `DependsOn` checked
//! (unknown names, loops), and organization bindings checked against the organization file.

use super::scope::TaskScope;
use super::task_file::*;
use super::upload::Packing;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{evaluate, EvalError, Value};
use crate::graph::DependencyGraph;
use crate::model::Tags;
use crate::org_file::declared::ResourceKind;
use crate::org_file::load::{read_tree, suggest};
use crate::org_file::report::locate;
use crate::source::text::{Sources, Span};
use crate::source::yaml::{Node, NodeKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

const TASK_TYPES: [&str; 9] = [
    "update-organization",
    "annotate-organization",
    "update-stacks",
    "include",
    "update-cdk",
    "update-serverless.com",
    "apply-tf",
    "register-type",
    "copy-to-s3",
];
/// Attributes of the workload tasks, beyond the common ones.
const WORKLOAD_ATTRIBUTES: [&str; 10] = [
    "Path",
    "OrganizationBinding",
    "Parameters",
    "CustomDeployCommand",
    "CustomRemoveCommand",
    "IgnoreFileChanges",
    "RunNpmInstall",
    "TaskRoleName",
    "MaxConcurrentTasks",
    "FailedTaskTolerance",
];
/// org-formation task types orgctl does not run: named so that the error says so plainly.
const UNSUPPORTED_TYPES: [(&str, &str); 1] =
    [("update-scps", "it is a legacy alias; declare the SCPs in the organization file")];
const COMMON: [&str; 4] = ["Type", "DependsOn", "Skip", "LogVerbose"];
const STACK_ATTRIBUTES: [&str; 25] = [
    "Template",
    "StackName",
    "StackDescription",
    "Parameters",
    "DefaultOrganizationBinding",
    "DefaultOrganizationBindingRegion",
    "OrganizationBindings",
    "TerminationProtection",
    "Tags",
    "MaxConcurrentStacks",
    "FailedStackTolerance",
    "CloudFormationRoleName",
    "TaskRoleName",
    "OrganizationFile",
    "TemplatingContext",
    "TaskViaRoleArn",
    "StackPolicy",
    "UpdateProtection",
    "DisableStackRollbacks",
    "MaxConcurrentTasks",
    "FailedTaskTolerance",
    // The old names of DefaultOrganizationBinding(Region), read with a warning.
    "OrganizationBinding",
    "OrganizationBindingRegion",
    // orgctl always compares with what is deployed, so there is nothing to force.
    "ForceDeploy",
    "DeletionProtection",
];

/// What `UpdateProtection: true` sets: no resource of the stack may be changed by CloudFormation.
const UPDATE_PROTECTION_POLICY: &str =
    r#"{"Statement":[{"Effect":"Deny","Action":"Update:*","Principal":"*","Resource":"*"}]}"#;
const BINDING_KEYS: [&str; 7] = [
    "Account",
    "OrganizationalUnit",
    "ExcludeAccount",
    "ExcludeOrganizationalUnit",
    "IncludeMasterAccount",
    "AccountsWithTag",
    "Region",
];

/// References to the organization's resources, or `'*'` where allowed.
enum OrgRefs {
    Star,
    Ids(Vec<String>),
}

impl OrgRefs {
    fn ids(self) -> Vec<String> {
        match self {
            OrgRefs::Star => Vec::new(),
            OrgRefs::Ids(ids) => ids,
        }
    }
}

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
    fn error(
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
    fn file(
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

    fn parameters(&mut self, node: &Node, passed: &BTreeMap<String, TaskParameter>) -> BTreeMap<String, TaskParameter> {
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
    fn eval_error(&mut self, e: EvalError, span: Span, task: &str, attribute: &str) {
        let help = e.help.clone();
        self.error(e.code, span, task, Some(attribute), e.message).help = help;
    }

    /// An attribute's value, known when the file is read.
    fn value(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> Option<Value> {
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
    fn templating_context(&mut self, node: &Node, params: &TaskValues) -> serde_json::Value {
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
    fn text(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> Option<String> {
        let value = self.value(node, task, attribute, params)?;
        self.as_text(&value, node, task, attribute, "text")
    }

    /// `value` as text, or an error saying it should be `expected`.
    fn as_text(&mut self, value: &Value, node: &Node, task: &str, attribute: &str, expected: &str) -> Option<String> {
        let text = value.as_text().map(|t| t.shown());
        if text.is_none() {
            let message = format!("{attribute} must be {expected}, found {}", value.describe());
            self.error("expected-string", node.span, task, Some(attribute), message);
        }
        text
    }

    fn strings(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> Vec<String> {
        match self.value(node, task, attribute, params) {
            Some(Value::List(items)) => items.iter().filter_map(|i| i.as_text()).map(|t| t.shown()).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(v) => self.as_text(&v, node, task, attribute, "text or a list").into_iter().collect(),
        }
    }

    fn flag(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> bool {
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

    /// `Skip`: org-formation skips a task only for a boolean `true`, and runs it for any other
    /// value (`Skip: SkipAlternateContacts`, a parameter's name without `!Ref`); so does orgctl,
    /// with a warning.
    /// Records the tasks of one file that depend, directly or not, on a skipped task of it.
    fn note_skipped_dependents(&mut self, entries: &[(Node, Node)], prefix: &str, params: &TaskValues) {
        let full = |name: &str| if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
        let mut skipped: BTreeSet<String> = BTreeSet::new();
        let mut depends: Vec<(String, Vec<String>)> = Vec::new();
        for (key, node) in entries {
            let Some(name) = key.as_str() else { continue };
            let own = node.get("Skip").is_some_and(|n| {
                let mut scope = TaskScope::reading(params, self.org_kinds);
                crate::expr::evaluate_text(n, &mut scope)
                    .ok()
                    .and_then(|t| t.as_known().and_then(as_bool))
                    .unwrap_or(false)
            });
            if own {
                skipped.insert(name.to_string());
            }
            let on: Vec<String> = match node.get("DependsOn").map(|d| &d.kind) {
                Some(NodeKind::Scalar { text, .. }) => vec![text.clone()],
                Some(NodeKind::Seq(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
                _ => Vec::new(),
            };
            depends.push((name.to_string(), on));
        }
        let own = skipped.clone();
        loop {
            let before = skipped.len();
            for (name, on) in &depends {
                if on.iter().any(|d| skipped.contains(d)) {
                    skipped.insert(name.clone());
                }
            }
            if skipped.len() == before {
                break;
            }
        }
        self.skipped_by_dependency.extend(skipped.difference(&own).map(|n| full(n)));
    }

    fn skip(&mut self, node: &Node, task: &str, params: &TaskValues) -> bool {
        let text = self.text(node, task, "Skip", params).unwrap_or_default();
        as_bool(&text).unwrap_or_else(|| {
            let d = Diagnostic::warning(
                "skip-not-boolean",
                format!("Skip is '{text}', not true or false: the task runs (as org-formation runs it)"),
            )
            .help("write Skip: true, or Skip: !Ref PARAMETER to take it from a parameter");
            self.diags.push(locate(d, self.sources, node.span, task, Some("Skip")));
            false
        })
    }

    fn task(
        &mut self,
        name: &str,
        prefix: &str,
        span: Span,
        node: &Node,
        file: &Path,
        params: &TaskValues,
    ) -> Vec<Task> {
        let Some(type_node) = node.get("Type") else {
            self.error("missing-type", span, name, Some("Type"), "task has no Type").help =
                Some(format!("one of: {}", TASK_TYPES.join(", ")));
            return Vec::new();
        };
        let kind = type_node.as_str().unwrap_or_default();
        if let Some((_, why)) = UNSUPPORTED_TYPES.iter().find(|(t, _)| *t == kind) {
            self.error(
                "unsupported-task-type",
                type_node.span,
                name,
                Some("Type"),
                format!("orgctl does not run '{kind}' tasks: {why}"),
            )
            .help = Some(format!("orgctl runs {}", TASK_TYPES.join(", ")));
            return Vec::new();
        }
        if !TASK_TYPES.contains(&kind) {
            let guess = suggest(kind, TASK_TYPES.iter().copied());
            self.error(
                "unknown-task-type",
                type_node.span,
                name,
                Some("Type"),
                format!("unknown task type '{kind}'"),
            )
            .help = Some(
                guess.map_or_else(|| format!("one of: {}", TASK_TYPES.join(", ")), |g| format!("did you mean '{g}'?")),
            );
            return Vec::new();
        }
        let allowed: Vec<&str> = match kind {
            "update-organization" => {
                COMMON.iter().copied().chain(["Template", "TemplatingContext", "ForceDeploy", "TaskRoleName"]).collect()
            }
            "annotate-organization" => COMMON
                .iter()
                .copied()
                .chain(["DefaultOrganizationAccessRoleName", "ExcludeAccounts", "AccountMapping"])
                .collect(),
            "include" => COMMON
                .iter()
                .copied()
                .chain(["Path", "Parameters", "TemplatingContext", "MaxConcurrentTasks", "FailedTaskTolerance"])
                .collect(),
            "update-cdk" => COMMON.iter().copied().chain(WORKLOAD_ATTRIBUTES).chain(["RunNpmBuild"]).collect(),
            "update-serverless.com" => {
                COMMON.iter().copied().chain(WORKLOAD_ATTRIBUTES).chain(["Config", "Stage", "SLSVersion"]).collect()
            }
            "apply-tf" => COMMON
                .iter()
                .copied()
                .chain(WORKLOAD_ATTRIBUTES)
                .chain(["BackendConfig", "CustomInitCommand"])
                .collect(),
            "register-type" => COMMON
                .iter()
                .copied()
                .chain([
                    "ResourceType",
                    "SchemaHandlerPackage",
                    "OrganizationBinding",
                    "TaskRoleName",
                    "MaxConcurrentTasks",
                    "FailedTaskTolerance",
                ])
                .collect(),
            "copy-to-s3" => COMMON
                .iter()
                .copied()
                .chain([
                    "LocalPath",
                    "RemotePath",
                    "ServerSideEncryption",
                    "TemplatingContext",
                    "ZipBeforePut",
                    "OrganizationBinding",
                    "TaskRoleName",
                    "MaxConcurrentTasks",
                    "FailedTaskTolerance",
                ])
                .collect(),
            _ => COMMON.iter().copied().chain(STACK_ATTRIBUTES).collect(),
        };
        for (k, _) in node.as_map().unwrap_or_default() {
            let key = k.as_str().unwrap_or_default();
            if !allowed.contains(&key) {
                let help = suggest(key, allowed.iter().copied()).map_or_else(
                    || format!("{kind} accepts: {}", allowed.join(", ")),
                    |g| format!("did you mean '{g}'?"),
                );
                self.error(
                    "unknown-attribute",
                    k.span,
                    name,
                    Some(key),
                    format!("unknown attribute '{key}' for a {kind} task"),
                )
                .help = Some(help);
            }
        }
        let depends_on: Vec<String> = node
            .get("DependsOn")
            .map(|d| self.strings(d, name, "DependsOn", params))
            .unwrap_or_default()
            .into_iter()
            .map(|d| if prefix.is_empty() { d } else { format!("{prefix}/{d}") })
            .collect();
        let skip =
            node.get("Skip").is_some_and(|s| self.skip(s, name, params)) || self.skipped_by_dependency.contains(name);
        let base = file.parent().unwrap_or(Path::new("."));
        let path_of = |this: &mut Self, attribute: &str| -> Option<PathBuf> {
            let Some(n) = node.get(attribute) else {
                this.error(
                    "missing-attribute",
                    span,
                    name,
                    Some(attribute),
                    format!("a {kind} task needs {attribute}"),
                );
                return None;
            };
            let text = this.text(n, name, attribute, params)?;
            if crate::source::files::is_url(&text) {
                if attribute != "Template" || kind != "update-stacks" {
                    this.error(
                        "url-not-allowed",
                        n.span,
                        name,
                        Some(attribute),
                        format!("{attribute} is a URL ({text})"),
                    )
                    .help = Some(format!(
                        "a {kind} task reads {attribute} from the repository: name a file next to the task file"
                    ));
                    return None;
                }
                if let Some(local) = this.fetched.get(&text) {
                    return Some(local.clone());
                }
                let d = this.error(
                    "template-not-fetched",
                    n.span,
                    name,
                    Some(attribute),
                    format!("the template {text} is read when planning, so it is not checked here"),
                );
                d.severity = crate::diagnostic::Severity::Warning;
                d.help = Some(
                    "`orgctl plan` fetches it (S3 through the management account's credentials) and checks it".into(),
                );
                return None;
            }
            let full = crate::source::files::beside(base, &text);
            if !full.exists() {
                let d = this.error(
                    "file-not-found",
                    n.span,
                    name,
                    Some(attribute),
                    format!("{} does not exist", full.display()),
                );
                d.help = Some("paths are relative to the task file".into());
                // A skipped task is not read (as org-formation): its missing file is only noted.
                if skip {
                    d.severity = crate::diagnostic::Severity::Warning;
                    d.message.push_str(" (the task is skipped, so nothing is read)");
                }
                return None;
            }
            // Workload directories and uploaded files are read too: never outside the project.
            if let Err(e) = this.sources.confinement().check(&full) {
                let (message, help) = e.describe(&full);
                this.error(e.code(), n.span, name, Some(attribute), message).help = Some(help);
                return None;
            }
            Some(full)
        };
        match kind {
            "update-organization" => {
                // The role the organization's calls go through, in the management account (as
                // org-formation assumes it): evaluated now, since the provider opens with it.
                let role = node.get("TaskRoleName").and_then(|n| {
                    match crate::expr::evaluate_text(n, &mut TaskScope::reading(params, self.org_kinds)) {
                        Ok(t) if t.as_known().is_some_and(|r| !r.is_empty()) => t.as_known().map(str::to_string),
                        Ok(_) => {
                            self.error(
                                "expected-string",
                                n.span,
                                name,
                                Some("TaskRoleName"),
                                "TaskRoleName must be a role name known when the file is read",
                            );
                            None
                        }
                        Err(e) => {
                            self.error(e.code, n.span, name, Some("TaskRoleName"), e.message);
                            None
                        }
                    }
                });
                match path_of(self, "Template") {
                    Some(template) => vec![Task {
                        name: name.into(),
                        span,
                        depends_on,
                        skip,
                        kind: TaskKind::UpdateOrganization { template, role },
                    }],
                    None => Vec::new(),
                }
            }
            "annotate-organization" => {
                let annotation = Annotation::read(node, &mut TaskScope::reading(params, self.org_kinds));
                let ids = annotation.excluded.iter().map(|id| ("ExcludeAccounts", id));
                for (attribute, id) in ids.chain(annotation.account_mapping.values().map(|id| ("AccountMapping", id))) {
                    if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
                        let at = node.get(attribute).map_or(span, |n| n.span);
                        self.error(
                            "invalid-account-id",
                            at,
                            name,
                            Some(attribute),
                            format!("'{id}' is not a 12-digit account id"),
                        )
                        .help =
                            Some("quote account ids ('012345678901') so that YAML keeps their leading zeros".into());
                    }
                }
                vec![Task {
                    name: name.into(),
                    span,
                    depends_on,
                    skip,
                    kind: TaskKind::AnnotateOrganization(annotation),
                }]
            }
            "include" => {
                let Some(child) = path_of(self, "Path") else { return Vec::new() };
                let mut passed = BTreeMap::new();
                for (k, v) in node.get("Parameters").and_then(Node::as_map).unwrap_or_default() {
                    let key = k.as_str().unwrap_or_default().to_string();
                    let attribute = format!("Parameters.{key}");
                    let value = match self.value(v, name, &attribute, params) {
                        Some(Value::List(items)) => Some(TaskParameter::List(
                            items.iter().filter_map(Value::as_text).map(|t| t.shown()).collect(),
                        )),
                        Some(other) => {
                            self.as_text(&other, v, name, &attribute, "text or a list").map(TaskParameter::Text)
                        }
                        None => None,
                    };
                    if let Some(value) = value {
                        passed.insert(key, value);
                    }
                }
                let context = node.get("TemplatingContext").map(|c| self.templating_context(c, params));
                let mut tasks = self.file(&child, name, &passed, context.as_ref());
                for t in &mut tasks {
                    t.depends_on.extend(depends_on.iter().cloned());
                    t.skip |= skip;
                }
                tasks
            }
            "update-cdk" | "update-serverless.com" | "apply-tf" | "register-type" | "copy-to-s3" => {
                let dir = match kind {
                    "register-type" => params.dir.clone(),
                    "copy-to-s3" => match path_of(self, "LocalPath") {
                        Some(file) => file,
                        None => return Vec::new(),
                    },
                    _ => match path_of(self, "Path") {
                        Some(dir) => dir,
                        None => return Vec::new(),
                    },
                };
                let workload = self.workload_task(kind, name, span, node, dir, params);
                workload
                    .map(|w| Task { name: name.into(), span, depends_on, skip, kind: TaskKind::Workload(Box::new(w)) })
                    .into_iter()
                    .collect()
            }
            _ => self.stack_task(name, span, node, depends_on, skip, params, path_of).into_iter().collect(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn stack_task(
        &mut self,
        name: &str,
        span: Span,
        node: &Node,
        depends_on: Vec<String>,
        skip: bool,
        params: &TaskValues,
        path_of: impl Fn(&mut Self, &str) -> Option<PathBuf>,
    ) -> Option<Task> {
        let errors_before = self.diags.0.iter().filter(|d| d.is_error()).count();
        let template = path_of(self, "Template");
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
        let stack_policy = match (node.get("StackPolicy"), update_protection) {
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
        };
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
        Some(Task { name: name.into(), span, depends_on, skip, kind: TaskKind::UpdateStacks(Box::new(stack)) })
    }

    /// A workload task: its directory, binding, parameters and commands (checked now, evaluated
    /// per target when planning).
    fn workload_task(
        &mut self,
        kind: &str,
        name: &str,
        span: Span,
        node: &Node,
        path: PathBuf,
        params: &TaskValues,
    ) -> Option<WorkloadTask> {
        if kind != "copy-to-s3" && !path.is_dir() {
            let at = node.get("Path").map_or(span, |n| n.span);
            self.error("not-a-directory", at, name, Some("Path"), format!("{} is not a directory", path.display()))
                .help = Some("Path names the workload's directory, relative to the task file".into());
            return None;
        }
        let flag = |this: &mut Self, attribute: &str| {
            node.get(attribute).is_some_and(|n| this.flag(n, name, attribute, params))
        };
        let text =
            |this: &mut Self, attribute: &str| node.get(attribute).and_then(|n| this.text(n, name, attribute, params));
        let number = |this: &mut Self, attribute: &str| {
            let n = node.get(attribute)?;
            let t = this.text(n, name, attribute, params)?;
            t.parse::<u32>().ok().or_else(|| {
                this.error(
                    "expected-number",
                    n.span,
                    name,
                    Some(attribute),
                    format!("{attribute} must be a whole number, found '{t}'"),
                );
                None
            })
        };
        let tool = match kind {
            "update-cdk" => WorkloadTool::Cdk { run_npm_build: flag(self, "RunNpmBuild") },
            "update-serverless.com" => WorkloadTool::Serverless {
                version: number(self, "SLSVersion").unwrap_or(2),
                stage: text(self, "Stage"),
                config: text(self, "Config"),
            },
            "register-type" => {
                let required = |this: &mut Self, attribute: &str| {
                    let value = text(this, attribute);
                    if value.is_none() && node.get(attribute).is_none() {
                        this.error(
                            "missing-attribute",
                            span,
                            name,
                            Some(attribute),
                            format!("a register-type task needs {attribute}"),
                        );
                    }
                    value
                };
                let type_name = required(self, "ResourceType")?;
                let package = required(self, "SchemaHandlerPackage")?;
                if !package.starts_with("s3://") {
                    let at = node.get("SchemaHandlerPackage").map_or(span, |n| n.span);
                    self.error(
                        "invalid-package",
                        at,
                        name,
                        Some("SchemaHandlerPackage"),
                        format!("{package} is not an s3:// URL"),
                    )
                    .help = Some(
                        "CloudFormation registers a type from its handler package in S3: s3://bucket/type.zip".into(),
                    );
                    return None;
                }
                WorkloadTool::RegisterType { type_name, package }
            }
            "copy-to-s3" => self.copy_to_s3(name, span, node, &path, params)?,
            _ => WorkloadTool::Terraform,
        };
        let Some(binding_node) = node.get("OrganizationBinding") else {
            self.error(
                "missing-attribute",
                span,
                name,
                Some("OrganizationBinding"),
                format!("a {kind} task needs OrganizationBinding"),
            )
            .help = Some("say which accounts and regions the workload goes to".into());
            return None;
        };
        let binding = self.binding(binding_node, name, "OrganizationBinding", params);
        if binding.regions.is_empty() {
            self.error(
                "binding-without-region",
                binding_node.span,
                name,
                Some("OrganizationBinding"),
                "the OrganizationBinding has no Region",
            )
            .help = Some("a workload runs once per account and region: give the binding a Region".into());
        }
        let map_of = |this: &mut Self, attribute: &str| {
            let mut out = BTreeMap::new();
            for (k, v) in node.get(attribute).and_then(Node::as_map).unwrap_or_default() {
                let key = k.as_str().unwrap_or_default().to_string();
                if let Some(value) = this.stack_param(v, name, &format!("{attribute}.{key}"), params) {
                    out.insert(key, value);
                }
            }
            out
        };
        let parameters = map_of(self, "Parameters");
        let backend_config = map_of(self, "BackendConfig");
        let ignore_file_changes = node
            .get("IgnoreFileChanges")
            .map(|n| self.strings(n, name, "IgnoreFileChanges", params))
            .unwrap_or_default();
        // An upload has no directory of its own: its file's folder stands in (nothing runs there).
        let path = match &tool {
            WorkloadTool::CopyToS3 { file, .. } => file.parent().map_or(path.clone(), Path::to_path_buf),
            _ => path,
        };
        Some(WorkloadTask {
            tool,
            path,
            binding,
            parameters,
            backend_config,
            deploy_command: node.get("CustomDeployCommand").cloned(),
            remove_command: node.get("CustomRemoveCommand").cloned(),
            init_command: node.get("CustomInitCommand").cloned(),
            run_npm_install: flag(self, "RunNpmInstall"),
            ignore_file_changes,
            task_role_name: node.get("TaskRoleName").and_then(|n| self.stack_param(n, name, "TaskRoleName", params)),
            values: params.clone(),
            max_concurrent: number(self, "MaxConcurrentTasks"),
            failed_tolerance: number(self, "FailedTaskTolerance").unwrap_or(0),
        })
    }

    /// A `copy-to-s3` task's upload: the file (or zipped directory), where it goes, how it is
    /// encrypted and packed.
    fn copy_to_s3(
        &mut self,
        name: &str,
        span: Span,
        node: &Node,
        path: &Path,
        params: &TaskValues,
    ) -> Option<WorkloadTool> {
        let zipped = node.get("ZipBeforePut").is_some_and(|n| self.flag(n, name, "ZipBeforePut", params));
        let Some(remote) = node.get("RemotePath") else {
            self.error("missing-attribute", span, name, Some("RemotePath"), "a copy-to-s3 task needs RemotePath")
                .help = Some("the object to write: s3://bucket/key".into());
            return None;
        };
        let remote_path = self.stack_param(remote, name, "RemotePath", params)?;
        let server_side_encryption =
            node.get("ServerSideEncryption").and_then(|n| self.text(n, name, "ServerSideEncryption", params));
        if let Some(sse) = &server_side_encryption {
            const KNOWN: [&str; 3] = ["AES256", "aws:kms", "aws:kms:dsse"];
            if !KNOWN.contains(&sse.as_str()) {
                let at = node.get("ServerSideEncryption").map_or(span, |n| n.span);
                self.error(
                    "invalid-value",
                    at,
                    name,
                    Some("ServerSideEncryption"),
                    format!("'{sse}' is not an S3 server-side encryption"),
                )
                .help = Some(format!("one of: {}", KNOWN.join(", ")));
                return None;
            }
        }
        let templating = node.get("TemplatingContext").map(|n| self.templating_context(n, params));
        let at = node.get("LocalPath").map_or(span, |n| n.span);
        let packing = match (templating, zipped) {
            (Some(_), true) => {
                self.error(
                    "conflicting-attributes",
                    at,
                    name,
                    Some("ZipBeforePut"),
                    "a copy-to-s3 task cannot both template and zip",
                )
                .help = Some("drop TemplatingContext or ZipBeforePut".into());
                return None;
            }
            (Some(context), false) => Packing::Templated(context),
            (None, true) => Packing::Zipped,
            (None, false) => Packing::AsIs,
        };
        if path.is_dir() && !zipped {
            self.error("not-a-file", at, name, Some("LocalPath"), format!("{} is a directory", path.display())).help =
                Some("set ZipBeforePut: true to upload the directory as one zip, or name one file".into());
            return None;
        }
        let bytes = match crate::tasks::upload::content(path, &packing) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.error("unreadable-file", at, name, Some("LocalPath"), e);
                return None;
            }
        };
        Some(WorkloadTool::CopyToS3 {
            file: path.to_path_buf(),
            remote_path,
            server_side_encryption,
            packing,
            md5: crate::model::md5_hex(&bytes),
            size: bytes.len() as u64,
        })
    }

    /// A binding without a Region, with no default region to take, deploys nothing: refused, as
    /// org-formation does, instead of planning zero stacks.
    fn check_bindings_have_regions(
        &mut self,
        task: &str,
        span: Span,
        default_regions: &[String],
        default_binding: Option<&Binding>,
        bindings: &BTreeMap<String, Binding>,
        template: &Template,
    ) {
        if !default_regions.is_empty() {
            return;
        }
        let used_default = template.resources.iter().any(|r| r.binding == ResourceBinding::Default);
        let mut unbound: Vec<String> = Vec::new();
        if used_default && default_binding.is_some_and(|b| b.regions.is_empty()) {
            unbound.push("DefaultOrganizationBinding".into());
        }
        for r in &template.resources {
            let binding = match &r.binding {
                ResourceBinding::Named(n) => bindings.get(n).or_else(|| template.bindings.get(n)),
                ResourceBinding::Inline(b) => Some(b),
                ResourceBinding::Default => None,
            };
            if binding.is_some_and(|b| b.regions.is_empty()) {
                unbound.push(format!("the binding of {}", r.logical_id));
            }
        }
        if !unbound.is_empty() {
            // A warning, as in org-formation, but never silent: it deploys nothing there.
            unbound.dedup();
            let d = Diagnostic::warning(
                "binding-without-region",
                format!(
                    "{} has no Region, and there is no DefaultOrganizationBindingRegion: it deploys nothing",
                    unbound.join(", ")
                ),
            )
            .help("give the binding a Region, or the task (or template) a DefaultOrganizationBindingRegion");
            self.diags.push(locate(d, self.sources, span, task, Some("DefaultOrganizationBindingRegion")));
        }
    }

    /// `current`, or the old name org-formation still reads (with a warning, as it gives).
    fn current_name<'k>(&mut self, node: &Node, task: &str, current: &'k str, old: &'k str) -> &'k str {
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
    fn stack_param(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> Option<StackParam> {
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

    /// Reads `path`, rendered first as a nunjucks template with `context` (a `.njk` file is one
    /// even without a context).
    fn read_maybe_templated(
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
    fn template(
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

    fn template_resource(
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

    /// A resource's `OrganizationBinding` or `ForeachAccount`: `!Ref Name` of a binding, or a
    /// binding written in place.
    fn resource_binding(&mut self, v: &Node, task: &str, attribute: &str, params: &TaskValues) -> ResourceBinding {
        match (v.tag.as_deref(), v.as_str()) {
            (Some("Ref"), Some(name)) => ResourceBinding::Named(name.to_string()),
            _ => ResourceBinding::Inline(self.binding(v, task, attribute, params)),
        }
    }

    /// A reference to the organization's `expected` kinds, or `'*'` where `star` allows it.
    fn org_refs(&mut self, node: &Node, task: &str, attribute: &str, expected: &[ResourceKind], star: bool) -> OrgRefs {
        let items: Vec<&Node> = match &node.kind {
            NodeKind::Seq(items) if node.tag.is_none() => items.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::new();
        for item in items {
            match (item.tag.as_deref(), item.as_str()) {
                (None, Some("*")) if star => return OrgRefs::Star,
                (Some("Ref"), Some(id)) => match self.org_kinds.get(id) {
                    Some(k) if expected.contains(k) => out.push(id.to_string()),
                    Some(k) => {
                        self.error(
                            "wrong-reference-type",
                            item.span,
                            task,
                            Some(attribute),
                            format!("!Ref {id} is an {}, not an {}", k.type_name(), expected[0].type_name()),
                        );
                    }
                    None => {
                        let guess = suggest(
                            id,
                            self.org_kinds.iter().filter(|(_, k)| expected.contains(k)).map(|(i, _)| i.as_str()),
                        );
                        self.error(
                            "unknown-reference",
                            item.span,
                            task,
                            Some(attribute),
                            format!("!Ref {id}: the organization file has no such resource"),
                        )
                        .help = Some(guess.map_or_else(
                            || "refer to a logical id of the organization file".to_string(),
                            |g| format!("did you mean '{g}'?"),
                        ));
                    }
                },
                _ => {
                    let hint = if star { "`'*'` or `!Ref LogicalId`" } else { "`!Ref LogicalId`" };
                    self.error(
                        "expected-ref",
                        item.span,
                        task,
                        Some(attribute),
                        format!("{attribute} takes {hint}, found {}", item.describe()),
                    );
                }
            }
        }
        OrgRefs::Ids(out)
    }

    fn binding(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> Binding {
        if let (Some("Ref"), Some(TaskParameter::Binding(b))) =
            (node.tag.as_deref(), node.as_str().and_then(|n| params.parameters.get(n)).cloned().as_ref())
        {
            return self.binding(b, task, attribute, params);
        }
        let mut binding = Binding::default();
        // An empty binding (`Name:` with nothing under it) binds nothing, as in org-formation.
        if node.is_null() {
            return binding;
        }
        let Some(entries) = node.as_map() else {
            self.error(
                "invalid-binding",
                node.span,
                task,
                Some(attribute),
                format!("an organization binding is a mapping, found {}", node.describe()),
            );
            return binding;
        };
        let accounts = [ResourceKind::Account, ResourceKind::MasterAccount];
        for (k, v) in entries {
            let key = k.as_str().unwrap_or_default();
            let attr = format!("{attribute}.{key}");
            let refers =
                matches!(key, "Account" | "OrganizationalUnit" | "ExcludeAccount" | "ExcludeOrganizationalUnit");
            let v = &if refers { through_parameters(v, params, &self.template_parameters) } else { v.clone() };
            match key {
                "Account" => {
                    binding.accounts = match self.org_refs(v, task, &attr, &accounts, true) {
                        OrgRefs::Star => AccountSelector::All,
                        OrgRefs::Ids(ids) => AccountSelector::Some(ids),
                    }
                }
                "OrganizationalUnit" => {
                    binding.ous = self.org_refs(v, task, &attr, &[ResourceKind::OrganizationalUnit], false).ids()
                }
                "ExcludeAccount" => binding.exclude_accounts = self.org_refs(v, task, &attr, &accounts, false).ids(),
                "ExcludeOrganizationalUnit" => {
                    binding.exclude_ous =
                        self.org_refs(v, task, &attr, &[ResourceKind::OrganizationalUnit], false).ids()
                }
                "IncludeMasterAccount" => binding.include_master = self.flag(v, task, &attr, params),
                "AccountsWithTag" => binding.accounts_with_tag = self.text(v, task, &attr, params),
                "Region" => binding.regions = self.strings(v, task, &attr, params),
                other => {
                    let help = suggest(other, BINDING_KEYS.iter().copied()).map_or_else(
                        || format!("bindings take: {}", BINDING_KEYS.join(", ")),
                        |g| format!("did you mean '{g}'?"),
                    );
                    self.error(
                        "unknown-binding-key",
                        k.span,
                        task,
                        Some(&attr),
                        format!("unknown binding key '{other}'"),
                    )
                    .help = Some(help);
                }
            }
        }
        self.check_regions(&binding.regions, node.span, task, &format!("{attribute}.Region"));
        binding
    }

    fn check_regions(&mut self, regions: &[String], span: Span, task: &str, attribute: &str) {
        for region in regions {
            let ok = region.split('-').count() >= 3
                && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                self.error(
                    "invalid-region",
                    span,
                    task,
                    Some(attribute),
                    format!("'{region}' is not an AWS region name"),
                )
                .help = Some("regions look like eu-west-1 or us-east-1".into());
            }
        }
    }

    /// Unknown `DependsOn` names and dependency loops.
    /// Resolves each `DependsOn` name to tasks: the task itself; every task of an `include` of
    /// that name; for a task of an included file, a task of an enclosing file. A name that is
    /// none of these is a warning, as in org-formation, and is dropped.
    fn resolve_dependencies(&mut self, file: &mut TaskFile) {
        let names: Vec<String> = file.tasks.iter().map(|t| t.name.clone()).collect();
        let resolve = |name: &str| -> Vec<String> {
            let mut candidate = name.to_string();
            loop {
                if names.contains(&candidate) {
                    return vec![candidate];
                }
                let inside: Vec<String> =
                    names.iter().filter(|n| n.starts_with(&format!("{candidate}/"))).cloned().collect();
                if !inside.is_empty() {
                    return inside;
                }
                // `Include/Task` naming `Other`: try `Other` one level up.
                let Some((prefix, last)) = candidate.rsplit_once('/') else { return Vec::new() };
                candidate = match prefix.rsplit_once('/') {
                    Some((outer, _)) => format!("{outer}/{last}"),
                    None => last.to_string(),
                };
            }
        };
        for t in &mut file.tasks {
            let mut resolved = Vec::new();
            for d in std::mem::take(&mut t.depends_on) {
                let found = resolve(&d);
                if found.is_empty() {
                    let shown = d.rsplit('/').next().unwrap_or(&d).to_string();
                    let guess = suggest(&shown, names.iter().map(|n| n.rsplit('/').next().unwrap_or(n)));
                    let d = Diagnostic::warning(
                        "unknown-task",
                        format!(
                            "DependsOn names '{shown}', which is not a task of this file; the dependency is ignored"
                        ),
                    )
                    .help(
                        guess
                            .map_or_else(|| "name a task of this file".to_string(), |g| format!("did you mean '{g}'?")),
                    );
                    self.diags.push(locate(d, self.sources, t.span, &t.name, Some("DependsOn")));
                }
                resolved.extend(found.into_iter().filter(|f| f != &t.name));
            }
            resolved.sort();
            resolved.dedup();
            t.depends_on = resolved;
        }
    }

    fn check_dependencies(&mut self, file: &TaskFile) {
        let mut seen = HashMap::new();
        for t in &file.tasks {
            if let Some(first) = seen.insert(t.name.as_str(), t.span) {
                self.error(
                    "duplicate-task",
                    t.span,
                    &t.name,
                    None,
                    format!("task name used twice (first at line {})", first.line),
                );
            }
        }
        let mut graph: DependencyGraph<String> = DependencyGraph::default();
        for t in &file.tasks {
            graph.add_node(t.name.clone());
            for d in &t.depends_on {
                graph.add_edge(t.name.clone(), d.clone());
            }
        }
        for cycle in graph.cycles() {
            if let Some(t) = file.tasks.iter().find(|t| t.name == cycle[0]) {
                self.error(
                    "task-cycle",
                    t.span,
                    &t.name,
                    Some("DependsOn"),
                    format!("tasks depend on each other in a loop: {}", cycle.join(" → ")),
                );
            }
        }
        let count = |annotate: bool| {
            file.tasks
                .iter()
                .filter(|t| match t.kind {
                    TaskKind::UpdateOrganization { .. } => !annotate,
                    TaskKind::AnnotateOrganization(_) => annotate,
                    _ => false,
                })
                .count()
        };
        if count(false) > 1 {
            self.diags
                .push(Diagnostic::error("duplicate-update-organization", "more than one update-organization task"));
        }
        if count(true) > 1 || (count(true) == 1 && count(false) > 0) {
            self.diags.push(
                Diagnostic::error(
                    "annotate-and-update-organization",
                    "annotate-organization goes instead of update-organization, and only once",
                )
                .help("annotate-organization takes the accounts from the live organization, which another account factory manages; update-organization manages it from a file: keep one"),
            );
        }
    }
}

/// A binding value with the task file's parameters that stand for accounts or OUs replaced by
/// what they stand for: a parameter whose default is `!Ref Account`, or whose value is a logical
/// id (or a list of them).
fn through_parameters(node: &Node, params: &TaskValues, template_parameters: &BTreeMap<String, Node>) -> Node {
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
fn expression_json(node: &Node) -> serde_json::Value {
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
