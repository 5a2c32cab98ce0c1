//! The rules AWS Organizations enforces that the sandbox checks on its data (moto lets them
//! through): what may parent or be targeted, tags of any resource, the default policy on a new
//! target, a policy's type, size and document, a CreateAccount request finishing, a password
//! policy's ranges.

use super::store::SandboxData;
use super::{constraint, err};
use crate::model::{AccountState, CreateRequestStatus, PasswordPolicy, PolicyState, PolicyType, Tags};
use crate::provider::{CreateAccountStatus, ProviderResult};

impl SandboxData {
    pub(super) fn is_parent(&self, id: &str) -> bool {
        id == self.org.root.id || self.org.ous.contains_key(id)
    }

    pub(super) fn is_target(&self, id: &str) -> bool {
        self.is_parent(id) || self.org.accounts.contains_key(id)
    }

    pub(super) fn tags_of(&mut self, id: &str) -> ProviderResult<&mut Tags> {
        if id == self.org.root.id {
            return Ok(&mut self.org.root.tags);
        }
        if let Some(ou) = self.org.ous.get_mut(id) {
            return Ok(&mut ou.tags);
        }
        if let Some(a) = self.org.accounts.get_mut(id) {
            return Ok(&mut a.tags);
        }
        match self.org.policies.get_mut(id) {
            Some(p) => Ok(&mut p.tags),
            None => Err(err("TargetNotFoundException", format!("no resource {id}"))),
        }
    }

    /// New OUs and accounts get FullAWSAccess (and RCPFullAWSAccess) once the type is enabled,
    /// as on AWS.
    pub(super) fn attach_default(&mut self, target: &str) {
        for policy_type in PolicyType::ALL {
            if let Some(default) = policy_type.aws_managed_default().filter(|_| self.org.root.is_enabled(policy_type)) {
                if let Some(p) = self.org.policies.get_mut(default.id) {
                    p.targets.push(target.to_string());
                }
            }
        }
    }

    /// What AWS checks of a policy's name and document before it creates or updates it.
    pub(super) fn check_policy(
        &self,
        policy_type: PolicyType,
        name: &str,
        content: &str,
        except: Option<&str>,
    ) -> ProviderResult<()> {
        let same_name =
            |p: &&PolicyState| p.name == name && p.policy_type == policy_type && Some(p.id.as_str()) != except;
        if self.org.policies.values().any(|p| same_name(&p)) {
            return Err(err(
                "DuplicatePolicyException",
                format!("a {} named {name} already exists", policy_type.noun()),
            ));
        }
        let size_limit = self.limits.policy_size(policy_type);
        if let Err(problem) = crate::org_file::check_policy_document(policy_type, content) {
            return Err(err("MalformedPolicyDocumentException", problem.to_string()));
        }
        if content.chars().count() > size_limit {
            return Err(constraint(
                "POLICY_CONTENT_LIMIT_EXCEEDED",
                format!("the document is over {size_limit} characters"),
            ));
        }
        Ok(())
    }

    pub(super) fn policy(&self, id: &str) -> ProviderResult<&PolicyState> {
        self.org.policies.get(id).ok_or_else(|| err("PolicyNotFoundException", format!("no policy {id}")))
    }

    pub(super) fn policy_mut(&mut self, id: &str) -> ProviderResult<&mut PolicyState> {
        match self.org.policies.get_mut(id) {
            Some(p) if p.aws_managed => Err(err("PolicyChangesNotAllowedException", format!("{id} is managed by AWS"))),
            Some(p) => Ok(p),
            None => Err(err("PolicyNotFoundException", format!("no policy {id}"))),
        }
    }

    pub(super) fn account_mut(&mut self, id: &str) -> ProviderResult<&mut AccountState> {
        self.org.accounts.get_mut(id).ok_or_else(|| err("AccountNotFoundException", format!("no account {id}")))
    }

    pub(super) fn complete_request(&mut self, request_id: &str) -> ProviderResult<CreateAccountStatus> {
        let request = self
            .requests
            .get(request_id)
            .cloned()
            .ok_or_else(|| err("CreateAccountStatusNotFoundException", format!("no request {request_id}")))?;
        match request.state {
            CreateRequestStatus::Succeeded => {
                return Ok(CreateAccountStatus::Succeeded { account_id: request.account_id.unwrap_or_default() })
            }
            CreateRequestStatus::Failed => {
                return Ok(CreateAccountStatus::Failed { reason: request.failure_reason.unwrap_or_default() })
            }
            _ => {}
        }
        if request.polls_left > 0 {
            if let Some(r) = self.requests.get_mut(request_id) {
                r.polls_left -= 1;
            }
            return Ok(CreateAccountStatus::InProgress);
        }
        let email_taken = self.org.accounts.values().any(|a| a.email.eq_ignore_ascii_case(&request.email));
        let (state, account_id, reason) = if email_taken {
            (CreateRequestStatus::Failed, None, Some("EMAIL_ALREADY_EXISTS".to_string()))
        } else {
            let id = self.new_id("account");
            self.org.accounts.insert(
                id.clone().into(),
                AccountState {
                    id: id.clone().into(),
                    name: request.name.clone(),
                    email: request.email.clone(),
                    parent_id: self.org.root.id.clone(),
                    status: crate::model::AccountStatus::Active,
                    tags: request.tags.clone(),
                    alias: None,
                    password_policy: None,
                },
            );
            self.attach_default(&id);
            (CreateRequestStatus::Succeeded, Some(id), None)
        };
        if let Some(r) = self.requests.get_mut(request_id) {
            r.state = state;
            r.account_id = account_id.clone();
            r.failure_reason = reason.clone();
        }
        Ok(match account_id {
            Some(account_id) => CreateAccountStatus::Succeeded { account_id },
            None => CreateAccountStatus::Failed { reason: reason.unwrap_or_default() },
        })
    }
}

pub(super) fn check_password_policy(p: &PasswordPolicy) -> ProviderResult<()> {
    let bad = !(6..=128).contains(&p.minimum_password_length)
        || p.max_password_age.is_some_and(|a| !(1..=1095).contains(&a))
        || p.password_reuse_prevention.is_some_and(|r| !(1..=24).contains(&r));
    if bad {
        return Err(err("ValidationError", "a password policy value is out of range"));
    }
    Ok(())
}
