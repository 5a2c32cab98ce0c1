//! A policy document read for evaluation: its statements with effect, actions or not-actions,
//! resources or not-resources, and conditions, each value list normalised (a string or a list).

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action` or `NotAction` (likewise resources): the patterns and whether they are negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Patterns {
    pub not: bool,
    pub values: Vec<String>,
}

/// One condition test: `Operator: { Key: [values] }`, one key.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The `Sid`, else `#n` (its position, from 1).
    pub sid: String,
    pub effect: Effect,
    pub actions: Patterns,
    pub resources: Patterns,
    pub conditions: Vec<Condition>,
}

/// Strings of a JSON value that may be one string or a list (numbers and booleans as text).
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// Why a document's statements cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the policy is not JSON: {0}")]
    NotJson(String),
    #[error("the policy has no Statement")]
    NoStatement,
}

/// The statements of `document` (JSON text). A statement without Action/NotAction, or with an
/// effect other than Allow/Deny, matches nothing and is left out; a missing Resource means `*`
/// (SCPs may omit it).
pub fn statements(document: &str) -> Result<Vec<Statement>, ReadError> {
    let doc: Value = serde_json::from_str(document).map_err(|e| ReadError::NotJson(e.to_string()))?;
    let list = match doc.get("Statement") {
        Some(Value::Array(s)) => s.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return Err(ReadError::NoStatement),
    };
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let effect = match s.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => continue,
        };
        let patterns = |yes: &str, no: &str, default: Option<&str>| match (s.get(yes), s.get(no)) {
            (Some(v), _) => Some(Patterns { not: false, values: strings(v) }),
            (None, Some(v)) => Some(Patterns { not: true, values: strings(v) }),
            (None, None) => default.map(|d| Patterns { not: false, values: vec![d.to_string()] }),
        };
        let Some(actions) = patterns("Action", "NotAction", None) else { continue };
        let resources =
            patterns("Resource", "NotResource", Some("*")).unwrap_or(Patterns { not: false, values: vec![] });
        let mut conditions = Vec::new();
        if let Some(Value::Object(block)) = s.get("Condition") {
            for (operator, tests) in block {
                if let Value::Object(keys) = tests {
                    for (key, values) in keys {
                        conditions.push(Condition {
                            operator: operator.clone(),
                            key: key.clone(),
                            values: strings(values),
                        });
                    }
                }
            }
        }
        let sid = s.get("Sid").and_then(Value::as_str).map_or_else(|| format!("#{}", i + 1), str::to_string);
        out.push(Statement { sid, effect, actions, resources, conditions });
    }
    Ok(out)
}

/// Condition keys that hold several values in a request (`aws:TagKeys` and its service forms,
/// `aws:CalledVia`, the org paths): under an operator without `ForAnyValue:`/`ForAllValues:`
/// AWS documents no decision.
fn is_multivalued(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.ends_with(":tagkeys")
        || ["aws:calledvia", "aws:principalservicenameslist", "aws:principalorgpaths", "aws:resourceorgpaths"]
            .contains(&key.as_str())
}

/// What IAM Access Analyzer would point out in an SCP or RCP document, statement by statement:
/// a multivalued key under a plain operator, `*:*` in `Action`, a statement without `Resource`.
pub fn advice(document: &Value) -> Vec<String> {
    let list = match document.get("Statement") {
        Some(Value::Array(s)) => s.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let sid = s.get("Sid").and_then(Value::as_str).map_or_else(|| format!("#{}", i + 1), str::to_string);
        for (operator, keys) in s.get("Condition").and_then(Value::as_object).into_iter().flatten() {
            let set = operator.starts_with("ForAnyValue:") || operator.starts_with("ForAllValues:");
            for key in keys.as_object().into_iter().flatten().map(|(k, _)| k).filter(|k| is_multivalued(k)) {
                if !set {
                    out.push(format!("statement {sid}: {key} holds several values, but {operator} compares one: AWS documents no decision; write ForAnyValue:{operator} or ForAllValues:{operator}"));
                }
            }
        }
        if s.get("Action").map(strings).unwrap_or_default().iter().any(|a| a == "*:*") {
            out.push(format!("statement {sid}: `*:*` in Action: write `*`"));
        }
        if s.get("Resource").is_none() && s.get("NotResource").is_none() {
            out.push(format!("statement {sid}: no Resource: AWS reads it as every resource; write Resource: '*'"));
        }
    }
    out
}
