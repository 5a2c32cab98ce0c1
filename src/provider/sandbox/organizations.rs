//! The sandbox provider's the organization itself: OUs, accounts, policies, trusted access, delegated administrators.

use super::*;
use crate::model::AccountId;

#[async_trait]
impl Organizations for SandboxProvider {
    async fn read(&self) -> ProviderResult<OrgState> {
        if self.faults.check("ListAccounts", &[]) == Some(Mode::Fail) {
            return Err(err("InjectedFault", "ListAccounts failed (injected)"));
        }
        let data = self.reading("ListAccounts", &[]);
        let mut state = data.org.clone();
        state.policies.retain(|_, p| p.name != crate::provider::lock::LOCK_POLICY_NAME);
        state.pending_create_requests = data
            .requests
            .values()
            .filter(|r| r.state == CreateRequestStatus::InProgress)
            .map(|r| crate::model::CreateRequestState {
                id: r.id.clone(),
                email: Some(r.email.clone()),
                account_name: r.name.clone(),
                state: r.state.clone(),
            })
            .collect();
        Ok(state)
    }

    async fn enable_policy_type(&self, root_id: &str, policy_type: PolicyType) -> ProviderResult<()> {
        self.write("EnablePolicyType", &[root_id, policy_type.api_name()], |d| {
            if root_id != d.org.root.id {
                return Err(err("RootNotFoundException", format!("no root {root_id}")));
            }
            if d.org.root.is_enabled(policy_type) {
                return Err(err("PolicyTypeAlreadyEnabledException", format!("{policy_type} is already enabled")));
            }
            match policy_type {
                PolicyType::ServiceControl => d.org.root.scp_enabled = true,
                other => {
                    d.org.root.other_policy_types.push(other);
                    d.org.root.other_policy_types.sort();
                }
            }
            let Some(default) = policy_type.aws_managed_default() else { return Ok(()) };
            let mut targets = vec![d.org.root.id.clone()];
            targets.extend(d.org.ous.keys().cloned());
            targets.extend(d.org.accounts.keys().map(|id| id.to_string()));
            let policy = d.org.policies.entry(default.id.into()).or_insert_with(|| PolicyState {
                id: default.id.into(),
                name: default.name.into(),
                description: "Allows access to every operation".into(),
                content: default.content.into(),
                aws_managed: true,
                policy_type,
                tags: Tags::new(),
                targets: Vec::new(),
            });
            policy.targets = targets;
            Ok(())
        })
    }

    async fn create_ou(&self, parent_id: &str, name: &str, tags: &Tags) -> ProviderResult<String> {
        self.write("CreateOrganizationalUnit", &[parent_id, name], |d| {
            if !d.is_parent(parent_id) {
                return Err(err("ParentNotFoundException", format!("no root or OU {parent_id}")));
            }
            if d.org.depth_of(parent_id) + 1 > d.limits.ou_depth {
                return Err(constraint(
                    "OU_DEPTH_LIMIT_EXCEEDED",
                    format!("OUs nest at most {} levels", d.limits.ou_depth),
                ));
            }
            if d.org.ous.len() >= d.limits.ous {
                return Err(constraint("OU_NUMBER_LIMIT_EXCEEDED", format!("at most {} OUs", d.limits.ous)));
            }
            if d.org.ous.values().any(|o| o.parent_id == parent_id && o.name == name) {
                return Err(err(
                    "DuplicateOrganizationalUnitException",
                    format!("an OU named {name} already exists under {parent_id}"),
                ));
            }
            let id = d.new_id("ou");
            d.org.ous.insert(
                id.clone(),
                OuState { id: id.clone(), name: name.into(), parent_id: parent_id.into(), tags: tags.clone() },
            );
            d.attach_default(&id);
            Ok(id)
        })
    }

    async fn rename_ou(&self, ou_id: &str, name: &str) -> ProviderResult<()> {
        self.write("UpdateOrganizationalUnit", &[ou_id, name], |d| {
            let parent = d
                .org
                .ous
                .get(ou_id)
                .map(|o| o.parent_id.clone())
                .ok_or_else(|| err("OrganizationalUnitNotFoundException", format!("no OU {ou_id}")))?;
            if d.org.ous.values().any(|o| o.parent_id == parent && o.name == name && o.id != ou_id) {
                return Err(err(
                    "DuplicateOrganizationalUnitException",
                    format!("an OU named {name} already exists under {parent}"),
                ));
            }
            if let Some(ou) = d.org.ous.get_mut(ou_id) {
                ou.name = name.into();
            }
            Ok(())
        })
    }

