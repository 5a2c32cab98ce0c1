use serde::{Deserialize, Serialize};

/// An IAM account password policy, always complete.
///
/// `UpdateAccountPasswordPolicy` resets every field left out to its default, so orgctl never
/// sends a partial policy: the file's omitted fields take the IAM defaults here, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    pub minimum_password_length: u32,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    /// Days; `None` means passwords never expire.
    pub max_password_age: Option<u32>,
    /// Number of previous passwords remembered; `None` means reuse is allowed.
    pub password_reuse_prevention: Option<u32>,
    pub hard_expiry: bool,
}

impl Default for PasswordPolicy {
    /// The values IAM uses for fields left out of `UpdateAccountPasswordPolicy`.
    fn default() -> Self {
        PasswordPolicy {
            minimum_password_length: 8,
            require_symbols: false,
            require_numbers: false,
            require_uppercase_characters: false,
            require_lowercase_characters: false,
            allow_users_to_change_password: false,
            max_password_age: None,
            password_reuse_prevention: None,
            hard_expiry: false,
        }
    }
}

impl PasswordPolicy {
    /// Field names and values in a fixed order, for property-level diffs.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let opt = |v: Option<u32>| v.map_or_else(|| "none".to_string(), |n| n.to_string());
        vec![
            ("MinimumPasswordLength", self.minimum_password_length.to_string()),
            ("RequireSymbols", self.require_symbols.to_string()),
            ("RequireNumbers", self.require_numbers.to_string()),
            ("RequireUppercaseCharacters", self.require_uppercase_characters.to_string()),
            ("RequireLowercaseCharacters", self.require_lowercase_characters.to_string()),
            ("AllowUsersToChangePassword", self.allow_users_to_change_password.to_string()),
            ("MaxPasswordAge", opt(self.max_password_age)),
            ("PasswordReusePrevention", opt(self.password_reuse_prevention)),
            ("HardExpiry", self.hard_expiry.to_string()),
        ]
    }
}
