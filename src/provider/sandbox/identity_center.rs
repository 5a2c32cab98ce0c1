//! The sandbox provider's IAM Identity Center: permission sets and assignments on its data,
//! with Identity Center's rules (name format, unique names, ten managed policies, inline
//! policy size, session range, assignments only to the organization's accounts and the
//! identity store's principals, no deletion of a permission set still assigned).

use super::*;
use crate::model::quotas::identity_center as quota;
use crate::model::{
    AssignmentState, IdentityCenterState, IdentityScope, PermissionSet, PermissionSetState, PrincipalType,
};

fn conflict(message: impl Into<String>) -> ProviderError {
    err("ConflictException", message)
}

fn not_found(message: impl Into<String>) -> ProviderError {
    err("ResourceNotFoundException", message)
}

fn validation(message: impl Into<String>) -> ProviderError {
    err("ValidationException", message)
}

/// What Identity Center refuses in a permission set's settings.
fn check_settings(set: &PermissionSet) -> ProviderResult<()> {
    if !crate::model::valid_permission_set_name(&set.name) {
        return Err(validation(format!(
            "1 validation error detected: Value '{}' at 'name' failed to satisfy constraint",
            set.name
        )));
    }
    if let Some(minutes) = set.session_duration.as_ref().map(|_| set.session_minutes()) {
        if !minutes.is_some_and(|m| quota::SESSION_MINUTES.contains(&m)) {
            return Err(validation("session duration must be between 1 and 12 hours"));
        }
    }
    if set.managed_policies.len() + set.customer_managed_policies.len() > quota::MANAGED_POLICIES_PER_PERMISSION_SET {
        return Err(err(
            "ServiceQuotaExceededException",
            format!("a permission set has at most {} managed policies", quota::MANAGED_POLICIES_PER_PERMISSION_SET),
        ));
    }
    if set.inline_policy.as_ref().is_some_and(|p| p.chars().count() > quota::INLINE_POLICY_SIZE) {
        return Err(validation(format!("the inline policy is longer than {} characters", quota::INLINE_POLICY_SIZE)));
    }
    if let Some(policy) = &set.inline_policy {
        crate::org_file::check_policy_document(crate::model::PolicyType::ServiceControl, policy)
            .map_err(|e| validation(format!("the inline policy is not a valid policy: {e}")))?;
    }
    Ok(())
}

impl SandboxData {
    fn identity_at(&mut self, instance_arn: &str) -> ProviderResult<&mut IdentityCenterState> {
        match self.identity.as_mut() {
            Some(identity) if identity.instance_arn == instance_arn => Ok(identity),
            _ => Err(not_found(format!("no Identity Center instance {instance_arn}"))),
        }
    }

    fn check_assignment(&mut self, instance_arn: &str, a: &AssignmentState) -> ProviderResult<()> {
        let is_account = self.org.accounts.get(&a.account_id).is_some_and(|acc| acc.status.is_active());
        let identity = self.identity_at(instance_arn)?;
        if identity.permission_set(&a.permission_set_arn).is_none() {
            return Err(not_found(format!("permission set {} not found", a.permission_set_arn)));
        }
        let principals = match a.principal_type {
            PrincipalType::Group => &identity.groups,
            PrincipalType::User => &identity.users,
        };
        if !principals.values().any(|id| *id == a.principal_id) {
            return Err(not_found(format!(
                "{} {} not found in the identity store",
                a.principal_type.noun(),
                a.principal_id
            )));
        }
        if !is_account {
            return Err(validation(format!("{} is not an active account of the organization", a.account_id)));
        }
        Ok(())
    }
}

#[async_trait]
impl IdentityCenter for SandboxProvider {
    /// The sandbox holds every assignment at hand: the scope makes no difference.
    async fn read_identity_center(&self, _scope: &IdentityScope) -> ProviderResult<Option<IdentityCenterState>> {
        Ok(self.reading("ListInstances", &[]).identity.clone())
    }

