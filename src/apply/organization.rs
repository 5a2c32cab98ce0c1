//! Carrying out a change to the organization's structure, with handles to resources created
//! earlier in the run filled in, and the CreateAccount flow that never creates an account twice.

use super::operation::CreatedIds;
use super::retry::RetryPolicy;
use crate::plan::{Handle, OrganizationOperation};
use crate::provider::poll::LearnedPoll;
use crate::provider::{CreateAccountStatus, ExistingAccount, NewPolicy, Provider, ProviderError, ProviderResult};
use std::time::{Duration, Instant};

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
    op: &OrganizationOperation,
    provider: &dyn Provider,
    ids: &CreatedIds,
    retry: &RetryPolicy,
    wait: &AccountWait,
) -> ProviderResult<Option<String>> {
    let r = |h: &Handle| ids.resolve(h);
    match op {
        OrganizationOperation::EnablePolicyType { root_id, policy_type } => {
            retry.run(|| provider.enable_policy_type(root_id, *policy_type)).await.map(|_| None)
        }
        OrganizationOperation::CreateOu { logical_id, parent, name, tags } => {
            let parent = r(parent)?;
            let id = retry.run(|| provider.create_ou(&parent, name, tags)).await?;
            ids.record(logical_id, &id);
            Ok(Some(id))
        }
        OrganizationOperation::RenameOu { ou_id, name } => {
            retry.run(|| provider.rename_ou(ou_id, name)).await.map(|_| None)
        }
        OrganizationOperation::DeleteOu { ou_id } => retry.run(|| provider.delete_ou(ou_id)).await.map(|_| None),
        OrganizationOperation::CloseAccount { account_id } => {
            retry.run(|| provider.close_account(account_id)).await.map(|_| None)
        }
        OrganizationOperation::CreateAccount { logical_id, name, email, tags } => {
            let id = create_account(provider, name, email, tags, retry, wait).await?;
            ids.record(logical_id, &id);
            Ok(Some(id))
        }
        OrganizationOperation::RenameAccount { account, name } => {
            let account = ids.resolve_account(account)?;
            retry.run(|| provider.rename_account(&account, name)).await.map(|_| None)
        }
        OrganizationOperation::MoveAccount { account, from, to } => {
            let (account, from, to) = (ids.resolve_account(account)?, r(from)?, r(to)?);
            retry.run(|| provider.move_account(&account, &from, &to)).await.map(|_| None)
        }
        OrganizationOperation::TagResource { resource, tags } => {
            let resource = r(resource)?;
            retry.run(|| provider.tag_resource(&resource, tags)).await.map(|_| None)
        }
        OrganizationOperation::UntagResource { resource, keys } => {
            let resource = r(resource)?;
            retry.run(|| provider.untag_resource(&resource, keys)).await.map(|_| None)
        }
        OrganizationOperation::CreatePolicy { logical_id, policy_type, name, description, content, tags } => {
            let policy = NewPolicy { policy_type: *policy_type, name, description, content, tags };
            let id = retry.run(|| provider.create_policy(policy)).await?;
            ids.record(logical_id, &id);
            Ok(Some(id))
        }
        OrganizationOperation::UpdatePolicy { policy_id, name, description, content } => {
            retry.run(|| provider.update_policy(policy_id, name, description, content)).await.map(|_| None)
        }
        OrganizationOperation::DeletePolicy { policy_id } => {
            retry.run(|| provider.delete_policy(policy_id)).await.map(|_| None)
        }
        OrganizationOperation::AttachPolicy { policy, target } => {
            let (policy, target) = (r(policy)?, r(target)?);
            retry.run(|| provider.attach_policy(&policy, &target)).await.map(|_| None)
        }
        OrganizationOperation::DetachPolicy { policy_id, target_id } => {
            retry.run(|| provider.detach_policy(policy_id, target_id)).await.map(|_| None)
        }
    }
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
