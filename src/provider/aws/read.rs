//! Reading the whole organization: the root and its policy types, the OU tree level by level,
//! every account with its parent, status and tags, every SCP with its document, tags and
//! targets, and in each active account its password policy and alias. Everything is paginated
//! and runs in parallel with a bounded number of requests in flight; the number of requests
//! grows linearly with accounts (about four per account, plus one per OU and policy).

use super::errors::{api_error, required};
use super::AwsProvider;
use crate::model::{AccountState, CreateRequestState, OrgState, OuState, PasswordPolicy, PolicyState, RootState, Tags};
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_organizations::types::{CreateAccountState, PolicyType};
use futures::{stream, StreamExt, TryStreamExt};
use std::collections::BTreeMap;

/// Organizations reads in flight at once at most (the client's pacing keeps fewer when AWS
/// throttles).
pub const READ_CONCURRENCY: usize = 16;

/// Member-account reads in flight at once: each account has its own STS and IAM quotas.
pub const MEMBER_READ_CONCURRENCY: usize = 16;

/// Runs `f` over `items` with at most [`READ_CONCURRENCY`] at once.
async fn parallel<T, O, F, Fut>(items: Vec<T>, f: F) -> ProviderResult<Vec<O>>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = ProviderResult<O>>,
{
    parallel_at(READ_CONCURRENCY, items, f).await
}

/// Runs `f` over `items` with at most `at_once` at once.
pub(super) async fn parallel_at<T, O, F, Fut>(at_once: usize, items: Vec<T>, f: F) -> ProviderResult<Vec<O>>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = ProviderResult<O>>,
{
    stream::iter(items.into_iter().map(f)).buffer_unordered(at_once).try_collect().await
}

