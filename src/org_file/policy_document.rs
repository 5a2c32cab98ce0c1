//! The document rules AWS applies to each policy type before it accepts a policy (moto checks
//! none of them): shared by the org file's validation and the sandbox.

use crate::model::PolicyType;
use serde_json::Value;

/// What AWS refuses in a policy document; the message is what the user is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the policy document is not valid JSON: {0}")]
    NotJson(String),
    #[error("the policy document must be a JSON object")]
    NotAnObject,
    #[error("a {noun} has its settings under a top-level \"{key}\" object")]
    NoSettings { noun: &'static str, key: &'static str },
    #[error("Version must be '2012-10-17', found {0}")]
    Version(String),
    #[error("the policy document needs a Statement (an object or a list)")]
    NoStatement,
    #[error("the Statement list is empty")]
    EmptyStatement,
    #[error("Statement[{0}] must be an object")]
    StatementNotAnObject(usize),
    #[error("Statement[{0}] needs Effect: Allow or Deny")]
    Effect(usize),
    #[error("Statement[{0}] needs Action or NotAction")]
    NoAction(usize),
    #[error("Statement[{0}]: an RCP can only deny (RCPFullAWSAccess is the allow)")]
    RcpAllows(usize),
    #[error("Statement[{0}]: an RCP names Principal: '*' (narrow it with conditions such as aws:PrincipalOrgID)")]
    RcpPrincipal(usize),
}

/// What is wrong with a policy document, said to the user; `Ok` when AWS would accept it.
pub fn check_document(policy_type: PolicyType, doc: &Value) -> Result<(), DocumentError> {
    match policy_type.document_key() {
        None => check_iam_document(policy_type, doc),
        Some(key) => {
            let obj = doc.as_object().ok_or(DocumentError::NotAnObject)?;
            if !obj.get(key).is_some_and(Value::is_object) {
                return Err(DocumentError::NoSettings { noun: policy_type.noun(), key });
            }
            Ok(())
        }
    }
}

/// [`check_document`] of a document given as JSON text.
pub fn check_policy_document(policy_type: PolicyType, content: &str) -> Result<(), DocumentError> {
    let doc: Value = serde_json::from_str(content).map_err(|e| DocumentError::NotJson(e.to_string()))?;
    check_document(policy_type, &doc)
}

/// How the user is told to write a document of the type.
pub fn document_hint(policy_type: PolicyType) -> String {
    match policy_type {
        PolicyType::ServiceControl => {
            "an SCP is {Version: '2012-10-17', Statement: [{Effect, Action|NotAction, Resource}]}".into()
        }
        PolicyType::ResourceControl => {
            "an RCP is {Version: '2012-10-17', Statement: [{Effect: Deny, Principal: '*', Action, Resource}]}".into()
        }
        other => format!(
            "see AWS's syntax for {}: {{{}: {{...}}}} with @@assign operators",
            other.noun_plural(),
            other.document_key().unwrap_or_default()
        ),
    }
}

/// SCPs and RCPs: the IAM policy language, with RCPs' extra rules (customer RCPs only deny, and
/// name every principal: AWS, "Resource control policies" syntax).
fn check_iam_document(policy_type: PolicyType, doc: &Value) -> Result<(), DocumentError> {
    let obj = doc.as_object().ok_or(DocumentError::NotAnObject)?;
    if let Some(v) = obj.get("Version") {
        if v != "2012-10-17" && v != "2008-10-17" {
            return Err(DocumentError::Version(v.to_string()));
        }
    }
    let statements = match obj.get("Statement") {
        Some(Value::Array(s)) => s.iter().collect::<Vec<_>>(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => return Err(DocumentError::NoStatement),
    };
    if statements.is_empty() {
        return Err(DocumentError::EmptyStatement);
    }
    for (i, s) in statements.iter().enumerate() {
        let s = s.as_object().ok_or(DocumentError::StatementNotAnObject(i))?;
        match s.get("Effect").and_then(|e| e.as_str()) {
            Some("Allow" | "Deny") => {}
            _ => return Err(DocumentError::Effect(i)),
        }
        if !s.contains_key("Action") && !s.contains_key("NotAction") {
            return Err(DocumentError::NoAction(i));
        }
        if policy_type == PolicyType::ResourceControl {
            if s.get("Effect").and_then(|e| e.as_str()) != Some("Deny") {
                return Err(DocumentError::RcpAllows(i));
            }
            if s.contains_key("NotPrincipal") || s.get("Principal").and_then(Value::as_str) != Some("*") {
                return Err(DocumentError::RcpPrincipal(i));
            }
        }
    }
    Ok(())
}
