//! A task file (org-formation's `organization-tasks.yml`) as typed tasks.

use crate::expr::Value;
use crate::model::Tags;
use crate::source::text::Span;
use crate::source::yaml::{Node, NodeKind};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Which accounts a binding's `Account` selects.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AccountSelector {
    /// No `Account` key.
    #[default]
    None,
    /// `Account: '*'`: every account but the management account.
    All,
    /// Accounts by logical id.
    Some(Vec<String>),
}

/// Where a task deploys: a set of accounts and regions, chosen by the organization's structure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Binding {
    pub accounts: AccountSelector,
    /// OUs (with every OU nested below them).
    pub ous: Vec<String>,
    pub exclude_accounts: Vec<String>,
    pub exclude_ous: Vec<String>,
    pub include_master: bool,
    /// Accounts that carry this tag key.
    pub accounts_with_tag: Option<String>,
    pub regions: Vec<String>,
}

/// Which binding a template resource follows.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceBinding {
    /// None given: the task's `DefaultOrganizationBinding`.
    Default,
    /// `OrganizationBinding: !Ref Name`: a binding of the template's `OrganizationBindings`
    /// section (or of the task's, which wins).
    Named(String),
    Inline(Binding),
}

/// A resource of an annotated template.
#[derive(Debug, Clone)]
pub struct TemplateResource {
    pub logical_id: String,
    pub binding: ResourceBinding,
    /// `ForeachAccount` (`!Ref Binding` or a binding written in place; `Foreach` is its old
    /// name): one copy of the resource per account of that binding, whatever its regions.
    pub foreach: Option<ResourceBinding>,
    /// `DependsOnAccount`: this task's stacks in these accounts (logical ids) deploy first.
    pub depends_on_accounts: Vec<String>,
    /// `DependsOnRegion`: this task's stacks in these regions (same account) deploy first.
    pub depends_on_regions: Vec<String>,
    /// The resource as written, with orgctl's keys removed.
    pub body: Node,
}

/// An org-formation annotated CloudFormation template, read and checked.
#[derive(Debug, Clone)]
pub struct Template {
    /// Where `!ReadFile` may read from: the task file's project.
    pub confinement: crate::source::files::Confinement,
    pub path: PathBuf,
    /// The template's `OrganizationBindings` section.
    pub bindings: BTreeMap<String, Binding>,
    /// The template's `DefaultOrganizationBinding` and `DefaultOrganizationBindingRegion`
    /// (the task's, when given, lead).
    pub default_binding: Option<Binding>,
    pub default_regions: Vec<String>,
    pub resources: Vec<TemplateResource>,
    /// Every top-level section but `Resources` and `OrganizationBindings`, as written.
    pub sections: Vec<(String, Node)>,
}

/// A task-file parameter's value.
#[derive(Debug, Clone)]
pub enum TaskParameter {
    Text(String),
    List(Vec<String>),
    /// An `OrganizationBinding` parameter: the binding as written.
    Binding(Node),
    /// A default that is an expression (`!Ref MasterAccount`, `!Sub ...`), evaluated where the
    /// parameter is used, as if written there.
    Expression(Node),
}

impl TaskParameter {
    /// A declared parameter's value: the one given (`--parameter`), else its `Default`; `None`
    /// when it has neither. `kind` is its `Type`.
    pub fn declared(kind: &str, given: Option<String>, default: Option<&Node>) -> Option<TaskParameter> {
        Some(match (kind, given, default) {
            ("OrganizationBinding", _, Some(d)) => TaskParameter::Binding(d.clone()),
            (k, Some(text), _) if k.contains("List") => {
                TaskParameter::List(text.split(',').map(|s| s.trim().to_string()).collect())
            }
            (_, Some(text), _) => TaskParameter::Text(text),
            (_, None, Some(d)) if d.tag.is_some() => TaskParameter::Expression(d.clone()),
            (_, None, Some(d)) => match &d.kind {
                NodeKind::Seq(items) => {
                    TaskParameter::List(items.iter().filter_map(Node::as_str).map(str::to_string).collect())
                }
                _ => TaskParameter::Text(d.as_str().unwrap_or_default().to_string()),
            },
            (_, None, None) => return None,
        })
    }
}

