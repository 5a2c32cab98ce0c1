//! Carrying out one change through the provider, with handles to resources created earlier in
//! the run filled in, and the CreateAccount flow that never creates an account twice.

use super::retry::RetryPolicy;
use crate::expr::{Text, Unknown};
use crate::model::StackSpec;
use crate::plan::{Handle, ImportSource, Operation, RemovalCall, StackImport, WorkloadCall};
use crate::provider::poll::LearnedPoll;
use crate::provider::{At, CreateAccountStatus, ExistingAccount, NewPolicy, Provider, ProviderError, ProviderResult};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// AWS ids of the resources created during this run, by logical id.
#[derive(Default)]
pub struct CreatedIds(Mutex<HashMap<String, String>>);

impl CreatedIds {
    pub(super) fn resolve(&self, handle: &Handle) -> ProviderResult<String> {
        match handle {
            Handle::Existing(id) => Ok(id.clone()),
            Handle::New(lid) => {
                self.0.lock().unwrap_or_else(|e| e.into_inner()).get(lid).cloned().ok_or_else(|| {
                    ProviderError::new("NotCreated", format!("{lid} was not created earlier in this run"))
                })
            }
        }
    }

    /// The AWS id of a resource created in this run, by logical id.
    pub fn get(&self, logical_id: &str) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(logical_id).cloned()
    }

    pub(super) fn record(&self, logical_id: &str, id: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(logical_id.to_string(), id.to_string());
    }
}

/// How account creations are waited for: polled on a schedule that learns how long they take
/// (all creations are one kind), given up after `timeout`. How many are in progress at once is
/// the scheduler's business (`CREATIONS_IN_PROGRESS`).
#[derive(Debug, Clone)]
pub struct AccountWait {
    pub poll: std::sync::Arc<LearnedPoll>,
    pub timeout: Duration,
}

impl AccountWait {
    pub fn new(poll_interval: Duration, timeout: Duration) -> AccountWait {
        AccountWait { poll: std::sync::Arc::new(LearnedPoll::new(poll_interval, Duration::from_secs(5))), timeout }
    }
}

/// The one kind of work account creations are, for the poll schedule.
const ACCOUNT_CREATION: &str = "CreateAccount";

