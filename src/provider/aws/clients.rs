//! The SDK clients orgctl uses: Organizations (always us-east-1), STS, and IAM in the management
//! account and, through AssumeRole, in each member account (credentials cached per account for
//! the run). Every client carries a [`CallLog`] naming the account it acts in.

use super::calls::{CallLog, RequestCounter};
use super::errors::api_error;
use crate::provider::{ProviderError, ProviderResult};
use aws_config::SdkConfig;
use aws_sdk_organizations::config::Region;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Organizations is a global service served from us-east-1.
pub const ORGANIZATIONS_REGION: &str = "us-east-1";

/// Every client of the run.
pub struct Clients {
    sdk: SdkConfig,
    pub counter: RequestCounter,
    pub organizations: aws_sdk_organizations::Client,
    /// Account Management, for account names.
    pub account: aws_sdk_account::Client,
    pub sts: aws_sdk_sts::Client,
    /// IAM in the management account (the caller's own credentials).
    pub iam: aws_sdk_iam::Client,
    /// Credentials assumed in member accounts, once per account and role per run.
    members: Mutex<HashMap<String, Arc<OnceCell<aws_sdk_iam::config::Credentials>>>>,
}

impl Clients {
    pub fn new(sdk: SdkConfig) -> Self {
        let counter = RequestCounter::default();
        let management = CallLog::new(&counter, "management");
        let region = Region::new(ORGANIZATIONS_REGION);
        // Reads have no retry loop of their own: let the SDK ride out throttling and 5xx longer
        // than its default of 3 attempts. (CreateAccount turns this off: see AwsProvider.)
        let retry = aws_config::retry::RetryConfig::standard().with_max_attempts(6);
        let sdk = sdk.into_builder().retry_config(retry).build();
        // Every Organizations call draws on the management account's one quota: paced together.
        let pacer = super::pacing::Pacer::default();
        let http = sdk.http_client().unwrap_or_else(super::http_client);
        let organizations = aws_sdk_organizations::Client::from_conf(
            aws_sdk_organizations::config::Builder::from(&sdk)
                .region(region.clone())
                .http_client(super::pacing::PacedClient::shared(http, pacer.clone()))
                .interceptor(super::pacing::PaceSignal(pacer))
                .interceptor(management.clone())
                .build(),
        );
        let account = aws_sdk_account::Client::from_conf(
            aws_sdk_account::config::Builder::from(&sdk).region(region.clone()).interceptor(management.clone()).build(),
        );
        let sts_region = sdk.region().cloned().unwrap_or_else(|| region.clone());
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&sdk).region(sts_region).interceptor(management.clone()).build(),
        );
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&sdk).region(region).interceptor(management.clone()).build(),
        );
        Clients { sdk, counter, organizations, account, sts, iam, members: Mutex::new(HashMap::new()) }
    }

    /// The same clients, acting as `role` of the management account `account_id` (the
    /// update-organization task's `TaskRoleName`): assumed once, for the run (an hour).
    pub async fn as_role(&self, account_id: &str, role: &str) -> ProviderResult<Clients> {
        let arn = format!("arn:aws:iam::{account_id}:role/{role}");
        let credentials = self.assume(&arn, None, account_id).await?;
        let provider = aws_credential_types::provider::SharedCredentialsProvider::new(credentials);
        Ok(Clients::new(self.sdk.clone().into_builder().credentials_provider(provider).build()))
    }

    /// Credentials in a member account, assuming `role` there once per run; through the role
    /// `via` first when given (`TaskViaRoleArn`: role chaining).
    pub async fn member_credentials(
        &self,
        account_id: &str,
        role: &str,
        via: Option<&str>,
    ) -> ProviderResult<aws_sdk_iam::config::Credentials> {
        let arn = format!("arn:aws:iam::{account_id}:role/{role}");
        let cell = {
            let mut members = self.members.lock().unwrap_or_else(|e| e.into_inner());
            members.entry(format!("{arn} via {}", via.unwrap_or("-"))).or_default().clone()
        };
        cell.get_or_try_init(|| async {
            let through = match via {
                Some(via) => Some(self.assume(via, None, account_id).await?),
                None => None,
            };
            self.assume(&arn, through, account_id).await
        })
        .await
        .cloned()
    }

    /// The caller's own credentials (the management account), for a workload run there.
    pub async fn own_credentials(&self) -> ProviderResult<aws_sdk_iam::config::Credentials> {
        use aws_sdk_sts::config::ProvideCredentials;
        let provider = self.sdk.credentials_provider().ok_or_else(|| {
            ProviderError::new("NoCredentials", "no credentials to run the workload in the management account")
        })?;
        provider
            .provide_credentials()
            .await
            .map_err(|e| ProviderError::new("NoCredentials", format!("credentials for the workload: {e}")))
    }

    /// IAM in a member account.
    pub async fn member_iam(&self, account_id: &str, role: &str) -> ProviderResult<aws_sdk_iam::Client> {
        let credentials = self.member_credentials(account_id, role, None).await?;
        let config = aws_sdk_iam::config::Builder::from(&self.sdk)
            .region(Region::new(ORGANIZATIONS_REGION))
            .credentials_provider(credentials)
            .interceptor(CallLog::new(&self.counter, account_id))
            .build();
        Ok(aws_sdk_iam::Client::from_conf(config))
    }

    /// CloudFormation in `region`, with `credentials` (`None`: the caller's own).
    pub fn cloudformation(
        &self,
        account_id: &str,
        region: &str,
        credentials: Option<aws_sdk_iam::config::Credentials>,
    ) -> aws_sdk_cloudformation::Client {
        let mut builder = aws_sdk_cloudformation::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .interceptor(CallLog::new(&self.counter, account_id));
        if let Some(c) = credentials {
            builder = builder.credentials_provider(c);
        }
        aws_sdk_cloudformation::Client::from_conf(builder.build())
    }

    /// AWS Support (its endpoint is in us-east-1), with `credentials` (`None`: the caller's own).
    pub fn support(
        &self,
        account_id: &str,
        credentials: Option<aws_sdk_iam::config::Credentials>,
    ) -> aws_sdk_support::Client {
        let mut builder = aws_sdk_support::config::Builder::from(&self.sdk)
            .region(Region::new(ORGANIZATIONS_REGION))
            .interceptor(CallLog::new(&self.counter, account_id));
        if let Some(c) = credentials {
            builder = builder.credentials_provider(c);
        }
        aws_sdk_support::Client::from_conf(builder.build())
    }

    /// IAM Identity Center's admin API and identity store, in the instance's region: the
    /// caller's configured region, or `ORGCTL_SSO_REGION` (Identity Center lives in one region
    /// of the organization, not necessarily the one the caller works in).
    pub fn identity_center(&self) -> (aws_sdk_ssoadmin::Client, aws_sdk_identitystore::Client) {
        let region = Region::new(std::env::var("ORGCTL_SSO_REGION").unwrap_or_else(|_| self.home_region()));
        let log = CallLog::new(&self.counter, "management");
        let admin = aws_sdk_ssoadmin::Client::from_conf(
            aws_sdk_ssoadmin::config::Builder::from(&self.sdk).region(region.clone()).interceptor(log.clone()).build(),
        );
        let store = aws_sdk_identitystore::Client::from_conf(
            aws_sdk_identitystore::config::Builder::from(&self.sdk).region(region).interceptor(log).build(),
        );
        (admin, store)
    }

    /// The region of the caller's configuration (else us-east-1): where S3 reads as the
    /// management account go.
    pub fn home_region(&self) -> String {
        self.sdk.region().map_or_else(|| ORGANIZATIONS_REGION.to_string(), |r| r.to_string())
    }

    /// S3 in `region`, as the caller or with `credentials`; path-style addressing when an
    /// endpoint is set (a local emulator has no per-bucket host names).
    pub fn s3(
        &self,
        account_id: &str,
        region: &str,
        credentials: Option<aws_sdk_iam::config::Credentials>,
    ) -> aws_sdk_s3::Client {
        let mut builder = aws_sdk_s3::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .force_path_style(self.sdk.endpoint_url().is_some())
            .interceptor(CallLog::new(&self.counter, account_id));
        if let Some(c) = credentials {
            builder = builder.credentials_provider(c);
        }
        aws_sdk_s3::Client::from_conf(builder.build())
    }

    /// AssumeRole into `arn`, as the caller or with `through` (credentials of an earlier role).
    async fn assume(
        &self,
        arn: &str,
        through: Option<aws_sdk_iam::config::Credentials>,
        account_id: &str,
    ) -> ProviderResult<aws_sdk_iam::config::Credentials> {
        let sts = match through {
            None => self.sts.clone(),
            Some(c) => aws_sdk_sts::Client::from_conf(self.sts.config().to_builder().credentials_provider(c).build()),
        };
        let out = sts
            .assume_role()
            .role_arn(arn)
            .role_session_name("orgctl")
            .duration_seconds(3600)
            .send()
            .await
            .map_err(|e| {
                let inner = api_error("AssumeRole", e);
                let mut e = ProviderError::new(
                    "AssumeRoleFailed",
                    format!(
                        "cannot reach account {account_id}: assuming {arn} failed ({}). Check that the role exists and trusts the management account, or set OrganizationAccessRoleName for this account",
                        inner.message
                    ),
                );
                e.retryable = inner.retryable;
                e
            })?;
        let creds = out.credentials().ok_or_else(|| {
            ProviderError::new("AssumeRoleFailed", format!("AssumeRole into {arn} returned no credentials"))
        })?;
        let expiry = std::time::SystemTime::try_from(*creds.expiration()).ok();
        Ok(aws_sdk_iam::config::Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_string()),
            expiry,
            "orgctl-assume-role",
        ))
    }
}
