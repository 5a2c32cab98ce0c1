//! Turns the `Organization:` section into typed resources: types and properties checked,
//! references checked, values evaluated (account attributes in dependency order).

mod identity;

use super::declared::*;
use super::eval::{account_attributes_read, Env};
use super::load::suggest;
use super::report::Reporter;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{EvalError, Value};
use crate::graph::DependencyGraph;
use crate::model::{PasswordPolicy, PolicyType, Tags};
use crate::source::text::{Sources, Span};
use crate::source::yaml::{Node, NodeKind};
use std::collections::{BTreeMap, HashMap};

/// One entry of the `Organization:` section before typing.
struct RawResource<'a> {
    logical_id: String,
    kind: ResourceKind,
    properties: Option<&'a Node>,
    span: Span,
}

impl<'a> RawResource<'a> {
    fn prop(&self, name: &str) -> Option<&'a Node> {
        self.properties.and_then(|p| p.get(name)).filter(|n| !n.is_null())
    }
}

impl Reporter<'_> {
    fn eval_error(&mut self, e: EvalError, span: Span, id: &str, property: &str) {
        let d = self.error(e.code, span, id, Some(property), e.message);
        d.help = e.help;
    }
}

/// Parses the `Organization:` mapping. Problems go to `diags`; the result holds what could be read.
pub fn parse_organization(
    org: &Node,
    parameters: &BTreeMap<String, serde_json::Value>,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> OrgSpec {
    let mut r = Reporter::new(sources);
    let raws = index_resources(org, &mut r);
    let kinds: HashMap<String, ResourceKind> = raws.iter().map(|raw| (raw.logical_id.clone(), raw.kind)).collect();
    let mut env = Env::new(parameters, &kinds);
    evaluate_account_attributes(&raws, &mut env, &mut r);

    let mut spec = OrgSpec::default();
    for raw in &raws {
        check_property_names(raw, &mut r);
        match raw.kind {
            ResourceKind::MasterAccount | ResourceKind::Account => spec.accounts.push(account(raw, &env, &mut r)),
            ResourceKind::OrganizationalUnit => spec.ous.push(organizational_unit(raw, &env, &mut r)),
            ResourceKind::OrganizationRoot => {
                let root = RootSpec {
                    logical_id: raw.logical_id.clone(),
                    span: raw.span,
                    scps: refs(
                        raw,
                        "ServiceControlPolicies",
                        &[ResourceKind::Policy(PolicyType::ServiceControl)],
                        &kinds,
                        &mut r,
                    ),
                    other_policies: other_policies(raw, &kinds, &mut r),
                    scps_span: raw.prop("ServiceControlPolicies").map(|n| n.span),
                    default_access_role_name: string(raw, "DefaultOrganizationAccessRoleName", &env, &mut r)
                        .map(|l| l.value),
                    default_build_role_name: string(raw, "DefaultBuildAccessRoleName", &env, &mut r).map(|l| l.value),
                    close_accounts_on_removal: flag(raw, "CloseAccountsOnRemoval", &env, &mut r),
                    trusted_services: raw
                        .prop("TrustedServiceAccess")
                        .map(|_| service_principals(raw, "TrustedServiceAccess", &env, &mut r)),
                };
                unbuilt(raw, "MirrorInPartition", &env, &mut r, "orgctl does not mirror an organization into another partition (GovCloud); remove MirrorInPartition or keep using org-formation for the mirror");
                if raw.prop("DefaultDevelopmentBuildAccessRoleName").is_some() {
                    let d = Diagnostic::warning("not-used", "DefaultDevelopmentBuildAccessRoleName is only used by org-formation's --dev flag, which orgctl does not have")
                        .help("orgctl deploys with DefaultBuildAccessRoleName (or the task's TaskRoleName)");
                    let span = raw.prop("DefaultDevelopmentBuildAccessRoleName").map_or(raw.span, |n| n.span);
                    r.report(d, span, &raw.logical_id, Some("DefaultDevelopmentBuildAccessRoleName"));
                }
                if let Some(first) = &spec.root {
                    r.error(
                        "duplicate-root",
                        raw.span,
                        &raw.logical_id,
                        None,
                        format!("a second OC::ORG::OrganizationRoot (the first is {})", first.logical_id),
                    )
                    .help = Some("an organization has one root: merge the two".into());
                } else {
                    spec.root = Some(root);
                }
            }
            ResourceKind::Policy(policy_type) => spec.policies.push(policy(raw, policy_type, &env, &mut r)),
            ResourceKind::PasswordPolicy => spec.password_policies.push(password_policy(raw, &env, &mut r)),
            ResourceKind::PermissionSet => spec.permission_sets.push(identity::permission_set(raw, &env, &mut r)),
            ResourceKind::AccountAssignment => spec.assignments.push(identity::assignment(raw, &env, &kinds, &mut r)),
        }
    }
    match spec.accounts.iter().filter(|a| a.is_management).count() {
        0 => {
            r.error(
                "missing-master-account",
                org.span,
                "Organization",
                None,
                "no OC::ORG::MasterAccount is declared",
            )
            .help = Some(
                "declare the management account with its AccountId: orgctl checks it is the account it runs in".into(),
            );
        }
        1 => {}
        _ => {
            for extra in spec.accounts.iter().filter(|a| a.is_management).skip(1) {
                r.error(
                    "duplicate-master-account",
                    extra.span,
                    &extra.logical_id,
                    None,
                    "a second OC::ORG::MasterAccount",
                )
                .help = Some("an organization has exactly one management account".into());
            }
        }
    }
    spec.pending = env.pending.into_inner();
    diags.extend(r.diags);
    spec
}

fn index_resources<'a>(org: &'a Node, r: &mut Reporter) -> Vec<RawResource<'a>> {
    let mut out = Vec::new();
    let Some(entries) = org.as_map() else {
        r.error(
            "not-a-mapping",
            org.span,
            "Organization",
            None,
            format!("`Organization:` must be a mapping of resources, found {}", org.describe()),
        );
        return out;
    };
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for (key, value) in entries {
        let id = key.as_str().unwrap_or_default();
        if let Some(first) = seen.insert(id, key.span) {
            r.error(
                "duplicate-logical-id",
                key.span,
                id,
                None,
                format!("logical id declared twice (first at line {})", first.line),
            );
            continue;
        }
        // org-formation takes any key (real files use `Appx-dev`); a `.` would make
        // `!GetAtt X.Attr` and `${X.Attr}` ambiguous, so letters, digits, `-` and `_` only.
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') || id.is_empty() {
            r.error(
                "invalid-logical-id",
                key.span,
                id,
                None,
                "logical ids are letters, digits, '-' and '_' (a '.' would read as an attribute)",
            );
        }
        let Some(type_node) = value.get("Type") else {
            r.broken.insert(id.to_string());
            r.error("missing-type", key.span, id, Some("Type"), "resource has no Type").help =
                Some(format!("one of: {}", type_names()));
            continue;
        };
        let type_name = type_node.as_str().unwrap_or_default();
        let Some(kind) = ResourceKind::from_type_name(type_name) else {
            r.broken.insert(id.to_string());
            let guess = suggest(type_name, ResourceKind::all().map(|k| k.type_name()));
            r.error("unknown-type", type_node.span, id, Some("Type"), format!("unknown resource type '{type_name}'"))
                .help = Some(match guess {
                Some(g) => format!("did you mean '{g}'?"),
                None => format!("one of: {}", type_names()),
            });
            continue;
        };
        for (k, _) in value.as_map().unwrap_or_default() {
            let name = k.as_str().unwrap_or_default();
            if !matches!(name, "Type" | "Properties") {
                r.error("unknown-key", k.span, id, Some(name), format!("unknown key '{name}' in a resource")).help =
                    Some("a resource has `Type:` and `Properties:`".into());
            }
        }
        out.push(RawResource { logical_id: id.to_string(), kind, properties: value.get("Properties"), span: key.span });
    }
    out
}