    async fn close_account(&self, account_id: &AccountId) -> ProviderResult<()> {
        self.write("CloseAccount", &[account_id], |d| {
            if *account_id == d.org.management_account_id {
                return Err(err("ConstraintViolationException", "the management account cannot be closed this way"));
            }
            let members = d.org.accounts.len().saturating_sub(1);
            let quota = (members / 10).clamp(10, 1000);
            let closed = d.org.accounts.values().filter(|a| !a.status.is_active()).count();
            let account = d
                .org
                .accounts
                .get_mut(account_id)
                .ok_or_else(|| err("AccountNotFoundException", format!("no account {account_id}")))?;
            if !account.status.is_active() {
                return Err(err("AccountAlreadyClosedException", format!("{account_id} is already closed")));
            }
            if closed >= quota {
                return Err(err(
                    "ConstraintViolationException",
                    format!("CLOSE_ACCOUNT_QUOTA_EXCEEDED: at most {quota} accounts may be closed per 30 days"),
                ));
            }
            account.status = crate::model::AccountStatus::Suspended;
            Ok(())
        })
    }

    async fn delete_ou(&self, ou_id: &str) -> ProviderResult<()> {
        self.write("DeleteOrganizationalUnit", &[ou_id], |d| {
            if !d.org.ous.contains_key(ou_id) {
                return Err(err("OrganizationalUnitNotFoundException", format!("no OU {ou_id}")));
            }
            if d.org.ous.values().any(|o| o.parent_id == ou_id) || d.org.accounts.values().any(|a| a.parent_id == ou_id)
            {
                return Err(err("OrganizationalUnitNotEmptyException", format!("{ou_id} still holds accounts or OUs")));
            }
            d.org.ous.remove(ou_id);
            for p in d.org.policies.values_mut() {
                p.targets.retain(|t| t != ou_id);
            }
            Ok(())
        })
    }

    async fn find_account(
        &self,
        email: &str,
        _account_name: &str,
        _thorough: bool,
    ) -> ProviderResult<Option<ExistingAccount>> {
        let data = self.reading("ListAccounts", &[email]);
        if let Some(a) = data.org.accounts.values().find(|a| a.email.eq_ignore_ascii_case(email)) {
            return Ok(Some(ExistingAccount::Account { account_id: a.id.to_string() }));
        }
        Ok(data
            .requests
            .values()
            .find(|r| r.state == CreateRequestStatus::InProgress && r.email.eq_ignore_ascii_case(email))
            .map(|r| ExistingAccount::Request { request_id: r.id.clone() }))
    }

    async fn create_account(&self, name: &str, email: &str, tags: &Tags) -> ProviderResult<String> {
        self.write("CreateAccount", &[name, email], |d| {
            if name.is_empty() || name.chars().count() > 50 {
                return Err(err("ValidationException", "AccountName must be 1-50 characters"));
            }
            let in_progress = d.requests.values().filter(|r| r.state == CreateRequestStatus::InProgress).count();
            if in_progress >= crate::model::quotas::CREATIONS_IN_PROGRESS {
                return Err(err(
                    "ConcurrentModificationException",
                    format!("{in_progress} account creations are already in progress; wait for one to finish"),
                ));
            }
            let id = d.new_id("car");
            let request = CreateRequest {
                id: id.clone(),
                email: email.into(),
                name: name.into(),
                tags: tags.clone(),
                state: CreateRequestStatus::InProgress,
                account_id: None,
                failure_reason: None,
                polls_left: 1,
            };
            d.requests.insert(id.clone(), request);
            Ok(id)
        })
    }

    async fn create_account_status(&self, request_id: &str) -> ProviderResult<CreateAccountStatus> {
        self.write("DescribeCreateAccountStatus", &[request_id], |d| d.complete_request(request_id))
    }

    async fn rename_account(&self, account_id: &AccountId, name: &str) -> ProviderResult<()> {
        self.write("PutAccountName", &[account_id, name], |d| {
            if name.is_empty() || name.chars().count() > 50 {
                return Err(err("ValidationException", "AccountName must be 1-50 characters"));
            }
            d.account_mut(account_id)?.name = name.into();
            Ok(())
        })
    }

