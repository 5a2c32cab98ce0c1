//! `OC::ORG::PermissionSet` and `OC::ORG::AccountAssignment` (orgctl extensions): IAM Identity
//! Center declared next to the accounts and OUs it gives access to, each value checked against
//! Identity Center's rules before anything is sent.

use super::read::{refs, required, string, tags};
use super::RawResource;
use crate::expr::Value;
use crate::model::quotas::identity_center as quota;
use crate::model::{CustomerPolicyRef, PermissionSet, PermissionsBoundary, PolicyType, PrincipalType};
use crate::org_file::declared::*;
use crate::org_file::eval::Env;
use crate::org_file::report::Reporter;
use crate::source::yaml::Node;
use std::collections::HashMap;

/// The strings of a property that takes one or a list, each with its node's span.
fn strings(raw: &RawResource, name: &str, env: &Env, r: &mut Reporter) -> Vec<Located<String>> {
    let Some(node) = raw.prop(name) else { return Vec::new() };
    let items: Vec<&Node> = match node.as_seq() {
        Some(items) if node.tag.is_none() => items.iter().collect(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for item in items {
        match env.text(item) {
            Ok(text) => match text.as_known() {
                Some(value) => out.push(Located { value: value.to_string(), span: item.span }),
                None => {
                    r.error(
                        "unknown-at-plan",
                        item.span,
                        &raw.logical_id,
                        Some(name),
                        format!("{name} cannot name a value known only once an account is created"),
                    );
                }
            },
            Err(e) => r.eval_error(e, item.span, &raw.logical_id, name),
        }
    }
    out
}

/// `{Name, Path}` of a customer managed policy (Path `/` when absent).
fn customer_policy(
    node: &Node,
    raw: &RawResource,
    property: &str,
    env: &Env,
    r: &mut Reporter,
) -> Option<CustomerPolicyRef> {
    let field = |key: &str, r: &mut Reporter| {
        let n = node.get(key)?;
        env.string(n, &raw.logical_id, property).map_err(|e| r.eval_error(e, n.span, &raw.logical_id, property)).ok()
    };
    let Some(name) = field("Name", r) else {
        r.error(
            "invalid-customer-policy",
            node.span,
            &raw.logical_id,
            Some(property),
            "a customer managed policy is {Name: PolicyName, Path: /optional/path/}",
        );
        return None;
    };
    let path = field("Path", r).unwrap_or_else(|| "/".to_string());
    if !path.starts_with('/') || !path.ends_with('/') {
        r.error(
            "invalid-customer-policy",
            node.span,
            &raw.logical_id,
            Some(property),
            format!("the path '{path}' must begin and end with '/'"),
        );
        return None;
    }
    Some(CustomerPolicyRef { name, path })
}

/// The inline policy, YAML or a JSON string, checked as an IAM policy document and minified.
fn inline_policy(raw: &RawResource, env: &Env, r: &mut Reporter) -> Option<String> {
    const PROPERTY: &str = "InlinePolicy";
    let node = raw.prop(PROPERTY)?;
    let value = env.value(node).map_err(|e| r.eval_error(e, node.span, &raw.logical_id, PROPERTY)).ok()?;
    // A JSON string as written, or YAML as JSON; either must be known now: a permission set is
    // not per account, so a value only known once an account exists has no place in it.
    let text = match value {
        Value::Text(text) => text,
        other => other.to_json_text(),
    };
    let Some(text) = text.as_known() else {
        r.error(
            "unknown-at-plan",
            node.span,
            &raw.logical_id,
            Some(PROPERTY),
            "an inline policy cannot name an account that does not exist yet",
        );
        return None;
    };
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            r.error(
                "invalid-policy-json",
                node.span,
                &raw.logical_id,
                Some(PROPERTY),
                format!("the inline policy is not valid JSON: {e}"),
            );
            return None;
        }
    };
    if let Err(problem) = crate::org_file::check_document(PolicyType::ServiceControl, &json) {
        r.error("invalid-policy", node.span, &raw.logical_id, Some(PROPERTY), problem.to_string()).help = Some(
            "an inline policy is an IAM policy: {Version: '2012-10-17', Statement: [{Effect, Action, Resource}]}"
                .into(),
        );
        return None;
    }
    let minified = json.to_string();
    if minified.chars().count() > quota::INLINE_POLICY_SIZE {
        r.error(
            "policy-too-large",
            node.span,
            &raw.logical_id,
            Some(PROPERTY),
            format!(
                "the inline policy has {} characters once minified; Identity Center takes at most {}",
                minified.chars().count(),
                quota::INLINE_POLICY_SIZE
            ),
        )
        .help = Some("move statements into customer managed policies (CustomerManagedPolicies)".into());
        return None;
    }
    Some(minified)
}

