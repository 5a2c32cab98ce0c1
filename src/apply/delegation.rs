//! Carrying out a delegation change: trusted service access enabled or disabled, a delegated
//! administrator registered or deregistered.

use super::operation::CreatedIds;
use super::retry::RetryPolicy;
use crate::plan::DelegationOperation;
use crate::provider::{Provider, ProviderResult};

pub async fn execute(
    op: &DelegationOperation,
    provider: &dyn Provider,
    ids: &CreatedIds,
    retry: &RetryPolicy,
) -> ProviderResult<Option<String>> {
    match op {
        DelegationOperation::EnableServiceAccess { service } => {
            retry.run(|| provider.enable_service_access(service)).await.map(|_| None)
        }
        DelegationOperation::DisableServiceAccess { service } => {
            retry.run(|| provider.disable_service_access(service)).await.map(|_| None)
        }
        DelegationOperation::RegisterDelegatedAdministrator { account, service } => {
            let account = ids.resolve_account(account)?;
            retry.run(|| provider.register_delegated_administrator(&account, service)).await.map(|_| None)
        }
        DelegationOperation::DeregisterDelegatedAdministrator { account_id, service } => {
            retry.run(|| provider.deregister_delegated_administrator(account_id, service)).await.map(|_| None)
        }
    }
}
