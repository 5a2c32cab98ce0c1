//! The AWS provider's IAM Identity Center, through the SSO admin and identity store APIs: the
//! instance read whole (in parallel within the API's quotas), permission sets changed call by
//! call, and every asynchronous request (provisioning, assignments) polled to its status.

mod read;

use super::errors::{api_error, api_error_unretried};
use super::read::parallel_at;
use super::AwsProvider;
use crate::model::{
    AssignmentState, CustomerPolicyRef, IdentityCenterState, IdentityScope, PermissionSet, PermissionSetState,
    PermissionsBoundary, PrincipalType, Tags, PERMISSION_SET_OWNER_TAG,
};
use crate::provider::{ErrorKind, IdentityCenter, ProviderError, ProviderResult};
use async_trait::async_trait;
use aws_sdk_ssoadmin::types::{
    CustomerManagedPolicyReference, PermissionsBoundary as SdkBoundary, PrincipalType as SdkPrincipal, StatusValues,
    Tag, TargetType,
};
use std::time::Duration;

/// SSO admin calls in flight at once: its read APIs allow about 20 a second.
const AT_ONCE: usize = 8;
/// How long an assignment or a provisioning may take before orgctl gives up waiting.
const WAIT: Duration = Duration::from_secs(300);

/// A call an endpoint may not have (moto has no tags or permissions boundaries for permission
/// sets), asked once: `None` when the endpoint lacks it.
fn optional<T>(result: Result<T, ProviderError>) -> ProviderResult<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e)
            if matches!(e.kind(), ErrorKind::Unsupported | ErrorKind::Other) && e.code != "AccessDeniedException" =>
        {
            tracing::debug!("not read: {e}");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn no_retry() -> aws_sdk_ssoadmin::config::Builder {
    aws_sdk_ssoadmin::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
}

/// The fields every assignment request names: the SDK's create and delete builders are distinct
/// types with the same setters.
macro_rules! for_assignment {
    ($builder:expr, $instance:expr, $a:expr) => {
        $builder
            .instance_arn($instance)
            .target_id(&$a.account_id)
            .target_type(TargetType::AwsAccount)
            .permission_set_arn(&$a.permission_set_arn)
            .principal_type(sdk_principal($a.principal_type))
            .principal_id(&$a.principal_id)
    };
}

fn sdk_principal(kind: PrincipalType) -> SdkPrincipal {
    match kind {
        PrincipalType::Group => SdkPrincipal::Group,
        PrincipalType::User => SdkPrincipal::User,
    }
}

fn customer_reference(policy: &CustomerPolicyRef) -> ProviderResult<CustomerManagedPolicyReference> {
    CustomerManagedPolicyReference::builder()
        .name(&policy.name)
        .path(&policy.path)
        .build()
        .map_err(|e| ProviderError::new("InvalidPolicyReference", e.to_string()))
}

fn sdk_tags(tags: &Tags) -> ProviderResult<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| ProviderError::new("InvalidTag", e.to_string()))
        })
        .collect()
}

/// Where an asynchronous request (a provisioning, an assignment) stands.
struct Progress {
    state: Option<StatusValues>,
    reason: Option<String>,
    request: String,
}

impl From<Option<&aws_sdk_ssoadmin::types::AccountAssignmentOperationStatus>> for Progress {
    fn from(s: Option<&aws_sdk_ssoadmin::types::AccountAssignmentOperationStatus>) -> Self {
        Progress {
            state: s.and_then(|s| s.status()).cloned(),
            reason: s.and_then(|s| s.failure_reason()).map(str::to_string),
            request: s.and_then(|s| s.request_id()).unwrap_or_default().to_string(),
        }
    }
}

impl From<Option<&aws_sdk_ssoadmin::types::PermissionSetProvisioningStatus>> for Progress {
    fn from(s: Option<&aws_sdk_ssoadmin::types::PermissionSetProvisioningStatus>) -> Self {
        Progress {
            state: s.and_then(|s| s.status()).cloned(),
            reason: s.and_then(|s| s.failure_reason()).map(str::to_string),
            request: s.and_then(|s| s.request_id()).unwrap_or_default().to_string(),
        }
    }
}

/// Waits for an asynchronous request that started as `first`: `poll` asks again by request id
/// while it is in progress, backing off to 5 s, until [`WAIT`].
async fn wait_for<F, Fut>(what: &str, first: Progress, poll: F) -> ProviderResult<()>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ProviderResult<Progress>>,
{
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(500);
    let mut progress = first;
    loop {
        match progress.state {
            Some(StatusValues::Failed) => {
                let reason = progress.reason.unwrap_or_else(|| "AWS gave no reason".into());
                return Err(ProviderError::new("RequestFailed", format!("{what} failed: {reason}")));
            }
            Some(StatusValues::InProgress) if started.elapsed() < WAIT => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                progress = poll(progress.request.clone()).await?;
            }
            Some(StatusValues::InProgress) => {
                return Err(ProviderError::new(
                    "Timeout",
                    format!("{what} still in progress after {} s", WAIT.as_secs()),
                ))
            }
            _ => return Ok(()),
        }
    }
}

