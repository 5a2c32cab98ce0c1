//! Carrying out an account setting: the password policy, the alias, an alternate contact, an
//! opt-in region, a support plan request (asked once: a failed record is retried, never the case).

use super::operation::CreatedIds;
use super::retry::RetryPolicy;
use crate::plan::SettingOperation;
use crate::provider::{Provider, ProviderResult};

pub async fn execute(
    op: &SettingOperation,
    provider: &dyn Provider,
    ids: &CreatedIds,
    retry: &RetryPolicy,
) -> ProviderResult<Option<String>> {
    let account = ids.resolve_account(op.account())?;
    match op {
        SettingOperation::SetPasswordPolicy { policy, .. } => {
            retry.run(|| provider.set_password_policy(&account, policy)).await.map(|_| None)
        }
        SettingOperation::SetAlias { alias, .. } => {
            retry.run(|| provider.set_alias(&account, alias.as_deref())).await.map(|_| None)
        }
        SettingOperation::PutAlternateContact { contact_type, contact, .. } => {
            retry.run(|| provider.put_alternate_contact(&account, contact_type, contact)).await.map(|_| None)
        }
        SettingOperation::SetRegionOptIn { region, enabled, .. } => {
            retry.run(|| provider.set_region_opt_in(&account, region, *enabled)).await.map(|_| None)
        }
        SettingOperation::RequestSupportLevel { level, cc, .. } => {
            // One case: a failed tag is retried, never the case.
            retry.run(|| provider.request_support_level(&account, *level, cc)).await?;
            let tags = crate::model::Tags::from([(crate::model::SUPPORT_REQUEST_TAG.to_string(), level.to_string())]);
            retry.run(|| provider.tag_resource(&account, &tags)).await.map(|_| None)
        }
    }
}
