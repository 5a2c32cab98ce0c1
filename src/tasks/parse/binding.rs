//! Organization bindings: their keys, the accounts, OUs and tags they name checked against the
//! organization file, and their regions.

use super::template::through_parameters;
use super::Parser;
use crate::diagnostic::Diagnostic;
use crate::org_file::declared::ResourceKind;
use crate::org_file::load::suggest;
use crate::org_file::report::locate;
use crate::source::text::Span;
use crate::source::yaml::{Node, NodeKind};
use crate::tasks::task_file::*;
use std::collections::BTreeMap;

/// The keys a binding takes.
const BINDING_KEYS: [&str; 7] = [
    "Account",
    "OrganizationalUnit",
    "ExcludeAccount",
    "ExcludeOrganizationalUnit",
    "IncludeMasterAccount",
    "AccountsWithTag",
    "Region",
];

/// References to the organization's resources, or `'*'` where allowed.
pub(super) enum OrgRefs {
    Star,
    Ids(Vec<String>),
}

impl OrgRefs {
    pub(super) fn ids(self) -> Vec<String> {
        match self {
            OrgRefs::Star => Vec::new(),
            OrgRefs::Ids(ids) => ids,
        }
    }
}

impl Parser<'_> {
    /// A binding without a Region, with no default region to take, deploys nothing: refused, as
    /// org-formation does, instead of planning zero stacks.
    pub(super) fn check_bindings_have_regions(
        &mut self,
        task: &str,
        span: Span,
        default_regions: &[String],
        default_binding: Option<&Binding>,
        bindings: &BTreeMap<String, Binding>,
        template: &Template,
    ) {
        if !default_regions.is_empty() {
            return;
        }
        let used_default = template.resources.iter().any(|r| r.binding == ResourceBinding::Default);
        let mut unbound: Vec<String> = Vec::new();
        if used_default && default_binding.is_some_and(|b| b.regions.is_empty()) {
            unbound.push("DefaultOrganizationBinding".into());
        }
        for r in &template.resources {
            let binding = match &r.binding {
                ResourceBinding::Named(n) => bindings.get(n).or_else(|| template.bindings.get(n)),
                ResourceBinding::Inline(b) => Some(b),
                ResourceBinding::Default => None,
            };
            if binding.is_some_and(|b| b.regions.is_empty()) {
                unbound.push(format!("the binding of {}", r.logical_id));
            }
        }
        if !unbound.is_empty() {
            // A warning, as in org-formation, but never silent: it deploys nothing there.
            unbound.dedup();
            let d = Diagnostic::warning(
                "binding-without-region",
                format!(
                    "{} has no Region, and there is no DefaultOrganizationBindingRegion: it deploys nothing",
                    unbound.join(", ")
                ),
            )
            .help("give the binding a Region, or the task (or template) a DefaultOrganizationBindingRegion");
            self.diags.push(locate(d, self.sources, span, task, Some("DefaultOrganizationBindingRegion")));
        }
    }

    /// A resource's `OrganizationBinding` or `ForeachAccount`: `!Ref Name` of a binding, or a
    /// binding written in place.
    pub(super) fn resource_binding(
        &mut self,
        v: &Node,
        task: &str,
        attribute: &str,
        params: &TaskValues,
    ) -> ResourceBinding {
        match (v.tag.as_deref(), v.as_str()) {
            (Some("Ref"), Some(name)) => ResourceBinding::Named(name.to_string()),
            _ => ResourceBinding::Inline(self.binding(v, task, attribute, params)),
        }
    }

    /// A reference to the organization's `expected` kinds, or `'*'` where `star` allows it.
    pub(super) fn org_refs(
        &mut self,
        node: &Node,
        task: &str,
        attribute: &str,
        expected: &[ResourceKind],
        star: bool,
    ) -> OrgRefs {
        let items: Vec<&Node> = match &node.kind {
            NodeKind::Seq(items) if node.tag.is_none() => items.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::new();
        for item in items {
            match (item.tag.as_deref(), item.as_str()) {
                (None, Some("*")) if star => return OrgRefs::Star,
                (Some("Ref"), Some(id)) => match self.org_kinds.get(id) {
                    Some(k) if expected.contains(k) => out.push(id.to_string()),
                    Some(k) => {
                        self.error(
                            "wrong-reference-type",
                            item.span,
                            task,
                            Some(attribute),
                            format!("!Ref {id} is an {}, not an {}", k.type_name(), expected[0].type_name()),
                        );
                    }
                    None => {
                        let guess = suggest(
                            id,
                            self.org_kinds.iter().filter(|(_, k)| expected.contains(k)).map(|(i, _)| i.as_str()),
                        );
                        self.error(
                            "unknown-reference",
                            item.span,
                            task,
                            Some(attribute),
                            format!("!Ref {id}: the organization file has no such resource"),
                        )
                        .help = Some(guess.map_or_else(
                            || "refer to a logical id of the organization file".to_string(),
                            |g| format!("did you mean '{g}'?"),
                        ));
                    }
                },
                _ => {
                    let hint = if star { "`'*'` or `!Ref LogicalId`" } else { "`!Ref LogicalId`" };
                    self.error(
                        "expected-ref",
                        item.span,
                        task,
                        Some(attribute),
                        format!("{attribute} takes {hint}, found {}", item.describe()),
                    );
                }
            }
        }
        OrgRefs::Ids(out)
    }

    pub(super) fn binding(&mut self, node: &Node, task: &str, attribute: &str, params: &TaskValues) -> Binding {
        if let (Some("Ref"), Some(TaskParameter::Binding(b))) =
            (node.tag.as_deref(), node.as_str().and_then(|n| params.parameters.get(n)).cloned().as_ref())
        {
            return self.binding(b, task, attribute, params);
        }
        let mut binding = Binding::default();
        // An empty binding (`Name:` with nothing under it) binds nothing, as in org-formation.
        if node.is_null() {
            return binding;
        }
        let Some(entries) = node.as_map() else {
            self.error(
                "invalid-binding",
                node.span,
                task,
                Some(attribute),
                format!("an organization binding is a mapping, found {}", node.describe()),
            );
            return binding;
        };
        let accounts = [ResourceKind::Account, ResourceKind::MasterAccount];
        for (k, v) in entries {
            let key = k.as_str().unwrap_or_default();
            let attr = format!("{attribute}.{key}");
            let refers =
                matches!(key, "Account" | "OrganizationalUnit" | "ExcludeAccount" | "ExcludeOrganizationalUnit");
            let v = &if refers { through_parameters(v, params, &self.template_parameters) } else { v.clone() };
            match key {
                "Account" => {
                    binding.accounts = match self.org_refs(v, task, &attr, &accounts, true) {
                        OrgRefs::Star => AccountSelector::All,
                        OrgRefs::Ids(ids) => AccountSelector::Some(ids),
                    }
                }
                "OrganizationalUnit" => {
                    binding.ous = self.org_refs(v, task, &attr, &[ResourceKind::OrganizationalUnit], false).ids()
                }
                "ExcludeAccount" => binding.exclude_accounts = self.org_refs(v, task, &attr, &accounts, false).ids(),
                "ExcludeOrganizationalUnit" => {
                    binding.exclude_ous =
                        self.org_refs(v, task, &attr, &[ResourceKind::OrganizationalUnit], false).ids()
                }
                "IncludeMasterAccount" => binding.include_master = self.flag(v, task, &attr, params),
                "AccountsWithTag" => binding.accounts_with_tag = self.text(v, task, &attr, params),
                "Region" => binding.regions = self.strings(v, task, &attr, params),
                other => {
                    let help = suggest(other, BINDING_KEYS.iter().copied()).map_or_else(
                        || format!("bindings take: {}", BINDING_KEYS.join(", ")),
                        |g| format!("did you mean '{g}'?"),
                    );
                    self.error(
                        "unknown-binding-key",
                        k.span,
                        task,
                        Some(&attr),
                        format!("unknown binding key '{other}'"),
                    )
                    .help = Some(help);
                }
            }
        }
        self.check_regions(&binding.regions, node.span, task, &format!("{attribute}.Region"));
        binding
    }

    pub(super) fn check_regions(&mut self, regions: &[String], span: Span, task: &str, attribute: &str) {
        for region in regions {
            let ok = region.split('-').count() >= 3
                && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                self.error(
                    "invalid-region",
                    span,
                    task,
                    Some(attribute),
                    format!("'{region}' is not an AWS region name"),
                )
                .help = Some("regions look like eu-west-1 or us-east-1".into());
            }
        }
    }
}