impl AwsProvider {
    /// The calls that make the permission set `old` into `new` (its name aside, which AWS does
    /// not change).
    async fn change_permission_set(
        &self,
        admin: &aws_sdk_ssoadmin::Client,
        instance: &str,
        arn: &str,
        old: &PermissionSet,
        new: &PermissionSet,
    ) -> ProviderResult<()> {
        if old.description != new.description
            || old.session_duration != new.session_duration
            || old.relay_state != new.relay_state
        {
            admin
                .update_permission_set()
                .instance_arn(instance)
                .permission_set_arn(arn)
                .set_description(new.description.clone())
                .set_session_duration(new.session_duration.clone())
                .set_relay_state(new.relay_state.clone())
                .send()
                .await
                .map_err(|e| api_error("UpdatePermissionSet", e))?;
        }
        for policy in old.managed_policies.difference(&new.managed_policies) {
            admin
                .detach_managed_policy_from_permission_set()
                .instance_arn(instance)
                .permission_set_arn(arn)
                .managed_policy_arn(policy)
                .send()
                .await
                .map_err(|e| api_error("DetachManagedPolicyFromPermissionSet", e))?;
        }
        for policy in old.customer_managed_policies.difference(&new.customer_managed_policies) {
            admin
                .detach_customer_managed_policy_reference_from_permission_set()
                .instance_arn(instance)
                .permission_set_arn(arn)
                .customer_managed_policy_reference(customer_reference(policy)?)
                .send()
                .await
                .map_err(|e| api_error("DetachCustomerManagedPolicyReferenceFromPermissionSet", e))?;
        }
        for policy in new.managed_policies.difference(&old.managed_policies) {
            admin
                .attach_managed_policy_to_permission_set()
                .instance_arn(instance)
                .permission_set_arn(arn)
                .managed_policy_arn(policy)
                .send()
                .await
                .map_err(|e| api_error("AttachManagedPolicyToPermissionSet", e))?;
        }
        for policy in new.customer_managed_policies.difference(&old.customer_managed_policies) {
            admin
                .attach_customer_managed_policy_reference_to_permission_set()
                .instance_arn(instance)
                .permission_set_arn(arn)
                .customer_managed_policy_reference(customer_reference(policy)?)
                .send()
                .await
                .map_err(|e| api_error("AttachCustomerManagedPolicyReferenceToPermissionSet", e))?;
        }
        if old.inline_policy != new.inline_policy {
            match &new.inline_policy {
                Some(policy) => admin
                    .put_inline_policy_to_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(arn)
                    .inline_policy(policy)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| api_error("PutInlinePolicyToPermissionSet", e))?,
                None => admin
                    .delete_inline_policy_from_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(arn)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| api_error("DeleteInlinePolicyFromPermissionSet", e))?,
            }
        }
        if old.permissions_boundary != new.permissions_boundary {
            match &new.permissions_boundary {
                Some(boundary) => {
                    let sdk = match boundary {
                        PermissionsBoundary::Managed(arn) => SdkBoundary::builder().managed_policy_arn(arn).build(),
                        PermissionsBoundary::Customer(policy) => SdkBoundary::builder()
                            .customer_managed_policy_reference(customer_reference(policy)?)
                            .build(),
                    };
                    admin
                        .put_permissions_boundary_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .permissions_boundary(sdk)
                        .send()
                        .await
                        .map_err(|e| api_error("PutPermissionsBoundaryToPermissionSet", e))?;
                }
                None => {
                    admin
                        .delete_permissions_boundary_from_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .send()
                        .await
                        .map_err(|e| api_error("DeletePermissionsBoundaryFromPermissionSet", e))?;
                }
            }
        }
        Ok(())
    }

    /// Tags the permission set as orgctl's with the user's tags; an endpoint without tagging
    /// (moto) leaves it untagged, which its read says (ownership unknown).
    async fn tag_permission_set(
        &self,
        admin: &aws_sdk_ssoadmin::Client,
        instance: &str,
        arn: &str,
        old: &Tags,
        tags: &Tags,
        owner: &str,
    ) -> ProviderResult<()> {
        let mut wanted = tags.clone();
        wanted.insert(PERMISSION_SET_OWNER_TAG.to_string(), owner.to_string());
        let gone: Vec<String> = old.keys().filter(|k| !wanted.contains_key(*k)).cloned().collect();
        if !gone.is_empty() {
            let result = admin
                .untag_resource()
                .instance_arn(instance)
                .resource_arn(arn)
                .set_tag_keys(Some(gone))
                .customize()
                .config_override(no_retry())
                .send()
                .await
                .map_err(|e| api_error_unretried("UntagResource", e));
            optional(result)?;
        }
        let result = admin
            .tag_resource()
            .instance_arn(instance)
            .resource_arn(arn)
            .set_tags(Some(sdk_tags(&wanted)?))
            .customize()
            .config_override(no_retry())
            .send()
            .await
            .map_err(|e| api_error_unretried("TagResource", e));
        optional(result).map(|_| ())
    }
}

