//! CloudFormation stacks in member accounts (and the management account), through the
//! account's organization access role, with waiters that back off until a stack settles.

use super::errors::api_error;
use super::AwsProvider;
use crate::model::{StackSpec, StackState, StackStatus, STACK_TASK_TAG};
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_cloudformation::types::{Capability, Parameter, Tag, TemplateStage};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long a stack may take to settle.
const STACK_TIMEOUT: Duration = Duration::from_secs(60 * 60);

impl AwsProvider {
    /// CloudFormation in an account, through `role` (else the organization access role).
    async fn cfn_as(
        &self,
        account_id: &str,
        region: &str,
        role: Option<&str>,
        via: Option<&str>,
    ) -> ProviderResult<aws_sdk_cloudformation::Client> {
        let credentials = self.credentials_in(account_id, role, via).await?;
        Ok(self.clients.cloudformation(account_id, region, credentials))
    }

    /// The credentials to act in `account_id`: the caller's own in the management account (no
    /// role named), else `role` (or the account's access role) assumed, through `via` if given.
    pub(super) async fn credentials_in(
        &self,
        account_id: &str,
        role: Option<&str>,
        via: Option<&str>,
    ) -> ProviderResult<Option<aws_sdk_iam::config::Credentials>> {
        let email = self.email_of(account_id);
        Ok(match (role, via) {
            (None, None) if account_id == self.management_account_id => None,
            (None, _) => {
                Some(self.clients.member_credentials(account_id, self.roles.role_for(account_id, &email), via).await?)
            }
            (Some(role), _) => Some(self.clients.member_credentials(account_id, role, via).await?),
        })
    }

    async fn cfn(&self, account_id: &str, region: &str) -> ProviderResult<aws_sdk_cloudformation::Client> {
        self.cfn_as(account_id, region, None, None).await
    }

