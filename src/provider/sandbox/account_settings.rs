//! The sandbox provider's what is set inside each account: password policy, alias, contacts, regions, support plan, services used.

use super::*;
use crate::model::AccountId;

#[async_trait]
impl AccountSettings for SandboxProvider {
    async fn set_password_policy(&self, account_id: &AccountId, policy: &PasswordPolicy) -> ProviderResult<()> {
        self.write("UpdateAccountPasswordPolicy", &[account_id], |d| {
            check_password_policy(policy)?;
            d.account_mut(account_id)?.password_policy = Some(policy.clone());
            Ok(())
        })
    }

    async fn set_alias(&self, account_id: &AccountId, alias: Option<&str>) -> ProviderResult<()> {
        self.write("CreateAccountAlias", &[account_id, alias.unwrap_or_default()], |d| {
            if let Some(alias) = alias {
                if d.org.accounts.values().any(|a| a.id != *account_id && a.alias.as_deref() == Some(alias)) {
                    return Err(err("EntityAlreadyExists", format!("the alias {alias} is taken")));
                }
            }
            d.account_mut(account_id)?.alias = alias.map(str::to_string);
            Ok(())
        })
    }

    async fn services_last_used(
        &self,
        entity: &crate::model::EntityPath,
    ) -> ProviderResult<Vec<crate::model::ServiceLastUsed>> {
        let account_id = entity.account_id();
        if self.faults.check("GenerateOrganizationsAccessReport", &[account_id]) == Some(Mode::Fail) {
            return Err(err(
                "AccessDenied",
                "injected failure: not authorized to perform iam:GenerateOrganizationsAccessReport",
            ));
        }
        let data = self.reading("GenerateOrganizationsAccessReport", &[entity.as_str()]);
        data.org.accounts.get(account_id).ok_or_else(|| err("InvalidInput", entity.as_str()))?;
        Ok(data.services_last_used.get(account_id).cloned().unwrap_or_default())
    }

    async fn alternate_contacts(
        &self,
        account_id: &AccountId,
    ) -> ProviderResult<std::collections::BTreeMap<String, crate::model::AlternateContact>> {
        let data = self.reading("GetAlternateContact", &[account_id]);
        Ok(data.contacts.get(account_id.as_str()).cloned().unwrap_or_default())
    }

    async fn support_level(&self, account_id: &AccountId) -> ProviderResult<crate::model::SupportLevel> {
        if self.faults.check("DescribeSeverityLevels", &[account_id]) == Some(Mode::Fail) {
            return Err(err("InternalServerError", "injected failure"));
        }
        let data = self.reading("DescribeSeverityLevels", &[account_id]);
        data.org.accounts.get(account_id).ok_or_else(|| err("AccountNotFoundException", account_id))?;
        Ok(data.support_levels.get(account_id.as_str()).copied().unwrap_or(crate::model::SupportLevel::Basic))
    }

    /// AWS Support acts on the case at once here (on AWS it takes a person and some time).
    async fn request_support_level(
        &self,
        account_id: &AccountId,
        level: crate::model::SupportLevel,
        _cc: &str,
    ) -> ProviderResult<()> {
        self.write("CreateCase", &[account_id, level.as_str()], |d| {
            d.account_mut(account_id)?;
            d.support_levels.insert(account_id.to_string(), level);
            Ok(())
        })
    }

    async fn put_alternate_contact(
        &self,
        account_id: &AccountId,
        contact_type: &str,
        contact: &crate::model::AlternateContact,
    ) -> ProviderResult<()> {
        self.write("PutAlternateContact", &[account_id, contact_type], |d| {
            d.account_mut(account_id)?;
            if !crate::model::CONTACT_TYPES.iter().any(|(_, api)| *api == contact_type) {
                return Err(err("ValidationException", format!("{contact_type} is not a contact type")));
            }
            d.contacts.entry(account_id.to_string()).or_default().insert(contact_type.to_string(), contact.clone());
            Ok(())
        })
    }

    async fn region_opt_status(
        &self,
        account_id: &AccountId,
        regions: &[String],
    ) -> ProviderResult<std::collections::BTreeMap<String, String>> {
        let data = self.reading("ListRegions", &[account_id]);
        let enabled = data.regions.get(account_id.as_str());
        Ok(regions
            .iter()
            .map(|r| {
                let status = if !crate::model::OPT_IN_REGIONS.contains(&r.as_str()) {
                    "ENABLED_BY_DEFAULT"
                } else if enabled.is_some_and(|e| e.contains(r)) {
                    "ENABLED"
                } else {
                    "DISABLED"
                };
                (r.clone(), status.to_string())
            })
            .collect())
    }

    /// As AWS: only opt-in regions change; the sandbox finishes at once.
    async fn set_region_opt_in(&self, account_id: &AccountId, region: &str, enabled: bool) -> ProviderResult<()> {
        self.write(if enabled { "EnableRegion" } else { "DisableRegion" }, &[account_id, region], |d| {
            d.account_mut(account_id)?;
            if !crate::model::OPT_IN_REGIONS.contains(&region) {
                return Err(err("ValidationException", format!("{region} is enabled by default and cannot change")));
            }
            let set = d.regions.entry(account_id.to_string()).or_default();
            if enabled {
                set.insert(region.to_string());
            } else {
                set.remove(region);
            }
            Ok(())
        })
    }
}
