//! The AWS provider's what is set inside each account: password policy, alias, contacts, regions, support plan, services used.

use super::*;
use crate::model::AccountId;

#[async_trait]
impl AccountSettings for AwsProvider {
    async fn support_level(&self, account_id: &AccountId) -> ProviderResult<crate::model::SupportLevel> {
        let credentials = if *account_id == self.management_account_id {
            None
        } else {
            let role = self.roles.role_for(account_id, &self.email_of(account_id));
            Some(self.clients.member_credentials(account_id, role, None).await?)
        };
        match self.clients.support(account_id, credentials).describe_severity_levels().send().await {
            Ok(levels) => Ok(crate::model::SupportLevel::from_severity_codes(
                levels.severity_levels().iter().filter_map(|l| l.code()),
            )),
            Err(e) => {
                let e = api_error("DescribeSeverityLevels", e);
                // The Support API is not part of the Basic plan.
                if e.code == "SubscriptionRequiredException" {
                    Ok(crate::model::SupportLevel::Basic)
                } else {
                    Err(e)
                }
            }
        }
    }

    async fn request_support_level(
        &self,
        account_id: &AccountId,
        level: crate::model::SupportLevel,
        cc: &str,
    ) -> ProviderResult<()> {
        let mut case = self
            .clients
            .support(&self.management_account_id, None)
            .create_case()
            .subject(format!("Enable {level} support for account {account_id}"))
            .communication_body(format!(
                "Hello AWS Support,\n\nplease put account {account_id} of organization {} on the {level} support plan, as the organization's management account is.\n\nThis case was opened by orgctl; please resolve it when done.",
                self.organization_id
            ))
            .service_code("customer-account")
            .category_code("other-account-issues")
            .severity_code("low")
            .issue_type("customer-service");
        if !cc.is_empty() {
            case = case.cc_email_addresses(cc);
        }
        case.send().await.map(|_| ()).map_err(|e| api_error("CreateCase", e))
    }

    async fn alternate_contacts(
        &self,
        account_id: &AccountId,
    ) -> ProviderResult<std::collections::BTreeMap<String, crate::model::AlternateContact>> {
        use aws_sdk_account::types::AlternateContactType;
        let mut out = std::collections::BTreeMap::new();
        for (_, api) in crate::model::CONTACT_TYPES {
            // The management account's own contacts are read without AccountId (AWS refuses it).
            let mut get =
                self.clients.account.get_alternate_contact().alternate_contact_type(AlternateContactType::from(api));
            if *account_id != self.management_account_id {
                get = get.account_id(account_id);
            }
            match get.send().await {
                Ok(found) => {
                    if let Some(c) = found.alternate_contact() {
                        out.insert(
                            api.to_string(),
                            crate::model::AlternateContact {
                                name: c.name().unwrap_or_default().into(),
                                title: c.title().unwrap_or_default().into(),
                                email_address: c.email_address().unwrap_or_default().into(),
                                phone_number: c.phone_number().unwrap_or_default().into(),
                            },
                        );
                    }
                }
                Err(e) => {
                    let e = api_error("GetAlternateContact", e);
                    // Not set yet: AWS says ResourceNotFound (moto: a validation error).
                    if !(e.code.contains("NotFound")
                        || e.message.contains("No contact")
                        || e.code.contains("Validation"))
                    {
                        return Err(e);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn put_alternate_contact(
        &self,
        account_id: &AccountId,
        contact_type: &str,
        contact: &crate::model::AlternateContact,
    ) -> ProviderResult<()> {
        let mut put = self
            .clients
            .account
            .put_alternate_contact()
            .alternate_contact_type(aws_sdk_account::types::AlternateContactType::from(contact_type))
            .name(&contact.name)
            .title(&contact.title)
            .email_address(&contact.email_address)
            .phone_number(&contact.phone_number);
        if *account_id != self.management_account_id {
            put = put.account_id(account_id);
        }
        put.send().await.map(|_| ()).map_err(|e| api_error("PutAlternateContact", e))
    }

    async fn region_opt_status(
        &self,
        account_id: &AccountId,
        regions: &[String],
    ) -> ProviderResult<std::collections::BTreeMap<String, String>> {
        let mut out = std::collections::BTreeMap::new();
        for region in regions {
            let mut get = self.clients.account.get_region_opt_status().region_name(region);
            if *account_id != self.management_account_id {
                get = get.account_id(account_id);
            }
            let status = get.send().await.map_err(|e| api_error("GetRegionOptStatus", e))?;
            out.insert(region.clone(), status.region_opt_status().map_or("DISABLED", |s| s.as_str()).to_string());
        }
        Ok(out)
    }

    async fn set_region_opt_in(&self, account_id: &AccountId, region: &str, enabled: bool) -> ProviderResult<()> {
        let account = (*account_id != self.management_account_id).then(|| account_id.to_string());
        if enabled {
            let call = self.clients.account.enable_region().region_name(region).set_account_id(account);
            call.send().await.map(|_| ()).map_err(|e| api_error("EnableRegion", e))
        } else {
            let call = self.clients.account.disable_region().region_name(region).set_account_id(account);
            call.send().await.map(|_| ()).map_err(|e| api_error("DisableRegion", e))
        }
    }

    async fn services_last_used(
        &self,
        entity: &crate::model::EntityPath,
    ) -> ProviderResult<Vec<crate::model::ServiceLastUsed>> {
        self.organizations_access_report(entity).await
    }

    async fn set_password_policy(&self, account_id: &AccountId, p: &PasswordPolicy) -> ProviderResult<()> {
        let iam = self.iam_for(account_id, &self.email_of(account_id)).await?;
        // Every field, always: IAM resets the ones left out.
        iam.update_account_password_policy()
            .minimum_password_length(p.minimum_password_length as i32)
            .require_symbols(p.require_symbols)
            .require_numbers(p.require_numbers)
            .require_uppercase_characters(p.require_uppercase_characters)
            .require_lowercase_characters(p.require_lowercase_characters)
            .allow_users_to_change_password(p.allow_users_to_change_password)
            .set_max_password_age(p.max_password_age.map(|v| v as i32))
            .set_password_reuse_prevention(p.password_reuse_prevention.map(|v| v as i32))
            .hard_expiry(p.hard_expiry)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("UpdateAccountPasswordPolicy", e))
    }

    async fn set_alias(&self, account_id: &AccountId, alias: Option<&str>) -> ProviderResult<()> {
        let iam = self.iam_for(account_id, &self.email_of(account_id)).await?;
        let current = read::alias(&iam).await?;
        if current.as_deref() == alias {
            return Ok(());
        }
        if let Some(old) = current {
            iam.delete_account_alias()
                .account_alias(old)
                .send()
                .await
                .map_err(|e| api_error("DeleteAccountAlias", e))?;
        }
        if let Some(new) = alias {
            iam.create_account_alias()
                .account_alias(new)
                .send()
                .await
                .map_err(|e| api_error("CreateAccountAlias", e))?;
        }
        Ok(())
    }
}