fn type_names() -> String {
    ResourceKind::all().map(|k| k.type_name()).collect::<Vec<_>>().join(", ")
}

fn check_property_names(raw: &RawResource, r: &mut Reporter) {
    let Some(props) = raw.properties else { return };
    let Some(entries) = props.as_map() else {
        if !props.is_null() {
            r.error(
                "not-a-mapping",
                props.span,
                &raw.logical_id,
                Some("Properties"),
                format!("Properties must be a mapping, found {}", props.describe()),
            );
        }
        return;
    };
    let known = raw.kind.properties();
    for (key, _) in entries {
        let name = key.as_str().unwrap_or_default();
        if !known.contains(&name) {
            let help = match suggest(name, known.iter().copied()) {
                Some(s) => format!("did you mean '{s}'?"),
                None => format!("{} accepts: {}", raw.kind.type_name(), known.join(", ")),
            };
            r.error(
                "unknown-property",
                key.span,
                &raw.logical_id,
                Some(name),
                format!("unknown property '{name}' for {}", raw.kind.type_name()),
            )
            .help = Some(help);
        }
    }
}

/// Names of the account attributes that have a value node, with the node.
fn account_slots<'a>(raw: &RawResource<'a>) -> Vec<(String, &'a Node)> {
    let mut slots: Vec<(String, &Node)> =
        ["AccountId", "AccountName", "RootEmail", "Alias", "OrganizationAccessRoleName", "BuildAccessRoleName"]
            .into_iter()
            .filter_map(|attr| raw.prop(attr).map(|n| (attr.to_string(), n)))
            .collect();
    if let Some(entries) = raw.prop("Tags").and_then(Node::as_map) {
        for (k, v) in entries {
            slots.push((format!("Tags.{}", k.as_str().unwrap_or_default()), v));
        }
    }
    slots
}