pub(super) fn permission_set(raw: &RawResource, env: &Env, r: &mut Reporter) -> PermissionSetSpec {
    required(raw, "Name", r);
    let name = string(raw, "Name", env, r);
    if let Some(name) = &name {
        if !crate::model::valid_permission_set_name(&name.value) {
            r.error(
                "invalid-permission-set-name",
                name.span,
                &raw.logical_id,
                Some("Name"),
                format!("'{}' is not a permission set name", name.value),
            )
            .help = Some(format!("1 to {} letters, digits and + = , . @ _ - (no spaces)", quota::NAME_LENGTH));
        }
    }
    let description = string(raw, "Description", env, r);
    if let Some(d) = &description {
        if d.value.chars().count() > quota::DESCRIPTION_LENGTH || d.value.is_empty() {
            r.error(
                "invalid-description",
                d.span,
                &raw.logical_id,
                Some("Description"),
                format!("a description is 1 to {} characters", quota::DESCRIPTION_LENGTH),
            );
        }
    }
    let session = string(raw, "SessionDuration", env, r);
    if let Some(s) = &session {
        match crate::model::session_minutes(&s.value) {
            Some(minutes) if quota::SESSION_MINUTES.contains(&minutes) => {}
            Some(_) => {
                r.error(
                    "invalid-session-duration",
                    s.span,
                    &raw.logical_id,
                    Some("SessionDuration"),
                    format!("{} is outside Identity Center's range of 1 to 12 hours", s.value),
                )
                .help = Some("write PT1H to PT12H (PT8H is eight hours)".into());
            }
            None => {
                r.error(
                    "invalid-session-duration",
                    s.span,
                    &raw.logical_id,
                    Some("SessionDuration"),
                    format!("'{}' is not an ISO 8601 duration", s.value),
                )
                .help = Some("write it as Identity Center does: PT8H, PT1H30M".into());
            }
        }
    }
    let relay_state = string(raw, "RelayState", env, r);
    if let Some(rs) = &relay_state {
        if rs.value.is_empty() || rs.value.chars().count() > quota::RELAY_STATE_LENGTH {
            r.error(
                "invalid-relay-state",
                rs.span,
                &raw.logical_id,
                Some("RelayState"),
                format!("a relay state is 1 to {} characters", quota::RELAY_STATE_LENGTH),
            );
        }
    }
    let managed = strings(raw, "ManagedPolicies", env, r);
    for arn in &managed {
        if !arn.value.starts_with("arn:") || !arn.value.contains(":iam::aws:policy/") {
            r.error(
                "invalid-managed-policy",
                arn.span,
                &raw.logical_id,
                Some("ManagedPolicies"),
                format!("'{}' is not the ARN of an AWS managed policy", arn.value),
            )
            .help = Some(
                "write arn:aws:iam::aws:policy/ReadOnlyAccess; a policy of your own goes under CustomerManagedPolicies"
                    .into(),
            );
        }
    }
    let customer: Vec<CustomerPolicyRef> = match raw.prop("CustomerManagedPolicies") {
        Some(node) => {
            let items: Vec<&Node> = node.as_seq().map(|s| s.iter().collect()).unwrap_or_else(|| vec![node]);
            items.into_iter().filter_map(|n| customer_policy(n, raw, "CustomerManagedPolicies", env, r)).collect()
        }
        None => Vec::new(),
    };
    let attached = managed.len() + customer.len();
    if attached > quota::MANAGED_POLICIES_PER_PERMISSION_SET {
        r.error(
            "too-many-policies",
            raw.span,
            &raw.logical_id,
            Some("ManagedPolicies"),
            format!(
                "{attached} managed policies; Identity Center attaches at most {} to a permission set (AWS managed and customer managed together)",
                quota::MANAGED_POLICIES_PER_PERMISSION_SET
            ),
        )
        .help = Some("merge policies, or move statements into the InlinePolicy".into());
    }
    let boundary = raw.prop("PermissionsBoundary").and_then(|node| {
        if let Some(arn) = node.get("ManagedPolicyArn") {
            let arn = env
                .string(arn, &raw.logical_id, "PermissionsBoundary")
                .map_err(|e| r.eval_error(e, arn.span, &raw.logical_id, "PermissionsBoundary"))
                .ok()?;
            return Some(PermissionsBoundary::Managed(arn));
        }
        if let Some(reference) = node.get("CustomerManagedPolicyReference") {
            return customer_policy(reference, raw, "PermissionsBoundary", env, r).map(PermissionsBoundary::Customer);
        }
        r.error(
            "invalid-permissions-boundary",
            node.span,
            &raw.logical_id,
            Some("PermissionsBoundary"),
            "a permissions boundary is {ManagedPolicyArn: arn} or {CustomerManagedPolicyReference: {Name, Path}}",
        );
        None
    });
    let settings = PermissionSet {
        name: name.map(|n| n.value).unwrap_or_default(),
        description: description.map(|d| d.value),
        session_duration: session.map(|s| s.value),
        relay_state: relay_state.map(|s| s.value),
        managed_policies: managed.into_iter().map(|m| m.value).collect(),
        customer_managed_policies: customer.into_iter().collect(),
        inline_policy: inline_policy(raw, env, r),
        permissions_boundary: boundary,
        tags: tags(raw, env, r).map(|t| t.value).unwrap_or_default(),
    };
    PermissionSetSpec { logical_id: raw.logical_id.clone(), span: raw.span, settings }
}

