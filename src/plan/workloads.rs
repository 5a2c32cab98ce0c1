//! Workload tasks in the plan (`update-cdk`, `update-serverless.com`, `apply-tf`): one run of
//! the tool's commands per bound (account, region), with that target's credentials.
//!
//! Each target keeps a record: a stack named after the task holding a hash of everything that
//! decides the run (the directory's files, the commands, the environment). A target whose hash
//! did not change is skipped; a target that left the binding gets the remove command and loses
//! its record. The record is an ordinary orgctl stack, so it is read, fingerprinted and checked
//! like every other.

use super::change::*;
use super::command::{self, ShellPiece, WorkloadCommand};
use crate::expr::{EvalError, Text, Unknown};
use crate::model::{StackSpec, StackState, Tags, STACK_TASK_TAG};
use crate::org_file::desired::{AccountsOf, DesiredOrg};
use crate::tasks::binding::{targets, Target};
use crate::tasks::scope::{TargetNames, TaskScope};
use crate::tasks::task_file::{StackParam, WorkloadTask, WorkloadTool};
use crate::tasks::upload::{S3Location, S3LocationError};
use md5::{Digest, Md5};
use std::collections::{BTreeMap, HashMap};

/// Tag of a record stack: the hash of the inputs of the last run.
pub const HASH_TAG: &str = "orgctl:workload-hash";

/// The record stack's template: a resource that costs nothing and does nothing.
const RECORD_TEMPLATE: &str = r#"{"AWSTemplateFormatVersion":"2010-09-09","Description":"orgctl workload record","Resources":{"Record":{"Type":"AWS::CloudFormation::WaitConditionHandle"}}}"#;

/// The record stack of a task in each of its targets.
pub fn record_name(task: &str) -> String {
    let clean: String = task.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("orgctl-workload-{}", clean.trim_matches('-')).chars().take(128).collect()
}

/// Every (account, region) a workload runs in.
pub fn workload_targets(task: &WorkloadTask, org: &DesiredOrg) -> Vec<Target> {
    targets(&task.binding, org)
}

/// Tag of a `copy-to-s3` record stack: the object the last run wrote, so that the object is
/// deleted when its target leaves the binding, or replaced when RemotePath moves.
pub const OBJECT_TAG: &str = "orgctl:object";

/// One target's run, computed for the plan.
pub struct Run {
    pub commands: Vec<WorkloadCommand>,
    pub environment: BTreeMap<String, Text>,
    pub role: Option<String>,
    /// What the run asks of an AWS API (register-type, copy-to-s3).
    pub call: Option<WorkloadCall>,
    pub hash: String,
}

/// What a workload's values may read besides the file: the organization's id, and the exports
/// a `!CopyValue` reads (read with the plan: known when they exist), or where the exports it
/// names are collected before they are read.
#[derive(Default, Clone, Copy)]
pub struct Known<'a> {
    pub organization_id: Option<&'a str>,
    pub exports: Option<&'a BTreeMap<crate::tasks::scope::ExportKey, String>>,
    pub wanted: Option<&'a std::cell::RefCell<std::collections::BTreeSet<crate::tasks::scope::ExportKey>>>,
}