    async fn move_account(&self, account_id: &AccountId, source: &str, destination: &str) -> ProviderResult<()> {
        self.write("MoveAccount", &[account_id, source, destination], |d| {
            if !d.is_parent(destination) {
                return Err(err("DestinationParentNotFoundException", format!("no root or OU {destination}")));
            }
            let account = d.account_mut(account_id)?;
            if account.parent_id != source {
                return Err(err("SourceParentNotFoundException", format!("{account_id} is not in {source}")));
            }
            if account.parent_id == destination {
                return Err(err("DuplicateAccountException", format!("{account_id} is already in {destination}")));
            }
            account.parent_id = destination.into();
            Ok(())
        })
    }

    async fn tag_resource(&self, resource_id: &str, tags: &Tags) -> ProviderResult<()> {
        let joined: Vec<&str> = tags.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]).chain([resource_id]).collect();
        self.write("TagResource", &joined, |d| {
            let current = d.tags_of(resource_id)?;
            let mut merged = current.clone();
            merged.extend(tags.clone());
            if merged.len() > 50 {
                return Err(constraint("TAG_POLICY_VIOLATION", "at most 50 tags per resource"));
            }
            *current = merged;
            Ok(())
        })
    }

    async fn untag_resource(&self, resource_id: &str, keys: &[String]) -> ProviderResult<()> {
        self.write("UntagResource", &[resource_id], |d| {
            let current = d.tags_of(resource_id)?;
            current.retain(|k, _| !keys.contains(k));
            Ok(())
        })
    }

    async fn create_policy(&self, new: NewPolicy<'_>) -> ProviderResult<String> {
        self.write("CreatePolicy", &[new.policy_type.api_name(), new.name], |d| {
            d.check_policy(new.policy_type, new.name, new.content, None)?;
            let of_type = d.org.policies.values().filter(|p| !p.aws_managed && p.policy_type == new.policy_type);
            let limit = d.limits.policies_per_organization(new.policy_type);
            if of_type.count() >= limit {
                return Err(constraint(
                    "POLICY_NUMBER_LIMIT_EXCEEDED",
                    format!("at most {limit} policies of the type"),
                ));
            }
            let id = d.new_id("policy");
            d.org.policies.insert(
                id.clone().into(),
                PolicyState {
                    id: id.clone().into(),
                    name: new.name.into(),
                    description: new.description.into(),
                    content: new.content.into(),
                    aws_managed: false,
                    policy_type: new.policy_type,
                    tags: new.tags.clone(),
                    targets: Vec::new(),
                },
            );
            Ok(id)
        })
    }

    async fn update_policy(&self, policy_id: &str, name: &str, description: &str, content: &str) -> ProviderResult<()> {
        self.write("UpdatePolicy", &[policy_id, name], |d| {
            d.check_policy(d.policy(policy_id)?.policy_type, name, content, Some(policy_id))?;
            let p = d.policy_mut(policy_id)?;
            p.name = name.into();
            p.description = description.into();
            p.content = content.into();
            Ok(())
        })
    }

    async fn find_policies_named(&self, name: &str) -> ProviderResult<Vec<PolicyState>> {
        let data = self.reading("ListPolicies", &[name]);
        Ok(data.org.policies.values().filter(|p| p.name == name).cloned().collect())
    }

    async fn delete_policy(&self, policy_id: &str) -> ProviderResult<()> {
        self.write("DeletePolicy", &[policy_id], |d| {
            if !d.policy_mut(policy_id)?.targets.is_empty() {
                return Err(err("PolicyInUseException", format!("{policy_id} is still attached")));
            }
            d.org.policies.remove(policy_id);
            Ok(())
        })
    }

    async fn attach_policy(&self, policy_id: &str, target_id: &str) -> ProviderResult<()> {
        let name = self
            .data
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .org
            .policies
            .get(policy_id)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        self.write("AttachPolicy", &[policy_id, &name, target_id], |d| {
            let policy = d.policy(policy_id)?;
            let policy_type = policy.policy_type;
            if !d.org.root.is_enabled(policy_type) {
                return Err(err("PolicyTypeNotEnabledException", format!("{policy_type} is not enabled on the root")));
            }
            if !d.is_target(target_id) {
                return Err(err("TargetNotFoundException", format!("no root, OU or account {target_id}")));
            }
            if policy.targets.iter().any(|t| t == target_id) {
                return Err(err(
                    "DuplicatePolicyAttachmentException",
                    format!("{policy_id} is already attached to {target_id}"),
                ));
            }
            let attached = d.org.policies_of_type_on(policy_type, target_id).len();
            let limit = d.limits.policies_per_target(policy_type);
            if attached >= limit {
                return Err(constraint(
                    "POLICY_NUMBER_LIMIT_EXCEEDED",
                    format!("{target_id} already has {attached} {}", policy_type.short_plural()),
                ));
            }
            if let Some(p) = d.org.policies.get_mut(policy_id) {
                p.targets.push(target_id.into());
            }
            Ok(())
        })
    }

    async fn detach_policy(&self, policy_id: &str, target_id: &str) -> ProviderResult<()> {
        self.write("DetachPolicy", &[policy_id, target_id], |d| {
            let policy = d.policy(policy_id)?;
            if !policy.targets.iter().any(|t| t == target_id) {
                return Err(err("PolicyNotAttachedException", format!("{policy_id} is not attached to {target_id}")));
            }
            // RCPFullAWSAccess cannot be detached (AWS: "you can't detach RCPFullAWSAccess").
            if policy.aws_managed && policy.policy_type == PolicyType::ResourceControl {
                return Err(err("PolicyChangesNotAllowedException", format!("{} cannot be detached", policy.name)));
            }
            let attached = d.org.policies_of_type_on(policy.policy_type, target_id).len();
            if policy.policy_type == PolicyType::ServiceControl && attached <= 1 {
                return Err(constraint(
                    "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                    format!("{target_id} must keep at least one SCP"),
                ));
            }
            if let Some(p) = d.org.policies.get_mut(policy_id) {
                p.targets.retain(|t| t != target_id);
            }
            Ok(())
        })
    }

    async fn read_governance(&self) -> ProviderResult<crate::model::Governance> {
        let data = self.reading("ListDelegatedAdministrators", &[]);
        Ok(data.governance.clone())
    }

    async fn enable_service_access(&self, service: &str) -> ProviderResult<()> {
        self.write("EnableAWSServiceAccess", &[service], |d| {
            if !d.governance.trusted_services.iter().any(|s| s == service) {
                d.governance.trusted_services.push(service.to_string());
                d.governance.trusted_services.sort();
            }
            Ok(())
        })
    }

    async fn disable_service_access(&self, service: &str) -> ProviderResult<()> {
        self.write("DisableAWSServiceAccess", &[service], |d| {
            d.governance.trusted_services.retain(|s| s != service);
            Ok(())
        })
    }

    /// As AWS: the service needs trusted access first; the management account cannot be a
    /// delegated administrator; an account is registered once per service.
    async fn register_delegated_administrator(&self, account_id: &AccountId, service: &str) -> ProviderResult<()> {
        self.write("RegisterDelegatedAdministrator", &[account_id, service], |d| {
            d.account_mut(account_id)?;
            if *account_id == d.org.management_account_id {
                return Err(err(
                    "ConstraintViolationException",
                    "the management account cannot be a delegated administrator",
                ));
            }
            if !d.governance.trusted_services.iter().any(|s| s == service) {
                return Err(err(
                    "ConstraintViolationException",
                    format!("{service} does not have trusted access: enable it first"),
                ));
            }
            let entry = crate::model::DelegatedAdministrator { account_id: account_id.into(), service: service.into() };
            if d.governance.delegated_administrators.contains(&entry) {
                return Err(err(
                    "AccountAlreadyRegisteredException",
                    format!("{account_id} is already registered for {service}"),
                ));
            }
            d.governance.delegated_administrators.push(entry);
            d.governance.delegated_administrators.sort();
            Ok(())
        })
    }

    async fn deregister_delegated_administrator(&self, account_id: &AccountId, service: &str) -> ProviderResult<()> {
        self.write("DeregisterDelegatedAdministrator", &[account_id, service], |d| {
            let before = d.governance.delegated_administrators.len();
            d.governance.delegated_administrators.retain(|a| !(a.account_id == *account_id && a.service == service));
            if d.governance.delegated_administrators.len() == before {
                return Err(err(
                    "AccountNotRegisteredException",
                    format!("{account_id} is not registered for {service}"),
                ));
            }
            Ok(())
        })
    }
}
