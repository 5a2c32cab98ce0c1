//! The task types orgctl runs, as data: each type's name, the attributes it takes beyond the
//! common ones, and which reader reads it. Reading one task checks its type and attributes
//! against this table, reads the common attributes (DependsOn, Skip), then calls its reader.

use super::Parser;
use crate::expr::Value;
use crate::org_file::load::suggest;
use crate::source::text::Span;
use crate::source::yaml::Node;
use crate::tasks::scope::TaskScope;
use crate::tasks::task_file::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which reader reads a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reader {
    UpdateOrganization,
    AnnotateOrganization,
    Include,
    UpdateStacks,
    /// A workload reading a directory (`Path`), the task file's own (`register-type`), or one
    /// file (`copy-to-s3`'s `LocalPath`).
    Workload {
        reads: Option<&'static str>,
    },
}

/// A task type: its name, the attributes it takes beside [`COMMON`], and its reader.
pub(super) struct TaskType {
    pub name: &'static str,
    pub attributes: &'static [&'static [&'static str]],
    pub reader: Reader,
}

impl TaskType {
    fn allows(&self, attribute: &str) -> bool {
        COMMON.contains(&attribute) || self.attributes.iter().any(|list| list.contains(&attribute))
    }

    fn allowed(&self) -> Vec<&'static str> {
        COMMON.iter().copied().chain(self.attributes.iter().flat_map(|list| list.iter().copied())).collect()
    }
}

/// Attributes every task takes.
const COMMON: [&str; 4] = ["Type", "DependsOn", "Skip", "LogVerbose"];

/// Attributes of the workload tasks that run a tool over a directory.
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

/// Attributes of a task deployed to bound accounts, one target at a time.
const TARGETED: [&str; 4] = ["OrganizationBinding", "TaskRoleName", "MaxConcurrentTasks", "FailedTaskTolerance"];

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

/// Every task type orgctl runs.
pub(super) const TASK_TYPES: [TaskType; 9] = [
    TaskType {
        name: "update-organization",
        attributes: &[&["Template", "TemplatingContext", "ForceDeploy", "TaskRoleName"]],
        reader: Reader::UpdateOrganization,
    },
    TaskType {
        name: "annotate-organization",
        attributes: &[&["DefaultOrganizationAccessRoleName", "ExcludeAccounts", "AccountMapping"]],
        reader: Reader::AnnotateOrganization,
    },
    TaskType { name: "update-stacks", attributes: &[&STACK_ATTRIBUTES], reader: Reader::UpdateStacks },
    TaskType {
        name: "include",
        attributes: &[&["Path", "Parameters", "TemplatingContext", "MaxConcurrentTasks", "FailedTaskTolerance"]],
        reader: Reader::Include,
    },
    TaskType {
        name: "update-cdk",
        attributes: &[&WORKLOAD_ATTRIBUTES, &["RunNpmBuild"]],
        reader: Reader::Workload { reads: Some("Path") },
    },
    TaskType {
        name: "update-serverless.com",
        attributes: &[&WORKLOAD_ATTRIBUTES, &["Config", "Stage", "SLSVersion"]],
        reader: Reader::Workload { reads: Some("Path") },
    },
    TaskType {
        name: "apply-tf",
        attributes: &[&WORKLOAD_ATTRIBUTES, &["BackendConfig", "CustomInitCommand"]],
        reader: Reader::Workload { reads: Some("Path") },
    },
    TaskType {
        name: "register-type",
        attributes: &[&TARGETED, &["ResourceType", "SchemaHandlerPackage"]],
        reader: Reader::Workload { reads: None },
    },
    TaskType {
        name: "copy-to-s3",
        attributes: &[
            &TARGETED,
            &["LocalPath", "RemotePath", "ServerSideEncryption", "TemplatingContext", "ZipBeforePut"],
        ],
        reader: Reader::Workload { reads: Some("LocalPath") },
    },
];

/// org-formation task types orgctl does not run: named so that the error says so plainly.
const UNSUPPORTED_TYPES: [(&str, &str); 1] =
    [("update-scps", "it is a legacy alias; declare the SCPs in the organization file")];

fn type_names() -> String {
    TASK_TYPES.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
}

