//! Text some of whose pieces are known only once apply has run, like Terraform's unknowns.
//!
//! An account the apply creates has no AccountId at plan time; a policy, a template or a stack
//! parameter that names it holds a typed [`Unknown`] piece instead. The plan shows it as
//! `(known after apply)`; apply fills it in one place ([`Text::resolve`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Shown for values that only exist once apply has run.
pub const KNOWN_AFTER_APPLY: &str = "(known after apply)";

/// A value that does not exist yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unknown {
    /// The AWS id of a resource of the organization file (by logical id) that this apply
    /// creates: an account's AccountId, an OU's or a policy's id. (Plans saved before OUs and
    /// policies could be named call it `account_id`.)
    #[serde(alias = "account_id")]
    Id(String),
    /// The value of a CloudFormation export (`!CopyValue`) not there yet: read when the stack
    /// deploys. `account` is an AccountId, or the logical id of an account this apply creates.
    Export { account: String, region: String, name: String },
    /// The output of a `!Cmd` that `validate` did not run (it never runs commands). Never in a
    /// plan: plan runs the command, or refuses it.
    CommandOutput(String),
    /// A value of the target (`CurrentAccount`, `AWS::Region`, `ORG::PrincipalOrgID`) while the
    /// task file is read, before it is evaluated for each target. Never in a plan.
    PerTarget(String),
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unknown::Id(logical_id) => write!(f, "<id of {logical_id}, {KNOWN_AFTER_APPLY}>"),
            Unknown::Export { account, region, name } => {
                write!(f, "<export {name} of {account}/{region}, {KNOWN_AFTER_APPLY}>")
            }
            Unknown::CommandOutput(command) => write!(f, "<output of !Cmd `{command}`, not run by validate>"),
            Unknown::PerTarget(name) => write!(f, "<{name} of each target>"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum Piece {
    Known(String),
    Unknown(Unknown),
}

/// Text made of known pieces and [`Unknown`]s. Saved plans store it as a plain string when it
/// is fully known, else as the list of its pieces.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "Stored", into = "Stored")]
pub struct Text(Vec<Piece>);

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Stored {
    Plain(String),
    Pieces(Vec<Piece>),
}

impl From<Stored> for Text {
    fn from(stored: Stored) -> Self {
        match stored {
            Stored::Plain(s) => Text::known(s),
            Stored::Pieces(pieces) => {
                let mut text = Text::default();
                for piece in pieces {
                    match piece {
                        Piece::Known(s) => text.push_str(&s),
                        Piece::Unknown(u) => text.push_unknown(u),
                    }
                }
                text
            }
        }
    }
}

impl From<Text> for Stored {
    fn from(text: Text) -> Self {
        match text.as_known() {
            Some(s) => Stored::Plain(s.to_string()),
            None => Stored::Pieces(text.0),
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::known(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::known(s)
    }
}

impl Text {
    pub fn known(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.is_empty() {
            Text::default()
        } else {
            Text(vec![Piece::Known(s)])
        }
    }

    pub fn unknown(u: Unknown) -> Self {
        Text(vec![Piece::Unknown(u)])
    }

    pub fn push_str(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(Piece::Known(last)) => last.push_str(s),
            _ => self.0.push(Piece::Known(s.to_string())),
        }
    }

    pub fn push_unknown(&mut self, u: Unknown) {
        self.0.push(Piece::Unknown(u));
    }

    pub fn push_text(&mut self, other: &Text) {
        for piece in &other.0 {
            match piece {
                Piece::Known(s) => self.push_str(s),
                Piece::Unknown(u) => self.push_unknown(u.clone()),
            }
        }
    }

    /// The whole text, when nothing in it is unknown.
    pub fn as_known(&self) -> Option<&str> {
        match self.0.as_slice() {
            [] => Some(""),
            [Piece::Known(s)] => Some(s),
            _ => None,
        }
    }

    /// The text, which `what` needs known before apply (a role name, a path): an error that
    /// says which value is not.
    pub fn require_known(&self, what: &str) -> Result<String, super::EvalError> {
        self.as_known().map(str::to_string).ok_or_else(|| {
            super::EvalError::new("unknown-at-plan", format!("{what} must be known before apply, not {}", self.shown()))
        })
    }

    /// The known text before the first unknown piece (all of it when the text is known).
    pub fn known_prefix(&self) -> &str {
        match self.0.first() {
            Some(Piece::Known(s)) => s,
            _ => "",
        }
    }

    pub fn is_known(&self) -> bool {
        self.as_known().is_some()
    }

    /// The unknowns in this text, in order.
    pub fn unknowns(&self) -> impl Iterator<Item = &Unknown> {
        self.0.iter().filter_map(|p| match p {
            Piece::Unknown(u) => Some(u),
            Piece::Known(_) => None,
        })
    }

    /// The text with every unknown filled by `value`; the first unknown it cannot fill is the error.
    pub fn resolve(&self, value: impl Fn(&Unknown) -> Option<String>) -> Result<String, Unknown> {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Known(s) => out.push_str(s),
                Piece::Unknown(u) => out.push_str(&value(u).ok_or_else(|| u.clone())?),
            }
        }
        Ok(out)
    }

    /// The JSON document this text holds (a template), when it is one. Values known only after
    /// apply sit inside its strings, as the plan shows them: its structure (resources,
    /// parameters, outputs, their keys and types) is known at plan time all the same, and that is
    /// what is read from it; every value is taken from the text itself.
    pub fn json_structure(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.shown()).ok()
    }

    /// The text as the plan shows it: unknowns as `<id of X, (known after apply)>`.
    pub fn shown(&self) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Known(s) => out.push_str(s),
                Piece::Unknown(u) => out.push_str(&u.to_string()),
            }
        }
        out
    }

    /// Each piece transformed: known text by `known`, unknowns kept (for JSON escaping).
    pub fn map_known(&self, known: impl Fn(&str) -> String) -> Text {
        let mut out = Text::default();
        for piece in &self.0 {
            match piece {
                Piece::Known(s) => out.push_str(&known(s)),
                Piece::Unknown(u) => out.push_unknown(u.clone()),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_text_saves_as_a_plain_string_and_unknowns_as_pieces() {
        let plain = Text::known("abc");
        assert_eq!(serde_json::to_string(&plain).unwrap(), "\"abc\"");
        let mut mixed = Text::known("arn:aws:iam::");
        mixed.push_unknown(Unknown::Id("Prod".into()));
        mixed.push_str(":root");
        let saved = serde_json::to_string(&mixed).unwrap();
        assert_eq!(saved, r#"["arn:aws:iam::",{"id":"Prod"},":root"]"#);
        let back: Text = serde_json::from_str(&saved).unwrap();
        assert_eq!(back, mixed);
        let older: Text = serde_json::from_str(r#"["arn:aws:iam::",{"account_id":"Prod"},":root"]"#).unwrap();
        assert_eq!(older, mixed);
    }

    #[test]
    fn resolve_fills_unknowns_or_names_the_first_missing() {
        let mut t = Text::known("id=");
        t.push_unknown(Unknown::Id("Prod".into()));
        assert_eq!(t.resolve(|_| Some("111111111111".into())).unwrap(), "id=111111111111");
        assert_eq!(t.resolve(|_| None).unwrap_err(), Unknown::Id("Prod".into()));
        assert_eq!(t.shown(), "id=<id of Prod, (known after apply)>");
        assert!(!t.is_known());
    }
}