/// Evaluates account attributes in dependency order so that `!GetAtt`s between accounts work,
/// reporting reference cycles with every member named.
fn evaluate_account_attributes(raws: &[RawResource], env: &mut Env, r: &mut Reporter) {
    let mut graph: DependencyGraph<(String, String)> = DependencyGraph::default();
    let mut nodes: HashMap<(String, String), &Node> = HashMap::new();
    for raw in raws.iter().filter(|raw| raw.kind.is_account()) {
        for (attr, node) in account_slots(raw) {
            let slot = (raw.logical_id.clone(), attr);
            graph.add_node(slot.clone());
            for dep in account_attributes_read(node, env.kinds) {
                graph.add_edge(slot.clone(), dep);
            }
            nodes.insert(slot, node);
        }
    }
    let mut in_cycle = std::collections::HashSet::new();
    for cycle in graph.cycles() {
        let names: Vec<String> = cycle.iter().map(|(id, attr)| format!("{id}.{attr}")).collect();
        let (id, attr) = &cycle[0];
        let span = nodes.get(&cycle[0]).map(|n| n.span).unwrap_or(Span {
            file: crate::source::text::FileId(0),
            line: 1,
            column: 1,
            offset: 0,
            len: 1,
        });
        r.error("reference-cycle", span, id, Some(attr), format!("reference cycle: {}", names.join(" → "))).help = Some(
            "each of these values needs the next one first; break the loop by writing one of them as plain text".into(),
        );
        in_cycle.extend(cycle);
    }
    for slot in graph.order() {
        if in_cycle.contains(&slot) {
            continue;
        }
        let Some(node) = nodes.get(&slot) else { continue };
        match env.text(node) {
            Ok(value) => {
                env.account_values.insert(slot, value);
            }
            Err(e) => r.eval_error(e, node.span, &slot.0, &slot.1),
        }
    }
}

fn string(raw: &RawResource, name: &str, env: &Env, r: &mut Reporter) -> Option<Located<String>> {
    let node = raw.prop(name)?;
    match env.string(node, &raw.logical_id, name) {
        Ok(value) => Some(Located { value, span: node.span }),
        Err(e) => {
            r.eval_error(e, node.span, &raw.logical_id, name);
            None
        }
    }
}

fn required(raw: &RawResource, name: &str, r: &mut Reporter) {
    // A misspelled property is reported as unknown, with this name as the suggestion: once is enough.
    let misspelled = raw.properties.and_then(Node::as_map).unwrap_or_default().iter().any(|(k, _)| {
        let key = k.as_str().unwrap_or_default();
        !raw.kind.properties().contains(&key) && suggest(key, raw.kind.properties().iter().copied()) == Some(name)
    });
    if raw.prop(name).is_none() && !misspelled {
        r.error(
            "missing-property",
            raw.span,
            &raw.logical_id,
            Some(name),
            format!("{} needs {name}", raw.kind.type_name()),
        );
    }
}

