//! The AWS provider: a real organization through the official SDK crates.
//!
//! Credentials and region come from aws-config's standard chain (environment, profile, SSO,
//! container and instance roles); `AWS_ENDPOINT_URL` is honoured, which is how tests reach the
//! moto emulator. orgctl refuses to work unless the caller is the organization's management
//! account. Member accounts are reached by assuming their organization access role.

mod access;
mod calls;
mod clients;
mod errors;
mod governance;
mod pacing;
mod read;
mod stacks;

use super::{At, CreateAccountStatus, ExistingAccount, Provider, ProviderError, ProviderResult};
use crate::model::{OrgState, PasswordPolicy, StackSpec, StackState, Tags};
use crate::org_file::desired::AccessRoles;
use async_trait::async_trait;
use aws_sdk_organizations::types::{CreateAccountState, PolicyType, Tag};
use clients::Clients;
use errors::api_error;
use std::collections::HashMap;
use std::sync::Mutex;

/// How to connect.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// A named profile instead of the default chain's choice.
    pub profile: Option<String>,
    /// The roles to assume in member accounts.
    pub roles: AccessRoles,
}

pub struct AwsProvider {
    clients: Clients,
    roles: AccessRoles,
    organization_id: String,
    management_account_id: String,
    /// Account ids by lowercase email, from the last read and from accounts created since, so
    /// that a first CreateAccount attempt needs no extra call and new accounts get their role.
    known_accounts: Mutex<HashMap<String, String>>,
    /// Emails of the CreateAccount requests sent in this run.
    requested: Mutex<HashMap<String, String>>,
    /// Unfinished CreateAccount requests seen by the last read.
    pending: Mutex<Vec<crate::model::CreateRequestState>>,
    /// When to look again at a stack being deployed, learnt per stack name and operation.
    stack_polls: crate::provider::poll::LearnedPoll,
}

fn tags(tags: &Tags) -> ProviderResult<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| ProviderError::new("InvalidTag", e.to_string()))
        })
        .collect()
}

/// The HTTPS client of every AWS call: rustls with ring (the SDK's default, aws-lc, takes a
/// C build that doubles the first compile), with the system's root certificates.
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
}