/// What the values of one task file may name: its parameters and `Mappings`, and where its
/// relative paths (`!ReadFile`, `!Cmd`) start.
#[derive(Debug, Clone)]
pub struct TaskValues {
    pub parameters: BTreeMap<String, TaskParameter>,
    pub mappings: Option<Node>,
    pub dir: PathBuf,
    pub confinement: crate::source::files::Confinement,
}

/// A stack parameter's value: an expression evaluated for each target
/// (`!GetAtt CurrentAccount.Tags.x`, `!FindInMap [Map, Key, !Ref CurrentAccount]`,
/// `!CopyValue [exportName, account, region]`, plain text), checked when the file is read.
pub type StackParam = Node;

/// An `update-stacks` task.
#[derive(Debug, Clone)]
pub struct StackTask {
    /// The template, resolved relative to the task file.
    pub template: PathBuf,
    /// The template's content, read and checked.
    pub document: Template,
    pub stack_name: String,
    /// `StackDescription`, evaluated per target (`!Sub '... in ${SecurityAccount}'`).
    pub stack_description: Option<StackParam>,
    /// Stack parameters: evaluated per target (account, region) when planning.
    pub parameters: BTreeMap<String, StackParam>,
    /// The task file's parameters and mappings, which stack parameters may name.
    pub values: TaskValues,
    pub default_binding: Option<Binding>,
    /// `DefaultOrganizationBindingRegion`: the regions of every binding that names none.
    pub default_regions: Vec<String>,
    pub bindings: BTreeMap<String, Binding>,
    pub termination_protection: bool,
    pub tags: Tags,
    pub max_concurrent_stacks: Option<u32>,
    pub failed_stack_tolerance: u32,
    /// `CloudFormationRoleName`, evaluated per target.
    pub cloudformation_role_name: Option<StackParam>,
    /// `TaskRoleName`: the role to deploy with, evaluated per target (it may read
    /// `CurrentAccount`); else the account's build role.
    pub task_role_name: Option<StackParam>,
    /// `TaskViaRoleArn`: assumed first, to assume the task role from (role chaining);
    /// evaluated per target, as org-formation does (`${ManagementAccount.BuildAccessRoleName}`).
    pub via_role_arn: Option<StackParam>,
    /// `StackPolicy` as JSON, or `UpdateProtection`'s deny-all-updates policy.
    pub stack_policy: Option<String>,
    /// `DisableStackRollbacks`.
    pub disable_rollback: bool,
}

/// Which tool a workload task runs.
#[derive(Debug, Clone)]
pub enum WorkloadTool {
    /// `update-cdk`: `npx cdk deploy`, parameters as `-c key=value`.
    Cdk { run_npm_build: bool },
    /// `update-serverless.com`: `npx sls deploy`, parameters as `--key value` (v2) or
    /// `--param="key=value"` (v3 and later).
    Serverless { version: u32, stage: Option<String>, config: Option<String> },
    /// `apply-tf`: `terraform init` then `terraform apply`, parameters as `-var`.
    Terraform,
    /// `register-type`: a CloudFormation resource type registered from its handler package.
    RegisterType { type_name: String, package: String },
    /// `copy-to-s3`: one file (templated first when `TemplatingContext` is given, or a
    /// directory zipped with `ZipBeforePut`) put at `RemotePath` with the target's credentials.
    CopyToS3 {
        file: PathBuf,
        remote_path: StackParam,
        server_side_encryption: Option<String>,
        packing: crate::tasks::upload::Packing,
        /// The content's MD5 and size, read once when the file is loaded.
        md5: String,
        size: u64,
    },
}

impl WorkloadTool {
    /// The task type as written in the file.
    pub fn task_type(&self) -> &'static str {
        match self {
            WorkloadTool::Cdk { .. } => "update-cdk",
            WorkloadTool::Serverless { .. } => "update-serverless.com",
            WorkloadTool::Terraform => "apply-tf",
            WorkloadTool::RegisterType { .. } => "register-type",
            WorkloadTool::CopyToS3 { .. } => "copy-to-s3",
        }
    }

    /// Whether the tool runs commands in a directory (rather than calling an AWS API only).
    pub fn runs_commands(&self) -> bool {
        !matches!(self, WorkloadTool::RegisterType { .. } | WorkloadTool::CopyToS3 { .. })
    }
}