/// The policies of every type but SCPs that a root, OU or account attaches, each property
/// naming policies of its own type (`TagPolicies: [!Ref RequiredTags]`).
fn other_policies(raw: &RawResource, kinds: &HashMap<String, ResourceKind>, r: &mut Reporter) -> Vec<ResourceRef> {
    PolicyType::ALL
        .into_iter()
        .filter(|t| *t != PolicyType::ServiceControl)
        .flat_map(|t| refs(raw, t.attachment_property(), &[ResourceKind::Policy(t)], kinds, r))
        .collect()
}

/// A `!Ref` (or a list of them) to resources of the `expected` kinds.
fn refs(
    raw: &RawResource,
    name: &str,
    expected: &[ResourceKind],
    kinds: &HashMap<String, ResourceKind>,
    r: &mut Reporter,
) -> Vec<ResourceRef> {
    let Some(node) = raw.prop(name) else { return Vec::new() };
    let items: Vec<&Node> = match &node.kind {
        NodeKind::Seq(items) if node.tag.is_none() => items.iter().collect(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for item in items {
        let target = match (&item.tag, &item.kind) {
            (Some(tag), NodeKind::Scalar { text, .. }) if tag == "Ref" => Some(text.clone()),
            (None, NodeKind::Map(_)) => item.get("Ref").and_then(Node::as_str).map(str::to_string),
            _ => None,
        };
        let Some(target) = target else {
            let text = item.as_str().unwrap_or_default();
            let help = if item.tag.is_none() && kinds.contains_key(text) {
                format!("did you mean `!Ref {text}`? A plain string is a name, not a reference")
            } else {
                format!(
                    "write `!Ref LogicalId` to a resource of type {}",
                    expected.iter().map(|k| k.type_name()).collect::<Vec<_>>().join(" or ")
                )
            };
            r.error(
                "expected-ref",
                item.span,
                &raw.logical_id,
                Some(name),
                format!("{name} needs a !Ref, found {}", describe_value(item)),
            )
            .help = Some(help);
            continue;
        };
        match kinds.get(&target) {
            None if r.broken.contains(&target) => {}
            None => {
                let guess =
                    suggest(&target, kinds.iter().filter(|(_, k)| expected.contains(k)).map(|(id, _)| id.as_str()));
                r.error(
                    "unknown-reference",
                    item.span,
                    &raw.logical_id,
                    Some(name),
                    format!("!Ref {target}: no resource with this logical id"),
                )
                .help = Some(match guess {
                    Some(g) => format!("did you mean '{g}'?"),
                    None => "declare it under Organization: or fix the name".into(),
                });
            }
            Some(kind) if !expected.contains(kind) => {
                r.error(
                    "wrong-reference-type",
                    item.span,
                    &raw.logical_id,
                    Some(name),
                    format!(
                        "!Ref {target} is an {}, but {name} takes {}",
                        kind.type_name(),
                        expected.iter().map(|k| k.type_name()).collect::<Vec<_>>().join(" or ")
                    ),
                );
            }
            Some(_) => out.push(ResourceRef { target, span: item.span }),
        }
    }
    out
}

fn describe_value(node: &Node) -> String {
    match node.as_str() {
        Some(text) if node.tag.is_none() => format!("the plain string '{text}'"),
        _ => node.describe().to_string(),
    }
}

fn tags(raw: &RawResource, env: &Env, r: &mut Reporter) -> Option<Located<Tags>> {
    let node = raw.prop("Tags")?;
    let Some(entries) = node.as_map() else {
        r.error(
            "invalid-tags",
            node.span,
            &raw.logical_id,
            Some("Tags"),
            format!("Tags must be a mapping of key: value, found {}", node.describe()),
        );
        return None;
    };
    let mut out = Tags::new();
    for (k, v) in entries {
        let key = k.as_str().unwrap_or_default().to_string();
        let property = format!("Tags.{key}");
        let value = if raw.kind.is_account() {
            let value = env.account_values.get(&(raw.logical_id.clone(), property.clone())).cloned();
            value.map(|t| env.settle(t, &raw.logical_id, &property))
        } else {
            env.string(v, &raw.logical_id, &property)
                .map_err(|e| r.eval_error(e, v.span, &raw.logical_id, &property))
                .ok()
        };
        if key.is_empty() || key.len() > 128 || key.starts_with("aws:") || key.starts_with("orgctl:") {
            r.error(
                "invalid-tag",
                k.span,
                &raw.logical_id,
                Some(&property),
                format!("tag key '{key}' is not allowed"),
            )
            .help = Some("keys are 1-128 characters and may not start with 'aws:' or 'orgctl:' (orgctl's own)".into());
        }
        if let Some(value) = value {
            if value.len() > 256 {
                r.error(
                    "invalid-tag",
                    v.span,
                    &raw.logical_id,
                    Some(&property),
                    "tag values are at most 256 characters",
                );
            }
            out.insert(key, value);
        }
    }
    Some(Located { value: out, span: node.span })
}

fn account(raw: &RawResource, env: &Env, r: &mut Reporter) -> AccountSpec {
    let is_management = raw.kind == ResourceKind::MasterAccount;
    let unused = [
        ("PartitionAccountId", "only used to mirror the organization into another partition, which orgctl does not do"),
        ("PartitionAlias", "only used to mirror the organization into another partition, which orgctl does not do"),
    ];
    for (name, why) in unused {
        if let Some(node) = raw.prop(name) {
            let d = Diagnostic::warning("not-used", format!("{name} is read but not acted on")).help(why);
            r.report(d, node.span, &raw.logical_id, Some(name));
        }
    }
    let slot = |attr: &str| {
        let node = raw.prop(attr)?;
        let value = env.account_values.get(&(raw.logical_id.clone(), attr.to_string()))?;
        Some(Located { value: env.settle(value.clone(), &raw.logical_id, attr), span: node.span })
    };
    if is_management {
        required(raw, "AccountId", r);
    } else {
        required(raw, "AccountName", r);
        if raw.prop("RootEmail").is_none() && raw.prop("AccountId").is_none() {
            r.error(
                "missing-property",
                raw.span,
                &raw.logical_id,
                Some("RootEmail"),
                "an account needs RootEmail (to create it) or AccountId (to adopt it)",
            );
        }
    }
    let delegated_for = service_principals(raw, "DelegatedAdministratorFor", env, r);
    if is_management && !delegated_for.is_empty() {
        let span = raw.prop("DelegatedAdministratorFor").map_or(raw.span, |n| n.span);
        r.error(
            "management-delegated-administrator",
            span,
            &raw.logical_id,
            Some("DelegatedAdministratorFor"),
            "the management account cannot be a delegated administrator",
        )
        .help = Some("delegate the service to a member account (a security or tooling account)".into());
    }
    AccountSpec {
        logical_id: raw.logical_id.clone(),
        span: raw.span,
        is_management,
        name: slot("AccountName"),
        account_id: slot("AccountId"),
        email: slot("RootEmail"),
        alias: slot("Alias"),
        tags: tags(raw, env, r),
        scps: refs(raw, "ServiceControlPolicies", &[ResourceKind::Policy(PolicyType::ServiceControl)], env.kinds, r),
        scps_span: raw.prop("ServiceControlPolicies").map(|n| n.span),
        other_policies: other_policies(raw, env.kinds, r),
        password_policy: refs(raw, "PasswordPolicy", &[ResourceKind::PasswordPolicy], env.kinds, r).into_iter().next(),
        access_role_name: string(raw, "OrganizationAccessRoleName", env, r).map(|l| l.value),
        build_role_name: string(raw, "BuildAccessRoleName", env, r).map(|l| l.value),
        delegated_for,
        alternate_contacts: alternate_contacts(raw, env, r),
        opt_in_regions: opt_in_regions(raw, env, r),
        support_level: support_level(raw, env, r),
    }
}

/// `SupportLevel`: basic, developer, business or enterprise (as org-formation names them).
fn support_level(raw: &RawResource, env: &Env, r: &mut Reporter) -> Option<crate::model::SupportLevel> {
    let text = string(raw, "SupportLevel", env, r)?;
    let level = crate::model::SupportLevel::parse(&text.value);
    if level.is_none() {
        let names: Vec<&str> = crate::model::SupportLevel::ALL.iter().map(|l| l.as_str()).collect();
        r.error(
            "invalid-support-level",
            text.span,
            &raw.logical_id,
            Some("SupportLevel"),
            format!("'{}' is not a support level", text.value),
        )
        .help = Some(format!("one of: {}", names.join(", ")));
    }
    level
}

/// A boolean property (false when absent).
fn flag(raw: &RawResource, name: &str, env: &Env, r: &mut Reporter) -> bool {
    let Some(node) = raw.prop(name) else { return false };
    match env.string(node, &raw.logical_id, name).map(|t| t.to_ascii_lowercase()) {
        Ok(t) if t == "true" => true,
        Ok(t) if t == "false" => false,
        Ok(t) => {
            r.error(
                "expected-boolean",
                node.span,
                &raw.logical_id,
                Some(name),
                format!("{name} must be true or false, found '{t}'"),
            );
            false
        }
        Err(e) => {
            r.eval_error(e, node.span, &raw.logical_id, name);
            false
        }
    }
}

/// A property orgctl understands but does not carry out: an error when it asks for something
/// (`true`, or any value), so that nothing is accepted and ignored.
fn unbuilt(raw: &RawResource, name: &str, env: &Env, r: &mut Reporter, why: &str) {
    let Some(node) = raw.prop(name) else { return };
    let asks = env.string(node, &raw.logical_id, name).map(|t| !t.eq_ignore_ascii_case("false") && !t.is_empty());
    if asks.unwrap_or(true) {
        r.error("not-supported", node.span, &raw.logical_id, Some(name), format!("{name} is not supported")).help =
            Some(why.to_string());
    }
}

fn organizational_unit(raw: &RawResource, env: &Env, r: &mut Reporter) -> OuSpec {
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

fn policy(raw: &RawResource, policy_type: PolicyType, env: &Env, r: &mut Reporter) -> PolicySpec {
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
        if let Err(problem) = super::check_document(policy_type, &value.shown()) {
            r.error("invalid-policy", node.span, &raw.logical_id, Some("PolicyDocument"), problem.to_string()).help =
                Some(super::policy_document::document_hint(policy_type));
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

fn password_policy(raw: &RawResource, env: &Env, r: &mut Reporter) -> PasswordPolicySpec {
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

/// A list of AWS service principals (`guardduty.amazonaws.com`), one or many.
fn service_principals(raw: &RawResource, name: &str, env: &Env, r: &mut Reporter) -> Vec<String> {
    let Some(node) = raw.prop(name) else { return Vec::new() };
    let value = match env.value(node) {
        Ok(v) => v,
        Err(e) => {
            r.eval_error(e, node.span, &raw.logical_id, name);
            return Vec::new();
        }
    };
    let items: Vec<String> = match &value {
        crate::expr::Value::List(items) => items.iter().filter_map(|i| i.as_text()).map(|t| t.shown()).collect(),
        other => other.as_text().map(|t| vec![t.shown()]).unwrap_or_default(),
    };
    let mut out = Vec::new();
    for item in items {
        let valid = item.ends_with(".amazonaws.com")
            && item.len() > ".amazonaws.com".len()
            && item.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
        if !valid {
            r.error(
                "invalid-service-principal",
                node.span,
                &raw.logical_id,
                Some(name),
                format!("'{item}' is not an AWS service principal"),
            )
            .help = Some("name the service as AWS does: guardduty.amazonaws.com, sso.amazonaws.com".into());
        } else if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// `AlternateContacts: {Billing|Operations|Security: {Name, Title, EmailAddress, PhoneNumber}}`,
/// every field required and within the Account Management API's limits.
fn alternate_contacts(
    raw: &RawResource,
    env: &Env,
    r: &mut Reporter,
) -> BTreeMap<String, crate::model::AlternateContact> {
    let mut out = BTreeMap::new();
    let Some(node) = raw.prop("AlternateContacts") else { return out };
    let Some(entries) = node.as_map() else {
        r.error(
            "invalid-contacts",
            node.span,
            &raw.logical_id,
            Some("AlternateContacts"),
            "AlternateContacts must be a mapping of Billing, Operations and Security",
        );
        return out;
    };
    for (k, v) in entries {
        let kind = k.as_str().unwrap_or_default();
        let Some((_, api)) = crate::model::CONTACT_TYPES.iter().find(|(name, _)| *name == kind) else {
            r.error(
                "invalid-contacts",
                k.span,
                &raw.logical_id,
                Some("AlternateContacts"),
                format!("'{kind}' is not a contact type"),
            )
            .help = Some("one of: Billing, Operations, Security".into());
            continue;
        };
        let field = |name: &str, max: usize, r: &mut Reporter| -> Option<String> {
            let property = format!("AlternateContacts.{kind}.{name}");
            let Some(n) = v.get(name) else {
                r.error(
                    "missing-property",
                    v.span,
                    &raw.logical_id,
                    Some(&property),
                    format!("{property} is required"),
                );
                return None;
            };
            match env.string(n, &raw.logical_id, &property) {
                Ok(text) if !text.is_empty() && text.chars().count() <= max => Some(text),
                Ok(text) => {
                    r.error(
                        "invalid-contacts",
                        n.span,
                        &raw.logical_id,
                        Some(&property),
                        format!("{property} must be 1 to {max} characters, found {}", text.chars().count()),
                    );
                    None
                }
                Err(e) => {
                    r.eval_error(e, n.span, &raw.logical_id, &property);
                    None
                }
            }
        };
        let (name, title, email, phone) =
            (field("Name", 64, r), field("Title", 50, r), field("EmailAddress", 254, r), field("PhoneNumber", 25, r));
        if let Some(email) = &email {
            if !email.contains('@') {
                let at = v.get("EmailAddress").map_or(v.span, |n| n.span);
                r.error(
                    "invalid-contacts",
                    at,
                    &raw.logical_id,
                    Some("AlternateContacts"),
                    format!("'{email}' is not an email address"),
                );
            }
        }
        if let (Some(name), Some(title), Some(email_address), Some(phone_number)) = (name, title, email, phone) {
            out.insert(api.to_string(), crate::model::AlternateContact { name, title, email_address, phone_number });
        }
    }
    out
}

/// `OptInRegions: {Enabled: [af-south-1], Disabled: [me-south-1]}`: opt-in regions only (the
/// others cannot be disabled), each in one list.
fn opt_in_regions(raw: &RawResource, env: &Env, r: &mut Reporter) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    let Some(node) = raw.prop("OptInRegions") else { return out };
    for (key, wanted) in [("Enabled", true), ("Disabled", false)] {
        let Some(list) = node.get(key) else { continue };
        let property = format!("OptInRegions.{key}");
        let regions: Vec<String> = match env.value(list) {
            Ok(crate::expr::Value::List(items)) => {
                items.iter().filter_map(|i| i.as_text()).map(|t| t.shown()).collect()
            }
            Ok(other) => other.as_text().map(|t| vec![t.shown()]).unwrap_or_default(),
            Err(e) => {
                r.eval_error(e, list.span, &raw.logical_id, &property);
                continue;
            }
        };
        for region in regions {
            if !crate::model::OPT_IN_REGIONS.contains(&region.as_str()) {
                r.error(
                    "not-an-opt-in-region",
                    list.span,
                    &raw.logical_id,
                    Some(&property),
                    format!("{region} is not an opt-in region"),
                )
                .help = Some(format!(
                    "opt-in regions: {}; the others are always enabled",
                    crate::model::OPT_IN_REGIONS.join(", ")
                ));
            } else if out.insert(region.clone(), wanted).is_some() {
                r.error(
                    "conflicting-regions",
                    list.span,
                    &raw.logical_id,
                    Some(&property),
                    format!("{region} is listed more than once"),
                );
            }
        }
    }
    for (k, _) in node.as_map().unwrap_or_default() {
        let key = k.as_str().unwrap_or_default();
        if key != "Enabled" && key != "Disabled" {
            r.error(
                "unknown-property",
                k.span,
                &raw.logical_id,
                Some("OptInRegions"),
                format!("OptInRegions has Enabled and Disabled, not '{key}'"),
            );
        }
    }
    out
}
