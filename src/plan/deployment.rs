//! What task files deploy into accounts: CloudFormation stacks and workload runs. Each
//! operation is described here (from itself and the live stacks the plan read), addressed (its
//! place: account, region, name) and checked (a saved plan edited by hand is refused);
//! `apply::deployment` carries it out. The changes themselves are computed in
//! [`super::stacks`] and [`super::workloads`].

use super::change::{Action, Address, Change, Handle, Place, PropertyDiff};
use super::check::{Checker, Kind};
use super::describe::{Described, Words};
use crate::model::{AccountId, Region, StackSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What orgctl deploys, updates or removes in an account and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeploymentOperation {
    /// `replace_failed`: a ROLLBACK_COMPLETE stack of that name is deleted first.
    CreateStack {
        account: Handle,
        region: Region,
        spec: StackSpec<crate::expr::Text>,
        imports: Vec<StackImport>,
        replace_failed: bool,
    },
    UpdateStack {
        account_id: AccountId,
        region: Region,
        spec: StackSpec<crate::expr::Text>,
        imports: Vec<StackImport>,
    },
    /// A workload task's commands in one target, then its record stack (with the inputs' hash)
    /// written, so that the next plan skips the target while nothing changed.
    RunWorkload {
        account: Handle,
        region: Region,
        task: String,
        directory: std::path::PathBuf,
        commands: Vec<super::command::WorkloadCommand>,
        environment: BTreeMap<String, crate::expr::Text>,
        role: Option<String>,
        record: StackSpec<crate::expr::Text>,
        record_exists: bool,
        /// What the run asks of an AWS API instead of commands (register-type, copy-to-s3).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call: Option<Box<WorkloadCall>>,
    },
    /// A target left a workload task's binding: its remove command, then its record deleted.
    RemoveWorkload {
        account_id: AccountId,
        region: Region,
        task: String,
        directory: std::path::PathBuf,
        /// Known but for exports a `!CopyValue` reads when the removal runs.
        commands: Vec<super::command::WorkloadCommand>,
        environment: BTreeMap<String, String>,
        role: Option<String>,
        record_name: String,
        /// What the removal asks of an AWS API (deregister the type, delete the object).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call: Option<RemovalCall>,
    },
    DeleteStack {
        account_id: AccountId,
        region: Region,
        name: String,
    },
}

/// A stack parameter whose value is read when the stack is deployed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackImport {
    pub parameter: String,
    pub account: Handle,
    pub region: Region,
    pub source: ImportSource,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportSource {
    /// Another stack's output (a cross-account reference in a template). (`!CopyValue`'s
    /// exports are [`crate::expr::Unknown::Export`] pieces of the parameter's value.)
    Output { stack: String, output: String },
}

/// The AWS call a workload run makes instead of commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call")]
pub enum WorkloadCall {
    /// `register-type`: RegisterType from the handler package, made the default version.
    RegisterType { type_name: String, package: String },
    /// `copy-to-s3`: PutObject of the file (packed as `packing` says) at `remote`
    /// (`s3://bucket/key`); `md5` is the content the plan showed, checked again at apply.
    PutObject {
        remote: crate::expr::Text,
        file: std::path::PathBuf,
        packing: crate::tasks::upload::Packing,
        md5: String,
        size: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        server_side_encryption: Option<String>,
        /// The object the last run wrote, when RemotePath moved: deleted after the upload.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<String>,
    },
}

/// The AWS call removing what a workload run made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call")]
pub enum RemovalCall {
    DeregisterType {
        type_name: String,
    },
    /// `copy-to-s3`: DeleteObject at `remote` (`s3://bucket/key`).
    DeleteObject {
        remote: String,
    },
}

impl DeploymentOperation {
    /// Where the operation acts: the account (the one the plan creates, or an existing one),
    /// the region, and the stack's name or the workload task's.
    pub fn address(&self) -> Address {
        let place = |account: &Handle, region: &str, name: &str| Place {
            account: account.clone(),
            region: region.to_string(),
            name: name.to_string(),
        };
        let existing = |id: &str| Handle::Existing(id.to_string());
        match self {
            DeploymentOperation::CreateStack { account, region, spec, .. } => {
                Address::Stack(place(account, region, &spec.name))
            }
            DeploymentOperation::UpdateStack { account_id, region, spec, .. } => {
                Address::Stack(place(&existing(account_id), region, &spec.name))
            }
            DeploymentOperation::DeleteStack { account_id, region, name } => {
                Address::Stack(place(&existing(account_id), region, name))
            }
            DeploymentOperation::RunWorkload { account, region, task, .. } => {
                Address::Workload(place(account, region, task))
            }
            DeploymentOperation::RemoveWorkload { account_id, region, task, .. } => {
                Address::Workload(place(&existing(account_id), region, task))
            }
        }
    }

    /// What it does, in words: the stack's diff against the live stack the plan read, the
    /// commands a workload runs.
    pub(super) fn describe(&self, words: &Words) -> Described {
        let existing = |id: &str| Handle::Existing(id.to_string());
        match self {
            DeploymentOperation::CreateStack { account, region, spec, imports, replace_failed } => {
                let params = with_imports(&spec.parameters, imports, |h| words.resource(h));
                let summary =
                    if *replace_failed { "create (replaces a stack that failed to create)" } else { "create" };
                let subject = format!("stack {} in {} {region}", spec.name, words.resource(account));
                (Action::Add, subject, summary.into(), super::stacks::stack_diff(None, spec, &params))
            }
            DeploymentOperation::UpdateStack { account_id, region, spec, imports } => {
                let params = with_imports(&spec.parameters, imports, |h| words.resource(h));
                let live = words.stack(account_id, region, &spec.name);
                let subject = format!("stack {} in {} {region}", spec.name, words.resource(&existing(account_id)));
                (Action::Change, subject, "update".into(), super::stacks::stack_diff(live, spec, &params))
            }
            DeploymentOperation::RunWorkload {
                account,
                region,
                task,
                directory,
                commands,
                record_exists,
                call,
                ..
            } => {
                let diff = super::workloads::run_diff(commands, call.as_deref(), directory);
                let summary = if *record_exists { "run again (its inputs changed)" } else { "run" };
                let subject = format!("workload {task} in {} {region}", words.resource(account));
                (Action::Change, subject, summary.into(), diff)
            }
            DeploymentOperation::RemoveWorkload { account_id, region, task, commands, call, .. } => {
                let diff = super::workloads::removal_diff(commands, call.as_ref());
                let subject = format!("workload {task} in {} {region}", words.resource(&existing(account_id)));
                (Action::Remove, subject, "remove (the target left the binding)".into(), diff)
            }
            DeploymentOperation::DeleteStack { account_id, region, name } => (
                Action::Remove,
                format!("stack {name} in {} {region}", words.resource(&existing(account_id))),
                "delete".into(),
                vec![PropertyDiff::new("StackName", Some(name.clone()), None)],
            ),
        }
    }

    /// Checks the operation against the organization and the live stacks the plan read: the
    /// account exists or is created first, the region is a region name, only orgctl's records
    /// and stacks are removed (and none with termination protection).
    pub(super) fn check(&self, c: &Change, checker: &mut Checker) {
        match self {
            DeploymentOperation::CreateStack { account, region, .. } => {
                checker.handle(c, account, Kind::Account);
                checker.region(c, region);
            }
            DeploymentOperation::UpdateStack { account_id, region, .. } => {
                checker.handle(c, &Handle::Existing(account_id.to_string()), Kind::Account);
                checker.region(c, region);
            }
            DeploymentOperation::RunWorkload { account, record, .. } => {
                checker.handle(c, account, Kind::Account);
                if !record.name.starts_with("orgctl-workload-") {
                    checker.fail(c.id, format!("writes {}, which is not a workload record", record.name));
                }
            }
            DeploymentOperation::RemoveWorkload { account_id, region, record_name, .. } => {
                match checker.stack(account_id, region, record_name) {
                    Some(s) if super::workloads::record_of(s).is_some() => {}
                    _ => checker.fail(
                        c.id,
                        format!("removes workload record {record_name} in {account_id}/{region}, which the plan did not read"),
                    ),
                }
            }
            DeploymentOperation::DeleteStack { account_id, region, name } => {
                let message = match checker.stack(account_id, region, name) {
                    None => Some(format!("deletes stack {name} in {account_id}/{region}, which the plan did not read")),
                    Some(s) if s.task().is_none() => {
                        Some(format!("deletes stack {name}, which orgctl does not own (no task tag)"))
                    }
                    Some(s) if s.termination_protection => {
                        Some(format!("deletes stack {name}, which has termination protection"))
                    }
                    Some(_) => None,
                };
                if let Some(message) = message {
                    checker.fail(c.id, message);
                }
            }
        }
    }
}

/// Stack parameters with the values read at apply time shown as where they come from.
fn with_imports(
    parameters: &BTreeMap<String, crate::expr::Text>,
    imports: &[StackImport],
    resource: impl Fn(&Handle) -> String,
) -> BTreeMap<String, String> {
    let mut shown: BTreeMap<String, String> = parameters.iter().map(|(k, v)| (k.clone(), v.shown())).collect();
    for i in imports {
        let from = match &i.source {
            ImportSource::Output { stack, output } => format!("output {output} of stack {stack}"),
        };
        shown.insert(
            i.parameter.clone(),
            format!("({from} in {} {}, read at apply time)", resource(&i.account), i.region),
        );
    }
    shown
}