#[async_trait]
impl IdentityCenter for AwsProvider {
    async fn read_identity_center(&self, scope: &IdentityScope) -> ProviderResult<Option<IdentityCenterState>> {
        self.read_identity_center_in(scope).await
    }

    async fn create_permission_set(
        &self,
        instance_arn: &str,
        set: &PermissionSet,
        owner: &str,
    ) -> ProviderResult<String> {
        let (admin, _) = self.clients.identity_center();
        let mut tags = set.tags.clone();
        tags.insert(PERMISSION_SET_OWNER_TAG.to_string(), owner.to_string());
        let created = admin
            .create_permission_set()
            .instance_arn(instance_arn)
            .name(&set.name)
            .set_description(set.description.clone())
            .set_session_duration(set.session_duration.clone())
            .set_relay_state(set.relay_state.clone())
            .set_tags(Some(sdk_tags(&tags)?))
            .send()
            .await
            .map_err(|e| api_error("CreatePermissionSet", e))?;
        let arn = created
            .permission_set()
            .and_then(|p| p.permission_set_arn())
            .ok_or_else(|| ProviderError::new("NoPermissionSetArn", "CreatePermissionSet returned no ARN"))?
            .to_string();
        let empty = PermissionSet {
            name: set.name.clone(),
            description: set.description.clone(),
            session_duration: set.session_duration.clone(),
            relay_state: set.relay_state.clone(),
            ..PermissionSet::default()
        };
        self.change_permission_set(&admin, instance_arn, &arn, &empty, set).await?;
        Ok(arn)
    }

    async fn update_permission_set(
        &self,
        instance_arn: &str,
        arn: &str,
        old: &PermissionSet,
        new: &PermissionSet,
        owner: &str,
    ) -> ProviderResult<()> {
        let (admin, _) = self.clients.identity_center();
        self.change_permission_set(&admin, instance_arn, arn, old, new).await?;
        self.tag_permission_set(&admin, instance_arn, arn, &old.tags, &new.tags, owner).await
    }

    async fn delete_permission_set(&self, instance_arn: &str, arn: &str) -> ProviderResult<()> {
        let (admin, _) = self.clients.identity_center();
        admin
            .delete_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("DeletePermissionSet", e))
    }

    async fn provision_permission_set(&self, instance_arn: &str, arn: &str) -> ProviderResult<()> {
        let (admin, _) = self.clients.identity_center();
        let started = admin
            .provision_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(arn)
            .target_type(aws_sdk_ssoadmin::types::ProvisionTargetType::AllProvisionedAccounts)
            .send()
            .await
            .map_err(|e| api_error("ProvisionPermissionSet", e))?;
        wait_for("provisioning the permission set", started.permission_set_provisioning_status().into(), |request| {
            let admin = &admin;
            async move {
                let out = admin
                    .describe_permission_set_provisioning_status()
                    .instance_arn(instance_arn)
                    .provision_permission_set_request_id(request)
                    .send()
                    .await
                    .map_err(|e| api_error("DescribePermissionSetProvisioningStatus", e))?;
                Ok(out.permission_set_provisioning_status().into())
            }
        })
        .await
    }

    async fn create_account_assignment(&self, instance_arn: &str, a: &AssignmentState) -> ProviderResult<()> {
        let (admin, _) = self.clients.identity_center();
        let started = for_assignment!(admin.create_account_assignment(), instance_arn, a)
            .send()
            .await
            .map_err(|e| api_error("CreateAccountAssignment", e))?;
        wait_for("the assignment", started.account_assignment_creation_status().into(), |request| {
            let admin = &admin;
            async move {
                let out = admin
                    .describe_account_assignment_creation_status()
                    .instance_arn(instance_arn)
                    .account_assignment_creation_request_id(request)
                    .send()
                    .await
                    .map_err(|e| api_error("DescribeAccountAssignmentCreationStatus", e))?;
                Ok(out.account_assignment_creation_status().into())
            }
        })
        .await
    }

    async fn delete_account_assignment(&self, instance_arn: &str, a: &AssignmentState) -> ProviderResult<()> {
        let (admin, _) = self.clients.identity_center();
        let started = for_assignment!(admin.delete_account_assignment(), instance_arn, a)
            .send()
            .await
            .map_err(|e| api_error("DeleteAccountAssignment", e))?;
        wait_for("removing the assignment", started.account_assignment_deletion_status().into(), |request| {
            let admin = &admin;
            async move {
                let out = admin
                    .describe_account_assignment_deletion_status()
                    .instance_arn(instance_arn)
                    .account_assignment_deletion_request_id(request)
                    .send()
                    .await
                    .map_err(|e| api_error("DescribeAccountAssignmentDeletionStatus", e))?;
                Ok(out.account_assignment_deletion_status().into())
            }
        })
        .await
    }
}
