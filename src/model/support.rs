//! AWS Support plans, as org-formation names them (`SupportLevel` on an account). AWS changes a
//! member account's plan when AWS Support is asked to in a support case from the management
//! account; orgctl records the request in a tag so that it asks once.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SupportLevel {
    Basic,
    Developer,
    Business,
    Enterprise,
}

/// Tag on an account: the support level AWS Support was asked for (so that it is asked once).
pub const SUPPORT_REQUEST_TAG: &str = "orgctl:support-level-requested";

impl SupportLevel {
    pub const ALL: [SupportLevel; 4] =
        [SupportLevel::Basic, SupportLevel::Developer, SupportLevel::Business, SupportLevel::Enterprise];

    /// org-formation's names, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str().eq_ignore_ascii_case(text))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SupportLevel::Basic => "basic",
            SupportLevel::Developer => "developer",
            SupportLevel::Business => "business",
            SupportLevel::Enterprise => "enterprise",
        }
    }

    /// The plan an account has, from the severity codes DescribeSeverityLevels offers it
    /// (`critical` only with Enterprise, `urgent` from Business on). An account whose plan does
    /// not include the Support API (Basic) is refused the call instead.
    pub fn from_severity_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> SupportLevel {
        let codes: Vec<&str> = codes.into_iter().collect();
        if codes.contains(&"critical") {
            SupportLevel::Enterprise
        } else if codes.contains(&"urgent") {
            SupportLevel::Business
        } else {
            SupportLevel::Developer
        }
    }
}

impl fmt::Display for SupportLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_in_any_case_and_from_severity_codes() {
        assert_eq!(SupportLevel::parse("Enterprise"), Some(SupportLevel::Enterprise));
        assert_eq!(SupportLevel::parse("gold"), None);
        assert_eq!(
            SupportLevel::from_severity_codes(["low", "normal", "high", "urgent", "critical"]),
            SupportLevel::Enterprise
        );
        assert_eq!(SupportLevel::from_severity_codes(["low", "normal", "high", "urgent"]), SupportLevel::Business);
        assert_eq!(SupportLevel::from_severity_codes(["low", "normal"]), SupportLevel::Developer);
    }
}