/// Runs one operation; returns the id of what it created, if anything.
pub async fn execute(
    op: &Operation,
    provider: &dyn Provider,
    ids: &CreatedIds,
    retry: &RetryPolicy,
    wait: &AccountWait,
) -> ProviderResult<Option<String>> {
    let r = |h: &Handle| ids.resolve(h);
    match op {
        Operation::IdentityCenter(op) => super::identity::execute(op, provider, ids, retry).await,
        Operation::EnablePolicyType { root_id, policy_type } => {
            retry.run(|| provider.enable_policy_type(root_id, *policy_type)).await.map(|_| None)
        }
        Operation::CreateOu { logical_id, parent, name, tags } => {
            let parent = r(parent)?;
            let id = retry.run(|| provider.create_ou(&parent, name, tags)).await?;
            ids.record(logical_id, &id);
            Ok(Some(id))
        }
        Operation::RenameOu { ou_id, name } => retry.run(|| provider.rename_ou(ou_id, name)).await.map(|_| None),
        Operation::DeleteOu { ou_id } => retry.run(|| provider.delete_ou(ou_id)).await.map(|_| None),
        Operation::CloseAccount { account_id } => retry.run(|| provider.close_account(account_id)).await.map(|_| None),
        Operation::CreateAccount { logical_id, name, email, tags } => {
            let id = create_account(provider, name, email, tags, retry, wait).await?;
            ids.record(logical_id, &id);
            Ok(Some(id))
        }
        Operation::RenameAccount { account, name } => {
            let account = r(account)?;
            retry.run(|| provider.rename_account(&account, name)).await.map(|_| None)
        }
        Operation::MoveAccount { account, from, to } => {
            let (account, from, to) = (r(account)?, r(from)?, r(to)?);
            retry.run(|| provider.move_account(&account, &from, &to)).await.map(|_| None)
        }
        Operation::TagResource { resource, tags } => {
            let resource = r(resource)?;
            retry.run(|| provider.tag_resource(&resource, tags)).await.map(|_| None)
        }
        Operation::UntagResource { resource, keys } => {
            let resource = r(resource)?;
            retry.run(|| provider.untag_resource(&resource, keys)).await.map(|_| None)
        }
        Operation::CreatePolicy { logical_id, policy_type, name, description, content, tags } => {
            let policy = NewPolicy { policy_type: *policy_type, name, description, content, tags };
            let id = retry.run(|| provider.create_policy(policy)).await?;
            ids.record(logical_id, &id);
            Ok(Some(id))
        }
        Operation::UpdatePolicy { policy_id, name, description, content } => {
            retry.run(|| provider.update_policy(policy_id, name, description, content)).await.map(|_| None)
        }
        Operation::DeletePolicy { policy_id } => retry.run(|| provider.delete_policy(policy_id)).await.map(|_| None),
        Operation::AttachPolicy { policy, target } => {
            let (policy, target) = (r(policy)?, r(target)?);
            retry.run(|| provider.attach_policy(&policy, &target)).await.map(|_| None)
        }
        Operation::DetachPolicy { policy_id, target_id } => {
            retry.run(|| provider.detach_policy(policy_id, target_id)).await.map(|_| None)
        }
        Operation::Setting(op) => super::settings::execute(op, provider, ids, retry).await,
        Operation::Delegation(op) => super::delegation::execute(op, provider, ids, retry).await,
        Operation::CreateStack { account, region, spec, imports, replace_failed } => {
            let account = r(account)?;
            let spec = complete_spec(spec, imports, provider, ids).await?;
            if *replace_failed {
                retry.run(|| provider.delete_stack(At::new(&account, region), &spec.name)).await?;
            }
            retry.run(|| provider.create_stack(At::new(&account, region), &spec)).await.map(|_| None)
        }
        Operation::UpdateStack { account_id, region, spec, imports } => {
            let spec = complete_spec(spec, imports, provider, ids).await?;
            retry.run(|| provider.update_stack(At::new(account_id, region), &spec)).await.map(|_| None)
        }
        Operation::RunWorkload {
            account,
            region,
            directory,
            commands,
            environment,
            role,
            record,
            record_exists,
            call,
            ..
        } => {
            let account = r(account)?;
            let remote = match call.as_deref() {
                Some(WorkloadCall::PutObject { remote, .. }) => Some(remote),
                _ => None,
            };
            let values = commands.iter().flat_map(|c| c.values()).chain(environment.values()).chain(remote);
            let known = known_values(values, provider, ids).await?;
            let fill = |t: &Text| {
                t.resolve(|u| known.get(u).cloned())
                    .map_err(|u| ProviderError::new("UnknownValue", format!("{u} is still unknown")))
            };
            let commands = runnable(commands, &known)?;
            let mut env: Vec<(String, String)> =
                environment.iter().map(|(k, v)| Ok((k.clone(), fill(v)?))).collect::<Result<_, ProviderError>>()?;
            env.extend(provider.workload_credentials(&account, role.as_deref()).await?);
            super::workload::run_commands(directory, &commands, &env).await?;
            let mut record =
                record.resolve(|_| None).map_err(|u| ProviderError::new("UnknownValue", format!("{u}")))?;
            let at = At::new(&account, region).as_role(role.as_deref());
            if let Some(object) = workload_call(call.as_deref(), provider, at, retry, &fill).await? {
                record.tags.insert(crate::plan::workloads::OBJECT_TAG.to_string(), object.to_string());
            }
            if *record_exists {
                retry.run(|| provider.update_stack(At::new(&account, region), &record)).await.map(|_| None)
            } else {
                retry.run(|| provider.create_stack(At::new(&account, region), &record)).await.map(|_| None)
            }
        }
        Operation::RemoveWorkload {
            account_id,
            region,
            directory,
            commands,
            environment,
            role,
            record_name,
            call,
            ..
        } => {
            let known = known_values(commands.iter().flat_map(|c| c.values()), provider, ids).await?;
            let commands = runnable(commands, &known)?;
            let mut env: Vec<(String, String)> = environment.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            env.extend(provider.workload_credentials(account_id, role.as_deref()).await?);
            super::workload::run_commands(directory, &commands, &env).await?;
            removal_call(call.as_ref(), provider, At::new(account_id, region).as_role(role.as_deref()), retry).await?;
            retry.run(|| provider.delete_stack(At::new(account_id, region), record_name)).await.map(|_| None)
        }
        Operation::DeleteStack { account_id, region, name } => {
            retry.run(|| provider.delete_stack(At::new(account_id, region), name)).await.map(|_| None)
        }
    }
}

