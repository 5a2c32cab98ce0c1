//! The result of evaluating a value: JSON whose strings may hold [`Unknown`]s.

use super::text::{Text, Unknown};
use serde_json::Number;

/// A JSON-like tree whose strings are [`Text`]. CloudFormation functions that orgctl leaves to
/// CloudFormation are ordinary maps (`{"Fn::GetAZs": ""}`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    Text(Text),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::Text(Text::known(s)),
            serde_json::Value::Array(items) => Value::List(items.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(map) => Value::Map(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect()),
        }
    }
}

impl From<Text> for Value {
    fn from(t: Text) -> Self {
        Value::Text(t)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(Text::known(s))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(Text::known(s))
    }
}

impl Value {
    /// A one-key map: how CloudFormation writes a function call (`{"Fn::Join": [...]}`).
    pub fn call(name: impl Into<String>, arg: Value) -> Value {
        Value::Map(vec![(name.into(), arg)])
    }

    /// The function this value calls, when it is a one-key `Ref` / `Fn::*` / `Condition` map.
    pub fn as_call(&self) -> Option<(&str, &Value)> {
        match self {
            Value::Map(entries) => match entries.as_slice() {
                [(k, v)] if k == "Ref" || k == "Condition" || k.starts_with("Fn::") => Some((k.as_str(), v)),
                _ => None,
            },
            _ => None,
        }
    }

    /// A scalar as text (numbers and booleans as written); `None` for lists, maps and null.
    pub fn as_text(&self) -> Option<Text> {
        match self {
            Value::Text(t) => Some(t.clone()),
            Value::Number(n) => Some(Text::known(n.to_string())),
            Value::Bool(b) => Some(Text::known(b.to_string())),
            _ => None,
        }
    }

    /// The value as JSON, when nothing in it is unknown.
    pub fn known(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::Text(t) => serde_json::Value::String(t.as_known()?.to_string()),
            Value::List(items) => serde_json::Value::Array(items.iter().map(Value::known).collect::<Option<_>>()?),
            Value::Map(entries) => serde_json::Value::Object(
                entries.iter().map(|(k, v)| Some((k.clone(), v.known()?))).collect::<Option<_>>()?,
            ),
        })
    }

    /// The value as the plan shows it: unknowns written out in their strings.
    pub fn shown(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::Text(t) => serde_json::Value::String(t.shown()),
            Value::List(items) => serde_json::Value::Array(items.iter().map(Value::shown).collect()),
            Value::Map(entries) => {
                serde_json::Value::Object(entries.iter().map(|(k, v)| (k.clone(), v.shown())).collect())
            }
        }
    }

    /// Compact JSON text. Unknowns stay pieces of the text; they stand for values that need no
    /// escaping inside a JSON string (an AccountId is twelve digits).
    pub fn to_json_text(&self) -> Text {
        let mut out = Text::default();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut Text) {
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::Text(t) => {
                out.push_str("\"");
                out.push_text(&t.map_known(|s| {
                    let q = quoted(s);
                    q[1..q.len() - 1].to_string()
                }));
                out.push_str("\"");
            }
            Value::List(items) => {
                out.push_str("[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",");
                    }
                    item.write_json(out);
                }
                out.push_str("]");
            }
            Value::Map(entries) => {
                out.push_str("{");
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",");
                    }
                    out.push_str(&quoted(k));
                    out.push_str(":");
                    v.write_json(out);
                }
                out.push_str("}");
            }
        }
    }

    /// Every unknown in the value.
    pub fn unknowns(&self) -> Vec<Unknown> {
        match self {
            Value::Text(t) => t.unknowns().cloned().collect(),
            Value::List(items) => items.iter().flat_map(Value::unknowns).collect(),
            Value::Map(entries) => entries.iter().flat_map(|(_, v)| v.unknowns()).collect(),
            _ => Vec::new(),
        }
    }

    /// Short description for error messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::Text(_) => "text",
            Value::List(_) => "a list",
            Value::Map(_) if self.as_call().is_some() => "a CloudFormation function",
            Value::Map(_) => "a mapping",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_keeps_unknowns_as_pieces_and_escapes_the_rest() {
        let mut arn = Text::known("arn:aws:iam::");
        arn.push_unknown(Unknown::Id("Prod".into()));
        arn.push_str(":root \"x\"");
        let v = Value::Map(vec![("Principal".into(), Value::List(vec![Value::Text(arn), Value::Bool(true)]))]);
        let text = v.to_json_text();
        let filled = text.resolve(|_| Some("111111111111".into())).unwrap();
        assert_eq!(filled, r#"{"Principal":["arn:aws:iam::111111111111:root \"x\"",true]}"#);
        assert!(v.known().is_none());
        assert_eq!(v.unknowns(), vec![Unknown::Id("Prod".into())]);
    }
}
