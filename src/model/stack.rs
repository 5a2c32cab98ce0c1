//! CloudFormation stacks as orgctl deploys and reads them.

use super::Tags;
use crate::expr::{Text, Unknown};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Tag naming the task a stack belongs to: how orgctl knows which stacks it owns.
pub const STACK_TASK_TAG: &str = "orgctl:task";

/// Tag on the organization root listing the regions orgctl has stacks in, so that a later plan
/// finds (and can prune) stacks in regions that no task uses any more.
pub const STACK_REGIONS_TAG: &str = "orgctl:stack-regions";

/// A stack as it is deployed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackState {
    pub account_id: super::AccountId,
    pub region: super::Region,
    pub name: String,
    pub status: super::StackStatus,
    /// The deployed template (JSON); `Null` when it could not be parsed.
    pub template: serde_json::Value,
    pub parameters: BTreeMap<String, String>,
    pub outputs: BTreeMap<String, String>,
    /// Exported outputs: export name → value.
    #[serde(default)]
    pub exports: BTreeMap<String, String>,
    pub tags: Tags,
    pub termination_protection: bool,
    /// The stack policy, where the provider reads it (the sandbox does; AWS reads are spared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_policy: Option<String>,
}

/// Where a stack is: its account, region and name (a workload record's task, for records).
pub type StackKey = (super::AccountId, super::Region, String);

impl StackState {
    /// The stack's place: its account, region and name.
    pub fn key(&self) -> StackKey {
        (self.account_id.clone(), self.region.clone(), self.name.clone())
    }

    /// The task that owns the stack, from its tag.
    pub fn task(&self) -> Option<&str> {
        self.tags.get(STACK_TASK_TAG).map(String::as_str)
    }

    /// A stack that failed to create and was rolled back: it holds nothing and can be replaced.
    pub fn is_failed_creation(&self) -> bool {
        self.status == super::StackStatus::RollbackComplete
    }

    /// A stack in a state that needs a person (orgctl never deletes a stack with data to recover).
    pub fn is_stuck(&self) -> bool {
        use super::StackStatus as S;
        matches!(self.status, S::UpdateRollbackFailed | S::DeleteFailed | S::RollbackFailed)
    }
}

/// What a stack should be. A plan holds it with [`Text`] values (an AccountId may be known only
/// after apply); the provider gets it with every value known.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StackSpec<T = String> {
    pub name: String,
    /// The template as JSON text.
    pub template: T,
    pub parameters: BTreeMap<String, T>,
    pub tags: Tags,
    pub termination_protection: bool,
    /// The role CloudFormation uses (`CloudFormationRoleName`), as an ARN.
    pub role_arn: Option<T>,
    /// The role orgctl assumes in the account to deploy (`TaskRoleName`), instead of the
    /// organization access role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_role: Option<String>,
    /// `TaskViaRoleArn`: the role assumed first, from which `access_role` is assumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_role_arn: Option<T>,
    /// `StackPolicy` (or `UpdateProtection`'s deny-all-updates policy), as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_policy: Option<String>,
    /// `DisableStackRollbacks`: a failed stack is left as it failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_rollback: bool,
    /// The parameters the template declares `NoEcho`: never shown
    /// ([`crate::plan::sensitive`]).
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub sensitive: std::collections::BTreeSet<String>,
}

impl StackSpec<Text> {
    /// The spec with every unknown filled by `value`; the first it cannot fill is the error.
    pub fn resolve(&self, value: impl Fn(&Unknown) -> Option<String>) -> Result<StackSpec, Unknown> {
        let parameters =
            self.parameters.iter().map(|(k, v)| Ok((k.clone(), v.resolve(&value)?))).collect::<Result<_, _>>()?;
        Ok(StackSpec {
            name: self.name.clone(),
            template: self.template.resolve(&value)?,
            parameters,
            tags: self.tags.clone(),
            termination_protection: self.termination_protection,
            role_arn: self.role_arn.as_ref().map(|r| r.resolve(&value)).transpose()?,
            access_role: self.access_role.clone(),
            via_role_arn: self.via_role_arn.as_ref().map(|r| r.resolve(&value)).transpose()?,
            stack_policy: self.stack_policy.clone(),
            disable_rollback: self.disable_rollback,
            sensitive: self.sensitive.clone(),
        })
    }
}

/// The parameters `template` (CloudFormation's JSON) declares `NoEcho: true`.
pub fn no_echo_parameters(template: &serde_json::Value) -> std::collections::BTreeSet<String> {
    let declared = template.get("Parameters").and_then(|p| p.as_object());
    let no_echo = |d: &serde_json::Value| match d.get("NoEcho") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    declared.into_iter().flatten().filter(|(_, d)| no_echo(d)).map(|(name, _)| name.clone()).collect()
}