    async fn create_permission_set(
        &self,
        instance_arn: &str,
        set: &PermissionSet,
        owner: &str,
    ) -> ProviderResult<String> {
        check_settings(set)?;
        self.write("CreatePermissionSet", &[&set.name], |d| {
            let id = d.new_id("ps");
            let identity = d.identity_at(instance_arn)?;
            if identity.permission_sets.iter().any(|p| p.settings.name.eq_ignore_ascii_case(&set.name)) {
                return Err(conflict(format!("a permission set named {} already exists", set.name)));
            }
            if identity.permission_sets.len() >= quota::PERMISSION_SETS {
                return Err(err("ServiceQuotaExceededException", "the instance holds its quota of permission sets"));
            }
            let suffix = instance_arn.rsplit('/').next().unwrap_or_default();
            let arn = format!("arn:aws:sso:::permissionSet/{suffix}/{id}");
            identity.permission_sets.push(PermissionSetState {
                arn: arn.clone(),
                settings: set.clone(),
                owner: Some(owner.to_string()),
            });
            Ok(arn)
        })
    }

    async fn update_permission_set(
        &self,
        instance_arn: &str,
        arn: &str,
        _old: &PermissionSet,
        new: &PermissionSet,
        owner: &str,
    ) -> ProviderResult<()> {
        check_settings(new)?;
        self.write("UpdatePermissionSet", &[arn], |d| {
            let identity = d.identity_at(instance_arn)?;
            let set = identity
                .permission_sets
                .iter_mut()
                .find(|p| p.arn == arn)
                .ok_or_else(|| not_found(format!("permission set {arn} not found")))?;
            if set.settings.name != new.name {
                return Err(validation("a permission set's name cannot be changed"));
            }
            set.settings = new.clone();
            set.owner = Some(owner.to_string());
            Ok(())
        })
    }

    async fn delete_permission_set(&self, instance_arn: &str, arn: &str) -> ProviderResult<()> {
        self.write("DeletePermissionSet", &[arn], |d| {
            let identity = d.identity_at(instance_arn)?;
            if identity.assignments.iter().any(|a| a.permission_set_arn == arn) {
                return Err(conflict(format!("permission set {arn} is still assigned to accounts")));
            }
            let before = identity.permission_sets.len();
            identity.permission_sets.retain(|p| p.arn != arn);
            if identity.permission_sets.len() == before {
                return Err(not_found(format!("permission set {arn} not found")));
            }
            Ok(())
        })
    }

    async fn provision_permission_set(&self, instance_arn: &str, arn: &str) -> ProviderResult<()> {
        self.write("ProvisionPermissionSet", &[arn], |d| {
            let identity = d.identity_at(instance_arn)?;
            identity.permission_set(arn).map(|_| ()).ok_or_else(|| not_found(format!("permission set {arn} not found")))
        })
    }

    async fn create_account_assignment(&self, instance_arn: &str, a: &AssignmentState) -> ProviderResult<()> {
        let args = [a.permission_set_arn.as_str(), a.principal_id.as_str(), a.account_id.as_str()];
        self.write("CreateAccountAssignment", &args, |d| {
            d.check_assignment(instance_arn, a)?;
            let identity = d.identity_at(instance_arn)?;
            if !identity.assignments.contains(a) {
                identity.assignments.push(a.clone());
                identity.assignments.sort();
            }
            Ok(())
        })
    }

    async fn delete_account_assignment(&self, instance_arn: &str, a: &AssignmentState) -> ProviderResult<()> {
        let args = [a.permission_set_arn.as_str(), a.principal_id.as_str(), a.account_id.as_str()];
        self.write("DeleteAccountAssignment", &args, |d| {
            let identity = d.identity_at(instance_arn)?;
            identity.assignments.retain(|x| x != a);
            Ok(())
        })
    }
}