/// The AWS call a workload run makes after its commands: RegisterType, or PutObject of the
/// file the plan showed (checked unchanged; the object it replaces deleted). Returns the object
/// written, recorded on the run's record.
async fn workload_call(
    call: Option<&WorkloadCall>,
    provider: &dyn Provider,
    at: At<'_>,
    retry: &RetryPolicy,
    fill: &(dyn Fn(&Text) -> ProviderResult<String> + Sync),
) -> ProviderResult<Option<crate::tasks::upload::S3Location>> {
    match call {
        Some(WorkloadCall::RegisterType { type_name, package }) => {
            retry.run(|| provider.register_type(at, type_name, package)).await?;
            Ok(None)
        }
        Some(WorkloadCall::PutObject { remote, file, packing, md5, server_side_encryption, replaces, .. }) => {
            let object = upload_target(&fill(remote)?)?;
            let body = crate::tasks::upload::content(file, packing)
                .map_err(|e| ProviderError::new("UnreadableFile", e.to_string()))?;
            if crate::model::md5_hex(&body) != *md5 {
                return Err(ProviderError::new(
                    "ChangedSincePlan",
                    format!("{} changed since the plan: plan again to see what would be uploaded", file.display()),
                ));
            }
            let put = crate::provider::PutObject {
                bucket: &object.bucket,
                key: &object.key,
                body: &body,
                server_side_encryption: server_side_encryption.as_deref(),
            };
            retry.run(|| provider.put_object(at, &put)).await?;
            if let Some(old) = replaces {
                let old = upload_target(old)?;
                retry.run(|| provider.delete_object(at, &old.bucket, &old.key)).await?;
            }
            Ok(Some(object))
        }
        None => Ok(None),
    }
}

/// The AWS call a workload's removal makes after its commands: DeregisterType, or DeleteObject.
async fn removal_call(
    call: Option<&RemovalCall>,
    provider: &dyn Provider,
    at: At<'_>,
    retry: &RetryPolicy,
) -> ProviderResult<()> {
    match call {
        Some(RemovalCall::DeregisterType { type_name }) => retry.run(|| provider.deregister_type(at, type_name)).await,
        Some(RemovalCall::DeleteObject { remote }) => {
            let object = upload_target(remote)?;
            retry.run(|| provider.delete_object(at, &object.bucket, &object.key)).await
        }
        None => Ok(()),
    }
}

/// A workload's commands with every value filled in from `known`.
fn runnable(
    commands: &[crate::plan::command::WorkloadCommand],
    known: &std::collections::HashMap<Unknown, String>,
) -> ProviderResult<Vec<crate::plan::command::Runnable>> {
    commands
        .iter()
        .map(|c| {
            c.resolve(|t| t.resolve(|u| known.get(u).cloned()))
                .map_err(|u| ProviderError::new("UnknownValue", format!("{u} is still unknown")))
        })
        .collect()
}

/// The values of every unknown in `texts`, now that the changes before this one are made: the
/// AccountIds of accounts created in this run, and the exports `!CopyValue` reads (from the
/// account and region named, where the stack that exports it now runs).
async fn known_values(
    texts: impl Iterator<Item = &Text>,
    provider: &dyn Provider,
    ids: &CreatedIds,
) -> ProviderResult<std::collections::HashMap<Unknown, String>> {
    let wanted: std::collections::BTreeSet<Unknown> = texts.flat_map(|t| t.unknowns().cloned()).collect();
    let mut known = std::collections::HashMap::new();
    for unknown in wanted {
        let value = match &unknown {
            Unknown::Id(lid) => ids.get(lid),
            // A plan runs its commands or refuses them, and evaluates each target's values: a
            // saved plan holding one of these was edited.
            Unknown::CommandOutput(_) | Unknown::PerTarget(_) => None,
            Unknown::Export { account, region, name } => {
                let is_id = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
                let account_id = if is_id { Some(account.clone()) } else { ids.get(account) };
                let Some(account_id) = account_id else { continue };
                let value = provider.export_value(At::new(&account_id, region), name).await?;
                Some(value.ok_or_else(|| {
                    ProviderError::new(
                        "MissingExport",
                        format!("no export named {name} in {account_id}/{region}: deploy the stack that exports it first (DependsOn)"),
                    )
                })?)
            }
        };
        if let Some(value) = value {
            known.insert(unknown, value);
        }
    }
    Ok(known)
}

