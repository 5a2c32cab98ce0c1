//! The AWS provider: a real organization through the official SDK crates.
//!
//! Credentials and region come from aws-config's standard chain (environment, profile, SSO,
//! container and instance roles); `AWS_ENDPOINT_URL` is honoured, which is how tests reach the
//! moto emulator. orgctl refuses to work unless the caller is the organization's management
//! account. Member accounts are reached by assuming their organization access role.

mod access;
mod account_settings;
mod calls;
mod clients;
mod deployments;
mod errors;
mod governance;
mod identity_center;
mod organizations;
mod pacing;
mod read;
mod stacks;

use super::{
    AccountSettings, At, CreateAccountStatus, Deployments, ExistingAccount, Organizations, Provider, ProviderError,
    ProviderResult,
};
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

    /// The ids of the accounts the last read found (and of those created since).
    fn known_account_ids(&self) -> Vec<String> {
        let known = self.known_accounts.lock().unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<String> = known.values().cloned().collect();
        ids.sort();
        ids.dedup();
        ids
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
}
