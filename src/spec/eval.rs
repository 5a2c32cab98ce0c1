//! Intrinsic functions in values: `!Ref`, `!GetAtt`, `!Sub`, `!Join` (and their `Fn::` forms).
//!
//! Only parameters and account attributes have values in an org file. An account's AccountId
//! that the file does not give is only known once the account exists; it evaluates to a
//! placeholder that the plan fills from the live organization ([`fill_deferred`]).

use super::model::ResourceKind;
use super::sub::SubPart;
use super::yaml::{Node, NodeKind};
use std::collections::{BTreeMap, HashMap};

/// Attributes `!GetAtt` can read from an account.
pub const ACCOUNT_ATTRIBUTES: [&str; 5] = ["AccountId", "AccountName", "RootEmail", "Alias", "Tags.<key>"];

/// What values may refer to.
pub struct Env<'a> {
    pub parameters: &'a BTreeMap<String, serde_json::Value>,
    pub kinds: &'a HashMap<String, ResourceKind>,
    /// Already evaluated account attributes, keyed by (logical id, attribute).
    pub account_values: HashMap<(String, String), String>,
}

/// Why a value could not be computed; the caller adds the location.
#[derive(Debug)]
pub struct EvalError {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
}

impl EvalError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        EvalError { code, message: message.into(), help: None }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// An attribute reference found in a value: `target.attribute`, where it is written.
#[derive(Debug, Clone)]
pub struct AttrRef {
    pub target: String,
    pub attribute: String,
    pub span: super::source::Span,
}

/// The intrinsic function a node calls, in either form (`!Sub x` or `{Fn::Sub: x}`).
fn intrinsic(node: &Node) -> Option<(&str, &Node)> {
    if let Some(tag) = node.tag.as_deref() {
        return Some((tag, node));
    }
    let entries = node.as_map()?;
    if entries.len() != 1 {
        return None;
    }
    let (key, value) = &entries[0];
    let name = match key.as_str()? {
        "Ref" => "Ref",
        "Fn::GetAtt" => "GetAtt",
        "Fn::Sub" => "Sub",
        "Fn::Join" => "Join",
        _ => return None,
    };
    Some((name, value))
}

/// The (target, attribute) pair of a `!GetAtt` argument: `X.Attr` or `[X, Attr]`.
fn getatt_parts(arg: &Node) -> Option<(String, String)> {
    match &arg.kind {
        NodeKind::Scalar { text, .. } => text.split_once('.').map(|(a, b)| (a.to_string(), b.to_string())),
        NodeKind::Seq(items) if items.len() == 2 => {
            Some((items[0].as_str()?.to_string(), items[1].as_str()?.to_string()))
        }
        _ => None,
    }
}

/// Every account attribute that `node` reads, for the dependency graph.
pub fn collect_refs(node: &Node, kinds: &HashMap<String, ResourceKind>, out: &mut Vec<AttrRef>) {
    let is_account = |id: &str| kinds.get(id).is_some_and(|k| k.is_account());
    if let Some((name, arg)) = intrinsic(node) {
        match name {
            "Ref" => {
                if let Some(target) = arg.as_str().filter(|t| is_account(t)) {
                    out.push(AttrRef { target: target.to_string(), attribute: "AccountId".into(), span: node.span });
                }
            }
            "GetAtt" => {
                if let Some((target, attribute)) = getatt_parts(arg).filter(|(t, _)| is_account(t)) {
                    out.push(AttrRef { target, attribute, span: node.span });
                }
            }
            "Sub" => {
                let template = match &arg.kind {
                    NodeKind::Seq(items) => items.first().and_then(Node::as_str),
                    _ => arg.as_str(),
                };
                for part in super::sub::parse(template.unwrap_or_default()).unwrap_or_default() {
                    if let SubPart::Var(var) = part {
                        let (target, attribute) = var.split_once('.').unwrap_or((var, "AccountId"));
                        if is_account(target) {
                            out.push(AttrRef { target: target.into(), attribute: attribute.into(), span: node.span });
                        }
                    }
                }
                if let NodeKind::Seq(items) = &arg.kind {
                    items.iter().skip(1).for_each(|n| collect_refs(n, kinds, out));
                }
            }
            _ => collect_children(arg, kinds, out),
        }
        return;
    }
    collect_children(node, kinds, out);
}