    fn stack_state(&self, account_id: &str, region: &str, s: &aws_sdk_cloudformation::types::Stack) -> StackState {
        StackState {
            account_id: account_id.into(),
            region: region.into(),
            name: s.stack_name().unwrap_or_default().into(),
            status: s.stack_status().map(|st| st.as_str()).unwrap_or_default().into(),
            template: serde_json::Value::Null,
            parameters: s
                .parameters()
                .iter()
                .map(|p| {
                    (
                        p.parameter_key().unwrap_or_default().to_string(),
                        p.parameter_value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            outputs: s
                .outputs()
                .iter()
                .map(|o| {
                    (o.output_key().unwrap_or_default().to_string(), o.output_value().unwrap_or_default().to_string())
                })
                .collect(),
            exports: s
                .outputs()
                .iter()
                .filter_map(|o| Some((o.export_name()?.to_string(), o.output_value().unwrap_or_default().to_string())))
                .collect(),
            tags: s
                .tags()
                .iter()
                .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
                .collect(),
            termination_protection: s.enable_termination_protection().unwrap_or(false),
            stack_policy: None,
        }
    }

    pub(super) async fn list_stacks(&self, account_id: &str, region: &str) -> ProviderResult<Vec<StackState>> {
        let cfn = self.cfn(account_id, region).await?;
        let mut out = Vec::new();
        let mut pages = cfn.describe_stacks().into_paginator().send();
        while let Some(page) = pages.next().await {
            for s in page.map_err(|e| api_error("DescribeStacks", e))?.stacks() {
                let state = self.stack_state(account_id, region, s);
                if state.tags.contains_key(STACK_TASK_TAG) && state.status != StackStatus::DeleteComplete {
                    out.push(state);
                }
            }
        }
        for s in &mut out {
            let body = cfn
                .get_template()
                .stack_name(&s.name)
                .template_stage(TemplateStage::Original)
                .send()
                .await
                .map_err(|e| api_error("GetTemplate", e))?;
            s.template =
                serde_json::from_str(body.template_body().unwrap_or_default()).unwrap_or(serde_json::Value::Null);
        }
        Ok(out)
    }

    async fn describe(
        &self,
        cfn: &aws_sdk_cloudformation::Client,
        account_id: &str,
        region: &str,
        name: &str,
    ) -> ProviderResult<Option<StackState>> {
        match cfn.describe_stacks().stack_name(name).send().await {
            Ok(out) => Ok(out.stacks().first().map(|s| self.stack_state(account_id, region, s))),
            Err(e) => {
                let e = api_error("DescribeStacks", e);
                if e.message.contains("does not exist") {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Polls until the stack leaves every *_IN_PROGRESS state; `None` once it is gone. `verb`
    /// names the operation: stacks of one name and operation (one task's) take about as long,
    /// so the schedule learns from the first to finish.
    async fn wait(
        &self,
        cfn: &aws_sdk_cloudformation::Client,
        account_id: &str,
        region: &str,
        name: &str,
        verb: &str,
    ) -> ProviderResult<Option<StackState>> {
        let kind = format!("{verb} {name}");
        let started = Instant::now();
        let mut unfinished = None;
        loop {
            tokio::time::sleep(self.stack_polls.next(&kind, started.elapsed(), unfinished.is_some())).await;
            let asked = started.elapsed();
            let state = self.describe(cfn, account_id, region, name).await?;
            match &state {
                Some(s) if s.status.is_in_progress() => unfinished = Some(asked),
                _ => {
                    self.stack_polls.learn(&kind, unfinished, asked);
                    return Ok(state);
                }
            }
            if started.elapsed() > STACK_TIMEOUT {
                return Err(ProviderError::new(
                    "StackTimeout",
                    format!("stack {name} in {account_id}/{region} did not settle within an hour"),
                ));
            }
        }
    }

    fn settled(
        name: &str,
        account_id: &str,
        region: &str,
        state: Option<StackState>,
        wanted: &[&str],
    ) -> ProviderResult<()> {
        match state {
            Some(s) if wanted.contains(&s.status.as_str()) => Ok(()),
            None if wanted.is_empty() => Ok(()),
            Some(s) => Err(ProviderError::new(
                "StackFailed",
                format!("stack {name} in {account_id}/{region} ended in {}", s.status),
            )),
            None => {
                Err(ProviderError::new("StackFailed", format!("stack {name} in {account_id}/{region} disappeared")))
            }
        }
    }

    pub(super) async fn put_stack(
        &self,
        account_id: &str,
        region: &str,
        spec: &StackSpec,
        create: bool,
    ) -> ProviderResult<()> {
        let cfn = self.cfn_as(account_id, region, spec.access_role.as_deref(), spec.via_role_arn.as_deref()).await?;
        let parameters: Vec<Parameter> = spec
            .parameters
            .iter()
            .map(|(k, v)| Parameter::builder().parameter_key(k).parameter_value(v).build())
            .collect();
        let tags: Vec<Tag> = spec.tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        let capabilities =
            vec![Capability::CapabilityIam, Capability::CapabilityNamedIam, Capability::CapabilityAutoExpand];
        if create {
            cfn.create_stack()
                .stack_name(&spec.name)
                .template_body(&spec.template)
                .set_parameters(Some(parameters))
                .set_tags(Some(tags))
                .set_capabilities(Some(capabilities))
                .enable_termination_protection(spec.termination_protection)
                .set_role_arn(spec.role_arn.clone())
                .set_stack_policy_body(spec.stack_policy.clone())
                .set_on_failure(spec.disable_rollback.then_some(aws_sdk_cloudformation::types::OnFailure::DoNothing))
                .send()
                .await
                .map_err(|e| api_error("CreateStack", e))?;
            let state = self.wait(&cfn, account_id, region, &spec.name, "create").await?;
            return Self::settled(&spec.name, account_id, region, state, &["CREATE_COMPLETE"]);
        }
        let updated = cfn
            .update_stack()
            .stack_name(&spec.name)
            .template_body(&spec.template)
            .set_parameters(Some(parameters))
            .set_tags(Some(tags))
            .set_capabilities(Some(capabilities))
            .set_role_arn(spec.role_arn.clone())
            .set_stack_policy_body(spec.stack_policy.clone())
            .disable_rollback(spec.disable_rollback)
            .send()
            .await;
        let state = match updated {
            Ok(_) => {
                let state = self.wait(&cfn, account_id, region, &spec.name, "update").await?;
                Self::settled(&spec.name, account_id, region, state.clone(), &["UPDATE_COMPLETE"])?;
                state
            }
            Err(e) => {
                let e = api_error("UpdateStack", e);
                if !e.message.contains("No updates are to be performed") {
                    return Err(e);
                }
                self.describe(&cfn, account_id, region, &spec.name).await?
            }
        };
        // Only a change of the setting is sent (one call fewer per stack, and emulators without
        // UpdateTerminationProtection keep working).
        if state.is_some_and(|s| s.termination_protection == spec.termination_protection) {
            return Ok(());
        }
        cfn.update_termination_protection()
            .stack_name(&spec.name)
            .enable_termination_protection(spec.termination_protection)
            .send()
            .await
            .map_err(|e| api_error("UpdateTerminationProtection", e))?;
        Ok(())
    }

    pub(super) async fn remove_stack(&self, account_id: &str, region: &str, name: &str) -> ProviderResult<()> {
        let cfn = self.cfn(account_id, region).await?;
        cfn.delete_stack().stack_name(name).send().await.map_err(|e| api_error("DeleteStack", e))?;
        let state = self.wait(&cfn, account_id, region, name, "delete").await?;
        Self::settled(name, account_id, region, state.filter(|s| s.status != StackStatus::DeleteComplete), &[])
    }

    pub(super) async fn export_of(&self, account_id: &str, region: &str, name: &str) -> ProviderResult<Option<String>> {
        let cfn = self.cfn(account_id, region).await?;
        let mut pages = cfn.list_exports().into_paginator().send();
        while let Some(page) = pages.next().await {
            for e in page.map_err(|e| api_error("ListExports", e))?.exports() {
                if e.name() == Some(name) {
                    return Ok(e.value().map(str::to_string));
                }
            }
        }
        Ok(None)
    }

    pub(super) async fn outputs_of(
        &self,
        account_id: &str,
        region: &str,
        name: &str,
    ) -> ProviderResult<BTreeMap<String, String>> {
        let cfn = self.cfn(account_id, region).await?;
        self.describe(&cfn, account_id, region, name).await?.map(|s| s.outputs).ok_or_else(|| {
            ProviderError::new("StackNotFound", format!("stack {name} does not exist in {account_id}/{region}"))
        })
    }

    /// RegisterType, waiting for the registration, then the new version made the default.
    pub(super) async fn put_type(
        &self,
        account_id: &str,
        region: &str,
        role: Option<&str>,
        type_name: &str,
        package: &str,
    ) -> ProviderResult<()> {
        use aws_sdk_cloudformation::types::{RegistrationStatus, RegistryType};
        let cfn = self.cfn_as(account_id, region, role, None).await?;
        let token = cfn
            .register_type()
            .r#type(RegistryType::Resource)
            .type_name(type_name)
            .schema_handler_package(package)
            .send()
            .await
            .map_err(|e| api_error("RegisterType", e))?
            .registration_token
            .ok_or_else(|| crate::provider::ProviderError::new("RegisterType", "no registration token"))?;
        let mut delay = std::time::Duration::from_secs(2);
        for _ in 0..120 {
            let status = cfn
                .describe_type_registration()
                .registration_token(&token)
                .send()
                .await
                .map_err(|e| api_error("DescribeTypeRegistration", e))?;
            match status.progress_status() {
                Some(RegistrationStatus::Complete) => {
                    if let Some(arn) = status.type_version_arn() {
                        cfn.set_type_default_version()
                            .arn(arn)
                            .send()
                            .await
                            .map_err(|e| api_error("SetTypeDefaultVersion", e))?;
                    }
                    return Ok(());
                }
                Some(RegistrationStatus::Failed) => {
                    return Err(crate::provider::ProviderError::new(
                        "RegisterTypeFailed",
                        format!(
                            "registering {type_name} in {account_id}/{region} failed: {}",
                            status.description().unwrap_or("no reason given")
                        ),
                    ))
                }
                _ => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(15));
                }
            }
        }
        Err(crate::provider::ProviderError::new(
            "RegisterTypeTimeout",
            format!("{type_name} in {account_id}/{region} was still registering after 30 minutes"),
        ))
    }

    pub(super) async fn remove_type(
        &self,
        account_id: &str,
        region: &str,
        role: Option<&str>,
        type_name: &str,
    ) -> ProviderResult<()> {
        let cfn = self.cfn_as(account_id, region, role, None).await?;
        cfn.deregister_type()
            .r#type(aws_sdk_cloudformation::types::RegistryType::Resource)
            .type_name(type_name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("DeregisterType", e))
    }
}
