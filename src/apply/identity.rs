//! Carrying out an Identity Center change: permission sets created, updated (then provisioned
//! to the accounts they are assigned to) and deleted, assignments made and removed, each
//! waited for to its status.

use super::operation::CreatedIds;
use super::retry::RetryPolicy;
use crate::model::{AssignmentState, IdentityScope};
use crate::plan::IdentityOperation;
use crate::provider::{Provider, ProviderError, ProviderResult};

/// A read for the permission sets alone: the assignments of the accounts they are provisioned
/// to come with it, no more.
const PERMISSION_SETS_ONLY: IdentityScope = IdentityScope::Provisioned(Vec::new());

/// Runs one Identity Center operation; returns the ARN of a permission set it created.
pub async fn execute(
    op: &IdentityOperation,
    provider: &dyn Provider,
    ids: &CreatedIds,
    retry: &RetryPolicy,
) -> ProviderResult<Option<String>> {
    match op {
        IdentityOperation::CreatePermissionSet { logical_id, instance_arn, settings } => {
            // CreatePermissionSet is not idempotent: a retry after a lost response finds the
            // set by name instead of failing on the duplicate.
            let arn = match provider.create_permission_set(instance_arn, settings, logical_id).await {
                Ok(arn) => arn,
                Err(e) if e.kind() == crate::provider::ErrorKind::Conflict => {
                    let live = provider.read_identity_center(&PERMISSION_SETS_ONLY).await?;
                    live.and_then(|l| {
                        l.permission_sets.into_iter().find(|p| p.settings.name.eq_ignore_ascii_case(&settings.name))
                    })
                    .filter(|p| p.owner.as_deref() == Some(logical_id))
                    .map(|p| p.arn)
                    .ok_or(e)?
                }
                Err(e) => return Err(e),
            };
            ids.record(logical_id, &arn);
            Ok(Some(arn))
        }
        IdentityOperation::UpdatePermissionSet { logical_id, instance_arn, arn, old, new, provision } => {
            retry.run(|| provider.update_permission_set(instance_arn, arn, old, new, logical_id)).await?;
            if *provision {
                retry.run(|| provider.provision_permission_set(instance_arn, arn)).await?;
            }
            Ok(None)
        }
        IdentityOperation::DeletePermissionSet { instance_arn, arn, name } => {
            // Checked again now: only a set tagged as orgctl's is deleted, whatever the plan says.
            let live = provider.read_identity_center(&PERMISSION_SETS_ONLY).await?;
            let owned = live.as_ref().and_then(|l| l.permission_set(arn)).is_some_and(|p| p.owner.is_some());
            if !owned {
                return Err(ProviderError::new(
                    "NotOwned",
                    format!("permission set {name} ({arn}) is not tagged as orgctl's: it is left as it is"),
                ));
            }
            retry.run(|| provider.delete_permission_set(instance_arn, arn)).await.map(|_| None)
        }
        IdentityOperation::CreateAccountAssignment { instance_arn, permission_set, principal, account, .. } => {
            let assignment = AssignmentState {
                permission_set_arn: ids.resolve(permission_set)?,
                principal_type: principal.kind,
                principal_id: principal.id.clone(),
                account_id: ids.resolve(account)?,
            };
            retry.run(|| provider.create_account_assignment(instance_arn, &assignment)).await.map(|_| None)
        }
        IdentityOperation::DeleteAccountAssignment { instance_arn, assignment, .. } => {
            retry.run(|| provider.delete_account_assignment(instance_arn, assignment)).await.map(|_| None)
        }
    }
}