/// The stack as it can be sent now: values imported from producer stacks, and the AccountIds of
/// accounts created earlier in this run filled in.
async fn complete_spec(
    spec: &StackSpec<Text>,
    imports: &[StackImport],
    provider: &dyn Provider,
    ids: &CreatedIds,
) -> ProviderResult<StackSpec> {
    let texts = std::iter::once(&spec.template).chain(spec.parameters.values()).chain(spec.role_arn.as_ref());
    let known = known_values(texts, provider, ids).await?;
    let mut spec = spec
        .resolve(|unknown| known.get(unknown).cloned())
        .map_err(|unknown| ProviderError::new("UnknownValue", format!("{unknown} is still unknown")))?;
    for import in imports {
        let account = ids.resolve(&import.account)?;
        let value = match &import.source {
            ImportSource::Output { stack, output } => {
                let outputs = provider.stack_outputs(At::new(&account, &import.region), stack).await?;
                outputs.get(output).cloned().ok_or_else(|| {
                    ProviderError::new(
                        "MissingOutput",
                        format!("stack {stack} in {account}/{} has no output {output}", import.region),
                    )
                })?
            }
        };
        spec.parameters.insert(import.parameter.clone(), value);
    }
    crate::plan::sensitive::record_new_values(&mut spec);
    Ok(spec)
}

/// CreateAccount is not idempotent: look for the account, or an unfinished request for it, first,
/// and adopt what is there. A retried CreateAccount looks again before it sends anything.
async fn create_account(
    provider: &dyn Provider,
    name: &str,
    email: &str,
    tags: &crate::model::Tags,
    retry: &RetryPolicy,
    wait: &AccountWait,
) -> ProviderResult<String> {
    // The first attempt trusts what this run read; any later one asks the organization again,
    // since the attempt before may have created the account without us hearing back.
    let attempts = std::sync::atomic::AtomicU32::new(0);
    let request_id = retry
        .run(|| async {
            let thorough = attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0;
            match provider.find_account(email, name, thorough).await? {
                Some(ExistingAccount::Account { account_id }) => Ok(Err(account_id)),
                Some(ExistingAccount::Request { request_id }) => Ok(Ok(request_id)),
                None => provider.create_account(name, email, tags).await.map(Ok),
            }
        })
        .await?;
    let request_id = match request_id {
        Err(existing_account) => return Ok(existing_account),
        Ok(request_id) => request_id,
    };
    let started = Instant::now();
    let mut unfinished = None;
    loop {
        tokio::time::sleep(wait.poll.next(ACCOUNT_CREATION, started.elapsed(), unfinished.is_some())).await;
        let asked = started.elapsed();
        match retry.run(|| provider.create_account_status(&request_id)).await? {
            CreateAccountStatus::Succeeded { account_id } => {
                wait.poll.learn(ACCOUNT_CREATION, unfinished, asked);
                return Ok(account_id);
            }
            CreateAccountStatus::Failed { reason } => {
                let hint = match reason.as_str() {
                    "EMAIL_ALREADY_EXISTS" => "another AWS account already uses this RootEmail: pick another address",
                    "ACCOUNT_LIMIT_EXCEEDED" => "the organization reached its account quota: ask AWS support for more",
                    "CONCURRENT_ACCOUNT_MODIFICATION" => "another account change was in progress: run apply again",
                    _ => "see DescribeCreateAccountStatus for details, fix the cause and run apply again",
                };
                return Err(ProviderError::new(
                    "CreateAccountFailed",
                    format!("creating {email} failed: {reason} ({hint})"),
                ));
            }
            CreateAccountStatus::InProgress if started.elapsed() > wait.timeout => {
                return Err(ProviderError::new(
                    "CreateAccountTimeout",
                    format!(
                        "{email} was still being created after {}s (request {request_id}); run apply again to adopt it",
                        wait.timeout.as_secs()
                    ),
                ));
            }
            CreateAccountStatus::InProgress => unfinished = Some(asked),
        }
    }
}

/// The `s3://bucket/key` of an upload, checked again (a saved plan may have been edited).
fn upload_target(remote: &str) -> ProviderResult<crate::tasks::upload::S3Location> {
    crate::tasks::upload::S3Location::parse(remote).map_err(|e| ProviderError::new("InvalidRemotePath", e.to_string()))
}