impl AwsProvider {
    pub(super) async fn read_state(&self) -> ProviderResult<OrgState> {
        let orgs = &self.clients.organizations;
        let mut roots = Vec::new();
        let mut pages = orgs.list_roots().into_paginator().send();
        while let Some(page) = pages.next().await {
            roots.extend(page.map_err(|e| api_error("ListRoots", e))?.roots().to_vec());
        }
        let root = roots.first().ok_or_else(|| ProviderError::new("NoRoot", "the organization has no root"))?;
        let root_id = required(root.id(), "root id (ListRoots)")?;
        let mut enabled_types: Vec<crate::model::PolicyType> = root
            .policy_types()
            .iter()
            .filter(|t| t.status().map(|s| s.as_str()) == Some("ENABLED"))
            .filter_map(|t| crate::model::PolicyType::from_api_name(t.r#type()?.as_str()))
            .collect();
        enabled_types.sort();
        let scp_enabled = enabled_types.contains(&crate::model::PolicyType::ServiceControl);

        // The OU tree, one level at a time; accounts come with their parent.
        let mut ous: BTreeMap<String, OuState> = BTreeMap::new();
        let mut accounts: BTreeMap<crate::model::AccountId, AccountState> = BTreeMap::new();
        let mut level = vec![root_id.clone()];
        while !level.is_empty() {
            let children = parallel(level, |parent| self.list_children(parent)).await?;
            level = Vec::new();
            for (child_ous, child_accounts) in children {
                level.extend(child_ous.iter().map(|o| o.id.clone()));
                ous.extend(child_ous.into_iter().map(|o| (o.id.clone(), o)));
                accounts.extend(child_accounts.into_iter().map(|a| (a.id.clone(), a)));
            }
        }

        // Two quota domains read side by side: the management account's Organizations quota
        // (tags, policies; paced by the client) and each member account's own STS and IAM
        // quotas (password policy, alias), in a pool of their own (measured: 16 at a time keeps
        // the plan of 1,000 accounts at its floor; wider only loads an emulator).
        let active: Vec<(String, String)> =
            accounts.values().filter(|a| a.status.is_active()).map(|a| (a.id.to_string(), a.email.clone())).collect();
        let members = parallel_at(MEMBER_READ_CONCURRENCY, active, |(id, email)| async move {
            let iam = self.iam_for(&id, &email).await?;
            let (policy, alias) = tokio::try_join!(password_policy(&iam), alias(&iam))?;
            Ok((id, policy, alias))
        });
        let organization = async {
            let mut tagged: Vec<String> = vec![root_id.clone()];
            tagged.extend(ous.keys().cloned());
            tagged.extend(accounts.keys().map(|id| id.to_string()));
            let listed = parallel(enabled_types.clone(), |t| self.list_policies(t)).await?;
            let mut policies: Vec<PolicyState> = listed.into_iter().flatten().collect();
            policies.retain(|p| p.name != crate::provider::lock::LOCK_POLICY_NAME);
            tagged.extend(policies.iter().filter(|p| !p.aws_managed).map(|p| p.id.to_string()));
            let tags: BTreeMap<String, Tags> = parallel(tagged, |id| async move {
                let tags = self.tags_of(&id).await?;
                Ok((id, tags))
            })
            .await?
            .into_iter()
            .collect();
            let policies = parallel(policies, |mut p| async move {
                p.content = self.policy_content(&p).await?;
                p.targets = self.policy_targets(&p.id).await?;
                Ok(p)
            })
            .await?;
            let pending = self.pending_requests().await?;
            Ok::<_, crate::provider::ProviderError>((tags, policies, pending))
        };
        let ((tags, policies, pending), member_info) = tokio::try_join!(organization, members)?;
        let tags_of = |id: &str| tags.get(id).cloned().unwrap_or_default();
        for ou in ous.values_mut() {
            ou.tags = tags_of(&ou.id);
        }
        for a in accounts.values_mut() {
            a.tags = tags_of(&a.id);
        }
        let policies = policies
            .into_iter()
            .map(|mut p| {
                if !p.aws_managed {
                    p.tags = tags_of(&p.id);
                }
                (p.id.clone(), p)
            })
            .collect();
        for (id, policy, alias) in member_info {
            if let Some(a) = accounts.get_mut(&id) {
                a.password_policy = policy;
                a.alias = alias;
            }
        }

        Ok(OrgState {
            organization_id: self.organization_id.clone(),
            management_account_id: self.management_account_id.clone().into(),
            root: RootState {
                id: root_id.clone(),
                scp_enabled,
                other_policy_types: enabled_types
                    .into_iter()
                    .filter(|t| *t != crate::model::PolicyType::ServiceControl)
                    .collect(),
                tags: tags_of(&root_id),
            },
            ous,
            accounts,
            policies,
            pending_create_requests: pending,
        })
    }

    /// The OUs and accounts directly under `parent`.
    async fn list_children(&self, parent: String) -> ProviderResult<(Vec<OuState>, Vec<AccountState>)> {
        let orgs = &self.clients.organizations;
        let mut ous = Vec::new();
        let mut pages = orgs.list_organizational_units_for_parent().parent_id(&parent).into_paginator().send();
        while let Some(page) = pages.next().await {
            for ou in page.map_err(|e| api_error("ListOrganizationalUnitsForParent", e))?.organizational_units() {
                ous.push(OuState {
                    id: required(ou.id(), "OU id (ListOrganizationalUnitsForParent)")?,
                    name: ou.name().unwrap_or_default().to_string(),
                    parent_id: parent.clone(),
                    tags: Tags::new(),
                });
            }
        }
        let mut accounts = Vec::new();
        let mut pages = orgs.list_accounts_for_parent().parent_id(&parent).into_paginator().send();
        while let Some(page) = pages.next().await {
            for a in page.map_err(|e| api_error("ListAccountsForParent", e))?.accounts() {
                accounts.push(AccountState {
                    id: required(a.id(), "account id (ListAccountsForParent)")?.into(),
                    name: a.name().unwrap_or_default().to_string(),
                    email: a.email().unwrap_or_default().to_string(),
                    parent_id: parent.clone(),
                    status: account_status(a),
                    tags: Tags::new(),
                    alias: None,
                    password_policy: None,
                });
            }
        }
        Ok((ous, accounts))
    }

    pub(super) async fn tags_of(&self, id: &str) -> ProviderResult<Tags> {
        let mut tags = Tags::new();
        let mut pages = self.clients.organizations.list_tags_for_resource().resource_id(id).into_paginator().send();
        while let Some(page) = pages.next().await {
            for t in page.map_err(|e| api_error("ListTagsForResource", e))?.tags() {
                tags.insert(t.key().to_string(), t.value().to_string());
            }
        }
        Ok(tags)
    }

    /// The policies of one type (only types enabled on the root are asked for).
    pub(super) async fn list_policies(
        &self,
        policy_type: crate::model::PolicyType,
    ) -> ProviderResult<Vec<PolicyState>> {
        let mut out = Vec::new();
        let filter = PolicyType::from(policy_type.api_name());
        let mut pages = self.clients.organizations.list_policies().filter(filter).into_paginator().send();
        while let Some(page) = pages.next().await {
            for p in page.map_err(|e| api_error("ListPolicies", e))?.policies() {
                out.push(PolicyState {
                    id: required(p.id(), "policy id (ListPolicies)")?.into(),
                    name: p.name().unwrap_or_default().to_string(),
                    description: p.description().unwrap_or_default().to_string(),
                    content: String::new(),
                    aws_managed: p.aws_managed(),
                    policy_type,
                    tags: Tags::new(),
                    targets: Vec::new(),
                });
            }
        }
        Ok(out)
    }

    async fn policy_content(&self, p: &PolicyState) -> ProviderResult<String> {
        let out = self
            .clients
            .organizations
            .describe_policy()
            .policy_id(p.id.as_str())
            .send()
            .await
            .map_err(|e| api_error("DescribePolicy", e))?;
        Ok(out.policy().and_then(|p| p.content()).unwrap_or_default().to_string())
    }

    async fn policy_targets(&self, id: &str) -> ProviderResult<Vec<String>> {
        let mut targets = Vec::new();
        let mut pages = self.clients.organizations.list_targets_for_policy().policy_id(id).into_paginator().send();
        while let Some(page) = pages.next().await {
            for t in page.map_err(|e| api_error("ListTargetsForPolicy", e))?.targets() {
                targets.push(required(t.target_id(), "target id (ListTargetsForPolicy)")?);
            }
        }
        Ok(targets)
    }

    /// CreateAccount requests that have not finished (AWS reports their account name, not email).
    pub(super) async fn pending_requests(&self) -> ProviderResult<Vec<CreateRequestState>> {
        let mut out = Vec::new();
        let mut pages = self
            .clients
            .organizations
            .list_create_account_status()
            .states(CreateAccountState::InProgress)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for r in page.map_err(|e| api_error("ListCreateAccountStatus", e))?.create_account_statuses() {
                out.push(CreateRequestState {
                    id: required(r.id(), "request id (ListCreateAccountStatus)")?,
                    email: None,
                    account_name: r.account_name().unwrap_or_default().to_string(),
                    state: r.state().map(|s| s.as_str()).unwrap_or_default().into(),
                });
            }
        }
        Ok(out)
    }
}

/// The account's status (the newer `State` field when present, else the deprecated `Status`).
fn account_status(a: &aws_sdk_organizations::types::Account) -> crate::model::AccountStatus {
    if let Some(state) = a.state() {
        return state.as_str().to_string().into();
    }
    #[allow(deprecated)]
    a.status().map_or(crate::model::AccountStatus::Other(String::new()), |s| s.as_str().into())
}

/// The account's password policy; `None` when it has none (NoSuchEntity).
pub(super) async fn password_policy(iam: &aws_sdk_iam::Client) -> ProviderResult<Option<PasswordPolicy>> {
    let out = match iam.get_account_password_policy().send().await {
        Ok(out) => out,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_entity_exception()) => return Ok(None),
        Err(e) => return Err(api_error("GetAccountPasswordPolicy", e)),
    };
    let Some(p) = out.password_policy() else { return Ok(None) };
    let positive = |v: Option<i32>| v.filter(|n| *n > 0).map(|n| n as u32);
    Ok(Some(PasswordPolicy {
        minimum_password_length: positive(p.minimum_password_length()).unwrap_or(8),
        require_symbols: p.require_symbols(),
        require_numbers: p.require_numbers(),
        require_uppercase_characters: p.require_uppercase_characters(),
        require_lowercase_characters: p.require_lowercase_characters(),
        allow_users_to_change_password: p.allow_users_to_change_password(),
        max_password_age: positive(p.max_password_age()),
        password_reuse_prevention: positive(p.password_reuse_prevention()),
        hard_expiry: p.hard_expiry().unwrap_or(false),
    }))
}

pub(super) async fn alias(iam: &aws_sdk_iam::Client) -> ProviderResult<Option<String>> {
    let out = iam.list_account_aliases().send().await.map_err(|e| api_error("ListAccountAliases", e))?;
    Ok(out.account_aliases().first().cloned())
}
