//! Reading the organization's Identity Center: the instance, every permission set with its
//! policies and tags, their assignments in the accounts they are provisioned to (and in the
//! organization's accounts, which an emulator does not list), and the identity store's names,
//! in parallel within the SSO admin API's quotas.

use super::*;

impl AwsProvider {
    async fn permission_set_state(
        &self,
        admin: &aws_sdk_ssoadmin::Client,
        instance: &str,
        arn: String,
    ) -> ProviderResult<(PermissionSetState, bool)> {
        let described = admin
            .describe_permission_set()
            .instance_arn(instance)
            .permission_set_arn(&arn)
            .send()
            .await
            .map_err(|e| api_error("DescribePermissionSet", e))?;
        let set = described.permission_set();
        let mut settings = PermissionSet {
            name: set.and_then(|s| s.name()).unwrap_or_default().to_string(),
            description: set.and_then(|s| s.description()).map(str::to_string),
            session_duration: set.and_then(|s| s.session_duration()).map(str::to_string),
            relay_state: set.and_then(|s| s.relay_state()).map(str::to_string),
            ..PermissionSet::default()
        };
        let inline = admin
            .get_inline_policy_for_permission_set()
            .instance_arn(instance)
            .permission_set_arn(&arn)
            .send()
            .await
            .map_err(|e| api_error("GetInlinePolicyForPermissionSet", e))?;
        settings.inline_policy = inline
            .inline_policy()
            .filter(|p| !p.is_empty())
            .map(|p| serde_json::from_str::<serde_json::Value>(p).map_or_else(|_| p.to_string(), |v| v.to_string()));
        let mut pages = admin
            .list_managed_policies_in_permission_set()
            .instance_arn(instance)
            .permission_set_arn(&arn)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error("ListManagedPoliciesInPermissionSet", e))?;
            settings
                .managed_policies
                .extend(page.attached_managed_policies().iter().filter_map(|p| p.arn().map(str::to_string)));
        }
        let mut pages = admin
            .list_customer_managed_policy_references_in_permission_set()
            .instance_arn(instance)
            .permission_set_arn(&arn)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error("ListCustomerManagedPolicyReferencesInPermissionSet", e))?;
            settings.customer_managed_policies.extend(
                page.customer_managed_policy_references().iter().map(|r| CustomerPolicyRef {
                    name: r.name().to_string(),
                    path: r.path().unwrap_or("/").to_string(),
                }),
            );
        }
        let boundary = admin
            .get_permissions_boundary_for_permission_set()
            .instance_arn(instance)
            .permission_set_arn(&arn)
            .customize()
            .config_override(no_retry())
            .send()
            .await
            .map_err(|e| api_error_unretried("GetPermissionsBoundaryForPermissionSet", e));
        let boundary = match boundary {
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            other => optional(other)?,
        };
        settings.permissions_boundary = boundary.and_then(|b| {
            let b = b.permissions_boundary()?;
            match (b.managed_policy_arn(), b.customer_managed_policy_reference()) {
                (Some(arn), _) => Some(PermissionsBoundary::Managed(arn.to_string())),
                (None, Some(r)) => Some(PermissionsBoundary::Customer(CustomerPolicyRef {
                    name: r.name().to_string(),
                    path: r.path().unwrap_or("/").to_string(),
                })),
                (None, None) => None,
            }
        });
        let tags = admin
            .list_tags_for_resource()
            .instance_arn(instance)
            .resource_arn(&arn)
            .customize()
            .config_override(no_retry())
            .send()
            .await
            .map_err(|e| api_error_unretried("ListTagsForResource", e));
        let tags: Option<Tags> = optional(tags)?
            .map(|out| out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect());
        let owner = tags.as_ref().and_then(|t| t.get(PERMISSION_SET_OWNER_TAG).cloned());
        settings.tags = tags.as_ref().map(crate::model::user_tags).unwrap_or_default();
        Ok((PermissionSetState { arn, settings, owner }, tags.is_some()))
    }

    /// The assignments of one permission set in one account.
    async fn assignments_in(
        &self,
        admin: &aws_sdk_ssoadmin::Client,
        instance: &str,
        arn: &str,
        account_id: &str,
    ) -> ProviderResult<Vec<AssignmentState>> {
        let mut out = Vec::new();
        let mut pages = admin
            .list_account_assignments()
            .instance_arn(instance)
            .account_id(account_id)
            .permission_set_arn(arn)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error("ListAccountAssignments", e))?;
            out.extend(page.account_assignments().iter().filter_map(|a| {
                let principal_type = match a.principal_type()? {
                    SdkPrincipal::Group => PrincipalType::Group,
                    SdkPrincipal::User => PrincipalType::User,
                    _ => return None,
                };
                Some(AssignmentState {
                    permission_set_arn: arn.to_string(),
                    principal_type,
                    principal_id: a.principal_id()?.to_string(),
                    account_id: account_id.to_string(),
                })
            }));
        }
        Ok(out)
    }

    /// The accounts a permission set is provisioned to (every account it has an assignment in).
    async fn provisioned_accounts(
        &self,
        admin: &aws_sdk_ssoadmin::Client,
        instance: &str,
        arn: &str,
    ) -> ProviderResult<Vec<String>> {
        let mut out = Vec::new();
        let mut pages = admin
            .list_accounts_for_provisioned_permission_set()
            .instance_arn(instance)
            .permission_set_arn(arn)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error("ListAccountsForProvisionedPermissionSet", e))?;
            out.extend(page.account_ids().iter().cloned());
        }
        Ok(out)
    }

    async fn identity_store(
        &self,
        store: &aws_sdk_identitystore::Client,
        id: &str,
        state: &mut IdentityCenterState,
    ) -> ProviderResult<()> {
        let mut pages = store.list_groups().identity_store_id(id).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error("ListGroups", e))?;
            for g in page.groups() {
                if let Some(name) = g.display_name() {
                    state.groups.insert(name.to_string(), g.group_id().to_string());
                }
            }
        }
        let mut pages = store.list_users().identity_store_id(id).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error("ListUsers", e))?;
            for u in page.users() {
                if let Some(name) = u.user_name() {
                    state.users.insert(name.to_string(), u.user_id().to_string());
                }
            }
        }
        Ok(())
    }

    /// The organization's accounts, which the assignments are read in besides the accounts each
    /// permission set is provisioned to (an emulator does not list those).
    pub(super) async fn read_identity_center_in(
        &self,
        scope: &IdentityScope,
    ) -> ProviderResult<Option<IdentityCenterState>> {
        let (admin, store) = self.clients.identity_center();
        let instances = admin.list_instances().send().await.map_err(|e| api_error("ListInstances", e))?;
        let Some(instance) = instances.instances().iter().find(|i| i.instance_arn().is_some()) else { return Ok(None) };
        let instance_arn = instance.instance_arn().unwrap_or_default().to_string();
        let mut state = IdentityCenterState {
            instance_arn: instance_arn.clone(),
            identity_store_id: instance.identity_store_id().unwrap_or_default().to_string(),
            ownership_known: true,
            ..IdentityCenterState::default()
        };
        let mut arns = Vec::new();
        let mut pages = admin.list_permission_sets().instance_arn(&instance_arn).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error("ListPermissionSets", e))?;
            arns.extend(page.permission_sets().iter().cloned());
        }
        let sets = parallel_at(AT_ONCE, arns, |arn| self.permission_set_state(&admin, &instance_arn, arn)).await?;
        state.ownership_known = sets.iter().all(|(_, tags_read)| *tags_read);
        state.permission_sets = sets.into_iter().map(|(s, _)| s).collect();
        state.permission_sets.sort_by(|a, b| a.settings.name.cmp(&b.settings.name));
        let provisioned = parallel_at(AT_ONCE, state.permission_sets.iter().map(|p| p.arn.clone()).collect(), |arn| {
            let admin = &admin;
            let instance = &instance_arn;
            async move { Ok((arn.clone(), self.provisioned_accounts(admin, instance, &arn).await?)) }
        })
        .await?;
        let everywhere = self.known_account_ids();
        let mut places = std::collections::BTreeSet::new();
        for (arn, mut in_accounts) in provisioned {
            let name = state.permission_set(&arn).map(|p| p.settings.name.clone()).unwrap_or_default();
            match scope {
                IdentityScope::Everywhere => in_accounts.extend(everywhere.iter().cloned()),
                IdentityScope::Provisioned(also) => in_accounts.extend(
                    also.iter().filter(|(set, _)| set.eq_ignore_ascii_case(&name)).map(|(_, account)| account.clone()),
                ),
            }
            places.extend(in_accounts.into_iter().map(|a| (arn.clone(), a)));
        }
        let found = parallel_at(AT_ONCE, places.into_iter().collect(), |(arn, account)| {
            let admin = &admin;
            let instance = &instance_arn;
            async move { self.assignments_in(admin, instance, &arn, &account).await }
        })
        .await?;
        state.assignments = found.into_iter().flatten().collect();
        state.assignments.sort();
        state.assignments.dedup();
        let store_id = state.identity_store_id.clone();
        self.identity_store(&store, &store_id, &mut state).await?;
        Ok(Some(state))
    }
}