impl AwsProvider {
    /// Connects with aws-config's standard chain and checks that the caller is the
    /// organization's management account.
    pub async fn connect(options: AwsOptions) -> ProviderResult<Self> {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http_client());
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        Self::connect_with(loader.load().await, options.roles).await
    }

    /// Connects with an explicit SDK configuration (tests point it at an emulator).
    pub async fn connect_with(sdk: aws_config::SdkConfig, roles: AccessRoles) -> ProviderResult<Self> {
        let clients = Clients::new(sdk);
        // The first call says within seconds whether AWS can be reached at all, instead of
        // retrying in silence.
        let caller = tokio::time::timeout(std::time::Duration::from_secs(5), clients.sts.get_caller_identity().send())
            .await
            .map_err(|_| {
                ProviderError::new(
                    "EndpointUnreachable",
                    "GetCallerIdentity: no answer from AWS within 5 s: check the network, a proxy, or AWS_ENDPOINT_URL",
                )
            })?
            .map_err(|e| api_error("GetCallerIdentity", e))?;
        let caller_account = errors::required(caller.account(), "caller account (GetCallerIdentity)")?;
        let org = clients.organizations.describe_organization().send().await.map_err(|e| {
            let e = api_error("DescribeOrganization", e);
            if e.code == "AWSOrganizationsNotInUseException" {
                ProviderError::new(e.code, format!("account {caller_account} is not in an organization: create the organization first (aws organizations create-organization --feature-set ALL)"))
            } else {
                e
            }
        })?;
        let org = org
            .organization()
            .ok_or_else(|| ProviderError::new("NoOrganization", "DescribeOrganization returned nothing"))?;
        let management_account_id =
            errors::required(org.master_account_id(), "management account id (DescribeOrganization)")?;
        // TaskRoleName on update-organization: every call goes through that role of the
        // management account, whichever account the caller is in (a delegated build account).
        let clients = match &roles.organization_role {
            Some(role) => clients.as_role(&management_account_id, role).await?,
            None => clients,
        };
        if caller_account != management_account_id && roles.organization_role.is_none() {
            return Err(ProviderError::new(
                "NotManagementAccount",
                format!("these credentials are for account {caller_account}, but orgctl must run in the organization's management account {management_account_id}: use credentials (or a profile) of the management account"),
            ));
        }
        Ok(AwsProvider {
            clients,
            roles,
            organization_id: errors::required(org.id(), "organization id (DescribeOrganization)")?,
            management_account_id,
            known_accounts: Mutex::new(HashMap::new()),
            requested: Mutex::new(HashMap::new()),
            pending: Mutex::new(Vec::new()),
            stack_polls: crate::provider::poll::LearnedPoll::new(
                std::time::Duration::from_millis(200),
                std::time::Duration::from_secs(5),
            ),
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.clients.counter.get()
    }

    /// IAM in `account_id`: the caller's own for the management account, else through its role.
    async fn iam_for(&self, account_id: &str, email: &str) -> ProviderResult<aws_sdk_iam::Client> {
        if account_id == self.management_account_id {
            return Ok(self.clients.iam.clone());
        }
        self.clients.member_iam(account_id, self.roles.role_for(account_id, email)).await
    }

    fn email_of(&self, account_id: &str) -> String {
        let known = self.known_accounts.lock().unwrap_or_else(|e| e.into_inner());
        known.iter().find(|(_, id)| *id == account_id).map(|(email, _)| email.clone()).unwrap_or_default()
    }

    /// Every account and unfinished request, asked of the organization now.
    async fn find_account_now(&self, email: &str, account_name: &str) -> ProviderResult<Option<ExistingAccount>> {
        let mut pages = self.clients.organizations.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            for a in page.map_err(|e| api_error("ListAccounts", e))?.accounts() {
                if a.email().is_some_and(|e| e.eq_ignore_ascii_case(email)) {
                    return Ok(Some(ExistingAccount::Account {
                        account_id: errors::required(a.id(), "account id (ListAccounts)")?,
                    }));
                }
            }
        }
        Ok(self
            .pending_requests()
            .await?
            .into_iter()
            .find(|r| r.is_for(email, account_name))
            .map(|r| ExistingAccount::Request { request_id: r.id }))
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn describe(&self) -> String {
        format!("AWS organization {} (management account {})", self.organization_id, self.management_account_id)
    }

    fn request_count(&self) -> Option<u64> {
        Some(self.requests())
    }

    async fn support_level(&self, account_id: &str) -> ProviderResult<crate::model::SupportLevel> {
        let credentials = if account_id == self.management_account_id {
            None
        } else {
            let role = self.roles.role_for(account_id, &self.email_of(account_id));
            Some(self.clients.member_credentials(account_id, role, None).await?)
        };
        match self.clients.support(account_id, credentials).describe_severity_levels().send().await {
            Ok(levels) => Ok(crate::model::SupportLevel::from_severity_codes(
                levels.severity_levels().iter().filter_map(|l| l.code()),
            )),
            Err(e) => {
                let e = api_error("DescribeSeverityLevels", e);
                // The Support API is not part of the Basic plan.
                if e.code == "SubscriptionRequiredException" {
                    Ok(crate::model::SupportLevel::Basic)
                } else {
                    Err(e)
                }
            }
        }
    }

    async fn request_support_level(
        &self,
        account_id: &str,
        level: crate::model::SupportLevel,
        cc: &str,
    ) -> ProviderResult<()> {
        let mut case = self
            .clients
            .support(&self.management_account_id, None)
            .create_case()
            .subject(format!("Enable {level} support for account {account_id}"))
            .communication_body(format!(
                "Hello AWS Support,\n\nplease put account {account_id} of organization {} on the {level} support plan, as the organization's management account is.\n\nThis case was opened by orgctl; please resolve it when done.",
                self.organization_id
            ))
            .service_code("customer-account")
            .category_code("other-account-issues")
            .severity_code("low")
            .issue_type("customer-service");
        if !cc.is_empty() {
            case = case.cc_email_addresses(cc);
        }
        case.send().await.map(|_| ()).map_err(|e| api_error("CreateCase", e))
    }

    async fn alternate_contacts(
        &self,
        account_id: &str,
    ) -> ProviderResult<std::collections::BTreeMap<String, crate::model::AlternateContact>> {
        use aws_sdk_account::types::AlternateContactType;
        let mut out = std::collections::BTreeMap::new();
        for (_, api) in crate::model::CONTACT_TYPES {
            // The management account's own contacts are read without AccountId (AWS refuses it).
            let mut get =
                self.clients.account.get_alternate_contact().alternate_contact_type(AlternateContactType::from(api));
            if account_id != self.management_account_id {
                get = get.account_id(account_id);
            }
            match get.send().await {
                Ok(found) => {
                    if let Some(c) = found.alternate_contact() {
                        out.insert(
                            api.to_string(),
                            crate::model::AlternateContact {
                                name: c.name().unwrap_or_default().into(),
                                title: c.title().unwrap_or_default().into(),
                                email_address: c.email_address().unwrap_or_default().into(),
                                phone_number: c.phone_number().unwrap_or_default().into(),
                            },
                        );
                    }
                }
                Err(e) => {
                    let e = api_error("GetAlternateContact", e);
                    // Not set yet: AWS says ResourceNotFound (moto: a validation error).
                    if !(e.code.contains("NotFound")
                        || e.message.contains("No contact")
                        || e.code.contains("Validation"))
                    {
                        return Err(e);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn put_alternate_contact(
        &self,
        account_id: &str,
        contact_type: &str,
        contact: &crate::model::AlternateContact,
    ) -> ProviderResult<()> {
        let mut put = self
            .clients
            .account
            .put_alternate_contact()
            .alternate_contact_type(aws_sdk_account::types::AlternateContactType::from(contact_type))
            .name(&contact.name)
            .title(&contact.title)
            .email_address(&contact.email_address)
            .phone_number(&contact.phone_number);
        if account_id != self.management_account_id {
            put = put.account_id(account_id);
        }
        put.send().await.map(|_| ()).map_err(|e| api_error("PutAlternateContact", e))
    }

    async fn region_opt_status(
        &self,
        account_id: &str,
        regions: &[String],
    ) -> ProviderResult<std::collections::BTreeMap<String, String>> {
        let mut out = std::collections::BTreeMap::new();
        for region in regions {
            let mut get = self.clients.account.get_region_opt_status().region_name(region);
            if account_id != self.management_account_id {
                get = get.account_id(account_id);
            }
            let status = get.send().await.map_err(|e| api_error("GetRegionOptStatus", e))?;
            out.insert(region.clone(), status.region_opt_status().map_or("DISABLED", |s| s.as_str()).to_string());
        }
        Ok(out)
    }

    async fn set_region_opt_in(&self, account_id: &str, region: &str, enabled: bool) -> ProviderResult<()> {
        let account = (account_id != self.management_account_id).then(|| account_id.to_string());
        if enabled {
            let call = self.clients.account.enable_region().region_name(region).set_account_id(account);
            call.send().await.map(|_| ()).map_err(|e| api_error("EnableRegion", e))
        } else {
            let call = self.clients.account.disable_region().region_name(region).set_account_id(account);
            call.send().await.map(|_| ()).map_err(|e| api_error("DisableRegion", e))
        }
    }

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

    async fn register_delegated_administrator(&self, account_id: &str, service: &str) -> ProviderResult<()> {
        let orgs = &self.clients.organizations;
        orgs.register_delegated_administrator()
            .account_id(account_id)
            .service_principal(service)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("RegisterDelegatedAdministrator", e))
    }

    async fn deregister_delegated_administrator(&self, account_id: &str, service: &str) -> ProviderResult<()> {
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

    async fn services_last_used(
        &self,
        entity: &crate::model::EntityPath,
    ) -> ProviderResult<Vec<crate::model::ServiceLastUsed>> {
        self.organizations_access_report(entity).await
    }

    async fn read(&self) -> ProviderResult<OrgState> {
        let state = self.read_state().await?;
        let mut known = self.known_accounts.lock().unwrap_or_else(|e| e.into_inner());
        known.clear();
        known.extend(state.accounts.values().map(|a| (a.email.to_lowercase(), a.id.clone())));
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

    async fn close_account(&self, account_id: &str) -> ProviderResult<()> {
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

    async fn rename_account(&self, account_id: &str, name: &str) -> ProviderResult<()> {
        // PutAccountName names the caller's own account without AccountId, a member account with it
        // (which needs trusted access for AWS Account Management in the organization).
        let mut call = self.clients.account.put_account_name().account_name(name);
        if account_id != self.management_account_id {
            call = call.account_id(account_id);
        }
        call.send().await.map(|_| ()).map_err(|e| api_error("PutAccountName", e))
    }

    async fn move_account(&self, account_id: &str, source: &str, destination: &str) -> ProviderResult<()> {
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

    async fn set_password_policy(&self, account_id: &str, p: &PasswordPolicy) -> ProviderResult<()> {
        let iam = self.iam_for(account_id, &self.email_of(account_id)).await?;
        // Every field, always: IAM resets the ones left out.
        iam.update_account_password_policy()
            .minimum_password_length(p.minimum_password_length as i32)
            .require_symbols(p.require_symbols)
            .require_numbers(p.require_numbers)
            .require_uppercase_characters(p.require_uppercase_characters)
            .require_lowercase_characters(p.require_lowercase_characters)
            .allow_users_to_change_password(p.allow_users_to_change_password)
            .set_max_password_age(p.max_password_age.map(|v| v as i32))
            .set_password_reuse_prevention(p.password_reuse_prevention.map(|v| v as i32))
            .hard_expiry(p.hard_expiry)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("UpdateAccountPasswordPolicy", e))
    }

    async fn set_alias(&self, account_id: &str, alias: Option<&str>) -> ProviderResult<()> {
        let iam = self.iam_for(account_id, &self.email_of(account_id)).await?;
        let current = read::alias(&iam).await?;
        if current.as_deref() == alias {
            return Ok(());
        }
        if let Some(old) = current {
            iam.delete_account_alias()
                .account_alias(old)
                .send()
                .await
                .map_err(|e| api_error("DeleteAccountAlias", e))?;
        }
        if let Some(new) = alias {
            iam.create_account_alias()
                .account_alias(new)
                .send()
                .await
                .map_err(|e| api_error("CreateAccountAlias", e))?;
        }
        Ok(())
    }

    async fn register_type(&self, at: At<'_>, type_name: &str, package: &str) -> ProviderResult<()> {
        self.put_type(at.account_id, at.region, at.role, type_name, package).await
    }

    async fn deregister_type(&self, at: At<'_>, type_name: &str) -> ProviderResult<()> {
        self.remove_type(at.account_id, at.region, at.role, type_name).await
    }

    async fn put_object(&self, at: At<'_>, object: &crate::provider::PutObject<'_>) -> ProviderResult<()> {
        let s3 = self.clients.s3(at.account_id, at.region, self.credentials_in(at.account_id, at.role, None).await?);
        let mut put = s3
            .put_object()
            .bucket(object.bucket)
            .key(object.key)
            .body(aws_sdk_s3::primitives::ByteStream::from(object.body.to_vec()));
        if let Some(sse) = object.server_side_encryption {
            put = put.server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::from(sse));
        }
        put.send().await.map(|_| ()).map_err(|e| api_error("PutObject", e))
    }

    async fn get_object(&self, bucket: &str, key: &str) -> ProviderResult<Vec<u8>> {
        let region = self.clients.home_region();
        let object = self
            .clients
            .s3("management", &region, None)
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| api_error("GetObject", e))?;
        let body = object
            .body
            .collect()
            .await
            .map_err(|e| ProviderError::new("GetObject", format!("reading s3://{bucket}/{key}: {e}")))?;
        Ok(body.into_bytes().to_vec())
    }

    async fn delete_object(&self, at: At<'_>, bucket: &str, key: &str) -> ProviderResult<()> {
        let s3 = self.clients.s3(at.account_id, at.region, self.credentials_in(at.account_id, at.role, None).await?);
        s3.delete_object().bucket(bucket).key(key).send().await.map(|_| ()).map_err(|e| api_error("DeleteObject", e))
    }

    async fn workload_credentials(
        &self,
        account_id: &str,
        role: Option<&str>,
    ) -> ProviderResult<Vec<(String, String)>> {
        let credentials = match role {
            None if account_id == self.management_account_id => self.clients.own_credentials().await?,
            None => {
                let email = self.email_of(account_id);
                self.clients.member_credentials(account_id, self.roles.role_for(account_id, &email), None).await?
            }
            Some(role) => self.clients.member_credentials(account_id, role, None).await?,
        };
        let mut env = vec![
            ("AWS_ACCESS_KEY_ID".to_string(), credentials.access_key_id().to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), credentials.secret_access_key().to_string()),
        ];
        if let Some(token) = credentials.session_token() {
            env.push(("AWS_SESSION_TOKEN".to_string(), token.to_string()));
        }
        Ok(env)
    }

    async fn read_stacks(&self, at: At<'_>) -> ProviderResult<Vec<StackState>> {
        self.list_stacks(at.account_id, at.region).await
    }

    async fn create_stack(&self, at: At<'_>, spec: &StackSpec) -> ProviderResult<()> {
        self.put_stack(at.account_id, at.region, spec, true).await
    }

    async fn update_stack(&self, at: At<'_>, spec: &StackSpec) -> ProviderResult<()> {
        self.put_stack(at.account_id, at.region, spec, false).await
    }

    async fn delete_stack(&self, at: At<'_>, name: &str) -> ProviderResult<()> {
        self.remove_stack(at.account_id, at.region, name).await
    }

    async fn export_value(&self, at: At<'_>, name: &str) -> ProviderResult<Option<String>> {
        self.export_of(at.account_id, at.region, name).await
    }

    async fn stack_outputs(
        &self,
        at: At<'_>,
        name: &str,
    ) -> ProviderResult<std::collections::BTreeMap<String, String>> {
        self.outputs_of(at.account_id, at.region, name).await
    }
}