/// One task being read: what every type's reader needs.
pub(super) struct TaskAt<'a> {
    pub name: &'a str,
    pub kind: &'static TaskType,
    pub span: Span,
    pub node: &'a Node,
    /// The directory of the task file: paths are relative to it.
    pub base: &'a Path,
    pub depends_on: Vec<String>,
    pub skip: bool,
    pub params: &'a TaskValues,
}

impl TaskAt<'_> {
    /// The task, of `kind`, with its common attributes.
    pub(super) fn task(&self, kind: TaskKind) -> Task {
        Task { name: self.name.into(), span: self.span, depends_on: self.depends_on.clone(), skip: self.skip, kind }
    }
}

impl Parser<'_> {
    /// The type of a task, checked; `None` (with the error said) for a missing, unknown or
    /// unsupported one.
    fn task_type(&mut self, name: &str, span: Span, node: &Node) -> Option<&'static TaskType> {
        let Some(type_node) = node.get("Type") else {
            self.error("missing-type", span, name, Some("Type"), "task has no Type").help =
                Some(format!("one of: {}", type_names()));
            return None;
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
            .help = Some(format!("orgctl runs {}", type_names()));
            return None;
        }
        let found = TASK_TYPES.iter().find(|t| t.name == kind);
        if found.is_none() {
            let guess = suggest(kind, TASK_TYPES.iter().map(|t| t.name));
            self.error(
                "unknown-task-type",
                type_node.span,
                name,
                Some("Type"),
                format!("unknown task type '{kind}'"),
            )
            .help = Some(guess.map_or_else(|| format!("one of: {}", type_names()), |g| format!("did you mean '{g}'?")));
        }
        found
    }

    pub(super) fn task(
        &mut self,
        name: &str,
        prefix: &str,
        span: Span,
        node: &Node,
        file: &Path,
        params: &TaskValues,
    ) -> Vec<Task> {
        let Some(kind) = self.task_type(name, span, node) else { return Vec::new() };
        for (k, _) in node.as_map().unwrap_or_default() {
            let key = k.as_str().unwrap_or_default();
            if !kind.allows(key) {
                let allowed = kind.allowed();
                let help = suggest(key, allowed.iter().copied()).map_or_else(
                    || format!("{} accepts: {}", kind.name, allowed.join(", ")),
                    |g| format!("did you mean '{g}'?"),
                );
                self.error(
                    "unknown-attribute",
                    k.span,
                    name,
                    Some(key),
                    format!("unknown attribute '{key}' for a {} task", kind.name),
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
        let at = TaskAt { name, kind, span, node, base, depends_on, skip, params };
        match kind.reader {
            Reader::UpdateOrganization => self.update_organization(&at).into_iter().collect(),
            Reader::AnnotateOrganization => vec![self.annotate_organization(&at)],
            Reader::Include => self.include(&at),
            Reader::UpdateStacks => self.stack_task(&at).into_iter().collect(),
            Reader::Workload { reads } => {
                let dir = match reads {
                    None => params.dir.clone(),
                    Some(attribute) => match self.path_of(&at, attribute) {
                        Some(path) => path,
                        None => return Vec::new(),
                    },
                };
                let workload = self.workload_task(kind.name, name, span, node, dir, params);
                workload.map(|w| at.task(TaskKind::Workload(Box::new(w)))).into_iter().collect()
            }
        }
    }

    /// The file or directory a task's `attribute` names, checked: present, inside the project,
    /// not a URL (but an update-stacks template, fetched before).
    pub(super) fn path_of(&mut self, at: &TaskAt, attribute: &str) -> Option<PathBuf> {
        let Some(n) = at.node.get(attribute) else {
            self.error(
                "missing-attribute",
                at.span,
                at.name,
                Some(attribute),
                format!("a {} task needs {attribute}", at.kind.name),
            );
            return None;
        };
        let text = self.text(n, at.name, attribute, at.params)?;
        if crate::source::files::is_url(&text) {
            if attribute != "Template" || at.kind.name != "update-stacks" {
                self.error(
                    "url-not-allowed",
                    n.span,
                    at.name,
                    Some(attribute),
                    format!("{attribute} is a URL ({text})"),
                )
                .help = Some(format!(
                    "a {} task reads {attribute} from the repository: name a file next to the task file",
                    at.kind.name
                ));
                return None;
            }
            if let Some(local) = self.fetched.get(&text) {
                return Some(local.clone());
            }
            let d = self.error(
                "template-not-fetched",
                n.span,
                at.name,
                Some(attribute),
                format!("the template {text} is read when planning, so it is not checked here"),
            );
            d.severity = crate::diagnostic::Severity::Warning;
            d.help =
                Some("`orgctl plan` fetches it (S3 through the management account's credentials) and checks it".into());
            return None;
        }
        let full = crate::source::files::beside(at.base, &text);
        if !full.exists() {
            let d = self.error(
                "file-not-found",
                n.span,
                at.name,
                Some(attribute),
                format!("{} does not exist", full.display()),
            );
            d.help = Some("paths are relative to the task file".into());
            // A skipped task is not read (as org-formation): its missing file is only noted.
            if at.skip {
                d.severity = crate::diagnostic::Severity::Warning;
                d.message.push_str(" (the task is skipped, so nothing is read)");
            }
            return None;
        }
        // Workload directories and uploaded files are read too: never outside the project.
        if let Err(e) = self.sources.confinement().check(&full) {
            let (message, help) = e.describe(&full);
            self.error(e.code(), n.span, at.name, Some(attribute), message).help = Some(help);
            return None;
        }
        Some(full)
    }

    fn update_organization(&mut self, at: &TaskAt) -> Option<Task> {
        // The role the organization's calls go through, in the management account (as
        // org-formation assumes it): evaluated now, since the provider opens with it.
        let role = at.node.get("TaskRoleName").and_then(|n| {
            match crate::expr::evaluate_text(n, &mut TaskScope::reading(at.params, self.org_kinds)) {
                Ok(t) if t.as_known().is_some_and(|r| !r.is_empty()) => t.as_known().map(str::to_string),
                Ok(_) => {
                    self.error(
                        "expected-string",
                        n.span,
                        at.name,
                        Some("TaskRoleName"),
                        "TaskRoleName must be a role name known when the file is read",
                    );
                    None
                }
                Err(e) => {
                    self.error(e.code, n.span, at.name, Some("TaskRoleName"), e.message);
                    None
                }
            }
        });
        let template = self.path_of(at, "Template")?;
        Some(at.task(TaskKind::UpdateOrganization { template, role }))
    }

    fn annotate_organization(&mut self, at: &TaskAt) -> Task {
        let annotation = Annotation::read(at.node, &mut TaskScope::reading(at.params, self.org_kinds));
        let ids = annotation.excluded.iter().map(|id| ("ExcludeAccounts", id));
        for (attribute, id) in ids.chain(annotation.account_mapping.values().map(|id| ("AccountMapping", id))) {
            if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
                let place = at.node.get(attribute).map_or(at.span, |n| n.span);
                self.error(
                    "invalid-account-id",
                    place,
                    at.name,
                    Some(attribute),
                    format!("'{id}' is not a 12-digit account id"),
                )
                .help = Some("quote account ids ('012345678901') so that YAML keeps their leading zeros".into());
            }
        }
        at.task(TaskKind::AnnotateOrganization(annotation))
    }

    /// An `include`: the tasks of its file, with the parameters it passes, each depending on
    /// what the include depends on and skipped with it.
    fn include(&mut self, at: &TaskAt) -> Vec<Task> {
        let Some(child) = self.path_of(at, "Path") else { return Vec::new() };
        let mut passed = BTreeMap::new();
        for (k, v) in at.node.get("Parameters").and_then(Node::as_map).unwrap_or_default() {
            let key = k.as_str().unwrap_or_default().to_string();
            let attribute = format!("Parameters.{key}");
            let value = match self.value(v, at.name, &attribute, at.params) {
                Some(Value::List(items)) => {
                    Some(TaskParameter::List(items.iter().filter_map(Value::as_text).map(|t| t.shown()).collect()))
                }
                Some(other) => self.as_text(&other, v, at.name, &attribute, "text or a list").map(TaskParameter::Text),
                None => None,
            };
            if let Some(value) = value {
                passed.insert(key, value);
            }
        }
        let context = at.node.get("TemplatingContext").map(|c| self.templating_context(c, at.params));
        let mut tasks = self.file(&child, at.name, &passed, context.as_ref());
        for t in &mut tasks {
            t.depends_on.extend(at.depends_on.iter().cloned());
            t.skip |= at.skip;
        }
        tasks
    }
}
