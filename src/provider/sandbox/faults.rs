//! Failure injection for tests: `ORGCTL_SANDBOX_FAULTS` makes chosen sandbox calls fail, throttle
//! or kill the process, so that recovery (retries, re-runs after a crash) can be tested.
//!
//! Syntax: comma-separated `Operation:mode[:substring]`, where Operation is the AWS API name
//! (`CreateAccount`, `AttachPolicy`, ...), mode is `fail` (an error), `throttle` (one retryable
//! TooManyRequestsException per matching call, the first time), `exit` (do the call, save,
//! then exit with code 137 as if killed) or `slow` (wait half a second first, so that two runs
//! overlap), and the rule applies only to calls whose arguments contain the substring.

use crate::provider::ProviderError;
use std::collections::HashSet;
use std::sync::Mutex;

pub const ENV: &str = "ORGCTL_SANDBOX_FAULTS";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Fail,
    Throttle,
    Exit,
    Slow,
}

#[derive(Debug)]
struct Rule {
    operation: String,
    mode: Mode,
    substring: String,
}

/// The rules from the environment, and which calls were already throttled once.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<Rule>,
    throttled: Mutex<HashSet<String>>,
}

impl Faults {
    pub fn from_env() -> Result<Self, ProviderError> {
        let Ok(spec) = std::env::var(ENV) else { return Ok(Faults::default()) };
        let mut rules = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let mut parts = item.splitn(3, ':');
            let operation = parts.next().unwrap_or_default().to_string();
            let mode = match parts.next() {
                Some("fail") => Mode::Fail,
                Some("throttle") => Mode::Throttle,
                Some("exit") => Mode::Exit,
                Some("slow") => Mode::Slow,
                other => {
                    return Err(ProviderError::new(
                        "InvalidFaultSpec",
                        format!("{ENV}: mode {other:?} in '{item}' is not fail, throttle, exit or slow"),
                    ));
                }
            };
            rules.push(Rule { operation, mode, substring: parts.next().unwrap_or_default().to_string() });
        }
        Ok(Faults { rules, throttled: Mutex::new(HashSet::new()) })
    }

    /// The fault to inject for this call, if any. `Throttle` fires once per distinct call.
    pub fn check(&self, operation: &str, args: &[&str]) -> Option<Mode> {
        let rule = self.rules.iter().find(|r| {
            r.operation == operation && (r.substring.is_empty() || args.iter().any(|a| a.contains(&r.substring)))
        })?;
        if rule.mode == Mode::Throttle {
            let key = format!("{operation}:{}", args.join("|"));
            let mut seen = self.throttled.lock().unwrap_or_else(|e| e.into_inner());
            if !seen.insert(key) {
                return None;
            }
        }
        Some(rule.mode)
    }
}
