//! Rules that span resources: uniqueness, the OU tree, AWS limits and value formats.
//! All run before any provider call, and all problems are reported together.

use super::declared::*;
use super::formats;
use super::limits::Limits;
use super::report::Reporter;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::graph::DependencyGraph;
use crate::model::PolicyType;
use crate::source::text::{Sources, Span};
use std::collections::HashMap;

impl Reporter<'_> {
    /// Reports every value that appears twice among `items` (comparison key, value as written,
    /// owner id, span); emails, for one, compare without case.
    fn unique(
        &mut self,
        code: &'static str,
        property: &str,
        items: Vec<(String, String, &str, Span)>,
        what: &str,
        warn_only: bool,
    ) {
        let mut first: HashMap<String, &str> = HashMap::new();
        for (key, value, id, span) in items {
            match first.get(&key) {
                Some(owner) => {
                    let message = format!("{what} '{value}' is also used by {owner}");
                    let d =
                        if warn_only { Diagnostic::warning(code, message) } else { Diagnostic::error(code, message) };
                    self.report(d, span, id, Some(property));
                }
                None => {
                    first.insert(key, id);
                }
            }
        }
    }
}

/// Where each OU and account sits: parent OU logical id, or `None` for the root.
pub struct Placement {
    pub ou_parent: HashMap<String, String>,
    pub account_parent: HashMap<String, String>,
}

pub fn validate(spec: &OrgSpec, limits: &Limits, sources: &Sources, diags: &mut Diagnostics) -> Placement {
    let mut c = Reporter::new(sources);
    check_accounts(spec, &mut c);
    check_tags(spec, &mut c);
    let placement = check_tree(spec, limits, &mut c);
    check_policies(spec, limits, &mut c);
    check_permission_sets(spec, &mut c);
    diags.extend(c.diags);
    placement
}

/// Permission set names are unique in an Identity Center instance (case-insensitively), and an
/// instance holds at most so many.
fn check_permission_sets(spec: &OrgSpec, c: &mut Reporter) {
    use crate::model::quotas::identity_center::PERMISSION_SETS;
    let mut seen: HashMap<String, &str> = HashMap::new();
    for set in &spec.permission_sets {
        if set.settings.name.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(set.settings.name.to_lowercase(), &set.logical_id) {
            c.error(
                "duplicate-name",
                set.span,
                &set.logical_id,
                Some("Name"),
                format!("the permission set name '{}' is also {first}'s", set.settings.name),
            )
            .help = Some("Identity Center names permission sets uniquely, whatever the case".into());
        }
    }
    if spec.permission_sets.len() > PERMISSION_SETS {
        if let Some(last) = spec.permission_sets.last() {
            c.error(
                "limit-exceeded",
                last.span,
                &last.logical_id,
                None,
                format!(
                    "{} permission sets; an Identity Center instance holds at most {PERMISSION_SETS}",
                    spec.permission_sets.len()
                ),
            );
        }
    }
}

