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
    // Policy variables (`${aws:PrincipalAccount}`) stand for the request's values in string and
    // ARN operators; a value whose variable the request lacks matches nothing.
    let substituted: Vec<String>;
    let c = if (op.starts_with("String") || op.starts_with("Arn")) && c.values.iter().any(|v| v.contains("${")) {
        substituted = c.values.iter().filter_map(|v| substitute_variables(v, context)).collect();
        &Condition { operator: c.operator.clone(), key: c.key.clone(), values: substituted }
    } else {
        c
    };
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

/// `value` with its policy variables replaced from `context`: `${aws:PrincipalTag/team}`, with
/// a default (`${aws:username, 'none'}`), and the escapes `${*}`, `${?}`, `${$}`; `None` when a
/// variable has no value and no default.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>
fn substitute_variables(value: &str, context: &Context) -> Option<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Some(out);
        };
        let inner = after[..end].trim();
        let (key, default) = match inner.split_once(',') {
            Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\'').to_string())),
            None => (inner, None),
        };
        let replacement = match key {
            "*" | "?" | "$" => Some(key.to_string()),
            key => context.get(&key.to_lowercase()).and_then(|v| v.first().cloned()).or(default),
        };
        out.push_str(&replacement?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A date condition value as an instant (seconds since 1970): ISO 8601 with or without a time,
/// with `Z` or an offset, or epoch seconds, as AWS compares them.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>
pub fn instant(text: &str) -> Option<f64> {
    let text = text.trim();
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse().ok();
    }
    let (date, time) = match text.split_once(['T', 't', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let (y, m, d): (i64, i64, i64) =
        (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next().unwrap_or("1").parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let mut seconds = days as f64 * 86_400.0;
    if let Some(time) = time {
        let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
            Some(i) => (&time[..i], &time[i..]),
            None => (time, ""),
        };
        let mut hms = clock.split(':');
        let h: f64 = hms.next()?.parse().ok()?;
        let min: f64 = hms.next().unwrap_or("0").parse().ok()?;
        let sec: f64 = hms.next().unwrap_or("0").parse().ok()?;
        seconds += h * 3600.0 + min * 60.0 + sec;
        if let Some(sign @ ('+' | '-')) = offset.chars().next() {
            let mut o = offset[1..].split(':');
            let oh: f64 = o.next()?.parse().ok()?;
            let om: f64 = o.next().unwrap_or("0").parse().ok()?;
            let shift = oh * 3600.0 + om * 60.0;
            seconds += if sign == '+' { -shift } else { shift };
        }
    }
    Some(seconds)
}

fn dates(v: &str, p: &str) -> Option<(f64, f64)> {
    Some((instant(v)?, instant(p)?))
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
        // Instants, whatever form each side is written in.
        "DateEquals" => (false, |v, p| dates(v, p).is_some_and(|(a, b)| a == b)),
        "DateNotEquals" => (true, |v, p| dates(v, p).is_some_and(|(a, b)| a == b)),
        "DateLessThan" => (false, |v, p| dates(v, p).is_some_and(|(a, b)| a < b)),
        "DateLessThanEquals" => (false, |v, p| dates(v, p).is_some_and(|(a, b)| a <= b)),
        "DateGreaterThan" => (false, |v, p| dates(v, p).is_some_and(|(a, b)| a > b)),
        "DateGreaterThanEquals" => (false, |v, p| dates(v, p).is_some_and(|(a, b)| a >= b)),
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