pub(super) fn assignment(
    raw: &RawResource,
    env: &Env,
    kinds: &HashMap<String, ResourceKind>,
    r: &mut Reporter,
) -> AssignmentSpec {
    required(raw, "PermissionSet", r);
    let permission_set = refs(raw, "PermissionSet", &[ResourceKind::PermissionSet], kinds, r).into_iter().next();
    let mut principals = Vec::new();
    for (property, kind) in [("Groups", PrincipalType::Group), ("Users", PrincipalType::User)] {
        for name in strings(raw, property, env, r) {
            let location = r.sources.location(name.span);
            principals.push(PrincipalName { kind, name: name.value, location });
        }
    }
    if principals.is_empty() {
        r.error(
            "missing-property",
            raw.span,
            &raw.logical_id,
            Some("Groups"),
            "an account assignment needs Groups or Users: who gets the access",
        )
        .help = Some("name Identity Center groups as the identity store shows them: Groups: [Platform Admins]".into());
    }
    let all_accounts = raw.prop("Accounts").and_then(Node::as_str).is_some_and(|s| s == "*");
    let accounts = if all_accounts {
        Vec::new()
    } else {
        refs(raw, "Accounts", &[ResourceKind::Account, ResourceKind::MasterAccount], kinds, r)
    };
    let ous = refs(raw, "OrganizationalUnits", &[ResourceKind::OrganizationalUnit], kinds, r);
    let exclude = refs(raw, "ExcludeAccounts", &[ResourceKind::Account, ResourceKind::MasterAccount], kinds, r);
    if !all_accounts && raw.prop("Accounts").is_none() && raw.prop("OrganizationalUnits").is_none() {
        r.error(
            "missing-property",
            raw.span,
            &raw.logical_id,
            Some("Accounts"),
            "an account assignment needs Accounts or OrganizationalUnits: where the access is",
        )
        .help = Some("Accounts: [!Ref Production], OrganizationalUnits: [!Ref WorkloadsOU], or Accounts: '*'".into());
    }
    AssignmentSpec {
        logical_id: raw.logical_id.clone(),
        span: raw.span,
        permission_set,
        principals,
        all_accounts,
        accounts,
        ous,
        exclude,
    }
}