fn check_accounts(spec: &OrgSpec, c: &mut Reporter) {
    for a in &spec.accounts {
        if let Some(id) = &a.account_id {
            if id.value.len() != 12 || !id.value.chars().all(|ch| ch.is_ascii_digit()) {
                c.error(
                    "invalid-account-id",
                    id.span,
                    &a.logical_id,
                    Some("AccountId"),
                    format!("AccountId '{}' is not 12 digits", id.value),
                )
                .help = Some(
                    "an AWS account id is exactly 12 digits; quote it ('012345678901') to keep leading zeros".into(),
                );
            }
        }
        if let Some(email) = &a.email {
            if !formats::valid_email(&email.value) {
                c.error(
                    "invalid-email",
                    email.span,
                    &a.logical_id,
                    Some("RootEmail"),
                    format!("'{}' is not a valid email address", email.value),
                )
                .help = Some(
                    "AWS needs a 6-64 character ASCII address like name+tag@example.com (no quotes, IP literals or leading dots)"
                        .into(),
                );
            }
        }
        if let Some(name) = &a.name {
            if !formats::valid_account_name(&name.value) {
                c.error(
                    "invalid-account-name",
                    name.span,
                    &a.logical_id,
                    Some("AccountName"),
                    "AccountName must be 1 to 50 printable ASCII characters",
                )
                .help = Some("AWS accepts letters, digits, spaces and ASCII punctuation only".into());
            }
        }
        if let Some(alias) = &a.alias {
            if !valid_alias(&alias.value) {
                c.error(
                    "invalid-alias",
                    alias.span,
                    &a.logical_id,
                    Some("Alias"),
                    format!("'{}' is not a valid IAM account alias", alias.value),
                )
                .help = Some(
                    "3-63 characters: lowercase letters, digits and hyphens, not starting or ending with a hyphen"
                        .into(),
                );
            }
        }
    }
    let values = |f: &dyn Fn(&AccountSpec) -> Option<&Located<String>>, lower: bool| {
        spec.accounts
            .iter()
            .filter_map(|a| {
                f(a).map(|l| {
                    let key = if lower { l.value.to_lowercase() } else { l.value.clone() };
                    (key, l.value.clone(), a.logical_id.as_str(), l.span)
                })
            })
            .collect()
    };
    c.unique("duplicate-email", "RootEmail", values(&|a| a.email.as_ref(), true), "RootEmail", false);
    c.unique("duplicate-account-id", "AccountId", values(&|a| a.account_id.as_ref(), false), "AccountId", false);
    c.unique("duplicate-alias", "Alias", values(&|a| a.alias.as_ref(), false), "Alias", false);
    c.unique("duplicate-account-name", "AccountName", values(&|a| a.name.as_ref(), false), "AccountName", true);
}

/// Tags on every resource that has them, against AWS's tag rules.
fn check_tags(spec: &OrgSpec, c: &mut Reporter) {
    let tagged = spec
        .accounts
        .iter()
        .map(|a| (&a.logical_id, &a.tags))
        .chain(spec.ous.iter().map(|o| (&o.logical_id, &o.tags)))
        .chain(spec.policies.iter().map(|p| (&p.logical_id, &p.tags)));
    for (id, tags) in tagged {
        let Some(tags) = tags else { continue };
        if let Some(problem) = formats::tag_problem(&tags.value) {
            c.error("invalid-tags", tags.span, id, Some("Tags"), problem);
        }
    }
}

fn valid_alias(alias: &str) -> bool {
    (3..=63).contains(&alias.len())
        && alias.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !alias.starts_with('-')
        && !alias.ends_with('-')
}