/// The commands of `task` in `target`: deploy (`remove` false) or remove.
pub fn run_for(
    task: &WorkloadTask,
    target: &Target,
    desired: &DesiredOrg,
    ids: &dyn Fn(&str) -> Option<String>,
    known: &Known,
    remove: bool,
) -> Result<Run, (String, EvalError)> {
    let organization_id = known.organization_id;
    let accounts = AccountsOf { org: desired, ids };
    let management = desired.accounts.iter().find(|a| a.is_management).map(|a| a.logical_id.as_str());
    let account_id = match ids(&target.account) {
        Some(id) => Text::known(id),
        None => Text::unknown(Unknown::Id(target.account.clone())),
    };
    let names = || TargetNames {
        accounts: &accounts,
        account: &target.account,
        region: &target.region,
        management,
        organization_id,
        current_task: None,
        exports: known.exports,
        wanted_exports: known.wanted,
    };
    let evaluate = |attribute: &str, node: &crate::source::yaml::Node| {
        crate::expr::evaluate(node, &mut TaskScope::for_target(&task.values, names()))
            .and_then(|v| {
                v.as_text().ok_or_else(|| EvalError::new("expected-string", format!("{attribute} must be text")))
            })
            .map_err(|e| (attribute.to_string(), e))
    };
    let arguments = |map: &BTreeMap<String, StackParam>, attribute: &str| -> Result<Vec<(String, Text)>, _> {
        let mut out = Vec::new();
        for (k, v) in map {
            out.push((k.clone(), evaluate(&format!("{attribute}.{k}"), v)?));
        }
        Ok(out)
    };
    let parameters = arguments(&task.parameters, "Parameters")?;
    let backend = arguments(&task.backend_config, "BackendConfig")?;
    let arguments = ToolArguments::of(&task.tool, &parameters, &backend, &target.region);
    let custom = |attribute: &str, node: &crate::source::yaml::Node| {
        let current = arguments.current_task(&account_id, &target.region);
        command::shell_pieces(node, &mut TaskScope::for_target(&task.values, names()), &current)
            .map(WorkloadCommand::Shell)
            .map_err(|e| (attribute.to_string(), e))
    };
    let mut commands = Vec::new();
    if matches!(task.tool, WorkloadTool::Terraform) {
        commands.push(match &task.init_command {
            Some(node) => custom("CustomInitCommand", node)?,
            None => WorkloadCommand::program(&["terraform", "init", "-reconfigure"], arguments.backend.clone()),
        });
    }
    if task.tool.runs_commands() {
        match if remove { &task.remove_command } else { &task.deploy_command } {
            Some(node) => {
                commands.push(custom(if remove { "CustomRemoveCommand" } else { "CustomDeployCommand" }, node)?)
            }
            None => commands.extend(default_commands(task, &arguments, remove)),
        }
    }
    let mut environment = BTreeMap::new();
    environment.insert("AWS_REGION".to_string(), Text::known(target.region.clone()));
    environment.insert("AWS_DEFAULT_REGION".to_string(), Text::known(target.region.clone()));
    if let WorkloadTool::Cdk { .. } = task.tool {
        for key in ["CDK_DEFAULT_ACCOUNT", "CDK_DEPLOY_ACCOUNT"] {
            environment.insert(key.to_string(), account_id.clone());
        }
        for key in ["CDK_DEFAULT_REGION", "CDK_DEPLOY_REGION"] {
            environment.insert(key.to_string(), Text::known(target.region.clone()));
        }
    }
    let role = match &task.task_role_name {
        Some(node) => Some(
            evaluate("TaskRoleName", node)?.require_known("TaskRoleName").map_err(|e| ("TaskRoleName".into(), e))?,
        ),
        None => desired
            .accounts
            .iter()
            .find(|a| a.logical_id == target.account)
            .and_then(|a| a.build_role_name.clone().or_else(|| desired.default_build_role_name.clone())),
    };
    let mut hasher = Md5::new();
    let call = match &task.tool {
        WorkloadTool::RegisterType { type_name, package } => {
            hasher.update(format!("{type_name}\0{package}").as_bytes());
            Some(WorkloadCall::RegisterType { type_name: type_name.clone(), package: package.clone() })
        }
        WorkloadTool::CopyToS3 { file, remote_path, server_side_encryption, packing, md5, size } => {
            let remote = evaluate("RemotePath", remote_path)?;
            let problem = match remote.as_known() {
                Some(known) => S3Location::parse(known).err(),
                None if !remote.known_prefix().starts_with("s3://") => {
                    Some(S3LocationError::NotS3(remote.known_prefix().to_string()))
                }
                None => None,
            };
            if let Some(problem) = problem {
                return Err(("RemotePath".into(), EvalError::new("invalid-remote-path", problem.to_string())));
            }
            // The location is not hashed: it is compared with the recorded object instead, which
            // holds it resolved (an account created in the same run has no id yet here).
            hasher.update(format!("{md5}\0{server_side_encryption:?}").as_bytes());
            Some(WorkloadCall::PutObject {
                remote,
                file: file.clone(),
                packing: packing.clone(),
                md5: md5.clone(),
                size: *size,
                server_side_encryption: server_side_encryption.clone(),
                replaces: None,
            })
        }
        _ => {
            hasher.update(crate::expr::directory_hash(&task.path, &task.ignore_file_changes).as_bytes());
            None
        }
    };
    for c in &commands {
        hasher.update(c.shown().as_bytes());
        hasher.update([0]);
    }
    for (k, v) in &environment {
        hasher.update(format!("{k}={}\0", v.shown()).as_bytes());
    }
    hasher.update(role.clone().unwrap_or_default().as_bytes());
    let hash = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Run { commands, environment, role, call, hash })
}

