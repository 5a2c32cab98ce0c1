//! Reading what the organization delegates and enables: trusted service access, delegated
//! administrators (each with its services), the policy types enabled on the root, and the tag,
//! backup and AI opt-out policies with their targets.

use super::errors::{api_error, required};
use super::AwsProvider;
use crate::model::{DelegatedAdministrator, Governance, TypedPolicy, GOVERNANCE_POLICY_TYPES};
use crate::provider::ProviderResult;
use aws_sdk_organizations::types::PolicyType;

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
        let mut pages = orgs.list_roots().into_paginator().send();
        while let Some(page) = pages.next().await {
            for root in page.map_err(|e| api_error("ListRoots", e))?.roots() {
                governance.enabled_policy_types.extend(
                    root.policy_types()
                        .iter()
                        .filter(|t| t.status().map(|s| s.as_str()) == Some("ENABLED"))
                        .filter_map(|t| t.r#type().map(|t| t.as_str().to_string())),
                );
            }
        }
        for policy_type in GOVERNANCE_POLICY_TYPES {
            let mut pages = orgs.list_policies().filter(PolicyType::from(policy_type)).into_paginator().send();
            let mut found = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| api_error("ListPolicies", e))?;
                for p in page.policies() {
                    found.push((
                        required(p.id(), "policy id (ListPolicies)")?,
                        p.name().unwrap_or_default().to_string(),
                    ));
                }
            }
            for (id, name) in found {
                let mut targets = Vec::new();
                let mut pages = orgs.list_targets_for_policy().policy_id(&id).into_paginator().send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| api_error("ListTargetsForPolicy", e))?;
                    targets.extend(page.targets().iter().filter_map(|t| t.target_id().map(str::to_string)));
                }
                governance.policies.push(TypedPolicy { id, name, policy_type: policy_type.to_string(), targets });
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
