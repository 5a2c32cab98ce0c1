//! Reading IAM's organization access report for the accounts a plan's policy effect newly
//! denies something (`plan --access-report`): one report an account, a few at once. A report
//! that cannot be read (a missing permission, an emulator without IAM's access reports) stops
//! the reading and becomes a note; the plan goes on without it.

use crate::model::{EntityPath, OrgState, ServiceLastUsed};
use crate::provider::{ErrorKind, Provider};
use futures::{stream, StreamExt};
use std::collections::BTreeMap;

/// Reports built at once: IAM builds each in seconds, and its quotas are per account.
const AT_ONCE: usize = 8;

/// What the reports say, by account id, and why some could not be read.
#[derive(Debug, Default)]
pub struct AccessReports {
    pub by_account: BTreeMap<String, Vec<ServiceLastUsed>>,
    pub note: Option<String>,
}

/// The access reports of `account_ids` (their paths from `state`); `read_one` is called after
/// each report, for a progress bar.
pub async fn read(
    provider: &dyn Provider,
    state: &OrgState,
    account_ids: &[String],
    read_one: &(dyn Fn() + Sync),
) -> AccessReports {
    let paths: Vec<EntityPath> = account_ids.iter().filter_map(|id| EntityPath::of_account(state, id)).collect();
    let mut results = stream::iter(paths.into_iter().map(|path| async move {
        let result = provider.services_last_used(&path).await;
        read_one();
        (path, result)
    }))
    .buffer_unordered(AT_ONCE);
    let mut reports = AccessReports::default();
    while let Some((path, result)) = results.next().await {
        match result {
            Ok(uses) => {
                reports.by_account.insert(path.account_id().to_string(), uses);
            }
            Err(e) => {
                let what = match e.kind() {
                    ErrorKind::AccessDenied => {
                        "orgctl's role in the management account needs \
                        iam:GenerateOrganizationsAccessReport, iam:GetOrganizationsAccessReport and \
                        organizations:Describe*/List*"
                    }
                    ErrorKind::Unsupported => "the endpoint does not implement IAM's organization access reports",
                    _ => "the newly denied services were not checked for use",
                };
                reports.note = Some(format!(
                    "IAM's organization access report could not be read for {} ({e}): {what}",
                    path.account_id()
                ));
                // One failure says enough: the others would fail alike.
                break;
            }
        }
    }
    reports
}