fn check_tree(spec: &OrgSpec, limits: &Limits, c: &mut Reporter) -> Placement {
    let mut placement = Placement { ou_parent: HashMap::new(), account_parent: HashMap::new() };
    let mut nesting: DependencyGraph<String> = DependencyGraph::default();
    for ou in &spec.ous {
        nesting.add_node(ou.logical_id.clone());
        for child in &ou.children {
            match placement.ou_parent.get(&child.target) {
                Some(other) if other != &ou.logical_id => {
                    c.error(
                        "ou-two-parents",
                        child.span,
                        &ou.logical_id,
                        Some("OrganizationalUnits"),
                        format!("OU {} is already a child of {other}", child.target),
                    )
                    .help = Some("an OU has one parent: list it under one OU only".into());
                }
                _ => {
                    placement.ou_parent.insert(child.target.clone(), ou.logical_id.clone());
                    nesting.add_edge(child.target.clone(), ou.logical_id.clone());
                }
            }
        }
        for account in &ou.accounts {
            match placement.account_parent.get(&account.target) {
                Some(other) if other != &ou.logical_id => {
                    c.error(
                        "account-two-ous",
                        account.span,
                        &ou.logical_id,
                        Some("Accounts"),
                        format!("account {} is already in OU {other}", account.target),
                    )
                    .help = Some("an account lives in one OU: remove it from one of the Accounts lists".into());
                }
                _ => {
                    placement.account_parent.insert(account.target.clone(), ou.logical_id.clone());
                }
            }
        }
    }
    let cycles = nesting.cycles();
    for cycle in &cycles {
        if let Some(ou) = spec.ous.iter().find(|o| o.logical_id == cycle[0]) {
            c.error(
                "ou-cycle",
                ou.span,
                &ou.logical_id,
                Some("OrganizationalUnits"),
                format!("OU nesting loop: {}", cycle.join(" is inside ")),
            )
            .help = Some("an OU cannot contain itself, directly or through its children".into());
        }
    }
    if cycles.is_empty() {
        check_depth(spec, limits, &placement, c);
    }
    let mut siblings = Vec::new();
    for ou in &spec.ous {
        if let Some(name) = &ou.name {
            if name.value.is_empty() || name.value.len() > 128 {
                c.error(
                    "invalid-ou-name",
                    name.span,
                    &ou.logical_id,
                    Some("OrganizationalUnitName"),
                    "OrganizationalUnitName must be 1 to 128 characters",
                );
            }
            let parent = placement.ou_parent.get(&ou.logical_id).map_or("the root", String::as_str);
            let key = format!("{}' under '{parent}", name.value);
            siblings.push((key.clone(), key, ou.logical_id.as_str(), name.span));
        }
        check_attachments(
            &ou.logical_id,
            &ou.scps,
            ou.scps_span.unwrap_or(ou.span),
            &ou.other_policies,
            spec,
            limits,
            c,
        );
    }
    c.unique("duplicate-ou-name", "OrganizationalUnitName", siblings, "OU name", false);
    if spec.ous.len() > limits.ous {
        c.diags.push(Diagnostic::error(
            "too-many-ous",
            format!("{} OUs, over the limit of {}", spec.ous.len(), limits.ous),
        ));
    }
    for a in &spec.accounts {
        check_attachments(&a.logical_id, &a.scps, a.scps_span.unwrap_or(a.span), &a.other_policies, spec, limits, c);
    }
    if let Some(root) = &spec.root {
        let span = root.scps_span.unwrap_or(root.span);
        check_attachments(&root.logical_id, &root.scps, span, &root.other_policies, spec, limits, c);
    }
    placement
}

fn check_depth(spec: &OrgSpec, limits: &Limits, placement: &Placement, c: &mut Reporter) {
    for ou in &spec.ous {
        let mut chain = vec![ou.logical_id.as_str()];
        let mut current = ou.logical_id.as_str();
        while let Some(parent) = placement.ou_parent.get(current) {
            chain.push(parent);
            current = parent;
        }
        // Report only the first OU that is too deep on each branch: its children follow from it.
        if chain.len() == limits.ou_depth + 1 {
            chain.reverse();
            c.error(
                "ou-too-deep",
                ou.span,
                &ou.logical_id,
                None,
                format!(
                    "OU nesting is {} levels deep ({}), over the limit of {}",
                    chain.len(),
                    chain.join(" > "),
                    limits.ou_depth
                ),
            )
            .help = Some(
                "AWS allows 5 levels of OUs below the root; flatten the tree (or --limit ou-depth=N if AWS raised it)"
                    .into(),
            );
        }
    }
}

