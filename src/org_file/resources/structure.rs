//! The organization's structure besides accounts: `OC::ORG::OrganizationRoot`,
//! `OC::ORG::OrganizationalUnit`, the policies of every type, and `OC::ORG::PasswordPolicy`.

use super::super::declared::*;
use super::super::eval::Env;
use super::super::report::Reporter;
use super::read::*;
use super::RawResource;
use crate::diagnostic::Diagnostic;
use crate::expr::Value;
use crate::model::{PasswordPolicy, PolicyType};
use std::collections::HashMap;

pub(super) fn organizational_unit(raw: &RawResource, env: &Env, r: &mut Reporter) -> OuSpec {
    required(raw, "OrganizationalUnitName", r);
    OuSpec {
        logical_id: raw.logical_id.clone(),
        span: raw.span,
        name: string(raw, "OrganizationalUnitName", env, r),
        accounts: refs(raw, "Accounts", &[ResourceKind::Account, ResourceKind::MasterAccount], env.kinds, r),
        children: refs(raw, "OrganizationalUnits", &[ResourceKind::OrganizationalUnit], env.kinds, r),
        scps: refs(raw, "ServiceControlPolicies", &[ResourceKind::Policy(PolicyType::ServiceControl)], env.kinds, r),
        scps_span: raw.prop("ServiceControlPolicies").map(|n| n.span),
        other_policies: other_policies(raw, env.kinds, r),
        tags: tags(raw, env, r),
    }
}

pub(super) fn policy(raw: &RawResource, policy_type: PolicyType, env: &Env, r: &mut Reporter) -> PolicySpec {
    required(raw, "PolicyName", r);
    required(raw, "PolicyDocument", r);
    let content = raw.prop("PolicyDocument").and_then(|node| {
        let value = match env.value(node) {
            Ok(v) => v,
            Err(e) => {
                r.eval_error(e, node.span, &raw.logical_id, "PolicyDocument");
                return None;
            }
        };
        // A document given as a JSON string is parsed, so that it is minified like a YAML one.
        let value = match value {
            Value::Text(text) => match serde_json::from_str::<serde_json::Value>(&text.shown()) {
                Ok(v) if text.is_known() => Value::from(v),
                Ok(_) => {
                    r.error(
                        "invalid-policy-json",
                        node.span,
                        &raw.logical_id,
                        Some("PolicyDocument"),
                        "a policy written as JSON text cannot name an account that does not exist yet",
                    )
                    .help = Some("write the document as YAML: its values may use !Ref and !Sub".into());
                    return None;
                }
                Err(e) => {
                    r.error(
                        "invalid-policy-json",
                        node.span,
                        &raw.logical_id,
                        Some("PolicyDocument"),
                        format!("the policy document is not valid JSON: {e}"),
                    )
                    .help = Some("write the document as YAML, or as a JSON string that parses".into());
                    return None;
                }
            },
            v => v,
        };
        if let Err(problem) = super::super::check_document(policy_type, &value.shown()) {
            r.error("invalid-policy", node.span, &raw.logical_id, Some("PolicyDocument"), problem.to_string()).help =
                Some(super::super::policy_document::document_hint(policy_type));
            return None;
        }
        if policy_type.is_authorization_policy() {
            for advice in crate::policy::document::advice(&value.shown()) {
                let d = crate::diagnostic::Diagnostic::warning("policy-advice", advice);
                r.report(d, node.span, &raw.logical_id, Some("PolicyDocument"));
            }
        }
        let minified = env.settle(value.to_json_text(), &raw.logical_id, "PolicyDocument");
        Some(Located { value: minified, span: node.span })
    });
    PolicySpec {
        logical_id: raw.logical_id.clone(),
        span: raw.span,
        policy_type,
        name: string(raw, "PolicyName", env, r),
        description: string(raw, "Description", env, r).map(|l| l.value).unwrap_or_default(),
        content,
        tags: tags(raw, env, r),
    }
}

pub(super) fn password_policy(raw: &RawResource, env: &Env, r: &mut Reporter) -> PasswordPolicySpec {
    let mut policy = PasswordPolicy::default();
    let mut number = |name: &str, min: u32, max: u32| -> Option<u32> {
        let node = raw.prop(name)?;
        let text = env
            .string(node, &raw.logical_id, name)
            .map_err(|e| r.eval_error(e, node.span, &raw.logical_id, name))
            .ok()?;
        match text.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                r.error(
                    "out-of-range",
                    node.span,
                    &raw.logical_id,
                    Some(name),
                    format!("{name} is {text}, but IAM accepts {min} to {max}"),
                )
                .help = Some(format!("use a whole number between {min} and {max}"));
                None
            }
        }
    };
    if let Some(n) = number("MinimumPasswordLength", 6, 128) {
        policy.minimum_password_length = n;
    }
    policy.max_password_age = number("MaxPasswordAge", 1, 1095);
    policy.password_reuse_prevention = number("PasswordReusePrevention", 1, 24);
    let mut flag = |name: &str| flag(raw, name, env, r);
    policy.require_lowercase_characters = flag("RequireLowercaseCharacters");
    policy.require_uppercase_characters = flag("RequireUppercaseCharacters");
    policy.require_numbers = flag("RequireNumbers");
    policy.require_symbols = flag("RequireSymbols");
    policy.allow_users_to_change_password = flag("AllowUsersToChangePassword");
    policy.hard_expiry = flag("HardExpiry");
    PasswordPolicySpec { logical_id: raw.logical_id.clone(), span: raw.span, policy }
}

/// `OC::ORG::OrganizationRoot`: its policies, default roles and org-formation's settings (those
/// orgctl does not build are reported, not ignored).
pub(super) fn root(raw: &RawResource, env: &Env, kinds: &HashMap<String, ResourceKind>, r: &mut Reporter) -> RootSpec {
    let root = RootSpec {
        logical_id: raw.logical_id.clone(),
        span: raw.span,
        scps: refs(raw, "ServiceControlPolicies", &[ResourceKind::Policy(PolicyType::ServiceControl)], kinds, r),
        other_policies: other_policies(raw, kinds, r),
        scps_span: raw.prop("ServiceControlPolicies").map(|n| n.span),
        default_access_role_name: string(raw, "DefaultOrganizationAccessRoleName", env, r).map(|l| l.value),
        default_build_role_name: string(raw, "DefaultBuildAccessRoleName", env, r).map(|l| l.value),
        close_accounts_on_removal: flag(raw, "CloseAccountsOnRemoval", env, r),
        trusted_services: raw
            .prop("TrustedServiceAccess")
            .map(|_| service_principals(raw, "TrustedServiceAccess", env, r)),
    };
    unbuilt(raw, "MirrorInPartition", env, r, "orgctl does not mirror an organization into another partition (GovCloud); remove MirrorInPartition or keep using org-formation for the mirror");
    if raw.prop("DefaultDevelopmentBuildAccessRoleName").is_some() {
        let d = Diagnostic::warning("not-used", "DefaultDevelopmentBuildAccessRoleName is only used by org-formation's --dev flag, which orgctl does not have")
            .help("orgctl deploys with DefaultBuildAccessRoleName (or the task's TaskRoleName)");
        let span = raw.prop("DefaultDevelopmentBuildAccessRoleName").map_or(raw.span, |n| n.span);
        r.report(d, span, &raw.logical_id, Some("DefaultDevelopmentBuildAccessRoleName"));
    }
    root
}
