//! Carrying out a deployment: a stack created, updated or deleted, a workload run or removed,
//! with every value the plan could not know (an account created earlier in the run, an export,
//! another stack's output) read now.

use super::operation::CreatedIds;
use super::retry::RetryPolicy;
use crate::expr::{Text, Unknown};
use crate::model::{AccountId, Region, StackSpec};
use crate::plan::{DeploymentOperation, ImportSource, RemovalCall, StackImport, WorkloadCall};
use crate::provider::{At, Provider, ProviderError, ProviderResult};

/// Runs one operation.
pub async fn execute(
    op: &DeploymentOperation,
    provider: &dyn Provider,
    ids: &CreatedIds,
    retry: &RetryPolicy,
) -> ProviderResult<Option<String>> {
    match op {
        DeploymentOperation::CreateStack { account, region, spec, imports, replace_failed } => {
            let account = ids.resolve_account(account)?;
            let spec = complete_spec(spec, imports, provider, ids).await?;
            if *replace_failed {
                retry.run(|| provider.delete_stack(At::new(&account, region), &spec.name)).await?;
            }
            retry.run(|| provider.create_stack(At::new(&account, region), &spec)).await.map(|_| None)
        }
        DeploymentOperation::UpdateStack { account_id, region, spec, imports } => {
            let spec = complete_spec(spec, imports, provider, ids).await?;
            retry.run(|| provider.update_stack(At::new(account_id, region), &spec)).await.map(|_| None)
        }
        DeploymentOperation::RunWorkload {
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
            let account = ids.resolve_account(account)?;
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
        DeploymentOperation::RemoveWorkload {
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
        DeploymentOperation::DeleteStack { account_id, region, name } => {
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
                let Some(account_id) = account_id.map(AccountId::from) else { continue };
                let value = provider.export_value(At::new(&account_id, &Region::from(region)), name).await?;
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
        let account = ids.resolve_account(&import.account)?;
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

/// The `s3://bucket/key` of an upload, checked again (a saved plan may have been edited).
fn upload_target(remote: &str) -> ProviderResult<crate::tasks::upload::S3Location> {
    crate::tasks::upload::S3Location::parse(remote).map_err(|e| ProviderError::new("InvalidRemotePath", e.to_string()))
}