/// The values a tool's command line takes from the task, as arguments: `Parameters` and
/// `BackendConfig` in the tool's form, and serverless.com's options.
struct ToolArguments {
    /// `-c k=v` (CDK), `--param=k=v` or `--k v` (serverless.com), `-var k=v` (Terraform): a
    /// flag and its value, each one argument.
    parameters: Vec<(&'static str, Text)>,
    /// `-backend-config=k=v` (Terraform).
    backend: Vec<Text>,
    /// serverless.com's `--config`, `--stage`, `--region`, each with its value.
    options: Vec<(&'static str, Text)>,
}

impl ToolArguments {
    fn of(tool: &WorkloadTool, parameters: &[(String, Text)], backend: &[(String, Text)], region: &str) -> Self {
        let pair = |k: &str, v: &Text| {
            let mut t = Text::known(format!("{k}="));
            t.push_text(v);
            t
        };
        let parameters = parameters
            .iter()
            .flat_map(|(k, v)| match tool {
                WorkloadTool::Cdk { .. } => vec![("-c", pair(k, v))],
                WorkloadTool::Serverless { version, .. } if *version >= 3 => {
                    let mut t = Text::known("--param=");
                    t.push_text(&pair(k, v));
                    vec![("", t)]
                }
                WorkloadTool::Serverless { .. } => vec![("", Text::known(format!("--{k}"))), ("", v.clone())],
                WorkloadTool::Terraform => vec![("-var", pair(k, v))],
                WorkloadTool::RegisterType { .. } | WorkloadTool::CopyToS3 { .. } => vec![],
            })
            .collect();
        let backend = backend
            .iter()
            .map(|(k, v)| {
                let mut t = Text::known("-backend-config=");
                t.push_text(&pair(k, v));
                t
            })
            .collect();
        let mut options = Vec::new();
        if let WorkloadTool::Serverless { stage, config, .. } = tool {
            options.extend(config.iter().map(|c| ("--config", Text::known(c.clone()))));
            options.extend(stage.iter().map(|s| ("--stage", Text::known(s.clone()))));
            options.push(("--region", Text::known(region)));
        }
        ToolArguments { parameters, backend, options }
    }

    /// The parameters as arguments, each flag before its value.
    fn parameter_words(&self) -> Vec<Text> {
        self.parameters
            .iter()
            .flat_map(|(flag, v)| (!flag.is_empty()).then(|| Text::known(*flag)).into_iter().chain([v.clone()]))
            .collect()
    }

    /// What a `Custom*Command` finds in `CurrentTask.*`: org-formation's names, as pieces of a
    /// command line whose values are quoted where they stand.
    fn current_task(&self, account_id: &Text, region: &str) -> command::CurrentTask {
        let words = |words: &[(&'static str, Text)]| {
            let mut pieces = Vec::new();
            for (flag, value) in words {
                pieces.push(ShellPiece::Code(if flag.is_empty() { " ".into() } else { format!(" {flag} ") }));
                pieces.push(ShellPiece::Value(value.clone()));
            }
            pieces
        };
        let option = |flag: &str| {
            let found = self.options.iter().find(|(f, _)| *f == flag);
            let value = found.map(|(_, v)| vec![ShellPiece::Value(v.clone())]).unwrap_or_default();
            let with_flag = found.map(|(f, v)| vec![ShellPiece::Code(format!("{f} ")), ShellPiece::Value(v.clone())]);
            (value, with_flag.unwrap_or_default())
        };
        let mut current = command::CurrentTask::new();
        let mut set = |names: &[&str], pieces: Vec<ShellPiece>| {
            for name in names {
                current.insert(format!("CurrentTask.{name}"), pieces.clone());
            }
        };
        set(&["AccountId"], vec![ShellPiece::Value(account_id.clone())]);
        set(&["Region", "region"], vec![ShellPiece::Value(Text::known(region))]);
        set(&["Parameters"], words(&self.parameters));
        set(&["BackendConfig"], words(&self.backend.iter().map(|b| ("", b.clone())).collect::<Vec<_>>()));
        if !self.options.is_empty() {
            for (names, flag) in [(["Stage", "stage"], "--stage"), (["Config", "config"], "--config")] {
                let (value, with_flag) = option(flag);
                set(&names, value);
                set(&[if flag == "--stage" { "StageOption" } else { "ConfigOption" }], with_flag);
            }
            set(&["RegionOption"], option("--region").1);
        }
        current
    }
}

/// The documented commands of the tool (org-formation's defaults), as programs.
fn default_commands(task: &WorkloadTask, arguments: &ToolArguments, remove: bool) -> Vec<WorkloadCommand> {
    let mut commands = Vec::new();
    if task.run_npm_install {
        let lock = task.path.join("package-lock.json").exists();
        commands.push(WorkloadCommand::program(if lock { &["npm", "ci"] } else { &["npm", "i"] }, []));
    }
    let parameters = arguments.parameter_words();
    match &task.tool {
        WorkloadTool::Cdk { run_npm_build } => {
            if *run_npm_build {
                commands.push(WorkloadCommand::program(&["npm", "run", "build"], []));
            }
            let verb: &[&str] = if remove {
                &["npx", "cdk", "destroy", "--all", "--force"]
            } else {
                &["npx", "cdk", "deploy", "--all", "--require-approval=never"]
            };
            commands.push(WorkloadCommand::program(verb, parameters));
        }
        WorkloadTool::Serverless { .. } => {
            let verb: &[&str] = if remove { &["npx", "sls", "remove"] } else { &["npx", "sls", "deploy"] };
            let options = arguments.options.iter().flat_map(|(flag, v)| [Text::known(*flag), v.clone()]);
            let words: Vec<Text> = options.chain(parameters).chain([Text::known("--conceal")]).collect();
            commands.push(WorkloadCommand::program(verb, words));
        }
        WorkloadTool::Terraform => {
            let verb: &[&str] = if remove { &["terraform", "destroy"] } else { &["terraform", "apply"] };
            commands.push(WorkloadCommand::program(verb, parameters.into_iter().chain([Text::known("-auto-approve")])));
        }
        // No command: the type is registered, the file uploaded, through the AWS API.
        WorkloadTool::RegisterType { .. } | WorkloadTool::CopyToS3 { .. } => {}
    }
    commands
}

/// The record stack a run leaves in its target (the apply adds the object a copy-to-s3 wrote).
pub fn record_spec(task: &str, hash: &str) -> StackSpec<Text> {
    let tags = Tags::from([(STACK_TASK_TAG.to_string(), task.to_string()), (HASH_TAG.to_string(), hash.to_string())]);
    StackSpec { name: record_name(task), template: Text::known(RECORD_TEMPLATE), tags, ..Default::default() }
}

/// Whether a live stack is a workload record, and of which task.
pub fn record_of(stack: &StackState) -> Option<&str> {
    (stack.tags.contains_key(HASH_TAG) && stack.name.starts_with("orgctl-workload-")).then(|| stack.task()).flatten()
}

/// Live record stacks by (AccountId, region, task).
pub fn live_records(stacks: &[StackState]) -> HashMap<crate::model::StackKey, &StackState> {
    stacks
        .iter()
        .filter_map(|s| Some(((s.account_id.clone(), s.region.clone(), record_of(s)?.to_string()), s)))
        .collect()
}

/// What planning the workloads gives the stack planner: the changes made (by task), the
/// record stacks that stay, and how many targets are unchanged.
#[derive(Default)]
pub struct Planned {
    pub changes: Vec<(String, usize, Option<String>)>,
    pub kept: Vec<crate::model::StackKey>,
    pub unchanged: usize,
}

/// Adds each workload task's runs (and removals) to `plan`.
pub fn plan_workloads(
    tasks: &crate::tasks::task_file::TaskFile,
    desired: &DesiredOrg,
    account_ids: &HashMap<String, String>,
    known: &Known,
    live: &[StackState],
    plan: &mut Plan,
    errors: &mut crate::diagnostic::Diagnostics,
) -> Planned {
    let ids = |lid: &str| account_ids.get(lid).cloned();
    let logical_of: HashMap<&str, &str> = account_ids.iter().map(|(lid, id)| (id.as_str(), lid.as_str())).collect();
    let records = live_records(live);
    let label = |lid: &str| desired.account_label(lid);
    let mut out = Planned::default();
    for t in tasks.tasks.iter().filter(|t| !t.skip) {
        let crate::tasks::task_file::TaskKind::Workload(task) = &t.kind else { continue };
        let group = Group {
            name: t.name.clone(),
            limit: task.max_concurrent.map_or(usize::MAX, |l| l as usize),
            tolerance: task.failed_tolerance as usize,
        };
        let kind = task.tool.task_type();
        let mut fail = |target: &Target, (attribute, e): (String, EvalError)| {
            let mut d =
                crate::diagnostic::Diagnostic::error(e.code, format!("{}: {}", label(&target.account), e.message))
                    .resource(t.name.clone())
                    .property(attribute);
            d.help = e.help;
            errors.push(d);
        };
        let creations = plan.account_creations();
        let (wanted, absent): (Vec<Target>, Vec<Target>) = workload_targets(task, desired)
            .into_iter()
            .partition(|t| ids(&t.account).is_some() || creations.contains_key(&t.account));
        plan.note_absent_accounts(&t.name, absent.iter().map(|t| t.account.as_str()));
        for target in &wanted {
            let run = match run_for(task, target, desired, &ids, known, false) {
                Ok(run) => run,
                Err(e) => {
                    fail(target, e);
                    continue;
                }
            };
            let account_id = ids(&target.account);
            let record = account_id
                .as_ref()
                .and_then(|id| records.get(&(id.into(), target.region.as_str().into(), t.name.clone())));
            if let Some(id) = &account_id {
                out.kept.push((id.into(), target.region.as_str().into(), record_name(&t.name)));
            }
            let recorded_object = record.and_then(|r| r.tags.get(OBJECT_TAG));
            let mut call = run.call;
            if let Some(WorkloadCall::PutObject { remote, replaces, .. }) = &mut call {
                *replaces = recorded_object.filter(|o| remote.as_known() != Some(o.as_str())).cloned();
            }
            let moved = matches!(&call, Some(WorkloadCall::PutObject { replaces: Some(_), .. }));
            if !moved && record.is_some_and(|r| r.tags.get(HASH_TAG) == Some(&run.hash)) {
                tracing::trace!(
                    "{kind} {} in {}/{}: skipped, its inputs' hash is as recorded",
                    t.name,
                    target.account,
                    target.region
                );
                out.unchanged += 1;
                continue;
            }
            let subject = format!("{kind} {} in {}/{}", t.name, label(&target.account), target.region);
            let diff = run_diff(&run.commands, call.as_ref(), &task.path);
            let summary = if record.is_some() { "run again (its inputs changed)" } else { "run" };
            let operation = DeploymentOperation::RunWorkload {
                account: account_id
                    .clone()
                    .map_or_else(|| Handle::New(target.account.as_str().into()), Handle::Existing),
                region: target.region.as_str().into(),
                task: t.name.clone(),
                directory: task.path.clone(),
                commands: run.commands,
                environment: run.environment,
                role: run.role,
                record: record_spec(&t.name, &run.hash),
                record_exists: record.is_some(),
                call: call.map(Box::new),
            };
            let id = plan.push_change(Action::Change, subject, summary.into(), operation, diff, Some(group.clone()));
            out.changes.push((t.name.clone(), id, Some(target.account.clone())));
        }
        // Targets that left the binding: the remove command, then the record goes.
        for ((account_id, region, task_name), stack) in &records {
            if task_name != &t.name {
                continue;
            }
            let Some(lid) = logical_of.get(account_id.as_str()) else { continue };
            let target = Target { account: lid.to_string(), region: region.to_string() };
            if wanted.contains(&target) {
                continue;
            }
            let run = match run_for(task, &target, desired, &ids, known, true) {
                Ok(run) => run,
                Err(e) => {
                    fail(&target, e);
                    continue;
                }
            };
            let resolve = |t: &Text| t.resolve(|_| None).unwrap_or_else(|_| t.shown());
            let commands = run.commands;
            let call = match (&task.tool, stack.tags.get(OBJECT_TAG)) {
                (WorkloadTool::RegisterType { type_name, .. }, _) => {
                    Some(RemovalCall::DeregisterType { type_name: type_name.clone() })
                }
                (WorkloadTool::CopyToS3 { .. }, Some(object)) => {
                    Some(RemovalCall::DeleteObject { remote: object.clone() })
                }
                _ => None,
            };
            let diff = removal_diff(&commands, call.as_ref());
            let operation = DeploymentOperation::RemoveWorkload {
                account_id: account_id.clone(),
                region: region.clone(),
                task: t.name.clone(),
                directory: task.path.clone(),
                commands,
                environment: run.environment.iter().map(|(k, v)| (k.clone(), resolve(v))).collect(),
                role: run.role,
                record_name: stack.name.clone(),
                call,
            };
            let subject = format!("{kind} {} in {}/{region}", t.name, label(lid));
            let summary = "remove (the target left the binding)".to_string();
            let id = plan.push_change(Action::Remove, subject, summary, operation, diff, Some(group.clone()));
            out.changes.push((t.name.clone(), id, None));
            out.kept.push((account_id.clone(), region.clone(), stack.name.clone()));
        }
    }
    out
}

/// What the plan shows of a run: its commands, and the API call or the directory.
pub fn run_diff(
    commands: &[WorkloadCommand],
    call: Option<&WorkloadCall>,
    directory: &std::path::Path,
) -> Vec<PropertyDiff> {
    let mut diff: Vec<PropertyDiff> =
        commands.iter().map(|c| PropertyDiff::new("Command", None, Some(c.shown()))).collect();
    match call {
        Some(WorkloadCall::RegisterType { type_name, package }) => {
            diff.push(PropertyDiff::new("ResourceType", None, Some(type_name.clone())));
            diff.push(PropertyDiff::new("SchemaHandlerPackage", None, Some(package.clone())));
        }
        Some(WorkloadCall::PutObject { remote, file, packing, md5, size, server_side_encryption, replaces }) => {
            diff.push(PropertyDiff::new("Object", replaces.clone(), Some(remote.shown())));
            diff.push(PropertyDiff::new("LocalPath", None, Some(file.display().to_string())));
            let packed = match packing {
                crate::tasks::upload::Packing::AsIs => "",
                crate::tasks::upload::Packing::Templated(_) => "templated, ",
                crate::tasks::upload::Packing::Zipped => "zipped, ",
            };
            diff.push(PropertyDiff::new("Content", None, Some(format!("{packed}{size} bytes, MD5 {md5}"))));
            if let Some(sse) = server_side_encryption {
                diff.push(PropertyDiff::new("ServerSideEncryption", None, Some(sse.clone())));
            }
        }
        None => diff.push(PropertyDiff::new("Directory", None, Some(directory.display().to_string()))),
    }
    diff
}

/// What the plan shows of a removal: its commands and the API call.
pub fn removal_diff(commands: &[WorkloadCommand], call: Option<&RemovalCall>) -> Vec<PropertyDiff> {
    let mut diff: Vec<PropertyDiff> =
        commands.iter().map(|c| PropertyDiff::new("Command", None, Some(c.shown()))).collect();
    match call {
        Some(RemovalCall::DeregisterType { type_name }) => {
            diff.push(PropertyDiff::new("ResourceType", Some(type_name.clone()), None))
        }
        Some(RemovalCall::DeleteObject { remote }) => {
            diff.push(PropertyDiff::new("Object", Some(remote.clone()), None))
        }
        None => {}
    }
    diff
}
