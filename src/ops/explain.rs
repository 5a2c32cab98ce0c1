//! The explain workflow's decisions, once the account is placed (its levels of policies, live
//! or from the file): one request with the statements that decide it, or every action a
//! pattern matches grouped by decision and what decides it — and with two placements (the live
//! organization and the file), only the actions the file decides otherwise.

use crate::plan::hierarchy::Placed;
use crate::policy::{self, condition::Context, Explanation, Request};
use std::collections::BTreeMap;

/// Why SCPs and RCPs do not apply to the request, when they do not.
fn exemption(placed: &Placed, principal: Option<&str>) -> Option<&'static str> {
    if placed.is_management {
        Some("SCPs and RCPs do not apply to the management account")
    } else if principal.is_some_and(|p| p.contains(":role/aws-service-role/")) {
        Some("SCPs and RCPs do not apply to service-linked roles")
    } else {
        None
    }
}

/// The context with the keys every request of the account carries (its account id).
fn with_account(placed: &Placed, mut context: Context) -> Context {
    if let Some(id) = &placed.account_id {
        context.entry("aws:principalaccount".into()).or_insert_with(|| vec![id.clone()]);
    }
    context
}

/// The decision on one request by a principal of the placed account, and what decides it.
pub fn explain(
    placed: &Placed,
    action: &str,
    resource: &str,
    principal: Option<&str>,
    context: Context,
) -> Explanation {
    let request =
        Request { action: action.to_string(), resource: resource.to_string(), context: with_account(placed, context) };
    policy::evaluate_all(&placed.levels, &placed.rcp_levels, &request, exemption(placed, principal))
}

/// The actions of IAM's catalog `pattern` matches (the action itself when it has no wildcard).
pub fn matching_actions(pattern: &str) -> Vec<&str> {
    if pattern.contains(['*', '?']) {
        policy::effect::catalog().iter().copied().filter(|c| policy::matching::wildcard(pattern, c, true)).collect()
    } else {
        vec![pattern]
    }
}

/// `actions` grouped by (decision, what decides it); with `after`, only those decided otherwise
/// there, as `ALLOWED → DENIED` or `DENIED → ALLOWED`.
pub fn grouped<'a>(
    before: &Placed,
    after: Option<&Placed>,
    actions: &[&'a str],
    resource: &str,
    context: &Context,
) -> BTreeMap<(String, String), Vec<&'a str>> {
    let context = with_account(before, context.clone());
    let exempt = exemption(before, None);
    let decide = |placed: &Placed, action: &str| {
        let request = Request { action: action.to_string(), resource: resource.to_string(), context: context.clone() };
        policy::evaluate_all(&placed.levels, &placed.rcp_levels, &request, exempt)
    };
    let because = |e: &Explanation| match (e.is_allowed(), e.reason()) {
        (false, Some(reason)) => reason,
        _ => e.exempt.clone().unwrap_or_else(|| "allowed at every level".into()),
    };
    let word = |e: &Explanation| if e.is_allowed() { "ALLOWED" } else { "DENIED" };
    let mut groups: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for action in actions {
        let now = decide(before, action);
        let key = match after {
            Some(after) => {
                let then = decide(after, action);
                if then.is_allowed() == now.is_allowed() {
                    continue;
                }
                (format!("{} → {}", word(&now), word(&then)), because(if then.is_allowed() { &now } else { &then }))
            }
            None => (word(&now).to_string(), because(&now)),
        };
        groups.entry(key).or_default().push(action);
    }
    groups
}
