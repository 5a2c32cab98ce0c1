//! Condition operators as IAM evaluates them, over the request's context keys.
//!
//! Missing keys follow the documented rule: a positive operator is false, a negated one
//! (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, ...) is true, `...IfExists` is true, and
//! `Null` tests presence. `ForAnyValue:` needs one context value to match, `ForAllValues:` every
//! one (true with none). Keys are case-insensitive; values are compared as each operator says.

use super::document::Condition;
use super::matching::{arn_like, wildcard};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The request's context: lower-cased key → its values (one for single-valued keys).
pub type Context = BTreeMap<String, Vec<String>>;

/// How a condition came out; `Unsupported` names an operator orgctl does not evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    True,
    False,
    Unsupported(String),
}

/// Evaluates one condition test.
pub fn evaluate(c: &Condition, context: &Context) -> Outcome {
    let (set, rest) = match c.operator.split_once(':') {
        Some((set @ ("ForAnyValue" | "ForAllValues"), op)) => (Some(set), op),
        _ => (None, c.operator.as_str()),
    };
    let (op, if_exists) = match rest.strip_suffix("IfExists") {
        Some(op) => (op, true),
        None => (rest, false),
    };
    let present = context.get(&c.key.to_lowercase()).filter(|v| !v.is_empty());
    if op == "Null" {
        let wants_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return if wants_absent != present.is_some() { Outcome::True } else { Outcome::False };
    }
    let Some((negated, test)) = operator(op) else { return Outcome::Unsupported(c.operator.clone()) };
    let Some(values) = present else {
        let result = match set {
            Some("ForAllValues") => true,
            Some(_) => false,
            None => if_exists || negated,
        };
        return if result { Outcome::True } else { Outcome::False };
    };
    let matches_any = |v: &str| c.values.iter().any(|p| test(v, p));
    let result = match (set, negated) {
        (Some("ForAllValues"), false) => values.iter().all(|v| matches_any(v)),
        (Some("ForAllValues"), true) => values.iter().all(|v| !matches_any(v)),
        (Some(_), false) => values.iter().any(|v| matches_any(v)),
        (Some(_), true) => values.iter().any(|v| !matches_any(v)),
        (None, false) => values.iter().any(|v| matches_any(v)),
        (None, true) => !values.iter().any(|v| matches_any(v)),
    };
    if result {
        Outcome::True
    } else {
        Outcome::False
    }
}

type Test = fn(&str, &str) -> bool;

/// An operator's positive test and whether it is negated.
fn operator(op: &str) -> Option<(bool, Test)> {
    Some(match op {
        "StringEquals" => (false, |v, p| v == p),
        "StringNotEquals" => (true, |v, p| v == p),
        "StringEqualsIgnoreCase" => (false, |v, p| v.eq_ignore_ascii_case(p)),
        "StringNotEqualsIgnoreCase" => (true, |v, p| v.eq_ignore_ascii_case(p)),
        "StringLike" => (false, |v, p| wildcard(p, v, false)),
        "StringNotLike" => (true, |v, p| wildcard(p, v, false)),
        "ArnEquals" | "ArnLike" => (false, |v, p| arn_like(p, v)),
        "ArnNotEquals" | "ArnNotLike" => (true, |v, p| arn_like(p, v)),
        "Bool" => (false, |v, p| v.eq_ignore_ascii_case(p)),
        "BinaryEquals" => (false, |v, p| v == p),
        "NumericEquals" => (false, |v, p| numbers(v, p).is_some_and(|(a, b)| a == b)),
        "NumericNotEquals" => (true, |v, p| numbers(v, p).is_some_and(|(a, b)| a == b)),
        "NumericLessThan" => (false, |v, p| numbers(v, p).is_some_and(|(a, b)| a < b)),
        "NumericLessThanEquals" => (false, |v, p| numbers(v, p).is_some_and(|(a, b)| a <= b)),
        "NumericGreaterThan" => (false, |v, p| numbers(v, p).is_some_and(|(a, b)| a > b)),
        "NumericGreaterThanEquals" => (false, |v, p| numbers(v, p).is_some_and(|(a, b)| a >= b)),
        // ISO 8601 times in the same form order as text.
        "DateEquals" => (false, |v, p| v == p),
        "DateNotEquals" => (true, |v, p| v == p),
        "DateLessThan" => (false, |v, p| v < p),
        "DateLessThanEquals" => (false, |v, p| v <= p),
        "DateGreaterThan" => (false, |v, p| v > p),
        "DateGreaterThanEquals" => (false, |v, p| v >= p),
        "IpAddress" => (false, in_network),
        "NotIpAddress" => (true, in_network),
        _ => return None,
    })
}

fn numbers(v: &str, p: &str) -> Option<(f64, f64)> {
    Some((v.trim().parse().ok()?, p.trim().parse().ok()?))
}

/// Whether the address `v` is in the network `p` (`203.0.113.0/24`, or one address).
fn in_network(v: &str, p: &str) -> bool {
    let (net, bits) = p.split_once('/').map_or((p, None), |(n, b)| (n, b.parse::<u32>().ok()));
    let (Ok(addr), Ok(net)) = (v.trim().parse::<IpAddr>(), net.trim().parse::<IpAddr>()) else { return false };
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}
