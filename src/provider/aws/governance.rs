//! Reading what the organization delegates: trusted service access, delegated administrators
//! (each with its services), centralized root access. (Policies of every type are read with the
//! organization itself.)

use super::errors::api_error;
use super::AwsProvider;
use crate::model::{DelegatedAdministrator, Governance};
use crate::provider::ProviderResult;

impl AwsProvider {
    pub(super) async fn read_governance_state(&self) -> ProviderResult<Governance> {
        let orgs = &self.clients.organizations;
        let mut governance = Governance::default();
        let mut pages = orgs.list_aws_service_access_for_organization().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error("ListAWSServiceAccessForOrganization", e))?;
            governance.trusted_services.extend(
                page.enabled_service_principals().iter().filter_map(|s| s.service_principal().map(str::to_string)),
            );
        }
        let mut admins = Vec::new();
        let mut pages = orgs.list_delegated_administrators().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error("ListDelegatedAdministrators", e))?;
            admins.extend(page.delegated_administrators().iter().filter_map(|a| a.id().map(str::to_string)));
        }
        for account_id in admins {
            let mut pages = orgs.list_delegated_services_for_account().account_id(&account_id).into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| api_error("ListDelegatedServicesForAccount", e))?;
                governance.delegated_administrators.extend(page.delegated_services().iter().filter_map(|s| {
                    Some(DelegatedAdministrator {
                        account_id: account_id.clone(),
                        service: s.service_principal()?.into(),
                    })
                }));
            }
        }
        // Centralized root access (IAM): an endpoint without the API (an emulator) leaves it unknown,
        // after one attempt (its "not implemented" is a 5xx the SDK would otherwise retry).
        let once = aws_sdk_iam::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled());
        let features = self.clients.iam.list_organizations_features().customize().config_override(once).send().await;
        governance.root_access_features = match features {
            Ok(out) => Some(out.enabled_features().iter().map(|f| f.as_str().to_string()).collect()),
            Err(e) => {
                let e = api_error("ListOrganizationsFeatures", e);
                tracing::debug!("centralized root access not read: {e}");
                None
            }
        };
        governance.trusted_services.sort();
        governance.delegated_administrators.sort();
        Ok(governance)
    }
}