/// The policies one root, OU or account attaches: per type, within AWS's per-target limit (the
/// AWS-managed default counted), each listed once.
fn check_attachments(
    id: &str,
    scps: &[ResourceRef],
    scps_span: Span,
    others: &[ResourceRef],
    spec: &OrgSpec,
    limits: &Limits,
    c: &mut Reporter,
) {
    let type_of = |r: &ResourceRef| spec.policies.iter().find(|p| p.logical_id == r.target).map(|p| p.policy_type);
    for policy_type in PolicyType::ALL {
        let listed: Vec<&ResourceRef> = if policy_type == PolicyType::ServiceControl {
            scps.iter().collect()
        } else {
            others.iter().filter(|r| type_of(r) == Some(policy_type)).collect()
        };
        let Some(first) = listed.first() else { continue };
        let property = policy_type.attachment_property();
        let default = policy_type.aws_managed_default();
        let limit = limits.policies_per_target(policy_type);
        let total = listed.len() + usize::from(default.is_some());
        if total > limit {
            let span = if policy_type == PolicyType::ServiceControl { scps_span } else { first.span };
            let counted = match &default {
                Some(d) => format!("{} listed + {}", listed.len(), d.name),
                None => format!("{} listed", listed.len()),
            };
            let code = if policy_type == PolicyType::ServiceControl { "too-many-scps" } else { "too-many-policies" };
            c.error(
                code,
                span,
                id,
                Some(property),
                format!(
                    "{total} {} would be attached ({counted}), over the limit of {limit}",
                    policy_type.short_plural()
                ),
            )
            .help = Some("merge statements into fewer policies, or attach some to a parent OU instead".into());
        }
        let mut seen = std::collections::HashSet::new();
        for r in listed {
            if !seen.insert(&r.target) {
                let code =
                    if policy_type == PolicyType::ServiceControl { "duplicate-scp" } else { "duplicate-attachment" };
                c.error(code, r.span, id, Some(property), format!("{} is listed twice", r.target));
            }
        }
    }
}

fn check_policies(spec: &OrgSpec, limits: &Limits, c: &mut Reporter) {
    for p in &spec.policies {
        if let Some(content) = &p.content {
            let size = content.value.chars().count();
            let limit = limits.policy_size(p.policy_type);
            if size > limit {
                let code =
                    if p.policy_type == PolicyType::ServiceControl { "scp-too-large" } else { "policy-too-large" };
                c.error(
                    code,
                    content.span,
                    &p.logical_id,
                    Some("PolicyDocument"),
                    format!("the policy is {size} characters once minified, over the limit of {limit}"),
                )
                .help = Some("split it into two policies, or use wildcards and NotAction to shorten it".into());
            }
        }
        if let Some(name) = &p.name {
            let ok = !name.value.is_empty()
                && name.value.len() <= 128
                && name.value.chars().all(|ch| ch.is_ascii_alphanumeric() || "+=,.@-_".contains(ch));
            if !ok {
                c.error(
                    "invalid-policy-name",
                    name.span,
                    &p.logical_id,
                    Some("PolicyName"),
                    format!("'{}' is not a valid policy name", name.value),
                )
                .help = Some("1-128 characters: letters, digits and +=,.@-_".into());
            }
        }
        if p.description.len() > 512 {
            c.error(
                "invalid-description",
                p.span,
                &p.logical_id,
                Some("Description"),
                "Description is at most 512 characters",
            );
        }
    }
    // Names are unique per type (AWS: DuplicatePolicyException).
    let names = spec
        .policies
        .iter()
        .filter_map(|p| {
            let n = p.name.as_ref()?;
            Some((format!("{}/{}", p.policy_type, n.value), n.value.clone(), p.logical_id.as_str(), n.span))
        })
        .collect();
    c.unique("duplicate-policy-name", "PolicyName", names, "PolicyName", false);
    for p in &spec.policies {
        let reserved = PolicyType::ALL.iter().filter_map(|t| t.aws_managed_default()).map(|d| d.name);
        if let Some(name) = p.name.as_ref().filter(|n| reserved.clone().any(|r| r == n.value)) {
            c.error(
                "reserved-policy-name",
                p.span,
                &p.logical_id,
                Some("PolicyName"),
                format!("{} is the name of a policy AWS manages", name.value),
            );
        }
    }
    let scps = spec.policies.iter().filter(|p| p.policy_type == PolicyType::ServiceControl).count();
    if scps > limits.scps {
        c.diags
            .push(Diagnostic::error("too-many-scps-in-org", format!("{scps} SCPs, over the limit of {}", limits.scps)));
    }
}
