//! The AWS provider's the organization itself: OUs, accounts, policies, trusted access, delegated administrators.

use super::*;
use crate::model::AccountId;

#[async_trait]
impl Organizations for AwsProvider {
    async fn enable_service_access(&self, service: &str) -> ProviderResult<()> {
        let orgs = &self.clients.organizations;
        orgs.enable_aws_service_access()
            .service_principal(service)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("EnableAWSServiceAccess", e))
    }

    async fn disable_service_access(&self, service: &str) -> ProviderResult<()> {
        let orgs = &self.clients.organizations;
        orgs.disable_aws_service_access()
            .service_principal(service)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("DisableAWSServiceAccess", e))
    }

    async fn register_delegated_administrator(&self, account_id: &AccountId, service: &str) -> ProviderResult<()> {
        let orgs = &self.clients.organizations;
        orgs.register_delegated_administrator()
            .account_id(account_id)
            .service_principal(service)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("RegisterDelegatedAdministrator", e))
    }

    async fn deregister_delegated_administrator(&self, account_id: &AccountId, service: &str) -> ProviderResult<()> {
        let orgs = &self.clients.organizations;
        orgs.deregister_delegated_administrator()
            .account_id(account_id)
            .service_principal(service)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("DeregisterDelegatedAdministrator", e))
    }

    async fn read_governance(&self) -> ProviderResult<crate::model::Governance> {
        self.read_governance_state().await
    }

    async fn read(&self) -> ProviderResult<OrgState> {
        let state = self.read_state().await?;
        let mut known = self.known_accounts.lock().unwrap_or_else(|e| e.into_inner());
        known.clear();
        known.extend(state.accounts.values().map(|a| (a.email.to_lowercase(), a.id.to_string())));
        drop(known);
        *self.pending.lock().unwrap_or_else(|e| e.into_inner()) = state.pending_create_requests.clone();
        Ok(state)
    }

    async fn enable_policy_type(&self, root_id: &str, policy_type: crate::model::PolicyType) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.enable_policy_type()
            .root_id(root_id)
            .policy_type(PolicyType::from(policy_type.api_name()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("EnablePolicyType", e))
    }

    async fn create_ou(&self, parent_id: &str, name: &str, t: &Tags) -> ProviderResult<String> {
        let out = self
            .clients
            .organizations
            .create_organizational_unit()
            .parent_id(parent_id)
            .name(name)
            .set_tags(Some(tags(t)?))
            .send()
            .await
            .map_err(|e| api_error("CreateOrganizationalUnit", e))?;
        errors::required(out.organizational_unit().and_then(|o| o.id()), "OU id (CreateOrganizationalUnit)")
    }

    async fn rename_ou(&self, ou_id: &str, name: &str) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.update_organizational_unit()
            .organizational_unit_id(ou_id)
            .name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("UpdateOrganizationalUnit", e))
    }

    async fn close_account(&self, account_id: &AccountId) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.close_account().account_id(account_id).send().await.map(|_| ()).map_err(|e| api_error("CloseAccount", e))
    }

    async fn delete_ou(&self, ou_id: &str) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.delete_organizational_unit()
            .organizational_unit_id(ou_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("DeleteOrganizationalUnit", e))
    }

    async fn find_account(
        &self,
        email: &str,
        account_name: &str,
        thorough: bool,
    ) -> ProviderResult<Option<ExistingAccount>> {
        if thorough {
            return self.find_account_now(email, account_name).await;
        }
        // What this run read: no request needed (a later, thorough attempt asks again).
        let known = self.known_accounts.lock().unwrap_or_else(|e| e.into_inner()).get(&email.to_lowercase()).cloned();
        if let Some(account_id) = known {
            return Ok(Some(ExistingAccount::Account { account_id }));
        }
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        Ok(pending
            .iter()
            .find(|r| r.is_for(email, account_name))
            .map(|r| ExistingAccount::Request { request_id: r.id.clone() }))
    }

    async fn create_account(&self, name: &str, email: &str, t: &Tags) -> ProviderResult<String> {
        // Never retried by the SDK: a retried CreateAccount can create a second account. The
        // apply loop retries instead, after looking for what the lost attempt may have created.
        let no_retry = aws_sdk_organizations::config::Builder::default()
            .retry_config(aws_sdk_organizations::config::retry::RetryConfig::disabled());
        let out = self
            .clients
            .organizations
            .create_account()
            .email(email)
            .account_name(name)
            .role_name(self.roles.role_for("", email))
            .set_tags(Some(tags(t)?))
            .customize()
            .config_override(no_retry)
            .send()
            .await
            .map_err(|e| errors::api_error_unretried("CreateAccount", e))?;
        let request_id = out.create_account_status().and_then(|s| s.id()).unwrap_or_default().to_string();
        self.requested.lock().unwrap_or_else(|e| e.into_inner()).insert(request_id.clone(), email.to_lowercase());
        Ok(request_id)
    }

    async fn create_account_status(&self, request_id: &str) -> ProviderResult<CreateAccountStatus> {
        let out = self
            .clients
            .organizations
            .describe_create_account_status()
            .create_account_request_id(request_id)
            .send()
            .await
            .map_err(|e| api_error("DescribeCreateAccountStatus", e))?;
        let status = out.create_account_status().ok_or_else(|| ProviderError::new("NoStatus", "no status returned"))?;
        Ok(match status.state() {
            Some(CreateAccountState::Succeeded) => {
                let account_id = errors::required(status.account_id(), "account id (DescribeCreateAccountStatus)")?;
                if let Some(email) = self.requested.lock().unwrap_or_else(|e| e.into_inner()).get(request_id) {
                    self.known_accounts
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(email.clone(), account_id.clone());
                }
                CreateAccountStatus::Succeeded { account_id }
            }
            Some(CreateAccountState::Failed) => CreateAccountStatus::Failed {
                reason: status.failure_reason().map(|r| r.as_str().to_string()).unwrap_or_else(|| "UNKNOWN".into()),
            },
            _ => CreateAccountStatus::InProgress,
        })
    }

    async fn rename_account(&self, account_id: &AccountId, name: &str) -> ProviderResult<()> {
        // PutAccountName names the caller's own account without AccountId, a member account with it
        // (which needs trusted access for AWS Account Management in the organization).
        let mut call = self.clients.account.put_account_name().account_name(name);
        if *account_id != self.management_account_id {
            call = call.account_id(account_id);
        }
        call.send().await.map(|_| ()).map_err(|e| api_error("PutAccountName", e))
    }

    async fn move_account(&self, account_id: &AccountId, source: &str, destination: &str) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.move_account()
            .account_id(account_id)
            .source_parent_id(source)
            .destination_parent_id(destination)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("MoveAccount", e))
    }

    async fn tag_resource(&self, resource_id: &str, t: &Tags) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.tag_resource()
            .resource_id(resource_id)
            .set_tags(Some(tags(t)?))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("TagResource", e))
    }

    async fn untag_resource(&self, resource_id: &str, keys: &[String]) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.untag_resource()
            .resource_id(resource_id)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("UntagResource", e))
    }

    async fn create_policy(&self, p: crate::provider::NewPolicy<'_>) -> ProviderResult<String> {
        let out = self
            .clients
            .organizations
            .create_policy()
            .name(p.name)
            .description(p.description)
            .content(p.content)
            .r#type(PolicyType::from(p.policy_type.api_name()))
            .set_tags(Some(tags(p.tags)?))
            .send()
            .await
            .map_err(|e| api_error("CreatePolicy", e))?;
        errors::required(out.policy().and_then(|p| p.policy_summary()).and_then(|s| s.id()), "policy id (CreatePolicy)")
    }

    async fn update_policy(&self, policy_id: &str, name: &str, description: &str, content: &str) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.update_policy()
            .policy_id(policy_id)
            .name(name)
            .description(description)
            .content(content)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("UpdatePolicy", e))
    }

    async fn delete_policy(&self, policy_id: &str) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.delete_policy().policy_id(policy_id).send().await.map(|_| ()).map_err(|e| api_error("DeletePolicy", e))
    }

    async fn find_policies_named(&self, name: &str) -> ProviderResult<Vec<crate::model::PolicyState>> {
        let scps = self.list_policies(crate::model::PolicyType::ServiceControl).await?;
        Ok(scps.into_iter().filter(|p| p.name == name).collect())
    }

    async fn attach_policy(&self, policy_id: &str, target_id: &str) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.attach_policy()
            .policy_id(policy_id)
            .target_id(target_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("AttachPolicy", e))
    }

    async fn detach_policy(&self, policy_id: &str, target_id: &str) -> ProviderResult<()> {
        let o = &self.clients.organizations;
        o.detach_policy()
            .policy_id(policy_id)
            .target_id(target_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("DetachPolicy", e))
    }
}