fn collect_children(node: &Node, kinds: &HashMap<String, ResourceKind>, out: &mut Vec<AttrRef>) {
    match &node.kind {
        NodeKind::Seq(items) => items.iter().for_each(|n| collect_refs(n, kinds, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| collect_refs(v, kinds, out)),
        _ => {}
    }
}

impl Env<'_> {
    /// Evaluates a node that must produce text.
    pub fn string(&self, node: &Node) -> Result<String, EvalError> {
        match self.json(node)? {
            serde_json::Value::String(s) => Ok(s),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            serde_json::Value::Bool(b) => Ok(b.to_string()),
            serde_json::Value::Null => Err(EvalError::new("expected-string", "expected a value, found nothing")),
            serde_json::Value::Array(items) if items.iter().all(|i| i.is_string()) => {
                Ok(items.iter().filter_map(|i| i.as_str()).collect::<Vec<_>>().join(","))
            }
            _ => Err(EvalError::new("expected-string", format!("expected text, found {}", node.describe()))),
        }
    }

    /// Evaluates any node into JSON (used for policy documents, which are trees).
    pub fn json(&self, node: &Node) -> Result<serde_json::Value, EvalError> {
        use serde_json::Value;
        if let Some((name, arg)) = intrinsic(node) {
            return self.call(name, arg);
        }
        Ok(match &node.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Scalar { text, quoted: true } => Value::String(text.clone()),
            NodeKind::Scalar { text, quoted: false } => super::yaml::typed_scalar(text),
            NodeKind::Seq(items) => Value::Array(items.iter().map(|n| self.json(n)).collect::<Result<_, _>>()?),
            NodeKind::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (k, v) in entries {
                    map.insert(k.as_str().unwrap_or_default().to_string(), self.json(v)?);
                }
                Value::Object(map)
            }
        })
    }

    fn call(&self, name: &str, arg: &Node) -> Result<serde_json::Value, EvalError> {
        match name {
            "Ref" => {
                let target = arg.as_str().ok_or_else(|| EvalError::new("bad-intrinsic", "!Ref takes a logical id"))?;
                match self.parameters.get(target) {
                    Some(value) => Ok(value.clone()),
                    None => self.reference(target, None).map(serde_json::Value::String),
                }
            }
            "GetAtt" => {
                let (target, attribute) = getatt_parts(arg).ok_or_else(|| {
                    EvalError::new("bad-intrinsic", "!GetAtt takes `LogicalId.Attribute`")
                        .help(format!("attributes of accounts: {}", ACCOUNT_ATTRIBUTES.join(", ")))
                })?;
                self.reference(&target, Some(&attribute)).map(serde_json::Value::String)
            }
            "Sub" => self.sub(arg).map(serde_json::Value::String),
            "Join" => {
                let items = match &arg.kind {
                    NodeKind::Seq(items) if items.len() == 2 => items,
                    _ => return Err(EvalError::new("bad-intrinsic", "!Join takes [delimiter, [values...]]")),
                };
                let delimiter = self.string(&items[0])?;
                let values = match &items[1].kind {
                    NodeKind::Seq(values) => values.iter().map(|v| self.string(v)).collect::<Result<Vec<_>, _>>()?,
                    _ => vec![self.string(&items[1])?],
                };
                Ok(serde_json::Value::String(values.join(&delimiter)))
            }
            other => Err(EvalError::new("unsupported-intrinsic", format!("!{other} is not supported in an org file"))
                .help("org files support !Ref, !GetAtt, !Sub, !Join and !Include")),
        }
    }

    fn sub(&self, arg: &Node) -> Result<String, EvalError> {
        let (template, locals) = match &arg.kind {
            NodeKind::Seq(items) if !items.is_empty() => (items[0].as_str(), items.get(1)),
            _ => (arg.as_str(), None),
        };
        let template =
            template.ok_or_else(|| EvalError::new("bad-intrinsic", "!Sub takes a string or [string, {variables}]"))?;
        let parts = super::sub::parse(template)
            .map_err(|_| EvalError::new("bad-intrinsic", "!Sub has a `${` without its closing `}`"))?;
        let mut out = String::new();
        for part in parts {
            match part {
                SubPart::Text(t) => out.push_str(t),
                SubPart::Escaped(e) => {
                    out.push_str("${");
                    out.push_str(e);
                    out.push('}');
                }
                SubPart::Var(var) => {
                    if let Some(local) = locals.and_then(|l| l.get(var)) {
                        out.push_str(&self.string(local)?);
                        continue;
                    }
                    match var.split_once('.') {
                        Some((target, attribute)) => out.push_str(&self.reference(target, Some(attribute))?),
                        None => out.push_str(&self.reference(var, None)?),
                    }
                }
            }
        }
        Ok(out)
    }

    /// `!Ref target` (attribute `None`) or `!GetAtt target.attribute`.
    fn reference(&self, target: &str, attribute: Option<&str>) -> Result<String, EvalError> {
        if attribute.is_none() {
            if let Some(value) = self.parameters.get(target) {
                return match value {
                    serde_json::Value::String(s) => Ok(s.clone()),
                    other => Ok(other
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(",")),
                };
            }
        }
        let Some(kind) = self.kinds.get(target) else {
            let candidates = self.parameters.keys().chain(self.kinds.keys()).map(String::as_str);
            let help = match super::load::suggest(target, candidates) {
                Some(s) => format!("did you mean '{s}'?"),
                None => "refer to a parameter or a resource declared under Organization:".to_string(),
            };
            return Err(EvalError::new(
                "unknown-reference",
                format!("'{target}' is not a parameter or resource of this file"),
            )
            .help(help));
        };
        if !kind.is_account() {
            return Err(EvalError::new(
                "reference-not-a-value",
                format!("'{target}' is an {} and has no value to use here", kind.noun()),
            )
            .help("only parameters and accounts (AccountId, AccountName, RootEmail, Alias, Tags.<key>) give values"));
        }
        let attribute = attribute.unwrap_or("AccountId");
        let known = attribute == "AccountId"
            || matches!(attribute, "AccountName" | "RootEmail" | "Alias")
            || attribute.starts_with("Tags.");
        if !known {
            return Err(EvalError::new("unknown-attribute", format!("accounts have no attribute '{attribute}'"))
                .help(format!("attributes of accounts: {}", ACCOUNT_ATTRIBUTES.join(", "))));
        }
        match self.account_values.get(&(target.to_string(), attribute.to_string())) {
            Some(v) => Ok(v.clone()),
            None if attribute == "AccountId" => Ok(deferred_account_id(target)),
            None => {
                Err(EvalError::new("missing-attribute", format!("account {target} has no {attribute} in the file")))
            }
        }
    }
}

/// Plain YAML scalars keep their type in policy documents (`true`, `12`), everything else is text.
const DEFERRED_START: char = '\u{E000}';
const DEFERRED_END: char = '\u{E001}';

/// Stands for the AccountId of an account the file does not give an id for.
pub fn deferred_account_id(logical_id: &str) -> String {
    format!("{DEFERRED_START}{logical_id}{DEFERRED_END}")
}

/// Replaces deferred AccountIds in `text` using `lookup`; returns the logical id it could not fill.
pub fn fill_deferred(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    if !text.contains(DEFERRED_START) {
        return Ok(text.to_string());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(DEFERRED_START) {
        out.push_str(&rest[..start]);
        let after = &rest[start + DEFERRED_START.len_utf8()..];
        let end = after.find(DEFERRED_END).unwrap_or(after.len());
        let id = &after[..end];
        out.push_str(&lookup(id).ok_or_else(|| id.to_string())?);
        rest = after.get(end + DEFERRED_END.len_utf8()..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}
