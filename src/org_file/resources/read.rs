//! Reading one property of a resource: a string, a flag, tags, references to other resources,
//! service principals; each problem reported at the property, with what was expected.

use super::super::declared::*;
use super::super::eval::Env;
use super::super::load::suggest;
use super::super::report::Reporter;
use super::RawResource;
use crate::model::{PolicyType, Tags};
use crate::source::yaml::{Node, NodeKind};
use std::collections::HashMap;

pub(super) fn string(raw: &RawResource, name: &str, env: &Env, r: &mut Reporter) -> Option<Located<String>> {
    let node = raw.prop(name)?;
    match env.string(node, &raw.logical_id, name) {
        Ok(value) => Some(Located { value, span: node.span }),
        Err(e) => {
            r.eval_error(e, node.span, &raw.logical_id, name);
            None
        }
    }
}

pub(super) fn required(raw: &RawResource, name: &str, r: &mut Reporter) {
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
pub(super) fn other_policies(
    raw: &RawResource,
    kinds: &HashMap<String, ResourceKind>,
    r: &mut Reporter,
) -> Vec<ResourceRef> {
    PolicyType::ALL
        .into_iter()
        .filter(|t| *t != PolicyType::ServiceControl)
        .flat_map(|t| refs(raw, t.attachment_property(), &[ResourceKind::Policy(t)], kinds, r))
        .collect()
}

/// A `!Ref` (or a list of them) to resources of the `expected` kinds.
pub(super) fn refs(
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

pub(super) fn describe_value(node: &Node) -> String {
    match node.as_str() {
        Some(text) if node.tag.is_none() => format!("the plain string '{text}'"),
        _ => node.describe().to_string(),
    }
}

pub(super) fn tags(raw: &RawResource, env: &Env, r: &mut Reporter) -> Option<Located<Tags>> {
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

/// A boolean property (false when absent).
pub(super) fn flag(raw: &RawResource, name: &str, env: &Env, r: &mut Reporter) -> bool {
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
pub(super) fn unbuilt(raw: &RawResource, name: &str, env: &Env, r: &mut Reporter, why: &str) {
    let Some(node) = raw.prop(name) else { return };
    let asks = env.string(node, &raw.logical_id, name).map(|t| !t.eq_ignore_ascii_case("false") && !t.is_empty());
    if asks.unwrap_or(true) {
        r.error("not-supported", node.span, &raw.logical_id, Some(name), format!("{name} is not supported")).help =
            Some(why.to_string());
    }
}

/// A list of AWS service principals (`guardduty.amazonaws.com`), one or many.
pub(super) fn service_principals(raw: &RawResource, name: &str, env: &Env, r: &mut Reporter) -> Vec<String> {
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
