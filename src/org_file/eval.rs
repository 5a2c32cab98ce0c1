//! What names mean in an org file: its parameters and its accounts' attributes. The functions
//! themselves are [`crate::expr`]'s.
//!
//! An account's AccountId that the file does not give is known once the account exists: it
//! evaluates to an [`Unknown`](crate::expr::Unknown) piece, recorded as a [`PendingValue`] that
//! the plan fills from the live organization.

use super::declared::{PendingValue, ResourceKind};
use crate::expr::{account_attribute, AccountAttribute, AccountFacts, EvalError, Scope, Text, Value};
use crate::source::yaml::Node;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

/// What values may refer to.
pub struct Env<'a> {
    pub parameters: &'a BTreeMap<String, serde_json::Value>,
    pub kinds: &'a HashMap<String, ResourceKind>,
    /// Already evaluated account attributes, keyed by (logical id, attribute).
    pub account_values: HashMap<(String, String), Text>,
    /// Values holding unknowns, in the order met.
    pub pending: RefCell<Vec<PendingValue>>,
}

/// Every account attribute that `node` reads, as (logical id, attribute), for the dependency
/// graph of account values (`!Ref Account` reads its AccountId).
pub fn account_attributes_read(node: &Node, kinds: &HashMap<String, ResourceKind>) -> Vec<(String, String)> {
    let mut refs = Vec::new();
    crate::expr::references(node, &mut refs);
    refs.into_iter()
        .filter(|r| kinds.get(&r.name).is_some_and(|k| k.is_account()))
        .map(|r| (r.name, r.attribute.unwrap_or_else(|| "AccountId".to_string())))
        .collect()
}

impl<'a> Env<'a> {
    pub fn new(parameters: &'a BTreeMap<String, serde_json::Value>, kinds: &'a HashMap<String, ResourceKind>) -> Self {
        Env { parameters, kinds, account_values: HashMap::new(), pending: RefCell::new(Vec::new()) }
    }

    /// Evaluates a node that must produce text.
    pub fn text(&self, node: &Node) -> Result<Text, EvalError> {
        let value = crate::expr::evaluate(node, &mut OrgScope(self))?;
        match value {
            Value::List(items) => {
                let texts: Option<Vec<Text>> = items.iter().map(Value::as_text).collect();
                let texts = texts.ok_or_else(|| EvalError::new("expected-string", "expected text, found a list"))?;
                let mut out = Text::default();
                for (i, t) in texts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",");
                    }
                    out.push_text(t);
                }
                Ok(out)
            }
            Value::Null => Err(EvalError::new("expected-string", "expected a value, found nothing")),
            other => other
                .as_text()
                .ok_or_else(|| EvalError::new("expected-string", format!("expected text, found {}", node.describe()))),
        }
    }

    /// Evaluates a node that must produce text, for `owner`'s `property`: text with unknowns is
    /// kept as shown and recorded as pending.
    pub fn string(&self, node: &Node, owner: &str, property: &str) -> Result<String, EvalError> {
        let text = self.text(node)?;
        Ok(self.settle(text, owner, property))
    }

    /// The text as shown; recorded as pending when it holds unknowns.
    pub fn settle(&self, text: Text, owner: &str, property: &str) -> String {
        match text.as_known() {
            Some(known) => known.to_string(),
            None => {
                let shown = text.shown();
                self.pending.borrow_mut().push(PendingValue {
                    owner: owner.to_string(),
                    property: property.to_string(),
                    value: text,
                });
                shown
            }
        }
    }

    /// Evaluates any node (policy documents are trees).
    pub fn value(&self, node: &Node) -> Result<Value, EvalError> {
        crate::expr::evaluate(node, &mut OrgScope(self))
    }
}

impl AccountFacts for Env<'_> {
    fn is_account(&self, account: &str) -> bool {
        self.kinds.get(account).is_some_and(|k| k.is_account())
    }

    fn account_id(&self, account: &str) -> Option<String> {
        let id = self.account_values.get(&(account.to_string(), "AccountId".to_string()))?;
        id.as_known().map(str::to_string)
    }

    fn attribute(&self, account: &str, attribute: &AccountAttribute) -> Option<String> {
        let name = match attribute {
            AccountAttribute::AccountId => "AccountId".to_string(),
            AccountAttribute::AccountName => "AccountName".to_string(),
            AccountAttribute::RootEmail => "RootEmail".to_string(),
            AccountAttribute::Alias => "Alias".to_string(),
            AccountAttribute::Tag(k) => format!("Tags.{k}"),
            AccountAttribute::OrganizationAccessRoleName => "OrganizationAccessRoleName".to_string(),
            AccountAttribute::BuildAccessRoleName => "BuildAccessRoleName".to_string(),
        };
        self.account_values.get(&(account.to_string(), name)).map(Text::shown)
    }
}

/// The org file as an evaluation scope.
struct OrgScope<'e, 'a>(&'e Env<'a>);

impl Scope for OrgScope<'_, '_> {
    fn reference(&mut self, name: &str, attribute: Option<&str>) -> Option<Result<Value, crate::expr::EvalError>> {
        let env = self.0;
        if attribute.is_none() {
            if let Some(value) = env.parameters.get(name) {
                return Some(Ok(Value::from(value.clone())));
            }
        }
        let kind = env.kinds.get(name)?;
        if !kind.is_account() {
            return Some(Err(EvalError::new(
                "reference-not-a-value",
                format!("'{name}' is an {} and has no value to use here", kind.noun()),
            )
            .help("only parameters and accounts (AccountId, AccountName, RootEmail, Alias, Tags.<key>) give values")));
        }
        // An account attribute with an unknown in it (a tag naming a new account) stays unknown.
        let attribute_name = attribute.unwrap_or("AccountId");
        if let Some(text) = env.account_values.get(&(name.to_string(), attribute_name.to_string())) {
            return Some(Ok(Value::Text(text.clone())));
        }
        Some(account_attribute(env, name, attribute).map(Value::Text))
    }

    fn unknown_reference(&self, name: &str) -> EvalError {
        let env = self.0;
        let candidates = env.parameters.keys().chain(env.kinds.keys()).map(String::as_str);
        let help = match super::load::suggest(name, candidates) {
            Some(s) => format!("did you mean '{s}'?"),
            None => "refer to a parameter or a resource declared under Organization:".to_string(),
        };
        EvalError::new("unknown-reference", format!("'{name}' is not a parameter or resource of this file")).help(help)
    }

    fn context(&self) -> &'static str {
        "an organization file"
    }
}
