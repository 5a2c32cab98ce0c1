//! The one place that reads an attribute of an account: `!Ref Account`, `!GetAtt
//! Account.Alias`, `${CurrentAccount.Tags.team}`, in org files, task files and templates alike.

use super::error::EvalError;
use super::text::{Text, Unknown};

/// An attribute `!GetAtt` can read from an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountAttribute {
    AccountId,
    AccountName,
    RootEmail,
    Alias,
    Tag(String),
    /// The role orgctl (and org-formation) assumes in the account.
    OrganizationAccessRoleName,
    /// The role build pipelines assume in the account (`BuildAccessRoleName`).
    BuildAccessRoleName,
}

/// The attribute names, for help texts.
pub const ACCOUNT_ATTRIBUTES: [&str; 7] = [
    "AccountId",
    "AccountName",
    "RootEmail",
    "Alias",
    "Tags.<key>",
    "OrganizationAccessRoleName",
    "BuildAccessRoleName",
];

impl AccountAttribute {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "AccountId" => Self::AccountId,
            "AccountName" => Self::AccountName,
            "RootEmail" => Self::RootEmail,
            "Alias" => Self::Alias,
            "OrganizationAccessRoleName" => Self::OrganizationAccessRoleName,
            "BuildAccessRoleName" => Self::BuildAccessRoleName,
            other => Self::Tag(other.strip_prefix("Tags.")?.to_string()),
        })
    }
}

/// What is known about the accounts of an organization.
pub trait AccountFacts {
    /// Whether `account` is an account (logical id).
    fn is_account(&self, account: &str) -> bool;
    /// The AccountId, when the file gives it or the account exists.
    fn account_id(&self, account: &str) -> Option<String>;
    /// Any other attribute, when the account has it.
    fn attribute(&self, account: &str, attribute: &AccountAttribute) -> Option<String>;
    /// `!Ref` of a resource of the organization that is not an account (the root, an OU, a
    /// policy): its AWS id, unknown until created; `None` when `name` is no such resource.
    fn resource_id(&self, _name: &str) -> Option<Text> {
        None
    }
    /// Whether `name` is a permission set (`!GetAtt name.Arn` reads its ARN).
    fn is_permission_set(&self, _name: &str) -> bool {
        false
    }
}

/// `attribute` (`None`: the AccountId, as `!Ref` reads it) of `account`. An AccountId not known
/// yet is an [`Unknown`]; an attribute the account lacks is an error.
pub fn account_attribute(facts: &dyn AccountFacts, account: &str, attribute: Option<&str>) -> Result<Text, EvalError> {
    let name = attribute.unwrap_or("AccountId");
    let Some(parsed) = AccountAttribute::parse(name) else {
        return Err(EvalError::new("unknown-attribute", format!("accounts have no attribute '{name}'"))
            .help(format!("attributes of accounts: {}", ACCOUNT_ATTRIBUTES.join(", "))));
    };
    if parsed == AccountAttribute::AccountId {
        return Ok(match facts.account_id(account) {
            Some(id) => Text::known(id),
            None => Text::unknown(Unknown::Id(account.to_string())),
        });
    }
    facts
        .attribute(account, &parsed)
        .map(Text::known)
        .ok_or_else(|| EvalError::new("missing-attribute", format!("account {account} has no {name}")))
}
