//! Carrying out one change through the provider, with handles to resources created earlier in
//! the run filled in: each area of operations is carried out by its own module.

use super::organization::AccountWait;
use super::retry::RetryPolicy;
use crate::plan::{Handle, Operation};
use crate::provider::{Provider, ProviderError, ProviderResult};
use std::collections::HashMap;
use std::sync::Mutex;

/// AWS ids of the resources created during this run, by logical id.
#[derive(Default)]
pub struct CreatedIds(Mutex<HashMap<crate::model::LogicalId, String>>);

impl CreatedIds {
    pub(super) fn resolve(&self, handle: &Handle) -> ProviderResult<String> {
        match handle {
            Handle::Existing(id) => Ok(id.clone()),
            Handle::New(lid) => {
                self.0.lock().unwrap_or_else(|e| e.into_inner()).get(lid.as_str()).cloned().ok_or_else(|| {
                    ProviderError::new("NotCreated", format!("{lid} was not created earlier in this run"))
                })
            }
        }
    }

    /// The account a handle names (one that exists, or one created earlier in this run).
    pub(super) fn resolve_account(&self, handle: &Handle) -> ProviderResult<crate::model::AccountId> {
        self.resolve(handle).map(crate::model::AccountId::from)
    }

    /// The AWS id of a resource created in this run, by logical id.
    pub fn get(&self, logical_id: &str) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(logical_id).cloned()
    }

    pub(super) fn record(&self, logical_id: &crate::model::LogicalId, id: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(logical_id.clone(), id.to_string());
    }
}

/// Runs one operation; returns the id of what it created, if anything.
pub async fn execute(
    op: &Operation,
    provider: &dyn Provider,
    ids: &CreatedIds,
    retry: &RetryPolicy,
    wait: &AccountWait,
) -> ProviderResult<Option<String>> {
    match op {
        Operation::Organization(op) => super::organization::execute(op, provider, ids, retry, wait).await,
        Operation::Setting(op) => super::settings::execute(op, provider, ids, retry).await,
        Operation::Delegation(op) => super::delegation::execute(op, provider, ids, retry).await,
        Operation::IdentityCenter(op) => super::identity::execute(op, provider, ids, retry).await,
        Operation::Deployment(op) => super::deployment::execute(op, provider, ids, retry).await,
    }
}