/// A workload task (`update-cdk`, `update-serverless.com`, `apply-tf`): commands run in a
/// directory once per bound account and region, with that target's credentials.
#[derive(Debug, Clone)]
pub struct WorkloadTask {
    pub tool: WorkloadTool,
    /// The workload's directory.
    pub path: PathBuf,
    pub binding: Binding,
    /// `Parameters`, evaluated per target.
    pub parameters: BTreeMap<String, StackParam>,
    /// `BackendConfig` (Terraform), evaluated per target.
    pub backend_config: BTreeMap<String, StackParam>,
    /// `CustomDeployCommand` / `CustomRemoveCommand` / `CustomInitCommand`, evaluated per
    /// target with `CurrentTask.*` in scope.
    pub deploy_command: Option<Node>,
    pub remove_command: Option<Node>,
    pub init_command: Option<Node>,
    pub run_npm_install: bool,
    /// Names or `*` patterns of files left out of the directory's hash.
    pub ignore_file_changes: Vec<String>,
    pub task_role_name: Option<StackParam>,
    pub values: TaskValues,
    pub max_concurrent: Option<u32>,
    pub failed_tolerance: u32,
}

/// `annotate-organization`: the organization is another account factory's (Control Tower, say);
/// orgctl takes its accounts from the live organization and never changes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotation {
    /// `DefaultOrganizationAccessRoleName`.
    pub access_role: Option<String>,
    /// `ExcludeAccounts`: account ids neither bound nor referable.
    pub excluded: Vec<String>,
    /// `AccountMapping`: logical name → account id; other accounts are named by their name.
    pub account_mapping: BTreeMap<String, String>,
}

impl Annotation {
    /// Reads the task's attributes, evaluated in `scope` (the task file's parameters: `ExcludeAccounts:
    /// !Ref excludedAccounts`); what is not text is left out, and the full parse reports it.
    pub fn read(task: &Node, scope: &mut dyn crate::expr::Scope) -> Annotation {
        let mut texts = |n: &Node| -> Vec<String> {
            let value = crate::expr::evaluate(n, scope).unwrap_or(Value::Null);
            let items = match value {
                Value::List(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            };
            items.iter().filter_map(|v| Some(v.as_text()?.as_known()?.to_string())).collect()
        };
        let excluded = task.get("ExcludeAccounts").map(&mut texts).unwrap_or_default();
        let account_mapping = task
            .get("AccountMapping")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), texts(v).pop()?)))
            .collect();
        let access_role = task.get("DefaultOrganizationAccessRoleName").and_then(|n| texts(n).pop());
        Annotation { access_role, excluded, account_mapping }
    }
}

#[derive(Debug, Clone)]
pub enum TaskKind {
    /// `role`: `TaskRoleName`, the role in the management account the organization's calls are
    /// made through.
    UpdateOrganization {
        template: PathBuf,
        role: Option<String>,
    },
    AnnotateOrganization(Annotation),
    UpdateStacks(Box<StackTask>),
    Workload(Box<WorkloadTask>),
}

#[derive(Debug, Clone)]
pub struct Task {
    /// Unique in the whole file; tasks of an `include` are prefixed with its name.
    pub name: String,
    pub span: Span,
    pub depends_on: Vec<String>,
    pub skip: bool,
    pub kind: TaskKind,
}

/// Every task of a task file (includes expanded), in file order.
#[derive(Debug, Clone, Default)]
pub struct TaskFile {
    pub tasks: Vec<Task>,
}

impl TaskFile {
    /// `TaskRoleName` of the `update-organization` task: the role in the management account
    /// the organization is read and changed through.
    pub fn organization_role(&self) -> Option<&str> {
        self.tasks.iter().find_map(|t| match &t.kind {
            TaskKind::UpdateOrganization { role, .. } => role.as_deref(),
            _ => None,
        })
    }
}
